"""RPC client dependency for callers of other services.

nameko's ReplyListener checks, each time its consumer connects, that its
reply queue still exists when calls are pending. On the very first connection
that queue does not exist yet: a caller whose entrypoints start before the
listener (an HTTP request arriving during start-up) registers a pending call,
the check fails, the reply consumer dies, and every later call times out.
The check is meant for reconnections, so it runs only after the first start.
"""
from nameko.rpc import ClusterRpc, ReplyListener


class ReplyListenerCheckingReconnections(ReplyListener):

    def setup(self):
        super().setup()
        self.started = False

    def start(self):
        super().start()
        self.started = True

    def check_for_lost_replies(self):
        if self.started:
            super().check_for_lost_replies()


class ServiceRpc(ClusterRpc):
    """``ClusterRpc`` with the reply listener above."""

    reply_listener = ReplyListenerCheckingReconnections()
