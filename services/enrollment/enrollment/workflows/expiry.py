"""What expires on its own: an agreement the day after its term, an offer left
unanswered past its deadline (its reserved seat released)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from enrollment import domain
from enrollment.workflows.common import records, set_agreement_status, update_application


def expire_agreement(uow: Any, agreement_id: str, now: datetime) -> int:
    """1 if the agreement expired now, 0 if it changed meanwhile."""
    current = records(uow).find_agreement(agreement_id)
    if current is not None and domain.agreement_has_ended(current, now.date()):
        set_agreement_status(uow, current, "expired", "term ended")
        return 1
    return 0


def expire_offer(uow: Any, application_id: str, now: datetime) -> int:
    """1 if the offer lapsed now, 0 if answered meanwhile or expired by another
    instance."""
    current = records(uow).find_application(application_id)
    if current is None or not domain.offer_has_lapsed(current, now):
        return 0
    update_application(uow, current, "expired", {}, reason="offer unanswered")
    records(uow).release_seat(current, "reserved", reason="expired")
    return 1
