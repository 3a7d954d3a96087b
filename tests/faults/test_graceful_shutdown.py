"""Point 5: SIGTERM to a service under load (HTTP requests in flight, events
being handled): no request it accepted fails, no message is lost, and the
process exits within 10 s. The probe service stands for the platform's
entrypoints; the gateway is checked the same way with its own routes."""
import threading
import time

import pytest
import requests

from testkit.faults import (
    CommandClient,
    InboundPublisher,
    duplicates,
    record_result,
    refused,
    scaled,
)
from testkit.servers import wait_until
from testkit.system import System

EVENTS = scaled(3_000, 150)
RATE = scaled(100, 30)
CLIENTS = 4
EXIT_SECONDS = 10


def terminate(process):
    """SIGTERM; seconds until the process exited."""
    started = time.monotonic()
    process.process.terminate()
    process.process.wait(60)
    return time.monotonic() - started


def test_sigterm_under_load_fails_no_request_and_loses_no_message(rabbit, enterprise_uri,
                                                                    ledger):
    current = {"process": ledger.start(LEDGER_WORK_SECONDS="0.02")}
    publisher = InboundPublisher(enterprise_uri, EVENTS, RATE)
    clients = [CommandClient(lambda: current["process"].base, EVENTS // 10, work_seconds=0.3)
               for _ in range(CLIENTS)]
    publisher.start()
    for client in clients:
        client.start()
    wait_until(lambda: ledger.total_effects() >= EVENTS // 2, timeout=120,
               message="a quarter of the events handled (both effects)")

    stopping = current["process"]
    exit_seconds = terminate(stopping)
    assert stopping.process.returncode in (0, -15), stopping.output()[-3000:]
    current["process"] = ledger.start(LEDGER_WORK_SECONDS="0.02")

    publisher.join(EVENTS / RATE * 3 + 60)
    for client in clients:
        client.join(300)
    confirmed = set(publisher.confirmed)
    committed = {entry for client in clients for entry in client.committed}
    failed = [failure for client in clients for failure in client.failed]

    ledger.wait_for_effects(confirmed, ("inbound",), EVENTS / 10 + 60)
    relayed = ledger.wait_for_effects(confirmed | committed, ("relayed",), 60)["relayed"]
    inbound = ledger.effects("inbound")
    lost = len(confirmed - set(inbound)) + len((confirmed | committed) - set(relayed))
    duplicated = duplicates(inbound) + duplicates(relayed)
    record_result("Graceful shutdown (service)",
                  "%d inbound events at %d/s and %d clients posting commands"
                  % (EVENTS, RATE, CLIENTS),
                  "SIGTERM mid-stream (exited in %.1f s), restarted" % exit_seconds,
                  publisher.published + len(committed) + len(failed),
                  len(confirmed) + len(committed),
                  sum(inbound.values()) + sum(relayed.values()), lost, duplicated,
                  failed_requests=len(failed))
    assert exit_seconds < EXIT_SECONDS
    assert failed == [], "requests in flight failed: %s" % failed[:5]
    assert lost == 0, "%d effects lost: %s" % (lost, ledger.explain_missing(
        confirmed | committed, {"inbound": {**inbound, **{c: 1 for c in committed}},
                                "relayed": relayed}))
    assert duplicated == 0


class Readers:
    """``CLIENTS`` threads reading one URL, a connection per request (a request on an
    idle keep-alive connection that the server closes at stop was never in flight;
    see docs/reliability.md). ``answered``: 200s; ``not_in_time``: 503 with
    ``Retry-After``, the gateway's answer when a service did not answer within its
    deadline (a read, safe to retry); ``failures``: anything else, a connection
    dropped after it was accepted included."""

    def __init__(self, url, headers):
        self.url = url
        self.headers = {**headers, "Connection": "close"}
        self.answered, self.not_in_time, self.failures = [], [], []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._read, daemon=True)
                         for _ in range(CLIENTS)]

    def start(self):
        for thread in self._threads:
            thread.start()
        return self

    def stop(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(30)

    def _read(self):
        while not self._stop.is_set():
            try:
                response = requests.get(self.url, headers=self.headers, timeout=30)
            except requests.ConnectionError as exc:
                if not refused(exc):
                    self.failures.append(repr(exc))
                time.sleep(0.05)
                continue
            if response.status_code == 200:
                self.answered.append(200)
            elif response.status_code == 503 and response.headers.get("Retry-After"):
                self.not_in_time.append(503)
            else:
                self.failures.append("%d %s" % (response.status_code, response.text[:200]))


def test_sigterm_to_the_gateway_under_load_fails_no_request(rabbit, mongo):
    system = System(rabbit.uri, mongo.uri, names=("gateway", "certificates"))
    try:
        admin = system.user("shutdown-admin", "admin")
        readers = Readers(system.url("gateway", "/v1/certificates"), admin).start()
        wait_until(lambda: len(readers.answered) >= 50, timeout=60,
                   message="requests under way")
        exit_seconds = terminate(system.processes["gateway"])
        readers.stop()
        failures = readers.failures + readers.not_in_time
        # reads: requests sent and answered are counted; they have no effect to lose
        record_result("Graceful shutdown (gateway)", "%d clients reading through the gateway"
                      % CLIENTS, "SIGTERM under load (exited in %.1f s), %d requests failed"
                      % (exit_seconds, len(failures)),
                      len(readers.answered) + len(failures), len(readers.answered),
                      None, None, None, failed_requests=len(failures))
        assert exit_seconds < EXIT_SECONDS
        assert failures == [], "requests in flight failed: %s" % failures[:5]
    finally:
        system.stop()


# a list route of each service, read through the gateway (an RPC per request)
SERVICE_ROUTES = {"enrollment": "/v1/partners", "projects": "/v1/projects",
                  "mentors": "/v1/mentors", "certificates": "/v1/certificates"}


@pytest.mark.parametrize("service", sorted(SERVICE_ROUTES))
def test_sigterm_to_each_service_under_load_fails_no_request(rabbit, mongo, service):
    """The service finishes the calls it took and exits; the calls that arrive while
    it is away wait in its durable RPC queue for the restarted process, or, past the
    gateway's deadline, are answered 503 with Retry-After. No call gets an error."""
    system = System(rabbit.uri, mongo.uri, names=("gateway", service))
    try:
        admin = system.user("shutdown-admin", "admin")
        readers = Readers(system.url("gateway", SERVICE_ROUTES[service]), admin).start()
        wait_until(lambda: len(readers.answered) >= 50, timeout=60,
                   message="requests under way")
        stopping = system.processes[service]
        exit_seconds = terminate(stopping)
        answered_before_restart = len(readers.answered)
        system.start(service)
        wait_until(lambda: len(readers.answered) >= answered_before_restart + 50, timeout=60,
                   message="requests served by the restarted %s" % service)
        readers.stop()
        total = len(readers.answered) + len(readers.not_in_time) + len(readers.failures)
        record_result("Graceful shutdown (%s)" % service,
                      "%d clients reading through the gateway" % CLIENTS,
                      "SIGTERM under load (exited in %.1f s), restarted; %d calls answered "
                      "503 with Retry-After while it was away, %d failed" % (
                          exit_seconds, len(readers.not_in_time), len(readers.failures)),
                      total, len(readers.answered) + len(readers.not_in_time), None, None, None,
                      failed_requests=len(readers.failures))
        assert stopping.process.returncode in (0, -15), stopping.output()[-3000:]
        assert exit_seconds < EXIT_SECONDS
        assert readers.failures == [], "requests failed: %s" % readers.failures[:5]
    finally:
        system.stop()
