"""Employer surveys of hired graduates (``enrollment.surveys`` holds the rules)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from enrollment import surveys
from enrollment.workflows.common import Actor, Document, emit, records


def schedule(uow: Any, student: Document, now: datetime) -> None:
    """After a destination is recorded: the hire's surveys (each once), and
    the open ones of an earlier, corrected hire closed."""
    store = records(uow)
    scheduled = surveys.surveys_for_hire(student, store.programme(student["programme_id"]), now)
    store.close_surveys_but(student["_id"], [survey["_id"] for survey in scheduled],
                            "the graduate's destination changed", now)
    store.add_surveys(scheduled)


def survey(uow: Any, survey_id: str, actor: Actor, today: date) -> Document:
    return surveys.check_visible(actor, records(uow).survey(survey_id), survey_id, today)


def answer(uow: Any, survey_id: str, fields: Document, actor: Actor, today: date,
           now: datetime) -> Document:
    """The employer's ratings; announces ``employer_survey_answered``."""
    found = survey(uow, survey_id, actor, today)
    surveys.check_answer(found, fields["ratings"], today)
    changes = {"status": surveys.ANSWERED, "ratings": fields["ratings"],
               "comment": fields.get("comment"), "answered_by": fields["actor"],
               "answered_at": now}
    records(uow).settle_survey(found, changes)
    emit(uow, "employer_survey_answered", {
        "survey_id": found["_id"], "student_id": found["student_id"],
        "programme_id": found["programme_id"], "enterprise_id": found["enterprise_id"],
        "months": found["months"], "ratings": fields["ratings"]})
    return {**found, **changes}


def close(uow: Any, survey_id: str, fields: Document, today: date, now: datetime) -> Document:
    found = survey(uow, survey_id, None, today)
    surveys.check_may_close(found)
    changes = {"status": surveys.CLOSED, "closed_reason": fields["reason"],
               "closed_by": fields["actor"], "closed_at": now}
    records(uow).settle_survey(found, changes)
    return {**found, **changes}


def remind(uow: Any, survey_id: str, today: date, every_days: int) -> int:
    """A reminder for a survey due and unanswered; announces
    ``employer_survey_reminder`` (what notifies the employer's users)."""
    found = records(uow).survey(survey_id)
    if found is None or not surveys.needs_reminder(found, today, every_days):
        return 0
    records(uow).mark_reminded(found, today.isoformat())
    emit(uow, "employer_survey_reminder", {
        "survey_id": found["_id"], "student_id": found["student_id"],
        "enterprise_id": found["enterprise_id"], "months": found["months"],
        "due_on": found["due_on"], "reminders": found["reminders"] + 1})
    return 1


def results(uow: Any, query: Document) -> Document:
    selector = {key: query[key] for key in ("programme_id", "enterprise_id") if query.get(key)}
    return {**selector, **surveys.results(records(uow).answered_surveys(selector))}
