"""Outbound delivery lag: internal events announced on ``projects.events``
(``placement_started``, as the projects service's outbox announces them) at a
steady rate, while the inbound stream runs; each enterprise reads its own
queue, the one its subscription names (``college.outbound.<id>.<token>``),
with its own broker user (kombu alone, as an integrator's system would). The
lag is from the announcement (the CloudEvent's ``time``, the internal event's)
to the enterprise receiving it.
"""
import json
import threading
import time
import uuid
from datetime import datetime, timezone

from kombu import Connection, Exchange, Queue

from bench.inbound import percentile

TYPE = "edu.college.placement.started.v1"


def subscribe(api, enterprise_id):
    """The queue the enterprise's placements go to: its queue subscription's
    (one made by an earlier run, else a new one)."""
    listed = api.call("GET", "/v1/enterprise-subscriptions?enterprise_id=%s&limit=100"
                      % enterprise_id)
    for subscription in listed["items"]:
        if subscription["delivery"] == "queue" and TYPE in subscription["event_types"] \
                and not subscription["paused"]:
            return subscription["queue"]
    return api.call("POST", "/v1/enterprise-subscriptions", {
        "enterprise_id": enterprise_id, "event_types": [TYPE], "delivery": "queue"},
        expect=(201,))["queue"]


def internal_event(enterprise_id, placement_id):
    return {"id": str(uuid.uuid4()), "type": "placement_started", "source": "projects",
            "time": datetime.now(timezone.utc).isoformat(), "schema_version": 1,
            "data": {"placement_id": placement_id, "student_id": "bench-student",
                     "enterprise_id": enterprise_id, "starts_on": "2027-03-01",
                     "ends_on": "2027-06-30"}}


class Reader:
    """Reads one enterprise's queue in a thread: (received at, announced at) per
    event of this run."""

    def __init__(self, credentials, prefix):
        self.url = credentials["url"]
        self.queue = Queue(credentials["queue"], no_declare=True)
        self.prefix = prefix
        self.samples = []
        self.failure = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        try:
            with Connection(self.url) as connection:
                def on_message(body, message):
                    event = json.loads(message.body)
                    if event.get("subject", "").startswith(self.prefix):
                        announced = datetime.fromisoformat(event["time"]).timestamp()
                        self.samples.append((time.time(), announced))
                    message.ack()
                with connection.Consumer([self.queue], callbacks=[on_message], accept=None,
                                         prefetch_count=100):
                    while not self.stopping.is_set():
                        try:
                            connection.drain_events(timeout=0.5)
                        except TimeoutError:
                            pass
        except Exception as exc:
            self.failure = exc


def wait_for_queues(amqp_uri, queues, timeout=60):
    """The platform declares a queue when it first sends to it."""
    deadline = time.monotonic() + timeout
    missing = set(queues)
    while missing and time.monotonic() < deadline:
        for queue in sorted(missing):
            with Connection(amqp_uri) as connection:
                try:
                    connection.default_channel.queue_declare(queue, passive=True)
                    missing.discard(queue)
                except Exception:
                    pass
        time.sleep(0.5)
    if missing:
        raise RuntimeError("no outbound queue for %s after %d s" % (sorted(missing), timeout))


def measure(amqp_uri, enterprises, rate, seconds, settle_seconds=10):
    """enterprises: credentials with ``url``, ``enterprise_id`` and ``queue`` (its
    subscription's)."""
    run_id = "bench-%s" % uuid.uuid4().hex[:8]
    exchange = Exchange("projects.events", type="topic", durable=True)
    ids = [credentials["enterprise_id"] for credentials in enterprises]
    with Connection(amqp_uri) as connection:
        producer = connection.Producer(serializer="json")
        for enterprise_id in ids:  # one each first, so that the queues exist
            warmup = "%s-warmup-%s" % (run_id, enterprise_id)
            producer.publish(internal_event(enterprise_id, warmup), exchange=exchange,
                             routing_key="placement_started", declare=[exchange],
                             delivery_mode=2)
    wait_for_queues(amqp_uri, [credentials["queue"] for credentials in enterprises])
    readers = [Reader(credentials, run_id + "-e") for credentials in enterprises]
    for reader in readers:
        reader.thread.start()
    sent = 0
    started = time.time()
    interval = 1.0 / rate
    with Connection(amqp_uri) as connection:
        producer = connection.Producer(serializer="json")
        while time.time() - started < seconds:
            due = started + sent * interval
            if due > time.time():
                time.sleep(due - time.time())
            enterprise_id = ids[sent % len(ids)]
            producer.publish(internal_event(enterprise_id, "%s-e%06d" % (run_id, sent)),
                             exchange=exchange, routing_key="placement_started",
                             delivery_mode=2)
            sent += 1
    last_count, last_change = -1, time.monotonic()
    cap = time.monotonic() + max(20, seconds / 2)
    while sum(len(r.samples) for r in readers) < sent and \
            time.monotonic() - last_change < settle_seconds and time.monotonic() < cap:
        count = sum(len(r.samples) for r in readers)
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        time.sleep(0.2)
    for reader in readers:
        reader.stopping.set()
        reader.thread.join(5)
    failures = [str(reader.failure) for reader in readers if reader.failure]
    samples = [sample for reader in readers for sample in reader.samples]
    lags = [(received - announced) * 1000 for received, announced in samples]
    return {"sent": sent, "delivered": len(samples), "target_rate": rate,
            "seconds": seconds, "enterprises": len(ids),
            "lag_p50_ms": round(percentile(lags, 0.50), 1) if lags else None,
            "lag_p99_ms": round(percentile(lags, 0.99), 1) if lags else None,
            "lag_max_ms": round(max(lags), 1) if lags else None,
            "undelivered": sent - len(samples), "reader_failures": failures}
