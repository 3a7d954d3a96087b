"""What several of enrollment's workflows share: the checked ``emit``, the
objects an actor may see, and the announcements more than one use case makes."""
from __future__ import annotations

from typing import Any

from college_contracts import emitter
from college_platform.envelope import utcnow
from enrollment import domain
from enrollment.records import EnrollmentRecords

Document = dict[str, Any]
Actor = dict[str, Any] | None

emit = emitter("enrollment")


def records(uow: Any) -> EnrollmentRecords:
    store: EnrollmentRecords = uow.records
    return store


def visible_partner(uow: Any, partner_id: str, actor: Actor) -> Document:
    domain.check_visible(actor, "partner", partner_id, enterprise_id=partner_id)
    return records(uow).partner(partner_id)


def visible_agreement(uow: Any, agreement_id: str, actor: Actor) -> Document:
    agreement = records(uow).agreement(agreement_id)
    domain.check_visible(actor, "agreement", agreement_id, enterprise_id=agreement["partner_id"])
    return agreement


def visible_application(uow: Any, application_id: str, actor: Actor) -> Document:
    application = records(uow).application(application_id)
    domain.check_visible(actor, "application", application_id,
                         enterprise_id=application["partner_id"])
    return application


def visible_tripartite(uow: Any, agreement_id: str, actor: Actor) -> Document:
    """A version of the tripartite agreement, seen as its application is (404
    naming the application, as the agreement's application is not the actor's)."""
    agreement = records(uow).tripartite(agreement_id)
    if actor is not None:
        visible_application(uow, agreement["application_id"], actor)
    return agreement


def visible_student(uow: Any, student_id: str, actor: Actor) -> Document:
    # a student is told only about their own record, before it is even looked up
    if (actor or {}).get("kind") == "student":
        domain.check_visible(actor, "student", student_id, student_ids=(student_id,))
    student = records(uow).student(student_id)
    domain.check_visible(actor, "student", student_id, enterprise_id=student["partner_id"],
                         student_ids=(student_id,))
    return student


def announce_agreement(uow: Any, agreement: Document, force_changed: bool = False) -> None:
    event = domain.agreement_event(agreement, force_changed)
    emit(uow, event, {
        "agreement_id": agreement["_id"], "partner_id": agreement["partner_id"],
        "status": agreement["status"],
        "programme_ids": records(uow).programme_ids_with_codes(agreement["programme_codes"]),
        "programme_codes": agreement["programme_codes"],
        "starts_on": agreement["starts_on"], "ends_on": agreement["ends_on"],
    })


def set_agreement_status(uow: Any, agreement: Document, target: str,
                         reason: str | None) -> Document:
    stored = records(uow).set_agreement_status(agreement, target, reason, utcnow())
    announce_agreement(uow, {**agreement, "status": target})
    return stored


def update_application(uow: Any, application: Document, target: str, updates: Document,
                       reason: str | None = None) -> None:
    """The application moved to ``target`` (a legal transition) with ``updates``;
    counted by the state it reached."""
    if target != application["status"]:
        domain.application_transition(application["status"], target)
    history = None
    if target != application["status"]:
        history = {"status": target, "reason": reason, "at": utcnow()}
        uow.count("applications", "Applications that reached each state.", state=target)
    records(uow).update_application(application, target, updates, history)


def announce_tripartite(uow: Any, agreement: Document) -> None:
    """An enrolled student's 360 shows the versions of their agreement."""
    emit(uow, "tripartite_agreement_changed", {
        "agreement_id": agreement["_id"], "application_id": agreement["application_id"],
        "student_id": agreement.get("student_id"), "version": agreement["version"],
        "status": agreement["status"]})


def announce_status_change(uow: Any, student: Document, status: str, reason: str | None,
                           updates: Document | None = None,
                           from_programme_id: str | None = None) -> None:
    """``enrolment_status_changed``: the student as read, and what ``updates``
    moved (a transfer: active, in the new programme, from ``from_programme_id``)."""
    updates = updates or {}
    emit(uow, "enrolment_status_changed", {
        "student_id": student["_id"],
        "programme_id": updates.get("programme_id", student["programme_id"]),
        "previous_status": student["status"], "status": status, "reason": reason,
        "from_programme_id": from_programme_id,
        "partner_id": updates.get("partner_id", student.get("partner_id")),
        "previous_partner_id": student.get("partner_id"),
        "programme_kind": updates.get("programme_kind", student.get("programme_kind"))})
