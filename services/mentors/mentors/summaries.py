"""The mentors service's parts of the aggregated views and its indicator
facts (docs/views.md), shaped from stored documents; no broker, no database."""
from datetime import date, datetime

from college_platform.summaries import Facts, put_capped
from college_platform.terms import term_of
from mentors.domain import FILLED, NEEDS_REASSIGNMENT

# a slot whose mentor still holds it (flagged ones until someone takes over)
HELD = (FILLED, NEEDS_REASSIGNMENT)
SLOT_PART = {"college_tutor": "school", "enterprise_mentor": "industry"}


def iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def student_part(slots, assignments):
    """An apprentice's mentors from their slots and the assignments holding
    them (``assignments`` maps ids to assignments)."""
    mentors = {"school": None, "industry": None,
               "needs_reassignment": any(s["status"] == NEEDS_REASSIGNMENT for s in slots)}
    for slot in slots:
        name = SLOT_PART.get(slot["role"])
        assignment = assignments.get(slot.get("assignment_id"))
        if name is None or slot["status"] not in HELD or assignment is None:
            continue
        holder = {"mentor_id": assignment["mentor_id"], "name": assignment.get("mentor_name"),
                  "since": iso(assignment.get("created_at"))}
        if name == "industry":
            holder["enterprise_id"] = assignment.get("enterprise_id") or slot.get("enterprise_id")
        mentors[name] = holder
    return {"mentors": mentors}


def approved_hours(secondment):
    return float(secondment.get("approved_hours") or 0.0)


def enterprise_part(mentors, secondments):
    """A partner's part: its industry mentors with the hours approved on
    their inward secondments, the teachers it hosts (outward secondments)
    and its mentor hours in all."""
    inward = [s for s in secondments if s["direction"] == "inward"]
    hours_by_mentor = {}
    for secondment in inward:
        hours_by_mentor[secondment["mentor_id"]] = \
            hours_by_mentor.get(secondment["mentor_id"], 0.0) + approved_hours(secondment)
    part = {}
    put_capped(part, "mentors", [
        {"mentor_id": m["_id"], "name": m["name"], "status": m["status"],
         "hours": hours_by_mentor.get(m["_id"], 0.0)}
        for m in sorted(mentors, key=lambda m: iso(m.get("created_at")) or "", reverse=True)])
    hosted = sorted((s for s in secondments if s["direction"] == "outward"),
                    key=lambda s: (s["starts_on"], iso(s.get("created_at")) or ""), reverse=True)
    put_capped(part, "hosted_teachers", [
        {"secondment_id": s["_id"], "teacher_id": s["mentor_id"], "name": s.get("mentor_name"),
         "starts_on": s["starts_on"], "ends_on": s["ends_on"], "status": s["status"]}
        for s in hosted])
    part["contribution"] = {"mentor_hours": sum(approved_hours(s) for s in inward)}
    return part


def indicator_facts(teachers, held_apprentice_slots, apprentices, approved_inward_timesheets):
    """The mentors service's facts. Counts as of now have no term:
    ``teachers_professional`` (active teachers), ``teachers_double_qualified``
    (those of them double-qualified), ``apprentices_with_both_mentors``
    (enrolled apprentices whose college tutor and enterprise mentor slots are
    both filled, per programme and employer). ``mentor_hours`` are the
    approved timesheet hours of enterprise experts on inward secondments,
    per enterprise and term of the work date."""
    facts = Facts()
    for teacher in teachers:
        facts.add("teachers_professional")
        if teacher.get("double_qualified"):
            facts.add("teachers_double_qualified")
    filled_roles, employer = {}, {}
    for slot in held_apprentice_slots:
        if slot["status"] == FILLED:
            filled_roles.setdefault(slot["student_id"], set()).add(slot["role"])
            if slot["role"] == "enterprise_mentor":
                employer[slot["student_id"]] = slot.get("enterprise_id")
    for student_id, roles in filled_roles.items():
        apprentice = apprentices.get(student_id)
        if set(SLOT_PART) <= roles and apprentice and apprentice.get("enrolled"):
            facts.add("apprentices_with_both_mentors",
                      programme_id=apprentice.get("programme_id"),
                      enterprise_id=employer[student_id])
    for timesheet in approved_inward_timesheets:
        facts.add("mentor_hours", float(timesheet["hours"]), term=term_of(timesheet["work_date"]),
                  enterprise_id=timesheet["enterprise_id"])
    return facts.rows()
