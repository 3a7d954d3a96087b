"""The mentors service's read-model parts and indicator facts, without broker or database."""
from datetime import datetime, timezone

from mentors import summaries

SINCE = datetime(2027, 9, 2, 9, 0, tzinfo=timezone.utc)


def slot(student_id, role, status="filled", assignment_id=None, enterprise_id=None):
    return {"_id": "apprentice:%s:%s" % (student_id, role), "student_id": student_id,
            "role": role, "status": status, "assignment_id": assignment_id,
            "enterprise_id": enterprise_id}


def assignment(assignment_id, mentor_id, name, enterprise_id=None):
    return {"_id": assignment_id, "mentor_id": mentor_id, "mentor_name": name,
            "enterprise_id": enterprise_id, "created_at": SINCE}


def test_an_apprentice_with_both_mentors_shows_who_and_since_when():
    slots = [slot("s-1", "college_tutor", assignment_id="as-1"),
             slot("s-1", "enterprise_mentor", assignment_id="as-2", enterprise_id="p-1")]
    assignments = {"as-1": assignment("as-1", "m-t", "张伟"),
                   "as-2": assignment("as-2", "m-i", "李强", "p-1")}
    assert summaries.student_part(slots, assignments) == {"mentors": {
        "school": {"mentor_id": "m-t", "name": "张伟", "since": "2027-09-02T09:00:00+00:00"},
        "industry": {"mentor_id": "m-i", "name": "李强", "enterprise_id": "p-1",
                     "since": "2027-09-02T09:00:00+00:00"},
        "needs_reassignment": False}}


def test_a_mentor_who_left_is_still_shown_until_replaced_and_flagged():
    slots = [slot("s-1", "college_tutor", "needs_reassignment", assignment_id="as-1"),
             slot("s-1", "enterprise_mentor", "vacant", enterprise_id="p-1")]
    part = summaries.student_part(slots, {"as-1": assignment("as-1", "m-t", "张伟")})
    assert part["mentors"]["school"]["mentor_id"] == "m-t"
    assert part["mentors"]["industry"] is None
    assert part["mentors"]["needs_reassignment"] is True


def test_an_apprentice_who_left_has_no_mentors():
    slots = [slot("s-1", "college_tutor", "closed"), slot("s-1", "enterprise_mentor", "closed")]
    assert summaries.student_part(slots, {}) == {"mentors": {
        "school": None, "industry": None, "needs_reassignment": False}}


def secondment(secondment_id, direction, mentor_id, hours, starts_on="2027-03-01",
               status="completed"):
    return {"_id": secondment_id, "direction": direction, "mentor_id": mentor_id,
            "mentor_name": "name of %s" % mentor_id, "approved_hours": hours,
            "starts_on": starts_on, "ends_on": "2027-06-30", "status": status}


def test_an_enterprise_part_adds_its_experts_approved_hours():
    mentors = [{"_id": "m-1", "name": "李强", "status": "active", "created_at": SINCE},
               {"_id": "m-2", "name": "王芳", "status": "left", "created_at": SINCE}]
    secondments = [secondment("sec-1", "inward", "m-1", 6.0),
                   secondment("sec-2", "inward", "m-1", 4.5, starts_on="2027-09-01"),
                   secondment("sec-3", "outward", "t-1", 640.0, status="active")]
    part = summaries.enterprise_part(mentors, secondments)
    assert {(m["mentor_id"], m["status"], m["hours"]) for m in part["mentors"]} == {
        ("m-1", "active", 10.5), ("m-2", "left", 0.0)}
    assert part["hosted_teachers"] == [{
        "secondment_id": "sec-3", "teacher_id": "t-1", "name": "name of t-1",
        "starts_on": "2027-03-01", "ends_on": "2027-06-30", "status": "active"}]
    assert part["contribution"] == {"mentor_hours": 10.5}


def facts_of(rows):
    return {(r["metric"], r["term"], r["programme_id"], r["enterprise_id"]): r["value"]
            for r in rows}


def test_facts_count_teachers_apprentices_with_both_mentors_and_hours_by_term():
    teachers = [{"double_qualified": True}, {"double_qualified": False},
                {"double_qualified": None}]
    slots = [slot("s-1", "college_tutor"), slot("s-1", "enterprise_mentor", enterprise_id="p-1"),
             slot("s-2", "college_tutor"),  # the enterprise mentor is missing
             slot("s-3", "college_tutor"), slot("s-3", "enterprise_mentor",
                                                "needs_reassignment", enterprise_id="p-1")]
    apprentices = {sid: {"_id": sid, "programme_id": "prog-1", "enrolled": True}
                   for sid in ("s-1", "s-2", "s-3")}
    timesheets = [{"hours": 6.0, "work_date": "2027-02-26", "enterprise_id": "p-1"},
                  {"hours": 4.0, "work_date": "2027-03-01", "enterprise_id": "p-1"},
                  {"hours": 2.5, "work_date": "2027-03-02", "enterprise_id": "p-1"}]

    facts = facts_of(summaries.indicator_facts(teachers, slots, apprentices, timesheets))

    assert facts == {
        ("teachers_professional", None, None, None): 3,
        ("teachers_double_qualified", None, None, None): 1,
        ("apprentices_with_both_mentors", None, "prog-1", "p-1"): 1,
        # the college's terms: February still belongs to the autumn term
        ("mentor_hours", "2026-autumn", None, "p-1"): 6.0,
        ("mentor_hours", "2027-spring", None, "p-1"): 6.5,
    }
