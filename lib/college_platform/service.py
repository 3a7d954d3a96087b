"""What every service exposes besides its domain: a health RPC, HTTP
``/health`` (broker and database reachability) and ``/metrics``."""
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from eventlet.event import Event
from kombu import Connection
from kombu.pools import connections

from college_platform import settings
from college_platform.http import json_response
from college_platform.metrics import EntrypointMetrics
from college_platform.rpc import rpc
from college_platform.web import http

T = TypeVar("T")


def broker_status(uri: str | None = None, timeout: float = 2.0) -> dict[str, str]:
    try:
        # a pooled connection: frequent probes must not open a connection each
        pool = connections[Connection(uri or settings.AMQP_URI(), connect_timeout=timeout)]
        with pool.acquire(block=True, timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
        return {"status": "up"}
    except Exception as exc:
        return {"status": "down", "error": str(exc)[:200]}


class SingleFlight(Generic[T]):
    """At most one computation at a time: callers arriving while it runs share
    its result, which is then reused for ``ttl`` seconds. Keeps a burst of
    probes from fanning out into a burst of calls behind them."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._value: T | None = None
        self._computed_at: float | None = None
        self._running: Any = None  # an eventlet Event while computing

    def get(self, compute: Callable[[], T]) -> T:
        if self._computed_at is not None and self.clock() - self._computed_at < self.ttl:
            return cast(T, self._value)  # computed: a T
        if self._running is not None:
            return self._running.wait()
        running = self._running = Event()
        try:
            value = compute()
        except BaseException as exc:
            self._running = None
            running.send_exception(exc)
            raise
        self._value, self._computed_at, self._running = value, self.clock(), None
        running.send(value)
        return value

    def forget(self) -> None:
        """The next ``get`` computes afresh (a change this process made)."""
        self._computed_at = None


def database_status(store: Any) -> dict[str, Any]:
    ok, error = store.ping()
    return {"status": "up"} if ok else {"status": "down", "error": error}


class PlatformService:
    """Mixin for a nameko service class that defines ``name`` and ``store``."""

    name: str
    store: Any  # the service's MongoStore: a Store in each worker
    metrics = EntrypointMetrics()

    def _health_report(self) -> dict[str, Any]:
        report: dict[str, Any] = {
            "service": self.name,
            "broker": broker_status(),
            "database": database_status(self.store),
            "consumers": self.metrics.consumers_status(),
        }
        up = all(part["status"] == "up"
                 for part in (report["broker"], report["database"], report["consumers"]))
        report["status"] = "up" if up else "down"
        return report

    @rpc
    def health(self) -> dict[str, Any]:
        return self._health_report()

    @http("GET", "/health")
    def http_health(self, request: Any) -> tuple[int, dict[str, str], str]:
        report = self._health_report()
        return json_response(200 if report["status"] == "up" else 503, report)

    @http("GET", "/live")
    def http_live(self, request: Any) -> tuple[int, dict[str, str], str]:
        """Liveness: the process answers. Unlike /health it does not depend on the
        broker or database, so an outage there does not restart every pod."""
        return json_response(200, {"service": self.name, "status": "alive"})

    @http("GET", "/metrics")
    def http_metrics(self, request: Any) -> tuple[int, dict[str, str], str]:
        body, content_type = self.metrics.exposition(self.store)
        return 200, {"Content-Type": content_type}, body
