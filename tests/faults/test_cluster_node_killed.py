"""Issue 28, item 5: the inbound stream on a three-node RabbitMQ cluster started
here (three private nodes, each with its own name, ports and data), the queues
declared as quorum queues as production declares them (``EVENT_QUEUE_TYPE:
quorum``, deploy/k8s). The node the clients are connected to, which leads the
queues they declared, is killed with SIGKILL mid-stream: every event the
broker confirmed has exactly one effect, the outbox event it caused exactly
one downstream, the stream resumes on the other two nodes within 15 s, and the
service still answers calls (its RPC queue is a quorum queue too)."""
import time
from datetime import datetime, timedelta, timezone

import pytest
from nameko.standalone.rpc import ServiceRpcClient
from test_broker_restart import stalled_report

from testkit.faults import ENTERPRISE, InboundPublisher, Ledger, duplicates, record_result, scaled
from testkit.rabbit import PrivateCluster
from testkit.servers import wait_until

EVENTS = scaled(20_000, 1_500)
RATE = scaled(500, 100)
RESUME_SECONDS = 15


@pytest.fixture(scope="module")
def cluster():
    nodes = PrivateCluster(3)
    yield nodes
    nodes.close()


@pytest.fixture
def quorum_ledger(cluster, mongo):
    running = Ledger(cluster, mongo, EVENT_QUEUE_TYPE="quorum")
    yield running
    running.stop()


def test_a_node_killed_mid_stream_loses_and_repeats_nothing_on_quorum_queues(
        cluster, quorum_ledger):
    ledger = quorum_ledger
    enterprise_uri = cluster.add_enterprise(ENTERPRISE)
    ledger.start()
    types = cluster.queue_types()
    assert types["college.inbound.ledger"] == "quorum", types
    assert types["evt-ledger-entry_recorded--ledger.on_entry_recorded"] == "quorum", types
    assert types["rpc-ledger"] == "quorum", types

    publisher = InboundPublisher(enterprise_uri, EVENTS, RATE)
    publisher.start()
    started = time.monotonic()
    wait_until(lambda: len(publisher.confirmed) >= EVENTS // 5 or not publisher.is_alive(),
               timeout=EVENTS / RATE * 4 + 30, message="a fifth of the events to be confirmed")

    killed = cluster.nodes[0]
    killed.kill()
    killed_at = datetime.now(timezone.utc)
    killed_monotonic = time.monotonic()
    seen = {"total": ledger.total_effects()}

    def resumed():
        """A relayed effect written a second after the kill or later: the outbox
        published it, and the consumer took it, through the surviving nodes."""
        total = ledger.total_effects()
        if total == seen["total"]:
            return None
        seen["total"] = total
        with ledger.client() as client:
            return client[ledger.database].effects.find_one(
                {"kind": "relayed", "at": {"$gt": killed_at + timedelta(seconds=1)}})

    try:
        wait_until(resumed, timeout=RESUME_SECONDS + 45, interval=0.2,
                   message="an effect after the node was killed")
    except AssertionError as exc:
        raise AssertionError("%s; %s" % (exc, stalled_report(ledger, publisher))) from None
    resumed_after = time.monotonic() - killed_monotonic
    # the service still answers calls: its RPC queue is replicated too
    with ServiceRpcClient("ledger", timeout=15, uri=cluster.uri) as ledger_rpc:
        assert ledger_rpc.count("relayed") > 0

    publisher.join(EVENTS / RATE * 4 + 90)
    publish_seconds = time.monotonic() - started
    assert publisher.error is None, repr(publisher.error)
    confirmed = set(publisher.confirmed)
    assert len(confirmed) == EVENTS

    counts = ledger.wait_for_effects(confirmed, ("inbound", "relayed"), EVENTS / 20 + 120)
    inbound, relayed = counts["inbound"], counts["relayed"]
    print("published in %.1fs, all effects after %.1fs, %d publish failures, resumed after "
          "%.1fs" % (publish_seconds, time.monotonic() - started, publisher.failures,
                     resumed_after))
    lost = len(confirmed - set(inbound)) + len(confirmed - set(relayed))
    duplicated = duplicates(inbound) + duplicates(relayed)
    record_result("Cluster node killed (quorum queues)",
                  "%d events at %d/s through the inbound exchange and the outbox, on a "
                  "three-node cluster" % (EVENTS, RATE),
                  "the node the clients used, leading their queues, killed with SIGKILL "
                  "mid-stream; effects resumed %.1f s after" % resumed_after,
                  publisher.published, len(confirmed),
                  sum(c.get(event_id, 0) for c in (inbound, relayed) for event_id in confirmed),
                  lost, duplicated, resumed_seconds=round(resumed_after, 1))
    assert lost == 0, "%d confirmed events lost an effect: %s" % (
        lost, ledger.explain_missing(confirmed, counts))
    assert duplicated == 0, "%d duplicate effects" % duplicated
    assert resumed_after < RESUME_SECONDS
