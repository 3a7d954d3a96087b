"""Every use case of the certificates service, as functions of one unit of
work (``uow``): they read and write through ``uow.records``
(``certificates.records``), check the rules of ``certificates.domain`` and
emit the event that announces the change, so the write and its event commit
together. The entrypoints (``certificates.entrypoints``) run them inside
``store.transact``; those that only read run outside a transaction on
``store.reading()``.
"""
from datetime import date, datetime, time
from typing import Any, Optional, Protocol

from certificates import credentials, domain
from certificates.records import CertificatesRecords
from college_contracts import emitter
from college_platform.envelope import utcnow
from college_platform.errors import Conflict
from college_platform.repository import new_id

emit = emitter("certificates")

Document = dict[str, Any]
Actor = Optional[Document]


class UnitOfWork(Protocol):
    """What a workflow uses of a unit of work (``college_platform.mongo.UnitOfWork``
    with ``CertificatesRecords``, ``store.reading()`` for reads outside a
    transaction, or ``college_platform.fakes.FakeUnitOfWork`` in tests)."""

    records: CertificatesRecords

    def emit(self, event_type: str, data: Any, schema_version: int = 1) -> Any: ...

    def count(self, name: str, documentation: str, **labels: Any) -> None: ...


# catalogue and exam sessions ----------------------------------------------------------------

def add_certificate(uow: UnitOfWork, certificate: Document) -> Document:
    """Catalogue an X certificate; announces ``certificate_catalogued``."""
    uow.records.add_certificate(certificate)
    emit(uow, "certificate_catalogued", {
        "certificate_id": certificate["_id"], "code": certificate["code"],
        "title": certificate["title"], "levels": certificate["levels"],
    })
    return certificate


def schedule_session(uow: UnitOfWork, fields: Document) -> Document:
    """An exam session of a catalogued certificate, at one of its levels."""
    certificate = uow.records.certificate(fields["certificate_code"])
    domain.check_session_level(certificate, fields["level"])
    exam_session = {
        "_id": new_id(), **fields, "exam_date": fields["exam_date"].isoformat(),
        "registration_deadline": fields["registration_deadline"].isoformat(),
        "seats_taken": 0, "waitlist_seq": 0, "created_at": utcnow()}
    uow.records.add_session(exam_session)
    return exam_session


# registrations ------------------------------------------------------------------------------

def announce_registration(uow: UnitOfWork, registration: Document) -> None:
    emit(uow, "exam_registered", {
        "registration_id": registration["_id"], "session_id": registration["session_id"],
        "certificate_code": registration["certificate_code"],
        "level": registration["level"], "candidate_id": registration["candidate_id"],
        "candidate_kind": registration["candidate_kind"],
        "status": registration["status"]})


def register(uow: UnitOfWork, session_id: str, fields: Document, today: date) -> Document:
    """A candidate registered for a session: a seat while there is one, else
    the waiting list. Announces ``exam_registered``."""
    records = uow.records
    exam_session = records.exam_session(session_id)
    certificate = records.certificate(exam_session["certificate_code"])
    candidate = domain.claimed_candidate(records.candidate(fields["candidate_id"]),
                                         fields["candidate_kind"])
    try:
        domain.check_eligibility(
            candidate=candidate, certificate=certificate, level=exam_session["level"],
            held=records.held(fields["candidate_id"]), today=today,
            deadline=date.fromisoformat(exam_session["registration_deadline"]))
    except domain.Ineligible as exc:
        raise domain.ineligible(exc)
    assert candidate is not None  # check_eligibility refuses an unknown one
    if records.registration_for_seat(domain.seat_key(session_id, fields["candidate_id"])):
        raise Conflict("the candidate is already registered for this session",
                       field="candidate_id")
    seated = records.take_seat(session_id, exam_session["capacity"])
    registration = domain.new_registration(new_id(), exam_session, certificate, candidate,
                                           utcnow())
    if not seated:
        domain.waitlisted(registration, records.next_waitlist_position(session_id))
    records.add_registration(registration)
    announce_registration(uow, registration)
    return registration


def register_group(uow: UnitOfWork, session_id: str, candidate_ids: list[str],
                   today: date) -> list[Document]:
    """A class registered at once (``domain.group_registration``), in one
    transaction; announces ``exam_registered`` for each registration.
    Returns the per-candidate report."""
    records = uow.records
    exam_session = records.exam_session(session_id)
    certificate = records.certificate(exam_session["certificate_code"])
    report, registrations, waitlist = domain.group_registration(
        candidate_ids, exam_session=exam_session, certificate=certificate,
        candidates=records.candidates(candidate_ids), held=records.held_by(candidate_ids),
        taken=records.registrations_for_seats(
            [domain.seat_key(session_id, c) for c in candidate_ids]),
        today=today, new_id=new_id, now=utcnow)
    if registrations:
        seated = sum(1 for r in registrations if r["status"] == "registered")
        # conditional on the counters read above: a concurrent registration
        # makes this match nothing, and the transaction is tried again
        if not records.claim_seats(exam_session, seated, waitlist):
            raise Conflict("the session's seats changed meanwhile; try again")
        records.add_registrations(registrations)
        for registration in registrations:
            announce_registration(uow, registration)
    return report


def visible_registration(uow: UnitOfWork, registration_id: str, actor: Actor) -> Document:
    registration: Document = uow.records.registration(registration_id)
    domain.check_visible(actor, "registration", registration_id, registration["candidate_id"])
    return registration


def cancel_registration(uow: UnitOfWork, registration_id: str,
                        actor: Actor = None) -> Optional[Document]:
    """Cancel a registration; a freed seat goes to the first on the waiting
    list (announced as ``exam_registered`` with status ``registered``).
    Returns the promoted registration, if any."""
    records = uow.records
    registration = visible_registration(uow, registration_id, actor)
    domain.check_cancellable(registration)
    records.cancel_registration(registration_id, domain.cancelled_seat_key(registration_id),
                                utcnow())
    emit(uow, "registration_cancelled", {
        "registration_id": registration_id, "session_id": registration["session_id"],
        "candidate_id": registration["candidate_id"],
        "candidate_kind": registration["candidate_kind"]})
    promoted = None
    if domain.frees_a_seat(registration):
        promoted = records.promote_first_waitlisted(registration["session_id"])
        records.seat_freed(registration["session_id"], taken_again=bool(promoted))
        if promoted:
            announce_registration(uow, promoted)
    return promoted


# results and issuance -------------------------------------------------------------------------

def record_result(uow: UnitOfWork, registration_id: str, scores: Document, now: datetime,
                  issuer: Any) -> Document:
    """A registered candidate's scores; a pass issues the certificate with its
    signed credential. Announces ``result_recorded`` and, on a pass,
    ``certificate_issued``."""
    records = uow.records
    registration = records.registration(registration_id)
    domain.check_result_recordable(registration)
    certificate = records.certificate(registration["certificate_code"])
    result = domain.result_of(certificate["pass_rule"], scores, now)
    changes: Document = {"result": result}
    if result["passed"]:
        changes["certificate_number"] = issue(uow, registration, certificate, result, now,
                                              issuer)
    records.set_result(registration_id, changes)
    emit(uow, "result_recorded", {
        "registration_id": registration_id, "candidate_id": registration["candidate_id"],
        "candidate_kind": registration["candidate_kind"],
        "certificate_code": registration["certificate_code"],
        "level": registration["level"], "theory": scores["theory"],
        "practical": scores["practical"], "passed": result["passed"]})
    return result


def issue(uow: UnitOfWork, registration: Document, certificate: Document, result: Document,
          now: datetime, issuer: Any) -> str:
    """The certificate of a pass, with its credential signed by the active key
    and an entry on the revocation status list. Returns its number."""
    key = issuer.key_ring.active
    domain.check_signing_key(key)
    records = uow.records
    number = domain.certificate_number(certificate["code"], registration["level"], now.year)
    valid_until = domain.valid_until(now.date(), certificate.get("validity_years"))
    status_index = records.next_count("status_index")
    domain.check_status_index(status_index, credentials.STATUS_LIST_SIZE)
    candidate = records.candidate(registration["candidate_id"]) or {}
    evidence = []
    if domain.has_evidence(registration["candidate_kind"]):
        evidence = records.evidence_of(registration["candidate_id"], domain.MAX_EVIDENCE)
    unsigned = credentials.certificate_credential(
        issuer=issuer.profile, base_url=issuer.base_url, number=number,
        certificate=certificate, level=registration["level"],
        holder={"id": registration["candidate_id"], "kind": registration["candidate_kind"],
                "name": candidate.get("name")},
        result=result, issued_at=now, status_index=status_index, evidence=evidence,
        valid_until=valid_until and datetime.combine(valid_until, time(23, 59, 59),
                                                     tzinfo=now.tzinfo))
    credential = credentials.sign(unsigned, key, now)
    issued_on = now.date().isoformat()
    records.add_issued({
        "_id": number, "certificate_code": certificate["code"],
        "title": certificate["title"], "level": registration["level"],
        "candidate_id": registration["candidate_id"],
        "candidate_kind": registration["candidate_kind"],
        "holder_name": candidate.get("name"), "registration_id": registration["_id"],
        "issued_on": issued_on, "valid_until": valid_until and valid_until.isoformat(),
        "signed_with": key.key_id, "status_index": status_index,
        "credential": credential, "revoked": False, "revocation_reason": None,
        "revoked_at": None, "created_at": utcnow()})
    uow.count("certificates_issued", "Certificates issued, by level.",
              level=registration["level"])
    emit(uow, "certificate_issued", {
        "certificate_number": number, "candidate_id": registration["candidate_id"],
        "candidate_kind": registration["candidate_kind"],
        "certificate_code": certificate["code"], "level": registration["level"],
        "issued_on": issued_on, "partner_id": candidate.get("partner_id")})
    return number


# issued certificates --------------------------------------------------------------------------

def visible_issued(uow: UnitOfWork, number: str, actor: Actor) -> Document:
    issued: Document = uow.records.issued(number)
    domain.check_visible(actor, "certificate", number, issued["candidate_id"])
    return issued


def revoke(uow: UnitOfWork, number: str, reason: str) -> None:
    """Revoke an issued certificate, reversing the credits it granted.
    Announces ``certificate_revoked`` (and ``credits_reversed``)."""
    records = uow.records
    issued = records.issued(number)
    domain.check_revocable(issued)
    records.revoke(number, reason, utcnow())
    emit(uow, "certificate_revoked", {
        "certificate_number": number, "candidate_id": issued["candidate_id"],
        "candidate_kind": issued["candidate_kind"], "reason": reason,
        "partner_id": records.partner_of(issued["candidate_id"])})
    for grant in records.grants_of_certificate(number):
        reverse(uow, grant, domain.revocation_reason(reason))


# credit bank ----------------------------------------------------------------------------------

def check_rule_refs(uow: UnitOfWork, rule: Document) -> None:
    """A rule names a programme enrollment made known, and a level of a
    catalogued certificate."""
    if not uow.records.programme(rule["programme_id"]):
        raise domain.unknown_programme(rule["programme_id"])
    certificate = uow.records.certificate(rule["certificate_code"])
    domain.check_rule_level(certificate, rule["level"])


def rule_changes(uow: UnitOfWork, rule: Document) -> list[Document]:
    """What ``rule`` would change for the holders of its certificate in its
    programme (``domain.credit_changes``); refused beyond
    ``domain.MAX_REEVALUATED_HOLDERS`` holders."""
    records = uow.records
    # the programme's students first: the holders of the certificate across all
    # programmes may be many more than those the rule is about
    students = records.programme_students(rule["programme_id"])
    limit = domain.MAX_REEVALUATED_HOLDERS
    holders = records.holders(students, rule["certificate_code"], rule["level"], limit + 1)
    domain.check_holders_limit(holders, limit)
    grants = records.grants_in_programme([h["certificate_number"] for h in holders],
                                         rule["programme_id"])
    changes: list[Document] = domain.credit_changes(holders, grants, rule)
    return changes


def preview_credit_rule(uow: UnitOfWork, rule: Document) -> list[Document]:
    check_rule_refs(uow, rule)
    return rule_changes(uow, rule)


def set_credit_rule(uow: UnitOfWork, fields: Document) -> tuple[Document, list[Document]]:
    """Create or change a conversion rule and apply it to every holder: the
    ledger records a reversal of each old grant and the new grant."""
    check_rule_refs(uow, fields)
    records = uow.records
    rule_id = domain.credit_rule_id(fields["programme_id"], fields["certificate_code"],
                                    fields["level"])
    rule = domain.next_rule(fields, rule_id, records.credit_rule(rule_id), utcnow())
    records.save_credit_rule(rule)
    changes = rule_changes(uow, rule)
    for change in changes:
        grant = records.grant(domain.grant_id(change["certificate_number"],
                                              rule["programme_id"]))
        if grant:
            reverse(uow, grant, domain.rule_changed_reason(rule))
        if change["proposed"]:
            grant_credits(uow, change["student_id"], change["certificate_number"], rule)
    return rule, changes


def grant_credits(uow: UnitOfWork, student_id: str, number: str, rule: Document) -> None:
    grant = domain.new_grant(student_id, number, rule, utcnow())
    uow.records.add_grant(grant)
    uow.records.add_ledger_entry(domain.ledger_entry(new_id(), "grant", grant, None, utcnow()))
    uow.count("credit_grants", "Credit grants made from certificates.")
    emit(uow, "credits_granted", domain.credit_event(grant, None))


def reverse(uow: UnitOfWork, grant: Document, reason: str) -> None:
    uow.records.remove_grant(grant["_id"])
    uow.records.add_ledger_entry(domain.ledger_entry(new_id(), "reversal", grant, reason,
                                                     utcnow()))
    emit(uow, "credits_reversed", domain.credit_event(grant, reason))


def grant_on_issue(uow: UnitOfWork, data: Document) -> None:
    """Credits for an issued certificate, once: the grant's key absorbs a
    second event for the same number."""
    records = uow.records
    issued = records.find_issued(data["certificate_number"])
    student = records.candidate(data["candidate_id"])
    if not domain.may_grant_on_issue(issued, student):
        return
    assert student is not None
    rule = records.credit_rule(domain.credit_rule_id(
        student["programme_id"], data["certificate_code"], data["level"]))
    if rule is None or not domain.grants_something(rule):
        return
    if records.grant(domain.grant_id(data["certificate_number"], rule["programme_id"])):
        return
    grant_credits(uow, data["candidate_id"], data["certificate_number"], rule)


def credit_account(uow: UnitOfWork, params: Document, ledger_view: Any) -> Document:
    """A student's credit account: current grants, totals and the ledger page."""
    student_id = params["student_id"]
    grants = uow.records.grants_of_student(student_id)
    return {**domain.credit_totals(student_id, grants),
            "ledger": uow.records.ledger_page(student_id, params, ledger_view)}


# local copies of other services' data -------------------------------------------------------

def remember_programme(uow: UnitOfWork, data: Document) -> None:
    uow.records.remember("programmes", data["programme_id"], {
        "code": data["code"], "name": data["name"]})


def remember_student(uow: UnitOfWork, data: Document) -> None:
    uow.records.remember("candidates", data["student_id"], {
        "kind": "student", "name": data["name"], "student_number": data["student_number"],
        "programme_id": data["programme_id"], "programme_code": data["programme_code"],
        "partner_id": data["partner_id"], "status": "active"})


def change_enrolment(uow: UnitOfWork, data: Document) -> None:
    """A student's status, programme and sponsor as enrollment changed them;
    the programme's code when the programme changed."""
    fields = {"kind": "student", "status": data["status"],
              "programme_id": data["programme_id"], "partner_id": data["partner_id"]}
    known = uow.records.candidate(data["student_id"]) or {}
    if known.get("programme_id") != data["programme_id"]:
        programme = uow.records.programme(data["programme_id"]) or {}
        fields["programme_code"] = programme.get("code")
    uow.records.remember("candidates", data["student_id"], fields)


def remember_teacher(uow: UnitOfWork, data: Document) -> None:
    uow.records.remember("candidates", data["mentor_id"], {"kind": "teacher",
                                                           "name": data["name"]})


def remember_evidence(uow: UnitOfWork, data: Document) -> None:
    """A completed project's deliverables, as evidence for its students' credentials."""
    for item in domain.usable_evidence(data["evidence"]):
        uow.records.remember("evidence", "%s:%s:%s" % (
            data["project_id"], item["deliverable_id"], item["student_id"]), {
            "student_id": item["student_id"], "project_id": data["project_id"],
            "deliverable_id": item["deliverable_id"], "url": item["url"],
            "name": item.get("name") if isinstance(item.get("name"), str) else None,
            "created_at": utcnow()})

