"""Point 2: ``kill -9`` of a consuming service mid-stream loses no event and
its restart has no duplicate effect (the inbox absorbs redeliveries);
``kill -9`` of a publishing service between its database write and its
publish, or while it relays, still gets every committed event out (the
outbox) and each has one effect. Publishing is at least once: the tests count
the publications too (a queue of their own on the exchange), and report the
events published more than once, whose second copy the consumer's inbox
absorbed."""
import time

import pytest

from testkit.faults import (
    CommandClient,
    InboundPublisher,
    PublicationTap,
    duplicates,
    record_result,
    scaled,
)
from testkit.servers import wait_until

EVENTS = scaled(5_000, 200)
RATE = scaled(200, 100)
COMMANDS = scaled(500, 40)


def test_a_consumer_killed_mid_stream_loses_nothing_and_duplicates_nothing(
        rabbit, enterprise_uri, ledger):
    consumer = ledger.start(LEDGER_WORK_SECONDS="0.01")
    publisher = InboundPublisher(enterprise_uri, EVENTS, RATE)
    publisher.start()
    wait_until(lambda: ledger.total_effects() >= EVENTS // 2, timeout=120,
               message="a quarter of the events handled (both effects)")
    consumer.kill_hard()  # mid-stream: messages in flight, transactions open
    time.sleep(1)
    ledger.start(LEDGER_WORK_SECONDS="0.01")
    publisher.join(EVENTS / RATE * 3 + 60)
    confirmed = set(publisher.confirmed)
    assert len(confirmed) == EVENTS

    counts = ledger.wait_for_effects(confirmed, ("inbound", "relayed"), EVENTS / 20 + 60)
    lost = sum(len(confirmed - set(c)) for c in counts.values())
    duplicated = sum(duplicates(c) for c in counts.values())
    record_result("Consumer crash", "%d inbound events at %d/s" % (EVENTS, RATE),
                  "consuming service killed with SIGKILL after a quarter, restarted",
                  publisher.published, len(confirmed), sum(sum(c.values())
                                                           for c in counts.values()),
                  lost, duplicated)
    assert lost == 0, "%d confirmed events lost an effect: %s" % (
        lost, ledger.explain_missing(confirmed, counts))
    assert duplicated == 0, "%d duplicate effects" % duplicated


def publications_of(ledger, tap, committed, timeout):
    """(committed events never published, events published more than once),
    once the outbox has nothing pending."""
    ledger.wait_for_outbox_sent(timeout)
    publications = tap.publications()
    return len(committed - set(publications)), sum(
        1 for entry_id in committed if publications.get(entry_id, 0) > 1)


@pytest.fixture
def tap(rabbit):
    tap = PublicationTap(rabbit.uri)
    yield tap
    tap.close()


def test_an_event_committed_before_a_crash_is_published_after_the_restart(rabbit, ledger,
                                                                          tap):
    # no relay: every command commits its write and its event, and nothing is published
    silent = ledger.start(OUTBOX_RELAY_ENABLED="false")
    commands = CommandClient(lambda: silent.base, COMMANDS)
    commands.run()
    assert not commands.failed
    silent.kill_hard()  # between the database write and the publish
    committed = set(commands.committed)
    assert len(committed) == COMMANDS
    assert not ledger.effects("relayed"), "nothing was published before the crash"

    assert not tap.publications(), "nothing was published before the crash"

    ledger.start()
    counts = ledger.wait_for_effects(committed, ("relayed",), COMMANDS / 10 + 60)
    lost = len(committed - set(counts["relayed"]))
    duplicated = duplicates(counts["relayed"])
    unpublished, republished = publications_of(ledger, tap, committed, 60)
    record_result("Publisher crash between write and publish",
                  "%d commands through the outbox" % COMMANDS,
                  "publishing service killed with SIGKILL before its relay ran, restarted; "
                  "events published: %d never, %d more than once" % (unpublished, republished),
                  COMMANDS, len(committed), sum(counts["relayed"].values()), lost, duplicated,
                  unpublished=unpublished, republished=republished)
    assert lost == 0 and duplicated == 0 and unpublished == 0


def test_a_publisher_killed_while_relaying_gets_every_event_out_with_one_effect(rabbit, ledger,
                                                                               tap):
    current = {"process": ledger.start()}
    commands = CommandClient(lambda: current["process"].base, COMMANDS * 4)
    commands.start()
    wait_until(lambda: len(commands.committed) >= COMMANDS, timeout=120,
               message="a quarter of the commands")
    killed = current["process"]
    killed_at = time.time()
    killed.kill_hard()
    current["process"] = ledger.start()
    restarted_at = time.time()
    commands.join(300)
    committed = set(commands.committed)
    # only the request in flight at the moment of the kill may have failed, and those
    # sent to the dying process in the milliseconds its sockets took to close (the
    # kernel still took their connections; SIGKILL let no code of it run, so none of
    # them can have been committed): the new process fails none
    in_flight = [f for f in commands.failed if f.base == killed.base and f.sent_at < killed_at]
    unexplained = [f for f in commands.failed if f.base != killed.base]
    assert len(in_flight) <= 1 and not unexplained, (
        "killed %s at %.3f, %s healthy at %.3f; failed: %s; the new process logged:\n%s" % (
            killed.base, killed_at, current["process"].base, restarted_at,
            commands.failed[:5], current["process"].output()[-3000:]))

    counts = ledger.wait_for_effects(committed, ("relayed",), COMMANDS / 2 + 60)
    lost = len(committed - set(counts["relayed"]))
    duplicated = duplicates(counts["relayed"])
    # a record the killed process published but had not marked sent waits out its
    # claim (OUTBOX_CLAIM_SECONDS) and goes out again: counted, not forbidden
    unpublished, republished = publications_of(ledger, tap, committed, 120)
    record_result("Publisher crash while relaying", "%d commands through the outbox"
                  % (COMMANDS * 4),
                  "publishing service killed with SIGKILL mid-stream, restarted; events "
                  "published: %d never, %d more than once" % (unpublished, republished),
                  len(committed) + len(commands.failed), len(committed),
                  sum(counts["relayed"].values()), lost, duplicated,
                  unpublished=unpublished, republished=republished)
    assert lost == 0, "%d committed commands never had their event handled: %s" % (
        lost, ledger.explain_missing(committed, counts))
    assert duplicated == 0 and unpublished == 0
