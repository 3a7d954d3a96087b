import pytest
from nameko.exceptions import deserialize, serialize

from college_platform.envelope import new_event, parse_event
from college_platform.errors import InvalidInput, NotFound, PermanentEventError
from college_platform.retry import RetryPolicy


def test_new_event_carries_every_envelope_field():
    event = new_event("partner_registered", "enrollment", {"partner_id": "p1"})
    assert set(event) == {"id", "type", "source", "time", "schema_version", "data"}
    assert parse_event(event) is event


def test_each_event_gets_its_own_id():
    assert new_event("a_b", "s", {})["id"] != new_event("a_b", "s", {})["id"]


@pytest.mark.parametrize("field", ["id", "type", "source", "time", "schema_version", "data"])
def test_an_envelope_missing_a_field_is_permanently_invalid(field):
    event = new_event("partner_registered", "enrollment", {})
    del event[field]
    with pytest.raises(PermanentEventError, match=field):
        parse_event(event)


@pytest.mark.parametrize("body", [None, "text", [1, 2], 42])
def test_a_body_that_is_not_an_object_is_permanently_invalid(body):
    with pytest.raises(PermanentEventError):
        parse_event(body)


def test_an_event_time_without_timezone_is_refused():
    event = new_event("partner_registered", "enrollment", {})
    event["time"] = "2026-11-22T10:00:00"
    with pytest.raises(PermanentEventError, match="time"):
        parse_event(event)


def test_retry_policy_backs_off_then_gives_up():
    policy = RetryPolicy((1.0, 5.0, 30.0, 120.0))
    assert policy.max_attempts == 5
    delays = [policy.after_failure(attempt).delay for attempt in range(1, 5)]
    assert delays == [1.0, 5.0, 30.0, 120.0]
    assert policy.after_failure(5).dead_letter
    assert not policy.after_failure(4).dead_letter


def test_a_permanent_failure_is_dead_lettered_on_the_first_attempt():
    assert RetryPolicy((1.0,)).after_failure(1, permanent=True).dead_letter


def test_retry_policy_refuses_nonsense_delays():
    with pytest.raises(ValueError):
        RetryPolicy(())
    with pytest.raises(ValueError):
        RetryPolicy((1.0, 0))


def test_service_errors_survive_the_rpc_boundary_with_their_fields():
    error = InvalidInput("bad", errors={"name": ["Missing data for required field."]})
    again = deserialize(serialize(error))
    assert isinstance(again, InvalidInput)
    assert again.errors == {"name": ["Missing data for required field."]}
    assert isinstance(deserialize(serialize(NotFound("partner x does not exist"))), NotFound)
