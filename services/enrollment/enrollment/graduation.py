"""Graduation rules, free of broker and database.

A programme's completion requirements are versioned: each version names the
date from which it applies (``effective_from``), and a student is held to the
version in force on the day they enrolled, so a cohort keeps the rule it
started under when the programme later changes it. A student enrolled before
the programme had any requirement is held to its first version.

What a student has achieved is learnt from the other services' events, one
record per fact with an id derived from it (a credit grant, a certificate, a
placement, a student's grade on a project): credits from the credit bank,
certificates held, hours of finished placements, grades of completed projects.
A reversed grant or a revoked certificate is kept, marked ``withdrawn``, so
that an earlier event delivered late cannot bring it back.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from college_platform.errors import Conflict

Document = dict[str, Any]

LEVELS = ("junior", "intermediate", "senior")  # a higher level meets a lower requirement
# only an active student graduates: never a withdrawn one, a suspended one after resuming
MAY_GRADUATE = "active"


def requirements_id(programme_id: str, version: int) -> str:
    return "%s:v%d" % (programme_id, version)


def requirements_in_force(versions: Iterable[Document], enrolled_on: str) -> Document | None:
    """The version a student enrolled on ``enrolled_on`` (ISO date) is held
    to: the latest one in force that day, else the programme's first."""
    ordered = sorted(versions, key=lambda version: version["version"])
    if not ordered:
        return None
    in_force = [v for v in ordered if v["effective_from"] <= enrolled_on]
    return in_force[-1] if in_force else ordered[0]


def held_to_another_version(students: Iterable[Document], before: list[Document],
                            after: list[Document]) -> list[str]:
    """The students whose version in force a new version changes (whose
    graduation progress, and view, it changes)."""
    def version_of(versions: list[Document], student: Document) -> int | None:
        found = requirements_in_force(versions, student["enrolled_on"])
        return found["version"] if found else None
    return [student["_id"] for student in students
            if version_of(before, student) != version_of(after, student)]


def new_requirements(programme_id: str, version: int, fields: Document, set_by: str,
                     today: date, now: Any) -> Document:
    effective_from = fields.get("effective_from") or today
    return {"_id": requirements_id(programme_id, version), "programme_id": programme_id,
            "version": version, "effective_from": effective_from.isoformat(),
            "credits": fields["credits"], "certificates": fields["certificates"],
            "placement_hours": fields["placement_hours"], "projects": fields["projects"],
            "note": fields.get("note"), "set_by": set_by, "set_at": now}


# -- what a student has achieved ------------------------------------------------------------

def credit_grant(data: Document) -> Document:
    """One grant, and its reversal under the same id. A grant made again after
    its reversal (a rule changed, an award corrected back) is a new fact: its
    time is part of the id, or the reversal's mark would hide it."""
    grant_id = data["grant_id"]
    if data.get("granted_at"):
        grant_id += "@" + data["granted_at"]
    return {"_id": "credit:" + grant_id, "student_id": data["student_id"],
            "kind": "credits", "credits": data["credits"],
            "certificate_number": data["certificate_number"]}


def certificate_held(data: Document) -> Document:
    return {"_id": "certificate:" + data["certificate_number"],
            "student_id": data["candidate_id"], "kind": "certificate",
            "code": data["certificate_code"], "level": data["level"]}


def placement_finished(data: Document) -> Document:
    return {"_id": "placement:" + data["placement_id"], "student_id": data["student_id"],
            "kind": "placement", "hours": data["hours"]}


def project_grades(data: Document) -> list[Document]:
    return [{"_id": "project:%s:%s" % (data["project_id"], grade["student_id"]),
             "student_id": grade["student_id"], "kind": "project", "grade": grade["grade"]}
            for grade in data["grades"]]


def withdrawn(achievement: Document) -> Document:
    """The mark a reversal leaves, whether or not the fact arrived first."""
    return {"_id": achievement["_id"], "student_id": achievement["student_id"],
            "kind": achievement["kind"], "withdrawn": True}


def totals(achievements: Iterable[Document]) -> Document:
    """What a student has, from their achievements (withdrawn ones aside)."""
    held: dict[str, int] = {}
    summary: Document = {"credits": 0.0, "certificates": held, "placement_hours": 0.0,
                         "project_grades": []}
    for achievement in achievements:
        if achievement.get("withdrawn"):
            continue
        kind = achievement["kind"]
        if kind == "credits":
            summary["credits"] += achievement["credits"]
        elif kind == "certificate":
            rank = LEVELS.index(achievement["level"])
            held[achievement["code"]] = max(rank, held.get(achievement["code"], -1))
        elif kind == "placement":
            summary["placement_hours"] += achievement["hours"]
        elif kind == "project":
            summary["project_grades"].append(achievement["grade"])
    return summary


# -- the check ------------------------------------------------------------------------------

def _more(amount: float, noun: str, after: str = "") -> str:
    """e.g. "2.5 more credits", "1 more credit", "1 more project graded 60 or above"."""
    return "%g more %s%s%s" % (amount, noun, "" if amount == 1 else "s", after)


def _requirement(name: str, needed: Any, has: Any, met: bool, missing: str | None) -> Document:
    return {"requirement": name, "needed": needed, "has": has, "met": met,
            "missing": None if met else missing}


def requirement_results(requirements: Document, has: Document) -> list[Document]:
    """Each requirement of ``requirements`` with what the student has of it."""
    results = [
        _requirement("credits", requirements["credits"], round(has["credits"], 2),
                     has["credits"] >= requirements["credits"],
                     _more(requirements["credits"] - has["credits"], "credit")),
        _requirement("placement_hours", requirements["placement_hours"],
                     round(has["placement_hours"], 2),
                     has["placement_hours"] >= requirements["placement_hours"],
                     _more(requirements["placement_hours"] - has["placement_hours"],
                           "placement hour")),
    ]
    for certificate in requirements["certificates"]:
        held = has["certificates"].get(certificate["code"], -1)
        name = "%s (%s)" % (certificate["code"], certificate["level"])
        results.append(_requirement(
            "certificate", name, LEVELS[held] if held >= 0 else None,
            held >= LEVELS.index(certificate["level"]), "the certificate %s" % name))
    projects = requirements["projects"]
    passed = sum(1 for grade in has["project_grades"] if grade >= projects["min_grade"])
    results.append(_requirement(
        "projects", projects["count"], passed, passed >= projects["count"],
        _more(projects["count"] - passed, "enterprise project",
              " graded %g or above" % projects["min_grade"])))
    return results


def graduation_check(student: Document, requirements: Document | None,
                     achievements: Iterable[Document]) -> Document:
    """Per student: what is met, what is missing, and whether they may
    graduate now (an active student meeting every requirement)."""
    check: Document = {"student_id": student["_id"], "student_number": student["student_number"],
                       "name": student["name"], "status": student["status"],
                       "intake_year": student.get("intake_year"),
                       "requirements_version": requirements and requirements["version"]}
    if requirements is None:
        return {**check, "eligible": False, "requirements": [],
                "missing": ["the programme has no graduation requirements yet"]}
    results = requirement_results(requirements, totals(achievements))
    missing = [result["missing"] for result in results if not result["met"]]
    if student["status"] != MAY_GRADUATE:
        missing.insert(0, status_problem(student["status"]))
    return {**check, "eligible": not missing, "requirements": results, "missing": missing}


def status_problem(status: str) -> str:
    if status == "graduated":
        return "already graduated"
    if status == "suspended":
        return "suspended: graduates only after resuming"
    return "%s students do not graduate" % status


def check_may_graduate(check: Document) -> None:
    if not check["eligible"]:
        raise Conflict("the student does not meet the graduation requirements: %s"
                       % "; ".join(check["missing"]), missing=check["missing"])
