"""Queue consumers that survive the broker connection dying under them.

nameko settles (acknowledges or requeues) a message only while its channel has
a connection, and forgives amqp's ``ConnectionError`` only. When the broker
restarts, the socket is often reset between that check and the write, which
raises ``OSError`` (``ConnectionResetError``, ``BrokenPipeError``) inside the
worker; nameko treats that as a bug, kills the service container, and its
consumers never reconnect: the process lives on and consumes nothing.

Nothing is lost by forgiving it: the broker returns every unacknowledged
message to its queue when the connection dies, so a settlement that could not
be sent means a redelivery, which the consumers' inbox absorbs. Every
entrypoint that consumes a queue uses these classes (``events``, ``inbound``,
``rpc``).
"""
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError
from nameko.amqp.consume import Consumer
from nameko.rpc import ReplyListener, RpcConsumer

from college_platform import settings

log = logging.getLogger(__name__)

# what a write to a connection the broker has dropped raises, at each layer
CONNECTION_LOST = (OSError, AmqpConnectionError, OperationalError)


if TYPE_CHECKING:  # to mypy, a mixin of what it mixes in with
    from nameko.amqp.consume import Consumer as _Consumer
else:
    _Consumer = object


class SettlesDespiteLostConnection(_Consumer):
    """Mixed in before a nameko ``amqp.consume.Consumer``."""

    def ack_message(self, message: Any) -> None:
        self._settle(super().ack_message, message, "acknowledge")

    def requeue_message(self, message: Any) -> None:
        self._settle(super().requeue_message, message, "requeue")

    @staticmethod
    def _settle(settle: Callable[[Any], None], message: Any, what: str) -> None:
        try:
            settle(message)
        except CONNECTION_LOST as exc:
            log.warning("could not %s message %s, its connection is gone (%s: %s); "
                        "the broker delivers it again", what,
                        message.properties.get("message_id"), type(exc).__name__, exc)


class QueueConsumer(SettlesDespiteLostConnection, Consumer):
    """The consumer of event and inbound queues (``consumer_cls`` of nameko's
    ``messaging.Consumer``)."""


class ReplyConsumer(SettlesDespiteLostConnection, ReplyListener.ReplyConsumer):
    """The consumer of an RPC caller's reply queue."""


class ServiceRpcConsumer(RpcConsumer):
    """The consumer of a service's RPC queue. A reply that cannot be published
    (the broker away longer than the publisher's retries) leaves the request
    to be delivered again, rather than killing the container."""

    consumer_cls = QueueConsumer

    def setup(self) -> None:
        super().setup()
        # replicated like the event queues in a cluster: a classic queue is gone with its
        # node, and with it every call to the service until that node is back
        self.queue.queue_arguments = {**(self.queue.queue_arguments or {}),
                                      "x-queue-type": settings.EVENT_QUEUE_TYPE()}

    def handle_result(self, message: Any, result: Any, exc_info: Any) -> Any:
        try:
            return super().handle_result(message, result, exc_info)
        except CONNECTION_LOST as exc:
            log.warning("could not reply to %s (%s: %s); the request will be delivered again",
                        message.delivery_info.get("routing_key"), type(exc).__name__, exc)
            self.consumer.requeue_message(message)
            return result, exc_info
