"""Graduation rules, without broker or database."""
from datetime import date

import pytest

from college_platform.errors import Conflict
from enrollment import graduation

REQUIREMENTS = {"version": 1, "effective_from": "2027-01-01", "credits": 10,
                "placement_hours": 100, "projects": {"count": 1, "min_grade": 60},
                "certificates": [{"code": "CNC-1X", "level": "intermediate"}]}
STUDENT = {"_id": "s1", "student_number": "2027-OC-EV-0001", "name": "李明",
           "status": "active", "intake_year": 2027, "enrolled_on": "2027-09-01"}


def achieved(credits=10, hours=100, level="intermediate", grade=60):
    return [{"_id": "credit:g1", "kind": "credits", "credits": credits},
            {"_id": "placement:p1", "kind": "placement", "hours": hours},
            {"_id": "certificate:c1", "kind": "certificate", "code": "CNC-1X", "level": level},
            {"_id": "project:x:s1", "kind": "project", "grade": grade}]


def test_a_student_meeting_every_requirement_may_graduate():
    check = graduation.graduation_check(STUDENT, REQUIREMENTS, achieved())
    assert check["eligible"] and check["missing"] == []
    assert [r["met"] for r in check["requirements"]] == [True, True, True, True]


def test_each_shortfall_is_named_with_how_much_is_missing():
    check = graduation.graduation_check(STUDENT, REQUIREMENTS, achieved(
        credits=7.5, hours=40, level="junior", grade=59))
    assert not check["eligible"]
    assert check["missing"] == ["2.5 more credits", "60 more placement hours",
                                "the certificate CNC-1X (intermediate)",
                                "1 more enterprise project graded 60 or above"]
    certificate = check["requirements"][2]
    assert (certificate["needed"], certificate["has"]) == ("CNC-1X (intermediate)", "junior")


def test_a_higher_level_meets_a_lower_requirement():
    assert graduation.graduation_check(STUDENT, REQUIREMENTS, achieved(level="senior"))[
        "eligible"]


def test_withdrawn_facts_do_not_count():
    facts = achieved() + [{"_id": "credit:g2", "kind": "credits", "withdrawn": True}]
    facts[0] = {**facts[0], "withdrawn": True}
    check = graduation.graduation_check(STUDENT, REQUIREMENTS, facts)
    assert check["missing"] == ["10 more credits"]


@pytest.mark.parametrize("status, problem", [
    ("suspended", "suspended: graduates only after resuming"),
    ("withdrawn", "withdrawn students do not graduate"),
    ("graduated", "already graduated")])
def test_only_an_active_student_graduates(status, problem):
    check = graduation.graduation_check({**STUDENT, "status": status}, REQUIREMENTS, achieved())
    assert not check["eligible"] and check["missing"] == [problem]
    with pytest.raises(Conflict):
        graduation.check_may_graduate(check)


def test_a_programme_without_requirements_graduates_nobody():
    check = graduation.graduation_check(STUDENT, None, achieved())
    assert not check["eligible"] and check["requirements_version"] is None


def test_a_cohort_keeps_the_version_in_force_when_it_enrolled():
    versions = [{"version": 1, "effective_from": "2027-06-01"},
                {"version": 2, "effective_from": "2028-06-01"},
                {"version": 3, "effective_from": "2029-06-01"}]
    assert graduation.requirements_in_force(versions, "2027-09-01")["version"] == 1
    assert graduation.requirements_in_force(versions, "2028-09-01")["version"] == 2
    assert graduation.requirements_in_force(versions, "2030-09-01")["version"] == 3
    # enrolled before the programme had any: held to its first
    assert graduation.requirements_in_force(versions, "2026-09-01")["version"] == 1
    assert graduation.requirements_in_force([], "2027-09-01") is None


def test_new_requirements_apply_from_today_unless_told():
    fields = {"credits": 1, "placement_hours": 0, "certificates": [],
              "projects": {"count": 0, "min_grade": 0}, "effective_from": None}
    made = graduation.new_requirements("prog", 2, fields, "registrar", date(2027, 3, 4), None)
    assert (made["_id"], made["effective_from"]) == ("prog:v2", "2027-03-04")


def test_each_fact_has_an_id_of_its_own_so_a_redelivery_is_the_same_fact():
    grades = graduation.project_grades({"project_id": "x", "grades": [
        {"student_id": "s1", "grade": 80}, {"student_id": "s2", "grade": 50}]})
    assert [g["_id"] for g in grades] == ["project:x:s1", "project:x:s2"]
    grant = graduation.credit_grant({"grant_id": "g", "student_id": "s1", "credits": 2,
                                     "certificate_number": "N"})
    assert graduation.withdrawn(grant) == {"_id": "credit:g", "student_id": "s1",
                                           "kind": "credits", "withdrawn": True}


def test_a_grant_made_again_after_its_reversal_is_a_fact_of_its_own():
    first = {"grant_id": "g", "student_id": "s1", "credits": 2, "certificate_number": "N",
             "granted_at": "2029-06-01T08:00:00.123Z"}
    again = {**first, "granted_at": "2029-07-01T08:00:00.000Z"}
    reversal = graduation.withdrawn(graduation.credit_grant(first))
    assert reversal["_id"] == graduation.credit_grant(first)["_id"]
    assert graduation.credit_grant(again)["_id"] != reversal["_id"]


def test_a_new_version_changes_the_progress_of_whom_it_now_holds():
    students = [{"_id": "old", "enrolled_on": "2027-09-01"},
                {"_id": "new", "enrolled_on": "2028-09-01"}]
    first = [{"version": 1, "effective_from": "2027-06-01"}]
    assert graduation.held_to_another_version(students, [], first) == ["old", "new"]
    second = first + [{"version": 2, "effective_from": "2028-06-01"}]
    assert graduation.held_to_another_version(students, first, second) == ["new"]
    later = second + [{"version": 3, "effective_from": "2999-01-01"}]
    assert graduation.held_to_another_version(students, second, later) == []
