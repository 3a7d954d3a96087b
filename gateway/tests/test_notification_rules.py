"""Who is told what, without a broker or database (gateway.notifications)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from college_contracts import schema_for
from gateway.notifications import (
    RULES,
    Raise,
    Resolve,
    audiences_of,
    changes_for,
    due_for_reminder,
)
from gateway.routes.inbox import InboxRoutes

AT = datetime(2027, 3, 2, 9, 0, tzinfo=timezone.utc)
OURS, THEIRS = "ent-ours", "ent-theirs"


def loaded(source, event_type, data):
    """The data as a handler gets it: loaded with its contract."""
    return schema_for(source, event_type).load(data)


def timesheet(direction, **overrides):
    return loaded("mentors", "timesheet_submitted", {
        "timesheet_id": "ts-1", "secondment_id": "sec-1", "mentor_id": "m-1",
        "enterprise_id": OURS, "direction": direction, "work_date": "2027-03-01",
        "hours": 6, **overrides})


def checkin(kind):
    return loaded("projects", "checkin_missed", {
        "placement_id": "pl-1", "student_id": "stu-1", "enterprise_id": OURS,
        "week_starting": "2027-03-01", "kind": kind})


def clause(status):
    return loaded("enrollment", "clause_at_risk", {
        "agreement_id": "agr-1", "partner_id": OURS, "clause_id": "seats",
        "party": "enterprise", "metric": "seats_filled", "target": 5, "progress": 1,
        "elapsed": 0.6, "due_on": "2027-12-31", "status": status})


def survey(reminders=1):
    return loaded("enrollment", "employer_survey_reminder", {
        "survey_id": "sv-1", "student_id": "stu-1", "enterprise_id": OURS, "months": 6,
        "due_on": "2027-03-10", "reminders": reminders})


def raised(changes):
    [change] = [c for c in changes if isinstance(c, Raise)]
    return change


def test_an_outward_timesheet_goes_to_the_host_enterprise_an_inward_one_to_the_coordinators():
    outward = raised(changes_for("mentors", "timesheet_submitted", timesheet("outward"), AT))
    assert outward.audience == ("enterprise:%s" % OURS,)
    assert (outward.kind, outward.id) == ("timesheet_to_decide", "timesheet-ts-1")
    assert outward.subject == {"type": "timesheet", "id": "ts-1", "link": "/mentors/m-1"}
    assert outward.due_at == AT + timedelta(days=7)
    inward = raised(changes_for("mentors", "timesheet_submitted", timesheet("inward"), AT))
    assert inward.audience == ("role:mentor_coordinator",)


def test_a_decided_timesheet_settles_its_notification():
    decided = loaded("mentors", "timesheet_decided", {
        "timesheet_id": "ts-1", "secondment_id": "sec-1", "mentor_id": "m-1",
        "enterprise_id": OURS, "direction": "outward", "work_date": "2027-03-01",
        "hours": 6, "decision": "approved"})
    assert changes_for("mentors", "timesheet_decided", decided, AT) == [
        Resolve(("timesheet-ts-1",))]


def test_a_week_not_logged_tells_the_student_the_host_and_the_project_coordinators():
    missed = raised(changes_for("projects", "checkin_missed", checkin("not_logged"), AT))
    assert set(missed.audience) == {"enterprise:%s" % OURS, "student:stu-1",
                                    "role:project_coordinator"}
    assert missed.id == "checkin-pl-1-2027-03-01-not_logged"
    assert missed.params["week_starting"] == "2027-03-01"
    unconfirmed = raised(changes_for("projects", "checkin_missed", checkin("not_confirmed"), AT))
    assert set(unconfirmed.audience) == {"enterprise:%s" % OURS, "role:project_coordinator"}
    assert unconfirmed.id != missed.id


def test_a_logged_week_settles_not_logged_and_a_confirmed_one_both():
    week = loaded("projects", "checkin_logged", {
        "placement_id": "pl-1", "student_id": "stu-1", "enterprise_id": OURS,
        "week_starting": "2027-03-01", "hours": 38})
    assert changes_for("projects", "checkin_logged", week, AT) == [
        Resolve(("checkin-pl-1-2027-03-01-not_logged",))]
    assert changes_for("projects", "checkin_confirmed", week, AT) == [
        Resolve(("checkin-pl-1-2027-03-01-not_logged", "checkin-pl-1-2027-03-01-not_confirmed"))]


def test_a_clause_at_risk_tells_the_enterprise_and_the_admissions_officers_due_on_its_date():
    at_risk = raised(changes_for("enrollment", "clause_at_risk", clause("at_risk"), AT))
    assert set(at_risk.audience) == {"enterprise:%s" % OURS, "role:admissions_officer"}
    assert at_risk.subject["link"] == "/agreements/agr-1"
    assert at_risk.due_at.date() == date(2027, 12, 31)
    missed = changes_for("enrollment", "clause_at_risk", clause("missed"), AT)
    assert Resolve(("clause-agr-1-seats-at_risk",)) in missed
    assert raised(missed).id == "clause-agr-1-seats-missed"
    assert raised(missed).due_at is None  # past due: nothing to remind of


def test_a_survey_reminder_tells_the_employer_again_each_time_and_an_answer_settles_it():
    first = raised(changes_for("enrollment", "employer_survey_reminder", survey(1), AT))
    second = raised(changes_for("enrollment", "employer_survey_reminder", survey(2), AT))
    assert first.audience == ("enterprise:%s" % OURS,)
    assert first.id == second.id == "survey-sv-1"
    assert (first.raised, second.raised) == (1, 2)
    answered = loaded("enrollment", "employer_survey_answered", {
        "survey_id": "sv-1", "student_id": "stu-1", "programme_id": "p-1",
        "enterprise_id": OURS, "months": 6, "ratings": {"skills": 4}})
    assert changes_for("enrollment", "employer_survey_answered", answered, AT) == [
        Resolve(("survey-sv-1",))]


def offer(party, status, awaiting, partner_id=OURS):
    return loaded("enrollment", "offer_decision_recorded", {
        "application_id": "ap-1", "programme_id": "p-1", "partner_id": partner_id,
        "party": party, "approve": status != "rejected", "status": status,
        "awaiting": awaiting})


def test_an_offer_approved_by_one_party_waits_on_the_other_and_is_settled_when_decided():
    for_enterprise = raised(changes_for("enrollment", "offer_decision_recorded",
                                        offer("college", "interviewed", "enterprise"), AT))
    assert for_enterprise.audience == ("enterprise:%s" % OURS,)
    assert (for_enterprise.kind, for_enterprise.id) == ("offer_to_approve", "offer-ap-1")
    assert for_enterprise.subject["link"] == "/applications/ap-1"
    for_college = raised(changes_for("enrollment", "offer_decision_recorded",
                                     offer("enterprise", "interviewed", "college"), AT))
    assert for_college.audience == ("role:admissions_officer",)
    for status in ("offered", "rejected"):
        assert changes_for("enrollment", "offer_decision_recorded",
                           offer("enterprise", status, None), AT) == [Resolve(("offer-ap-1",))]
    # an application without a partner awaits nobody but the college
    assert changes_for("enrollment", "offer_decision_recorded",
                       offer("college", "interviewed", "enterprise", None), AT) == []


def declaration(event_type, status):
    return loaded("enrollment", event_type, {
        "agreement_id": "ag-1", "partner_id": OURS, "declaration_id": "d-1",
        "clause_id": "kit", "amount": 200000, "on": "2027-03-01", "status": status})


def test_a_declared_contribution_waits_on_the_admissions_officers_until_decided():
    declared = raised(changes_for("enrollment", "contribution_declared",
                                  declaration("contribution_declared", "declared"), AT))
    assert (declared.kind, declared.id) == ("declaration_to_confirm", "declaration-ag-1-d-1")
    assert declared.audience == ("role:admissions_officer",)
    assert declared.subject["link"] == "/agreements/ag-1"
    assert declared.params["amount"] == 200000
    for status in ("confirmed", "rejected"):
        assert changes_for("enrollment", "declaration_decided",
                           declaration("declaration_decided", status), AT) == [
            Resolve(("declaration-ag-1-d-1",))]


@pytest.mark.parametrize("source, event_type, data", [
    ("enrollment", "offer_decision_recorded", offer("college", "interviewed", "enterprise")),
    ("mentors", "timesheet_submitted", timesheet("outward")),
    ("projects", "checkin_missed", checkin("not_logged")),
    ("projects", "checkin_missed", checkin("not_confirmed")),
    ("enrollment", "clause_at_risk", clause("at_risk")),
    ("enrollment", "employer_survey_reminder", survey()),
])
def test_no_other_enterprise_is_ever_told_and_the_same_fact_makes_the_same_id(
        source, event_type, data):
    once = raised(changes_for(source, event_type, data, AT))
    again = raised(changes_for(source, event_type, data, AT + timedelta(hours=1)))
    assert once.id == again.id
    enterprises = {key for key in once.audience if key.startswith("enterprise:")}
    assert enterprises == {"enterprise:%s" % OURS}
    assert not any(THEIRS in key for key in once.audience)


def test_a_user_belongs_only_to_the_audiences_their_token_proves():
    assert audiences_of("enterprise_user", OURS) == ["role:enterprise_user",
                                                     "enterprise:%s" % OURS]
    assert audiences_of("student", student_id="stu-1") == ["role:student", "student:stu-1"]
    assert audiences_of("teacher", mentor_id="m-1") == ["role:teacher", "mentor:m-1"]
    # a claim the role does not admit widens nothing
    assert audiences_of("admissions_officer", enterprise_id=OURS, student_id="stu-1") == [
        "role:admissions_officer"]
    assert audiences_of("enterprise_user", None) == ["role:enterprise_user"]


def test_a_reminder_falls_due_the_set_hours_before_the_due_time():
    due = AT + timedelta(hours=48)
    assert not due_for_reminder(due, AT - timedelta(seconds=1), 48)
    assert due_for_reminder(due, AT, 48)
    assert due_for_reminder(due, due + timedelta(days=3), 48)  # overdue and never reminded
    assert not due_for_reminder(None, AT, 48)


def test_events_no_rule_names_change_nothing():
    assert changes_for("enrollment", "partner_registered", {}, AT) == []


def test_every_rule_has_its_event_handler():
    handled = set()
    for name in dir(InboxRoutes):
        for entrypoint in getattr(getattr(InboxRoutes, name), "nameko_entrypoints", ()):
            if hasattr(entrypoint, "event_type"):
                handled.add((entrypoint.source_service, entrypoint.event_type))
    assert handled == set(RULES)
