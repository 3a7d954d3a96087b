"""A broker that resets the connection while a worker settles its message must
not kill the service: the message comes back, the inbox absorbs it."""
import pytest
from nameko.rpc import RpcConsumer

from college_platform.consumers import QueueConsumer, ReplyConsumer, ServiceRpcConsumer
from college_platform.events import ReliableEventHandler
from college_platform.inbound import InboundHandler
from college_platform.rpc import ReplyListenerCheckingReconnections, Rpc


class ResetMessage:
    """A message whose channel still looks connected while its socket is gone,
    the moment a broker restart leaves behind."""

    properties = {"message_id": "m-1"}
    delivery_info = {"routing_key": "enrollment.list_students"}

    def __init__(self, error):
        self.error = error
        self.channel = type("Channel", (), {"connection": object()})()

    def ack(self):
        raise self.error

    def requeue(self):
        raise self.error


@pytest.mark.parametrize("error", [ConnectionResetError(104, "Connection reset by peer"),
                                   BrokenPipeError(32, "Broken pipe")])
@pytest.mark.parametrize("settle", ["ack_message", "requeue_message"])
def test_settling_on_a_reset_connection_is_logged_not_raised(error, settle, caplog):
    consumer = QueueConsumer("memory://")
    getattr(consumer, settle)(ResetMessage(error))
    assert "the broker delivers it again" in caplog.text


def test_a_failure_that_is_not_the_connection_still_raises():
    class Broken(ResetMessage):
        def ack(self):
            raise ValueError("a bug")

    with pytest.raises(ValueError):
        QueueConsumer("memory://").ack_message(Broken(None))


def test_a_reply_that_cannot_be_sent_leaves_the_request_to_be_delivered_again(monkeypatch):
    def reply_fails(self, message, result, exc_info):
        raise ConnectionResetError(104, "Connection reset by peer")

    monkeypatch.setattr(RpcConsumer, "handle_result", reply_fails)
    requeued = []
    consumer = ServiceRpcConsumer()
    consumer.consumer = type("Core", (), {"requeue_message": requeued.append})()
    message = ResetMessage(None)
    assert consumer.handle_result(message, {"ok": True}, None) == ({"ok": True}, None)
    assert requeued == [message]


def test_every_queue_consuming_entrypoint_uses_them():
    assert ReliableEventHandler.consumer_cls is QueueConsumer
    assert InboundHandler.consumer_cls is QueueConsumer
    assert isinstance(Rpc.rpc_consumer, ServiceRpcConsumer)
    assert ReplyListenerCheckingReconnections.consumer_cls is ReplyConsumer
