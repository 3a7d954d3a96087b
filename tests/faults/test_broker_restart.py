"""Point 1: the broker restarts under load (a clean stop and start, then
``kill -9`` of its VM). Every event the broker confirmed has exactly one
effect, and the outbox event it caused exactly one effect downstream;
the services reconnect by themselves and resume within 15 s."""
import time
from datetime import datetime, timezone

import pytest

from testkit.faults import (
    InboundPublisher,
    record_result,
    scaled,
    stream_outcome,
    wait_for_a_relayed_effect,
)
from testkit.servers import wait_until

# the short stream lasts 15 s, so that it still runs when the broker is back: a
# clean stop takes the broker a few seconds to begin on a busy machine, and a
# 5 s stream had ended by then, leaving no effect to resume
EVENTS = scaled(20_000, 1_500)
RATE = scaled(500, 100)
RESUME_SECONDS = 15


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

    wait_for_a_relayed_effect(ledger, publisher, back_at, RESUME_SECONDS + 30,
                              "an effect after the broker came back")
    resumed_after = time.monotonic() - back_monotonic

    outcome = stream_outcome(ledger, publisher, EVENTS, EVENTS / RATE * 4 + 60)
    lost, duplicated = outcome.lost, outcome.duplicated
    print("all effects after %.1fs, %d publish failures"
          % (time.monotonic() - started, publisher.failures))
    record_result("Broker restart (%s)" % ("kill -9" if hard else "stop and start"),
                  "%d events at %d/s through the inbound exchange and the outbox"
                  % (EVENTS, RATE),
                  "RabbitMQ %s mid-stream; effects resumed %.1f s after it was back" % (
                      "killed with SIGKILL and started" if hard else "stopped and started",
                      resumed_after),
                  publisher.published, len(outcome.confirmed), outcome.effects, lost,
                  duplicated, resumed_seconds=round(resumed_after, 1))
    assert lost == 0, "%d confirmed events lost an effect: %s" % (
        lost, ledger.explain_missing(outcome.confirmed, outcome.counts))
    assert duplicated == 0, "%d duplicate effects" % duplicated
    assert resumed_after < RESUME_SECONDS
