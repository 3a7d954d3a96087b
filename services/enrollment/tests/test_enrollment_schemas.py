"""Enrollment's input schemas (college_contracts.api.enrollment): what they
normalise and what they refuse, field by field."""
import pytest

from college_platform.errors import InvalidInput
from college_platform.validation import load
from enrollment.schemas import (
    ApplicantSchema,
    NewAgreementSchema,
    NewPartnerSchema,
    NewProgrammeSchema,
)

VALID_CODE = "91350100M000100Y43"


def test_partner_input_is_normalised_and_validated():
    partner = load(NewPartnerSchema(), {"legal_name": "深圳智造科技有限公司",
                                        "credit_code": " 91350100m000100y43 ",
                                        "industry": "智能制造"})
    assert partner["credit_code"] == VALID_CODE
    assert partner["contacts"] == []


@pytest.mark.parametrize("missing", ["legal_name", "credit_code", "industry"])
def test_every_required_partner_field_is_reported(missing):
    payload = {"legal_name": "Acme Robotics Ltd", "credit_code": VALID_CODE, "industry": "robots"}
    del payload[missing]
    with pytest.raises(InvalidInput) as caught:
        load(NewPartnerSchema(), payload)
    assert missing in caught.value.errors


def test_a_contact_with_a_bad_email_is_reported_by_position():
    with pytest.raises(InvalidInput) as caught:
        load(NewPartnerSchema(), {"legal_name": "Acme Robotics Ltd", "credit_code": VALID_CODE,
                                  "industry": "robots",
                                  "contacts": [{"name": "王芳", "email": "not-an-email"}]})
    assert caught.value.errors == {"contacts": {0: {"email": ["Not a valid email address."]}}}


def test_applicant_input_derives_the_birth_date_and_needs_one_document():
    applicant = load(ApplicantSchema(), {"name": "张伟", "resident_id": " 11010519491231002x "})
    assert (applicant["resident_id"], applicant["birth_date"]) == ("11010519491231002X",
                                                                  "1949-12-31")
    with pytest.raises(InvalidInput) as caught:
        load(ApplicantSchema(), {"name": "Tom Baker"})
    assert "resident_id" in caught.value.errors
    with pytest.raises(InvalidInput) as caught:
        load(ApplicantSchema(), {"name": "Emma Wilson",
                                 "passport": {"number": "P1234567", "country": "GBR"}})
    assert caught.value.errors == {"birth_date": ["Required with a passport."]}
    with pytest.raises(InvalidInput) as caught:
        load(ApplicantSchema(), {"name": "Emma Wilson", "birth_date": "2999-01-01",
                                 "passport": {"number": "P1234567", "country": "GBR"}})
    assert caught.value.errors == {"birth_date": ["Not a plausible date of birth."]}


def test_agreement_input_needs_a_term_in_order():
    with pytest.raises(InvalidInput) as caught:
        load(NewAgreementSchema(), {"partner_id": "p1", "title": "合作协议",
                                    "starts_on": "2027-01-01", "ends_on": "2026-01-01",
                                    "programme_codes": ["2027-ma-cnc"]})
    assert caught.value.errors == {"ends_on": ["Must be on or after starts_on."]}


def test_programme_input_refuses_two_quotas_for_one_partner():
    with pytest.raises(InvalidInput) as caught:
        load(NewProgrammeSchema(), {"code": "2027-ma-cnc", "name": "数控班",
                                    "kind": "apprenticeship", "intake_year": 2027,
                                    "capacity": 40, "quotas": [{"partner_id": "a", "seats": 1},
                                                               {"partner_id": "a", "seats": 2}]})
    assert "quotas" in caught.value.errors
