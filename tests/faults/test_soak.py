"""Point 10, the soak: the system under steady load for a long time (``make
soak``: 30 minutes; ``make test``: a short run of the same) at half the
benchmark targets (issue 11: 1,000 inbound events/s and 500 list reads/s, so
500 and 250 offered), reporting heartbeat disconnects and the memory growth of
every process. Targets: no disconnect, under 10% growth of each service
after warm-up. At the end the backlog is drained and every confirmed event
must have exactly one effect of each kind, as in the other scenarios."""
import os
import threading
import time

import requests

from testkit.faults import InboundPublisher, duplicates, queue_depth, record_result, scaled
from testkit.system import System

SECONDS = float(os.environ.get("SOAK_SECONDS", scaled(120, 30)))
EVENTS_PER_SECOND = 500
READS_PER_SECOND = 250
READERS = 4
MAX_BACKLOG = 5_000  # the publisher waits for the consumer beyond this backlog
MAX_GROWTH = 0.10
# the offered load is beyond what SecantusDB on two cores sustains, so a read may
# outlive the gateway's deadline: it must then be the documented overload answer
# (503 with Retry-After), and rare
MAX_OVERLOAD_SHARE = 0.01
# the probe handles about 65 events a second with both effects on a quiet machine:
# at most MAX_BACKLOG events wait when the load stops, and their relayed effects
DRAIN_SECONDS = 2 * MAX_BACKLOG / 30 + 120


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def paced_publisher(uri, admin_uri, seconds):
    """The inbound publisher for ``seconds``, holding back while the backlog is
    too deep (a soak measures steadiness, not how deep a queue can grow)."""
    deadline = time.monotonic() + seconds
    checked = {"at": 0.0}

    def go_on():
        if time.monotonic() - checked["at"] > 1.0:
            while queue_depth(admin_uri, "college.inbound.ledger") > MAX_BACKLOG and \
                    time.monotonic() < deadline:
                time.sleep(0.5)
            checked["at"] = time.monotonic()
        return time.monotonic() < deadline

    return InboundPublisher(uri, int(seconds * EVENTS_PER_SECOND), EVENTS_PER_SECOND,
                            go_on=go_on)


def test_a_soak_has_no_heartbeat_disconnect_and_no_memory_growth(rabbit, enterprise_uri,
                                                                  mongo, ledger):
    system = System(rabbit.uri, mongo.uri, names=("gateway", "certificates"))
    try:
        admin = system.user("soak-admin", "admin")
        consumer = ledger.start()
        processes = {"ledger": consumer.process.pid, "broker": rabbit.beam_pid(),
                     **{name: p.process.pid for name, p in system.processes.items()}}
        publisher = paced_publisher(enterprise_uri, rabbit.uri, SECONDS)
        reads, errors, overloaded, stop = [0], [], [0], threading.Event()

        def reader():
            session = requests.Session()
            interval = READERS / READS_PER_SECOND
            while not stop.is_set():
                started = time.monotonic()
                response = session.get(system.url("gateway", "/v1/certificates"),
                                       headers=admin, timeout=30)
                if response.status_code == 200:
                    reads[0] += 1
                elif response.status_code == 503 and response.headers.get("Retry-After"):
                    overloaded[0] += 1
                else:
                    errors.append(response.status_code)
                time.sleep(max(0.0, interval - (time.monotonic() - started)))

        readers = [threading.Thread(target=reader, daemon=True) for _ in range(READERS)]
        started = time.monotonic()
        publisher.start()
        for thread in readers:
            thread.start()
        samples = []
        while time.monotonic() - started < SECONDS:
            time.sleep(min(5.0, SECONDS / 20))
            samples.append({name: rss_bytes(pid) for name, pid in processes.items()})
        stop.set()
        publisher.join(60)
        for thread in readers:
            thread.join(30)
        elapsed = time.monotonic() - started

        warm = samples[len(samples) // 5]  # after a fifth of the run: caches filled
        last = samples[-1]
        growth = {name: (last[name] - warm[name]) / warm[name] for name in processes
                  if warm[name]}
        broker_log = rabbit.log_tail(chars=10_000_000)
        disconnects = broker_log.count("missed heartbeats")
        for name, pid in processes.items():
            assert os.path.exists("/proc/%d" % pid), "%s died during the soak" % name

        # the backlog drained, then every confirmed event's effects counted
        drain_started = time.monotonic()
        confirmed = set(publisher.confirmed)
        counts = ledger.wait_for_effects(confirmed, ("inbound", "relayed"), DRAIN_SECONDS)
        drain_seconds = time.monotonic() - drain_started
        lost = sum(len(confirmed - set(c)) for c in counts.values())
        duplicated = sum(duplicates(c) for c in counts.values())
        record_result("Soak", "%.0f s: %.0f inbound events/s, %.0f list reads/s achieved "
                      "(offered %d and %d)" % (elapsed, len(publisher.confirmed) / elapsed,
                                               reads[0] / elapsed, EVENTS_PER_SECOND,
                                               READS_PER_SECOND),
                      "none; heartbeat disconnects %d, reads answered with an error %d, "
                      "answered 503 with Retry-After (overload) %d, memory growth %s; "
                      "backlog drained in %.0f s" % (
                          disconnects, len(errors), overloaded[0], ", ".join(
                          "%s %+.0f%%" % (name, value * 100) for name, value in
                          sorted(growth.items())), drain_seconds),
                      publisher.published, len(confirmed),
                      sum(counts[kind].get(event_id, 0) for kind in counts
                          for event_id in confirmed), lost, duplicated,
                      read_errors=len(errors), reads_overloaded=overloaded[0],
                      drain_seconds=round(drain_seconds))
        assert lost == 0, "%d confirmed events lost an effect: %s" % (
            lost, ledger.explain_missing(confirmed, counts))
        assert duplicated == 0, "%d duplicate effects" % duplicated
        assert disconnects == 0, "heartbeat disconnects in the broker's log"
        assert errors == [], errors[:10]
        assert overloaded[0] <= MAX_OVERLOAD_SHARE * (reads[0] + overloaded[0]), (
            "%d reads answered 503 of %d" % (overloaded[0], reads[0] + overloaded[0]))
        # the broker's memory follows its backlog, which the paced publisher keeps
        # below MAX_BACKLOG: reported, but the leak check is for our processes
        services = {name: value for name, value in growth.items() if name != "broker"}
        assert all(value < MAX_GROWTH for value in services.values()), growth
    finally:
        system.stop()
