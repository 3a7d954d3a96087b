"""Prometheus metrics per service: every entrypoint's calls, errors and
latency, plus the outbox and inbox figures. Each container gets its own
registry, so several services can share a test process."""
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from nameko.timer import Timer
from nameko.web.handlers import HttpRequestHandler
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from college_platform.errors import ServiceError

# the *_created series only add noise to every scrape
disable_created_metrics()

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0, 300.0, 1800.0)


def entrypoint_kind(entrypoint: object) -> str:
    for cls, kind in ((HttpRequestHandler, "http"), (EventHandler, "event"),
                      (Rpc, "rpc"), (Timer, "timer")):
        if isinstance(entrypoint, cls):
            return kind
    return "other"


def _status_of(result: object) -> int | None:
    if isinstance(result, tuple) and result and isinstance(result[0], int):
        return result[0]
    return getattr(result, "status_code", None)


def metrics_of(container: Any) -> "EntrypointMetrics | None":
    """The container's ``EntrypointMetrics``, or None for a service without it."""
    for dependency in container.dependencies:
        if isinstance(dependency, EntrypointMetrics):
            return dependency
    return None


class EntrypointMetrics(DependencyProvider):

    def setup(self) -> None:
        prefix = self.container.service_name
        self.registry = CollectorRegistry()
        labels = ["entrypoint", "kind"]
        self.calls = Counter("%s_entrypoint_calls" % prefix, "Entrypoint calls handled.",
                             labels, registry=self.registry)
        self.errors = Counter("%s_entrypoint_errors" % prefix,
                              "Entrypoint calls that failed: raised unexpectedly or answered 5xx.",
                              labels + ["error"], registry=self.registry)
        self.rejections = Counter("%s_entrypoint_rejections" % prefix,
                                  "Calls refused for the caller's mistake (invalid input, not "
                                  "found, conflict): not failures of the service.",
                                  labels + ["error"], registry=self.registry)
        self.latency = Histogram("%s_entrypoint_latency_seconds" % prefix,
                                 "Time spent handling an entrypoint call.", labels,
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.outbox_pending = Gauge("%s_outbox_pending_events" % prefix,
                                    "Events written but not yet confirmed by the broker.",
                                    registry=self.registry)
        self.outbox_oldest_age = Gauge("%s_outbox_oldest_pending_age_seconds" % prefix,
                                       "Age of the oldest unpublished event.",
                                       registry=self.registry)
        self.inbox_duplicates = Gauge("%s_inbox_duplicates_absorbed" % prefix,
                                      "Redelivered events recognised and skipped since start.",
                                      registry=self.registry)
        self.event_lag = Histogram("%s_event_lag_seconds" % prefix,
                                   "Time from an event's creation to its consumption.",
                                   ["handler"], buckets=LAG_BUCKETS, registry=self.registry)
        self.event_retries = Counter("%s_event_retries" % prefix,
                                     "Failed event deliveries scheduled for another attempt.",
                                     ["handler", "error"], registry=self.registry)
        self.event_dead_letters = Counter("%s_event_dead_letters" % prefix,
                                          "Events parked in a dead-letter queue.",
                                          ["handler", "error"], registry=self.registry)
        self.events_emitted = Counter("%s_events_emitted" % prefix,
                                      "State changes announced (committed to the outbox), "
                                      "by event type.", ["type"], registry=self.registry)
        self._business: dict[str, Counter] = {}
        self._started: dict[Any, float] = {}

    def worker_setup(self, worker_ctx: Any) -> None:
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx: Any, result: object = None,
                      exc_info: Any = None) -> None:
        started = self._started.pop(worker_ctx, None)
        entrypoint = worker_ctx.entrypoint
        labels = (entrypoint.method_name, entrypoint_kind(entrypoint))
        self.calls.labels(*labels).inc()
        if started is not None:
            self.latency.labels(*labels).observe(time.perf_counter() - started)
        if exc_info is not None:
            counter = self.rejections if issubclass(exc_info[0], ServiceError) else self.errors
            counter.labels(*labels, exc_info[0].__name__).inc()
        elif (_status_of(result) or 0) >= 500:
            self.errors.labels(*labels, "http_5xx").inc()

    def observe_event_lag(self, handler: str, event_time: str) -> None:
        try:
            created = datetime.fromisoformat(event_time)
        except (TypeError, ValueError):
            return
        lag = (datetime.now(timezone.utc) - created).total_seconds()
        self.event_lag.labels(handler).observe(max(0.0, lag))

    def count_failed_event(self, handler: str, error: str, dead_lettered: bool) -> None:
        counter = self.event_dead_letters if dead_lettered else self.event_retries
        counter.labels(handler, error).inc()

    def counter(self, name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
        """A business counter, ``<service>_<name>_total``, created on first use.
        Count after the transaction commits, so a retried transaction counts once.
        Label values must come from a small fixed set (states, kinds), never ids."""
        if name not in self._business:
            self._business[name] = Counter("%s_%s" % (self.container.service_name, name),
                                           documentation, list(labels),
                                           registry=self.registry)
        return self._business[name]

    def get_dependency(self, worker_ctx: Any) -> "EntrypointMetrics":
        return self

    def consumers_ready(self) -> bool:
        """Every queue consumer of the service is consuming: its queues are
        declared and bound. The HTTP server starts beside the consumers, so
        until then a message published to the service's exchange finds no
        queue and is dropped by the broker, though confirmed."""
        for extension in self.container.extensions:
            consumer = getattr(extension, "consumer", None)
            ready = getattr(consumer, "ready", None)
            if ready is not None and hasattr(consumer, "wait_until_consumer_ready") \
                    and not ready.is_set():
                return False
        return True

    def consumers_status(self) -> dict[str, str]:
        """The consumers' part of a health report."""
        return {"status": "up" if self.consumers_ready() else "starting"}

    def exposition(self, store: Any = None) -> tuple[str, str]:
        if store is not None:
            pending, age = store.outbox_backlog()
            self.outbox_pending.set(pending)
            self.outbox_oldest_age.set(age)
            self.inbox_duplicates.set(store.duplicates_absorbed)
        return generate_latest(self.registry).decode("utf-8"), CONTENT_TYPE_LATEST
