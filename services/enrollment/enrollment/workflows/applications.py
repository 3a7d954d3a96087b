"""Applicants and the application pipeline: submitted, screened by the
college, interviewed by the enterprise, offered once both approve (a seat
reserved), accepted or declined, withdrawn, expired."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from college_platform.envelope import utcnow
from college_platform.repository import new_id
from enrollment import domain
from enrollment.workflows.common import (
    Actor,
    Document,
    emit,
    records,
    update_application,
    visible_application,
)


def apply(uow: Any, fields: Document, now: datetime) -> Document:
    """An application to a programme, through the partner it goes to; one
    active application per applicant and programme.

    Three statements (four for someone new) and no transaction
    (``Store.each_statement``): the programme and the applicant read, the
    applicant added if new, the application inserted. Each write stands
    alone, and the rule of one active application is the unique index on
    ``active_key``, which two concurrent applications cannot both pass; an
    applicant added by an application that is then refused stays on file, as
    an imported one would."""
    programme = domain.check_known_programme(
        records(uow).find_programme(fields["programme_id"]), fields["programme_id"])
    partner_id = domain.partner_for(programme, fields["partner_id"])
    applicant = records(uow).applicant_applying(
        {"_id": new_id(), **fields["applicant"],
         "identity_key": domain.identity_key(fields["applicant"]), "created_at": now})
    application = {
        "_id": new_id(), "applicant_id": applicant["_id"],
        "applicant_name": applicant["name"], "programme_id": programme["_id"],
        "programme_code": programme["code"], "partner_id": partner_id,
        "statement": fields["statement"], "status": "submitted",
        "offer_approvals": {}, "history": [{"status": "submitted", "at": now}],
        "created_at": now, "active_key": domain.active_key(applicant["_id"], programme["_id"]),
    }
    if not records(uow).add_active_application(application):
        domain.check_no_active_application(application, applicant, programme)
    uow.count("applications", "Applications that reached each state.", state="submitted")
    return application


def import_applicant(uow: Any, applicant: Document) -> tuple[str, str]:
    """``(applicant_id, "imported")``, or the person on file's id and "duplicate"."""
    existing = records(uow).applicant_with_identity(applicant["identity_key"])
    if existing:
        return existing["_id"], "duplicate"
    records(uow).add_applicant(applicant)
    return applicant["_id"], "imported"


def decide_offer(uow: Any, application_id: str, party: str, fields: Document,
                 now: datetime, actor: Actor = None) -> Document:
    """One party's decision on a joint offer: the offer is made, and a seat
    reserved, once the college and the enterprise both approve (the partner's
    agreement still active); either may reject. Announces each decision
(``offer_decision_recorded``, naming the party still awaited) and the offer
made (``application_offered``)."""
    application = visible_application(uow, application_id, actor)
    target = domain.offer_decision(application, party, fields["approve"])
    approval = {"approve": fields["approve"], "actor": fields["actor"], "at": now}
    updates = {"offer_approvals.%s" % party: approval}
    if target == "interviewed":
        update_application(uow, application, "interviewed", updates)
    elif target == "rejected":
        update_application(uow, application, "rejected", {
            **updates, "rejection": {"party": party, "reason": fields["reason"]}},
            reason=fields["reason"])
    else:
        if application["partner_id"] is not None:
            domain.check_agreement_still_active(
                records(uow).agreements_of(application["partner_id"]), application, now.date())
        expires = domain.offer_expiry(now, fields["respond_within_days"])
        update_application(uow, application, "offered",
                           {**updates, "offer_expires_at": expires})
        records(uow).reserve_seat(application)
        emit(uow, "application_offered", {
            "application_id": application["_id"],
            "applicant_id": application["applicant_id"],
            "programme_id": application["programme_id"],
            "partner_id": application["partner_id"],
        })
    awaiting = domain.offer_awaiting(application, party) if target == "interviewed" else None
    emit(uow, "offer_decision_recorded", {
        "application_id": application["_id"], "programme_id": application["programme_id"],
        "partner_id": application["partner_id"], "party": party,
        "approve": fields["approve"], "status": target, "awaiting": awaiting})
    return records(uow).application(application_id)


def advance(uow: Any, application_id: str, target: str, updates: Document,
            reason: str | None, party: str, now: datetime, actor: Actor = None) -> Document:
    """The application moved to ``target`` by ``party`` (screening, interview,
    the applicant's answer or withdrawal); a seat it held is released when
    it leaves the seat-holding states."""
    application = visible_application(uow, application_id, actor)
    domain.check_offer_open(application, target, now)
    extra = dict(updates)
    if target == "rejected":
        extra["rejection"] = {"party": party, "reason": reason}
    update_application(uow, application, target, extra, reason)
    if domain.releases_seat(application["status"], target):
        records(uow).release_seat(application, "reserved", reason=target)
    return records(uow).application(application_id)


def application(uow: Any, application_id: str, actor: Actor = None) -> Document:
    return visible_application(uow, application_id, actor)


def new_import_applicant(fields: Document) -> Document:
    return {"_id": new_id(), **fields, "identity_key": domain.identity_key(fields),
            "created_at": utcnow()}
