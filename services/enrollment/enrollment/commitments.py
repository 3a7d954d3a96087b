"""Commitments: the clauses of a cooperation agreement, free of broker and database.

A clause binds one party (the enterprise or the college) to a measurable
target of one metric by a due date within the agreement's term. Its progress
is computed, never typed in where an event exists: each thing that counts is
one *fact* ``{"_id", "enterprise_id", "metric", "on", "amount"}`` whose id
comes from the fact itself (a placement, a project, a timesheet, a
secondment), learnt from the projects and mentors services' events, or read
from enrollment's own students (seats filled, graduates hired). Equipment and
funds have no event: the enterprise declares a value and the college
confirms it. A fact counts toward a clause when it is of the agreement's
partner and falls within the agreement's term, up to the clause's due date.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from college_platform.errors import Conflict, InvalidInput

Document = dict[str, Any]

PARTIES = ("enterprise", "college")
# metric -> what counts (one fact each, its amount)
EVENT_METRICS = {
    "placements_hosted": "placements started at the enterprise (projects: placement_started)",
    "projects_posted": "projects the enterprise published (projects: project_published)",
    "projects_completed": "the enterprise's projects completed (projects: project_completed)",
    "mentor_hours": "approved hours of the enterprise's mentors on inward secondments "
                    "(mentors: timesheet_decided)",
    "teachers_hosted": "college teachers seconded to the enterprise (mentors: "
                       "secondment_started / secondment_completed, outward)",
}
OWN_METRICS = {
    "seats_filled": "students enrolled on the partner's quotas, not withdrawn (enrollment)",
    "hires": "graduates whose first destination is a hire by the enterprise (enrollment)",
}
DECLARED_METRICS = {
    "equipment_value": "equipment the enterprise declared, confirmed by the college",
    "funds_value": "funds the enterprise declared, confirmed by the college",
}
METRICS = {**EVENT_METRICS, **OWN_METRICS, **DECLARED_METRICS}
STATUSES = ("on_track", "at_risk", "met", "missed")
# the states the expiry sweep announces as ``clause_at_risk`` when a clause enters them
ALERTED = ("at_risk", "missed")


# -- setting clauses -------------------------------------------------------------------------

def stored_clauses(clauses: Iterable[Document]) -> list[Document]:
    return [{"id": c["id"], "party": c["party"], "metric": c["metric"],
             "target": float(c["target"]), "due_on": c["due_on"].isoformat(),
             "description": c["description"]} for c in clauses]


def check_clauses_within_term(clauses: list[Document], starts_on: str, ends_on: str,
                              field: str = "clauses") -> None:
    """Every clause falls due within the agreement's term (as amended)."""
    errors: dict[Any, Any] = {}
    for position, clause in enumerate(clauses):
        if not starts_on <= clause["due_on"] <= ends_on:
            message = "Must be within the agreement's term (%s to %s)." % (starts_on, ends_on)
            if field == "clauses":
                errors[position] = {"due_on": [message]}
            else:
                errors.setdefault(field, []).append(
                    "Clause %s falls due on %s, outside the term (%s to %s)."
                    % (clause["id"], clause["due_on"], starts_on, ends_on))
    if errors:
        raise InvalidInput("a clause falls due outside the agreement's term",
                           errors={"clauses": errors} if field == "clauses" else errors)


# -- facts -----------------------------------------------------------------------------------

def fact(kind: str, key: str, enterprise_id: str, on: str, amount: float = 1.0) -> Document:
    return {"_id": "%s:%s" % (kind, key), "enterprise_id": enterprise_id, "metric": kind,
            "on": on[:10], "amount": float(amount)}


def placement_hosted(data: Document) -> list[Document]:
    return [fact("placements_hosted", data["placement_id"], data["enterprise_id"],
                 data["starts_on"].isoformat())]


def project_posted(data: Document, time: str) -> list[Document]:
    return [fact("projects_posted", data["project_id"], data["enterprise_id"], time)]


def project_completed(data: Document, time: str) -> list[Document]:
    return [fact("projects_completed", data["project_id"], data["enterprise_id"], time)]


def mentor_hours(data: Document) -> list[Document]:
    """Approved hours of the enterprise's own mentor at the college (inward)."""
    if data["decision"] != "approved" or data["direction"] != "inward":
        return []
    return [fact("mentor_hours", data["timesheet_id"], data["enterprise_id"],
                 data["work_date"].isoformat(), data["hours"])]


def teacher_hosted(data: Document) -> list[Document]:
    """A college teacher at the enterprise (outward), counted on the first day."""
    if data["direction"] != "outward":
        return []
    return [fact("teachers_hosted", data["secondment_id"], data["enterprise_id"],
                 data["starts_on"].isoformat())]


def own_facts(partner_id: str, students: Iterable[Document]) -> list[Document]:
    """Seats filled and hires, from enrollment's own students."""
    found = []
    for student in students:
        if student.get("partner_id") == partner_id and student["status"] != "withdrawn":
            found.append(fact("seats_filled", student["_id"], partner_id, student["enrolled_on"]))
        destination = student.get("destination") or {}
        if (destination.get("outcome", "").startswith("hired")
                and destination.get("enterprise_id") == partner_id
                and destination.get("started_on")):
            found.append(fact("hires", student["_id"], partner_id, destination["started_on"]))
    return found


def declared_facts(agreement: Document) -> list[Document]:
    """The confirmed declarations of equipment and funds."""
    metric_of = {c["id"]: c["metric"] for c in agreement.get("clauses", [])}
    return [fact(metric_of.get(d["clause_id"], "unknown"), d["id"], agreement["partner_id"],
                 d["on"], d["amount"])
            for d in agreement.get("declarations", []) if d["status"] == "confirmed"]


# -- declarations ------------------------------------------------------------------------------

def new_declaration(agreement: Document, fields: Document, declared_by: str,
                    declaration_id: str, now: Any) -> Document:
    """An enterprise's declared value toward a clause of a declared metric, on a
    day within the agreement's term."""
    clause = next((c for c in agreement.get("clauses", []) if c["id"] == fields["clause_id"]),
                  None)
    if clause is None:
        raise InvalidInput("unknown clause", errors={
            "clause_id": ["Not a clause of this agreement."]})
    if clause["metric"] not in DECLARED_METRICS:
        raise InvalidInput("progress of this clause is counted from events", errors={
            "clause_id": ["Clause %s counts %s from events; only equipment and funds are "
                          "declared." % (clause["id"], clause["metric"])]})
    on = fields["on"].isoformat()
    if not agreement["starts_on"] <= on <= agreement["ends_on"]:
        raise InvalidInput("outside the term", errors={"on": [
            "Must be within the agreement's term (%s to %s)."
            % (agreement["starts_on"], agreement["ends_on"])]})
    return {"id": declaration_id, "clause_id": clause["id"], "amount": float(fields["amount"]),
            "on": on, "note": fields.get("note"), "status": "declared",
            "declared_by": declared_by, "declared_at": now}


def decide_declaration(declaration: Document, confirm: bool, decided_by: str,
                       reason: str | None, now: Any) -> Document:
    if declaration["status"] != "declared":
        raise Conflict("declaration %s is %s already" % (declaration["id"], declaration["status"]),
                       current_status=declaration["status"])
    if not confirm and not reason:
        raise InvalidInput("a rejection needs a reason",
                           errors={"reason": ["A rejection needs a reason."]})
    return {**declaration, "status": "confirmed" if confirm else "rejected",
            "decided_by": decided_by, "decided_at": now, "reason": reason}


# -- progress, status, score -------------------------------------------------------------------

def progress(clause: Document, agreement: Document, facts: Iterable[Document]) -> float:
    """What counts toward the clause: the partner's facts of its metric within
    the agreement's term, up to the clause's due date."""
    until = min(clause["due_on"], agreement["ends_on"])
    return sum(f["amount"] for f in facts
               if f["metric"] == clause["metric"] and f["enterprise_id"] == agreement["partner_id"]
               and agreement["starts_on"] <= f["on"] <= until and not f.get("withdrawn"))


def elapsed_fraction(starts_on: str, due_on: str, today: date) -> float:
    """How far the clause is due: 0 on the term's first day, 1 from its due date."""
    start, due = date.fromisoformat(starts_on), date.fromisoformat(due_on)
    if today >= due:
        return 1.0
    if today <= start:
        return 0.0
    return (today - start).days / (due - start).days


def clause_status(done: float, target: float, elapsed: float, due_on: str, today: date,
                  tolerance: float) -> str:
    """``met`` once the target is reached; ``missed`` past the due date unmet;
    ``at_risk`` when the share done lags the share of time elapsed by more than
    ``tolerance``; else ``on_track``."""
    if done >= target:
        return "met"
    if today.isoformat() > due_on:
        return "missed"
    if done / target < elapsed - tolerance:
        return "at_risk"
    return "on_track"


def fulfilment(clauses: Iterable[Document]) -> dict[str, float | None]:
    """Per party: sum(min(done_i, elapsed_i)) / sum(elapsed_i) over its clauses,
    where done_i = min(progress/target, 1) and elapsed_i the share of the
    clause's time gone: the share of what was due by now that was delivered,
    each clause weighted by how far it is due. None while nothing is due yet."""
    scores: dict[str, float | None] = {}
    for party in PARTIES:
        mine = [c for c in clauses if c["party"] == party]
        due = sum(c["elapsed"] for c in mine)
        scores[party] = round(sum(min(c["done"], c["elapsed"]) for c in mine) / due, 4) \
            if due else None
    return scores


def commitments(agreement: Document, facts: list[Document], today: date,
                tolerance: float) -> Document:
    """The agreement's clauses with their progress and status, and each party's
    fulfilment score, as of ``today``."""
    facts = facts + declared_facts(agreement)
    clauses = []
    for clause in agreement.get("clauses", []):
        done = progress(clause, agreement, facts)
        elapsed = elapsed_fraction(agreement["starts_on"], clause["due_on"], today)
        clauses.append({**clause, "progress": round(done, 2),
                        "done": round(min(done / clause["target"], 1.0), 4),
                        "elapsed": round(elapsed, 4),
                        "status": clause_status(done, clause["target"], elapsed,
                                                clause["due_on"], today, tolerance)})
    return {"agreement_id": agreement["_id"], "partner_id": agreement["partner_id"],
            "as_of": today.isoformat(), "tolerance": tolerance, "clauses": clauses,
            "fulfilment": fulfilment(clauses)}


def alerts(agreement: Document, clauses: list[Document]) -> list[Document]:
    """The clauses whose status changed since the sweep last saw them, with
    whether the change is to be announced (it entered ``at_risk`` or ``missed``)."""
    seen = agreement.get("clause_states") or {}
    return [{**clause, "previous": seen.get(clause["id"]), "announce": clause["status"] in ALERTED}
            for clause in clauses if seen.get(clause["id"]) != clause["status"]]
