"""Consuming messages that outside systems publish to a dedicated exchange.

``inbound_handler(parse)`` binds a durable queue ``<exchange>.<service>`` to
the topic exchange for every routing key and hands the service method the
event that ``parse(body_bytes, user_id)`` returns. A message ``parse``
rejects (``PermanentEventError``) goes straight to ``<queue>.dead`` with the
reason; a handler failure is retried with backoff, then dead-lettered, as for
internal events. The contract itself (what ``parse`` accepts) lives with the
contracts, not here.

With ``batched=True`` the method takes a list of events instead, up to the
service's ``INBOUND_BATCH_SIZE`` setting (``batches.GathersBatches``).

What an outsider wrote is never believed. A message from the exchange loses
every header before anything reads it (the retry machinery's own headers
included) and gets a message id of ours; its publisher is only the user_id
property, which the broker verified. Only messages that come back through
the default exchange, where outsiders may not publish (a wait queue's return,
an administrator's replay), keep the headers this machinery wrote. A message
over ``max_bytes`` is dead-lettered unread, with its size and the start of
its body, and kombu never decodes a body here: ``parse`` judges the bytes.

Retries come back to ``<queue>.returning``, not to the queue outsiders fill:
that one may be bounded (a broker policy, ``deploy/enterprise_access.py``)
and refuse new messages when full, and the broker drops, rather than refuses,
a message dead-lettered into a full queue. The consumer takes both queues.

``INBOUND_VHOST`` names the broker vhost the exchange and these queues live
in, so enterprises connect to a vhost that holds nothing of the platform's;
unset, they share the service's own vhost (AMQP_URI).
"""
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlparse

from kombu import Exchange, Queue
from nameko.messaging import Consumer

from college_platform import settings
from college_platform.batches import GathersBatches
from college_platform.errors import PermanentEventError
from college_platform.events import (
    PARKED_PREVIEW_BYTES,
    PUBLISHER_HEADER,
    SIZE_HEADER,
    TRUNCATED_HEADER,
    DeadLettering,
    header_count,
)

DEFAULT_MAX_BYTES = 1024 * 1024


def inbound_amqp_uri() -> str:
    """The service's AMQP URI on the inbound vhost (``INBOUND_VHOST``), with the
    same credentials; the service's own URI when that is unset."""
    uri, vhost = settings.AMQP_URI(), settings.INBOUND_VHOST()
    if not vhost:
        return uri
    return ";".join(urlparse(part.strip())._replace(path="/" + quote(vhost, safe="")).geturl()
                    for part in uri.split(";"))


def queue_name(exchange: str, service_name: str) -> str:
    return "%s.%s" % (exchange, service_name)


def returning_queue_name(queue: str) -> str:
    """Where retries and replays come back to (see the module's docstring)."""
    return queue + ".returning"


class InboundHandler(GathersBatches, DeadLettering, Consumer):

    def __init__(self, exchange: str, parse: Callable[[bytes, str | None], dict[str, Any]],
                 batched: bool = False, batch_seconds: float = 0.02,
                 max_bytes: int = DEFAULT_MAX_BYTES, **kwargs: Any) -> None:
        self.exchange_name = exchange
        self.parse = parse
        self.max_bytes = max_bytes
        self.init_batching(batched, batch_seconds)
        super().__init__(queue=None, **kwargs)

    @property
    def amqp_uri(self) -> str:
        return inbound_amqp_uri()

    def wait_queue_name(self, delay: float) -> str:
        # not "<queue>.retry.<ms>ms": those of earlier versions return to the queue itself
        return "%s.wait.%dms" % (self.queue.name, int(delay * 1000))

    def returns_to(self) -> str:
        name: str = self.returning_queue.name
        return name

    def setup(self) -> None:
        exchange = Exchange(self.exchange_name, type="topic", durable=True)
        self.queue = Queue(queue_name(self.exchange_name, self.container.service_name),
                           exchange=exchange, routing_key="#", durable=True)
        self.returning_queue = Queue(returning_queue_name(self.queue.name), durable=True)
        # outsiders choose their content type: kombu decodes nothing, parse judges the bytes
        self.consumer_options["accept"] = None
        self.consumer_options["on_message"] = self._on_raw_message
        if self.batched:
            self.setup_batching(settings.INBOUND_BATCH_SIZE())
        super().setup()
        # an attribute kombu sets from a list, which its annotations do not name
        self.returning_queue.queue_arguments = dict(self.type_argument)  # type: ignore[attr-defined]
        self.extra_queues = [self.returning_queue]
        self.consumer.queues = [self.queue, self.returning_queue]

    def _on_raw_message(self, message: Any) -> None:
        self.consumer.on_message(None, message)

    def handle_message(self, body: Any, message: Any) -> None:
        ours = self._came_back(message)
        if not ours:
            # nothing the publisher wrote in headers is believed, kept or passed on,
            # and the id administrators name the message by is ours
            message.headers = {}
            message.properties.pop("application_headers", None)
            message.properties["message_id"] = str(uuid.uuid4())
        size = len(message.body)
        if ours:
            size = max(size, header_count(message.headers, SIZE_HEADER, 0))
        if size > self.max_bytes:
            self._park_oversized(message, size)
            return
        try:
            event = self.parse(message.body, self._publisher_of(message, ours))
        except PermanentEventError as exc:
            self._settle(message, str(exc), permanent=True, error=type(exc).__name__)
            return
        metrics = self._metrics()
        if metrics is not None:
            metrics.observe_event_lag(self.method_name, event["time"])
        if self.batched:
            self.gather(event, message)
        else:
            super().handle_message(event, message)

    @staticmethod
    def _came_back(message: Any) -> bool:
        """Whether the message came through the default exchange (a wait queue's
        return, a replay): only the college's services may publish there."""
        return message.delivery_info.get("exchange") == ""

    def _publisher_of(self, message: Any, ours: bool) -> str | None:
        """The broker-verified publisher: the user_id property, or for a message
        of ours the header our machinery wrote from it, since only that user may
        set the property itself."""
        user_id = message.properties.get("user_id")
        if ours and not user_id:
            user_id = message.headers.get(PUBLISHER_HEADER)
        return user_id

    def _park_oversized(self, message: Any, size: int) -> None:
        """Dead-letter unread, keeping the size and the start of the body only:
        the dead-letter queue and its listing stay small."""
        message.headers = {**message.headers, SIZE_HEADER: size, TRUNCATED_HEADER: True}
        self._settle(message, "the message is %d bytes, over the contract's limit of %d "
                     "bytes; it was not read" % (size, self.max_bytes), permanent=True,
                     error="MessageTooLarge", body=message.body[:PARKED_PREVIEW_BYTES])


inbound_handler = InboundHandler.decorator
