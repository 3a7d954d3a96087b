"""A graduate's first destination and whether they stay, free of broker and
database.

Staff record where a graduate went first: hired (by the enterprise that
sponsored them, or by another), further study, something else, or not yet
placed; a correction keeps the earlier record in the history. A hired
graduate is checked at 6 and 12 months after starting: still employed there
or not. The "hires kept" ratio of an order class counts its graduates still
with the sponsor after 12 months, over its graduates.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from college_platform.errors import Conflict

Document = dict[str, Any]

OUTCOMES = ("hired_by_sponsor", "hired_by_other", "further_study", "other", "not_yet_placed")
RETENTION_MONTHS = (6, 12)


def outcome_of(kind: str, employer_id: str | None, sponsor_id: str | None) -> str:
    """``hired`` by the sponsoring enterprise or by another one."""
    if kind != "hired":
        return kind
    return "hired_by_sponsor" if employer_id and employer_id == sponsor_id else "hired_by_other"


def check_graduated(student: Document) -> None:
    if student["status"] != "graduated":
        raise Conflict("only a graduate has a destination; this student is %s"
                       % student["status"], current_status=student["status"])


def new_destination(student: Document, fields: Document, recorded_by: str,
                    now: Any) -> Document:
    check_graduated(student)
    outcome = outcome_of(fields["kind"], fields.get("enterprise_id"), student.get("partner_id"))
    started_on = fields.get("started_on")
    return {"outcome": outcome, "enterprise_id": fields.get("enterprise_id"),
            "employer_name": fields.get("employer_name"), "position": fields.get("position"),
            "started_on": started_on.isoformat() if started_on else None,
            "note": fields.get("note"), "recorded_by": recorded_by, "recorded_at": now}


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last_day = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30,
                31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return date(year, month, min(day.day, last_day))


def retention_due_on(destination: Document, months: int) -> date:
    return add_months(date.fromisoformat(destination["started_on"]), months)


def new_retention(student: Document, fields: Document, today: date, recorded_by: str,
                  now: Any) -> Document:
    """A 6- or 12-month check of a hired graduate, on or after it falls due."""
    check_graduated(student)
    destination = student.get("destination")
    if not destination or not destination["outcome"].startswith("hired"):
        raise Conflict("a retention check follows a hire; record where the graduate was "
                       "hired first")
    months = fields["months"]
    checked_on = fields.get("checked_on") or today
    due_on = retention_due_on(destination, months)
    if checked_on < due_on:
        raise Conflict("the %d-month check falls due on %s" % (months, due_on.isoformat()),
                       due_on=due_on.isoformat())
    return {"still_employed": fields["still_employed"], "checked_on": checked_on.isoformat(),
            "note": fields.get("note"), "recorded_by": recorded_by, "recorded_at": now}


def hires_kept(student: Document) -> bool:
    """Still with the sponsor 12 months after being hired by it."""
    destination = student.get("destination") or {}
    check = (student.get("retention") or {}).get("12") or {}
    return destination.get("outcome") == "hired_by_sponsor" and bool(check.get("still_employed"))


def as_seen_by(actor: Any, student: Document) -> Document:
    """An enterprise's user sees a graduate's destination only where it is the
    employer: being hired elsewhere is what another enterprise did."""
    actor = actor or {}
    if actor.get("kind") != "enterprise" or not student.get("destination"):
        return student
    if student["destination"].get("enterprise_id") == actor.get("enterprise_id"):
        return {key: value for key, value in student.items() if key != "destination_history"}
    return {key: value for key, value in student.items()
            if key not in ("destination", "destination_history", "retention")}


def checks_a_departure_answers(destination: Document, retention: Document,
                               left_on: date) -> list[int]:
    """The 6- and 12-month checks not yet recorded that fall due after the
    graduate left: each is answered "no longer employed"."""
    return [months for months in RETENTION_MONTHS
            if str(months) not in retention and retention_due_on(destination, months) > left_on]
