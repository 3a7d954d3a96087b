"""Handing a consumer's messages to its method a batch at a time.

Mixed in before ``events.DeadLettering`` in a queue consumer built with
``batched=True``: the method then takes a list of messages' payloads, those
that arrive within ``batch_seconds`` of the first, up to ``batch_size``, in
the order the queue delivered them. It returns one outcome per payload,
``None`` for handled or the exception that failed it, and each message is
settled by its own outcome (acknowledged, retried or dead-lettered) exactly
as a single message would be. A process handles one batch at a time, in the
order they were gathered: what a batch costs the database is for the
handler to keep low (``Store.handle_in_bulk`` writes one with a few
statements and no transaction; SecantusDB, the local server, has wedged
under batched transactions, docs/benchmarks.md).
"""
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import eventlet
from eventlet.semaphore import Semaphore
from nameko.exceptions import ContainerBeingKilled

if TYPE_CHECKING:  # to mypy, a mixin of what it mixes in with
    from college_platform.events import DeadLettering as _Settles
else:
    _Settles = object


class GathersBatches(_Settles):

    batched = False
    batch_size = 1
    batch_seconds = 0.02

    def init_batching(self, batched: bool, batch_seconds: float) -> None:
        self.batched = batched
        self.batch_seconds = batch_seconds
        # (payload, message) of the batch being gathered
        self._gathering: list[tuple[Any, Any]] = []
        self._one_batch_at_a_time = Semaphore(1)

    def setup_batching(self, batch_size: int) -> None:
        """Before the consumer is set up: the next batch gathers while one is
        handled, and the broker holds the rest."""
        self.batch_size = max(1, batch_size)
        self.consumer_options.setdefault("prefetch_count", max(10, 2 * self.batch_size))

    def gather(self, payload: Any, message: Any) -> None:
        self._gathering.append((payload, message))
        if len(self._gathering) >= self.batch_size:
            self._hand_over()
        elif len(self._gathering) == 1:
            batch = self._gathering
            self.container.spawn_managed_thread(
                partial(self._hand_over_after_wait, batch),
                identifier="%s.gather[%s]" % (type(self).__name__, self.method_name))

    def _hand_over_after_wait(self, batch: list[tuple[Any, Any]]) -> None:
        eventlet.sleep(self.batch_seconds)
        if self._gathering is batch:  # not handed over already because it filled up
            self._hand_over()

    def _hand_over(self) -> None:
        """Give the gathered batch to a worker; a new batch starts gathering.
        Runs off the consumer's thread while it waits for a free worker, as
        nameko does for single messages, so heartbeats go on meanwhile."""
        batch, self._gathering = self._gathering, []
        payloads = [payload for payload, _ in batch]
        messages = [message for _, message in batch]

        def spawn_worker() -> None:
            self._one_batch_at_a_time.acquire()  # released once the batch is settled
            try:
                self.container.spawn_worker(
                    self, (payloads,), {}, context_data={},
                    handle_result=partial(self._handle_batch_result, messages))
            except ContainerBeingKilled:
                self._one_batch_at_a_time.release()
                for message in messages:
                    self.consumer.requeue_message(message)

        self.container.spawn_managed_thread(
            spawn_worker, identifier="%s.wait_for_worker_pool[%s]" % (
                type(self).__name__, self.method_name))

    def _handle_batch_result(self, messages: Sequence[Any], worker_ctx: Any, result: Any = None,
                             exc_info: Any = None) -> tuple[Any, Any]:
        try:
            self._settle_batch(messages, result, exc_info)
        finally:
            self._one_batch_at_a_time.release()
        return result, exc_info

    def _settle_batch(self, messages: Sequence[Any], result: Any, exc_info: Any) -> None:
        if exc_info is None and (not isinstance(result, (list, tuple))
                                 or len(result) != len(messages)):
            error = TypeError("a batch handler must return one outcome per message, not %r"
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
