"""Consuming events without losing any.

nameko acknowledges a failed event message by default, which loses it. The
consumers here, on failure, republish the message to a per-queue wait queue
whose TTL returns it to the queue (retry with backoff); after the policy's
last attempt, or at once for a ``PermanentEventError``, a malformed envelope
or an undecodable body, the message is parked in ``<queue>.dead`` with the
reason in its headers. The original is acknowledged only after that publish
is confirmed, so a crash in between redelivers rather than drops. A handler
that cannot reach the database waits the same way without using up an
attempt: an outage, however long, dead-letters nothing.

``event_handler`` consumes the services' internal events (nameko's queue
naming and binding); ``inbound.inbound_handler`` reuses the same machinery
for enterprise systems' messages.

The headers named here are written by this machinery alone: a consumer of
messages from outside (``inbound``) drops every header the publisher wrote
before any of this reads them.
"""
import logging
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kombu import Connection, Queue
from nameko.amqp.publish import Publisher
from nameko.events import EventHandler
from pymongo.errors import ConnectionFailure

from college_platform import settings
from college_platform.batches import GathersBatches
from college_platform.consumers import QueueConsumer
from college_platform.envelope import parse_event, utcnow
from college_platform.errors import PermanentEventError
from college_platform.metrics import EntrypointMetrics, metrics_of
from college_platform.retry import RetryPolicy

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-attempt"
OUTAGE_HEADER = "x-database-unavailable"
REASON_HEADER = "x-dead-letter-reason"
# the broker-verified user_id of the message's publisher, which only that user may
# set as the property itself; "x-original-user-id", its name in earlier versions,
# is never read: an enterprise could write it and those versions kept it
PUBLISHER_HEADER = "x-publisher-user-id"
# an oversized message is parked with the start of its body only, and its size
SIZE_HEADER = "x-original-size"
TRUNCATED_HEADER = "x-body-truncated"
PARKED_PREVIEW_BYTES = 4096


def header_count(headers: Mapping[str, Any], name: str, default: int) -> int:
    """A whole-number header of ours, or ``default`` when absent or malformed."""
    try:
        return int(headers.get(name, default))
    except (TypeError, ValueError):
        return default


def retry_policy_from_config() -> RetryPolicy:
    return RetryPolicy(settings.EVENT_RETRY_DELAYS())


def dead_letter_queue_name(queue_name: str) -> str:
    return queue_name + ".dead"


if TYPE_CHECKING:  # to mypy, a mixin of what it mixes in with (nameko is untyped)
    from nameko.messaging import Consumer as _Consumer
else:
    _Consumer = object


class DeadLettering(_Consumer):
    """Retry-then-dead-letter settlement, mixed in before a nameko ``Consumer``
    subclass whose ``setup`` has created ``self.queue`` by the time it returns."""

    consumer_cls = QueueConsumer

    def setup(self) -> None:
        super().setup()
        self.setup_dead_lettering()

    def start(self) -> None:
        self.declare_dead_lettering()
        super().start()

    def wait_queue_name(self, delay: float) -> str:
        return "%s.retry.%dms" % (self.queue.name, int(delay * 1000))

    def returns_to(self) -> str:
        """The queue a message comes back to from a wait queue."""
        return self.queue.name

    def setup_dead_lettering(self) -> None:
        self.policy = retry_policy_from_config()
        # quorum queues (replicated) in a cluster; the type is fixed when a queue is created
        self.type_argument = type_argument = {
            "x-queue-type": settings.EVENT_QUEUE_TYPE()}
        self.queue.queue_arguments = {**(self.queue.queue_arguments or {}), **type_argument}
        self.wait_queues = [
            Queue(
                self.wait_queue_name(delay),
                durable=True,
                queue_arguments={
                    "x-message-ttl": int(delay * 1000),
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": self.returns_to(),
                    **type_argument,
                },
            )
            for delay in self.policy.delays
        ]
        self.dead_queue = Queue(dead_letter_queue_name(self.queue.name), durable=True,
                                queue_arguments=type_argument)
        self.extra_queues: list[Queue] = []  # further queues of ours to declare before consuming
        self.republisher = Publisher(self.amqp_uri, use_confirms=True, serializer="json")
        # a body that cannot be decoded must not wedge the consumer: park it
        self.consumer.consumer_options["on_decode_error"] = self._on_decode_error

    def declare_dead_lettering(self) -> None:
        # declared up front so operators see the dead-letter queue before it is needed
        with Connection(self.amqp_uri) as connection:
            channel = connection.default_channel
            for queue in [*self.extra_queues, *self.wait_queues, self.dead_queue]:
                queue.bind(channel).declare()

    def _on_decode_error(self, message: Any, exc: Exception) -> None:
        self._settle(message, "undecodable body (%s): %s" % (message.content_type, exc),
                     permanent=True, error="Undecodable")

    def _metrics(self) -> EntrypointMetrics | None:
        return metrics_of(self.container)

    def handle_message_processed(self, message: Any, result: object = None,
                                 exc_info: Any = None) -> None:
        if exc_info is None:
            self.consumer.ack_message(message)
            return
        exc = exc_info[1]
        if isinstance(exc, ConnectionFailure):
            self._wait_for_database(message, exc)
            return
        permanent = isinstance(exc, PermanentEventError)
        self._settle(message, "%s: %s" % (type(exc).__name__, exc), permanent,
                     error=type(exc).__name__)

    def _settle(self, message: Any, reason: str, permanent: bool, error: str,
                body: bytes | None = None) -> None:
        """Retry or park ``message``; ``body`` replaces the one kept (a preview of
        an oversized message)."""
        headers = dict(message.headers or {})
        attempt = max(1, header_count(headers, ATTEMPT_HEADER, 1))
        try:
            decision = self.policy.after_failure(attempt, permanent=permanent)
            if decision.dead_letter:
                headers.update({
                    REASON_HEADER: reason[:1000],
                    "x-attempts": attempt,
                    "x-original-queue": self.queue.name,
                    "x-dead-lettered-at": utcnow().isoformat(),
                })
                target = self.dead_queue
                log.error("message dead-lettered to %s after %d attempt(s): %s",
                          target.name, attempt, reason)
            else:
                headers.update({ATTEMPT_HEADER: attempt + 1, "x-last-error": reason[:1000]})
                target = self.wait_queues[attempt - 1]
                log.warning("handler %s failed (attempt %d), retrying in %.1fs: %s",
                            self.method_name, attempt, decision.delay, reason)
            self._park(message, target, headers, body)
            metrics = self._metrics()
            if metrics is not None:
                metrics.count_failed_event(self.method_name, error, decision.dead_letter)
        except Exception:
            log.exception("could not park a failed message; returning it to the queue")
            self.consumer.requeue_message(message)
            return
        self.consumer.ack_message(message)

    def _wait_for_database(self, message: Any, exc: Exception) -> None:
        """The database is down, not the message: wait and try again without
        spending one of its attempts, so an outage dead-letters nothing."""
        headers = dict(message.headers or {})
        waits = max(0, header_count(headers, OUTAGE_HEADER, 0)) + 1
        headers[OUTAGE_HEADER] = waits
        # the first wait queue, then the second: back off a little, never for long
        target = self.wait_queues[min(waits - 1, 1, len(self.wait_queues) - 1)]
        log.warning("handler %s could not reach the database (%s); the message waits",
                    self.method_name, type(exc).__name__)
        try:
            self._park(message, target, headers)
        except Exception:
            log.exception("could not park a message during a database outage; requeueing")
            self.consumer.requeue_message(message)
            return
        self.consumer.ack_message(message)

    def _park(self, message: Any, target: Queue, headers: dict[str, Any],
              body: bytes | None = None) -> None:
        """Republish the message as it arrived (same body bytes and properties,
        unless ``body`` is given)."""
        properties = {key: message.properties[key]
                      for key in ("content_type", "content_encoding", "message_id",
                                  "user_id", "timestamp", "type")
                      if message.properties.get(key) is not None}
        properties.setdefault("content_type", "application/octet-stream")
        # every parked message gets an id, so administrators can name it to replay it
        properties.setdefault("message_id", str(uuid.uuid4()))
        properties.setdefault("content_encoding", "binary")
        headers.pop("x-original-user-id", None)  # never believed: see PUBLISHER_HEADER
        if "user_id" in properties:  # the broker lets only that user set it; keep it visible
            headers[PUBLISHER_HEADER] = properties.pop("user_id")
        if body is None:
            body = message.body
        body = body if isinstance(body, bytes) else str(body).encode()
        self.republisher.publish(body, exchange="", routing_key=target.name, headers=headers,
                                 declare=[target], serializer=None, **properties)


class ReliableEventHandler(GathersBatches, DeadLettering, EventHandler):
    """``event_handler(source, event_type)``; with ``batched=True`` the method
    takes a list of events, up to ``EVENT_BATCH_SIZE`` (``batches``)."""

    def __init__(self, source_service: str, event_type: str, batched: bool = False,
                 batch_seconds: float = 0.02, **kwargs: Any) -> None:
        self.init_batching(batched, batch_seconds)
        super().__init__(source_service, event_type, **kwargs)

    def setup(self) -> None:
        if self.batched:
            self.setup_batching(settings.EVENT_BATCH_SIZE())
        super().setup()

    def handle_message(self, body: Any, message: Any) -> None:
        try:
            parse_event(body)
        except PermanentEventError as exc:
            self._settle(message, str(exc), permanent=True, error="InvalidEnvelope")
            return
        metrics = self._metrics()
        if metrics is not None:
            metrics.observe_event_lag(self.method_name, body["time"])
        if self.batched:
            self.gather(body, message)
        else:
            super().handle_message(body, message)


event_handler = ReliableEventHandler.decorator
