"""Who is told what: the events that put something on someone's desk become
notifications, each addressed to an audience derived from the event's own
data (the enterprise it names, the student it names, a college role), never
from anything a caller wrote. Plain functions, no broker or database, so each
rule is unit-tested directly (docs/notifications.md).

A notification stores its ``kind`` and ``params``, never prose: the console
words it in the reader's language. Its id is derived from the fact it tells
(kind and object), so the same event delivered twice, or the same fact under a
new event id, makes one notification. The event that settles the matter
(a timesheet decided, a check-in logged or confirmed, a survey answered)
marks it done.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

# the audiences: everyone with a role, an enterprise's users, one student, one mentor
ROLE, ENTERPRISE, STUDENT, MENTOR = "role", "enterprise", "student", "mentor"

# the college roles that act on what the notifications tell
ADMISSIONS_OFFICER = "admissions_officer"
PROJECT_COORDINATOR = "project_coordinator"
MENTOR_COORDINATOR = "mentor_coordinator"

KINDS = ("timesheet_to_decide", "checkin_missed", "clause_at_risk", "survey_due",
         "offer_to_approve", "declaration_to_confirm")


def audience(kind: str, value: str) -> str:
    return "%s:%s" % (kind, value)


def audiences_of(role: str, enterprise_id: str | None = None,
                 student_id: str | None = None, mentor_id: str | None = None) -> list[str]:
    """The audiences a signed-in user belongs to, from their token's proven
    claims: their role; an enterprise user their enterprise; a student their
    own record; a teacher their mentor record."""
    keys = [audience(ROLE, role)]
    if role == "enterprise_user" and enterprise_id:
        keys.append(audience(ENTERPRISE, enterprise_id))
    if role == "student" and student_id:
        keys.append(audience(STUDENT, student_id))
    if role == "teacher" and mentor_id:
        keys.append(audience(MENTOR, mentor_id))
    return keys


@dataclass(frozen=True)
class Raise:
    """A notification to create (or to refresh, when it exists)."""
    id: str
    kind: str
    audience: tuple[str, ...]
    subject: Mapping[str, str]  # {"type", "id", "link"}: the object and its console page
    params: Mapping[str, Any]
    due_at: datetime | None = None
    # a fact told again (another survey reminder): unread again for everyone
    raised: int = 0


@dataclass(frozen=True)
class Resolve:
    """The matter is settled: the notification is done."""
    ids: tuple[str, ...] = field(default_factory=tuple)


Change = Raise | Resolve


def end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=timezone.utc)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# timesheets -----------------------------------------------------------------------

def timesheet_id(timesheet_id_: str) -> str:
    return "timesheet-%s" % timesheet_id_


# the host decides within this long of the hours being logged
TIMESHEET_DECISION_DAYS = 7


def timesheet_submitted(data: Mapping[str, Any], at: datetime) -> list[Change]:
    """The host decides: the enterprise's users for an outward secondment (a
    teacher working at the enterprise), the mentor coordinators for an inward
    one (the enterprise's expert working at the college)."""
    host = audience(ENTERPRISE, data["enterprise_id"]) if data["direction"] == "outward" \
        else audience(ROLE, MENTOR_COORDINATOR)
    return [Raise(
        id=timesheet_id(data["timesheet_id"]), kind="timesheet_to_decide", audience=(host,),
        subject={"type": "timesheet", "id": data["timesheet_id"],
                 "link": "/mentors/%s" % data["mentor_id"]},
        params={"hours": data["hours"], "work_date": _day(data["work_date"]).isoformat(),
                "direction": data["direction"], "secondment_id": data["secondment_id"]},
        due_at=at + timedelta(days=TIMESHEET_DECISION_DAYS))]


def timesheet_decided(data: Mapping[str, Any], at: datetime) -> list[Change]:
    return [Resolve((timesheet_id(data["timesheet_id"]),))]


# check-ins ------------------------------------------------------------------------

def checkin_id(placement_id: str, week_starting: Any, kind: str) -> str:
    return "checkin-%s-%s-%s" % (placement_id, _day(week_starting).isoformat(), kind)


def checkin_missed(data: Mapping[str, Any], at: datetime) -> list[Change]:
    """A week not logged: the student (who logs), the host enterprise's users
    and the project coordinators (who follow placements). A week not
    confirmed: the host enterprise's users (who confirm) and the coordinators."""
    readers = [audience(ENTERPRISE, data["enterprise_id"]), audience(ROLE, PROJECT_COORDINATOR)]
    if data["kind"] == "not_logged":
        readers.append(audience(STUDENT, data["student_id"]))
    week = _day(data["week_starting"])
    return [Raise(
        id=checkin_id(data["placement_id"], week, data["kind"]), kind="checkin_missed",
        audience=tuple(readers),
        subject={"type": "placement", "id": data["placement_id"],
                 "link": "/students/%s" % data["student_id"]},
        params={"week_starting": week.isoformat(), "missed": data["kind"],
                "student_id": data["student_id"]})]


def checkin_logged(data: Mapping[str, Any], at: datetime) -> list[Change]:
    return [Resolve((checkin_id(data["placement_id"], data["week_starting"], "not_logged"),))]


def checkin_confirmed(data: Mapping[str, Any], at: datetime) -> list[Change]:
    return [Resolve(tuple(checkin_id(data["placement_id"], data["week_starting"], kind)
                          for kind in ("not_logged", "not_confirmed")))]


# commitments -----------------------------------------------------------------------

def clause_id(agreement_id: str, clause: str, status: str) -> str:
    return "clause-%s-%s-%s" % (agreement_id, clause, status)


def clause_at_risk(data: Mapping[str, Any], at: datetime) -> list[Change]:
    """The agreement's enterprise's users and the admissions officers, who hold
    the partnership; a clause found missed settles its earlier "at risk"."""
    changes: list[Change] = []
    if data["status"] == "missed":
        changes.append(Resolve((clause_id(data["agreement_id"], data["clause_id"],
                                          "at_risk"),)))
    due = _day(data["due_on"])
    changes.append(Raise(
        id=clause_id(data["agreement_id"], data["clause_id"], data["status"]),
        kind="clause_at_risk",
        audience=(audience(ENTERPRISE, data["partner_id"]), audience(ROLE, ADMISSIONS_OFFICER)),
        subject={"type": "agreement", "id": data["agreement_id"],
                 "link": "/agreements/%s" % data["agreement_id"]},
        params={"clause_id": data["clause_id"], "party": data["party"],
                "metric": data["metric"], "status": data["status"],
                "target": data["target"], "progress": data["progress"],
                "due_on": due.isoformat()},
        due_at=end_of(due) if data["status"] == "at_risk" else None))
    return changes


# employer surveys -------------------------------------------------------------------

def survey_id(survey: str) -> str:
    return "survey-%s" % survey


def survey_reminder(data: Mapping[str, Any], at: datetime) -> list[Change]:
    """The employer's users answer; each further reminder makes it unread again."""
    due = _day(data["due_on"])
    return [Raise(
        id=survey_id(data["survey_id"]), kind="survey_due",
        audience=(audience(ENTERPRISE, data["enterprise_id"]),),
        subject={"type": "survey", "id": data["survey_id"], "link": "/surveys"},
        params={"months": data["months"], "student_id": data["student_id"],
                "due_on": due.isoformat()},
        raised=int(data["reminders"]))]


def survey_answered(data: Mapping[str, Any], at: datetime) -> list[Change]:
    return [Resolve((survey_id(data["survey_id"]),))]


# joint offers --------------------------------------------------------------------

def offer_id(application_id: str) -> str:
    return "offer-%s" % application_id


def offer_decision_recorded(data: Mapping[str, Any], at: datetime) -> list[Change]:
    """One party approved an offer: the other is told, the enterprise's users
    for the partner the application goes to, the admissions officers for the
    college. Made or rejected, the matter is settled."""
    if data["status"] != "interviewed":
        return [Resolve((offer_id(data["application_id"]),))]
    awaiting = data.get("awaiting")
    if awaiting == "enterprise" and data.get("partner_id"):
        reader = audience(ENTERPRISE, data["partner_id"])
    elif awaiting == "college":
        reader = audience(ROLE, ADMISSIONS_OFFICER)
    else:
        return []
    return [Raise(
        id=offer_id(data["application_id"]), kind="offer_to_approve", audience=(reader,),
        subject={"type": "application", "id": data["application_id"],
                 "link": "/applications/%s" % data["application_id"]},
        params={"awaiting": awaiting, "approved_by": data["party"],
                "programme_id": data["programme_id"]})]


# declared equipment and funds ------------------------------------------------------

def declaration_id(agreement_id: str, declaration: str) -> str:
    return "declaration-%s-%s" % (agreement_id, declaration)


def contribution_declared(data: Mapping[str, Any], at: datetime) -> list[Change]:
    """An enterprise declared equipment or funds toward a clause: the admissions
    officers, who hold the partnership, confirm or reject it."""
    return [Raise(
        id=declaration_id(data["agreement_id"], data["declaration_id"]),
        kind="declaration_to_confirm", audience=(audience(ROLE, ADMISSIONS_OFFICER),),
        subject={"type": "agreement", "id": data["agreement_id"],
                 "link": "/agreements/%s" % data["agreement_id"]},
        params={"clause_id": data["clause_id"], "amount": data["amount"],
                "on": _day(data["on"]).isoformat(), "partner_id": data["partner_id"]})]


def declaration_decided(data: Mapping[str, Any], at: datetime) -> list[Change]:
    return [Resolve((declaration_id(data["agreement_id"], data["declaration_id"]),))]


RULES: dict[tuple[str, str], Callable[[Mapping[str, Any], datetime], list[Change]]] = {
    ("mentors", "timesheet_submitted"): timesheet_submitted,
    ("mentors", "timesheet_decided"): timesheet_decided,
    ("projects", "checkin_missed"): checkin_missed,
    ("projects", "checkin_logged"): checkin_logged,
    ("projects", "checkin_confirmed"): checkin_confirmed,
    ("enrollment", "clause_at_risk"): clause_at_risk,
    ("enrollment", "offer_decision_recorded"): offer_decision_recorded,
    ("enrollment", "contribution_declared"): contribution_declared,
    ("enrollment", "declaration_decided"): declaration_decided,
    ("enrollment", "employer_survey_reminder"): survey_reminder,
    ("enrollment", "employer_survey_answered"): survey_answered,
}


def changes_for(source: str, event_type: str, data: Mapping[str, Any],
                at: datetime) -> list[Change]:
    """What one event (its contract-loaded ``data``, published ``at``) changes
    in the inboxes."""
    rule = RULES.get((source, event_type))
    return rule(data, at) if rule else []


def due_for_reminder(due_at: datetime | None, now: datetime, hours_before: float) -> bool:
    """Whether an open notification due at ``due_at`` is to be reminded of now."""
    return due_at is not None and now >= due_at - timedelta(hours=hours_before)

