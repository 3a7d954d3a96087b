"""Message-path benchmarks.

- inbound: enterprise systems (separate processes, each with its own broker
  user) publish ``project.posted`` events through the inbound contract at a
  target rate, with publisher confirms; the projects service drafts each
  project and announces ``project_drafted`` through its outbox. A probe queue
  on ``projects.events`` sees that effect: events/s processed end to end and
  the lag from the enterprise's send to the announcement.
- baseline C: raw kombu publish to consume with confirms, on a throwaway
  exchange and queue, no service in between.

The publisher runs as ``python -m bench.inbound publish ...`` (an external
client: kombu alone, none of the project's code).
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

from kombu import Connection, Exchange, Queue

ROOT = Path(__file__).resolve().parent.parent


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))
    return ordered[index]


class Probe:
    """Consumes a queue in a thread; keeps (received at, sent at) per message."""

    def __init__(self, amqp_uri, exchange, routing_key, sent_at):
        self.amqp_uri = amqp_uri
        self.queue = Queue("bench-probe-%s" % uuid.uuid4().hex[:8], exchange=exchange,
                           routing_key=routing_key, durable=False, auto_delete=True)
        self.sent_at = sent_at  # body -> the sender's time.time() at send, or None
        self.samples = []
        self.failure = None
        self.stopping = threading.Event()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        try:
            self.consume()
        except Exception as exc:  # reported by start() or stop(), not lost in the thread
            self.failure = exc
            self.ready.set()

    def consume(self):
        with Connection(self.amqp_uri) as connection:
            def on_message(body, message):
                now = time.time()
                sent = self.sent_at(body)
                if sent is not None:
                    self.samples.append((now, sent))
                message.ack()
            with connection.Consumer(self.queue, callbacks=[on_message], accept=None,
                                     prefetch_count=500):
                self.ready.set()
                while not self.stopping.is_set():
                    try:
                        connection.drain_events(timeout=0.5)
                    except TimeoutError:  # socket.timeout too: nothing arrived
                        pass

    def start(self):
        self.thread.start()
        if not self.ready.wait(60):
            raise RuntimeError("the probe queue did not start consuming within 60 s")
        if self.failure:
            raise RuntimeError("the probe failed: %r" % self.failure)
        return self

    def stop(self):
        self.stopping.set()
        self.thread.join(10)
        if self.failure:
            raise RuntimeError("the probe failed: %r" % self.failure)


WINDOW_SECONDS = 10


def rate_by_window(samples, started, window=WINDOW_SECONDS):
    """Events processed per second in each ``window`` seconds from the first
    send: whether the rate holds within a run, not only its average."""
    counts = {}
    for received, _ in samples:
        index = int((received - started) // window)
        counts[index] = counts.get(index, 0) + 1
    return [round(counts.get(index, 0) / window, 1)
            for index in range(max(counts) + 1 if counts else 0)]


def summarise(samples, sent, started, seconds):
    """Figures from the probe's samples: rate over the window and within it,
    lag percentiles."""
    lags = [(received - sent_at) * 1000 for received, sent_at in samples]
    last = max((received for received, _ in samples), default=started)
    elapsed = max(last - started, 1e-6)
    return {"sent": sent, "processed": len(samples), "seconds": round(elapsed, 2),
            "target_seconds": seconds,
            "events_per_s": round(len(samples) / elapsed, 1),
            "events_per_s_by_%ds" % WINDOW_SECONDS: rate_by_window(samples, started),
            "lag_p50_ms": round(percentile(lags, 0.50), 1) if lags else None,
            "lag_p99_ms": round(percentile(lags, 0.99), 1) if lags else None,
            "lag_max_ms": round(max(lags), 1) if lags else None,
            "unprocessed": sent - len(samples)}


def drafted_sent_at(run_id):
    """The send time the publisher put in the title, ``bench <ref> <time>``, for
    this run's events only (a kept database may still announce older ones)."""
    def sent_at(body):
        if isinstance(body, (bytes, str)):
            body = json.loads(body)
        parts = (body.get("data") or {}).get("title", "").split()
        if len(parts) == 3 and parts[0] == "bench" and parts[1].startswith(run_id + "-"):
            return float(parts[2])
        return None
    return sent_at


def raw_sent_at(body):
    if isinstance(body, (bytes, str)):
        body = json.loads(body)
    return body.get("sent_at")


def start_publishers(kind, amqp_urls, rate, seconds, run_id, out_folder, count=0):
    """One publisher process per URL, the rate split between them; ``count``:
    stop after that many events in all (0: after ``seconds``)."""
    processes = []
    for index, url in enumerate(amqp_urls):
        out = Path(out_folder) / ("publisher-%s-%d.json" % (run_id, index))
        argv = [sys.executable, "-m", "bench.inbound", kind, "--url", url["url"],
                "--rate", str(rate / len(amqp_urls)), "--seconds", str(seconds),
                "--count", str(-(-count // len(amqp_urls))),
                "--ref-prefix", "%s-%d" % (run_id, index), "--out", str(out)]
        if url.get("username"):
            argv += ["--username", url["username"], "--enterprise", url["enterprise_id"]]
        if url.get("exchange"):
            argv += ["--exchange", url["exchange"]]
        processes.append((subprocess.Popen(argv, cwd=ROOT, env=dict(
            os.environ, PYTHONPATH=str(ROOT))), out))
    return processes


def wait_publishers(processes, seconds, reports=None):
    """The events sent in all; ``reports`` gets each publisher's own figures."""
    sent = 0
    for process, out in processes:
        process.wait(seconds + 120)
        if process.returncode != 0:
            raise RuntimeError("a publisher failed with code %s" % process.returncode)
        report = json.loads(out.read_text())
        sent += report["sent"]
        if reports is not None:
            reports.append(report)
        out.unlink()
    return sent


def drain_until(probe, expected, settle_seconds, cap_seconds):
    """Wait for the stragglers: until every event is seen, nothing moves for
    ``settle_seconds``, or ``cap_seconds`` have passed (a backlog is a figure, not
    something to sit out)."""
    last_count, last_change = -1, time.monotonic()
    cap = time.monotonic() + cap_seconds
    while len(probe.samples) < expected and time.monotonic() - last_change < settle_seconds \
            and time.monotonic() < cap:
        if len(probe.samples) != last_count:
            last_count, last_change = len(probe.samples), time.monotonic()
        time.sleep(0.2)


def purge(amqp_uri, queue_name):
    """Drop a backlog left by a run so that the next one starts from an empty queue."""
    with Connection(amqp_uri) as connection:
        try:
            return connection.default_channel.queue_purge(queue_name) or 0
        except Exception:  # no such queue (yet): nothing to drop
            return 0


INBOUND_QUEUE = "college.inbound.projects"


def measure_inbound(amqp_uri, enterprises, rate, seconds, out_folder, settle_seconds=10):
    """enterprises: [credentials] from the provisioning command (url, username, ...).
    Events not processed within ``seconds`` / 2 (at least 20 s) after the last send
    count as unprocessed, and are dropped before the next run."""
    run_id = uuid.uuid4().hex[:8]
    probe = Probe(amqp_uri, Exchange("projects.events", type="topic", durable=True),
                  "project_drafted", drafted_sent_at(run_id)).start()
    try:
        started = time.time()
        processes = start_publishers("publish", enterprises, rate, seconds, run_id, out_folder)
        sent = wait_publishers(processes, seconds)
        drain_until(probe, sent, settle_seconds, max(20, seconds / 2))
    finally:
        probe.stop()
    dropped = purge(amqp_uri, INBOUND_QUEUE)
    return {**summarise(probe.samples, sent, started, seconds), "target_rate": rate,
            "publishers": len(enterprises), "dropped_backlog": dropped}


def grow_projects(amqp_uri, enterprises, count, out_folder, max_seconds=7200):
    """Post ``count`` new projects through the inbound contract as fast as the
    broker confirms them (the 10x phase's growth); returns how many were sent."""
    run_id = "grow" + uuid.uuid4().hex[:6]
    processes = start_publishers("publish", enterprises, 0, max_seconds, run_id, out_folder,
                                 count=count)
    return wait_publishers(processes, max_seconds)


def measure_raw(amqp_uri, seconds, out_folder, publishers=1, settle_seconds=10):
    """Baseline C: as fast as confirms allow, straight to a queue and back out."""
    run_id = uuid.uuid4().hex[:8]
    exchange = "bench.raw.%s" % run_id
    # the probe's queue declares the exchange before anything is published to it
    probe = Probe(amqp_uri, Exchange(exchange, type="topic", durable=False, auto_delete=True),
                  "#", raw_sent_at).start()
    try:
        started = time.time()
        processes = start_publishers("raw", [{"url": amqp_uri, "exchange": exchange}] *
                                     publishers, 0, seconds, run_id, out_folder)
        sent = wait_publishers(processes, seconds)
        drain_until(probe, sent, settle_seconds, max(20, seconds / 2))
    finally:
        probe.stop()
    return {**summarise(probe.samples, sent, started, seconds), "publishers": publishers}


# -- the publisher process ------------------------------------------------------------

def patient_main(args):
    """``publish`` through the publisher library enterprises are given
    (integrations/college-publisher): when the bounded queue refuses an event,
    it waits (1, 2, 4 ... s) and sends it again. Counts those waits and the
    events it finally gave up on."""
    sys.path.insert(0, str(ROOT / "integrations/college-publisher"))
    from college_publisher import Publisher, PublishFailed

    from bench.dataset import project_posted_event
    today = date.today()
    waits = []
    sent = failed = 0
    interval = 1.0 / args.rate if args.rate else 0.0

    def counted_sleep(seconds):
        waits.append(seconds)
        time.sleep(seconds)

    with Publisher(args.url, args.enterprise, sleep=counted_sleep) as publisher:
        started = time.monotonic()
        end = started + args.seconds
        attempted = 0
        while time.monotonic() < end:
            due = started + attempted * interval
            if due > time.monotonic():
                time.sleep(due - time.monotonic())
            event = project_posted_event(args.enterprise, "%s-%07d" % (args.ref_prefix,
                                                                      attempted), today,
                                         sent_at=time.time())
            attempted += 1
            try:
                publisher.publish(event)
                sent += 1
            except PublishFailed:
                failed += 1
        elapsed = time.monotonic() - started
    Path(args.out).write_text(json.dumps({
        "sent": sent, "refused_for_good": failed, "attempted": attempted,
        "nack_waits": len(waits), "seconds_waiting": round(sum(waits), 1),
        "seconds": round(elapsed, 1)}))
    return 0


def publish_main(args):
    """Publish for ``seconds`` at ``rate`` events/s (0: as fast as confirms allow)."""
    if args.command == "patient":
        return patient_main(args)
    from bench.dataset import INBOUND_EXCHANGE, project_posted_event  # kombu and stdlib only
    today = date.today()
    sent = 0
    interval = 1.0 / args.rate if args.rate else 0.0
    with Connection(args.url, transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer()
        if args.command == "raw":
            exchange = Exchange(args.exchange, type="topic", no_declare=True)
        else:
            exchange = Exchange(INBOUND_EXCHANGE, type="topic", no_declare=True)
        started = time.monotonic()
        end = started + args.seconds
        while True:
            now = time.monotonic()
            if now >= end or (args.count and sent >= args.count):
                break
            if interval:
                due = started + sent * interval
                if due > now:
                    time.sleep(due - now)
            if args.command == "raw":
                producer.publish(json.dumps({"sent_at": time.time(), "n": sent}).encode(),
                                 exchange=exchange, routing_key="bench.raw",
                                 content_type="application/json", content_encoding="utf-8",
                                 delivery_mode=2)
            else:
                event = project_posted_event(args.enterprise, "%s-%07d" % (args.ref_prefix,
                                                                          sent), today,
                                             sent_at=time.time())
                producer.publish(json.dumps(event, ensure_ascii=False).encode(),
                                 exchange=exchange, routing_key=event["type"],
                                 content_type="application/cloudevents+json",
                                 content_encoding="utf-8", delivery_mode=2,
                                 user_id=args.username)
            sent += 1
    Path(args.out).write_text(json.dumps({"sent": sent}))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description="an external publisher for the benchmark")
    parser.add_argument("command", choices=("publish", "raw", "patient"))
    parser.add_argument("--url", required=True)
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--ref-prefix", default="bench")
    parser.add_argument("--username")
    parser.add_argument("--enterprise")
    parser.add_argument("--exchange")
    parser.add_argument("--out", required=True)
    return publish_main(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())


# -- twice the capacity offered to a bounded queue ---------------------------------------

class DepthSampler:
    """The messages waiting in the inbound queue every ``interval`` seconds,
    from the management API."""

    def __init__(self, queue_url, auth, interval=0.5):
        self.queue_url, self.auth, self.interval = queue_url, auth, interval
        self.depths = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        import requests
        while not self.stopping.wait(self.interval):
            try:
                # the bound counts the messages waiting, not those delivered and not
                # yet acknowledged (the consumer's prefetch)
                answer = requests.get(self.queue_url, auth=self.auth, timeout=5,
                                      params={"columns": "messages_ready"})
                if answer.ok:
                    self.depths.append(answer.json().get("messages_ready") or 0)
            except requests.RequestException:  # a missed sample, not a failed run
                pass

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.thread.join(10)
        return self.depths


def measure_overload(amqp_uri, enterprises, rate, seconds, bound, queue_url, auth, out_folder,
                     settle_seconds=10):
    """Offer ``rate`` events/s (twice the capacity measured) through the
    publisher library to an inbound queue bounded at ``bound`` messages: what
    was lost (sent and confirmed, never drafted), the queue's deepest, how
    often publishers were told to wait and what they finally sent."""
    run_id = uuid.uuid4().hex[:8]
    probe = Probe(amqp_uri, Exchange("projects.events", type="topic", durable=True),
                  "project_drafted", drafted_sent_at(run_id)).start()
    sampler = DepthSampler(queue_url, auth).start()
    reports = []
    try:
        started = time.time()
        processes = start_publishers("patient", enterprises, rate, seconds, run_id, out_folder)
        sent = wait_publishers(processes, seconds, reports)
        publishing_seconds = time.time() - started
        # a bounded backlog drains in bound / capacity seconds: wait for all of it
        drain_until(probe, sent, max(settle_seconds, 30), max(120, seconds))
    finally:
        probe.stop()
        depths = sampler.stop()
    figures = summarise(probe.samples, sent, started, seconds)
    return {**figures, "offered_rate": rate, "bound": bound,
            "sent_per_s": round(sent / max(publishing_seconds, 1e-6), 1),
            "attempted": sum(r["attempted"] for r in reports),
            "refused_for_good": sum(r["refused_for_good"] for r in reports),
            "nack_waits": sum(r["nack_waits"] for r in reports),
            "seconds_waiting": round(sum(r["seconds_waiting"] for r in reports), 1),
            "max_queue_depth": max(depths, default=None), "depth_samples": len(depths),
            "lost": figures["unprocessed"]}
