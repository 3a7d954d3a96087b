"""Partner enterprises."""
from __future__ import annotations

from typing import Any

from college_platform.envelope import utcnow
from college_platform.repository import new_id
from enrollment.workflows.common import Actor, Document, emit, records, visible_partner


def new_partner(fields: Document) -> Document:
    """The partner's record, its id given before the transaction (a retried one
    writes the same partner)."""
    return {"_id": new_id(), **fields, "created_at": utcnow()}


def register_partner(uow: Any, partner: Document) -> Document:
    """A new partner enterprise (a second one with its credit code is refused
    by the unique index); announces ``partner_registered``."""
    records(uow).add_partner(partner)
    emit(uow, "partner_registered", {
        "partner_id": partner["_id"], "legal_name": partner["legal_name"],
        "credit_code": partner["credit_code"], "industry": partner["industry"],
    })
    return partner


def partner(uow: Any, partner_id: str, actor: Actor = None) -> Document:
    return visible_partner(uow, partner_id, actor)
