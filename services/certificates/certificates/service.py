"""Certificates service entrypoints: the 1+X catalogue, exam sessions and
registrations, results, signed credentials with revocation, and the credit bank."""
from datetime import date, datetime, time

from pymongo import ASCENDING, IndexModel, ReturnDocument

from certificates import credentials, domain, summaries
from certificates.dependencies import CredentialIssuer
from certificates.schemas import (
    CertificateSchema,
    CreditRuleChangesSchema,
    CreditRuleInputSchema,
    CreditRuleQuerySchema,
    CreditRuleSchema,
    GroupRegistrationSchema,
    HolderCheckSchema,
    IssuedQuerySchema,
    IssuedSchema,
    LedgerEntrySchema,
    LedgerQuerySchema,
    NewCertificateSchema,
    NewRegistrationSchema,
    NewSessionSchema,
    RegistrationQuerySchema,
    RegistrationSchema,
    ResultsImportReportSchema,
    ResultsImportSchema,
    RevocationSchema,
    ScoresSchema,
    SessionQuerySchema,
    SessionSchema,
    VerificationKeysSchema,
)
from college_contracts import emitter, read
from college_platform.clock import Clock
from college_platform.envelope import utcnow
from college_platform.errors import Conflict, InvalidInput, NotFound
from college_platform.events import event_handler
from college_platform.mongo import MongoStore
from college_platform.repository import (
    RECENT_FIRST,
    get_or_raise,
    group_by,
    new_id,
    newest_first,
    paged_view,
    remember_copy,
)
from college_platform.rpc import rpc
from college_platform.service import PlatformService
from college_platform.summaries import summary_ids
from college_platform.validation import PageQuerySchema, load

certificate_view = CertificateSchema()
session_view = SessionSchema()
registration_view = RegistrationSchema()
issued_view = IssuedSchema()
rule_view = CreditRuleSchema()
ledger_view = LedgerEntrySchema()
rule_changes_view = CreditRuleChangesSchema()
results_report_view = ResultsImportReportSchema()
keys_view = VerificationKeysSchema()
MAX_REEVALUATED_HOLDERS = 2000
MAX_EVIDENCE = 20
# one answer for every number without a certificate, well-formed or not, echoing nothing
UNKNOWN_NUMBER = "no certificate has this number"


emit = emitter("certificates")


def ineligible(exc):
    return InvalidInput(str(exc), errors={exc.field: [str(exc)]})


class CertificatesService(PlatformService):
    name = "certificates"

    store = MongoStore(indexes={
        "catalogue": [IndexModel("code", unique=True, name="code_unique"), RECENT_FIRST],
        "sessions": [RECENT_FIRST, IndexModel(newest_first("certificate_code", "level"),
                                              name="by_certificate")],
        "registrations": [
            RECENT_FIRST,
            # one live registration per candidate and session; a cancelled one frees the key
            IndexModel("seat_key", unique=True, name="seat_key_unique"),
            IndexModel(newest_first("session_id"), name="by_session"),
            IndexModel(newest_first("candidate_id"), name="by_candidate"),
            IndexModel([("session_id", ASCENDING), ("status", ASCENDING),
                        ("waitlist_position", ASCENDING)], name="waitlist"),
        ],
        "issued": [
            RECENT_FIRST,
            IndexModel(newest_first("candidate_id"), name="by_candidate"),
            IndexModel(newest_first("certificate_code"), name="by_certificate"),
            IndexModel([("certificate_code", ASCENDING), ("level", ASCENDING),
                        ("revoked", ASCENDING)], name="holders"),
            IndexModel([("revoked", ASCENDING), ("status_index", ASCENDING)],
                       name="revoked_status"),
            IndexModel("status_index", unique=True, name="status_index_unique"),
        ],
        "counters": [],
        "candidates": [IndexModel("programme_id", name="by_programme"),
                       IndexModel("partner_id", name="by_partner")],
        "programmes": [],
        "evidence": [IndexModel([("student_id", ASCENDING), ("created_at", ASCENDING)],
                                name="by_student")],
        "credit_rules": [RECENT_FIRST, IndexModel(newest_first("programme_id"),
                                                  name="by_programme")],
        "grants": [IndexModel("certificate_number", name="by_certificate"),
                   IndexModel("student_id", name="by_student")],
        "ledger": [IndexModel(newest_first("student_id"), name="by_student")],
    })
    clock = Clock()
    issuer = CredentialIssuer()

    # catalogue -------------------------------------------------------------------

    @rpc
    def add_certificate(self, payload):
        """Add an X certificate to the catalogue; announces ``certificate_catalogued``.

        payload: {"code": "1X-IOT-01", "title": "物联网安装调试与运维",
                  "organisation": "新大陆教育", "levels": ["junior", "intermediate"],
                  "alignment": {"programmes": ["IOT-2027"], "courses": [], "competitions": []},
                  "pass_rule": {"theory_min": 60, "practical_min": 60},
                  "prerequisites": [{"level": "intermediate",
                                     "requires": {"code": "1X-IOT-01", "level": "junior"}}]}
        """
        fields = load(NewCertificateSchema(), payload)
        certificate = {"_id": new_id(), **fields, "created_at": utcnow()}

        def add(uow):
            uow.db.catalogue.insert_one(certificate, session=uow.session)
            emit(uow, "certificate_catalogued", {
                "certificate_id": certificate["_id"], "code": certificate["code"],
                "title": certificate["title"], "levels": certificate["levels"],
            })

        self.store.transact(add, on_duplicate=Conflict(
            "certificate code %s is already in the catalogue" % certificate["code"],
            field="code"))
        return certificate_view.dump(certificate)

    @rpc
    def get_certificate(self, code):
        return certificate_view.dump(self._catalogue_entry(self.store.db, str(code).upper()))

    @rpc
    def list_certificates(self, query=None):
        params = load(PageQuerySchema(), query or {})
        return paged_view(self.store.db.catalogue, {}, params, certificate_view)

    def _catalogue_entry(self, db, code, session=None):
        certificate = db.catalogue.find_one({"code": code}, session=session)
        if certificate is None:
            raise NotFound("certificate %s is not in the catalogue" % code, code=code)
        return certificate

    # exam sessions -----------------------------------------------------------------

    @rpc
    def create_session(self, payload):
        """Schedule an exam session.

        payload: {"certificate_code": "1X-IOT-01", "level": "junior", "site": "实训楼 A302",
                  "exam_date": "2027-06-12", "registration_deadline": "2027-05-31",
                  "capacity": 40}
        """
        fields = load(NewSessionSchema(), payload)
        certificate = self._catalogue_entry(self.store.db, fields["certificate_code"])
        if fields["level"] not in certificate["levels"]:
            raise InvalidInput("the certificate has no such level", errors={
                "level": ["%s is offered at %s." % (certificate["code"],
                                                    ", ".join(certificate["levels"]))]})
        exam_session = {
            "_id": new_id(), **fields, "exam_date": fields["exam_date"].isoformat(),
            "registration_deadline": fields["registration_deadline"].isoformat(),
            "seats_taken": 0, "waitlist_seq": 0, "created_at": utcnow()}
        self.store.transact(lambda uow: uow.db.sessions.insert_one(
            exam_session, session=uow.session))
        return session_view.dump(exam_session)

    @rpc
    def get_session(self, session_id):
        return session_view.dump(get_or_raise(self.store.db.sessions, session_id, "exam session"))

    @rpc
    def list_sessions(self, query=None):
        params = load(SessionQuerySchema(), query or {})
        criteria = {key: params[key] for key in ("certificate_code", "level") if params[key]}
        return paged_view(self.store.db.sessions, criteria, params, session_view)

    # registrations -------------------------------------------------------------------

    @rpc
    def register(self, session_id, payload):
        """Register a candidate for a session: a seat while there is one, else
        the waiting list. Announces ``exam_registered``.

        payload: {"candidate_id": "<student id or teacher's mentor id>"}
        -> {"id": "...", "status": "registered" | "waitlisted", "waitlist_position": null, ...}
        """
        fields = load(NewRegistrationSchema(), payload)
        today = self.clock().date()

        def register(uow):
            db, txn = uow.db, uow.session
            exam_session = get_or_raise(db.sessions, session_id, "exam session", session=txn)
            certificate = self._catalogue_entry(db, exam_session["certificate_code"], txn)
            candidate = db.candidates.find_one({"_id": fields["candidate_id"]}, session=txn)
            if candidate and fields["candidate_kind"] and \
                    candidate["kind"] != fields["candidate_kind"]:
                candidate = None
            try:
                domain.check_eligibility(
                    candidate=candidate, certificate=certificate, level=exam_session["level"],
                    held=self._held(db, fields["candidate_id"], txn), today=today,
                    deadline=date.fromisoformat(exam_session["registration_deadline"]))
            except domain.Ineligible as exc:
                raise ineligible(exc)
            seat_key = "%s:%s" % (session_id, fields["candidate_id"])
            if db.registrations.find_one({"seat_key": seat_key}, session=txn):
                raise Conflict("the candidate is already registered for this session",
                               field="candidate_id")
            # the conditional increment is the seat: it never passes capacity, and two
            # registrations racing for the last seat conflict on this document
            seat = db.sessions.update_one(
                {"_id": session_id, "seats_taken": {"$lt": exam_session["capacity"]}},
                {"$inc": {"seats_taken": 1}}, session=txn)
            registration = {
                "_id": new_id(), "session_id": session_id, "seat_key": seat_key,
                "certificate_code": certificate["code"], "level": exam_session["level"],
                "candidate_id": fields["candidate_id"], "candidate_kind": candidate["kind"],
                "status": "registered", "waitlist_position": None, "result": None,
                "certificate_number": None, "created_at": utcnow()}
            if seat.modified_count == 0:
                updated = db.sessions.find_one_and_update(
                    {"_id": session_id}, {"$inc": {"waitlist_seq": 1}},
                    return_document=ReturnDocument.AFTER, session=txn)
                registration.update(status="waitlisted",
                                    waitlist_position=updated["waitlist_seq"])
            db.registrations.insert_one(registration, session=txn)
            self._announce_registration(uow, registration)
            return registration

        registration = self.store.transact(register, on_duplicate=Conflict(
            "the candidate is already registered for this session", field="candidate_id"))
        return registration_view.dump(registration)

    @rpc
    def register_group(self, session_id, payload):
        """Register a class at once (集体报名), in one transaction: each candidate
        is checked as ``register`` checks one; seats go in the list's order while
        there are any, then the waiting list. A candidate already registered is a
        duplicate, an ineligible one is rejected with the reason; the others are
        kept. Announces ``exam_registered`` for each registration.

        payload: {"candidate_ids": ["<student id>", ...]} (at most 500)
        -> {"session_id", "candidates", "registered", "waitlisted", "duplicates",
            "rejected", "report": [{"candidate_id", "status", "registration_id",
            "waitlist_position"} or {"candidate_id", "status": "rejected", "errors"}]}
        """
        candidate_ids = load(GroupRegistrationSchema(), payload)["candidate_ids"]
        today = self.clock().date()

        def register(uow):
            db, txn = uow.db, uow.session
            exam_session = get_or_raise(db.sessions, session_id, "exam session", session=txn)
            certificate = self._catalogue_entry(db, exam_session["certificate_code"], txn)
            candidates = {c["_id"]: c for c in db.candidates.find(
                {"_id": {"$in": candidate_ids}}, session=txn)}
            held = {}
            for item in db.issued.find({"candidate_id": {"$in": candidate_ids},
                                        "revoked": False},
                                       {"candidate_id": 1, "certificate_code": 1, "level": 1},
                                       session=txn):
                held.setdefault(item["candidate_id"], set()).add(
                    (item["certificate_code"], item["level"]))
            taken = {r["candidate_id"]: r for r in db.registrations.find(
                {"seat_key": {"$in": ["%s:%s" % (session_id, c) for c in candidate_ids]}},
                {"candidate_id": 1, "status": 1, "waitlist_position": 1}, session=txn)}
            seats = max(0, exam_session["capacity"] - exam_session["seats_taken"])
            waitlist = exam_session["waitlist_seq"]
            report, registrations = [], []
            for candidate_id in candidate_ids:
                if candidate_id in taken:
                    earlier = taken[candidate_id]
                    report.append({"candidate_id": candidate_id, "status": "duplicate",
                                   "registration_id": earlier["_id"],
                                   "waitlist_position": earlier.get("waitlist_position")})
                    continue
                try:
                    domain.check_eligibility(
                        candidate=candidates.get(candidate_id), certificate=certificate,
                        level=exam_session["level"], held=held.get(candidate_id, set()),
                        today=today,
                        deadline=date.fromisoformat(exam_session["registration_deadline"]))
                except domain.Ineligible as exc:
                    report.append({"candidate_id": candidate_id, "status": "rejected",
                                   "errors": ineligible(exc).errors})
                    continue
                registration = {
                    "_id": new_id(), "session_id": session_id,
                    "seat_key": "%s:%s" % (session_id, candidate_id),
                    "certificate_code": certificate["code"], "level": exam_session["level"],
                    "candidate_id": candidate_id,
                    "candidate_kind": candidates[candidate_id]["kind"],
                    "status": "registered", "waitlist_position": None, "result": None,
                    "certificate_number": None, "created_at": utcnow()}
                if seats > 0:
                    seats -= 1
                else:
                    waitlist += 1
                    registration.update(status="waitlisted", waitlist_position=waitlist)
                taken[candidate_id] = registration  # the same candidate twice in the list
                registrations.append(registration)
                report.append({"candidate_id": candidate_id, "status": registration["status"],
                               "registration_id": registration["_id"],
                               "waitlist_position": registration["waitlist_position"]})
            if registrations:
                seated = sum(1 for r in registrations if r["status"] == "registered")
                # conditional on the counters read above: a concurrent registration
                # makes this match nothing, and the transaction is tried again
                changed = db.sessions.update_one(
                    {"_id": session_id, "seats_taken": exam_session["seats_taken"],
                     "waitlist_seq": exam_session["waitlist_seq"]},
                    {"$inc": {"seats_taken": seated},
                     "$set": {"waitlist_seq": waitlist}}, session=txn)
                if not changed.modified_count:
                    raise Conflict("the session's seats changed meanwhile; try again")
                db.registrations.insert_many(registrations, session=txn)
                for registration in registrations:
                    self._announce_registration(uow, registration)
            return report

        report = self.store.transact(register, on_duplicate=Conflict(
            "a candidate of the list was registered meanwhile; try again"))
        counts = {status: sum(1 for r in report if r["status"] == status)
                  for status in ("registered", "waitlisted", "duplicate", "rejected")}
        return {"session_id": session_id, "candidates": len(report),
                "registered": counts["registered"], "waitlisted": counts["waitlisted"],
                "duplicates": counts["duplicate"], "rejected": counts["rejected"],
                "report": report}

    def _announce_registration(self, uow, registration):
        emit(uow, "exam_registered", {
            "registration_id": registration["_id"], "session_id": registration["session_id"],
            "certificate_code": registration["certificate_code"],
            "level": registration["level"], "candidate_id": registration["candidate_id"],
            "candidate_kind": registration["candidate_kind"],
            "status": registration["status"]})

    def _held(self, db, candidate_id, txn=None):
        return {(item["certificate_code"], item["level"]) for item in db.issued.find(
            {"candidate_id": candidate_id, "revoked": False},
            {"certificate_code": 1, "level": 1}, session=txn).limit(500)}

    @rpc
    def cancel_registration(self, registration_id):
        """Cancel a registration; a freed seat goes to the first on the waiting
        list (announced as ``exam_registered`` with status ``registered``)."""

        def cancel(uow):
            db, txn = uow.db, uow.session
            registration = get_or_raise(db.registrations, registration_id, "registration",
                                        session=txn)
            if registration["status"] not in ("registered", "waitlisted") or \
                    registration["result"]:
                raise Conflict("a %s registration%s cannot be cancelled" % (
                    registration["status"], " with a result" if registration["result"] else ""))
            db.registrations.update_one({"_id": registration_id}, {"$set": {
                "status": "cancelled", "waitlist_position": None, "cancelled_at": utcnow(),
                "seat_key": "cancelled:%s" % registration_id}}, session=txn)
            emit(uow, "registration_cancelled", {
                "registration_id": registration_id, "session_id": registration["session_id"],
                "candidate_id": registration["candidate_id"],
                "candidate_kind": registration["candidate_kind"]})
            promoted = None
            if registration["status"] == "registered":
                promoted = db.registrations.find_one_and_update(
                    {"session_id": registration["session_id"], "status": "waitlisted"},
                    {"$set": {"status": "registered", "waitlist_position": None}},
                    sort=[("waitlist_position", ASCENDING)],
                    return_document=ReturnDocument.AFTER, session=txn)
                # touching the session serialises this with registrations racing for the seat
                db.sessions.update_one({"_id": registration["session_id"]}, {
                    "$inc": {"seats_taken": 0 if promoted else -1}}, session=txn)
                if promoted:
                    self._announce_registration(uow, promoted)
            return promoted

        self.store.transact(cancel)
        return registration_view.dump(get_or_raise(self.store.db.registrations,
                                                    registration_id, "registration"))

    @rpc
    def get_registration(self, registration_id):
        return registration_view.dump(get_or_raise(self.store.db.registrations,
                                                   registration_id, "registration"))

    @rpc
    def list_registrations(self, query=None):
        params = load(RegistrationQuerySchema(), query or {})
        criteria = {key: params[key] for key in ("session_id", "candidate_id", "status")
                    if params[key]}
        return paged_view(self.store.db.registrations, criteria, params, registration_view)

    # results and issuance -------------------------------------------------------------

    @rpc
    def record_result(self, registration_id, payload):
        """Record a registered candidate's scores; a pass issues the certificate
        with its signed credential. Announces ``result_recorded`` and, on a
        pass, ``certificate_issued``.

        payload: {"theory": 78.5, "practical": 85}
        -> the registration, with "result" and "certificate_number"
        """
        scores = load(ScoresSchema(), payload)
        now = self.clock()
        self.store.transact(lambda uow: self._record(uow, registration_id, scores, now),
                            on_duplicate=Conflict("the certificate was issued concurrently"))
        return self.get_registration(registration_id)

    def _record(self, uow, registration_id, scores, now):
        db, txn = uow.db, uow.session
        registration = get_or_raise(db.registrations, registration_id, "registration",
                                    session=txn)
        if registration["status"] != "registered":
            raise Conflict("only a registered candidate has a result; this one is %s"
                           % registration["status"])
        if registration["result"]:
            raise Conflict("the result of registration %s is already recorded" % registration_id)
        certificate = self._catalogue_entry(db, registration["certificate_code"], txn)
        result = {**scores, "passed": domain.passed(certificate["pass_rule"], **scores),
                  "recorded_at": now}
        changes = {"result": result}
        if result["passed"]:
            changes["certificate_number"] = self._issue(uow, registration, certificate,
                                                        result, now)
        db.registrations.update_one({"_id": registration_id}, {"$set": changes}, session=txn)
        emit(uow, "result_recorded", {
            "registration_id": registration_id, "candidate_id": registration["candidate_id"],
            "candidate_kind": registration["candidate_kind"],
            "certificate_code": registration["certificate_code"],
            "level": registration["level"], "theory": scores["theory"],
            "practical": scores["practical"], "passed": result["passed"]})
        return result

    def _next(self, db, txn, counter):
        return db.counters.find_one_and_update(
            {"_id": counter}, {"$inc": {"value": 1}}, upsert=True,
            return_document=ReturnDocument.AFTER, session=txn)["value"]

    def _issue(self, uow, registration, certificate, result, now):
        key = self.issuer.key_ring.active
        if key is None:
            raise Conflict("no credential signing key is configured; the certificate "
                           "cannot be issued (set CERTIFICATE_SIGNING_KEYS)")
        db, txn = uow.db, uow.session
        number = domain.certificate_number(certificate["code"], registration["level"],
                                           now.year)
        valid_until = domain.valid_until(now.date(), certificate.get("validity_years"))
        # status list entries are handed out in order; index 0 stays unused
        status_index = self._next(db, txn, "status_index")
        if status_index >= credentials.STATUS_LIST_SIZE:
            raise Conflict("the revocation status list is full")
        candidate = db.candidates.find_one({"_id": registration["candidate_id"]},
                                           session=txn) or {}
        evidence = []
        if registration["candidate_kind"] == "student":
            evidence = list(db.evidence.find({"student_id": registration["candidate_id"]},
                                             session=txn).sort("created_at", ASCENDING)
                            .limit(MAX_EVIDENCE))
        unsigned = credentials.certificate_credential(
            issuer=self.issuer.profile, base_url=self.issuer.base_url, number=number,
            certificate=certificate, level=registration["level"],
            holder={"id": registration["candidate_id"], "kind": registration["candidate_kind"],
                    "name": candidate.get("name")},
            result=result, issued_at=now, status_index=status_index, evidence=evidence,
            valid_until=valid_until and datetime.combine(valid_until, time(23, 59, 59),
                                                         tzinfo=now.tzinfo))
        credential = credentials.sign(unsigned, key, now)
        issued_on = now.date().isoformat()
        db.issued.insert_one({
            "_id": number, "certificate_code": certificate["code"],
            "title": certificate["title"], "level": registration["level"],
            "candidate_id": registration["candidate_id"],
            "candidate_kind": registration["candidate_kind"],
            "holder_name": candidate.get("name"), "registration_id": registration["_id"],
            "issued_on": issued_on, "valid_until": valid_until and valid_until.isoformat(),
            "signed_with": key.key_id, "status_index": status_index,
            "credential": credential, "revoked": False, "revocation_reason": None,
            "revoked_at": None, "created_at": utcnow()}, session=txn)
        uow.count("certificates_issued", "Certificates issued, by level.",
                  level=registration["level"])
        emit(uow, "certificate_issued", {
            "certificate_number": number, "candidate_id": registration["candidate_id"],
            "candidate_kind": registration["candidate_kind"],
            "certificate_code": certificate["code"], "level": registration["level"],
            "issued_on": issued_on, "partner_id": candidate.get("partner_id")})
        return number

    @rpc
    def import_results(self, session_id, payload):
        """Record many results from CSV (``candidate_id,theory,practical``), each
        row on its own; the report says what happened to every row.

        payload: {"csv": "candidate_id,theory,practical\\nstu-1,78,85\\nstu-2,55,90\\n"}
        -> {"recorded": 2, "rejected": 0, "rows": [{"row": 2, "candidate_id": "stu-1",
            "status": "recorded", "passed": true, "certificate_number": "..."}, ...]}
        """
        text = load(ResultsImportSchema(), payload)["csv"]
        get_or_raise(self.store.db.sessions, session_id, "exam session")
        try:
            rows, report = domain.parse_results_csv(text)
        except ValueError as exc:
            raise InvalidInput("the CSV cannot be read", errors={"csv": [str(exc)]})
        for row in rows:
            report.append(self._import_row(session_id, row))
        report.sort(key=lambda item: item["row"])
        recorded = sum(1 for item in report if item["status"] == "recorded")
        return results_report_view.dump({"recorded": recorded,
                                         "rejected": len(report) - recorded, "rows": report})

    def _import_row(self, session_id, row):
        outcome = {"row": row["row"], "candidate_id": row["candidate_id"]}
        registration = self.store.db.registrations.find_one(
            {"seat_key": "%s:%s" % (session_id, row["candidate_id"])})
        if registration is None:
            return {**outcome, "status": "rejected", "errors": {
                "candidate_id": ["Not registered for this session."]}}
        scores = {"theory": row["theory"], "practical": row["practical"]}
        try:
            self.store.transact(lambda uow: self._record(uow, registration["_id"], scores,
                                                         self.clock()),
                                on_duplicate=Conflict("the certificate was issued concurrently"))
        except (Conflict, NotFound) as exc:
            return {**outcome, "status": "rejected", "errors": {"_row": [exc.detail]}}
        recorded = self.store.db.registrations.find_one({"_id": registration["_id"]})
        return {**outcome, "status": "recorded", "registration_id": registration["_id"],
                "passed": recorded["result"]["passed"],
                "certificate_number": recorded["certificate_number"]}

    # issued certificates ---------------------------------------------------------------

    @rpc
    def get_issued(self, number):
        return issued_view.dump(get_or_raise(self.store.db.issued, number, "certificate"))

    @rpc
    def list_issued(self, query=None):
        params = load(IssuedQuerySchema(), query or {})
        criteria = {key: params[key] for key in ("candidate_id", "certificate_code")
                    if params[key]}
        return paged_view(self.store.db.issued, criteria, params, issued_view)

    @rpc
    def get_credential(self, number):
        """The signed credential (VC 2.0 JSON) of an issued certificate."""
        return get_or_raise(self.store.db.issued, number, "certificate")["credential"]

    @rpc
    def revoke(self, number, payload):
        """Revoke an issued certificate, reversing the credits it granted.
        Announces ``certificate_revoked`` (and ``credits_reversed``).

        payload: {"reason": "考试作弊，成绩取消"}
        """
        reason = load(RevocationSchema(), payload)["reason"]

        def revoke(uow):
            issued = get_or_raise(uow.db.issued, number, "certificate", session=uow.session)
            if issued["revoked"]:
                raise Conflict("certificate %s is already revoked" % number)
            uow.db.issued.update_one({"_id": number}, {"$set": {
                "revoked": True, "revocation_reason": reason, "revoked_at": utcnow()}},
                session=uow.session)
            candidate = uow.db.candidates.find_one({"_id": issued["candidate_id"]},
                                                   {"partner_id": 1}, session=uow.session)
            emit(uow, "certificate_revoked", {
                "certificate_number": number, "candidate_id": issued["candidate_id"],
                "candidate_kind": issued["candidate_kind"], "reason": reason,
                "partner_id": (candidate or {}).get("partner_id")})
            for grant in uow.db.grants.find({"certificate_number": number},
                                            session=uow.session):
                self._reverse(uow, grant, "certificate revoked: %s" % reason)

        self.store.transact(revoke)
        self.issuer.status_list.forget()
        return self.get_issued(number)

    # public verification ----------------------------------------------------------------

    @rpc
    def verify_number(self, number, query=None):
        """What anyone may learn of a certificate number (``domain.public_answer``):
        its status, what it certifies, by whom and when, and whether its stored
        credential's proof still holds; never the holder nor a revocation's
        reason. Every number without a certificate, well-formed or not, is the
        same ``NotFound``.

        query: {"holder_name": "王小明"} (optional) -> "holder_name_matches": true or false
        """
        holder_name = None
        if query is not None:
            holder_name = load(HolderCheckSchema(), query)["holder_name"]
        canonical = domain.canonical_number(number)
        issued = canonical and self.store.db.issued.find_one({"_id": canonical})
        if not issued:
            raise NotFound(UNKNOWN_NUMBER)
        return domain.public_answer(
            issued, today=self.clock().date(), holder_name=holder_name,
            proof_problems=credentials.verify_proof(issued["credential"], self.issuer.key_ring))

    @rpc
    def verify_credential(self, credential):
        """Verify a posted credential: its proof, its key, the issuer's record of
        it and its status (``domain.credential_verdict``); never a revocation's reason.

        -> {"verified": false, "status": "revoked", "certificate_number": "...",
            "holder_name": "王小明", "problems": ["the certificate was revoked"], ...}
        """
        if not isinstance(credential, dict):
            raise InvalidInput("the body must be a credential (a JSON object)",
                               errors={"_schema": ["Expected a JSON object."]})
        problems = credentials.verify_proof(credential, self.issuer.key_ring)
        issued = None
        if not problems:
            number = str(credential.get("id", "")).rsplit("/", 1)[-1]
            issued = self.store.db.issued.find_one({"_id": number})
        return domain.credential_verdict(issued, today=self.clock().date(),
                                         proof_problems=problems)

    @rpc
    def status_list(self):
        """The signed W3C Bitstring Status List credential of revocations, built
        at most every STATUS_LIST_CACHE_SECONDS (and afresh after a revocation here)."""
        def build():
            now = self.clock()
            revoked = [item["status_index"] for item in self.store.db.issued.find(
                {"revoked": True}, {"status_index": 1}).limit(credentials.STATUS_LIST_SIZE)]
            document = credentials.status_list_credential(
                issuer=self.issuer.profile, base_url=self.issuer.base_url,
                revoked_indexes=revoked, now=now)
            key = self.issuer.key_ring.active
            return credentials.sign(document, key, now) if key else document

        return self.issuer.status_list.get(build)

    @rpc
    def verification_keys(self):
        """The issuer's keys: the active one first, then those kept for verifying."""
        return keys_view.dump({"issuer": self.issuer.profile, "keys": [
            key.public_description() for key in self.issuer.key_ring.keys]})

    # credit bank -------------------------------------------------------------------------

    @rpc
    def preview_credit_rule(self, payload):
        """What setting this rule would change, per student, without changing it.

        payload: {"programme_id": "...", "certificate_code": "1X-IOT-01",
                  "level": "junior", "credits": 4, "course_exemptions": ["IOT101"]}
        -> {"rule": {...}, "changes": [{"student_id", "certificate_number",
            "change": "grant" | "adjust" | "reverse", "current", "proposed"}]}
        """
        rule = load(CreditRuleInputSchema(), payload)
        self._check_rule_refs(self.store.db, rule)
        return rule_changes_view.dump({"rule": rule, "changes": self._rule_changes(
            self.store.db, None, rule)})

    @rpc
    def set_credit_rule(self, payload):
        """Create or change a conversion rule and apply it to every holder: the
        ledger records a reversal of each old grant and the new grant.
        Same payload as ``preview_credit_rule``; -> {"rule", "changes"}."""
        fields = load(CreditRuleInputSchema(), payload)
        self._check_rule_refs(self.store.db, fields)
        rule_id = "%s:%s:%s" % (fields["programme_id"], fields["certificate_code"],
                                fields["level"])

        def apply(uow):
            db, txn = uow.db, uow.session
            existing = db.credit_rules.find_one({"_id": rule_id}, session=txn)
            rule = {**fields, "_id": rule_id, "updated_at": utcnow(),
                    "version": (existing["version"] + 1) if existing else 1,
                    "created_at": existing["created_at"] if existing else utcnow()}
            db.credit_rules.replace_one({"_id": rule_id}, rule, upsert=True, session=txn)
            changes = self._rule_changes(db, txn, rule)
            for change in changes:
                grant = db.grants.find_one(
                    {"_id": "%s:%s" % (change["certificate_number"], rule["programme_id"])},
                    session=txn)
                if grant:
                    self._reverse(uow, grant, "conversion rule changed (version %d)"
                                  % rule["version"])
                if change["proposed"]:
                    self._grant(uow, change["student_id"], change["certificate_number"], rule)
            return rule, changes

        rule, changes = self.store.transact(apply)
        return rule_changes_view.dump({"rule": rule, "changes": changes})

    def _check_rule_refs(self, db, rule):
        if not db.programmes.find_one({"_id": rule["programme_id"]}):
            raise InvalidInput("unknown programme", errors={
                "programme_id": ["No programme %s is known from enrollment."
                                 % rule["programme_id"]]})
        certificate = self._catalogue_entry(db, rule["certificate_code"])
        if rule["level"] not in certificate["levels"]:
            raise InvalidInput("the certificate has no such level",
                               errors={"level": ["Not a level of %s." % certificate["code"]]})

    def _rule_changes(self, db, txn, rule):
        # the programme's students first: the holders of the certificate across all
        # programmes may be many more than those the rule is about
        students = [candidate["_id"] for candidate in db.candidates.find(
            {"programme_id": rule["programme_id"], "kind": "student"}, {"_id": 1},
            session=txn)]
        issued = list(db.issued.find(
            {"candidate_id": {"$in": students}, "certificate_code": rule["certificate_code"],
             "level": rule["level"], "revoked": False},
            {"candidate_id": 1}, session=txn).limit(MAX_REEVALUATED_HOLDERS + 1))
        if len(issued) > MAX_REEVALUATED_HOLDERS:
            raise Conflict("the rule concerns more than %d holders, more than one change "
                           "may re-evaluate at once" % MAX_REEVALUATED_HOLDERS)
        holders = [{"student_id": item["candidate_id"], "certificate_number": item["_id"]}
                   for item in issued]
        grants = {grant["certificate_number"]: grant for grant in db.grants.find(
            {"certificate_number": {"$in": [h["certificate_number"] for h in holders]},
             "programme_id": rule["programme_id"]}, session=txn)}
        return domain.credit_changes(holders, grants, rule)

    @rpc
    def list_credit_rules(self, query=None):
        params = load(CreditRuleQuerySchema(), query or {})
        criteria = {"programme_id": params["programme_id"]} if params["programme_id"] else {}
        return paged_view(self.store.db.credit_rules, criteria, params, rule_view)

    @rpc
    def credit_account(self, query):
        """A student's credit account: current grants, totals and the ledger page.

        query: {"student_id": "...", "offset": 0, "limit": 20}
        -> {"student_id", "total_credits", "course_exemptions", "grants", "ledger"}
        """
        params = load(LedgerQuerySchema(), query or {})
        grants = list(self.store.db.grants.find({"student_id": params["student_id"]})
                      .limit(500))
        return {
            "student_id": params["student_id"],
            "total_credits": sum(grant["credits"] for grant in grants),
            "course_exemptions": sorted({course for grant in grants
                                         for course in grant["course_exemptions"]}),
            "grants": [{key: grant[key] for key in (
                "certificate_number", "programme_id", "credits", "course_exemptions")}
                for grant in grants],
            "ledger": paged_view(self.store.db.ledger, {"student_id": params["student_id"]},
                                 params, ledger_view),
        }

    def _grant(self, uow, student_id, number, rule):
        grant = {"_id": "%s:%s" % (number, rule["programme_id"]), "student_id": student_id,
                 "certificate_number": number, "programme_id": rule["programme_id"],
                 "credits": rule["credits"], "course_exemptions": rule["course_exemptions"],
                 "rule_version": rule["version"], "created_at": utcnow()}
        uow.db.grants.insert_one(grant, session=uow.session)
        self._ledger(uow, "grant", grant, None)
        uow.count("credit_grants", "Credit grants made from certificates.")
        emit(uow, "credits_granted", self._credit_event(grant, None))

    def _reverse(self, uow, grant, reason):
        uow.db.grants.delete_one({"_id": grant["_id"]}, session=uow.session)
        self._ledger(uow, "reversal", grant, reason)
        emit(uow, "credits_reversed", self._credit_event(grant, reason))

    def _ledger(self, uow, kind, grant, reason):
        uow.db.ledger.insert_one({
            "_id": new_id(), "kind": kind, "grant_id": grant["_id"],
            "student_id": grant["student_id"], "programme_id": grant["programme_id"],
            "certificate_number": grant["certificate_number"], "credits": grant["credits"],
            "course_exemptions": grant["course_exemptions"], "reason": reason,
            "created_at": utcnow()}, session=uow.session)

    @staticmethod
    def _credit_event(grant, reason):
        return {"grant_id": grant["_id"], "student_id": grant["student_id"],
                "certificate_number": grant["certificate_number"],
                "programme_id": grant["programme_id"], "credits": grant["credits"],
                "course_exemptions": grant["course_exemptions"], "reason": reason}

    @event_handler("certificates", "certificate_issued")
    def on_certificate_issued(self, event):
        """Grant credits for an issued certificate once: the inbox absorbs a
        redelivered event, the grant's key a second event for the same number."""
        data = read(event)
        if data["candidate_kind"] != "student":
            return

        def grant(uow):
            db, txn = uow.db, uow.session
            issued = db.issued.find_one({"_id": data["certificate_number"]}, session=txn)
            student = db.candidates.find_one({"_id": data["candidate_id"]}, session=txn)
            if not issued or issued["revoked"] or not student or \
                    not student.get("programme_id"):
                return
            rule = db.credit_rules.find_one({"_id": "%s:%s:%s" % (
                student["programme_id"], data["certificate_code"], data["level"])},
                session=txn)
            if rule is None or not (rule["credits"] or rule["course_exemptions"]):
                return
            if db.grants.find_one({"_id": "%s:%s" % (data["certificate_number"],
                                                     rule["programme_id"])}, session=txn):
                return
            self._grant(uow, data["candidate_id"], data["certificate_number"], rule)

        self.store.handle_once(event, grant)

    # read models (docs/views.md) -----------------------------------------------------------

    @rpc
    def student_summaries(self, student_ids):
        """Per candidate: registrations, results, certificates and credits.
        At most 200 ids; ``{}`` for an unknown one. Read-only, no transaction.

        ["stu-1"] -> {"stu-1": {"registrations": [...], "results": [...],
        "certificates": [...], "credits": {"total": 4.0, "grants": [...]}}}"""
        ids = summary_ids(student_ids, "student_ids")
        db = self.store.db
        asked = {"$in": ids}
        candidates = {c["_id"]: c for c in db.candidates.find({"_id": asked})}
        registrations = group_by(db.registrations.find(
            {"candidate_id": asked}, {"seat_key": 0}), "candidate_id")
        issued = group_by(db.issued.find({"candidate_id": asked}, {"credential": 0}),
                          "candidate_id")
        grants = group_by(db.grants.find({"student_id": asked}), "student_id")
        return {id_: summaries.student_part(candidates.get(id_), registrations.get(id_, []),
                                            issued.get(id_, []), grants.get(id_, []))
                for id_ in ids}

    @rpc
    def enterprise_summaries(self, enterprise_ids):
        """Per sponsoring enterprise (enrollment's partner id): how many of its
        students hold a certificate, and how many certificates they hold.

        ["p-1"] -> {"p-1": {"students_certified": 2, "certificates_issued": 3}}"""
        ids = summary_ids(enterprise_ids, "enterprise_ids")
        db = self.store.db
        students = group_by(db.candidates.find({"partner_id": {"$in": ids}},
                                               {"partner_id": 1}), "partner_id")
        student_ids = [s["_id"] for group in students.values() for s in group]
        issued = list(db.issued.find({"candidate_id": {"$in": student_ids}},
                                     {"candidate_id": 1, "revoked": 1}))
        return {id_: summaries.enterprise_part(students.get(id_, []), issued) for id_ in ids}

    @rpc
    def indicator_facts(self):
        """The dashboard's additive facts: registrations, results_total and
        results_passed (breakdown ``<code>/<level>``) and credits_converted.
        -> [{"metric", "value", "term", "programme_id", "enterprise_id", "breakdown"}]"""
        db = self.store.db
        registrations = list(db.registrations.find({}, {
            "session_id": 1, "candidate_id": 1, "certificate_code": 1, "level": 1,
            "status": 1, "result.passed": 1}))
        exam_dates = {s["_id"]: s["exam_date"] for s in db.sessions.find(
            {"_id": {"$in": list({r["session_id"] for r in registrations})}},
            {"exam_date": 1})}
        candidates = {c["_id"]: c for c in db.candidates.find(
            {}, {"programme_id": 1, "partner_id": 1})}
        grants = list(db.grants.find({}, {"student_id": 1, "programme_id": 1, "credits": 1,
                                          "created_at": 1}))
        return summaries.indicator_facts(registrations, exam_dates, candidates, grants)

    # local copies of other services' data ---------------------------------------------------

    @event_handler("enrollment", "programme_created")
    def on_programme_created(self, event):
        data = read(event)
        self.store.handle_once(event, lambda uow: remember_copy(
            uow, "programmes", data["programme_id"], {"code": data["code"],
                                                      "name": data["name"]}))

    @event_handler("enrollment", "student_enrolled")
    def on_student_enrolled(self, event):
        data = read(event)
        self.store.handle_once(event, lambda uow: remember_copy(
            uow, "candidates", data["student_id"], {
                "kind": "student", "name": data["name"],
                "student_number": data["student_number"],
                "programme_id": data["programme_id"], "programme_code": data["programme_code"],
                "partner_id": data["partner_id"], "status": "active"}))

    @event_handler("enrollment", "enrolment_status_changed")
    def on_enrolment_status_changed(self, event):
        data = read(event)

        def change(uow):
            fields = {"kind": "student", "status": data["status"],
                      "programme_id": data["programme_id"], "partner_id": data["partner_id"]}
            known = uow.db.candidates.find_one({"_id": data["student_id"]},
                                               session=uow.session) or {}
            if known.get("programme_id") != data["programme_id"]:
                programme = uow.db.programmes.find_one({"_id": data["programme_id"]},
                                                       session=uow.session) or {}
                fields["programme_code"] = programme.get("code")
            remember_copy(uow, "candidates", data["student_id"], fields)

        self.store.handle_once(event, change)

    @event_handler("mentors", "mentor_registered")
    def on_mentor_registered(self, event):
        data = read(event)
        if data["kind"] != "teacher":
            return
        self.store.handle_once(event, lambda uow: remember_copy(
            uow, "candidates", data["mentor_id"], {"kind": "teacher", "name": data["name"]}))

    @event_handler("projects", "project_completed")
    def on_project_completed(self, event):
        data = read(event)

        def remember(uow):
            for item in data["evidence"][:100]:
                if not all(isinstance(item.get(key), str) and item.get(key)
                           for key in ("student_id", "deliverable_id", "url")):
                    continue
                remember_copy(uow, "evidence", "%s:%s:%s" % (
                    data["project_id"], item["deliverable_id"], item["student_id"]), {
                    "student_id": item["student_id"], "project_id": data["project_id"],
                    "deliverable_id": item["deliverable_id"], "url": item["url"],
                    "name": item.get("name") if isinstance(item.get("name"), str) else None,
                    "created_at": utcnow()})

        self.store.handle_once(event, remember)
