"""The inbound stream on quorum queues beside classic ones (issue 28, item 5),
on a private three-node RabbitMQ cluster (``testkit.rabbit.PrivateCluster``)
and a private SecantusDB, through the fault tests' probe service
(tests/faults/ledger.py): an inbound event's effect and, through its outbox
and the broker, a second effect downstream.

    python -m bench.queue_types                      # 5,000 events per queue type
    python -m bench.queue_types --events 1000 --rounds 2 --out /tmp/qt.json

For each queue type (classic first, then quorum; ``--rounds`` repeats the
pair) the probe starts with that ``EVENT_QUEUE_TYPE``, as production
declares it, and ``--publishers`` enterprise publishers (persistent,
confirmed one by one, as ``testkit.faults.InboundPublisher`` publishes)
offer ``--events`` between them as fast as the broker confirms them. Then
the probe is stopped and its queues deleted: a queue's type cannot change.

Reported per run: the publish rate (confirmed events/s), the events applied
end to end per second (from the first send to the last downstream effect,
from the effects' own timestamps in the probe's database), the same per 10 s,
lost and duplicated effects (0 expected), and quorum's rate over classic's.
All three nodes, the database and the probe share this machine's cores: a
quorum queue's replication competes with the probe for them, which separate
machines would not.
"""
import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for folder in ("lib", "tests"):  # the test kit starts the processes
    if str(ROOT / folder) not in sys.path:
        sys.path.insert(0, str(ROOT / folder))

from kombu import Connection  # noqa: E402

from testkit.faults import ENTERPRISE, InboundPublisher, Ledger, stream_outcome  # noqa: E402
from testkit.rabbit import PrivateCluster  # noqa: E402
from testkit.servers import SecantusServer  # noqa: E402

QUEUE_TYPES = ("classic", "quorum")
# rate asked of each publisher: above what one confirmed-per-message publisher reaches
# here, so each publishes as fast as the broker confirms
UNBOUNDED_RATE = 100_000


def say(message):
    print("[queue_types] %s" % message, flush=True)


def per_10s(started, stamps):
    """Counts of ``stamps`` (datetimes) in each 10 s from ``started``, per second."""
    bins = {}
    for stamp in stamps:
        index = int((stamp - started).total_seconds() // 10)
        bins[index] = bins.get(index, 0) + 1
    return [round(bins.get(i, 0) / 10, 1) for i in range(max(bins) + 1)] if bins else []


def effect_times(ledger, kind):
    with ledger.client() as client:
        return sorted(row["at"] for row in client[ledger.database].effects.find(
            {"kind": kind}, {"at": 1, "_id": 0}))


def delete_queues(cluster):
    """Every queue of the default vhost: the next run declares them with another type."""
    names = list(cluster.queue_types())
    with Connection(cluster.uri) as connection:
        channel = connection.default_channel
        for name in names:
            channel.queue_delete(name)
    return len(names)


def measure(cluster, mongo, enterprise_uri, queue_type, events, publishers):
    ledger = Ledger(cluster, mongo, EVENT_QUEUE_TYPE=queue_type)
    try:
        ledger.start()
        declared = cluster.queue_types()
        assert declared["college.inbound.ledger"] == queue_type, declared
        assert declared["evt-ledger-entry_recorded--ledger.on_entry_recorded"] == queue_type, \
            declared
        shares = [events // publishers + (1 if i < events % publishers else 0)
                  for i in range(publishers)]
        senders = [InboundPublisher(enterprise_uri, share, UNBOUNDED_RATE,
                                    ref=lambda n, p=p: "ERP-%d-%d" % (p, n))
                   for p, share in enumerate(shares)]
        started = datetime.now(timezone.utc)
        started_monotonic = time.monotonic()
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        publish_seconds = time.monotonic() - started_monotonic
        for sender in senders:
            assert sender.error is None, repr(sender.error)
        # stream_outcome reads one publisher's confirmed ids: hand it all of them
        everyone = senders[0]
        everyone.confirmed = [event_id for sender in senders for event_id in sender.confirmed]
        outcome = stream_outcome(ledger, everyone, events, 1)
        inbound_at = effect_times(ledger, "inbound")
        relayed_at = effect_times(ledger, "relayed")
        end_to_end_seconds = (relayed_at[-1] - started).total_seconds()
        return {
            "queue_type": queue_type, "events": events, "publishers": publishers,
            "published": sum(sender.published for sender in senders),
            "confirmed": len(outcome.confirmed),
            "publish_failures": sum(sender.failures for sender in senders),
            "publish_seconds": round(publish_seconds, 1),
            "publish_per_s": round(events / publish_seconds, 1),
            "inbound_seconds": round((inbound_at[-1] - started).total_seconds(), 1),
            "end_to_end_seconds": round(end_to_end_seconds, 1),
            "applied_per_s": round(events / end_to_end_seconds, 1),
            "applied_per_10s": per_10s(started, relayed_at),
            "effects": outcome.effects, "lost": outcome.lost,
            "duplicated": outcome.duplicated,
        }
    finally:
        ledger.stop()


def table(runs):
    lines = ["| queue type | published/s (confirmed) | applied end to end/s | per 10 s | "
             "lost | duplicated |", "| --- | ---: | ---: | --- | ---: | ---: |"]
    for run in runs:
        lines.append("| %s | %.1f | %.1f | %s | %d | %d |" % (
            run["queue_type"], run["publish_per_s"], run["applied_per_s"],
            ", ".join("%.1f" % rate for rate in run["applied_per_10s"]), run["lost"],
            run["duplicated"]))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000, help="offered per run")
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1,
                        help="classic then quorum, this many times")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / (
        "queue-types-%s.json" % time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()))))
    args = parser.parse_args(argv)

    say("starting a three-node RabbitMQ cluster and a SecantusDB")
    cluster = PrivateCluster(3)
    mongo = SecantusServer()
    runs = []
    try:
        enterprise_uri = cluster.add_enterprise(ENTERPRISE)
        for _ in range(args.rounds):
            for queue_type in QUEUE_TYPES:
                say("%s queues: %d events from %d publishers" % (
                    queue_type, args.events, args.publishers))
                run = measure(cluster, mongo, enterprise_uri, queue_type, args.events,
                              args.publishers)
                runs.append(run)
                say(json.dumps(run))
                say("deleted %d queues" % delete_queues(cluster))
    finally:
        mongo.stop()
        cluster.close()

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rates = {queue_type: [run["applied_per_s"] for run in runs
                          if run["queue_type"] == queue_type] for queue_type in QUEUE_TYPES}
    ratios = [round(q / c, 2) for c, q in zip(rates["classic"], rates["quorum"])]
    out.write_text(json.dumps({"runs": runs, "quorum_over_classic": ratios}, indent=2))
    print(table(runs))
    print("quorum / classic, applied end to end, per round: %s" % ratios)
    print("raw results: %s" % out)
    return 0 if all(run["lost"] == 0 and run["duplicated"] == 0 for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
