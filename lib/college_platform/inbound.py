"""Consuming messages that outside systems publish to a dedicated exchange.

``inbound_handler(parse)`` binds a durable queue ``<exchange>.<service>`` to
the topic exchange for every routing key and hands the service method the
event that ``parse(body_bytes, user_id)`` returns. A message ``parse``
rejects (``PermanentEventError``) goes straight to ``<queue>.dead`` with the
reason; a handler failure is retried with backoff, then dead-lettered, as for
internal events. The contract itself (what ``parse`` accepts) lives with the
contracts, not here.
"""
from kombu import Exchange, Queue
from nameko.messaging import Consumer

from college_platform.errors import PermanentEventError
from college_platform.events import DeadLettering


class InboundHandler(DeadLettering, Consumer):

    def __init__(self, exchange, parse, **kwargs):
        self.exchange_name = exchange
        self.parse = parse
        super().__init__(queue=None, **kwargs)

    def setup(self):
        exchange = Exchange(self.exchange_name, type="topic", durable=True)
        self.queue = Queue("%s.%s" % (self.exchange_name, self.container.service_name),
                           exchange=exchange, routing_key="#", durable=True)
        # outsiders choose their content type: take every message and judge the bytes
        self.consumer_options["accept"] = None
        super().setup()

    def handle_message(self, body, message):
        try:
            event = self.parse(message.body, self._publisher_of(message))
        except PermanentEventError as exc:
            self._settle(message, str(exc), permanent=True, error=type(exc).__name__)
            return
        metrics = self._metrics()
        if metrics is not None:
            metrics.observe_event_lag(self.method_name, event["time"])
        super().handle_message(event, message)

    def _publisher_of(self, message):
        """The broker-verified publisher. A retry comes back through our own wait
        queue (the default exchange, where only the college's services may
        publish), carrying the original user_id in a header, since only that user
        may set the property itself."""
        user_id = message.properties.get("user_id")
        if message.delivery_info.get("exchange") != self.exchange_name:
            user_id = user_id or (message.headers or {}).get("x-original-user-id")
        return user_id


inbound_handler = InboundHandler.decorator
