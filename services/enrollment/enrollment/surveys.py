"""Employer surveys, free of broker and database.

When a graduate is hired by a partner enterprise, that employer is asked, 6
and 12 months after the start, to rate the graduate (1 to 5) on each of the
programme's competencies. A survey opens on the day it falls due and is
reminded every few days until it is answered or the college closes it. The
results, per programme and per enterprise, name the competencies rated
lowest, so the college knows what to change in the programme.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from college_platform.errors import Conflict, InvalidInput, NotFound
from enrollment.destinations import RETENTION_MONTHS, add_months

Document = dict[str, Any]

# what a programme that names no competencies of its own is rated on
DEFAULT_COMPETENCIES = ("专业技能", "职业素养", "团队协作", "学习与创新能力")
OPEN, ANSWERED, CLOSED = "open", "answered", "closed"
LOWEST_SHOWN = 3


def survey_id(student_id: str, enterprise_id: str, started_on: str, months: int) -> str:
    """One per hire (employer and start) and month: a destination recorded
    again unchanged finds its surveys, a corrected one makes new ones."""
    return "%s:%s:%s:%dm" % (student_id, enterprise_id, started_on, months)


def surveys_for_hire(student: Document, programme: Document, now: Any) -> list[Document]:
    """The 6- and 12-month surveys of a graduate's hire by a partner (none for
    an employer that is not a partner, who has no user to answer them)."""
    destination = student.get("destination") or {}
    employer = destination.get("enterprise_id")
    if not destination.get("outcome", "").startswith("hired") or not employer:
        return []
    started_on = date.fromisoformat(destination["started_on"])
    competencies = list(programme.get("competencies") or DEFAULT_COMPETENCIES)
    return [{"_id": survey_id(student["_id"], employer, destination["started_on"], months),
             "student_id": student["_id"],
             "student_name": student["name"], "programme_id": student["programme_id"],
             "intake_year": student.get("intake_year"), "enterprise_id": employer,
             "months": months, "due_on": add_months(started_on, months).isoformat(),
             "competencies": competencies, "status": OPEN, "reminders": 0,
             "last_reminded_on": None, "created_at": now}
            for months in RETENTION_MONTHS]


def check_visible(actor: Any, survey: Document | None, wanted: str, today: date) -> Document:
    """An enterprise's user sees only its own surveys, once they fall due."""
    actor = actor or {}
    if survey is None or (actor.get("kind") == "enterprise" and (
            survey["enterprise_id"] != actor.get("enterprise_id")
            or survey["due_on"] > today.isoformat())):
        raise NotFound("employer survey %s does not exist" % wanted)
    return survey


def check_answer(survey: Document, ratings: dict[str, int], today: date) -> None:
    if survey["status"] != OPEN:
        raise Conflict("this survey is %s" % survey["status"], current_status=survey["status"])
    if survey["due_on"] > today.isoformat():
        raise Conflict("this survey opens on %s" % survey["due_on"], due_on=survey["due_on"])
    missing = [c for c in survey["competencies"] if c not in ratings]
    unknown = sorted(set(ratings) - set(survey["competencies"]))
    if missing or unknown:
        errors = {}
        if missing:
            errors["ratings"] = ["Rate every competency: %s is missing." % ", ".join(missing)]
        else:
            errors["ratings"] = ["Not a competency of this survey: %s." % ", ".join(unknown)]
        raise InvalidInput("the ratings do not match the survey's competencies", errors=errors)


def check_may_close(survey: Document) -> None:
    if survey["status"] != OPEN:
        raise Conflict("this survey is %s" % survey["status"], current_status=survey["status"])


def needs_reminder(survey: Document, today: date, every_days: int) -> bool:
    """Open, due, and not reminded within the last ``every_days`` days."""
    last = survey.get("last_reminded_on")
    return (survey["status"] == OPEN and survey["due_on"] <= today.isoformat()
            and (last is None or date.fromisoformat(last) <= today - timedelta(days=every_days)))


def results(answered: Iterable[Document]) -> Document:
    """Mean rating per competency over answered surveys, and the lowest few."""
    sums: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    surveys = 0
    for survey in answered:
        surveys += 1
        for competency, rating in survey["ratings"].items():
            sums[competency] += rating
            counts[competency] += 1
    competencies = [{"competency": c, "mean": round(sums[c] / counts[c], 2), "ratings": counts[c]}
                    for c in sorted(sums)]
    lowest = sorted(competencies, key=lambda c: (c["mean"], c["competency"]))[:LOWEST_SHOWN]
    return {"answered": surveys, "competencies": competencies,
            "lowest": [c["competency"] for c in lowest]}
