import pytest

from gateway.privacy import (
    BIRTH_YEAR,
    FULL,
    HIDDEN,
    LAST_FOUR,
    PERSONAL_FIELDS,
    apply_rule,
    mask_value,
    may_hold_personal_data,
    rule_for,
)

APPLICANT = {"id": "app-1", "name": "李明", "resident_id": "110105200503010016",
             "phone": "13800138000", "email": "liming@example.cn", "birth_date": "2005-03-01",
             "address": "北京市朝阳区建国路 1 号", "passport": None}


def masked_for(role, body=APPLICANT, own_data=False):
    return apply_rule(body, rule_for(role, own_data=own_data))[0]


@pytest.mark.parametrize("role", ["admin", "admissions_officer"])
def test_the_admissions_office_sees_everything(role):
    assert masked_for(role) == APPLICANT


def test_an_enterprise_user_sees_the_birth_year_and_the_last_four_digits_only():
    assert masked_for("enterprise_user") == {
        "id": "app-1", "name": "李明", "resident_id": "******2005********",
        "phone": "*******8000", "email": "***", "birth_date": "2005-**-**", "address": "***",
        "passport": None}


@pytest.mark.parametrize("role", ["teacher", "project_coordinator", "mentor_coordinator"])
def test_teachers_and_coordinators_never_see_identity_documents(role):
    masked = masked_for(role)
    assert (masked["resident_id"], masked["address"], masked["email"]) == ("***",) * 3
    assert masked["phone"] == "*******8000"


def test_the_certificate_office_sees_the_identity_document_for_exam_registration():
    masked = masked_for("certificate_officer")
    assert masked["resident_id"] == APPLICANT["resident_id"]
    assert (masked["phone"], masked["address"]) == ("*******8000", "***")


def test_a_student_sees_their_own_data_and_nobody_elses():
    assert masked_for("student", own_data=True) == APPLICANT
    assert all(masked_for("student").get(field) in ("***", None) for field in PERSONAL_FIELDS)


def test_an_unknown_role_or_an_anonymous_caller_sees_nothing():
    assert masked_for(None)["resident_id"] == "***"
    assert masked_for("superuser")["phone"] == "***"


def test_nested_objects_and_lists_are_masked_at_any_depth():
    body = {"items": [{"id": "s-1", "personal": {"phone": "13800138000",
                                                 "passport": {"number": "E12345678",
                                                              "country": "CHN"}}}]}
    masked = masked_for("enterprise_user", body)
    assert masked["items"][0]["personal"] == {"phone": "*******8000",
                                              "passport": {"number": "***", "country": "***"}}


def test_the_owners_of_data_disclosed_unmasked_are_reported():
    body = {"items": [{"id": "s-1", "applicant_id": "app-1", "phone": "13800138000"},
                      {"id": "s-2", "phone": None}, {"id": "s-3", "name": "no personal data"}]}
    assert apply_rule(body, rule_for("admin"))[1] == ["app-1"]
    assert apply_rule(body, rule_for("enterprise_user"))[1] == [], "masked: nothing disclosed"


@pytest.mark.parametrize("treatment, value, expected", [
    (FULL, "13800138000", "13800138000"),
    (LAST_FOUR, "13800138000", "*******8000"),
    (LAST_FOUR, "123", "***"),
    (BIRTH_YEAR, "110105200503010016", "******2005********"),
    (BIRTH_YEAR, "2005-03-01", "2005-**-**"),
    (BIRTH_YEAR, "not an id", "***"),
    (HIDDEN, "anything", "***"),
    (HIDDEN, 12345, "***"),
    (HIDDEN, None, None),
])
def test_each_treatment(treatment, value, expected):
    assert mask_value(treatment, value) == expected


def test_a_body_without_personal_field_names_is_recognised_without_parsing():
    assert not may_hold_personal_data(b'{"items": [{"name": "CNC"}]}')
    assert may_hold_personal_data(b'{"personal": {"phone": "138"}}')


# the applicant record keeps its identity document as the key that finds a person
# again: "cn:<resident id>" or "passport:<country>:<number>"
APPLICANT_ON_FILE = {**APPLICANT, "identity_key": "cn:110105200503010016"}


@pytest.mark.parametrize("role", ["enterprise_user", "teacher", "project_coordinator",
                                  "mentor_coordinator", "student", None])
def test_the_identity_key_is_hidden_from_whoever_may_not_see_the_document(role):
    masked = masked_for(role, {"items": [APPLICANT_ON_FILE]})
    assert "110105200503010016" not in str(masked)
    assert masked["items"][0]["identity_key"] == "***"


@pytest.mark.parametrize("role, own_data", [("admissions_officer", False),
                                            ("certificate_officer", False),
                                            ("student", True)])
def test_whoever_sees_the_identity_document_sees_the_key_too(role, own_data):
    masked = masked_for(role, APPLICANT_ON_FILE, own_data=own_data)
    assert masked["identity_key"] == APPLICANT_ON_FILE["identity_key"]


def test_a_body_with_only_an_identity_key_is_looked_at():
    assert may_hold_personal_data(b'{"identity_key": "passport:GBR:E12345678"}')
