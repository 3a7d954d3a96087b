"""Point 1: the broker restarts under load (a clean stop and start, then
``kill -9`` of its VM). Every event the broker confirmed has exactly one
effect, and the outbox event it caused exactly one effect downstream;
the services reconnect by themselves and resume within 15 s."""
import time
from datetime import datetime, timezone

import pytest

from testkit.faults import (
    InboundPublisher,
    duplicates,
    record_result,
    scaled,
)
from testkit.servers import wait_until

# the short stream lasts 15 s, so that it still runs when the broker is back: a
# clean stop takes the broker a few seconds to begin on a busy machine, and a
# 5 s stream had ended by then, leaving no effect to resume
EVENTS = scaled(20_000, 1_500)
RATE = scaled(500, 100)
RESUME_SECONDS = 15


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


@pytest.mark.parametrize("hard", [False, True], ids=["stop-start", "kill-9"])
def test_every_confirmed_event_has_one_effect_across_a_broker_restart(rabbit, enterprise_uri,
                                                                     ledger, hard):
    ledger.start()
    publisher = InboundPublisher(enterprise_uri, EVENTS, RATE)
    publisher.start()
    started = time.monotonic()
    # mid-stream: a clean stop takes the broker a second or two to begin
    wait_until(lambda: len(publisher.confirmed) >= EVENTS // 5 or not publisher.is_alive(),
               timeout=EVENTS / RATE * 4 + 30, message="a fifth of the events to be confirmed")

    rabbit.restart(hard=hard)
    back_at = datetime.now(timezone.utc)
    back_monotonic = time.monotonic()

    seen = {"total": ledger.total_effects()}

    def resumed():
        """A relayed effect written after the broker came back (looked for only
        when there are new effects: a query polled 5 times a second loads the
        database the consumers are writing to)."""
        total = ledger.total_effects()
        if total == seen["total"]:
            return None
        seen["total"] = total
        with ledger.client() as client:
            return client[ledger.database].effects.find_one(
                {"kind": "relayed", "at": {"$gt": back_at}})

    try:
        wait_until(resumed, timeout=RESUME_SECONDS + 30, interval=0.2,
                   message="an effect after the broker came back")
    except AssertionError as exc:
        raise AssertionError("%s; %s" % (exc, stalled_report(ledger, publisher))) from None
    resumed_after = time.monotonic() - back_monotonic

    publisher.join(EVENTS / RATE * 4 + 60)
    publish_seconds = time.monotonic() - started
    assert publisher.error is None, repr(publisher.error)
    confirmed = set(publisher.confirmed)
    assert len(confirmed) == EVENTS

    counts = ledger.wait_for_effects(confirmed, ("inbound", "relayed"), EVENTS / 20 + 120)
    inbound, relayed = counts["inbound"], counts["relayed"]
    print("published in %.1fs, all effects after %.1fs, %d publish failures"
          % (publish_seconds, time.monotonic() - started, publisher.failures))
    lost = len(confirmed - set(inbound)) + len(confirmed - set(relayed))
    duplicated = duplicates(inbound) + duplicates(relayed)
    record_result("Broker restart (%s)" % ("kill -9" if hard else "stop and start"),
                  "%d events at %d/s through the inbound exchange and the outbox"
                  % (EVENTS, RATE),
                  "RabbitMQ %s mid-stream; effects resumed %.1f s after it was back" % (
                      "killed with SIGKILL and started" if hard else "stopped and started",
                      resumed_after),
                  publisher.published, len(confirmed),
                  sum(counts.get(event_id, 0) for counts in (inbound, relayed)
                      for event_id in confirmed), lost, duplicated,
                  resumed_seconds=round(resumed_after, 1))
    assert lost == 0, "%d confirmed events lost an effect: %s" % (
        lost, ledger.explain_missing(confirmed, counts))
    assert duplicated == 0, "%d duplicate effects" % duplicated
    assert resumed_after < RESUME_SECONDS
