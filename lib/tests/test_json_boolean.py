"""A boolean in a request body is JSON true or false, nothing else (the API
fuzzer found `{"paused": 0}` accepted as false)."""
import pytest
from marshmallow import Schema

from college_contracts.api import enrollment, projects
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


# every decision and yes-or-no answer a request body carries: 1 must not approve
# an offer, nor "yes" record a graduate as still employed
DECISIONS = [
    (enrollment.DeclarationDecisionSchema, {"confirm": True, "reason": "checked on site"},
     "confirm"),
    (enrollment.ScreeningSchema, {"passed": True}, "passed"),
    (enrollment.OfferDecisionSchema, {"approve": True}, "approve"),
    (enrollment.OfferResponseSchema, {"accept": True}, "accept"),
    (enrollment.RetentionSchema, {"months": 6, "still_employed": True}, "still_employed"),
    (projects.NewProjectSchema, None, "confidential"),
]


@pytest.mark.parametrize("schema, body, field", DECISIONS,
                         ids=[field for _, _, field in DECISIONS])
@pytest.mark.parametrize("value", [1, 0, "yes"])
def test_a_decision_in_a_body_takes_a_json_boolean_only(schema, body, field, value):
    with pytest.raises(InvalidInput) as refused:
        load(schema(), {**(body or {}), field: value}, partial=body is None)
    assert field in refused.value.errors
