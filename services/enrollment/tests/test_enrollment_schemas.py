import pytest

from college_platform.errors import InvalidInput
from college_platform.validation import load
from enrollment.domain import credit_code_check_character, credit_code_problem
from enrollment.schemas import NewPartnerSchema

VALID_CODE = "91350100M000100Y43"


def test_a_published_credit_code_is_valid():
    assert credit_code_problem(VALID_CODE) is None
    assert credit_code_check_character(VALID_CODE[:17]) == "3"


@pytest.mark.parametrize("code, reason", [
    ("91350100M000100Y44", "check character is 4, expected 3"),
    ("91350100M000100Y4", "must be 18 characters"),
    ("91350100M00010OY43", "not allowed"),   # the letter O is not in the alphabet
    ("91350100I000100Y43", "not allowed"),
])
def test_an_invalid_credit_code_says_why(code, reason):
    assert reason in credit_code_problem(code)


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
