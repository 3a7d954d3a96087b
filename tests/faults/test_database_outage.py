"""Point 3: the database server stops for a while under load. Requests fail
fast with 503 and a retry hint at the gateway, events wait in the broker
(nothing is dead-lettered for the outage), and nothing is lost after the
database returns."""
import time

import requests

from testkit.faults import (
    InboundPublisher,
    duplicates,
    queue_depth,
    record_result,
    scaled,
)
from testkit.servers import wait_until
from testkit.system import System

OUTAGE_SECONDS = 10
EVENTS = scaled(3_000, 150)
RATE = scaled(100, 20)
FAIL_FAST_SECONDS = 3


def test_a_database_outage_fails_requests_fast_and_loses_no_event(rabbit, enterprise_uri,
                                                                   mongo, ledger):
    system = System(rabbit.uri, mongo.uri, names=("gateway", "certificates"))
    try:
        admin = system.user("admin", "admin")
        certificates = system.url("gateway", "/v1/certificates")
        assert requests.get(certificates, headers=admin, timeout=10).status_code == 200
        ledger.start()
        publisher = InboundPublisher(enterprise_uri, EVENTS, RATE)
        publisher.start()
        wait_until(lambda: ledger.total_effects() >= 2 * EVENTS // 5, timeout=120,
                   message="a fifth of the events handled (both effects)")

        mongo.halt()
        down_since = time.monotonic()
        answers = []
        while time.monotonic() - down_since < OUTAGE_SECONDS:
            started = time.monotonic()
            response = requests.get(certificates, headers=admin, timeout=30)
            answers.append((response.status_code, response.headers.get("Retry-After"),
                            time.monotonic() - started, response.text[:300]))
            time.sleep(0.5)
        login = requests.post(system.url("gateway", "/v1/auth/token"),
                              json={"username": "admin", "password": "a-long-test-password"},
                              timeout=30)
        mongo.start()

        assert answers
        for status, retry_after, seconds, body in answers:
            assert status == 503, body
            assert retry_after and int(retry_after) > 0
            assert seconds < FAIL_FAST_SECONDS, "a request took %.1fs to fail" % seconds
        assert login.status_code == 503 and login.headers["Retry-After"]
        wait_until(lambda: requests.get(certificates, headers=admin, timeout=10)
                   .status_code == 200, timeout=30, message="requests to succeed again")

        publisher.join(EVENTS / RATE * 3 + 60)
        confirmed = set(publisher.confirmed)
        assert len(confirmed) == EVENTS

        counts = ledger.wait_for_effects(confirmed, ("inbound", "relayed"), EVENTS / 10 + 60)
        dead = queue_depth(rabbit.uri, "college.inbound.ledger.dead") + queue_depth(
            rabbit.uri, "evt-ledger-entry_recorded--ledger.on_entry_recorded.dead")
        lost = sum(len(confirmed - set(c)) for c in counts.values())
        duplicated = sum(duplicates(c) for c in counts.values())
        record_result("Database outage", "%d inbound events at %d/s, requests every 0.5 s"
                      % (EVENTS, RATE),
                      "database server stopped for %d s, %d requests answered 503 in at most "
                      "%.1f s" % (OUTAGE_SECONDS, len(answers), max(a[2] for a in answers)),
                      publisher.published, len(confirmed),
                      sum(sum(c.values()) for c in counts.values()), lost, duplicated,
                      dead_lettered=dead)
        assert dead == 0, "%d messages dead-lettered because the database was down" % dead
        assert lost == 0, "%d confirmed events lost an effect: %s" % (
            lost, ledger.explain_missing(confirmed, counts))
        assert duplicated == 0
    finally:
        system.stop()
