"""A graduate's first destination and the 6- and 12-month retention checks
(``enrollment.destinations`` holds the rules)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from enrollment import destinations
from enrollment.workflows.common import Document, emit, records


def record_destination(uow: Any, student_id: str, fields: Document, now: datetime) -> Document:
    """Announces ``destination_recorded``."""
    store = records(uow)
    student = store.student(student_id)
    if fields.get("enterprise_id"):
        store.partner(fields["enterprise_id"])
    destination = destinations.new_destination(student, fields, fields["actor"], now)
    stored = store.record_destination(student, destination)
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
    stored = store.record_retention(student, fields["months"], check)
    emit(uow, "retention_recorded", {
        "student_id": student_id, "programme_id": student["programme_id"],
        "partner_id": student.get("partner_id"),
        "enterprise_id": student["destination"]["enterprise_id"],
        "months": fields["months"], "still_employed": fields["still_employed"]})
    return stored
