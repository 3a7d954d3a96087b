"""A graduate's first destination and the 6- and 12-month retention checks
(``enrollment.destinations`` holds the rules)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from college_platform.errors import PermanentEventError
from enrollment import destinations
from enrollment.workflows import surveys
from enrollment.workflows.common import Document, emit, records


def record_destination(uow: Any, student_id: str, fields: Document, now: datetime) -> Document:
    """Announces ``destination_recorded``."""
    store = records(uow)
    student = store.student(student_id)
    if fields.get("enterprise_id"):
        store.partner(fields["enterprise_id"])
    destination = destinations.new_destination(student, fields, fields["actor"], now)
    stored = store.record_destination(student, destination)
    surveys.schedule(uow, stored, now)
    emit(uow, "destination_recorded", {
        "student_id": student_id, "programme_id": student["programme_id"],
        "partner_id": student.get("partner_id"), "outcome": destination["outcome"],
        "enterprise_id": destination["enterprise_id"],
        "started_on": destination["started_on"]})
    return stored


def record_retention(uow: Any, student_id: str, fields: Document, today: date,
                     now: datetime) -> Document:
    """Announces ``retention_recorded``."""
    store = records(uow)
    student = store.student(student_id)
    check = destinations.new_retention(student, fields, today, fields["actor"], now)
    return announce_retention(uow, student, fields["months"], check)


def announce_retention(uow: Any, student: Document, months: int, check: Document) -> Document:
    store = records(uow)
    stored = store.record_retention(student, months, check)
    emit(uow, "retention_recorded", {
        "student_id": student["_id"], "programme_id": student["programme_id"],
        "partner_id": student.get("partner_id"),
        "enterprise_id": student["destination"]["enterprise_id"],
        "months": months, "still_employed": check["still_employed"]})
    return stored


# -- what enterprise systems report (through the projects service's inbound contract) --------

def reporter(enterprise_id: str) -> str:
    return "enterprise-system:%s" % enterprise_id


def reported_hire(uow: Any, data: Document, now: datetime) -> None:
    """The graduate's destination, as their employer's system reported it."""
    student = records(uow).student(data["student_id"])
    if student["status"] != "graduated":  # projects checked it; the student changed since
        raise PermanentEventError("a hire of %s, who is %s, is not recorded"
                                  % (student["_id"], student["status"]))
    record_destination(uow, student["_id"], {
        "kind": "hired", "enterprise_id": data["enterprise_id"], "position": data["position"],
        "started_on": data["started_on"],
        "actor": reporter(data["enterprise_id"])}, now)


def reported_departure(uow: Any, data: Document, now: datetime) -> None:
    """The graduate left their employer: the retention checks falling due
    after it are answered "no longer employed"."""
    store = records(uow)
    student = store.student(data["student_id"])
    destination = student.get("destination") or {}
    if destination.get("enterprise_id") != data["enterprise_id"] or not \
            destination["outcome"].startswith("hired"):
        raise PermanentEventError("%s reported a departure of %s, whom it does not employ"
                                  % (data["enterprise_id"], student["_id"]))
    left_on = data["left_on"]
    for months in destinations.checks_a_departure_answers(
            destination, student.get("retention") or {}, left_on):
        student = announce_retention(uow, student, months, {
            "still_employed": False, "checked_on": left_on.isoformat(),
            "note": data.get("reason"), "recorded_by": reporter(data["enterprise_id"]),
            "recorded_at": now})
