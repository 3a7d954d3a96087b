"""Commitments against the real broker and database: clauses set by amendment,
progress learnt from the projects and mentors services' events (each delivered
twice, and announced again under another event id), the enterprise's declared
equipment confirmed by the college, the sweep's ``clause_at_risk`` once per
change, and an enterprise reaching its own agreements' commitments only."""
from datetime import datetime, timedelta, timezone

import pytest
from enrollment_fixtures import OTHER_PARTNER, collect_events, partner_with_agreement

from college_platform.envelope import new_event
from college_platform.errors import NotFound
from enrollment.service import EnrollmentService
from testkit.amqp import bind_probe_queue, drain, publish_event
from testkit.calls import call
from testkit.servers import wait_until


@pytest.fixture
def enrollment(start_service):
    return start_service(EnrollmentService)


def clause(clause_id, metric, target, due_on, party="enterprise"):
    return {"id": clause_id, "party": party, "metric": metric, "target": target,
            "due_on": due_on, "description": "条款 %s" % clause_id}


def announce_twice(amqp_uri, source, event_type, data):
    """The event delivered twice, then the same fact announced again under a new
    event id (a publisher's retry): it counts once."""
    envelope = new_event(event_type, source, data)
    publish_event(amqp_uri, source, envelope)
    publish_event(amqp_uri, source, envelope)
    publish_event(amqp_uri, source, new_event(event_type, source, data))


def test_progress_is_learnt_from_events_once_and_a_clause_falling_behind_is_announced_once(
        enrollment, amqp_uri, database):
    bind_probe_queue(amqp_uri, "enrollment", "clause_at_risk", "probe-clauses")
    partner_id = partner_with_agreement(enrollment)["id"]
    other_id = call(enrollment, "register_partner", OTHER_PARTNER)["id"]
    agreement_id = call(enrollment, "list_agreements", {"partner_id": partner_id})[
        "items"][0]["id"]
    today = datetime.now(timezone.utc).date()
    soon = (today + timedelta(days=20)).isoformat()
    amended = call(enrollment, "amend_agreement", agreement_id, {"reason": "补充合作条款",
                                                                 "clauses": [
        clause("placements", "placements_hosted", 1, "2098-12-31"),
        clause("posted", "projects_posted", 1, "2098-12-31"),
        clause("completed", "projects_completed", 2, "2098-12-31"),
        clause("hours", "mentor_hours", 20, soon),  # nearly due, short: at risk
        clause("teachers", "teachers_hosted", 1, "2098-12-31", party="college"),
        clause("kit", "equipment_value", 100000, "2098-12-31")]})
    assert amended["amendments"][-1]["previous"] == {"clauses": None}

    for source, event_type, data in [
        ("projects", "placement_started", {
            "placement_id": "pl-1", "student_id": "s-1", "enterprise_id": partner_id,
            "starts_on": "2026-09-07", "ends_on": "2027-01-29"}),
        ("projects", "placement_started", {  # another enterprise's: not counted here
            "placement_id": "pl-2", "student_id": "s-2", "enterprise_id": other_id,
            "starts_on": "2026-09-07", "ends_on": "2027-01-29"}),
        ("projects", "project_published", {
            "project_id": "pr-1", "enterprise_id": partner_id, "title": "视觉质检"}),
        ("projects", "project_completed", {
            "project_id": "pr-1", "enterprise_id": partner_id, "on_time": True,
            "grades": [{"student_id": "s-1", "grade": 88}]}),
        ("mentors", "timesheet_decided", {
            "timesheet_id": "ts-1", "secondment_id": "se-1", "mentor_id": "m-1",
            "enterprise_id": partner_id, "direction": "inward",
            "work_date": today.isoformat(), "hours": 6.5, "decision": "approved"}),
        ("mentors", "timesheet_decided", {  # rejected hours do not count
            "timesheet_id": "ts-2", "secondment_id": "se-1", "mentor_id": "m-1",
            "enterprise_id": partner_id, "direction": "inward",
            "work_date": today.isoformat(), "hours": 8, "decision": "rejected"}),
        ("mentors", "secondment_started", {
            "secondment_id": "se-2", "mentor_id": "t-1", "direction": "outward",
            "enterprise_id": partner_id, "starts_on": "2026-09-01", "ends_on": "2027-06-30"}),
        ("mentors", "secondment_completed", {  # the same teacher hosted, at its end
            "secondment_id": "se-2", "mentor_id": "t-1", "direction": "outward",
            "enterprise_id": partner_id, "starts_on": "2026-09-01", "ends_on": "2027-06-30",
            "approved_hours": 120}),
    ]:
        announce_twice(amqp_uri, source, event_type, data)
    facts = database("enrollment").commitment_facts
    counted = {"consumer": {"$regex": r"^enrollment\.count_"}}
    # 8 events, each under 2 event ids (the repeated delivery is not handled again)
    wait_until(lambda: database("enrollment").inbox.count_documents(counted) == 16,
               message="every event handled")
    assert facts.count_documents({}) == 6, "each fact once"

    hr = {"kind": "enterprise", "enterprise_id": partner_id, "username": "hr.wang"}
    declared = call(enrollment, "declare_contribution", agreement_id, {
        "clause_id": "kit", "amount": 100000, "on": today.isoformat(), "note": "数控车床"},
        hr)["declarations"][0]
    call(enrollment, "decide_declaration", agreement_id, declared["id"], {"confirm": True},
         {"kind": "staff", "username": "officer.li"})

    found = call(enrollment, "agreement_commitments", agreement_id, hr)
    progress = {c["id"]: (c["progress"], c["status"]) for c in found["clauses"]}
    assert progress == {"placements": (1, "met"), "posted": (1, "met"),
                        "completed": (1, "on_track"), "hours": (6.5, "at_risk"),
                        "teachers": (1, "met"), "kit": (100000, "met")}
    assert found["fulfilment"]["college"] == 1.0
    assert 0 < found["fulfilment"]["enterprise"] < 1
    assert call(enrollment, "get_agreement", agreement_id, hr)["fulfilment"] == \
        found["fulfilment"]
    with pytest.raises(NotFound):
        call(enrollment, "agreement_commitments", agreement_id,
             {"kind": "enterprise", "enterprise_id": other_id, "username": "hr.zhao"})

    assert call(enrollment, "run_expiry_sweep")["clauses_at_risk"] == 1
    assert call(enrollment, "run_expiry_sweep")["clauses_at_risk"] == 0, "once per change"
    alert, = collect_events(amqp_uri, "probe-clauses", 1)
    assert (alert["clause_id"], alert["status"], alert["progress"], alert["due_on"]) == (
        "hours", "at_risk", 6.5, soon)
    assert drain(amqp_uri, "probe-clauses") == []


def test_a_declaration_and_its_decision_are_announced_for_the_views(enrollment, amqp_uri):
    bind_probe_queue(amqp_uri, "enrollment", "contribution_declared", "probe-declared")
    bind_probe_queue(amqp_uri, "enrollment", "declaration_decided", "probe-decided")
    partner_id = partner_with_agreement(enrollment)["id"]
    agreement_id = call(enrollment, "list_agreements", {"partner_id": partner_id})[
        "items"][0]["id"]
    call(enrollment, "amend_agreement", agreement_id, {"reason": "设备捐赠", "clauses": [
        clause("kit", "equipment_value", 100000, "2098-12-31")]})
    hr = {"kind": "enterprise", "enterprise_id": partner_id, "username": "hr.wang"}
    today = datetime.now(timezone.utc).date().isoformat()
    declared = call(enrollment, "declare_contribution", agreement_id, {
        "clause_id": "kit", "amount": 80000, "on": today, "note": "数控车床"},
        hr)["declarations"][0]
    decision = {"confirm": True}
    officer = {"kind": "staff", "username": "officer.li"}
    call(enrollment, "decide_declaration", agreement_id, declared["id"], decision, officer)

    expected = {"agreement_id": agreement_id, "partner_id": partner_id,
                "declaration_id": declared["id"], "clause_id": "kit", "amount": 80000.0,
                "on": today}
    assert collect_events(amqp_uri, "probe-declared", 1) == [{**expected, "status": "declared"}]
    assert collect_events(amqp_uri, "probe-decided", 1) == [{**expected, "status": "confirmed"}]
