"""The tripartite agreement (college, enterprise, student, a minor's
guardian), enrolment with its student number and consumed seat (and an
apprentice's contract), and a student's later status changes."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from college_contracts import checked
from college_platform.envelope import utcnow
from college_platform.repository import PENDING, new_id
from enrollment import domain
from enrollment.workflows.common import (
    Actor,
    Document,
    announce_status_change,
    announce_tripartite,
    emit,
    records,
    update_application,
    visible_application,
    visible_student,
    visible_tripartite,
)


def new_student(programme: Document, application: Document, applicant: Document,
                sequence: int, minor: bool, today: date,
                tripartite_agreement_id: str | None = None, action: str = "enrol") -> Document:
    now = utcnow()
    return {
        "_id": new_id(), "application_id": application["_id"],
        "applicant_id": applicant["_id"], "name": applicant["name"],
        "student_number": domain.student_number(programme["intake_year"],
                                                programme["code"], sequence),
        "programme_id": programme["_id"], "programme_code": programme["code"],
        "programme_kind": programme["kind"], "partner_id": application["partner_id"],
        "intake_year": programme["intake_year"], "minor": minor, "status": "active",
        "enrolled_on": today.isoformat(), "tripartite_agreement_id": tripartite_agreement_id,
        "history": [{"status": "active", "action": action, "at": now}],
        "created_at": now,
        PENDING: True,  # numbered in the list of all students just after
    }


def announce_enrolments(uow: Any, students: list[Document]) -> None:
    for student in students:
        uow.count("enrolments", "Students enrolled, by programme kind.",
                  programme_kind=student["programme_kind"])
    uow.emit_many("student_enrolled", [checked("enrollment", "student_enrolled", {
        key: student[key] for key in (
            "student_number", "name", "programme_id", "programme_code",
            "programme_kind", "partner_id", "intake_year", "minor")
    } | {"student_id": student["_id"]}) for student in students])


# -- tripartite agreements ------------------------------------------------------------------

def prepare_tripartite(uow: Any, application_id: str, terms: str, today: date) -> Document:
    """A new version of the agreement for an accepted (or enrolled) application,
    the earlier ones superseded; announces ``tripartite_agreement_changed``."""
    store = records(uow)
    application = store.application(application_id)
    domain.check_may_prepare_tripartite(application)
    applicant = store.applicant(application["applicant_id"])
    minor = domain.is_minor(date.fromisoformat(applicant["birth_date"]), today)
    latest = store.latest_tripartite(application_id)
    version = latest["version"] + 1 if latest else 1
    if latest:
        store.supersede_tripartites(application_id)
    agreement: Document = {"_id": new_id(), "application_id": application_id,
                           "student_id": application.get("student_id"), "version": version,
                           "terms": terms, "minor": minor,
                           "required_parties": domain.tripartite_signatories(
                               minor, application["partner_id"]),
                           "signatures": {}, "status": "awaiting_signatures",
                           "created_at": utcnow()}
    store.add_tripartite(agreement)
    announce_tripartite(uow, agreement)
    return agreement


def sign_tripartite(uow: Any, agreement_id: str, fields: Document,
                    actor: Actor = None) -> Document:
    """One party's signature, with who signed and who recorded it."""
    agreement = visible_tripartite(uow, agreement_id, actor)
    party = fields["party"]
    signed = domain.sign(agreement, party, fields["signer"], utcnow())
    signed["signatures"][party]["recorded_by"] = fields["actor"]
    records(uow).record_signature(agreement_id, party, signed["signatures"][party],
                                  signed["status"])
    announce_tripartite(uow, signed)
    return signed


def tripartite(uow: Any, agreement_id: str, actor: Actor = None) -> Document:
    return visible_tripartite(uow, agreement_id, actor)


def check_tripartites_visible(uow: Any, application_id: str, actor: Actor = None) -> None:
    """An application's agreements are listed to whom sees the application (and
    an application that does not exist has none to list, 404)."""
    if actor is not None:
        visible_application(uow, application_id, actor)


# -- enrolment ------------------------------------------------------------------------------

def enrol(uow: Any, application_id: str, contract_terms: Document | None,
          today: date) -> Document:
    """A student from an accepted offer whose tripartite agreement every party
    (a minor's guardian too) signed: a student number, the reserved seat
    consumed, an apprentice's contract. Announces ``student_enrolled`` (and
    ``apprentice_contract_signed``)."""
    store = records(uow)
    application = store.application(application_id)
    domain.check_enrollable(application)
    programme = store.programme(application["programme_id"])
    domain.check_contract_given(programme, contract_terms)
    applicant = store.applicant(application["applicant_id"])
    minor = domain.is_minor(date.fromisoformat(applicant["birth_date"]), today)
    agreement = domain.check_tripartite_complete(store.signed_tripartite(application_id), minor)
    sequence = store.student_sequences(programme, 1)[0]
    student = new_student(programme, application, applicant, sequence, minor, today,
                          tripartite_agreement_id=agreement["_id"])
    store.add_student(student)
    update_application(uow, application, "enrolled", {"student_id": student["_id"]})
    store.link_tripartites_to_student(application_id, student["_id"])
    store.consume_seat(application, student["_id"])
    announce_enrolments(uow, [student])
    if contract_terms is not None:
        domain.check_contract_partner(application)
        contract = {"_id": new_id(), "student_id": student["_id"],
                    "partner_id": application["partner_id"],
                    "programme_id": programme["_id"],
                    **contract_terms, "starts_on": contract_terms["starts_on"].isoformat(),
                    "ends_on": contract_terms["ends_on"].isoformat(),
                    "created_at": utcnow()}
        store.add_apprentice_contract(contract)
        student["apprentice_contract"] = contract
        emit(uow, "apprentice_contract_signed", {
            "contract_id": contract["_id"], "student_id": student["_id"],
            "partner_id": contract["partner_id"], "programme_id": contract["programme_id"],
            "starts_on": contract["starts_on"], "ends_on": contract["ends_on"]})
    return student


def student(uow: Any, student_id: str, actor: Actor = None) -> Document:
    return visible_student(uow, student_id, actor)


def change_student_status(uow: Any, student_id: str, fields: Document,
                          now: datetime) -> Document:
    """Suspend, resume, withdraw (the seat released) or transfer (the seat
    moved to the new programme); announces ``enrolment_status_changed``."""
    store = records(uow)
    action = fields["action"]
    student = store.student(student_id)
    status = domain.enrolment_change(student["status"], action)
    updates: Document = {"status": status}
    from_programme_id = None
    if action == "withdraw":
        store.release_student_seat(student, reason="withdrawn")
    elif action == "transfer":
        target = domain.check_known_programme(store.find_programme(fields["programme_id"]),
                                              fields["programme_id"])
        domain.check_transfer_target(student, target)
        partner_id = domain.partner_for(target, fields["partner_id"])
        store.release_student_seat(student, reason="transferred")
        store.consume_seat_directly(target, partner_id, student["_id"])
        from_programme_id = student["programme_id"]
        updates.update({"programme_id": target["_id"], "programme_code": target["code"],
                        "programme_kind": target["kind"], "partner_id": partner_id})
    stored = store.change_student(student, updates, {
        "status": status, "action": action, "reason": fields["reason"],
        "from_programme_id": from_programme_id, "at": now})
    announce_status_change(uow, student, status, fields["reason"], updates, from_programme_id)
    return stored

