"""Programmes and their partners' seat quotas (the quota ledger's ``set_quota``)."""
from __future__ import annotations

from datetime import date
from typing import Any

from college_platform.envelope import utcnow
from college_platform.repository import filters, new_id
from enrollment import domain, ledger
from enrollment.workflows.common import Actor, Document, emit, records


def new_programme(fields: Document) -> tuple[Document, list[Document]]:
    """The programme's record and its quotas, checked to fit its capacity; the
    id given before the transaction."""
    fields = dict(fields)
    quotas = fields.pop("quotas")
    programme = {"_id": new_id(), **fields, "created_at": utcnow(),
                 "quota_partner_ids": [q["partner_id"] for q in quotas if q["seats"] > 0],
                 **ledger.new_programme_counters(fields["capacity"])}
    domain.check_quotas_fit(fields["capacity"], quotas)
    return programme, quotas


def check_partner_may_hold_quota(uow: Any, partner_id: str, code: str, today: date,
                                 field: str, position: int | None = None) -> None:
    domain.check_partner_may_hold_quota(records(uow).agreements_of(partner_id), partner_id,
                                        code, today, field, position)


def create_programme(uow: Any, programme: Document, quotas: list[Document],
                     today: date) -> None:
    """The programme with its quotas, each partner's covered by an active
    agreement; announces ``programme_created``."""
    for position, quota in enumerate(quotas):
        check_partner_may_hold_quota(uow, quota["partner_id"], programme["code"], today,
                                     "quotas", position)
    records(uow).add_programme(programme)
    for quota in quotas:
        records(uow).set_quota(programme, quota["partner_id"], quota["seats"])
    emit(uow, "programme_created", {
        "programme_id": programme["_id"], "code": programme["code"],
        "name": programme["name"], "kind": programme["kind"],
        "intake_year": programme["intake_year"], "capacity": programme["capacity"],
        "courses": [c["code"] for c in programme["courses"]],
        "partner_ids": [quota["partner_id"] for quota in quotas],
    })


def set_quota(uow: Any, programme_id: str, partner_id: str, seats: int, today: date) -> None:
    """A partner's seats in a programme (never below what it holds, never
    beyond the capacity beside the others'); announces ``quota_set``."""
    programme = records(uow).programme(programme_id)
    records(uow).partner(partner_id)
    if seats:
        check_partner_may_hold_quota(uow, partner_id, programme["code"], today, "partner_id")
    domain.check_quota_fits(programme, records(uow).quotas_of(programme_id), partner_id, seats)
    records(uow).set_quota(programme, partner_id, seats)
    emit(uow, "quota_set", {"programme_id": programme_id, "partner_id": partner_id,
                            "seats": seats})


def programme(uow: Any, programme_id: str, actor: Actor = None) -> Document:
    """The programme with its quotas, as the actor sees it."""
    return domain.programme_as_seen_by(actor, records(uow).programme_with_quotas(programme_id))


def programmes_page(uow: Any, params: Document, actor: Actor = None) -> Document:
    criteria = filters(params, "kind", "intake_year")
    if params.get("partner_id"):
        criteria["quota_partner_ids"] = params["partner_id"]
    listed = records(uow).programmes_page(criteria, params["offset"], params["limit"])
    listed["items"] = domain.programmes_as_seen_by(actor, listed["items"])
    return listed
