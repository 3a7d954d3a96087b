"""Prometheus metrics per service: every entrypoint's calls, errors and
latency, plus the outbox and inbox figures. Each container gets its own
registry, so several services can share a test process."""
import time

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

# the *_created series only add noise to every scrape
disable_created_metrics()

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def entrypoint_kind(entrypoint):
    for cls, kind in ((HttpRequestHandler, "http"), (EventHandler, "event"),
                      (Rpc, "rpc"), (Timer, "timer")):
        if isinstance(entrypoint, cls):
            return kind
    return "other"


def _status_of(result):
    if isinstance(result, tuple) and result and isinstance(result[0], int):
        return result[0]
    return getattr(result, "status_code", None)


class EntrypointMetrics(DependencyProvider):

    def setup(self):
        prefix = self.container.service_name
        self.registry = CollectorRegistry()
        labels = ["entrypoint", "kind"]
        self.calls = Counter("%s_entrypoint_calls" % prefix, "Entrypoint calls handled.",
                             labels, registry=self.registry)
        self.errors = Counter("%s_entrypoint_errors" % prefix,
                              "Entrypoint calls that raised or answered 5xx.",
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
        self._started = {}

    def worker_setup(self, worker_ctx):
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx, None)
        entrypoint = worker_ctx.entrypoint
        labels = (entrypoint.method_name, entrypoint_kind(entrypoint))
        self.calls.labels(*labels).inc()
        if started is not None:
            self.latency.labels(*labels).observe(time.perf_counter() - started)
        if exc_info is not None:
            self.errors.labels(*labels, exc_info[0].__name__).inc()
        elif (_status_of(result) or 0) >= 500:
            self.errors.labels(*labels, "http_5xx").inc()

    def get_dependency(self, worker_ctx):
        return self

    def exposition(self, store=None):
        if store is not None:
            pending, age = store.outbox_backlog()
            self.outbox_pending.set(pending)
            self.outbox_oldest_age.set(age)
            self.inbox_duplicates.set(store._provider.duplicates_absorbed)
        return generate_latest(self.registry).decode("utf-8"), CONTENT_TYPE_LATEST
