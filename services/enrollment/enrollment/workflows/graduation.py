"""Graduation: a programme's versioned completion requirements, the check of
a cohort against them, and the registrar's confirmation, one student at a
time (``enrollment.graduation`` holds the rules)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from college_platform.envelope import utcnow
from enrollment import graduation
from enrollment.workflows.common import (
    Actor,
    Document,
    announce_status_change,
    emit,
    records,
    visible_student,
)


def set_requirements(uow: Any, programme_id: str, fields: Document, set_by: str,
                     today: date) -> Document:
    """A new version of the programme's requirements; earlier ones stay, held
    by the students enrolled while they were in force."""
    store = records(uow)
    store.programme(programme_id)
    versions = store.graduation_requirements(programme_id)
    version = versions[-1]["version"] + 1 if versions else 1
    requirements = graduation.new_requirements(programme_id, version, fields, set_by, today,
                                               utcnow())
    store.add_graduation_requirements(requirements)
    emit(uow, "graduation_requirements_set", {
        "programme_id": programme_id, "version": version,
        "effective_from": requirements["effective_from"],
        "student_ids": graduation.held_to_another_version(
            store.students_of_programme(programme_id), versions, versions + [requirements])})
    return requirements


def requirement_versions(uow: Any, programme_id: str) -> list[Document]:
    store = records(uow)
    store.programme(programme_id)
    return list(reversed(store.graduation_requirements(programme_id)))


def checks_of_students(uow: Any, students: list[Document]) -> list[Document]:
    """Each student's check against their programme's requirements."""
    versions = records(uow).requirements_of_programmes(
        list({student["programme_id"] for student in students}))
    achievements = records(uow).achievements_of([student["_id"] for student in students])
    return [graduation.graduation_check(
        student, graduation.requirements_in_force(versions.get(student["programme_id"], []),
                                                  student["enrolled_on"]),
        achievements[student["_id"]]) for student in students]


def programme_check(uow: Any, programme_id: str, query: Document) -> Document:
    """Every student of the programme (of an intake year, a status) with what
    they meet and miss, and how many may graduate now."""
    store = records(uow)
    store.programme(programme_id)
    found = checks_of_students(uow, store.students_of_programme(
        programme_id, query.get("intake_year"), query.get("status")))
    if query.get("eligible") is not None:
        found = [check for check in found if check["eligible"] == query["eligible"]]
    offset, limit = query["offset"], query["limit"]
    return {"items": found[offset:offset + limit], "total": len(found),
            "eligible": sum(1 for check in found if check["eligible"]),
            "offset": offset, "limit": limit}


def student_check(uow: Any, student_id: str, actor: Actor = None) -> Document:
    return checks_of_students(uow, [visible_student(uow, student_id, actor)])[0]


def graduate(uow: Any, programme_id: str, student_id: str, confirmed_by: str,
             now: datetime) -> Document:
    """One student graduated if they are in the programme and meet its
    requirements now (checked again inside the write); announces
    ``enrolment_status_changed`` to ``graduated``."""
    store = records(uow)
    student = store.student(student_id)
    if student["programme_id"] != programme_id:
        return {"student_id": student_id, "graduated": False,
                "missing": ["not a student of this programme"]}
    check = checks_of_students(uow, [student])[0]
    if not check["eligible"]:
        return {**check, "graduated": False}
    store.change_student(student, {"status": "graduated", "graduated_on": now.date().isoformat(),
                                   "graduation_requirements_version":
                                       check["requirements_version"]}, {
        "status": "graduated", "action": "graduate", "reason": "graduated",
        "confirmed_by": confirmed_by, "at": now})
    announce_status_change(uow, student, "graduated", "graduated")
    uow.count("graduations", "Students graduated, by programme kind.",
              programme_kind=student.get("programme_kind"))
    return {**check, "status": "graduated", "graduated": True, "missing": []}


# -- what students achieved, from the other services' events -----------------------------

def remember(store: Any, achievements: list[Document]) -> None:
    if achievements:
        store.remember_achievements(achievements)


def withdraw(store: Any, achievements: list[Document]) -> None:
    if achievements:
        store.withdraw_achievements([graduation.withdrawn(a) for a in achievements])


def students_only(events: list[Document]) -> list[Document]:
    """Certificates are also issued to teachers, who do not graduate."""
    return [data for data in events if data["candidate_kind"] == "student"]
