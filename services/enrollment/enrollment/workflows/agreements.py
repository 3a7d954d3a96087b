"""Cooperation agreements: drafted, activated within their term, amended,
suspended, terminated, and expired by the sweep (``expiry``)."""
from __future__ import annotations

from datetime import date
from typing import Any

from college_platform.envelope import utcnow
from college_platform.errors import InvalidInput
from college_platform.repository import new_id
from enrollment import domain
from enrollment.workflows.common import (
    Actor,
    Document,
    announce_agreement,
    records,
    set_agreement_status,
    visible_agreement,
)


def new_agreement(fields: Document) -> Document:
    """A draft agreement's record, its id given before the transaction."""
    now = utcnow()
    return {"_id": new_id(), **fields, "starts_on": fields["starts_on"].isoformat(),
            "ends_on": fields["ends_on"].isoformat(), "status": "draft",
            "history": [{"status": "draft", "at": now}], "created_at": now}


def create_agreement(uow: Any, agreement: Document) -> Document:
    """A draft agreement with a known partner; announces ``agreement_changed``."""
    if not records(uow).is_partner(agreement["partner_id"]):
        raise InvalidInput("unknown partner", errors={
            "partner_id": ["Unknown partner %s." % agreement["partner_id"]]})
    records(uow).add_agreement(agreement)
    announce_agreement(uow, agreement)
    return agreement


def change_agreement_status(uow: Any, agreement_id: str, target: str, reason: str | None,
                            today: date) -> Document:
    """Activate (within the term), suspend, resume or terminate; announces
    ``agreement_activated`` or ``agreement_changed``."""
    agreement = records(uow).agreement(agreement_id)
    target = domain.agreement_status_change(agreement, target, today)
    return set_agreement_status(uow, agreement, target, reason)


def amend_agreement(uow: Any, agreement_id: str, fields: Document) -> Document:
    """New terms for a draft, active or suspended agreement, the previous ones
    kept; announces ``agreement_changed``."""
    now = utcnow()
    agreement = records(uow).agreement(agreement_id)
    changes = domain.amendment(agreement, fields)
    stored = records(uow).amend_agreement(agreement, changes, fields["reason"], now)
    announce_agreement(uow, {**agreement, **changes}, force_changed=True)
    return stored


def agreement(uow: Any, agreement_id: str, actor: Actor = None) -> Document:
    return visible_agreement(uow, agreement_id, actor)
