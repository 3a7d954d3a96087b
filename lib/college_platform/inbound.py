"""Consuming messages that outside systems publish to a dedicated exchange.

``inbound_handler(parse)`` binds a durable queue ``<exchange>.<service>`` to
the topic exchange for every routing key and hands the service method the
event that ``parse(body_bytes, user_id)`` returns. A message ``parse``
rejects (``PermanentEventError``) goes straight to ``<queue>.dead`` with the
reason; a handler failure is retried with backoff, then dead-lettered, as for
internal events. The contract itself (what ``parse`` accepts) lives with the
contracts, not here.

With ``batched=True`` the method takes a list of events instead: the
messages that arrive within ``batch_seconds`` of the first, up to the
service's ``INBOUND_BATCH_SIZE`` setting, in the order the queue delivered
them. It returns one outcome per event, ``None`` for handled or the
exception that failed it, and each message is settled by its own outcome
(acknowledged, retried or dead-lettered) exactly as a single event would be.
A high, steady stream then costs the database one transaction per batch
instead of one per event. A process handles one batch at a time, in the
order they were gathered: concurrent transactions only contend for the same
database (SecantusDB, the local server, commits fewer of them per second the
more run at once).

The setting defaults to 1 (each event its own transaction) because
SecantusDB has wedged under batches: a reader waits inside WiredTiger for a
page that the open batch transaction holds, while holding the server's lock
the transaction needs to finish (docs/benchmarks.md). On MongoDB, raise it.
"""
from functools import partial

import eventlet
from eventlet.semaphore import Semaphore
from kombu import Exchange, Queue
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer

from college_platform.config import setting
from college_platform.errors import PermanentEventError
from college_platform.events import DeadLettering


class InboundHandler(DeadLettering, Consumer):

    def __init__(self, exchange, parse, batched=False, batch_seconds=0.02, **kwargs):
        self.exchange_name = exchange
        self.parse = parse
        self.batched = batched
        self.batch_size = None
        self.batch_seconds = batch_seconds
        self._gathering = []  # (event, message) of the batch being gathered
        self._one_batch_at_a_time = Semaphore(1)
        super().__init__(queue=None, **kwargs)

    def setup(self):
        exchange = Exchange(self.exchange_name, type="topic", durable=True)
        self.queue = Queue("%s.%s" % (self.exchange_name, self.container.service_name),
                           exchange=exchange, routing_key="#", durable=True)
        # outsiders choose their content type: take every message and judge the bytes
        self.consumer_options["accept"] = None
        if self.batched:
            self.batch_size = max(1, int(setting("INBOUND_BATCH_SIZE", 1)))
            # the next batch gathers while one is handled; the broker holds the rest
            self.consumer_options.setdefault("prefetch_count", max(10, 2 * self.batch_size))
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
        if not self.batched:
            super().handle_message(event, message)
            return
        self._gathering.append((event, message))
        if len(self._gathering) >= self.batch_size:
            self._hand_over()
        elif len(self._gathering) == 1:
            batch = self._gathering
            self.container.spawn_managed_thread(
                partial(self._hand_over_after_wait, batch),
                identifier="%s.gather[%s]" % (type(self).__name__, self.method_name))

    # -- batches ---------------------------------------------------------------------

    def _hand_over_after_wait(self, batch):
        eventlet.sleep(self.batch_seconds)
        if self._gathering is batch:  # not handed over already because it filled up
            self._hand_over()

    def _hand_over(self):
        """Give the gathered batch to a worker; a new batch starts gathering.
        Runs off the consumer's thread while it waits for a free worker, as
        nameko does for single messages, so heartbeats go on meanwhile."""
        batch, self._gathering = self._gathering, []
        events = [event for event, _ in batch]
        messages = [message for _, message in batch]

        def spawn_worker():
            self._one_batch_at_a_time.acquire()  # released once the batch is settled
            try:
                self.container.spawn_worker(
                    self, (events,), {}, context_data={},
                    handle_result=partial(self._handle_batch_result, messages))
            except ContainerBeingKilled:
                self._one_batch_at_a_time.release()
                for message in messages:
                    self.consumer.requeue_message(message)

        self.container.spawn_managed_thread(
            spawn_worker, identifier="%s.wait_for_worker_pool[%s]" % (
                type(self).__name__, self.method_name))

    def _handle_batch_result(self, messages, worker_ctx, result=None, exc_info=None):
        try:
            self._settle_batch(messages, result, exc_info)
        finally:
            self._one_batch_at_a_time.release()
        return result, exc_info

    def _settle_batch(self, messages, result, exc_info):
        if exc_info is None and (not isinstance(result, (list, tuple))
                                 or len(result) != len(messages)):
            error = TypeError("a batch handler must return one outcome per event, not %r"
                              % (result,))
            exc_info = (TypeError, error, None)
        for index, message in enumerate(messages):
            if exc_info is not None:  # the handler itself failed: every message shares it
                self.handle_message_processed(message, None, exc_info)
            elif result[index] is None:
                self.handle_message_processed(message)
            else:
                error = result[index]
                self.handle_message_processed(message, None, (type(error), error, None))

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
