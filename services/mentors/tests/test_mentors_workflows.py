"""The mentors use cases on an in-memory unit of work (``FakeUnitOfWork``
over ``FakeMentorsRecords``): no database, no broker. What they store, what
they announce, what they refuse."""
import inspect
from datetime import date

import pytest
from fake_mentors_records import FakeMentorsRecords

from college_platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from college_platform.fakes import FakeUnitOfWork
from college_platform.validation import load
from mentors import workflows
from mentors.domain import DoubleQualifiedRule, apprentice_slot_id
from mentors.records import MentorsRecords
from mentors.schemas import (
    NewMentorSchema,
    NewSecondmentSchema,
    NewTimesheetSchema,
    TimesheetDecisionSchema,
)

TODAY = date(2027, 2, 1)
RULE = DoubleQualifiedRule()
ENTERPRISE, OTHER_ENTERPRISE = "p-zhizao", "p-robotics"


@pytest.fixture
def uow():
    records = FakeMentorsRecords()
    for partner_id in (ENTERPRISE, OTHER_ENTERPRISE):
        workflows.partner_registered(FakeUnitOfWork(records), {
            "partner_id": partner_id, "legal_name": partner_id})
    return FakeUnitOfWork(records)


def register(uow, kind="teacher", enterprise_id=None, load_limit=5, name="张伟"):
    payload = {"name": name, "kind": kind, "expertise": ["PLC"], "load_limit": load_limit}
    if enterprise_id:
        payload["enterprise_id"] = enterprise_id
    return workflows.register_mentor(uow, load(NewMentorSchema(), payload), TODAY, RULE)


def plan(uow, mentor_id, starts_on, ends_on, direction="outward", enterprise_id=ENTERPRISE,
         today=TODAY):
    fields = load(NewSecondmentSchema(), {
        "mentor_id": mentor_id, "direction": direction, "enterprise_id": enterprise_id,
        "role": "工艺工程师", "starts_on": starts_on, "ends_on": ends_on, "agreed_hours": 800})
    return workflows.plan_secondment(uow, fields, today, RULE)


def enrol(uow, student_id, partner_id=ENTERPRISE):
    workflows.apprentice_enrolled(uow, {
        "student_id": student_id, "name": "王小明", "student_number": "20270001",
        "programme_id": "prog-mech", "partner_id": partner_id})


def test_the_fake_records_have_every_verb_of_the_real_ones():
    verbs = {name for name, _ in inspect.getmembers(MentorsRecords, inspect.isfunction)
             if not name.startswith("_")}
    assert verbs - set(dir(FakeMentorsRecords)) == set()


# mentors ------------------------------------------------------------------

def test_a_registered_mentor_is_announced_with_their_whole_load_spare(uow):
    mentor = register(uow, load_limit=4)
    assert mentor["status"] == "active"
    assert (mentor["spare_load"], mentor["active_load"]) == (4, 0)
    assert uow.events("mentor_registered") == [{
        "mentor_id": mentor["_id"], "name": "张伟", "kind": "teacher", "enterprise_id": None}]
    # a teacher's status is derived at once: not double-qualified, which is no change
    assert mentor["double_qualified"] is False
    assert "not double-qualified" in mentor["double_qualified_reason"]
    assert uow.events("double_qualified_changed") == []


def test_an_industry_mentor_from_an_unknown_partner_is_refused(uow):
    with pytest.raises(InvalidInput) as caught:
        register(uow, kind="industry", enterprise_id="p-unknown")
    assert "enterprise_id" in caught.value.errors
    assert uow.records.mentors == {}
    assert uow.emitted == []


def test_a_new_mentor_takes_the_vacant_slots_they_fit(uow):
    enrol(uow, "s-1")
    tutor_slot = apprentice_slot_id("s-1", "college_tutor")
    mentor_slot = apprentice_slot_id("s-1", "enterprise_mentor")
    assert uow.records.slots[tutor_slot]["status"] == "vacant"
    teacher = register(uow, load_limit=3)
    assert uow.records.slots[tutor_slot]["mentor_id"] == teacher["_id"]
    assert (teacher["spare_load"], teacher["active_load"]) == (2, 1)
    assert uow.records.slots[mentor_slot]["status"] == "vacant"  # a teacher does not fit
    expert = register(uow, kind="industry", enterprise_id=ENTERPRISE, name="李强")
    assert uow.records.slots[mentor_slot]["mentor_id"] == expert["_id"]
    assert [(e["role"], e["mentor_id"]) for e in uow.events("mentor_assigned")] == [
        ("college_tutor", teacher["_id"]), ("enterprise_mentor", expert["_id"])]


def test_a_mentor_who_leaves_has_their_assignments_flagged(uow):
    teacher = register(uow)
    enrol(uow, "s-1")
    workflows.mentor_leaves(uow, teacher["_id"], "调任其他岗位")
    slot = uow.records.slots[apprentice_slot_id("s-1", "college_tutor")]
    assert slot["status"] == "needs_reassignment"
    assert uow.records.mentors[teacher["_id"]]["status"] == "left"
    assert [e["reason"] for e in uow.events("assignment_needs_reassignment")] == [
        "mentor 张伟 left: 调任其他岗位"]
    assert uow.events("mentor_left")[0]["mentor_id"] == teacher["_id"]
    with pytest.raises(Conflict):
        workflows.mentor_leaves(uow, teacher["_id"], "again")


# assignments --------------------------------------------------------------

def test_an_assignment_by_hand_holds_the_load_limit_and_releases_the_one_it_replaces(uow):
    enrol(uow, "s-1")
    enrol(uow, "s-2")
    first = register(uow, load_limit=2, name="张伟")  # takes both tutor slots
    second = register(uow, load_limit=1, name="刘芳")
    slot_1 = apprentice_slot_id("s-1", "college_tutor")
    slot_2 = apprentice_slot_id("s-2", "college_tutor")
    assignment = workflows.assign_by_hand(uow, slot_1, second["_id"])
    assert assignment["mentor_id"] == second["_id"]
    assert uow.records.slots[slot_1]["assignment_id"] == assignment["_id"]
    assert [e["mentor_id"] for e in uow.events("mentor_released")] == [first["_id"]]
    assert uow.records.mentors[first["_id"]]["spare_load"] == 1  # given back
    with pytest.raises(Conflict) as caught:
        workflows.assign_by_hand(uow, slot_2, second["_id"])
    assert caught.value.extra == {"load_limit": 1}
    with pytest.raises(Conflict, match="already holds"):
        workflows.assign_by_hand(uow, slot_1, second["_id"])
    with pytest.raises(NotFound):
        workflows.assign_by_hand(uow, "apprentice:nobody:college_tutor", second["_id"])


def test_a_released_assignment_leaves_its_slot_vacant(uow):
    enrol(uow, "s-1")
    teacher = register(uow)
    slot_id = apprentice_slot_id("s-1", "college_tutor")
    assignment_id = uow.records.slots[slot_id]["assignment_id"]
    released = workflows.release_assignment(uow, assignment_id, "学生转专业")
    assert released["status"] == "released"
    assert uow.records.slots[slot_id]["status"] == "vacant"
    assert uow.records.mentors[teacher["_id"]]["active_load"] == 0
    with pytest.raises(Conflict):
        workflows.release_assignment(uow, assignment_id, "again")


def test_an_apprentice_who_withdraws_frees_their_mentors_and_closes_their_slots(uow):
    teacher = register(uow)
    enrol(uow, "s-1")
    workflows.apprenticeship_ended(uow, "s-1", "the apprentice withdrew")
    assert {slot["status"] for slot in uow.records.slots.values()} == {"closed"}
    assert uow.records.apprentices["s-1"]["enrolled"] is False
    assert uow.records.mentors[teacher["_id"]]["active_load"] == 0
    assert [e["reason"] for e in uow.events("mentor_released")] == ["the apprentice withdrew"]


# secondments --------------------------------------------------------------

def test_a_secondment_is_planned_started_and_completed_on_its_dates(uow):
    teacher = register(uow)
    secondment = plan(uow, teacher["_id"], "2027-03-01", "2027-08-30")
    assert secondment["status"] == "planned"
    assert secondment["mentor_name"] == "张伟"
    assert uow.records.mentors[teacher["_id"]]["host_enterprise_ids"] == [ENTERPRISE]
    assert [e["secondment_id"] for e in uow.events("secondment_planned")] == [secondment["_id"]]

    assert workflows.advance_secondment(uow, secondment["_id"], date(2027, 3, 1), RULE) == \
        ["active"]
    assert uow.records.secondments[secondment["_id"]]["active_on"] == "2027-03-01"
    assert uow.events("secondment_started")[0]["secondment_id"] == secondment["_id"]
    # a teacher's placement counts in the hosting enterprise's ledger, for its term
    assert uow.records.ledger["%s:2027-spring" % ENTERPRISE]["teacher_placements_hosted"] == 1
    assert workflows.advance_secondment(uow, secondment["_id"], date(2027, 3, 2), RULE) == []

    assert workflows.advance_secondment(uow, secondment["_id"], date(2027, 8, 30), RULE) == \
        ["completed"]
    assert uow.records.secondments[secondment["_id"]]["status"] == "completed"
    assert uow.events("secondment_completed")[0]["secondment_id"] == secondment["_id"]


def test_a_secondment_whose_period_has_passed_is_recorded_completed(uow):
    teacher = register(uow)
    secondment = plan(uow, teacher["_id"], "2026-03-01", "2026-06-30")
    assert secondment["status"] == "completed"
    assert [type_ for type_, _ in uow.emitted if type_.startswith("secondment_")] == [
        "secondment_planned", "secondment_started", "secondment_completed"]


def test_a_mentor_is_on_one_secondment_at_a_time_and_a_cancelled_one_frees_the_period(uow):
    teacher = register(uow)
    first = plan(uow, teacher["_id"], "2027-03-01", "2027-08-30")
    with pytest.raises(Conflict) as caught:
        plan(uow, teacher["_id"], "2027-08-01", "2027-12-31", enterprise_id=OTHER_ENTERPRISE)
    assert caught.value.extra == {"secondment_id": first["_id"]}
    cancelled = workflows.cancel_secondment(uow, first["_id"], "企业项目暂停", TODAY, RULE)
    assert cancelled["status"] == "cancelled"
    assert uow.events("secondment_cancelled")[0]["secondment_id"] == first["_id"]
    # the enterprise no longer hosts the teacher
    assert uow.records.mentors[teacher["_id"]]["host_enterprise_ids"] == []
    plan(uow, teacher["_id"], "2027-08-01", "2027-12-31", enterprise_id=OTHER_ENTERPRISE)
    with pytest.raises(Conflict):
        workflows.cancel_secondment(uow, first["_id"], "again", TODAY, RULE)


def test_an_inward_secondment_brings_the_enterprises_own_expert(uow):
    teacher = register(uow)
    expert = register(uow, kind="industry", enterprise_id=ENTERPRISE, name="李强")
    with pytest.raises(InvalidInput):
        plan(uow, teacher["_id"], "2027-03-01", "2027-06-30", direction="inward")
    with pytest.raises(InvalidInput):
        plan(uow, expert["_id"], "2027-03-01", "2027-06-30", direction="inward",
             enterprise_id=OTHER_ENTERPRISE)
    secondment = plan(uow, expert["_id"], "2027-03-01", "2027-06-30", direction="inward")
    assert uow.records.mentors[expert["_id"]]["host_enterprise_ids"] == []
    assert secondment["direction"] == "inward"


def test_assignments_made_during_an_inward_secondment_are_flagged_when_it_ends(uow):
    expert = register(uow, kind="industry", enterprise_id=ENTERPRISE, name="李强")
    secondment = plan(uow, expert["_id"], "2027-01-10", "2027-06-30", direction="inward")
    assert secondment["status"] == "active"
    enrol(uow, "s-1")
    slot_id = apprentice_slot_id("s-1", "enterprise_mentor")
    assignment = uow.records.assignments[uow.records.slots[slot_id]["assignment_id"]]
    assert assignment["secondment_id"] == secondment["_id"]
    workflows.advance_secondment(uow, secondment["_id"], date(2027, 6, 30), RULE)
    assert uow.records.slots[slot_id]["status"] == "needs_reassignment"
    assert uow.events("assignment_needs_reassignment")[0]["reason"] == \
        "secondment %s completed on 2027-06-30" % secondment["_id"]


# timesheets ---------------------------------------------------------------

def log_hours(uow, secondment_id, work_date="2027-03-02", hours=6, actor=None):
    fields = load(NewTimesheetSchema(), {"work_date": work_date, "hours": hours,
                                         "activity": "产线调试带教"})
    return workflows.log_timesheet(uow, secondment_id, fields, actor)


def decide(uow, timesheet_id, decision="approved", reason=None, actor=None):
    payload = {"decision": decision, **({"reason": reason} if reason else {})}
    return workflows.decide_timesheet(uow, timesheet_id, load(TimesheetDecisionSchema(), payload),
                                      "hr.zhizao", actor)


def test_approved_hours_count_on_the_secondment_and_in_the_ledger_once(uow):
    teacher = register(uow)
    secondment = plan(uow, teacher["_id"], "2027-01-10", "2027-06-30")
    timesheet = log_hours(uow, secondment["_id"])
    assert (timesheet["status"], timesheet["term"]) == ("submitted", "2027-spring")
    assert uow.events("timesheet_submitted") == [{
        "timesheet_id": timesheet["_id"], "secondment_id": secondment["_id"],
        "mentor_id": teacher["_id"], "enterprise_id": ENTERPRISE, "direction": "outward",
        "work_date": "2027-03-02", "hours": 6.0}]
    decided = decide(uow, timesheet["_id"])
    assert (decided["status"], decided["decided_by"]) == ("approved", "hr.zhizao")
    assert uow.records.secondments[secondment["_id"]]["approved_hours"] == 6
    assert uow.records.ledger["%s:2027-spring" % ENTERPRISE]["teacher_hours_hosted"] == 6
    assert uow.events("timesheet_decided") == [{
        "timesheet_id": timesheet["_id"], "secondment_id": secondment["_id"],
        "mentor_id": teacher["_id"], "enterprise_id": ENTERPRISE, "direction": "outward",
        "work_date": "2027-03-02", "hours": 6.0, "decision": "approved"}]
    with pytest.raises(Conflict) as caught:
        decide(uow, timesheet["_id"], "rejected", "与课表不符")
    assert caught.value.extra == {"current_status": "approved"}
    assert uow.records.secondments[secondment["_id"]]["approved_hours"] == 6


def test_rejected_hours_do_not_count(uow):
    expert = register(uow, kind="industry", enterprise_id=ENTERPRISE, name="李强")
    secondment = plan(uow, expert["_id"], "2027-01-10", "2027-06-30", direction="inward")
    timesheet = log_hours(uow, secondment["_id"])
    assert decide(uow, timesheet["_id"], "rejected", "与课表不符")["status"] == "rejected"
    assert uow.records.secondments[secondment["_id"]]["approved_hours"] == 0
    assert "mentor_hours_given" not in uow.records.ledger.get(
        "%s:2027-spring" % ENTERPRISE, {})
    ledger = workflows.contribution_ledger(uow.records, ENTERPRISE, {
        "term": None, "offset": 0, "limit": 20})
    assert ledger["total"] == 0


def test_hours_are_logged_within_a_running_secondment(uow):
    teacher = register(uow)
    secondment = plan(uow, teacher["_id"], "2027-03-01", "2027-06-30")
    with pytest.raises(Conflict):
        log_hours(uow, secondment["_id"])  # still planned
    with pytest.raises(NotFound):
        log_hours(uow, "nobody")


# double-qualified ---------------------------------------------------------

def certificate(number="X-2027-000123", level="intermediate", candidate_id=None):
    return {"candidate_id": candidate_id, "candidate_kind": "teacher",
            "certificate_code": "1X-IOT-01", "certificate_number": number, "level": level,
            "issued_on": date(2027, 9, 1), "reason": "作弊"}


def test_a_teacher_becomes_double_qualified_and_loses_it_with_the_certificate(uow):
    teacher = register(uow)
    plan(uow, teacher["_id"], "2026-03-01", "2026-08-30")  # 183 days, completed
    today = date(2027, 9, 1)
    workflows.certificate_issued(uow, certificate(candidate_id=teacher["_id"]), today, RULE)
    stored = uow.records.mentors[teacher["_id"]]
    assert stored["double_qualified"] is True
    assert stored["double_qualified_review_on"] == "2031-03-01"
    changed = uow.events("double_qualified_changed")
    assert [(e["mentor_id"], e["double_qualified"]) for e in changed] == [(teacher["_id"], True)]
    assert [h["trigger"] for h in uow.records.double_qualified_changes.values()] == [
        "intermediate certificate X-2027-000123 issued"]

    workflows.certificate_revoked(uow, certificate(candidate_id=teacher["_id"]), today, RULE)
    assert uow.records.mentors[teacher["_id"]]["double_qualified"] is False
    assert uow.records.mentors[teacher["_id"]]["double_qualified_review_on"] is None
    assert [e["double_qualified"] for e in uow.events("double_qualified_changed")] == [
        True, False]
    status = workflows.double_qualified_status(uow.records, teacher["_id"], today, RULE)
    assert status["practice_days"] == 183
    assert len(status["history"]) == 2


def test_an_industry_qualification_is_a_teachers_credential(uow):
    teacher = register(uow)
    plan(uow, teacher["_id"], "2026-03-01", "2026-08-30")
    mentor = workflows.record_industry_qualification(uow, teacher["_id"], "注册电气工程师",
                                                     date(2027, 9, 1), RULE)
    assert mentor["double_qualified"] is True
    assert "industry qualification 注册电气工程师" in mentor["double_qualified_reason"]
    with pytest.raises(Conflict):
        workflows.record_industry_qualification(uow, teacher["_id"], "注册电气工程师",
                                                date(2027, 9, 1), RULE)


# who sees what ------------------------------------------------------------

def test_another_partys_secondment_does_not_exist_for_it(uow):
    teacher = register(uow)
    secondment = plan(uow, teacher["_id"], "2027-01-10", "2027-06-30")
    timesheet = log_hours(uow, secondment["_id"], actor={"kind": "teacher",
                                                         "mentor_id": teacher["_id"]})
    own = {"kind": "enterprise", "enterprise_id": ENTERPRISE}
    other = {"kind": "enterprise", "enterprise_id": OTHER_ENTERPRISE}
    assert workflows.visible_secondment(uow.records, secondment["_id"], own)["_id"] == \
        secondment["_id"]
    with pytest.raises(NotFound, match="secondment %s does not exist" % secondment["_id"]):
        workflows.visible_secondment(uow.records, secondment["_id"], other)
    with pytest.raises(NotFound, match="secondment"):
        log_hours(uow, secondment["_id"], actor={"kind": "teacher", "mentor_id": "t-other"})
    with pytest.raises(NotFound, match="timesheet %s does not exist" % timesheet["_id"]):
        decide(uow, timesheet["_id"], actor=other)
    assert uow.records.timesheets[timesheet["_id"]]["status"] == "submitted"
    with pytest.raises(NotFound, match="enterprise %s does not exist" % OTHER_ENTERPRISE):
        workflows.contribution_ledger(uow.records, OTHER_ENTERPRISE,
                                      {"term": None, "offset": 0, "limit": 20}, own)


def test_the_seconded_mentor_logs_hours_and_the_host_decides_them(uow):
    teacher = register(uow)
    outward = plan(uow, teacher["_id"], "2027-01-10", "2027-06-30")
    host = {"kind": "enterprise", "enterprise_id": ENTERPRISE}
    college = {"kind": "staff", "username": "coordinator"}
    with pytest.raises(Forbidden, match="only the seconded mentor logs hours"):
        log_hours(uow, outward["_id"], actor=host)
    timesheet = log_hours(uow, outward["_id"], actor={"kind": "teacher",
                                                      "mentor_id": teacher["_id"]})
    with pytest.raises(Forbidden, match="the host enterprise approves"):
        decide(uow, timesheet["_id"], actor=college)
    assert uow.records.timesheets[timesheet["_id"]]["status"] == "submitted"
    assert decide(uow, timesheet["_id"], actor=host)["status"] == "approved"

    expert = register(uow, kind="industry", enterprise_id=ENTERPRISE, name="李强")
    inward = plan(uow, expert["_id"], "2027-01-10", "2027-06-30", direction="inward")
    hours = log_hours(uow, inward["_id"], actor=college)  # the college's managers may
    with pytest.raises(Forbidden, match="the college approves hours its guests work"):
        decide(uow, hours["_id"], actor=host)
    assert decide(uow, hours["_id"], actor=college)["status"] == "approved"


def test_an_apprentices_mentors_are_seen_by_the_apprentice_and_their_employer(uow):
    enrol(uow, "s-1")
    view = workflows.apprentice_mentors(uow.records, "s-1", {"kind": "student",
                                                             "student_id": "s-1"})
    assert view["enterprise_id"] == ENTERPRISE
    assert view["college_tutor"]["status"] == "vacant"
    workflows.apprentice_mentors(uow.records, "s-1", {"kind": "enterprise",
                                                      "enterprise_id": ENTERPRISE})
    for actor in ({"kind": "student", "student_id": "s-2"},
                  {"kind": "enterprise", "enterprise_id": OTHER_ENTERPRISE}):
        with pytest.raises(NotFound, match="apprentice s-1 does not exist"):
            workflows.apprentice_mentors(uow.records, "s-1", actor)
