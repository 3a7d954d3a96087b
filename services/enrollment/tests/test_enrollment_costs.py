"""Costs and returns against the real broker and database: the facts of
returns learnt from the projects and certificates services' events (each
delivered twice, and announced again under another event id) count once, a
revoked certificate stops counting, the year's rate values the mentor hours,
and an enterprise reaches its own account and evidence pack only."""
from datetime import datetime, timezone

import pytest
from enrollment_fixtures import OTHER_PARTNER, partner_with_agreement
from test_enrollment_commitments import announce_twice

from college_platform.envelope import new_event
from college_platform.errors import InvalidInput, NotFound
from enrollment.service import EnrollmentService
from testkit.amqp import publish_event
from testkit.calls import call
from testkit.servers import wait_until


@pytest.fixture
def enrollment(start_service):
    return start_service(EnrollmentService)


def test_returns_are_learnt_from_events_once_and_valued_at_the_years_rate(
        enrollment, amqp_uri, database):
    partner_id = partner_with_agreement(enrollment)["id"]
    other_id = call(enrollment, "register_partner", OTHER_PARTNER)["id"]
    db = database("enrollment")
    # the enterprise's apprentice (its employee), and a student it sponsors in an order class
    db.students.insert_many([
        {"_id": "s-apprentice", "application_id": "a-1", "student_number": "2027001",
         "name": "李明",
         "partner_id": partner_id, "programme_kind": "apprenticeship", "status": "active",
         "programme_id": "pg-1", "intake_year": 2026, "created_at": datetime.now(timezone.utc),
         "enrolled_on": "2026-09-01"},
        {"_id": "s-order", "application_id": "a-2", "student_number": "2027002", "name": "王芳",
         "partner_id": partner_id, "programme_kind": "order_class", "status": "active",
         "programme_id": "pg-2", "intake_year": 2026, "created_at": datetime.now(timezone.utc),
         "enrolled_on": "2026-09-01"}])

    def checkin(week, hours):
        return {"placement_id": "pl-1", "student_id": "s-apprentice",
                "enterprise_id": partner_id, "week_starting": week, "hours": hours}

    def certificate(number, student_id):
        return {"certificate_number": number, "candidate_id": student_id,
                "candidate_kind": "student", "certificate_code": "1X-CNC",
                "level": "junior", "issued_on": "2027-06-01", "partner_id": partner_id}

    for source, event_type, data in [
        ("projects", "checkin_confirmed", checkin("2026-12-28", 40)),  # 2026's week
        ("projects", "checkin_confirmed", checkin("2027-01-04", 38.5)),
        ("projects", "project_completed", {
            "project_id": "pr-1", "enterprise_id": partner_id, "on_time": True,
            "grades": [{"student_id": "s-1", "grade": 88}, {"student_id": "s-2", "grade": 90}],
            "evidence": [  # one team deliverable cited for each member, and another
                {"student_id": "s-1", "deliverable_id": "d-1", "url": "https://x/1"},
                {"student_id": "s-2", "deliverable_id": "d-1", "url": "https://x/1"},
                {"student_id": "s-1", "deliverable_id": "d-2", "url": "https://x/2"}]}),
        ("certificates", "certificate_issued", certificate("X-1", "s-apprentice")),
        ("certificates", "certificate_issued", certificate("X-2", "s-apprentice")),
        ("certificates", "certificate_issued", certificate("X-3", "s-order")),
        ("mentors", "timesheet_decided", {
            "timesheet_id": "ts-1", "secondment_id": "se-1", "mentor_id": "m-1",
            "enterprise_id": partner_id, "direction": "inward", "work_date": "2027-12-31",
            "hours": 6.5, "decision": "approved"}),
    ]:
        announce_twice(amqp_uri, source, event_type, data)
    # the commitments' handlers (count_*) and the returns' (tally_*): 7 events, each under
    # 2 event ids, and project_completed handled by one of each
    counted = {"consumer": {"$regex": r"^enrollment\.(count|tally)_"}}
    wait_until(lambda: db.inbox.count_documents(counted) == 16, message="every event handled")
    assert db.commitment_facts.count_documents({"metric": {"$in": [
        "intern_hours", "deliverables_accepted", "certificates_earned"]}}) == 7, "each once"

    revoked = new_event("certificate_revoked", "certificates", {
        "certificate_number": "X-2", "candidate_id": "s-apprentice",
        "candidate_kind": "student", "reason": "考试违纪", "partner_id": partner_id})
    publish_event(amqp_uri, "certificates", revoked)
    publish_event(amqp_uri, "certificates", revoked)
    wait_until(lambda: db.commitment_facts.find_one(
        {"_id": "certificates_earned:X-2", "withdrawn": True}), message="the revocation")

    call(enrollment, "set_valuation_rate", 2027, {"mentor_hour_cny": 300},
         {"kind": "staff", "username": "officer.li"})
    hr = {"kind": "enterprise", "enterprise_id": partner_id, "username": "hr.wang"}
    found = call(enrollment, "costs_and_returns", partner_id, 2027, hr)
    assert (found["inputs"]["mentor_hours"], found["inputs"]["mentor_hours_value_cny"]) == \
        (6.5, 1950)
    assert found["returns"]["intern_hours"] == 38.5, "the week of 28 December is 2026's"
    this_year = call(enrollment, "costs_and_returns", partner_id, None, hr)
    assert this_year["year"] == datetime.now(timezone.utc).year
    assert this_year["returns"]["deliverables_accepted"] == 2, "in the year it completed"
    assert found["returns"]["certificates_earned"] == 1, "an apprentice's, not revoked"
    assert call(enrollment, "costs_and_returns", partner_id, 2026, hr)["returns"][
        "intern_hours"] == 40
    pack = call(enrollment, "evidence_pack", partner_id, 2027, hr)
    assert pack["partner"]["credit_code"] == "91350100M000100Y43"
    assert [a["status"] for a in pack["agreements"]] == ["active"]
    assert pack["costs_and_returns"] == found

    # the views' read models: this year's account in the enterprise's part, and its figures
    # among the dashboard's facts
    part = call(enrollment, "enterprise_summaries", [partner_id])[partner_id]
    assert part["costs_and_returns"]["returns"]["deliverables_accepted"] == 2
    rows = call(enrollment, "indicator_facts")
    assert {(r["breakdown"], r["value"]) for r in rows if r["metric"] == "costs"
            and r["enterprise_id"] == partner_id and r["breakdown"] ==
            "deliverables_accepted"} == {("deliverables_accepted", 2)}

    other = {"kind": "enterprise", "enterprise_id": other_id, "username": "hr.zhao"}
    for rpc in ("costs_and_returns", "evidence_pack"):
        with pytest.raises(NotFound):
            call(enrollment, rpc, partner_id, 2027, other)
    with pytest.raises(InvalidInput):
        call(enrollment, "set_valuation_rate", 2027, {"mentor_hour_cny": -1})
    rates = call(enrollment, "list_valuation_rates")["items"]
    assert [(r["year"], r["mentor_hour_cny"], r["set_by"]) for r in rates] == [
        (2027, 300, "officer.li")]
