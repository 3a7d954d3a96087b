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

from testkit.faults import (
    ENTERPRISE,
    InboundPublisher,
    Ledger,
    record_result,
    scaled,
    stream_outcome,
    wait_for_a_relayed_effect,
)
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
    # a second after the kill: the outbox published it, and the consumer took it,
    # through the surviving nodes
    wait_for_a_relayed_effect(ledger, publisher, killed_at + timedelta(seconds=1),
                              RESUME_SECONDS + 45, "an effect after the node was killed")
    resumed_after = time.monotonic() - killed_monotonic
    # the service still answers calls: its RPC queue is replicated too
    with ServiceRpcClient("ledger", timeout=15, uri=cluster.uri) as ledger_rpc:
        assert ledger_rpc.count("relayed") > 0

    outcome = stream_outcome(ledger, publisher, EVENTS, EVENTS / RATE * 4 + 90)
    lost, duplicated = outcome.lost, outcome.duplicated
    print("all effects after %.1fs, %d publish failures, resumed after %.1fs"
          % (time.monotonic() - started, publisher.failures, resumed_after))
    record_result("Cluster node killed (quorum queues)",
                  "%d events at %d/s through the inbound exchange and the outbox, on a "
                  "three-node cluster" % (EVENTS, RATE),
                  "the node the clients used, leading their queues, killed with SIGKILL "
                  "mid-stream; effects resumed %.1f s after" % resumed_after,
                  publisher.published, len(outcome.confirmed), outcome.effects, lost,
                  duplicated, resumed_seconds=round(resumed_after, 1))
    assert lost == 0, "%d confirmed events lost an effect: %s" % (
        lost, ledger.explain_missing(outcome.confirmed, outcome.counts))
    assert duplicated == 0, "%d duplicate effects" % duplicated
    assert resumed_after < RESUME_SECONDS
