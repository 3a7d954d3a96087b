from nameko.rpc import ReplyListener

from college_platform.rpc import ReplyListenerCheckingReconnections


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
