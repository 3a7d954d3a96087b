"""Sending the outbound CloudEvents: a thread in the projects service takes
the deliveries that are due (``outbound_records``), each claimed for a while
so two instances never send one at the same moment, and settles each with
its outcome. A crash loses nothing: a delivery is written with the event that
caused it, and one claimed by a dead process is due again once its claim
runs out (the receiver may then see it twice, with the same CloudEvent id).

- ``queue``: published, with a publisher confirm, to the subscription's own
  queue ``college.outbound.<id>.<token>`` on the enterprises' vhost
  (``INBOUND_VHOST``), which it declares durable (its bounds are the broker
  policy ``college-outbound-bounds``, ``deploy/enterprise_access.py setup``).
  A broker that cannot be reached spends no attempt, nor does a subscription
  stored before queues had tokens until the start gives it one; a refused
  publish (the queue full) does.
- ``webhook``: POSTed as structured JSON, signed (``outbound.signature``),
  within ``OUTBOUND_TIMEOUT_SECONDS``, redirects not followed. A 2xx is
  delivered; a network error, 5xx or 429 is tried again after
  ``OUTBOUND_BACKOFF_SECONDS`` doubling each time, up to ``OUTBOUND_ATTEMPTS``;
  any other answer, or the last attempt, makes it dead, with its reason.
"""
from __future__ import annotations

import json
import logging
import socket
import threading
import time
from datetime import datetime, timedelta
from typing import Any, Optional
from urllib.parse import urlparse

import eventlet
import eventlet.semaphore
import requests
from kombu import Connection, Queue
from nameko.extensions import DependencyProvider
from prometheus_client import Histogram

from college_contracts import outbound as contract
from college_platform.envelope import utcnow
from college_platform.inbound import inbound_amqp_uri
from college_platform.metrics import LAG_BUCKETS, metrics_of
from college_platform.mongo import MongoStore
from projects import outbound, settings
from projects.outbound_records import OutboundRecords

log = logging.getLogger(__name__)

BATCH = 50
SENDERS = 8  # deliveries in flight at once


class BrokerAway(Exception):
    """The broker could not be reached (or the queue is not named yet): the
    delivery waits without spending an attempt."""


class QueuePublisher:
    """Publishes to the enterprises' queues with confirms, on one connection
    kept open (opened again after a failure)."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.connection: Optional[Connection] = None
        self.declared: set[str] = set()
        self.lock = eventlet.semaphore.Semaphore()

    def publish(self, name: str, event: dict[str, Any]) -> None:
        body = json.dumps(event, ensure_ascii=False).encode()
        with self.lock:
            try:
                if self.connection is None:
                    self.connection = Connection(
                        self.uri, transport_options={"confirm_publish": True},
                        connect_timeout=5)
                    self.connection.connect()
                    self.declared.clear()
                channel = self.connection.default_channel
                if name not in self.declared:
                    Queue(name, durable=True, channel=channel).declare()
                    self.declared.add(name)
                producer = self.connection.Producer(channel)
            except Exception as exc:
                self.close()
                raise BrokerAway("%s: %s" % (type(exc).__name__, exc))
            try:
                producer.publish(body, exchange="", routing_key=name, delivery_mode=2,
                                 content_type=contract.CONTENT_TYPE, content_encoding="utf-8",
                                 message_id=event["id"], type=event["type"], serializer=None)
            except Exception as exc:
                self.close()
                if "nack" in type(exc).__name__.lower() or "nack" in str(exc).lower():
                    raise RuntimeError("the broker refused the message (the queue is full?)")
                raise BrokerAway("%s: %s" % (type(exc).__name__, exc))

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.release()
            except Exception:
                pass
        self.connection = None


class WebhookFailed(Exception):
    def __init__(self, reason: str, status: Optional[int], can_pass: Optional[bool] = None
                 ) -> None:
        super().__init__(reason)
        self.status = status
        self.can_pass = outbound.retryable(status) if can_pass is None else can_pass


def check_host(url: str, allow_local_http: bool) -> None:
    """The webhook's host must resolve to addresses outside the college's
    network (a name can point anywhere, whatever it looked like when subscribed)."""
    parts = urlparse(url)
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise WebhookFailed("the webhook's host could not be resolved: %s" % exc, None)
    internal = sorted({str(info[4][0]) for info in found
                       if not outbound.reachable_address(str(info[4][0]), allow_local_http)})
    if internal:
        raise WebhookFailed("the webhook's host resolves to an internal address (%s)"
                            % internal[0], None, can_pass=False)


def post_webhook(url: str, secret: str, event: dict[str, Any], delivery_id: str,
                 timeout: float, allow_local_http: bool = False) -> int:
    """POST the CloudEvent, signed; its status when 2xx, else WebhookFailed."""
    check_host(url, allow_local_http)
    body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Content-Type": contract.CONTENT_TYPE,
               outbound.SIGNATURE_HEADER: outbound.signature(secret, int(time.time()), body),
               "X-College-Delivery": delivery_id, "User-Agent": "college-outbound/1"}
    try:
        response = requests.post(url, data=body, headers=headers, timeout=timeout,
                                 allow_redirects=False)
    except requests.RequestException as exc:
        raise WebhookFailed("%s: %s" % (type(exc).__name__, str(exc)[:300]), None)
    if 200 <= response.status_code < 300:
        return response.status_code
    raise WebhookFailed("the receiver answered %d" % response.status_code,
                        response.status_code)


class OutboundSender(DependencyProvider):
    """The sending thread of the projects service; ``wake()`` after recording
    deliveries sends them at once instead of at the next poll."""

    def setup(self) -> None:
        self.poll = settings.OUTBOUND_POLL_SECONDS()
        self.attempts = settings.OUTBOUND_ATTEMPTS()
        self.base = settings.OUTBOUND_BACKOFF_SECONDS()
        self.timeout = settings.OUTBOUND_TIMEOUT_SECONDS()
        self.allow_local_http = settings.OUTBOUND_ALLOW_LOCAL_HTTP()
        self._wake = threading.Event()
        self._running = False
        self._thread: Any = None
        self.publisher = QueuePublisher(inbound_amqp_uri())

    def start(self) -> None:
        store = next(d for d in self.container.dependencies if isinstance(d, MongoStore))
        self.records = OutboundRecords(store.db)
        metrics = metrics_of(self.container)
        self.outcomes = metrics.counter(
            "outbound_deliveries", "Outbound CloudEvent delivery attempts by delivery "
            "(queue, webhook) and outcome (delivered, retried, dead, cancelled).",
            ["delivery", "outcome"]) if metrics else None
        self.lag = Histogram(
            "projects_outbound_delivery_lag_seconds", "From an event's announcement to its "
            "delivery to the enterprise's queue or webhook.", ["delivery"],
            buckets=LAG_BUCKETS, registry=metrics.registry) if metrics else None
        self.pool = eventlet.GreenPool(SENDERS)
        self._running = True
        self._thread = self.container.spawn_managed_thread(self._run,
                                                           identifier="outbound_sender")

    def stop(self) -> None:
        self._running = False
        self._wake.set()
        if self._thread is not None:
            try:
                self._thread.wait()
            except Exception:
                pass
        self.pool.waitall()
        self.publisher.close()

    def kill(self) -> None:
        self._running = False
        self._wake.set()

    def get_dependency(self, worker_ctx: Any) -> "OutboundSender":
        return self

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while self._running:
            self._wake.wait(self.poll)
            self._wake.clear()
            try:
                self.send_due()
            except Exception as exc:  # the database away: try again at the next poll
                if not self._running:
                    break
                log.warning("outbound sender could not look for deliveries (%s: %s)",
                            type(exc).__name__, str(exc)[:200])

    def send_due(self) -> int:
        now = utcnow()
        claimed = [held for held in (self.records.claim(delivery, now, self.timeout + 30)
                                     for delivery in self.records.due(now, BATCH))
                   if held is not None]
        # their subscriptions in one read, not one per delivery
        subscriptions = self.records.subscriptions_by_id(
            {delivery["subscription_id"] for delivery in claimed})
        for delivery in claimed:
            self.pool.spawn_n(self._send_one, delivery,
                              subscriptions.get(delivery["subscription_id"]))
        self.pool.waitall()
        return len(claimed)

    def _count(self, delivery: str, outcome: str) -> None:
        if self.outcomes is not None:
            self.outcomes.labels(delivery=delivery, outcome=outcome).inc()

    def _send_one(self, delivery: dict[str, Any], subscription: Optional[dict[str, Any]]
                  ) -> None:
        try:
            self.send(delivery, subscription)
        except Exception:
            log.exception("outbound delivery %s failed unexpectedly", delivery["_id"])

    def send(self, delivery: dict[str, Any], subscription: Optional[dict[str, Any]]) -> str:
        """One attempt at one claimed delivery to its subscription (None if
        deleted); its outcome."""
        if subscription is None or subscription.get("paused"):
            self.records.settle(delivery["_id"], {"status": outbound.CANCELLED, "reason":
                                                  "the subscription was paused or deleted"})
            self._count(delivery["delivery"], "cancelled")
            return outbound.CANCELLED
        attempts = int(delivery.get("attempts", 0)) + 1
        now = utcnow()
        try:
            if subscription["delivery"] == outbound.QUEUE:
                queue = subscription.get("queue") or ""
                if not contract.is_queue_of(subscription["enterprise_id"], queue):
                    # never to a name another enterprise could guess
                    raise BrokerAway("the subscription's queue has no token yet (the "
                                     "service gives it one as it starts)")
                self.publisher.publish(queue, delivery["event"])
            else:
                post_webhook(subscription["url"], subscription["secret"], delivery["event"],
                             delivery["_id"], self.timeout, self.allow_local_http)
        except BrokerAway as exc:
            self.records.settle(delivery["_id"], {
                "next_attempt_at": now + timedelta(seconds=self.base), "lease_until": now,
                "last_error": str(exc)[:500]})
            log.warning("outbound queue delivery waits: %s", exc)
            return outbound.PENDING
        except Exception as exc:
            can_pass = exc.can_pass if isinstance(exc, WebhookFailed) else True
            return self._failed(delivery, attempts, str(exc)[:500], can_pass, now)
        delivered_at = utcnow()
        self.records.settle(delivery["_id"], {"status": outbound.DELIVERED,
                                              "attempts": attempts,
                                              "delivered_at": delivered_at, "last_error": None})
        self._count(delivery["delivery"], "delivered")
        if self.lag is not None:
            self.lag.labels(delivery=delivery["delivery"]).observe(
                max(0.0, (delivered_at - _time(delivery["announced_at"])).total_seconds()))
        return outbound.DELIVERED

    def _failed(self, delivery: dict[str, Any], attempts: int, reason: str, can_pass: bool,
                now: datetime) -> str:
        decision = outbound.after_failure(attempts, self.attempts, self.base, can_pass)
        if decision.dead:
            self.records.settle(delivery["_id"], {
                "status": outbound.DEAD, "attempts": attempts, "last_error": reason,
                "reason": reason if can_pass is False else
                "%s (after %d attempts)" % (reason, attempts), "dead_at": now})
            self._count(delivery["delivery"], "dead")
            log.error("outbound delivery %s is dead after %d attempt(s): %s",
                      delivery["_id"], attempts, reason)
            return outbound.DEAD
        self.records.settle(delivery["_id"], {
            "attempts": attempts, "last_error": reason, "lease_until": now,
            "next_attempt_at": now + timedelta(seconds=decision.delay)})
        self._count(delivery["delivery"], "retried")
        return outbound.PENDING


def _time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
