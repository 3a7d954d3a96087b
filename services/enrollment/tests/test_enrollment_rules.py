"""Enrollment's domain rules, without broker or database."""
from datetime import date, datetime, timedelta, timezone

import pytest

from college_platform.errors import Conflict, InvalidInput
from college_platform.validation import load
from enrollment import domain
from enrollment.schemas import ApplicantSchema, NewAgreementSchema, NewProgrammeSchema

TODAY = date(2026, 11, 22)


# -- resident identity numbers ------------------------------------------------------------------

@pytest.mark.parametrize("number, born", [("11010519491231002X", date(1949, 12, 31)),
                                          ("110105200503010016", date(2005, 3, 1))])
def test_a_valid_resident_id_passes_and_gives_its_birth_date(number, born):
    assert domain.resident_id_problem(number, TODAY) is None
    assert domain.birth_date_from_resident_id(number) == born


@pytest.mark.parametrize("number, reason", [
    ("110105194912310021", "check character is 1, expected X"),
    ("11010519491231002", "must be 18 characters"),
    ("1101051949123100AX", "17 digits"),
    ("²10105200503010016", "17 digits"),  # a digit of another script
    ("１１０１０５２００５０３０１００１６"[:17] + "6", "17 digits"),  # full-width digits
    ("110105200502300011", "not a real date"),  # 30 February
    ("110105203001010011", "not plausible"),  # born in the future
])
def test_an_invalid_resident_id_says_why(number, reason):
    assert reason in domain.resident_id_problem(number, TODAY)


def test_the_check_character_follows_gb_11643():
    assert domain.resident_id_check_character("11010519491231002") == "X"
    assert domain.resident_id_check_character("11010520050301001") == "6"


@pytest.mark.parametrize("born, minor", [
    (date(2008, 11, 23), True),    # turns 18 tomorrow
    (date(2008, 11, 22), False),   # turns 18 today
    (date(2012, 1, 1), True),
    (date(1990, 6, 1), False),
])
def test_a_minor_is_under_18_on_the_enrolment_date(born, minor):
    assert domain.is_minor(born, TODAY) is minor


def test_guardians_sign_only_for_minors():
    assert domain.required_signatories(False) == ["college", "enterprise", "student"]
    assert domain.required_signatories(True)[-1] == "guardian"


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


def test_one_person_has_one_identity_key_whatever_the_case():
    assert domain.identity_key({"resident_id": "11010519491231002X"}) == "cn:11010519491231002X"
    assert domain.identity_key({"resident_id": None, "passport": {
        "number": "p1234567", "country": "gbr"}}) == "passport:GBR:P1234567"


# -- agreements -----------------------------------------------------------------------------

@pytest.mark.parametrize("current, target", [
    ("draft", "active"), ("active", "suspended"), ("suspended", "active"),
    ("active", "expired"), ("suspended", "terminated"), ("draft", "terminated")])
def test_legal_agreement_transitions(current, target):
    assert domain.agreement_transition(current, target) == target


@pytest.mark.parametrize("current, target", [
    ("draft", "suspended"), ("expired", "active"), ("terminated", "active"),
    ("draft", "expired"), ("active", "draft")])
def test_illegal_agreement_transitions_are_refused_with_what_is_allowed(current, target):
    with pytest.raises(Conflict) as caught:
        domain.agreement_transition(current, target)
    assert caught.value.extra == {"current_status": current, "requested_status": target}
    assert "allowed" in caught.value.detail


def test_an_agreement_expires_after_its_last_day_and_covers_its_scope_only():
    agreement = {"status": "active", "starts_on": "2026-01-01", "ends_on": "2026-11-21",
                 "programme_codes": ["2027-MA-CNC"]}
    assert domain.agreement_has_ended(agreement, TODAY)
    assert not domain.agreement_has_ended({**agreement, "ends_on": "2026-11-22"}, TODAY)
    assert not domain.agreement_has_ended({**agreement, "status": "terminated"}, TODAY)
    current = {**agreement, "ends_on": "2027-12-31"}
    assert domain.agreement_covers(current, "2027-MA-CNC", TODAY)
    assert not domain.agreement_covers(current, "2027-OC-EV", TODAY)
    assert not domain.agreement_covers({**current, "status": "suspended"}, "2027-MA-CNC", TODAY)


def test_agreement_input_needs_a_term_in_order():
    with pytest.raises(InvalidInput) as caught:
        load(NewAgreementSchema(), {"partner_id": "p1", "title": "合作协议",
                                    "starts_on": "2027-01-01", "ends_on": "2026-01-01",
                                    "programme_codes": ["2027-ma-cnc"]})
    assert caught.value.errors == {"ends_on": ["Must be on or after starts_on."]}


# -- applications and the joint offer -------------------------------------------------------

def test_the_pipeline_allows_only_its_own_order():
    path = ["submitted", "screened", "interviewed", "offered", "accepted", "enrolled"]
    for current, target in zip(path, path[1:]):
        assert domain.application_transition(current, target) == target
    for current, target in [("submitted", "interviewed"), ("screened", "offered"),
                            ("declined", "accepted"), ("enrolled", "withdrawn"),
                            ("rejected", "screened")]:
        with pytest.raises(Conflict):
            domain.application_transition(current, target)


def test_an_offer_needs_both_the_college_and_the_enterprise():
    application = {"status": "interviewed", "partner_id": "p1", "offer_approvals": {}}
    assert domain.offer_decision(application, "college", True) == "interviewed"
    approved = {**application, "offer_approvals": {"college": {"approve": True}}}
    assert domain.offer_decision(approved, "enterprise", True) == "offered"
    assert domain.offer_decision(approved, "enterprise", False) == "rejected"
    with pytest.raises(Conflict):
        domain.offer_decision(approved, "college", True)  # no second vote


def test_without_a_partner_the_college_decides_alone():
    application = {"status": "interviewed", "partner_id": None, "offer_approvals": {}}
    assert domain.offer_decision(application, "college", True) == "offered"
    with pytest.raises(Conflict):
        domain.offer_decision(application, "enterprise", True)


def test_an_offer_is_decided_only_after_the_interview():
    with pytest.raises(Conflict):
        domain.offer_decision({"status": "screened", "partner_id": "p1"}, "college", True)


def test_an_unanswered_offer_lapses_after_its_deadline():
    now = datetime(2026, 11, 22, 8, tzinfo=timezone.utc)
    offer = {"status": "offered", "offer_expires_at": now - timedelta(seconds=1)}
    assert domain.offer_has_lapsed(offer, now)
    assert not domain.offer_has_lapsed({**offer, "offer_expires_at": now}, now)
    assert not domain.offer_has_lapsed({**offer, "status": "accepted"}, now)


# -- quotas, signatures, status changes ------------------------------------------------------

def test_partner_quotas_never_exceed_the_programme_capacity():
    programme = {"capacity": 40, "quotas": [{"partner_id": "a", "seats": 30}]}
    assert domain.quota_problem(programme, "b", 10) is None
    assert "41" in domain.quota_problem(programme, "b", 11)
    assert domain.quota_problem(programme, "a", 40) is None  # replaces a's own quota


def test_programme_input_refuses_two_quotas_for_one_partner():
    with pytest.raises(InvalidInput) as caught:
        load(NewProgrammeSchema(), {"code": "2027-ma-cnc", "name": "数控班",
                                    "kind": "apprenticeship", "intake_year": 2027,
                                    "capacity": 40, "quotas": [{"partner_id": "a", "seats": 1},
                                                               {"partner_id": "a", "seats": 2}]})
    assert "quotas" in caught.value.errors


def test_each_party_signs_once_and_the_last_signature_completes_the_agreement():
    at = datetime(2026, 11, 22, tzinfo=timezone.utc)
    agreement = {"version": 1, "status": "awaiting_signatures", "signatures": {},
                 "required_parties": domain.required_signatories(False)}
    for party in ("college", "enterprise"):
        agreement = domain.sign(agreement, party, "签署人", at)
        assert agreement["status"] == "awaiting_signatures"
    with pytest.raises(Conflict):
        domain.sign(agreement, "college", "again", at)
    with pytest.raises(Conflict):
        domain.sign(agreement, "guardian", "not needed for an adult", at)
    agreement = domain.sign(agreement, "student", "李明", at)
    assert agreement["status"] == "signed"
    assert agreement["signatures"]["student"] == {"signer": "李明", "signed_at": at}


@pytest.mark.parametrize("status, action, result", [
    ("active", "suspend", "suspended"), ("suspended", "resume", "active"),
    ("suspended", "withdraw", "withdrawn"), ("active", "transfer", "active")])
def test_status_changes(status, action, result):
    assert domain.enrolment_change(status, action) == result


@pytest.mark.parametrize("status, action, requested", [
    ("withdrawn", "resume", "active"), ("active", "resume", "active"),
    ("suspended", "transfer", "active"), ("withdrawn", "withdraw", "withdrawn")])
def test_illegal_status_changes_are_refused_naming_the_status_requested(status, action,
                                                                         requested):
    """Issue 27, item 8: the 409 said ``requested_status: null``."""
    with pytest.raises(Conflict) as caught:
        domain.enrolment_change(status, action)
    assert caught.value.extra == {"current_status": status, "requested_status": requested,
                                  "action": action}


def test_student_numbers_carry_intake_year_and_programme():
    assert domain.student_number(2027, "2027-MA-CNC", 7) == "2027-MA-CNC-0007"
    assert domain.student_number(2027, "CNC", 12) == "2027-CNC-0012"


def test_the_published_application_statuses_are_those_of_the_pipeline():
    from college_contracts.enrollment import APPLICATION_STATUSES
    assert set(APPLICATION_STATUSES) == set(domain.APPLICATION_TRANSITIONS)
