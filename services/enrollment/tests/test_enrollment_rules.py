"""Enrollment's domain rules, without broker or database."""
from datetime import date, datetime, timedelta, timezone

import pytest

from college_platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from enrollment import domain

TODAY = date(2026, 11, 22)
VALID_CODE = "91350100M000100Y43"


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


def test_one_person_has_one_identity_key_whatever_the_case():
    assert domain.identity_key({"resident_id": "11010519491231002X"}) == "cn:11010519491231002X"
    assert domain.identity_key({"resident_id": None, "passport": {
        "number": "p1234567", "country": "gbr"}}) == "passport:GBR:P1234567"


# -- unified social credit codes (GB 32100) ---------------------------------------------------

def test_a_published_credit_code_is_valid():
    assert domain.credit_code_problem(VALID_CODE) is None
    assert domain.credit_code_check_character(VALID_CODE[:17]) == "3"


@pytest.mark.parametrize("code, reason", [
    ("91350100M000100Y44", "check character is 4, expected 3"),
    ("91350100M000100Y4", "must be 18 characters"),
    ("91350100M00010OY43", "not allowed"),   # the letter O is not in the alphabet
    ("91350100I000100Y43", "not allowed"),
])
def test_an_invalid_credit_code_says_why(code, reason):
    assert reason in domain.credit_code_problem(code)


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


# -- rules the service held inline before (now named in domain.py) ------------------------------

AGREEMENT = {"_id": "AG-1", "partner_id": "P-1", "status": "draft", "starts_on": "2026-09-01",
             "ends_on": "2029-08-31", "programme_codes": ["2027-MA-CNC"]}


def test_an_agreement_is_activated_only_within_its_term():
    assert domain.agreement_status_change(AGREEMENT, "active", date(2026, 9, 1)) == "active"
    assert domain.agreement_status_change(AGREEMENT, "active", date(2029, 8, 31)) == "active"
    for day in (date(2026, 8, 31), date(2029, 9, 1)):
        with pytest.raises(Conflict, match="term .2026-09-01 to 2029-08-31. does not include"):
            domain.agreement_status_change(AGREEMENT, "active", day)
    # terminating needs no term
    assert domain.agreement_status_change(AGREEMENT, "terminated", date(2030, 1, 1)) == \
        "terminated"
    with pytest.raises(Conflict, match="cannot go from draft to suspended"):
        domain.agreement_status_change(AGREEMENT, "suspended", TODAY)


def test_an_activation_is_announced_as_such_an_amendment_as_a_change():
    active = {**AGREEMENT, "status": "active"}
    assert domain.agreement_event(active) == "agreement_activated"
    assert domain.agreement_event(active, force_changed=True) == "agreement_changed"
    assert domain.agreement_event(AGREEMENT) == "agreement_changed"


@pytest.mark.parametrize("status", ["expired", "terminated"])
def test_an_ended_agreement_is_not_amended(status):
    with pytest.raises(Conflict, match="an %s agreement cannot be amended" % status) as caught:
        domain.amendment({**AGREEMENT, "status": status}, {"title": "New", "reason": None})
    assert caught.value.extra == {"current_status": status}


def test_an_amendment_changes_only_what_it_names_and_never_ends_before_the_start():
    assert domain.amendment(AGREEMENT, {"title": None, "programme_codes": ["X"],
                                        "ends_on": date(2030, 12, 31)}) == \
        {"programme_codes": ["X"], "ends_on": "2030-12-31"}
    assert domain.amendment({**AGREEMENT, "status": "suspended"}, {"title": "T"}) == \
        {"title": "T"}
    with pytest.raises(InvalidInput) as caught:
        domain.amendment(AGREEMENT, {"ends_on": date(2026, 8, 31)})
    assert caught.value.errors == {"ends_on": ["Must be on or after 2026-09-01."]}


def test_a_quota_needs_an_active_agreement_covering_the_programme():
    active = {**AGREEMENT, "status": "active"}
    domain.check_partner_may_hold_quota([active], "P-1", "2027-MA-CNC", TODAY, "partner_id")
    for agreements in ([AGREEMENT], [{**active, "programme_codes": ["OTHER"]}], []):
        with pytest.raises(InvalidInput) as caught:
            domain.check_partner_may_hold_quota(agreements, "P-1", "2027-MA-CNC", TODAY,
                                                "partner_id")
        assert caught.value.errors == {"partner_id": [
            "Partner P-1 has no active agreement covering programme 2027-MA-CNC."]}
    with pytest.raises(InvalidInput) as caught:
        domain.check_partner_may_hold_quota([], "P-1", "2027-MA-CNC", TODAY, "quotas", 1)
    assert caught.value.errors == {"quotas": {1: {"partner_id": [
        "Partner P-1 has no active agreement covering programme 2027-MA-CNC."]}}}


def test_quotas_fit_the_capacity_of_a_new_programme_and_beside_the_others():
    domain.check_quotas_fit(10, [{"partner_id": "A", "seats": 6}, {"partner_id": "B", "seats": 4}])
    with pytest.raises(InvalidInput, match="the quotas do not fit"):
        domain.check_quotas_fit(10, [{"partner_id": "A", "seats": 11}])
    programme = {"capacity": 10}
    domain.check_quota_fits(programme, [{"partner_id": "A", "seats": 6}], "A", 10)
    with pytest.raises(Conflict, match="would total 11"):
        domain.check_quota_fits(programme, [{"partner_id": "A", "seats": 6}], "B", 5)


PROGRAMME = {"_id": "PR-1", "code": "2027-MA-CNC", "kind": "apprenticeship",
             "quota_partner_ids": ["P-1"]}


def test_an_application_goes_to_the_partner_named_or_the_only_one():
    assert domain.partner_for(PROGRAMME, None) == "P-1"
    assert domain.partner_for(PROGRAMME, "P-1") == "P-1"
    assert domain.partner_for({**PROGRAMME, "quota_partner_ids": []}, None) is None
    with pytest.raises(InvalidInput) as caught:
        domain.partner_for(PROGRAMME, "P-2")
    assert caught.value.errors == {"partner_id": [
        "Partner P-2 has no quota in programme 2027-MA-CNC."]}
    with pytest.raises(InvalidInput) as caught:
        domain.partner_for({**PROGRAMME, "quota_partner_ids": ["P-1", "P-2"]}, None)
    assert caught.value.errors == {"partner_id": [
        "Required: programme 2027-MA-CNC has quotas for several partners."]}


def test_an_unknown_programme_is_a_field_error_and_one_active_application_per_programme():
    with pytest.raises(InvalidInput) as caught:
        domain.check_known_programme(None, "PR-9")
    assert caught.value.errors == {"programme_id": ["Unknown programme PR-9."]}
    assert domain.check_known_programme(PROGRAMME, "PR-1") is PROGRAMME
    domain.check_no_active_application(None, {"name": "李明"}, PROGRAMME)
    with pytest.raises(Conflict, match="李明 already has an active application") as caught:
        domain.check_no_active_application({"_id": "A-1"}, {"name": "李明"}, PROGRAMME)
    assert caught.value.extra == {"field": "applicant"}


def test_an_offer_needs_the_partners_agreement_still_active():
    application = {"programme_code": "2027-MA-CNC", "partner_id": "P-1"}
    domain.check_agreement_still_active([{**AGREEMENT, "status": "active"}], application, TODAY)
    with pytest.raises(Conflict, match="no longer active") as caught:
        domain.check_agreement_still_active([{**AGREEMENT, "status": "suspended"}],
                                            application, TODAY)
    assert caught.value.extra == {"reason": "no_active_agreement"}


def test_an_offer_is_accepted_only_before_it_lapses():
    now = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)
    offered = {"status": "offered", "offer_expires_at": now - timedelta(seconds=1)}
    with pytest.raises(Conflict, match="the offer lapsed"):
        domain.check_offer_open(offered, "accepted", now)
    domain.check_offer_open(offered, "declined", now)  # declining a lapsed offer is fine
    domain.check_offer_open({**offered, "offer_expires_at": now + timedelta(days=1)},
                            "accepted", now)
    assert domain.offer_expiry(now, 14) == now + timedelta(days=14)


@pytest.mark.parametrize("previous, target, released", [
    ("offered", "declined", True), ("offered", "withdrawn", True),
    ("offered", "expired", True), ("accepted", "withdrawn", True),
    ("offered", "accepted", False), ("accepted", "enrolled", False),
    ("interviewed", "withdrawn", False), ("submitted", "rejected", False),
])
def test_a_seat_is_released_when_an_application_leaves_the_seat_holding_states(
        previous, target, released):
    assert domain.releases_seat(previous, target) is released


def test_the_admission_list_enrols_order_classes_and_joint_majors_only():
    for kind in ("order_class", "joint_major"):
        domain.check_admission_list_kind({**PROGRAMME, "kind": kind})
    with pytest.raises(Conflict, match="is an apprenticeship") as caught:
        domain.check_admission_list_kind(PROGRAMME)
    assert caught.value.extra == {"reason": "apprenticeship"}
    assert "already a student of X" in domain.admission_holding_problem("enrolled", "X")
    assert "that is offered: withdraw it" in domain.admission_holding_problem("offered", "X")
    assert domain.no_seat_problem("X", "P-1").endswith("in the partner's quota for this student.")
    assert domain.no_seat_problem("X", None) == \
        "No seat is left: X has no free seat for this student."
    assert domain.admission_clash_problem(3, True) == "Row 3 already holds this admission number."
    assert domain.admission_clash_problem(3, False) == "Row 3 already holds this person."


def test_without_a_partner_the_enterprise_does_not_sign_the_tripartite_agreement():
    assert domain.tripartite_signatories(False, "P-1") == ["college", "enterprise", "student"]
    assert domain.tripartite_signatories(True, "P-1") == \
        ["college", "enterprise", "student", "guardian"]
    assert domain.tripartite_signatories(False, None) == ["college", "student"]
    assert domain.tripartite_signatories(True, None) == ["college", "student", "guardian"]
    domain.check_may_prepare_tripartite({"status": "accepted"})
    domain.check_may_prepare_tripartite({"status": "enrolled"})
    with pytest.raises(Conflict, match="needs an accepted offer .it is offered."):
        domain.check_may_prepare_tripartite({"status": "offered"})


def test_every_precondition_of_enrolment():
    with pytest.raises(Conflict, match="only an accepted offer can be enrolled") as caught:
        domain.check_enrollable({"status": "offered"})
    assert caught.value.extra == {"current_status": "offered"}
    domain.check_enrollable({"status": "accepted"})
    with pytest.raises(InvalidInput) as caught:
        domain.check_contract_given(PROGRAMME, None)
    assert caught.value.errors == {"apprentice_contract": [
        "Required for an apprenticeship programme."]}
    domain.check_contract_given({**PROGRAMME, "kind": "order_class"}, None)
    with pytest.raises(Conflict, match="not signed by every party"):
        domain.check_tripartite_complete(None, False)
    with pytest.raises(Conflict, match="the guardian must sign"):
        domain.check_tripartite_complete({"signatures": {"student": {}}}, True)
    domain.check_tripartite_complete({"signatures": {"guardian": {}}}, True)
    with pytest.raises(InvalidInput) as caught:
        domain.check_contract_partner({"partner_id": None})
    assert caught.value.errors == {"apprentice_contract": [
        "The application has no partner enterprise."]}
    domain.check_contract_partner({"partner_id": "P-1"})


def test_a_student_is_not_transferred_into_their_own_programme():
    with pytest.raises(Conflict, match="already in programme 2027-MA-CNC"):
        domain.check_transfer_target({"programme_id": "PR-1"}, PROGRAMME)
    domain.check_transfer_target({"programme_id": "PR-2"}, PROGRAMME)


ENTERPRISE = {"kind": "enterprise", "enterprise_id": "P-1", "username": "e"}
STAFF = {"kind": "staff", "username": "s"}


def test_an_enterprise_sees_its_own_objects_a_student_their_own_record():
    domain.check_visible(None, "application", "A-1", enterprise_id="P-2")
    domain.check_visible(STAFF, "application", "A-1", enterprise_id="P-2")
    domain.check_visible(ENTERPRISE, "application", "A-1", enterprise_id="P-1")
    for actor in (ENTERPRISE, {**ENTERPRISE, "enterprise_id": None}):
        with pytest.raises(NotFound, match="^application A-1 does not exist$"):
            domain.check_visible(actor, "application", "A-1", enterprise_id="P-2")
    student = {"kind": "student", "student_id": "S-1"}
    domain.check_visible(student, "student", "S-1", student_ids=("S-1",))
    with pytest.raises(NotFound, match="student S-2 does not exist"):
        domain.check_visible(student, "student", "S-2", student_ids=("S-2",))


def test_an_enterprise_sees_a_programme_it_holds_seats_in_and_only_its_own_quota():
    programme = {"_id": "PR-1", "quotas": [{"partner_id": "P-1", "seats": 3},
                                           {"partner_id": "P-2", "seats": 5}]}
    assert domain.programme_as_seen_by(STAFF, programme) == programme
    assert domain.programme_as_seen_by(ENTERPRISE, programme)["quotas"] == \
        [{"partner_id": "P-1", "seats": 3}]
    for quotas in ([{"partner_id": "P-1", "seats": 0}], [{"partner_id": "P-2", "seats": 5}]):
        with pytest.raises(NotFound, match="programme PR-1 does not exist"):
            domain.programme_as_seen_by(ENTERPRISE, {**programme, "quotas": quotas})
    assert domain.programmes_as_seen_by(ENTERPRISE, [programme])[0]["quotas"] == \
        [{"partner_id": "P-1", "seats": 3}]
    assert domain.programmes_as_seen_by(None, [programme]) == [programme]


# -- who signs for which party ------------------------------------------------------------------

def test_an_enterprise_user_signs_for_its_enterprise_only():
    enterprise = {"kind": "enterprise", "role": "enterprise_user", "enterprise_id": "P-1"}
    assert domain.signing_party(enterprise, None) == "enterprise"
    assert domain.signing_party(enterprise, "enterprise") == "enterprise"
    for party in ("student", "guardian", "college"):
        with pytest.raises(Forbidden, match="signs for its enterprise only"):
            domain.signing_party(enterprise, party)


def test_the_admissions_office_records_every_party_but_the_enterprise():
    officer = {"kind": "staff", "role": "admissions_officer"}
    assert domain.signing_party(officer, "guardian") == "guardian"
    with pytest.raises(Forbidden, match="the enterprise signs for itself"):
        domain.signing_party(officer, "enterprise")
    assert domain.signing_party({"kind": "staff", "role": "admin"}, "enterprise") == "enterprise"
    assert domain.signing_party(None, "enterprise") == "enterprise"  # between services
