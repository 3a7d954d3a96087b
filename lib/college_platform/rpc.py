"""RPC entrypoint and client dependency shared by the services.

nameko's ReplyListener checks, each time its consumer connects, that its
reply queue still exists when calls are pending. On the very first connection
that queue does not exist yet: a caller whose entrypoints start before the
listener (an HTTP request arriving during start-up) registers a pending call,
the check fails, the reply consumer dies, and every later call times out.
The check is meant for reconnections, so it runs only after the first start.
"""
from typing import Any

from nameko import rpc as nameko_rpc
from nameko.rpc import ClusterRpc, ReplyListener
from pymongo.errors import ConnectionFailure

from college_platform.consumers import ReplyConsumer, ServiceRpcConsumer
from college_platform.errors import Unavailable

DATABASE_RETRY_AFTER_SECONDS = 5


class ReplyListenerCheckingReconnections(ReplyListener):

    consumer_cls = ReplyConsumer

    def setup(self) -> None:
        super().setup()
        self.started = False

    def start(self) -> None:
        super().start()
        self.started = True

    def check_for_lost_replies(self) -> None:
        if self.started:
            super().check_for_lost_replies()


class ServiceRpc(ClusterRpc):
    """``ClusterRpc`` with the reply listener above, whose requests do not
    declare the reply queue again."""

    reply_listener = ReplyListenerCheckingReconnections()

    def setup(self) -> None:
        super().setup()
        # nameko's publisher declares the reply queue with every request, and
        # kombu never caches the declaration of an expiring queue: three more
        # round trips to the broker (exchange, queue, binding) per call. The
        # listener declares the queue when it connects and on every reconnection,
        # and a queue with a consumer does not expire.
        self.publisher.declare = [self.reply_listener.queue.exchange]


class Rpc(nameko_rpc.Rpc):
    """nameko's ``@rpc`` that answers ``Unavailable`` when the database is
    unreachable, instead of an opaque pymongo error the caller cannot tell
    from a bug: the gateway turns it into a 503 with a retry hint. Every
    ``@rpc`` of a service must be this one: they share one queue consumer."""

    rpc_consumer = ServiceRpcConsumer()

    def handle_result(self, message: Any, worker_ctx: Any, result: Any, exc_info: Any) -> Any:
        if exc_info is not None and isinstance(exc_info[1], ConnectionFailure):
            unavailable = Unavailable(
                "the %s database is unreachable; try again shortly"
                % self.container.service_name, retry_after=DATABASE_RETRY_AFTER_SECONDS)
            exc_info = (Unavailable, unavailable, exc_info[2])
        return super().handle_result(message, worker_ctx, result, exc_info)


rpc = Rpc.decorator
