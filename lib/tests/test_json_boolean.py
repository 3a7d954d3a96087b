"""A boolean in a request body is JSON true or false, nothing else (the API
fuzzer found `{"paused": 0}` accepted as false)."""
import pytest
from marshmallow import Schema

from college_contracts.api.projects import SubscriptionChangeSchema
from college_platform.errors import InvalidInput
from college_platform.validation import JsonBoolean, load


class Flag(Schema):
    on = JsonBoolean(required=True)


@pytest.mark.parametrize("value", [0, 1, "true", "yes", None, [], {}])
def test_anything_but_true_or_false_is_refused(value):
    with pytest.raises(InvalidInput) as refused:
        load(Flag(), {"on": value})
    assert list(refused.value.errors) == ["on"]


def test_true_and_false_are_taken_as_they_are():
    assert load(Flag(), {"on": True}) == {"on": True}
    assert load(Flag(), {"on": False}) == {"on": False}


def test_pausing_a_subscription_takes_a_json_boolean_only():
    with pytest.raises(InvalidInput):
        load(SubscriptionChangeSchema(), {"paused": 0})
    assert load(SubscriptionChangeSchema(), {"paused": False}) == {"paused": False}
