"""Load, the probe service and the results file for the fault tests.

``FAULTS_FULL=1`` (``make faults``) runs each scenario at the issue's load;
without it (``make test``) a shorter run of the same scenario."""
import json
import os
import threading
import time
import uuid
from collections import namedtuple
from datetime import datetime, timezone
from pathlib import Path

import requests
from kombu import Connection, Exchange
from pymongo import MongoClient

from testkit.servers import ROOT, GaveUp, ServiceProcess, free_port, wait_until

FULL = os.environ.get("FAULTS_FULL", "") not in ("", "0", "false")
RESULTS = Path(os.environ.get("FAULTS_RESULTS", ROOT / "var" / "faults" / "results.jsonl"))


def scaled(full, short):
    return full if FULL else short


def record_result(scenario, load, faults, published, confirmed, effects=None, lost=None,
                  duplicated=None, **extra):
    """One row of docs/reliability.md's table (tools/reliability_report.py).
    A figure the scenario did not count is None, shown as "not measured":
    ``lost`` and ``duplicated`` are numbers only where the test compared every
    confirmed event with the effects it counted."""
    for name, value in (("effects", effects), ("lost", lost), ("duplicated", duplicated)):
        if value is not None and (not isinstance(value, int) or value < 0):
            raise ValueError("%s is a count or None (not measured), not %r" % (name, value))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    row = {"scenario": scenario, "scale": "full" if FULL else "short", "load": load,
           "faults": faults, "published": published, "confirmed": confirmed,
           "effects": effects, "lost": lost, "duplicated": duplicated,
           "at": datetime.now(timezone.utc).isoformat(timespec="seconds"), **extra}
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")


class Ledger:
    """The probe service's processes and its database."""

    def __init__(self, rabbit, mongo, **env):
        self.rabbit = rabbit
        self.mongo = mongo
        self.database = "ledger_%s" % uuid.uuid4().hex[:8]
        self.env = {"AMQP_URI": rabbit.uri, "MONGO_URI": mongo.uri,
                    "LEDGER_MONGO_DATABASE": self.database, **env}
        self.processes = []

    def start(self, **env):
        port = free_port()
        process = ServiceProcess("tests/faults", "ledger:LedgerService",
                                 ROOT / "tests/faults/ledger.yaml",
                                 {**self.env, "LEDGER_HTTP_ADDRESS": "127.0.0.1:%d" % port,
                                  **env})
        process.base = "http://127.0.0.1:%d" % port
        self.processes.append(process)

        def healthy():
            if process.process.poll() is not None:
                raise GaveUp("the ledger exited:\n%s" % process.output()[-4000:])
            return requests.get(process.base + "/health", timeout=5).status_code == 200

        wait_until(healthy, timeout=60, interval=0.3, message="the ledger to be healthy")
        return process

    def client(self):
        return MongoClient(self.mongo.uri, tz_aware=True, serverSelectionTimeoutMS=30000)

    def effects(self, kind):
        """{event id: number of effects of that kind}."""
        with self.client() as client:
            counts = {}
            for row in client[self.database].effects.find({"kind": kind}, {"event_id": 1}):
                counts[row["event_id"]] = counts.get(row["event_id"], 0) + 1
            return counts

    def total_effects(self):
        """Effects of every kind so far, from the collection's size: cheap. Reading
        every effect once a second, under load, had slowed the probe service."""
        with self.client() as client:
            return client[self.database].effects.estimated_document_count()

    def wait_for_effects(self, expected, kinds, timeout, recheck=10.0, earlier=0):
        """``{kind: effects}`` once every id in ``expected`` has an effect of each
        kind, or at the timeout. The effects are read in full only when their
        number (beyond ``earlier`` ones) says they could be complete, at most
        every ``recheck`` seconds, and every 30 s in any case."""
        expected = set(expected)
        deadline = time.monotonic() + timeout
        checked_at = float("-inf")
        while True:
            out_of_time = time.monotonic() >= deadline
            since = time.monotonic() - checked_at
            if out_of_time or since > 30 or (
                    since > recheck and
                    self.total_effects() >= earlier + len(expected) * len(kinds)):
                counts = {kind: self.effects(kind) for kind in kinds}
                checked_at = time.monotonic()
                if out_of_time or all(expected <= set(counts[kind]) for kind in kinds):
                    return counts
            time.sleep(min(1.0, recheck))

    def log_lines_mentioning(self, ids, limit=40):
        """What the probe's processes logged about these events: the first thing
        to read when one is missing."""
        ids = set(ids)
        lines = [line for process in self.processes
                 for line in process.output().splitlines()
                 if any(event_id in line for event_id in ids)]
        return lines[:limit]

    def queue_depths(self):
        """Messages ready in each of the probe's queues, wait and dead queues included."""
        depths = {}
        with Connection(self.rabbit.uri) as connection:
            for base in ("college.inbound.ledger",
                         "evt-ledger-entry_recorded--ledger.on_entry_recorded"):
                # the wait queues of ledger.yaml's default EVENT_RETRY_DELAYS
                for name in [base, base + ".dead"] + [
                        "%s.retry.%dms" % (base, ms) for ms in (500, 1000, 2000, 4000)]:
                    try:
                        depths[name] = connection.channel().queue_declare(
                            name, passive=True).message_count
                    except Exception:
                        pass
        return depths

    def explain_missing(self, expected, counts):
        """A failure message naming the events missing an effect (``counts``:
        ``{kind: {event id: effects}}``), the queues they are not in, and what
        the processes said about them."""
        missing = sorted(set().union(*(set(expected) - set(c) for c in counts.values())))
        with self.client() as client:
            database = client[self.database]
            # looked up by event id, not by kind: an effect the kind's index missed shows here
            stored = {"effects": list(database.effects.find(
                          {"event_id": {"$in": missing[:20]}}, {"_id": 0})),
                      "inbox": list(database.inbox.find(
                          {"event_id": {"$in": missing[:20]}}, {"_id": 1, "received_at": 1}))}
        return "%d missing, e.g. %s; stored for them %s; queues %s; logs: %s" % (
            len(missing), missing[:5], stored, self.queue_depths(),
            self.log_lines_mentioning(missing[:20]))

    def wait_for_outbox_sent(self, timeout):
        """Until the outbox holds no pending record: from then on nothing is
        published again (a record is marked sent only once the broker confirmed it)."""
        def all_sent():
            with self.client() as client:
                return client[self.database].outbox.count_documents({"status": "pending"}) == 0

        wait_until(all_sent, timeout=timeout, interval=1.0,
                   message="every outbox record of the probe to be sent")

    def stop(self):
        for process in self.processes:
            process.stop()


class PublicationTap:
    """A queue of the test's own bound to the probe's event exchange: every
    publication of its outbox lands here too, so publications are counted
    rather than inferred from effects (the consumer's inbox absorbs a second
    publication of an event, so its effects cannot tell)."""

    def __init__(self, uri, exchange="ledger.events"):
        self.uri = uri
        self.name = "tap.%s.%s" % (exchange, uuid.uuid4().hex[:8])
        with Connection(uri) as connection:
            channel = connection.default_channel
            # as the probe declares it (nameko's event exchange)
            channel.exchange_declare(exchange, "topic", durable=True, auto_delete=False)
            channel.queue_declare(self.name, durable=False, auto_delete=False)
            channel.queue_bind(self.name, exchange, routing_key="#")

    def publications(self):
        """{entry id: times its event was published}, draining the queue."""
        counts = {}
        with Connection(self.uri) as connection:
            channel = connection.default_channel
            while (message := channel.basic_get(self.name, no_ack=True)) is not None:
                entry_id = json.loads(message.body)["data"]["entry_id"]
                counts[entry_id] = counts.get(entry_id, 0) + 1
        return counts

    def close(self):
        with Connection(self.uri) as connection:
            connection.default_channel.queue_delete(self.name)


ENTERPRISE = "ACME"


def project_posted(enterprise_id, external_ref):
    """A valid ``project.posted`` CloudEvent of the inbound contract."""
    return {"specversion": "1.0", "id": str(uuid.uuid4()),
            "source": "/enterprises/%s" % enterprise_id,
            "type": "edu.college.project.posted.v1",
            "time": datetime.now(timezone.utc).isoformat(),
            "datacontenttype": "application/json",
            "data": {"external_ref": external_ref, "revision": 1, "title": "产线视觉质检",
                     "brief": "Build a vision quality-control cell for the stamping line",
                     "team_size": 4, "start_date": "2027-03-01", "end_date": "2027-06-30",
                     "milestones": [{"title": "交付", "due_date": "2027-06-20",
                                     "weight": 100}]}}


def effect_id(event):
    """The id the inbound contract gives an accepted event (source#id)."""
    return "%s#%s" % (event["source"], event["id"])


class InboundPublisher(threading.Thread):
    """An enterprise system publishing the inbound contract's events at a
    steady rate as its own broker user, as the contract asks: persistent, with
    publisher confirms and ``mandatory``; when the broker is away, or returns
    the event because no queue took it, it sends the same event again (at
    least once). ``confirmed`` holds the accepted ids of the events the broker
    confirmed and routed."""

    def __init__(self, uri, total, rate, enterprise_id=ENTERPRISE,
                 ref=lambda n: "ERP-%d" % n, go_on=lambda: True):
        super().__init__(daemon=True)
        self.uri = uri
        self.total = total
        self.rate = rate
        self.enterprise_id = enterprise_id
        self.user = "enterprise-" + enterprise_id
        self.ref = ref
        self.go_on = go_on  # asked before each event: False ends the stream early
        self.published = 0
        self.confirmed = []
        self.failures = 0
        self.returned = 0  # events no queue took (sent again)
        self.error = None
        self._returned_ids = set()

    def _on_return(self, exception, exchange, routing_key, message):
        self._returned_ids.add(message.properties.get("message_id"))

    def run(self):
        try:
            self._run()
        except BaseException as exc:  # surfaced by the test
            self.error = exc

    def _run(self):
        exchange = Exchange("college.inbound", type="topic", no_declare=True)
        started = time.monotonic()
        n = 0
        connection = None
        while n < self.total and self.go_on():
            event = project_posted(self.enterprise_id, self.ref(n))
            while True:
                try:
                    if connection is None:
                        connection = Connection(self.uri, connect_timeout=2,
                                                transport_options={"confirm_publish": True})
                        producer = connection.Producer(on_return=self._on_return)
                    self.published += 1
                    producer.publish(json.dumps(event).encode(), exchange=exchange,
                                     routing_key=event["type"], user_id=self.user,
                                     content_type="application/cloudevents+json",
                                     message_id=event["id"], mandatory=True,
                                     delivery_mode=2, retry=False)
                    # the broker returns an unroutable message before confirming it
                    if event["id"] in self._returned_ids:
                        self._returned_ids.discard(event["id"])
                        self.returned += 1
                        time.sleep(0.2)
                        continue
                    self.confirmed.append(effect_id(event))
                    break
                except Exception:
                    self.failures += 1
                    if connection is not None:
                        try:
                            connection.release()
                        except Exception:
                            pass
                    connection = None
                    time.sleep(0.2)
            n += 1
            # keep the rate: sleep until this message's slot
            delay = started + n / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        if connection is not None:
            connection.release()


def duplicates(counts):
    return sum(count - 1 for count in counts.values() if count > 1)


# a command that failed: when it was sent and to which process, so that a failure
# can be set against the moment a fault struck that process
Failure = namedtuple("Failure", "sent_at base error")


class CommandClient(threading.Thread):
    """A client posting commands (a write through the outbox) to whichever
    ledger process is current, one after another; ``committed`` holds the ids
    the service answered 201 for, ``failed`` a ``Failure`` for each answer that
    was an error (a refused connection, before the request was accepted, is neither)."""

    def __init__(self, base_of, total, work_seconds=0.0):
        super().__init__(daemon=True)
        self.base_of = base_of
        self.total = total
        self.work_seconds = work_seconds
        self.committed = []
        self.failed = []
        self.refused = 0

    def run(self):
        n = 0
        while n < self.total:
            entry_id = "cmd-%s" % uuid.uuid4().hex
            base, sent_at = self.base_of(), time.time()
            try:
                response = requests.post("%s/entries/%s?work=%s" % (
                    base, entry_id, self.work_seconds), timeout=30)
            except requests.ConnectionError as exc:
                if refused(exc):
                    self.refused += 1
                    time.sleep(0.05)
                    continue  # not accepted: send it again
                self.failed.append(Failure(sent_at, base, repr(exc)))
            else:
                if response.status_code == 201:
                    self.committed.append(entry_id)
                else:
                    self.failed.append(Failure(sent_at, base, "%d %s" % (
                        response.status_code, response.text[:200])))
            n += 1


def queue_depth(uri, name):
    """Messages ready in a queue (0 for a queue that does not exist)."""
    with Connection(uri) as connection:
        try:
            return connection.default_channel.queue_declare(name, passive=True).message_count
        except Exception:
            return 0


def refused(exc):
    """A connection that was never established (no process listening, or one
    dying as the client connected: the connect itself failed): the request
    was not in flight, and may be sent again."""
    return any(text in str(exc) for text in ("Connection refused", "ECONNREFUSED",
                                             "NewConnectionError"))


def stalled_report(ledger, publisher):
    """What a stalled stream looks like from outside: the first thing to read
    when the effects do not resume."""
    # the messages, not the traceback frames under them
    tails = ["\n".join([line for line in process.output().splitlines()
                        if not line.startswith(" ")][-40:]) for process in ledger.processes]
    return ("probe processes running %s; publisher alive %s, published %d, confirmed %d, "
            "failures %d, error %r; effects %d; queues %s; the probe's log ends:\n%s" % (
                [process.process.poll() is None for process in ledger.processes],
                publisher.is_alive(), publisher.published, len(publisher.confirmed),
                publisher.failures, publisher.error, ledger.total_effects(),
                ledger.queue_depths(), "\n---\n".join(tails)))


def wait_for_a_relayed_effect(ledger, publisher, after, timeout, what):
    """Until a relayed effect written after ``after`` (a datetime) exists: the
    outbox published it and the consumer took it. It is looked for only when
    there are new effects: a query polled 5 times a second loads the database
    the consumers are writing to. A stalled stream raises with its report."""
    seen = {"total": ledger.total_effects()}

    def relayed_since():
        total = ledger.total_effects()
        if total == seen["total"]:
            return None
        seen["total"] = total
        with ledger.client() as client:
            return client[ledger.database].effects.find_one(
                {"kind": "relayed", "at": {"$gt": after}})

    try:
        wait_until(relayed_since, timeout=timeout, interval=0.2, message=what)
    except AssertionError as exc:
        raise AssertionError("%s; %s" % (exc, stalled_report(ledger, publisher))) from None


StreamOutcome = namedtuple("StreamOutcome", "confirmed counts effects lost duplicated")


def stream_outcome(ledger, publisher, events, join_seconds):
    """Once the publisher has sent all ``events``: every confirmed event's
    effects of both kinds, and how many are missing or repeated."""
    publisher.join(join_seconds)
    assert publisher.error is None, repr(publisher.error)
    confirmed = set(publisher.confirmed)
    assert len(confirmed) == events
    counts = ledger.wait_for_effects(confirmed, ("inbound", "relayed"), events / 20 + 120)
    inbound, relayed = counts["inbound"], counts["relayed"]
    return StreamOutcome(
        confirmed, counts,
        effects=sum(kind.get(event_id, 0) for kind in (inbound, relayed)
                    for event_id in confirmed),
        lost=len(confirmed - set(inbound)) + len(confirmed - set(relayed)),
        duplicated=duplicates(inbound) + duplicates(relayed))
