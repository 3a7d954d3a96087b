import eventlet
import pytest

from college_platform.service import SingleFlight


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_callers_during_a_computation_share_its_result():
    calls = []

    def slow():
        calls.append(1)
        eventlet.sleep(0.05)
        return len(calls)

    flight = SingleFlight(ttl=0)
    results = list(eventlet.GreenPool(10).imap(lambda _: flight.get(slow), range(10)))
    assert results == [1] * 10 and len(calls) == 1


def test_a_result_is_reused_for_its_ttl_then_computed_again():
    clock, values = FakeClock(), iter([1, 2])
    flight = SingleFlight(ttl=1.0, clock=clock)
    assert flight.get(lambda: next(values)) == 1
    clock.now = 0.9
    assert flight.get(lambda: next(values)) == 1
    clock.now = 1.1
    assert flight.get(lambda: next(values)) == 2


def test_a_failure_reaches_every_waiter_and_is_not_cached():
    flight = SingleFlight(ttl=10)

    def broken():
        eventlet.sleep(0.05)
        raise ConnectionError("down")

    pool = eventlet.GreenPool(3)
    threads = [pool.spawn(flight.get, broken) for _ in range(3)]
    for thread in threads:
        with pytest.raises(ConnectionError):
            thread.wait()
    assert flight.get(lambda: "recovered") == "recovered"


def test_forgetting_makes_the_next_caller_compute_afresh():
    clock, values = FakeClock(), iter([1, 2])
    flight = SingleFlight(ttl=60, clock=clock)
    assert flight.get(lambda: next(values)) == 1
    flight.forget()
    assert flight.get(lambda: next(values)) == 2
