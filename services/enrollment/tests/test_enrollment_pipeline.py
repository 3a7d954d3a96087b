"""The enrolment pipeline against the real broker and database."""
import json
from datetime import date, datetime, timedelta, timezone

import pytest
from enrollment_fixtures import (
    OTHER_PARTNER,
    TERMS,
    adult,
    collect_events,
    interviewed,
    partner_with_agreement,
    programme,
    resident_id,
)

from college_platform.errors import Conflict, InvalidInput, NotFound
from enrollment.service import EnrollmentService
from testkit.amqp import bind_probe_queue, drain
from testkit.calls import call
from testkit.servers import wait_until

CONTRACT = {"starts_on": "2027-09-01", "ends_on": "2030-06-30", "position": "数控学徒工"}


@pytest.fixture
def enrollment(start_service):
    return start_service(EnrollmentService)


def offered(enrollment, programme_id, applicant):
    application = interviewed(enrollment, programme_id, applicant)
    call(enrollment, "decide_offer", application["id"], {"party": "college", "approve": True})
    return call(enrollment, "decide_offer", application["id"],
                {"party": "enterprise", "approve": True})


def signed_and_enrolled(enrollment, application_id, parties=("college", "enterprise", "student")):
    agreement = call(enrollment, "prepare_tripartite_agreement", application_id,
                     {"terms": TERMS})
    for party in parties:
        agreement = call(enrollment, "sign_tripartite_agreement", agreement["id"],
                         {"party": party, "signer": "签署人-%s" % party})
    return call(enrollment, "enrol", application_id, {"apprentice_contract": CONTRACT})


def test_an_applicant_goes_from_application_to_enrolled_apprentice(enrollment, service_config):
    amqp_uri = service_config["AMQP_URI"]
    for event in ("student_enrolled", "apprentice_contract_signed", "application_offered"):
        bind_probe_queue(amqp_uri, "enrollment", event, "probe-" + event)
    partner = partner_with_agreement(enrollment)
    cnc = programme(enrollment, partner["id"], capacity=40, seats=30)

    application = interviewed(enrollment, cnc["id"], adult(1))
    waiting = call(enrollment, "decide_offer", application["id"],
                   {"party": "college", "approve": True})
    assert waiting["status"] == "interviewed", "one approval is not an offer"
    offer = call(enrollment, "decide_offer", application["id"],
                 {"party": "enterprise", "approve": True})
    assert offer["status"] == "offered"
    assert call(enrollment, "get_programme", cnc["id"])["quotas"][0]["reserved"] == 1

    call(enrollment, "respond_to_offer", application["id"], {"accept": True})
    with pytest.raises(Conflict):  # not signed yet
        call(enrollment, "enrol", application["id"], {"apprentice_contract": CONTRACT})
    student = signed_and_enrolled(enrollment, application["id"])

    assert student["status"] == "active" and student["student_number"] == "2027-MA-CNC-0001"
    figures = call(enrollment, "get_programme", cnc["id"])
    assert (figures["free"], figures["reserved"], figures["consumed"]) == (39, 0, 1)
    (event, _), = wait_until(lambda: drain(amqp_uri, "probe-student_enrolled"),
                             message="student_enrolled")
    assert event["data"]["student_id"] == student["id"]
    assert event["data"]["programme_kind"] == "apprenticeship"
    assert event["data"]["partner_id"] == partner["id"] and event["data"]["minor"] is False
    (contract, _), = wait_until(lambda: drain(amqp_uri, "probe-apprentice_contract_signed"),
                                message="apprentice_contract_signed")
    assert contract["data"]["student_id"] == student["id"]


def test_a_minor_needs_the_guardian_to_sign(enrollment):
    partner = partner_with_agreement(enrollment)
    cnc = programme(enrollment, partner["id"])
    sixteen = date.today().replace(year=date.today().year - 16) - timedelta(days=30)
    application = offered(enrollment, cnc["id"], {"name": "王小红",
                                                  "resident_id": resident_id(sixteen, 7)})
    call(enrollment, "respond_to_offer", application["id"], {"accept": True})
    with pytest.raises(Conflict):
        signed_and_enrolled(enrollment, application["id"])
    student = signed_and_enrolled(enrollment, application["id"],
                                  ("college", "enterprise", "student", "guardian"))
    assert student["minor"] is True
    versions = call(enrollment, "list_tripartite_agreements", application["id"])
    assert [v["version"] for v in versions["items"]] == [2, 1]
    assert [v["status"] for v in versions["items"]] == ["signed", "superseded"]
    assert set(versions["items"][0]["signatures"]) == {"college", "enterprise", "student",
                                                       "guardian"}


def test_one_applicant_record_and_one_active_application_per_programme(enrollment, database):
    partner = partner_with_agreement(enrollment, codes=("2027-MA-CNC", "2027-OC-EV"))
    cnc = programme(enrollment, partner["id"])
    ev = programme(enrollment, partner["id"], code="2027-OC-EV", kind="order_class")
    call(enrollment, "apply", {"programme_id": cnc["id"], "applicant": adult(1)})
    with pytest.raises(Conflict):
        call(enrollment, "apply", {"programme_id": cnc["id"], "applicant": adult(1)})
    call(enrollment, "apply", {"programme_id": ev["id"], "applicant": adult(1, name="李明")})
    assert database("enrollment").applicants.count_documents({}) == 1
    assert database("enrollment").applications.count_documents({}) == 2


def test_a_rejection_keeps_its_reason_and_illegal_steps_are_refused(enrollment):
    partner = partner_with_agreement(enrollment)
    cnc = programme(enrollment, partner["id"])
    application = call(enrollment, "apply", {"programme_id": cnc["id"], "applicant": adult(2)})
    with pytest.raises(Conflict):  # an interview before screening
        call(enrollment, "interview_application", application["id"], {"passed": True})
    with pytest.raises(InvalidInput) as caught:
        call(enrollment, "screen_application", application["id"], {"passed": False})
    assert "reason" in caught.value.errors
    rejected = call(enrollment, "screen_application", application["id"],
                    {"passed": False, "reason": "不符合招生条件"})
    assert rejected["rejection"] == {"party": "college", "reason": "不符合招生条件"}


def test_a_csv_whose_header_cannot_be_read_is_refused_with_the_reason(enrollment):
    with pytest.raises(InvalidInput) as caught:
        call(enrollment, "import_applicants", {"filename": "big.csv",
                                               "csv": "name," + "x" * 200000 + "\n李明,1\n"})
    assert "Unreadable header" in caught.value.errors["csv"][0]


def test_declining_and_expiry_release_the_seat(enrollment, service_config):
    from nameko import config
    partner = partner_with_agreement(enrollment)
    cnc = programme(enrollment, partner["id"], capacity=2, seats=2)
    declined = offered(enrollment, cnc["id"], adult(3))
    call(enrollment, "respond_to_offer", declined["id"], {"accept": False, "reason": "选择他校"})
    lapsing = offered(enrollment, cnc["id"], adult(4))
    assert call(enrollment, "get_programme", cnc["id"])["free"] == 1

    assert call(enrollment, "run_expiry_sweep") == {"agreements": 0, "offers": 0,
                                                  "survey_reminders": 0,
                                                  "clauses_at_risk": 0}
    later = datetime.now(timezone.utc) + timedelta(days=15)
    with config.patch({"CLOCK_NOW": later.isoformat()}):
        # past the deadline the offer cannot be taken, even before the sweep expires it
        with pytest.raises(Conflict, match="lapsed"):
            call(enrollment, "respond_to_offer", lapsing["id"], {"accept": True})
        assert call(enrollment, "expire_due") == {"agreements": 0, "offers": 1,
                                                  "survey_reminders": 0,
                                                  "clauses_at_risk": 0}
        assert call(enrollment, "expire_due") == {"agreements": 0, "offers": 0,
                                                  "survey_reminders": 0,
                                                  "clauses_at_risk": 0}, "idempotent"
    assert call(enrollment, "get_application", lapsing["id"])["status"] == "expired"
    figures = call(enrollment, "get_programme", cnc["id"])
    assert (figures["free"], figures["reserved"]) == (2, 0)
    assert figures["quotas"][0]["free"] == 2


def test_the_ledger_lists_each_seat_movement_as_json_with_an_id(enrollment):
    """The ledger's entries were written without an id of ours: the database's
    ObjectId could not be sent over RPC, so the route answered 500 for every
    programme."""
    partner = partner_with_agreement(enrollment)
    cnc = programme(enrollment, partner["id"], capacity=2, seats=2)
    declined = offered(enrollment, cnc["id"], adult(5))
    call(enrollment, "respond_to_offer", declined["id"], {"accept": False, "reason": "选择他校"})

    ledger = json.loads(json.dumps(call(enrollment, "list_ledger_entries", cnc["id"])))

    assert ledger["total"] == 3
    assert [entry["movement"] for entry in ledger["items"]] == ["release", "reserve",
                                                                 "quota_set"]
    assert all(isinstance(entry["id"], str) for entry in ledger["items"])
    assert ledger["items"][0]["application_id"] == declined["id"]
    assert ledger["items"][2]["seats"] == 2


def test_an_agreement_expires_when_its_term_ends(enrollment, service_config):
    from nameko import config
    partner = call(enrollment, "register_partner", {
        "legal_name": "苏州精工机械有限公司", "credit_code": "9132050071780934XB",
        "industry": "机械制造"})
    agreement = call(enrollment, "create_agreement", {
        "partner_id": partner["id"], "title": "订单班合作协议", "starts_on": "2020-01-01",
        "ends_on": "2099-12-31", "programme_codes": ["2027-OC-EV"]})
    with pytest.raises(Conflict):  # a draft was never active, so it cannot be suspended
        call(enrollment, "change_agreement_status", agreement["id"], {"status": "suspended"})
    with pytest.raises(InvalidInput):  # expiry is the timer's business, not a caller's
        call(enrollment, "change_agreement_status", agreement["id"], {"status": "expired"})
    call(enrollment, "change_agreement_status", agreement["id"], {"status": "active"})
    with config.patch({"CLOCK_NOW": "2100-01-01T08:00:00+00:00"}):
        assert call(enrollment, "expire_due")["agreements"] == 1
    assert call(enrollment, "get_agreement", agreement["id"])["status"] == "expired"


def test_withdrawal_and_transfer_move_quota_and_are_announced(enrollment, service_config):
    amqp_uri = service_config["AMQP_URI"]
    bind_probe_queue(amqp_uri, "enrollment", "enrolment_status_changed", "probe-status")
    partner = partner_with_agreement(enrollment, codes=("2027-MA-CNC", "2027-OC-EV"))
    cnc = programme(enrollment, partner["id"], capacity=5, seats=5)
    ev = programme(enrollment, partner["id"], capacity=5, seats=5, code="2027-OC-EV",
                   kind="order_class")
    application = offered(enrollment, cnc["id"], adult(5))
    call(enrollment, "respond_to_offer", application["id"], {"accept": True})
    student = signed_and_enrolled(enrollment, application["id"])

    moved = call(enrollment, "change_student_status", student["id"],
                 {"action": "transfer", "reason": "转入订单班", "programme_id": ev["id"]})
    assert moved["programme_id"] == ev["id"] and moved["status"] == "active"
    assert call(enrollment, "get_programme", cnc["id"])["consumed"] == 0
    assert call(enrollment, "get_programme", ev["id"])["consumed"] == 1
    call(enrollment, "change_student_status", student["id"],
         {"action": "suspend", "reason": "病假"})
    with pytest.raises(Conflict):
        call(enrollment, "change_student_status", student["id"],
             {"action": "transfer", "reason": "x" * 5, "programme_id": cnc["id"]})
    call(enrollment, "change_student_status", student["id"],
         {"action": "withdraw", "reason": "退学"})
    assert call(enrollment, "get_programme", ev["id"])["free"] == 5

    events = collect_events(amqp_uri, "probe-status", 3)
    assert [(e["previous_status"], e["status"]) for e in events] == [
        ("active", "active"), ("active", "suspended"), ("suspended", "withdrawn")]
    assert (events[0]["from_programme_id"], events[0]["programme_id"]) == (cnc["id"], ev["id"])


def test_an_amendment_keeps_the_previous_terms_and_is_announced(enrollment, service_config):
    amqp_uri = service_config["AMQP_URI"]
    bind_probe_queue(amqp_uri, "enrollment", "agreement_changed", "probe-agreements")
    partner = partner_with_agreement(enrollment)
    agreement = call(enrollment, "list_agreements", {"partner_id": partner["id"]})["items"][0]
    amended = call(enrollment, "amend_agreement", agreement["id"], {
        "programme_codes": ["2027-ma-cnc", "2028-MA-CNC"], "reason": "增加2028级"})
    assert amended["programme_codes"] == ["2027-MA-CNC", "2028-MA-CNC"]
    assert amended["amendments"][0]["previous"] == {"programme_codes": ["2027-MA-CNC"]}
    with pytest.raises(InvalidInput):
        call(enrollment, "amend_agreement", agreement["id"], {"reason": "没有改动"})
    events = collect_events(amqp_uri, "probe-agreements", 2)
    assert events[-1]["programme_codes"] == ["2027-MA-CNC", "2028-MA-CNC"]
    assert events[-1]["status"] == "active"


def test_no_offer_is_made_once_the_partners_agreement_is_suspended(enrollment):
    partner = partner_with_agreement(enrollment)
    cnc = programme(enrollment, partner["id"])
    application = interviewed(enrollment, cnc["id"], adult(9))
    call(enrollment, "decide_offer", application["id"], {"party": "college", "approve": True})
    agreement = call(enrollment, "list_agreements", {"partner_id": partner["id"]})["items"][0]
    call(enrollment, "change_agreement_status", agreement["id"],
         {"status": "suspended", "reason": "企业停产整顿"})
    with pytest.raises(Conflict) as caught:
        call(enrollment, "decide_offer", application["id"],
             {"party": "enterprise", "approve": True})
    assert caught.value.extra["reason"] == "no_active_agreement"
    assert call(enrollment, "get_programme", cnc["id"])["reserved"] == 0


def test_a_partner_whose_quota_is_set_to_zero_no_longer_takes_applications(enrollment):
    partner = partner_with_agreement(enrollment)
    cnc = programme(enrollment, partner["id"], capacity=10, seats=5)
    shown = call(enrollment, "set_quota", cnc["id"], partner["id"], {"seats": 0})
    assert [(q["partner_id"], q["seats"]) for q in shown["quotas"]] == [(partner["id"], 0)]
    assert "quota_partner_ids" not in shown, "the storage's index of partners stays inside"
    application = call(enrollment, "apply", {"programme_id": cnc["id"],
                                             "applicant": adult(11)})
    assert application["partner_id"] is None, "the college's own seat, not the partner's"


def test_staff_find_a_student_by_number_prefix_or_part_of_the_name(enrollment):
    partner = partner_with_agreement(enrollment)
    cnc = programme(enrollment, partner["id"])
    for serial, name in ((1, "李明"), (2, "Emma Wilson"), (3, "王晓明")):
        application = offered(enrollment, cnc["id"], adult(serial, name))
        call(enrollment, "respond_to_offer", application["id"], {"accept": True})
        signed_and_enrolled(enrollment, application["id"])

    def names(text):
        found = call(enrollment, "list_students", {"q": text})
        return sorted(student["name"] for student in found["items"])

    assert names("明") == ["李明", "王晓明"]
    assert names("wilson") == ["Emma Wilson"]
    assert names("2027-MA-CNC-0002") == ["Emma Wilson"]
    assert len(names("2027-MA")) == 3
    assert names("MA-CNC") == [], "a number matches from its start only"
    assert names("(.*)") == [], "the text is literal, not a pattern"
    with pytest.raises(InvalidInput):
        call(enrollment, "list_students", {"q": ""})


def test_another_enterprise_is_told_its_objects_do_not_exist_and_sees_its_own_quota_only(
        enrollment):
    """The caller goes with the call as ``actor`` (as the gateway passes it)."""
    partner = partner_with_agreement(enrollment)
    other = partner_with_agreement(enrollment, OTHER_PARTNER)
    cnc = programme(enrollment, partner["id"])
    application = offered(enrollment, cnc["id"], adult(40))
    call(enrollment, "respond_to_offer", application["id"], {"accept": True})
    call(enrollment, "set_quota", cnc["id"], other["id"], {"seats": 5})
    agreement = call(enrollment, "prepare_tripartite_agreement", application["id"],
                     {"terms": TERMS})
    own = {"kind": "enterprise", "enterprise_id": partner["id"], "username": "hr"}
    stranger = {"kind": "enterprise", "enterprise_id": "someone-else", "username": "x"}
    assert call(enrollment, "get_application", application["id"], own)["id"] == \
        application["id"]
    assert [q["partner_id"] for q in call(enrollment, "get_programme", cnc["id"], own)[
        "quotas"]] == [partner["id"]]
    assert len(call(enrollment, "get_programme", cnc["id"])["quotas"]) == 2
    for method, args, message in (
            ("get_partner", (partner["id"],), "partner %s" % partner["id"]),
            ("get_application", (application["id"],), "application %s" % application["id"]),
            ("get_programme", (cnc["id"],), "programme %s" % cnc["id"]),
            ("get_tripartite_agreement", (agreement["id"],),
             "application %s" % application["id"]),
            ("list_tripartite_agreements", (application["id"], {}),
             "application %s" % application["id"]),
            ("interview_application", (application["id"], {"passed": "not a bool"}),
             "application %s" % application["id"]),
            ("sign_tripartite_agreement", (agreement["id"], {}),
             "application %s" % application["id"])):
        with pytest.raises(NotFound) as caught:
            call(enrollment, method, *args, stranger)
        assert str(caught.value) == "%s does not exist" % message, method
    staff = {"kind": "staff", "username": "li"}
    assert call(enrollment, "get_tripartite_agreement", agreement["id"], staff)["id"] == \
        agreement["id"]
