from kombu import Queue
from nameko.rpc import ReplyListener, rpc
from nameko.testing.services import entrypoint_hook

from college_platform.rpc import ReplyListenerCheckingReconnections, ServiceRpc


def checks_made(monkeypatch, started):
    calls = []
    monkeypatch.setattr(ReplyListener, "check_for_lost_replies",
                        lambda self: calls.append(self))
    listener = ReplyListenerCheckingReconnections()
    listener.pending = {"call-1": object()}  # a call registered before the listener started
    listener.started = started
    listener.check_for_lost_replies()
    return len(calls)


def test_the_first_connection_does_not_look_for_a_queue_it_has_not_declared(monkeypatch):
    assert checks_made(monkeypatch, started=False) == 0


def test_a_reconnection_after_start_still_checks_for_lost_replies(monkeypatch):
    assert checks_made(monkeypatch, started=True) == 1


class Echo:
    name = "echo"

    @rpc
    def echo(self, value):
        return value


class Caller:
    name = "caller"
    rpc_client = ServiceRpc()

    @rpc
    def ask(self, values):
        return [self.rpc_client.echo.echo(value) for value in values]


def test_calls_are_answered_without_declaring_the_reply_queue_again(
        service_config, container_factory, monkeypatch):
    """kombu never caches the declaration of an expiring queue, so nameko's
    client declared its reply queue (exchange, queue, binding: three round
    trips to the broker) before every request; the listener declares it when it
    connects, which is enough."""
    declared = []
    declare = Queue.declare

    def counting(queue, *args, **kwargs):
        declared.append(queue.name)
        return declare(queue, *args, **kwargs)

    monkeypatch.setattr(Queue, "declare", counting)
    container_factory(Echo).start()
    calling = container_factory(Caller)
    calling.start()
    caller = [name for name in declared if name.startswith("rpc.reply-caller")]
    assert caller, "the reply listener declares its queue when it starts"
    with entrypoint_hook(calling, "ask") as ask:
        assert ask(list(range(5))) == list(range(5))
    assert [name for name in declared if name.startswith("rpc.reply-caller")] == caller
