"""Enrollment's use cases over the in-memory records (``fake_enrollment_records``) and
``FakeUnitOfWork``: no database, no broker."""
from datetime import date, datetime, timedelta, timezone

import pytest
from fake_enrollment_records import FakeEnrollmentRecords

from college_platform.errors import Conflict, InvalidInput, NotFound
from college_platform.fakes import FakeUnitOfWork
from enrollment.workflows import (
    admissions,
    agreements,
    applications,
    enrolment,
    expiry,
    partners,
    programmes,
)

TODAY = date(2027, 3, 1)
NOW = datetime(2027, 3, 1, 9, tzinfo=timezone.utc)
ADULT = {"name": "李明", "resident_id": "110105200503010016", "birth_date": "2005-03-01",
         "phone": "13800138000"}
MINOR = {"name": "王小", "resident_id": "11010520120301001X", "birth_date": "2012-03-01"}
OTHER_ENTERPRISE = {"kind": "enterprise", "enterprise_id": "someone-else", "username": "x"}


@pytest.fixture
def uow():
    return FakeUnitOfWork(FakeEnrollmentRecords())


def partner(uow, code="91350100M000100Y43"):
    return partners.register_partner(uow, partners.new_partner({
        "legal_name": "深圳智造科技有限公司", "credit_code": code, "industry": "智能制造",
        "contacts": []}))


def active_agreement(uow, partner_id, codes=("2027-MA-CNC",)):
    agreement = agreements.create_agreement(uow, agreements.new_agreement({
        "partner_id": partner_id, "title": "合作协议", "starts_on": date(2027, 1, 1),
        "ends_on": date(2029, 12, 31), "programme_codes": list(codes)}))
    return agreements.change_agreement_status(uow, agreement["_id"], "active", None, TODAY)


def programme(uow, partner_id, kind="apprenticeship", capacity=2, seats=1):
    created, quotas = programmes.new_programme({
        "code": "2027-MA-CNC", "name": "数控技术现代学徒制班", "kind": kind,
        "intake_year": 2027, "capacity": capacity, "courses": [],
        "quotas": [{"partner_id": partner_id, "seats": seats}]})
    programmes.create_programme(uow, created, quotas, TODAY)
    return uow.records.programme(created["_id"])


@pytest.fixture
def offered(uow):
    """A partner with an active agreement, an apprenticeship with one seat for
    it, and an adult's application offered by both parties."""
    partner_id = partner(uow)["_id"]
    active_agreement(uow, partner_id)
    prog = programme(uow, partner_id)
    application = applications.apply(uow, {"programme_id": prog["_id"], "partner_id": None,
                                           "applicant": ADULT, "statement": None}, NOW)
    advance(uow, application, "screened", "college")
    advance(uow, application, "interviewed", "enterprise")
    for party in ("college", "enterprise"):
        applications.decide_offer(uow, application["_id"], party, {
            "approve": True, "actor": "x", "reason": None, "respond_within_days": 14}, NOW)
    return uow.records.application(application["_id"])


def advance(uow, application, target, party, reason=None, now=NOW):
    return applications.advance(uow, application["_id"], target, {}, reason, party, now)


def counters(uow, application):
    prog = uow.records.programme(application["programme_id"])
    quota, = uow.records.quotas_of(prog["_id"])
    return ({k: prog[k] for k in ("free", "reserved", "consumed")},
            {k: quota[k] for k in ("free", "reserved", "consumed")})


# -- agreements -----------------------------------------------------------------------------

def test_an_agreement_is_activated_within_its_term_and_announced(uow):
    partner_id = partner(uow)["_id"]
    agreement = active_agreement(uow, partner_id)
    assert agreement["status"] == "active"
    assert [h["status"] for h in agreement["history"]] == ["draft", "active"]
    changed, activated = uow.events("agreement_changed"), uow.events("agreement_activated")
    assert [e["status"] for e in changed] == ["draft"]
    assert activated[0]["agreement_id"] == agreement["_id"]
    later = agreements.create_agreement(uow, agreements.new_agreement({
        "partner_id": partner_id, "title": "t", "starts_on": date(2028, 1, 1),
        "ends_on": date(2029, 1, 1), "programme_codes": []}))
    with pytest.raises(Conflict, match="does not include today"):
        agreements.change_agreement_status(uow, later["_id"], "active", None, TODAY)
    assert uow.records.agreement(later["_id"])["status"] == "draft"


def test_an_agreement_with_an_unknown_partner_is_refused(uow):
    with pytest.raises(InvalidInput) as caught:
        agreements.create_agreement(uow, agreements.new_agreement({
            "partner_id": "nobody", "title": "t", "starts_on": TODAY, "ends_on": TODAY,
            "programme_codes": []}))
    assert caught.value.errors == {"partner_id": ["Unknown partner nobody."]}
    assert uow.emitted == []


def test_an_amendment_keeps_the_previous_terms_and_an_ended_agreement_is_not_amended(uow):
    agreement = active_agreement(uow, partner(uow)["_id"])
    amended = agreements.amend_agreement(uow, agreement["_id"], {
        "title": None, "programme_codes": None, "ends_on": date(2030, 12, 31),
        "reason": "续签"})
    assert amended["ends_on"] == "2030-12-31"
    assert amended["amendments"][0]["previous"] == {"ends_on": "2029-12-31"}
    assert uow.events("agreement_changed")[-1]["ends_on"] == "2030-12-31"
    agreements.change_agreement_status(uow, agreement["_id"], "terminated", "end", TODAY)
    with pytest.raises(Conflict, match="an terminated agreement cannot be amended"):
        agreements.amend_agreement(uow, agreement["_id"], {"title": "x", "reason": None})


def test_a_quota_needs_an_active_agreement_covering_the_programme(uow):
    partner_id = partner(uow)["_id"]
    with pytest.raises(InvalidInput, match="needs an active cooperation agreement"):
        programme(uow, partner_id)
    active_agreement(uow, partner_id)
    prog = programme(uow, partner_id)
    assert prog["quota_partner_ids"] == [partner_id]
    assert uow.events("programme_created")[0]["partner_ids"] == [partner_id]


# -- applications, offers and seats ---------------------------------------------------------

def test_an_application_goes_to_the_only_partner_once_per_programme(uow):
    partner_id = partner(uow)["_id"]
    active_agreement(uow, partner_id)
    prog = programme(uow, partner_id)
    fields = {"programme_id": prog["_id"], "partner_id": None, "applicant": ADULT,
              "statement": "我想学数控"}
    application = applications.apply(uow, fields, NOW)
    assert application["partner_id"] == partner_id and application["status"] == "submitted"
    assert ("applications", {"state": "submitted"}) in uow.counted
    with pytest.raises(Conflict, match="already has an active application"):
        applications.apply(uow, fields, NOW)
    assert len(uow.records.applicants) == 1, "the same person, found by identity"
    with pytest.raises(InvalidInput, match="unknown programme"):
        applications.apply(uow, {**fields, "programme_id": "nope"}, NOW)


def test_an_application_no_longer_active_lets_its_applicant_apply_again(uow):
    partner_id = partner(uow)["_id"]
    active_agreement(uow, partner_id)
    prog = programme(uow, partner_id)
    fields = {"programme_id": prog["_id"], "partner_id": None, "applicant": ADULT,
              "statement": "我想学数控"}
    first = applications.apply(uow, fields, NOW)
    applications.advance(uow, first["_id"], "screened", {}, None, "college", NOW)  # still active
    with pytest.raises(Conflict, match="already has an active application"):
        applications.apply(uow, fields, NOW)
    applications.advance(uow, first["_id"], "rejected", {}, "名额已满", "college", NOW)
    second = applications.apply(uow, fields, NOW)
    assert second["applicant_id"] == first["applicant_id"] and second["status"] == "submitted"


def test_an_offer_made_by_both_parties_reserves_a_seat_and_is_announced(uow, offered):
    assert offered["status"] == "offered"
    assert offered["offer_expires_at"] == NOW + timedelta(days=14)
    assert set(offered["offer_approvals"]) == {"college", "enterprise"}
    assert counters(uow, offered) == ({"free": 1, "reserved": 1, "consumed": 0},
                                      {"free": 0, "reserved": 1, "consumed": 0})
    event, = uow.events("application_offered")
    assert event["application_id"] == offered["_id"]
    first, second = uow.events("offer_decision_recorded")
    assert (first["party"], first["status"], first["awaiting"]) == (
        "college", "interviewed", "enterprise")
    assert (second["party"], second["status"], second["awaiting"]) == (
        "enterprise", "offered", None)
    assert first["partner_id"] == offered["partner_id"]


def test_declining_an_offer_releases_its_seat(uow, offered):
    declined = advance(uow, offered, "declined", "applicant", reason="另有选择")
    assert declined["status"] == "declined"
    assert counters(uow, offered)[1] == {"free": 1, "reserved": 0, "consumed": 0}
    assert uow.records.ledger[-1]["movement"] == "release"
    assert uow.records.ledger[-1]["reason"] == "declined"


def test_a_lapsed_offer_is_not_accepted_and_expires_releasing_its_seat(uow, offered):
    later = NOW + timedelta(days=15)
    with pytest.raises(Conflict, match="the offer lapsed"):
        advance(uow, offered, "accepted", "applicant", now=later)
    assert expiry.expire_offer(uow, offered["_id"], later) == 1
    assert uow.records.application(offered["_id"])["status"] == "expired"
    assert counters(uow, offered)[0] == {"free": 2, "reserved": 0, "consumed": 0}
    assert expiry.expire_offer(uow, offered["_id"], later) == 0, "only once"


def test_an_offer_needs_the_agreement_still_active(uow):
    partner_id = partner(uow)["_id"]
    agreement = active_agreement(uow, partner_id)
    prog = programme(uow, partner_id)
    application = applications.apply(uow, {"programme_id": prog["_id"], "partner_id": None,
                                           "applicant": ADULT, "statement": None}, NOW)
    advance(uow, application, "screened", "college")
    advance(uow, application, "interviewed", "enterprise")
    applications.decide_offer(uow, application["_id"], "college", {
        "approve": True, "actor": "x", "reason": None, "respond_within_days": 14}, NOW)
    agreements.change_agreement_status(uow, agreement["_id"], "suspended", None, TODAY)
    with pytest.raises(Conflict, match="no longer active"):
        applications.decide_offer(uow, application["_id"], "enterprise", {
            "approve": True, "actor": "y", "reason": None, "respond_within_days": 14}, NOW)


def test_another_enterprise_is_told_the_application_does_not_exist(uow, offered):
    with pytest.raises(NotFound, match="application %s does not exist" % offered["_id"]):
        applications.application(uow, offered["_id"], OTHER_ENTERPRISE)
    with pytest.raises(NotFound):
        applications.advance(uow, offered["_id"], "accepted", {}, None, "applicant", NOW,
                             OTHER_ENTERPRISE)
    assert uow.records.application(offered["_id"])["status"] == "offered"
    own = {"kind": "enterprise", "enterprise_id": offered["partner_id"]}
    assert applications.application(uow, offered["_id"], own)["_id"] == offered["_id"]


# -- the tripartite agreement and enrolment -------------------------------------------------

def signed(uow, application, parties):
    agreement = enrolment.prepare_tripartite(uow, application["_id"], "学徒期三年", TODAY)
    for party in parties:
        agreement = enrolment.sign_tripartite(uow, agreement["_id"], {
            "party": party, "signer": party, "actor": "clerk"})
    return agreement


CONTRACT = {"starts_on": date(2027, 9, 1), "ends_on": date(2030, 6, 30),
            "position": "数控学徒工"}


def test_enrolment_consumes_the_seat_numbers_the_student_and_signs_the_contract(uow, offered):
    advance(uow, offered, "accepted", "applicant")
    with pytest.raises(Conflict, match="not signed by every party"):
        enrolment.enrol(uow, offered["_id"], CONTRACT, TODAY)
    agreement = signed(uow, offered, ["college", "enterprise", "student"])
    assert agreement["status"] == "signed"
    with pytest.raises(InvalidInput, match="an apprentice needs a contract"):
        enrolment.enrol(uow, offered["_id"], None, TODAY)
    student = enrolment.enrol(uow, offered["_id"], CONTRACT, TODAY)
    assert student["student_number"] == "2027-MA-CNC-0001"
    assert student["tripartite_agreement_id"] == agreement["_id"]
    assert student["apprentice_contract"]["starts_on"] == "2027-09-01"
    assert uow.records.application(offered["_id"])["status"] == "enrolled"
    assert counters(uow, offered)[0] == {"free": 1, "reserved": 0, "consumed": 1}
    assert uow.events("student_enrolled")[0]["student_number"] == "2027-MA-CNC-0001"
    assert uow.events("apprentice_contract_signed")[0]["student_id"] == student["_id"]
    assert uow.records.tripartite(agreement["_id"])["student_id"] == student["_id"]


def test_a_minor_needs_the_guardian_and_without_a_partner_the_enterprise_does_not_sign(uow):
    prog, _ = programmes.new_programme({
        "code": "2027-JM-EV", "name": "新能源", "kind": "joint_major", "intake_year": 2027,
        "capacity": 3, "courses": [], "quotas": []})
    programmes.create_programme(uow, prog, [], TODAY)
    application = applications.apply(uow, {"programme_id": prog["_id"], "partner_id": None,
                                           "applicant": MINOR, "statement": None}, NOW)
    assert application["partner_id"] is None
    advance(uow, application, "screened", "college")
    advance(uow, application, "interviewed", "enterprise")
    applications.decide_offer(uow, application["_id"], "college", {
        "approve": True, "actor": "x", "reason": None, "respond_within_days": 7}, NOW)
    advance(uow, application, "accepted", "applicant")
    agreement = enrolment.prepare_tripartite(uow, application["_id"], "条款", TODAY)
    assert agreement["required_parties"] == ["college", "student", "guardian"]
    assert agreement["minor"] is True
    agreement = signed(uow, application, ["college", "student", "guardian"])
    assert agreement["version"] == 2
    student = enrolment.enrol(uow, application["_id"], None, TODAY)
    assert student["minor"] is True and student["partner_id"] is None


def test_withdrawing_a_student_releases_their_seat(uow, offered):
    advance(uow, offered, "accepted", "applicant")
    signed(uow, offered, ["college", "enterprise", "student"])
    student = enrolment.enrol(uow, offered["_id"], CONTRACT, TODAY)
    withdrawn = enrolment.change_student_status(uow, student["_id"], {
        "action": "withdraw", "reason": "退学", "programme_id": None, "partner_id": None}, NOW)
    assert withdrawn["status"] == "withdrawn"
    assert counters(uow, offered) == ({"free": 2, "reserved": 0, "consumed": 0},
                                      {"free": 1, "reserved": 0, "consumed": 0})
    event, = uow.events("enrolment_status_changed")
    assert (event["previous_status"], event["status"]) == ("active", "withdrawn")
    with pytest.raises(Conflict, match="cannot withdraw a student who is withdrawn"):
        enrolment.change_student_status(uow, student["_id"], {
            "action": "withdraw", "reason": "again", "programme_id": None,
            "partner_id": None}, NOW)
    with pytest.raises(NotFound, match="student %s does not exist" % student["_id"]):
        enrolment.student(uow, student["_id"], OTHER_ENTERPRISE)


# -- the provincial admission list ----------------------------------------------------------

def row(name, resident_id, birth_date, number):
    return {"name": name, "resident_id": resident_id, "birth_date": birth_date,
            "admission_number": number}


def test_the_admission_list_enrols_at_once_and_reports_each_row(uow):
    partner_id = partner(uow)["_id"]
    active_agreement(uow, partner_id)
    with pytest.raises(Conflict, match="is an apprenticeship"):
        admissions.admission_programme(uow, programme(uow, partner_id)["_id"], None)
    uow.records.programmes.clear()
    prog, partner_for = admissions.admission_programme(
        uow, programme(uow, partner_id, kind="order_class", capacity=2, seats=2)["_id"], None)
    assert partner_for == partner_id
    rows = [(1, row("李明", ADULT["resident_id"], "2005-03-01", "A-1")),
            (2, row("李明", ADULT["resident_id"], "2005-03-01", "A-2")),  # the same person
            (3, row("王小", MINOR["resident_id"], "2012-03-01", "A-3")),
            (4, row("张三", "110105200001010010", "2000-01-01", "A-4"))]  # no seat left
    report = sorted(admissions.admit(uow, prog, partner_id, rows, TODAY),
                    key=lambda entry: entry["row"])
    assert [(r["row"], r["status"]) for r in report] == [
        (1, "imported"), (2, "rejected"), (3, "imported"), (4, "rejected")]
    assert report[1]["errors"] == {"_row": ["Row 1 already holds this person."]}
    assert report[3]["errors"] == {"_row": [
        "No seat is left: 2027-MA-CNC has no free seat in the partner's quota for this "
        "student."]}
    assert [report[0]["student_number"], report[2]["student_number"]] == \
        ["2027-MA-CNC-0001", "2027-MA-CNC-0002"]
    assert uow.records.programme(prog["_id"])["consumed"] == 2
    assert [e["minor"] for e in uow.events("student_enrolled")] == [False, True]
    again = admissions.admit(uow, prog, partner_id, rows[:1], TODAY)
    assert again[0]["status"] == "duplicate"
    assert again[0]["student_number"] == "2027-MA-CNC-0001"
