"""Fields the gateway fills from the path or the caller's role are optional in
the API's description (issue 27, item 4), yet a service still refuses a call
without them, as it refused a missing required field."""
import pytest

from college_contracts.api.certificates import NewRegistrationSchema
from college_contracts.api.enrollment import (
    NewAgreementSchema,
    OfferDecisionSchema,
    SignatureSchema,
)
from college_contracts.api.projects import (
    NewFeedbackSchema,
    NewPlacementSchema,
    NewProjectSchema,
    NewReviewSchema,
)
from college_platform.errors import InvalidInput
from college_platform.validation import load

CASES = [
    (NewAgreementSchema, "partner_id", "p-1",
     {"title": "合作协议", "starts_on": "2027-01-01", "ends_on": "2029-12-31",
      "programme_codes": ["2027-MA-CNC"]}),
    (OfferDecisionSchema, "party", "college", {"approve": True}),
    (SignatureSchema, "party", "student", {"signer": "李明"}),
    (NewReviewSchema, "reviewer_kind", "tutor", {"rubric": [{"criterion": "功能", "score": 80}]}),
    (NewRegistrationSchema, "candidate_id", "stu-1", {}),
    (NewProjectSchema, "enterprise_id", "ent-1",
     {"title": "视觉检测", "brief": "为产线设计视觉检测系统", "team_size": 3,
      "start_date": "2027-03-01", "end_date": "2027-06-30"}),
    (NewPlacementSchema, "enterprise_id", "ent-1",
     {"student_id": "stu-1", "site": "二号厂房", "supervisor_name": "王建国",
      "starts_on": "2027-03-01", "ends_on": "2027-06-30"}),
    (NewFeedbackSchema, "direction", "student_to_enterprise",
     {"subject_kind": "placement", "subject_id": "pl-1", "ratings": {"指导": 5}}),
]


@pytest.mark.parametrize("schema, name, value, rest", CASES,
                         ids=[case[0].__name__ for case in CASES])
def test_a_decided_field_is_still_needed_by_the_service(schema, name, value, rest):
    assert load(schema(), {**rest, name: value})[name] == value
    for missing in (rest, {**rest, name: None}):
        with pytest.raises(InvalidInput) as refused:
            load(schema(), missing)
        assert refused.value.errors == {name: ["Missing data for required field."]}


def test_a_bad_decided_value_is_refused_for_what_it_is_not_as_missing():
    with pytest.raises(InvalidInput) as refused:
        load(OfferDecisionSchema(), {"approve": True, "party": "student"})
    assert list(refused.value.errors) == ["party"]
    assert "Missing" not in refused.value.errors["party"][0]
