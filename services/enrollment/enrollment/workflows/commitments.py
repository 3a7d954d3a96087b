"""Commitments: an agreement's clauses with their progress, each party's
fulfilment, the enterprise's declared equipment and funds, and the sweep's
alert when a clause falls behind (``enrollment.commitments`` holds the rules)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from college_platform.errors import NotFound
from college_platform.repository import new_id
from enrollment import commitments
from enrollment.workflows.common import Actor, Document, emit, records, visible_agreement


def facts_of(uow: Any, agreement: Document) -> list[Document]:
    """Everything that may count toward the agreement's clauses: the facts
    learnt from events and enrollment's own students, within its term."""
    store = records(uow)
    partner_id = agreement["partner_id"]
    return store.commitment_facts(partner_id, agreement["starts_on"], agreement["ends_on"]) + \
        commitments.own_facts(partner_id, store.students_counting_for(partner_id))


def progress_of(uow: Any, agreement: Document, today: date, tolerance: float) -> Document:
    return commitments.commitments(agreement, facts_of(uow, agreement), today, tolerance)


def agreement_commitments(uow: Any, agreement_id: str, actor: Actor, today: date,
                          tolerance: float) -> Document:
    """The clauses with progress and status, and the score per party; an
    enterprise reaches its own agreements' only."""
    return progress_of(uow, visible_agreement(uow, agreement_id, actor), today, tolerance)


def with_fulfilment(uow: Any, agreement: Document, today: date, tolerance: float) -> Document:
    """One agreement's answer: each party's score beside its clauses."""
    if not agreement.get("clauses"):
        return agreement
    return {**agreement, "fulfilment": progress_of(uow, agreement, today, tolerance)[
        "fulfilment"]}


# -- declared equipment and funds ------------------------------------------------------------

def declare(uow: Any, agreement_id: str, fields: Document, actor: Actor, now: datetime
            ) -> Document:
    """The enterprise declares a value toward a clause of equipment or funds; it
    counts once the college confirms it."""
    agreement = visible_agreement(uow, agreement_id, actor)
    declaration = commitments.new_declaration(
        agreement, fields, (actor or {}).get("username") or "enrollment", new_id(), now)
    records(uow).add_declaration(agreement, declaration)
    announce_declaration(uow, "contribution_declared", agreement, declaration)
    return records(uow).agreement(agreement_id)


def decide_declaration(uow: Any, agreement_id: str, declaration_id: str, fields: Document,
                       decided_by: str, now: datetime) -> Document:
    """The college confirms (it counts from then on) or rejects a declaration;
    ``declaration_decided`` tells the views."""
    agreement = records(uow).agreement(agreement_id)
    declaration = next((d for d in agreement.get("declarations", [])
                        if d["id"] == declaration_id), None)
    if declaration is None:
        raise NotFound("declaration %s does not exist" % declaration_id)
    decided = commitments.decide_declaration(declaration, fields["confirm"], decided_by,
                                             fields.get("reason"), now)
    records(uow).decide_declaration(agreement_id, decided)
    announce_declaration(uow, "declaration_decided", agreement, decided)
    return records(uow).agreement(agreement_id)


def announce_declaration(uow: Any, event_type: str, agreement: Document,
                         declaration: Document) -> None:
    """A declaration or its decision changes what the views show of the
    agreement (a confirmed value counts toward its clause from then on)."""
    emit(uow, event_type, {
        "agreement_id": agreement["_id"], "partner_id": agreement["partner_id"],
        "declaration_id": declaration["id"], "clause_id": declaration["clause_id"],
        "amount": declaration["amount"], "on": declaration["on"],
        "status": declaration["status"]})


# -- the sweep's alert -------------------------------------------------------------------------

def check_clauses(uow: Any, agreement_id: str, today: date, tolerance: float,
                  now: datetime) -> int:
    """Each clause's status as of today; one ``clause_at_risk`` for each clause
    that entered ``at_risk`` or ``missed`` since the last check. The number
    announced."""
    agreement = records(uow).find_agreement(agreement_id)
    if agreement is None or not agreement.get("clauses"):
        return 0
    found = progress_of(uow, agreement, today, tolerance)
    announced = 0
    for alert in commitments.alerts(agreement, found["clauses"]):
        if alert["announce"]:
            emit(uow, "clause_at_risk", {
                "agreement_id": agreement["_id"], "partner_id": agreement["partner_id"],
                "clause_id": alert["id"], "party": alert["party"], "metric": alert["metric"],
                "target": alert["target"], "progress": alert["progress"],
                "elapsed": alert["elapsed"], "due_on": alert["due_on"],
                "status": alert["status"], "previous_status": alert["previous"]})
            announced += 1
    records(uow).record_clause_check(
        agreement, {clause["id"]: clause["status"] for clause in found["clauses"]},
        today.isoformat(), now)
    return announced


# -- facts learnt from the projects and mentors services' events ------------------------------

def remember(store: Any, facts: list[Document]) -> None:
    if facts:
        store.remember_commitment_facts(facts)
