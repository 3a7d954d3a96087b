"""Every use case of the certificates service, as functions of one unit of
work (``uow``): they read and write through ``uow.records``
(``certificates.records``), check the rules of ``certificates.domain`` and
emit the event that announces the change, so the write and its event commit
together. The entrypoints (``certificates.entrypoints``) run them inside
``store.transact``; those that only read run outside a transaction on
``store.reading()``.
"""
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any, Optional, Protocol

from certificates import credentials, domain
from certificates.records import CertificatesRecords
from college_contracts import checked_all, emitter
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

    def emit_many(self, event_type: str, items: Iterable[Any],
                  schema_version: int = 1) -> Any: ...

    def count(self, name: str, documentation: str, **labels: Any) -> None: ...


def emit_all(uow: UnitOfWork, event_type: str, items: list[Document]) -> None:
    """``emit`` for many events of one type: checked against the contract, then
    written to the outbox at once."""
    if items:
        uow.emit_many(event_type, checked_all("certificates", event_type, items))


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

def registration_event(registration: Document) -> Document:
    return {
        "registration_id": registration["_id"], "session_id": registration["session_id"],
        "certificate_code": registration["certificate_code"],
        "level": registration["level"], "candidate_id": registration["candidate_id"],
        "candidate_kind": registration["candidate_kind"],
        "status": registration["status"]}


def announce_registration(uow: UnitOfWork, registration: Document) -> None:
    emit(uow, "exam_registered", registration_event(registration))


def announce_registrations(uow: UnitOfWork, registrations: list[Document]) -> None:
    """``exam_registered`` for each, written to the outbox in one statement."""
    emit_all(uow, "exam_registered", [registration_event(r) for r in registrations])


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
        announce_registrations(uow, registrations)
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
    emit(uow, "result_recorded", result_event(registration, result))
    return result


def result_event(registration: Document, result: Document) -> Document:
    """``result_recorded``'s data."""
    return {
        "registration_id": registration["_id"], "candidate_id": registration["candidate_id"],
        "candidate_kind": registration["candidate_kind"],
        "certificate_code": registration["certificate_code"],
        "level": registration["level"], "theory": result["theory"],
        "practical": result["practical"], "passed": result["passed"]}


def issue(uow: UnitOfWork, registration: Document, certificate: Document, result: Document,
          now: datetime, issuer: Any) -> str:
    """The certificate of a pass, with its credential signed by the active key
    and an entry on the revocation status list. Returns its number."""
    return issue_certificate(uow, candidate_id=registration["candidate_id"],
                             candidate_kind=registration["candidate_kind"],
                             certificate=certificate, level=registration["level"], now=now,
                             issuer=issuer, result=result,
                             registration_id=registration["_id"])


def issue_certificate(uow: UnitOfWork, *, candidate_id: str, candidate_kind: str,
                      certificate: Document, level: str, now: datetime, issuer: Any,
                      result: Optional[Document] = None, registration_id: Optional[str] = None,
                      award: Optional[Document] = None) -> str:
    """A certificate with its credential signed by the active key and an entry
    on the revocation status list, issued on an exam passed (``result`` and
    ``registration_id``) or on a competition ``award`` standing in for the
    exam. A student's credential links their project deliverables and their
    awards in force. Announces ``certificate_issued``; returns the number."""
    key = issuer.key_ring.active
    domain.check_signing_key(key)
    records = uow.records
    status_index = records.next_count("status_index")
    domain.check_status_index(status_index, credentials.STATUS_LIST_SIZE)
    candidate = records.candidate(candidate_id) or {}
    evidence: list[Document] = []
    award_evidence: list[Document] = []
    if domain.has_evidence(candidate_kind):
        evidence = records.evidence_of(candidate_id, domain.MAX_EVIDENCE)
        award_evidence = domain.award_evidence(
            records.awards_in_force(candidate_id, domain.MAX_AWARD_EVIDENCE))
    issued = signed_certificate(
        key, issuer, candidate_id=candidate_id, candidate_kind=candidate_kind,
        candidate=candidate, certificate=certificate, level=level, now=now,
        status_index=status_index, evidence=evidence, award_evidence=award_evidence,
        result=result, registration_id=registration_id, award=award)
    records.add_issued(issued)
    uow.count("certificates_issued", "Certificates issued, by level.", level=level)
    emit(uow, "certificate_issued", issue_event(issued, candidate))
    return str(issued["_id"])


def signed_certificate(key: Any, issuer: Any, *, candidate_id: str, candidate_kind: str,
                       candidate: Document, certificate: Document, level: str, now: datetime,
                       status_index: int, evidence: list[Document],
                       award_evidence: list[Document], result: Optional[Document] = None,
                       registration_id: Optional[str] = None,
                       award: Optional[Document] = None) -> Document:
    """The issued certificate's document with its credential signed by ``key``
    (what ``issue_certificate`` stores), from what was read for it."""
    number = domain.certificate_number(certificate["code"], level, now.year)
    valid_until = domain.valid_until(now.date(), certificate.get("validity_years"))
    unsigned = credentials.certificate_credential(
        issuer=issuer.profile, base_url=issuer.base_url, number=number,
        certificate=certificate, level=level,
        holder={"id": candidate_id, "kind": candidate_kind, "name": candidate.get("name")},
        result=result, award=award, issued_at=now, status_index=status_index,
        evidence=evidence, award_evidence=award_evidence,
        valid_until=valid_until and datetime.combine(valid_until, time(23, 59, 59),
                                                     tzinfo=now.tzinfo))
    credential = credentials.sign(unsigned, key, now)
    issued = {
        "_id": number, "certificate_code": certificate["code"],
        "title": certificate["title"], "level": level,
        "candidate_id": candidate_id, "candidate_kind": candidate_kind,
        "holder_name": candidate.get("name"), "registration_id": registration_id,
        "issued_on": now.date().isoformat(),
        "valid_until": valid_until and valid_until.isoformat(),
        "signed_with": key.key_id, "status_index": status_index,
        "credential": credential, "revoked": False, "revocation_reason": None,
        "revoked_at": None, "created_at": utcnow()}
    if award is not None:
        issued["basis"] = domain.award_basis(award)
    return issued


def issue_event(issued: Document, candidate: Document) -> Document:
    """``certificate_issued``'s data."""
    return {
        "certificate_number": issued["_id"], "candidate_id": issued["candidate_id"],
        "candidate_kind": issued["candidate_kind"],
        "certificate_code": issued["certificate_code"], "level": issued["level"],
        "issued_on": issued["issued_on"], "partner_id": candidate.get("partner_id")}


# results imported ---------------------------------------------------------------------------

def record_results(uow: UnitOfWork, session_id: str, rows: list[Document], now: datetime,
                   issuer: Any) -> list[Document]:
    """Many results of a session at once (the rows of a CSV import,
    ``domain.parse_results_csv``'s), each row checked as ``record_result``
    checks one: the candidate registered for the session with a seat and no
    result yet (a second row for a candidate finds the first recorded), and
    for a pass a signing key and a free status-list entry. A row refused is
    reported with the reason and the others are recorded, each pass issued
    its certificate as ``issue_certificate`` issues one.

    A few statements for all the rows, not a few per row: the registrations
    and their certificate read at once, the passes issued at once
    (``issue_certificates``), the results written in one bulk update and
    announced in one outbox write. Announces ``certificate_issued`` for each
    pass and ``result_recorded`` for each row recorded. Returns the report's
    rows ({"row", "candidate_id", "status", ...}) in the rows' order."""
    records = uow.records
    found = records.registrations_with_seats(
        [domain.seat_key(session_id, row["candidate_id"]) for row in rows])
    catalogue = {code: records.certificate(code)
                 for code in sorted({r["certificate_code"] for r in found.values()})}
    report: list[Document] = []
    planned: list[tuple[Document, Document, Document]] = []  # (its report, registration, result)
    seen: set[str] = set()
    for row in rows:
        outcome: Document = {"row": row["row"], "candidate_id": row["candidate_id"]}
        report.append(outcome)
        registration = found.get(domain.seat_key(session_id, row["candidate_id"]))
        if registration is None:
            outcome.update(status="rejected", errors={
                "candidate_id": ["Not registered for this session."]})
            continue
        result = domain.result_of(catalogue[registration["certificate_code"]]["pass_rule"],
                                  {"theory": row["theory"], "practical": row["practical"]},
                                  now)
        try:
            domain.check_result_recordable(registration,
                                           recorded_above=registration["_id"] in seen)
            if result["passed"]:
                domain.check_signing_key(issuer.key_ring.active)
        except Conflict as exc:
            outcome.update(status="rejected", errors={"_row": [exc.detail]})
            continue
        seen.add(registration["_id"])
        planned.append((outcome, registration, result))
    issued, refused = issue_certificates(
        uow, [(registration, result) for _, registration, result in planned
              if result["passed"]], catalogue, now, issuer)
    changes: list[tuple[Document, Document, Optional[str]]] = []
    for outcome, registration, result in planned:
        if registration["_id"] in refused:
            outcome.update(status="rejected", errors={"_row": [refused[registration["_id"]]]})
            continue
        number = issued[registration["_id"]]["_id"] if result["passed"] else None
        changes.append((registration, result, number))
        outcome.update(status="recorded", registration_id=registration["_id"],
                       passed=result["passed"], certificate_number=number)
    if changes:
        written = records.set_results([(registration["_id"], {
            "result": result, "certificate_number": number})
            for registration, result, number in changes])
        if written != len(changes):  # a result recorded since the registrations were read
            raise Conflict("results of the session were recorded meanwhile; try again")
        emit_all(uow, "result_recorded", [result_event(registration, result)
                                          for registration, result, _ in changes])
    return report


def issue_certificates(uow: UnitOfWork, passes: list[tuple[Document, Document]],
                       catalogue: dict[str, Document], now: datetime, issuer: Any
                       ) -> tuple[dict[str, Document], dict[str, str]]:
    """The certificates of many exams passed (``[(registration, result)]``,
    with a signing key), each as ``issue_certificate`` issues one, with one
    statement per collection for them all: the status-list entries taken at
    once, the candidates, their evidence and awards read at once, the
    certificates inserted and announced at once. Returns (the issued documents
    by registration id, {registration id: why not issued} for the passes that
    found the revocation status list full)."""
    if not passes:
        return {}, {}
    records = uow.records
    key = issuer.key_ring.active
    first = records.reserve_counts("status_index", len(passes))
    refused: dict[str, str] = {}
    issuable: list[tuple[Document, Document, int]] = []
    for offset, (registration, result) in enumerate(passes):
        try:
            domain.check_status_index(first + offset, credentials.STATUS_LIST_SIZE)
        except Conflict as exc:
            refused[registration["_id"]] = exc.detail
            continue
        issuable.append((registration, result, first + offset))
    kinds = {registration["candidate_id"]: registration["candidate_kind"]
             for registration, _, _ in issuable}
    candidates = records.candidates(list(kinds)) if kinds else {}
    students = [candidate_id for candidate_id, kind in kinds.items()
                if domain.has_evidence(kind)]
    evidence = records.evidence_of_students(students, domain.MAX_EVIDENCE) if students else {}
    awards = records.awards_in_force_of(students, domain.MAX_AWARD_EVIDENCE) \
        if students else {}
    issued: dict[str, Document] = {}
    for registration, result, status_index in issuable:
        candidate_id = registration["candidate_id"]
        issued[registration["_id"]] = signed_certificate(
            key, issuer, candidate_id=candidate_id,
            candidate_kind=registration["candidate_kind"],
            candidate=candidates.get(candidate_id) or {},
            certificate=catalogue[registration["certificate_code"]],
            level=registration["level"], now=now, status_index=status_index,
            evidence=evidence.get(candidate_id, []),
            award_evidence=domain.award_evidence(awards.get(candidate_id, [])),
            result=result, registration_id=registration["_id"])
    if issued:
        records.add_issued_many(list(issued.values()))
        for document in issued.values():
            uow.count("certificates_issued", "Certificates issued, by level.",
                      level=document["level"])
        emit_all(uow, "certificate_issued", [
            issue_event(document, candidates.get(document["candidate_id"]) or {})
            for document in issued.values()])
    return issued, refused


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
    add_grant(uow, domain.new_grant(student_id, number, rule, utcnow()))


def add_grant(uow: UnitOfWork, grant: Document) -> None:
    """A grant into the credit bank, on the ledger; announces ``credits_granted``."""
    uow.records.add_grant(grant)
    uow.records.add_ledger_entry(domain.ledger_entry(new_id(), "grant", grant, None, utcnow()))
    uow.count("credit_grants", "Credit grants made, from certificates and competition awards.")
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


# skills competitions --------------------------------------------------------------------------

def create_competition(uow: UnitOfWork, fields: Document) -> Document:
    """A competition, aligned with catalogued certificates at their levels."""
    records = uow.records
    domain.check_competition_certificates(
        fields["certificates"],
        records.certificates_with_codes({item["code"] for item in fields["certificates"]}))
    competition = domain.new_competition(new_id(), fields, utcnow())
    records.add_competition(competition)
    return competition


def enter(uow: UnitOfWork, competition_id: str, fields: Document) -> Document:
    """An individual or a team entered in an open competition: known active
    students, each entering it once, and known teachers as tutors."""
    records = uow.records
    competition = records.competition(competition_id)
    domain.check_entries_open(competition)
    students, tutors = fields["student_ids"], fields["tutor_ids"]
    domain.check_entrants(students, tutors, records.candidates(students + tutors))
    domain.check_not_entered(students, records.entered(competition_id, students))
    # conditional on the competition still open; two entries (or an entry and the
    # results) racing conflict on the competition, and the loser is tried again
    if not records.count_entry(competition_id):
        domain.check_entries_open({**competition, "status": domain.RESULTS_RECORDED})
    entry = domain.new_entry(new_id(), competition_id, fields, utcnow())
    records.add_entry(entry)
    return entry


def visible_entries(uow: UnitOfWork, competition_id: str, params: Document, actor: Actor,
                    view: Any) -> Document:
    """A page of the competition's entries the actor may see."""
    uow.records.competition(competition_id)
    criteria = {"competition_id": competition_id}
    if params.get("student_id"):
        criteria["student_ids"] = params["student_id"]
    scoped = domain.within_scope(criteria, domain.entry_scope(actor))
    if scoped is None:
        return empty_page(params)
    page: Document = uow.records.entries_page(scoped, params, view)
    return page


def empty_page(params: Document) -> Document:
    return {"items": [], "total": 0, "offset": params["offset"], "limit": params["limit"]}


def record_competition_result(uow: UnitOfWork, competition_id: str, row: Document,
                              now: datetime, issuer: Any) -> Document:
    """One entry's result (``{"entry_id", "award", "rank"}``) as its row of the
    report (``{"entry_id", "outcome", "award_ids"}``). The same result again
    changes nothing; a different one withdraws the awards that changed
    (reason "result corrected") and grants the new ones. The competition's
    results are then recorded: it takes no more entries."""
    records = uow.records
    competition = records.competition(competition_id)
    entry = domain.check_entry_of(records.find_entry(row["entry_id"]), row["entry_id"],
                                  competition_id)
    outcome = domain.result_outcome(entry["result"], row["award"], row["rank"])
    granted: list[str] = []
    if outcome != domain.UNCHANGED:
        withdraw, grant = domain.award_changes(entry, row["award"],
                                               records.awards_of_entry(entry["_id"]))
        for award in withdraw:
            withdraw_award(uow, award, domain.RESULT_CORRECTED, now)
        for student_id in grant:
            granted.append(grant_award(uow, competition, entry, student_id, row["award"],
                                       now, issuer)["_id"])
        records.set_entry_result(entry["_id"], {"award": row["award"], "rank": row["rank"],
                                                "recorded_at": now})
    if competition["status"] != domain.RESULTS_RECORDED:
        records.results_recorded(competition_id)
    return {"entry_id": entry["_id"], "outcome": outcome, "award_ids": granted}


def grant_award(uow: UnitOfWork, competition: Document, entry: Document, student_id: str,
                award_name: str, now: datetime, issuer: Any) -> Document:
    """A student's award, announced as ``award_granted``; under the award rule
    of the student's programme, level and award, its credits into the credit
    bank and, where the rule says so, the certificate issued without an exam
    unless the student holds it at that level or higher."""
    records = uow.records
    award = domain.new_award(competition, entry, student_id, records.candidate(student_id),
                             award_name, now)
    records.save_award(award)
    emit(uow, "award_granted", domain.award_event(award))
    uow.count("competition_awards", "Competition awards granted, by level.",
              level=award["level"])
    rule = records.award_rule(domain.award_rule_id(award["programme_id"], award["level"],
                                                   award["award"]))
    if rule is None:
        return award
    if domain.grants_something(rule):
        add_grant(uow, domain.new_award_grant(award, rule, utcnow()))
    stand_in = domain.stand_in_to_issue(rule, records.held(student_id))
    if stand_in is not None:
        award["certificate_number"] = issue_certificate(
            uow, candidate_id=student_id, candidate_kind="student",
            certificate=records.certificate(stand_in["certificate_code"]),
            level=stand_in["level"], now=now, issuer=issuer, award=award)
        records.set_award_certificate(award["_id"], award["certificate_number"])
    return award


def withdraw_award(uow: UnitOfWork, award: Document, reason: str, now: datetime) -> None:
    """Withdraw an award in force: its credits reversed, a certificate issued on
    it revoked; announces ``award_withdrawn``."""
    records = uow.records
    records.withdraw_award(award["_id"], reason, now)
    emit(uow, "award_withdrawn", {**domain.award_event(award), "reason": reason})
    why = domain.award_withdrawal_reason(reason)
    for grant in records.grants_of_award(award["_id"]):
        reverse(uow, grant, why)
    number = award.get("certificate_number")
    issued = records.find_issued(number) if number else None
    if issued and not issued["revoked"]:
        revoke(uow, issued["_id"], why)


def withdraw(uow: UnitOfWork, award_id: str, reason: str, now: datetime) -> Document:
    """The college withdraws an award (a disqualification); twice is a conflict."""
    award = uow.records.award(award_id)
    domain.check_withdrawable(award)
    withdraw_award(uow, award, reason, now)
    found: Document = uow.records.award(award_id)
    return found


def visible_award(uow: UnitOfWork, award_id: str, actor: Actor) -> Document:
    award: Document = uow.records.award(award_id)
    domain.check_award_visible(actor, award)
    return award


def visible_awards(uow: UnitOfWork, params: Document, actor: Actor, view: Any) -> Document:
    """A page of the awards the actor may see, filtered."""
    criteria = {key: params[key] for key in ("student_id", "competition_id", "level", "status")
                if params.get(key) is not None}
    scoped = domain.within_scope(criteria, domain.award_scope(actor))
    if scoped is None:
        return empty_page(params)
    page: Document = uow.records.awards_page(scoped, params, view)
    return page


def set_award_rule(uow: UnitOfWork, fields: Document) -> tuple[Document, list[Document]]:
    """Create or change an award rule and apply its credits to the programme's
    awards in force of that level and award, as a certificate rule is applied
    (a reversal of each old grant and the new grant). Its exam stand-in holds
    for awards granted from now on only."""
    records = uow.records
    if not records.programme(fields["programme_id"]):
        raise domain.unknown_programme(fields["programme_id"])
    stand_in = fields.get("exam_stand_in")
    if stand_in is not None:
        domain.check_stand_in(stand_in, records.find_certificate(stand_in["certificate_code"]))
    rule_id = domain.award_rule_id(fields["programme_id"], fields["competition_level"],
                                   fields["award"])
    rule = domain.next_rule(fields, rule_id, records.award_rule(rule_id), utcnow())
    records.save_award_rule(rule)
    limit = domain.MAX_REEVALUATED_HOLDERS
    awards = records.awards_for_rule(rule["programme_id"], rule["competition_level"],
                                     rule["award"], limit + 1)
    domain.check_holders_limit(awards, limit)
    grants = records.grants_of_awards([a["award_id"] for a in awards], rule["programme_id"])
    changes: list[Document] = domain.credit_changes(awards, grants, rule, key="award_id")
    for change in changes:
        grant = grants.get(change["award_id"])
        if grant:
            reverse(uow, grant, domain.award_rule_changed_reason(rule))
        if change["proposed"]:
            add_grant(uow, domain.new_award_grant(
                {"_id": change["award_id"], "student_id": change["student_id"]}, rule,
                utcnow()))
    return rule, changes


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

