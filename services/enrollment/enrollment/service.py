"""Enrollment service entrypoints: joint school–enterprise enrolment.

Entrypoints validate input, run the domain rules of ``enrollment.domain`` and
write through ``self.store.transact`` so every state change and the event
announcing it commit together. The quota ledger lives in ``ledger.py``.
"""
import logging
from datetime import date, timedelta

from nameko.timer import timer
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from college_contracts import checked
from college_contracts.enrollment import PROGRAMME_KINDS
from college_platform.clock import Clock, configured_timer
from college_platform.envelope import utcnow
from college_platform.errors import Conflict, InvalidInput
from college_platform.mongo import MongoStore
from college_platform.repository import (
    PENDING,
    RECENT_FIRST,
    ascending,
    claim_positions,
    filters,
    get_or_raise,
    group_by,
    mark_unpositioned,
    new_id,
    page,
    paged_view,
    position_pending,
    positioned_page,
)
from college_platform.rpc import rpc
from college_platform.service import PlatformService
from college_platform.summaries import summary_ids
from college_platform.validation import PageQuerySchema, load
from enrollment import domain, imports, ledger, summaries
from enrollment.schemas import (
    MAX_ADMISSION_ROWS,
    AdmissionImportSchema,
    AdmissionRowSchema,
    AgreementAmendmentSchema,
    AgreementQuerySchema,
    AgreementSchema,
    AgreementStatusSchema,
    ApplicantQuerySchema,
    ApplicantRecordSchema,
    ApplicantSchema,
    ApplicationQuerySchema,
    ApplicationRecordSchema,
    EnrolSchema,
    ImportSchema,
    InterviewSchema,
    LedgerEntrySchema,
    NewAgreementSchema,
    NewApplicationSchema,
    NewPartnerSchema,
    NewProgrammeSchema,
    OfferDecisionSchema,
    OfferResponseSchema,
    PartnerSchema,
    ProgrammeQuerySchema,
    ProgrammeSchema,
    ScreeningSchema,
    SetQuotaSchema,
    SignatureSchema,
    StatusChangeSchema,
    StudentQuerySchema,
    StudentSchema,
    TripartiteAgreementSchema,
    TripartiteTermsSchema,
    WithdrawalSchema,
)

log = logging.getLogger(__name__)

# every answer is dumped through the API's declared schema: storage-only fields
# (quota_partner_ids, list_position, identity_key, ...) never leave the service
partner_view = PartnerSchema()
agreement_view = AgreementSchema()
programme_view = ProgrammeSchema()
ledger_view = LedgerEntrySchema()
applicant_view = ApplicantRecordSchema()
application_view = ApplicationRecordSchema()
tripartite_view = TripartiteAgreementSchema()
student_view = StudentSchema()
EXPIRY_SWEEP_SECONDS = 60
MAX_IMPORT_ROWS = 5000
SWEEP_BATCH = 500
# an apprenticeship needs the tripartite agreement and contract of the full workflow
ADMISSION_LIST_KINDS = ("order_class", "joint_major")


# every student's place in the list of all students (1 for the first ever enrolled)
STUDENT_POSITIONS = "students:list_position"


def students_written_before_positions(db):
    mark_unpositioned(db, "students", STUDENT_POSITIONS)


class EnrollmentService(PlatformService):
    name = "enrollment"

    clock = Clock()
    store = MongoStore(indexes={
        "partners": [IndexModel("credit_code", unique=True, name="credit_code_unique"),
                     RECENT_FIRST],
        "agreements": [RECENT_FIRST, ascending("partner_id"), ascending("status", "ends_on")],
        "programmes": [IndexModel("code", unique=True, name="code_unique"), RECENT_FIRST,
                       ascending("kind"), ascending("intake_year"), ascending("quota_partner_ids")],
        "quotas": [ascending("programme_id"), ascending("partner_id")],
        "ledger": [ascending("programme_id", "created_at"), ascending("application_id")],
        "applicants": [IndexModel("identity_key", unique=True, name="identity_unique"),
                       RECENT_FIRST, ascending("name")],
        "applications": [RECENT_FIRST, ascending("status", "offer_expires_at"),
                         ascending("programme_id"), ascending("partner_id"),
                         ascending("applicant_id"),
                         # a provincial admission number enrols one student per programme
                         IndexModel([("programme_id", ASCENDING), ("admission_number", ASCENDING)],
                                    unique=True, name="admission_number_unique",
                                    partialFilterExpression={
                                        "admission_number": {"$exists": True}}),
                         IndexModel("admission_number", sparse=True, name="by_admission_number")],
        "tripartite_agreements": [
            IndexModel([("application_id", ASCENDING), ("version", DESCENDING)],
                       unique=True, name="application_version_unique"), RECENT_FIRST,
            ascending("student_id")],
        "students": [IndexModel("application_id", unique=True, name="application_unique"),
                     IndexModel("student_number", unique=True, name="student_number_unique"),
                     RECENT_FIRST, ascending("programme_id"), ascending("partner_id"),
                     ascending("status"), ascending("name"),
                     IndexModel("list_position", unique=True, sparse=True,
                                name="list_position_unique"),
                     IndexModel(PENDING, sparse=True, name="list_pending")],
        "apprentice_contracts": [ascending("student_id"), ascending("partner_id")],
    }, prepare=[students_written_before_positions])

    # partners ----------------------------------------------------------------------------

    @rpc
    def register_partner(self, payload):
        """Register a partner enterprise; announces ``partner_registered``.

        payload: {"legal_name": "深圳智造科技有限公司", "credit_code": "91350100M000100Y43",
                  "industry": "smart manufacturing", "contacts": [{"name": "王芳"}]}
        """
        fields = load(NewPartnerSchema(), payload)
        partner = {"_id": new_id(), **fields, "created_at": utcnow()}

        def register(uow):
            uow.db.partners.insert_one(partner, session=uow.session)
            uow.emit("partner_registered", checked("enrollment", "partner_registered", {
                "partner_id": partner["_id"], "legal_name": partner["legal_name"],
                "credit_code": partner["credit_code"], "industry": partner["industry"],
            }))

        self.store.transact(register, on_duplicate=Conflict(
            "a partner with credit code %s is already registered" % partner["credit_code"],
            field="credit_code"))
        return partner_view.dump(partner)

    @rpc
    def get_partner(self, partner_id):
        return partner_view.dump(get_or_raise(self.store.db.partners, partner_id, "partner"))

    @rpc
    def list_partners(self, query=None):
        params = load(PageQuerySchema(), query or {})
        return paged_view(self.store.db.partners, {}, params, partner_view)

    # cooperation agreements --------------------------------------------------------------

    @rpc
    def create_agreement(self, payload):
        """A draft cooperation agreement; announces ``agreement_changed``.

        payload: {"partner_id": "<id>", "title": "数控技术现代学徒制合作协议",
                  "starts_on": "2027-01-01", "ends_on": "2029-12-31",
                  "programme_codes": ["2027-MA-CNC"]}
        """
        fields = load(NewAgreementSchema(), payload)
        now = utcnow()
        agreement = {"_id": new_id(), **fields, "starts_on": fields["starts_on"].isoformat(),
                     "ends_on": fields["ends_on"].isoformat(), "status": "draft",
                     "history": [{"status": "draft", "at": now}], "created_at": now}

        def create(uow):
            if not uow.db.partners.find_one({"_id": agreement["partner_id"]},
                                            session=uow.session):
                raise InvalidInput("unknown partner", errors={
                    "partner_id": ["Unknown partner %s." % agreement["partner_id"]]})
            uow.db.agreements.insert_one(agreement, session=uow.session)
            self._announce_agreement(uow, agreement)

        self.store.transact(create)
        return agreement_view.dump(agreement)

    @rpc
    def change_agreement_status(self, agreement_id, payload):
        """Activate, suspend, resume (activate again) or terminate an agreement;
        announces ``agreement_activated`` or ``agreement_changed``.

        payload: {"status": "active"} or {"status": "terminated", "reason": "合作终止"}
        """
        fields = load(AgreementStatusSchema(), payload)
        today = self.clock.today()

        def change(uow):
            agreement = get_or_raise(uow.db.agreements, agreement_id, "agreement",
                                     session=uow.session)
            target = domain.agreement_transition(agreement["status"], fields["status"])
            if target == "active" and not (
                    agreement["starts_on"] <= today.isoformat() <= agreement["ends_on"]):
                raise Conflict("the agreement's term (%s to %s) does not include today"
                               % (agreement["starts_on"], agreement["ends_on"]))
            return self._set_agreement_status(uow, agreement, target, fields["reason"])

        return agreement_view.dump(self.store.transact(change))

    @rpc
    def amend_agreement(self, agreement_id, payload):
        """Change a draft, active or suspended agreement's title, end date or
        scope; announces ``agreement_changed``. The previous terms are kept in
        ``amendments``.

        payload: {"ends_on": "2030-12-31", "programme_codes": ["2027-MA-CNC", "2028-MA-CNC"],
                  "reason": "续签两年"}
        """
        fields = load(AgreementAmendmentSchema(), payload)
        now = utcnow()

        def amend(uow):
            agreement = get_or_raise(uow.db.agreements, agreement_id, "agreement",
                                     session=uow.session)
            if agreement["status"] in ("expired", "terminated"):
                raise Conflict("an %s agreement cannot be amended" % agreement["status"],
                               current_status=agreement["status"])
            changes = {key: fields[key] for key in ("title", "programme_codes")
                       if fields.get(key) is not None}
            if fields.get("ends_on") is not None:
                changes["ends_on"] = fields["ends_on"].isoformat()
                if changes["ends_on"] < agreement["starts_on"]:
                    raise InvalidInput("the term would end before it starts", errors={
                        "ends_on": ["Must be on or after %s." % agreement["starts_on"]]})
            previous = {key: agreement[key] for key in changes}
            result = uow.db.agreements.update_one(
                {"_id": agreement_id, "status": agreement["status"]},
                {"$set": changes, "$push": {"amendments": {
                    "previous": previous, "reason": fields["reason"], "at": now}}},
                session=uow.session)
            if not result.modified_count:
                raise Conflict("the agreement changed meanwhile; try again")
            amended = {**agreement, **changes}
            self._announce_agreement(uow, amended, force_changed=True)
            return uow.db.agreements.find_one({"_id": agreement_id}, session=uow.session)

        return agreement_view.dump(self.store.transact(amend))

    @rpc
    def get_agreement(self, agreement_id):
        return agreement_view.dump(get_or_raise(self.store.db.agreements, agreement_id,
                                                "agreement"))

    @rpc
    def list_agreements(self, query=None):
        """query: {"partner_id": "<id>", "status": "active", "offset": 0, "limit": 20}"""
        params = load(AgreementQuerySchema(), query or {})
        return paged_view(self.store.db.agreements, filters(params, "partner_id", "status"),
                          params, agreement_view)

    def _set_agreement_status(self, uow, agreement, target, reason):
        now = utcnow()
        result = uow.db.agreements.update_one(
            {"_id": agreement["_id"], "status": agreement["status"]},
            {"$set": {"status": target},
             "$push": {"history": {"status": target, "reason": reason, "at": now}}},
            session=uow.session)
        if not result.modified_count:
            raise Conflict("the agreement changed meanwhile; try again")
        agreement = {**agreement, "status": target}
        self._announce_agreement(uow, agreement)
        return uow.db.agreements.find_one({"_id": agreement["_id"]}, session=uow.session)

    def _announce_agreement(self, uow, agreement, force_changed=False):
        programmes = uow.db.programmes.find(
            {"code": {"$in": agreement["programme_codes"]}}, {"_id": 1}, session=uow.session)
        event = "agreement_activated" if agreement["status"] == "active" and not force_changed \
            else "agreement_changed"
        uow.emit(event, checked("enrollment", event, {
            "agreement_id": agreement["_id"], "partner_id": agreement["partner_id"],
            "status": agreement["status"], "programme_ids": [p["_id"] for p in programmes],
            "programme_codes": agreement["programme_codes"],
            "starts_on": agreement["starts_on"], "ends_on": agreement["ends_on"],
        }))

    # programmes and quotas ---------------------------------------------------------------

    @rpc
    def create_programme(self, payload):
        """A programme with its seat quotas per partner; announces ``programme_created``.
        A partner's quota needs an active agreement that covers the programme's code.

        payload: {"code": "2027-MA-CNC", "name": "数控技术现代学徒制班",
                  "kind": "apprenticeship", "intake_year": 2027, "capacity": 40,
                  "quotas": [{"partner_id": "<id>", "seats": 30}],
                  "selection_criteria": "高中毕业，数学成绩良好",
                  "courses": [{"code": "CNC101", "name": "数控编程", "credits": 4}]}
        """
        fields = load(NewProgrammeSchema(), payload)
        now = utcnow()
        quotas = fields.pop("quotas")
        programme = {"_id": new_id(), **fields, "created_at": now,
                     "quota_partner_ids": [q["partner_id"] for q in quotas if q["seats"] > 0],
                     **ledger.new_programme_counters(fields["capacity"])}
        problem = domain.quota_problem({"capacity": fields["capacity"], "quotas": quotas},
                                       None, 0)
        if problem:
            raise InvalidInput("the quotas do not fit", errors={"quotas": [problem]})
        today = self.clock.today()

        def create(uow):
            for position, quota in enumerate(quotas):
                self._check_partner_may_hold_quota(uow, quota["partner_id"], programme["code"],
                                                   today, "quotas", position)
            uow.db.programmes.insert_one(programme, session=uow.session)
            for quota in quotas:
                ledger.set_quota(uow, programme, quota["partner_id"], quota["seats"])
            uow.emit("programme_created", checked("enrollment", "programme_created", {
                "programme_id": programme["_id"], "code": programme["code"],
                "name": programme["name"], "kind": programme["kind"],
                "intake_year": programme["intake_year"], "capacity": programme["capacity"],
                "courses": [c["code"] for c in programme["courses"]],
                "partner_ids": [quota["partner_id"] for quota in quotas],
            }))

        self.store.transact(create, on_duplicate=Conflict(
            "a programme with code %s exists" % programme["code"], field="code"))
        return self.get_programme(programme["_id"])

    @rpc
    def set_quota(self, programme_id, partner_id, payload):
        """Set a partner's seat quota in a programme (never below the seats it
        already holds). payload: {"seats": 25}"""
        seats = load(SetQuotaSchema(), payload)["seats"]
        today = self.clock.today()

        def change(uow):
            programme = get_or_raise(uow.db.programmes, programme_id, "programme",
                                     session=uow.session)
            get_or_raise(uow.db.partners, partner_id, "partner", session=uow.session)
            if seats:
                self._check_partner_may_hold_quota(uow, partner_id, programme["code"], today,
                                                   "partner_id")
            current = ledger.quotas_of(uow, programme_id)
            problem = domain.quota_problem({"capacity": programme["capacity"],
                                            "quotas": current}, partner_id, seats)
            if problem:
                raise Conflict(problem)
            ledger.set_quota(uow, programme, partner_id, seats)
            uow.emit("quota_set", checked("enrollment", "quota_set", {
                "programme_id": programme_id, "partner_id": partner_id, "seats": seats}))

        self.store.transact(change)
        return self.get_programme(programme_id)

    def _check_partner_may_hold_quota(self, uow, partner_id, code, today, field, position=None):
        agreements = uow.db.agreements.find({"partner_id": partner_id}, session=uow.session)
        if not any(domain.agreement_covers(a, code, today) for a in agreements):
            message = ("Partner %s has no active agreement covering programme %s."
                       % (partner_id, code))
            errors = {field: {position: {"partner_id": [message]}}} if position is not None \
                else {field: [message]}
            raise InvalidInput("a quota needs an active cooperation agreement", errors=errors)

    def _check_agreement_still_active(self, uow, application, today):
        agreements = uow.db.agreements.find({"partner_id": application["partner_id"]},
                                            session=uow.session)
        if not any(domain.agreement_covers(a, application["programme_code"], today)
                   for a in agreements):
            raise Conflict("the partner's cooperation agreement for %s is no longer active"
                           % application["programme_code"], reason="no_active_agreement")

    @rpc
    def get_programme(self, programme_id):
        """The programme with its quotas and seat ledger figures."""
        programme = get_or_raise(self.store.db.programmes, programme_id, "programme")
        quotas = list(self.store.db.quotas.find({"programme_id": programme_id}))
        return programme_view.dump({**programme, "quotas": quotas})

    @rpc
    def list_programmes(self, query=None):
        """query: {"kind": "apprenticeship", "intake_year": 2027, "partner_id": "<id>"}"""
        params = load(ProgrammeQuerySchema(), query or {})
        criteria = filters(params, "kind", "intake_year")
        if params.get("partner_id"):
            criteria["quota_partner_ids"] = params["partner_id"]
        listed = page(self.store.db.programmes, criteria, params["offset"], params["limit"])
        quotas = group_by(self.store.db.quotas.find(
            {"programme_id": {"$in": [p["_id"] for p in listed["items"]]}}), "programme_id")
        listed["items"] = programme_view.dump(
            [{**p, "quotas": quotas.get(p["_id"], [])} for p in listed["items"]], many=True)
        return listed

    @rpc
    def list_ledger_entries(self, programme_id, query=None):
        """Every seat movement of a programme: reserve, consume, release."""
        params = load(PageQuerySchema(), query or {})
        get_or_raise(self.store.db.programmes, programme_id, "programme")
        return paged_view(self.store.db.ledger, {"programme_id": programme_id}, params, ledger_view)

    # applicants and applications ---------------------------------------------------------

    @rpc
    def apply(self, payload):
        """Submit an application; the applicant record is found by identity
        number or passport, or created.

        payload: {"programme_id": "<id>", "partner_id": "<id>",
                  "applicant": {"name": "李明", "resident_id": "110105200503010016",
                                "phone": "13800138000"}}
        """
        fields = load(NewApplicationSchema(), payload)
        now = utcnow()

        def submit(uow):
            programme = uow.db.programmes.find_one({"_id": fields["programme_id"]},
                                                   session=uow.session)
            if programme is None:
                raise InvalidInput("unknown programme", errors={
                    "programme_id": ["Unknown programme %s." % fields["programme_id"]]})
            partner_id = self._partner_for(programme, fields["partner_id"])
            applicant = self._find_or_add_applicant(uow, fields["applicant"], now)
            # writing the applicant makes two concurrent applications by the same person
            # conflict, so the check below cannot be passed by both
            uow.db.applicants.update_one({"_id": applicant["_id"]},
                                         {"$set": {"last_applied_at": now}}, session=uow.session)
            if uow.db.applications.find_one(
                    {"applicant_id": applicant["_id"], "programme_id": programme["_id"],
                     "status": {"$in": list(domain.ACTIVE_APPLICATION)}}, session=uow.session):
                raise Conflict("%s already has an active application for %s"
                               % (applicant["name"], programme["code"]), field="applicant")
            application = {
                "_id": new_id(), "applicant_id": applicant["_id"],
                "applicant_name": applicant["name"], "programme_id": programme["_id"],
                "programme_code": programme["code"], "partner_id": partner_id,
                "statement": fields["statement"], "status": "submitted",
                "offer_approvals": {}, "history": [{"status": "submitted", "at": now}],
                "created_at": now,
            }
            uow.db.applications.insert_one(application, session=uow.session)
            uow.count("applications", "Applications that reached each state.", state="submitted")
            return application

        application = self.store.transact(submit, on_duplicate=Conflict(
            "this applicant is being registered by another request; try again"))
        return application_view.dump(application)

    def _partner_for(self, programme, partner_id):
        partners = programme.get("quota_partner_ids", [])
        if partner_id is None:
            if len(partners) > 1:
                raise InvalidInput("choose the partner", errors={"partner_id": [
                    "Required: programme %s has quotas for several partners." % programme["code"]
                ]})
            return partners[0] if partners else None
        if partner_id not in partners:
            raise InvalidInput("no quota for that partner", errors={"partner_id": [
                "Partner %s has no quota in programme %s." % (partner_id, programme["code"])]})
        return partner_id

    def _find_or_add_applicant(self, uow, fields, now):
        key = domain.identity_key(fields)
        existing = uow.db.applicants.find_one({"identity_key": key}, session=uow.session)
        if existing:
            return existing
        applicant = {"_id": new_id(), **fields, "identity_key": key, "created_at": now}
        uow.db.applicants.insert_one(applicant, session=uow.session)
        return applicant

    @rpc
    def get_applicant(self, applicant_id):
        return applicant_view.dump(get_or_raise(self.store.db.applicants, applicant_id,
                                                "applicant"))

    @rpc
    def list_applicants(self, query=None):
        params = load(ApplicantQuerySchema(), query or {})
        return paged_view(self.store.db.applicants, filters(params, "name"), params, applicant_view)

    @rpc
    def import_applicants(self, payload):
        """Applicants from CSV text, each row on its own: good rows are kept
        even when others are bad; a person already on file is a duplicate,
        never a second record. Columns: name, resident_id, passport_number,
        passport_country, birth_date, phone, email, address.

        payload: {"filename": "2027-intake.csv", "csv": "name,resident_id\\n李明,1101..."}
        -> {"filename", "rows", "imported", "duplicates", "rejected",
            "report": [{"row": 2, "status": "imported", "applicant_id": "<id>"},
                       {"row": 3, "status": "rejected", "errors": {...}}]}
        """
        fields = load(ImportSchema(), payload)
        rows, report = imports.read_csv(fields["csv"], MAX_IMPORT_ROWS)
        for row_number, cells in rows:
            report.append(self._import_row(row_number, cells))
        report.sort(key=lambda entry: entry["row"])
        return {"filename": fields["filename"], **imports.tally(report), "report": report}

    def _import_row(self, row_number, cells):
        fields, rejection = imports.validated(ApplicantSchema(), row_number,
                                              imports.person_from_cells(cells))
        if rejection:
            return rejection
        key = domain.identity_key(fields)
        applicant = {"_id": new_id(), **fields, "identity_key": key, "created_at": utcnow()}

        def add(uow):
            existing = uow.db.applicants.find_one({"identity_key": key}, session=uow.session)
            if existing:
                return existing["_id"], "duplicate"
            uow.db.applicants.insert_one(applicant, session=uow.session)
            return applicant["_id"], "imported"

        try:
            applicant_id, status = self.store.transact(add)
        except DuplicateKeyError:  # the same person in a concurrent import
            applicant_id = self.store.db.applicants.find_one({"identity_key": key})["_id"]
            status = "duplicate"
        return {"row": row_number, "status": status, "applicant_id": applicant_id}

    # the provincial admission list -------------------------------------------------------

    @rpc
    def import_admissions(self, payload):
        """Enrol the students of the provincial admissions office's list (录取名单):
        they are admitted already, so each good row becomes, at once, an applicant
        (or the person already on file), an application ``enrolled`` with its
        admission number, a student with a student number and a consumed seat, and
        announces ``student_enrolled``. Order-class and joint-major programmes
        only (an apprentice needs a tripartite agreement and a contract). The
        whole list is one transaction; rows are reported one by one: a row whose
        admission number the programme already has is a duplicate, bad rows and
        rows beyond the seats left are rejected with the reason.

        payload: {"programme_id": "<id>", "partner_id": "<id>", "filename": "录取名单.csv",
                  "rows": [{"name": "李明", "resident_id": "1101...", "phone": "138...",
                            "admission_number": "2027330100123"}]}
                 or {"programme_id": "<id>", "csv": "name,resident_id,admission_number\n..."}
        -> {"filename", "programme_id", "partner_id", "rows", "imported", "duplicates",
            "rejected", "report": [{"row": 1, "status": "imported", "student_id": "<id>",
            "student_number": "2027-OC-EV-0001", ...}, {"row": 2, "status": "rejected",
            "errors": {...}}]}
        """
        fields = load(AdmissionImportSchema(), payload)
        programme = self.store.db.programmes.find_one({"_id": fields["programme_id"]})
        if programme is None:
            raise InvalidInput("unknown programme", errors={
                "programme_id": ["Unknown programme %s." % fields["programme_id"]]})
        if programme["kind"] not in ADMISSION_LIST_KINDS:
            raise Conflict("programme %s is an apprenticeship: each apprentice needs the "
                           "tripartite agreement and the apprentice contract, so enrol them "
                           "through the application workflow, not the admission list"
                           % programme["code"], reason="apprenticeship")
        partner_id = self._partner_for(programme, fields["partner_id"])
        if fields["rows"] is not None:
            entries, report = list(enumerate(fields["rows"], start=1)), []
        else:
            cells, report = imports.read_csv(fields["csv"], MAX_ADMISSION_ROWS,
                                             required=("admission_number",))
            entries = [(number, imports.person_from_cells(row, extra=("admission_number",)))
                       for number, row in cells]
        admitted = []
        for number, candidate in entries:
            row, rejection = imports.validated(AdmissionRowSchema(), number, candidate)
            if rejection:
                report.append(rejection)
            else:
                admitted.append((number, row))
        today = self.clock.today()
        report += self.store.transact(
            lambda uow: self._admit(uow, programme, partner_id, admitted, today),
            on_duplicate=Conflict("the same list is being imported by another request; "
                                  "try again"))
        report.sort(key=lambda entry: entry["row"])
        return {"filename": fields["filename"], "programme_id": programme["_id"],
                "partner_id": partner_id, **imports.tally(report), "report": report}

    def _admit(self, uow, programme, partner_id, admitted, today):
        """The report entries of the validated rows ``[(row_number, fields)]``."""
        report = []
        # each look-up filters on one indexed field and leaves the programme to Python:
        # SecantusDB answers "programme and $in" by reading the whole programme, so an
        # import slowed as the programme grew
        known = {a["admission_number"]: a for a in uow.db.applications.find(
            {"admission_number": {"$in": [row["admission_number"] for _, row in admitted]}},
            {"admission_number": 1, "applicant_id": 1, "student_id": 1, "programme_id": 1},
            session=uow.session) if a["programme_id"] == programme["_id"]}
        numbers = {s["_id"]: s["student_number"] for s in uow.db.students.find(
            {"_id": {"$in": [a.get("student_id") for a in known.values()]}},
            {"student_number": 1}, session=uow.session)}
        fresh, first_row_of = [], {}
        for number, row in admitted:
            earlier = known.get(row["admission_number"])
            if earlier:
                report.append({"row": number, "status": "duplicate",
                               "admission_number": row["admission_number"],
                               "applicant_id": earlier["applicant_id"],
                               "application_id": earlier["_id"],
                               "student_id": earlier.get("student_id"),
                               "student_number": numbers.get(earlier.get("student_id"))})
                continue
            key = domain.identity_key(row)
            clash = first_row_of.get(row["admission_number"]) or first_row_of.get(key)
            if clash:
                report.append(imports.rejected(number, {"_row": [
                    "Row %d already holds this %s." % (clash, "admission number" if
                                                       first_row_of.get(row["admission_number"])
                                                       else "person")]}))
                continue
            first_row_of[row["admission_number"]] = first_row_of[key] = number
            fresh.append((number, row, key))
        people = {a["identity_key"]: a for a in uow.db.applicants.find(
            {"identity_key": {"$in": [key for _, _, key in fresh]}}, session=uow.session)}
        holding = set(domain.ACTIVE_APPLICATION) | {"enrolled"}
        current = {a["applicant_id"]: a for a in uow.db.applications.find(
            {"applicant_id": {"$in": [p["_id"] for p in people.values()]}},
            {"applicant_id": 1, "status": 1, "programme_id": 1}, session=uow.session)
            if a["programme_id"] == programme["_id"] and a["status"] in holding}
        seats = ledger.seats_left(uow, programme["_id"], partner_id)
        now = utcnow()
        new_people, accepted = [], []
        for number, row, key in fresh:
            person = people.get(key)
            if person and person["_id"] in current:
                status = current[person["_id"]]["status"]
                report.append(imports.rejected(number, {"_row": [
                    "This person is already a student of %s." % programme["code"]
                    if status == "enrolled" else
                    "This person has an application for %s that is %s: withdraw it before "
                    "enrolling them from the admission list." % (programme["code"], status)]}))
                continue
            if len(accepted) >= seats:
                report.append(imports.rejected(number, {"_row": [
                    "No seat is left: %s has no free seat%s for this student." % (
                        programme["code"], " in the partner's quota" if partner_id else "")]}))
                continue
            if person is None:
                person = {"_id": new_id(), **{k: v for k, v in row.items()
                                              if k != "admission_number"},
                          "identity_key": key, "created_at": now}
                people[key] = person
                new_people.append(person)
            accepted.append((number, row, person))
        if not accepted:
            return report
        if new_people:
            uow.db.applicants.insert_many(new_people, session=uow.session)
        sequences = self._student_sequences(uow, programme, len(accepted))
        applications, students = [], []
        for (number, row, person), sequence in zip(accepted, sequences):
            application = {
                "_id": new_id(), "applicant_id": person["_id"],
                "applicant_name": person["name"], "programme_id": programme["_id"],
                "programme_code": programme["code"], "partner_id": partner_id,
                "statement": None, "status": "enrolled",
                "admission_number": row["admission_number"], "offer_approvals": {},
                "history": [{"status": "enrolled", "reason": "provincial admission list",
                             "at": now}], "created_at": now}
            minor = domain.is_minor(date.fromisoformat(person["birth_date"]), today)
            student = self._new_student(programme, application, person, sequence, minor,
                                        today, action="admission_list")
            application["student_id"] = student["_id"]
            applications.append(application)
            students.append(student)
            report.append({"row": number, "status": "imported",
                           "admission_number": row["admission_number"],
                           "applicant_id": person["_id"], "application_id": application["_id"],
                           "student_id": student["_id"],
                           "student_number": student["student_number"]})
            uow.count("applications", "Applications that reached each state.", state="enrolled")
        uow.db.applications.insert_many(applications, session=uow.session)
        uow.db.students.insert_many(students, session=uow.session)
        ledger.consume_admitted(uow, programme["_id"], partner_id,
                                [(s["application_id"], s["_id"]) for s in students])
        self._announce_enrolments(uow, students)
        return report

    @rpc
    def get_application(self, application_id):
        return application_view.dump(get_or_raise(self.store.db.applications, application_id,
                                      "application"))

    @rpc
    def list_applications(self, query=None):
        """query: {"status": "interviewed", "programme_id": "<id>", "partner_id": "<id>"}"""
        params = load(ApplicationQuerySchema(), query or {})
        return paged_view(self.store.db.applications, filters(
            params, "status", "programme_id", "partner_id", "applicant_id"), params,
            application_view)

    @rpc
    def screen_application(self, application_id, payload):
        """The college's screening. payload: {"passed": true, "note": "材料齐全"}
        or {"passed": false, "reason": "不符合招生条件"}"""
        fields = load(ScreeningSchema(), payload)
        target = "screened" if fields["passed"] else "rejected"
        record = {"screening": {key: fields[key] for key in ("passed", "note", "actor")}}
        return self._advance(application_id, target, record, fields["reason"], "college")

    @rpc
    def interview_application(self, application_id, payload):
        """The enterprise's interview.
        payload: {"passed": true, "score": 86, "interviewer": "王芳", "note": "动手能力强"}"""
        fields = load(InterviewSchema(), payload)
        target = "interviewed" if fields["passed"] else "rejected"
        record = {"interview": {key: fields[key] for key in
                                ("passed", "score", "interviewer", "note", "actor")}}
        return self._advance(application_id, target, record, fields["reason"], "enterprise")

    @rpc
    def decide_offer(self, application_id, payload):
        """One party's decision on a joint offer; the offer is made (and a seat
        reserved) once the college and the enterprise both approve; either may
        reject with a reason. Announces ``application_offered``.

        payload: {"party": "college", "approve": true, "respond_within_days": 14}
                 {"party": "enterprise", "approve": false, "reason": "名额已满"}
        """
        fields = load(OfferDecisionSchema(), payload)
        now = self.clock.now()
        party = fields["party"]

        def decide(uow):
            application = get_or_raise(uow.db.applications, application_id, "application",
                                       session=uow.session)
            target = domain.offer_decision(application, party, fields["approve"])
            approval = {"approve": fields["approve"], "actor": fields["actor"], "at": now}
            updates = {"offer_approvals.%s" % party: approval}
            if target == "interviewed":
                self._update_application(uow, application, "interviewed", updates)
            elif target == "rejected":
                self._update_application(uow, application, "rejected", {
                    **updates, "rejection": {"party": party, "reason": fields["reason"]}},
                    reason=fields["reason"])
            else:
                if application["partner_id"] is not None:
                    self._check_agreement_still_active(uow, application, now.date())
                expires = now + timedelta(days=fields["respond_within_days"])
                self._update_application(uow, application, "offered",
                                         {**updates, "offer_expires_at": expires})
                ledger.reserve(uow, application)
                uow.emit("application_offered", checked("enrollment", "application_offered", {
                    "application_id": application["_id"],
                    "applicant_id": application["applicant_id"],
                    "programme_id": application["programme_id"],
                    "partner_id": application["partner_id"],
                }))
            return uow.db.applications.find_one({"_id": application_id}, session=uow.session)

        return application_view.dump(self.store.transact(decide))

    @rpc
    def respond_to_offer(self, application_id, payload):
        """The applicant accepts or declines; declining releases the seat.
        payload: {"accept": true} or {"accept": false, "reason": "选择了其他学校"}"""
        fields = load(OfferResponseSchema(), payload)
        target = "accepted" if fields["accept"] else "declined"
        return self._advance(application_id, target, {}, fields["reason"], "applicant")

    @rpc
    def withdraw_application(self, application_id, payload):
        """The applicant withdraws; a reserved seat is released.
        payload: {"reason": "家庭原因"}"""
        fields = load(WithdrawalSchema(), payload)
        return self._advance(application_id, "withdrawn", {}, fields["reason"], "applicant")

    def _advance(self, application_id, target, updates, reason, party):
        now = self.clock.now()

        def advance(uow):
            application = get_or_raise(uow.db.applications, application_id, "application",
                                       session=uow.session)
            if target == "accepted" and domain.offer_has_lapsed(application, now):
                # the expiry sweep may not have run yet; the deadline holds regardless
                raise Conflict("the offer lapsed on %s" % application["offer_expires_at"],
                               current_status="offered")
            extra = dict(updates)
            if target == "rejected":
                extra["rejection"] = {"party": party, "reason": reason}
            self._update_application(uow, application, target, extra, reason)
            if application["status"] in domain.SEAT_HOLDING and \
                    target not in domain.SEAT_HOLDING + ("enrolled",):
                ledger.release(uow, application, "reserved", reason=target)
            return uow.db.applications.find_one({"_id": application_id}, session=uow.session)

        return application_view.dump(self.store.transact(advance))

    def _update_application(self, uow, application, target, updates, reason=None):
        if target != application["status"]:
            domain.application_transition(application["status"], target)
        change = {"$set": {"status": target, **updates}}
        if target != application["status"]:
            change["$push"] = {"history": {"status": target, "reason": reason, "at": utcnow()}}
            uow.count("applications", "Applications that reached each state.", state=target)
        result = uow.db.applications.update_one(
            {"_id": application["_id"], "status": application["status"]}, change,
            session=uow.session)
        if not result.modified_count:
            raise Conflict("the application changed meanwhile; try again")

    # tripartite agreements and enrolment -------------------------------------------------

    @rpc
    def prepare_tripartite_agreement(self, application_id, payload):
        """A new version of the tripartite agreement (college, enterprise,
        student, and a guardian for a minor) for an accepted application or an
        enrolled student; earlier versions are kept, marked superseded.
        payload: {"terms": "学徒期三年，企业按月发放学徒津贴……"}"""
        fields = load(TripartiteTermsSchema(), payload)
        today = self.clock.today()

        def prepare(uow):
            application = get_or_raise(uow.db.applications, application_id, "application",
                                       session=uow.session)
            if application["status"] not in ("accepted", "enrolled"):
                raise Conflict("a tripartite agreement needs an accepted offer (it is %s)"
                               % application["status"])
            applicant = uow.db.applicants.find_one({"_id": application["applicant_id"]},
                                                   session=uow.session)
            minor = domain.is_minor(date.fromisoformat(applicant["birth_date"]), today)
            latest = uow.db.tripartite_agreements.find_one(
                {"application_id": application_id}, sort=[("version", DESCENDING)],
                session=uow.session)
            version = latest["version"] + 1 if latest else 1
            if latest:
                uow.db.tripartite_agreements.update_many(
                    {"application_id": application_id, "status": {"$ne": "superseded"}},
                    {"$set": {"status": "superseded"}}, session=uow.session)
            parties = domain.required_signatories(minor)
            if application["partner_id"] is None:
                parties.remove("enterprise")
            agreement = {"_id": new_id(), "application_id": application_id,
                         "student_id": application.get("student_id"), "version": version,
                         "terms": fields["terms"], "minor": minor, "required_parties": parties,
                         "signatures": {}, "status": "awaiting_signatures",
                         "created_at": utcnow()}
            uow.db.tripartite_agreements.insert_one(agreement, session=uow.session)
            self._announce_tripartite(uow, agreement)
            return agreement

        return tripartite_view.dump(self.store.transact(prepare, on_duplicate=Conflict(
            "another version of this agreement was just prepared; try again")))

    @rpc
    def sign_tripartite_agreement(self, agreement_id, payload):
        """Record one party's signature, with who and when.
        payload: {"party": "guardian", "signer": "李建国", "actor": "admissions.zhou"}"""
        fields = load(SignatureSchema(), payload)

        def sign(uow):
            agreement = get_or_raise(uow.db.tripartite_agreements, agreement_id,
                                     "tripartite agreement", session=uow.session)
            signed = domain.sign(agreement, fields["party"], fields["signer"], utcnow())
            signed["signatures"][fields["party"]]["recorded_by"] = fields["actor"]
            result = uow.db.tripartite_agreements.update_one(
                {"_id": agreement_id, "status": "awaiting_signatures",
                 "signatures.%s" % fields["party"]: {"$exists": False}},
                {"$set": {"signatures.%s" % fields["party"]: signed["signatures"][
                    fields["party"]], "status": signed["status"]}}, session=uow.session)
            if not result.modified_count:
                raise Conflict("the agreement changed meanwhile; try again")
            self._announce_tripartite(uow, signed)
            return signed

        return tripartite_view.dump(self.store.transact(sign))

    def _announce_tripartite(self, uow, agreement):
        """An enrolled student's 360 shows the versions of their agreement."""
        uow.emit("tripartite_agreement_changed", checked(
            "enrollment", "tripartite_agreement_changed", {
                "agreement_id": agreement["_id"], "application_id": agreement["application_id"],
                "student_id": agreement.get("student_id"), "version": agreement["version"],
                "status": agreement["status"]}))

    @rpc
    def list_tripartite_agreements(self, application_id, query=None):
        """Every version of an application's (or its student's) agreement, newest first."""
        params = load(PageQuerySchema(), query or {})
        return paged_view(self.store.db.tripartite_agreements,
                          {"application_id": application_id}, params, tripartite_view)

    @rpc
    def get_tripartite_agreement(self, agreement_id):
        return tripartite_view.dump(get_or_raise(self.store.db.tripartite_agreements, agreement_id,
                                      "tripartite agreement"))

    @rpc
    def enrol(self, application_id, payload):
        """Enrol an applicant whose accepted offer has a fully signed tripartite
        agreement: a student number, the reserved seat consumed, for an
        apprenticeship the apprentice contract. Announces ``student_enrolled``
        (and ``apprentice_contract_signed``).

        payload: {"apprentice_contract": {"starts_on": "2027-09-01",
                  "ends_on": "2030-06-30", "position": "数控学徒工", "monthly_wage": 2400}}
        """
        fields = load(EnrolSchema(), payload)
        today = self.clock.today()

        def enrol(uow):
            application = get_or_raise(uow.db.applications, application_id, "application",
                                       session=uow.session)
            if application["status"] != "accepted":
                raise Conflict("only an accepted offer can be enrolled (it is %s)"
                               % application["status"], current_status=application["status"])
            programme = uow.db.programmes.find_one({"_id": application["programme_id"]},
                                                   session=uow.session)
            contract_terms = fields["apprentice_contract"]
            if programme["kind"] == "apprenticeship" and contract_terms is None:
                raise InvalidInput("an apprentice needs a contract", errors={
                    "apprentice_contract": ["Required for an apprenticeship programme."]})
            applicant = uow.db.applicants.find_one({"_id": application["applicant_id"]},
                                                   session=uow.session)
            minor = domain.is_minor(date.fromisoformat(applicant["birth_date"]), today)
            agreement = uow.db.tripartite_agreements.find_one(
                {"application_id": application_id, "status": "signed"}, session=uow.session)
            if agreement is None:
                raise Conflict("the tripartite agreement is not signed by every party yet")
            if minor and "guardian" not in agreement["signatures"]:
                raise Conflict("the student is a minor: the guardian must sign the agreement")
            sequence = self._student_sequences(uow, programme, 1)[0]
            student = self._new_student(programme, application, applicant, sequence, minor,
                                        today, tripartite_agreement_id=agreement["_id"])
            uow.db.students.insert_one(student, session=uow.session)
            self._update_application(uow, application, "enrolled",
                                     {"student_id": student["_id"]})
            uow.db.tripartite_agreements.update_many(
                {"application_id": application_id}, {"$set": {"student_id": student["_id"]}},
                session=uow.session)
            ledger.consume(uow, application, student["_id"])
            self._announce_enrolments(uow, [student])
            if contract_terms is not None:
                if application["partner_id"] is None:
                    raise InvalidInput("an apprentice contract needs a partner enterprise",
                                       errors={"apprentice_contract": [
                                           "The application has no partner enterprise."]})
                contract = {"_id": new_id(), "student_id": student["_id"],
                            "partner_id": application["partner_id"],
                            "programme_id": programme["_id"],
                            **contract_terms, "starts_on": contract_terms["starts_on"].isoformat(),
                            "ends_on": contract_terms["ends_on"].isoformat(),
                            "created_at": utcnow()}
                uow.db.apprentice_contracts.insert_one(contract, session=uow.session)
                uow.db.students.update_one({"_id": student["_id"]}, {"$set": {
                    "apprentice_contract": contract}}, session=uow.session)
                student["apprentice_contract"] = contract
                uow.emit("apprentice_contract_signed", checked(
                    "enrollment", "apprentice_contract_signed", {
                        "contract_id": contract["_id"], "student_id": student["_id"],
                        "partner_id": contract["partner_id"],
                        "programme_id": contract["programme_id"],
                        "starts_on": contract["starts_on"], "ends_on": contract["ends_on"]}))
            return student

        return student_view.dump(self.store.transact(enrol, on_duplicate=Conflict(
            "this application is already enrolled")))

    def _student_sequences(self, uow, programme, count):
        """``count`` consecutive places in the programme's order of enrolment."""
        return claim_positions(uow, "student_number:%s" % programme["_id"], count)

    def _new_student(self, programme, application, applicant, sequence, minor, today,
                     tripartite_agreement_id=None, action="enrol"):
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

    def _announce_enrolments(self, uow, students):
        for student in students:
            uow.count("enrolments", "Students enrolled, by programme kind.",
                      programme_kind=student["programme_kind"])
        uow.emit_many("student_enrolled", [checked("enrollment", "student_enrolled", {
            key: student[key] for key in (
                "student_number", "name", "programme_id", "programme_code",
                "programme_kind", "partner_id", "intake_year", "minor")
        } | {"student_id": student["_id"]}) for student in students])

    @rpc
    def get_student(self, student_id):
        return student_view.dump(get_or_raise(self.store.db.students, student_id, "student"))

    @rpc
    def list_students(self, query=None):
        """query: {"programme_id": "<id>", "partner_id": "<id>", "status": "active",
        "q": "2027-MA" or "李"}: ``q`` finds a student by the start of their
        student number or any part of their name (case aside)."""
        params = load(StudentQuerySchema(), query or {})
        selector = filters(params, "programme_id", "partner_id", "status")
        if params.get("q"):
            selector.update(domain.student_search(params["q"]))
        if not selector and params.get("sort") in (None, "-created_at", "created_at"):
            # every student in order of enrolment: a range of list positions
            result = positioned_page(self.store.db, "students", STUDENT_POSITIONS,
                                     params["offset"], params["limit"],
                                     newest_first=params.get("sort") != "created_at")
            if result is not None:
                result["items"] = student_view.dump(result["items"], many=True)
                return result
        return paged_view(self.store.db.students, selector, params, student_view)

    @rpc
    def change_student_status(self, student_id, payload):
        """Suspend, resume, withdraw or transfer a student, moving quota in the
        ledger; announces ``enrolment_status_changed``.

        payload: {"action": "withdraw", "reason": "退学"}
                 {"action": "transfer", "reason": "转专业", "programme_id": "<id>"}
        """
        fields = load(StatusChangeSchema(), payload)
        action = fields["action"]

        def change(uow):
            student = get_or_raise(uow.db.students, student_id, "student", session=uow.session)
            status = domain.enrolment_change(student["status"], action)
            updates = {"status": status}
            from_programme_id = None
            if action == "withdraw":
                ledger.release_student(uow, student, reason="withdrawn")
            elif action == "transfer":
                target = uow.db.programmes.find_one({"_id": fields["programme_id"]},
                                                    session=uow.session)
                if target is None:
                    raise InvalidInput("unknown programme", errors={
                        "programme_id": ["Unknown programme %s." % fields["programme_id"]]})
                if target["_id"] == student["programme_id"]:
                    raise Conflict("the student is already in programme %s" % target["code"])
                partner_id = self._partner_for(target, fields["partner_id"])
                ledger.release_student(uow, student, reason="transferred")
                ledger.consume_directly(uow, target, partner_id, student["_id"])
                from_programme_id = student["programme_id"]
                updates.update({"programme_id": target["_id"], "programme_code": target["code"],
                                "programme_kind": target["kind"], "partner_id": partner_id})
            result = uow.db.students.update_one(
                {"_id": student_id, "status": student["status"],
                 "programme_id": student["programme_id"]},
                {"$set": updates, "$push": {"history": {
                    "status": status, "action": action, "reason": fields["reason"],
                    "from_programme_id": from_programme_id, "at": utcnow()}}},
                session=uow.session)
            if not result.modified_count:
                raise Conflict("the student's record changed meanwhile; try again")
            uow.emit("enrolment_status_changed", checked(
                "enrollment", "enrolment_status_changed", {
                    "student_id": student_id,
                    "programme_id": updates.get("programme_id", student["programme_id"]),
                    "previous_status": student["status"],
                    "status": status,  # a transfer: active, in programme_id, from_programme_id
                    "reason": fields["reason"], "from_programme_id": from_programme_id,
                    "partner_id": updates.get("partner_id", student.get("partner_id")),
                    "previous_partner_id": student.get("partner_id"),
                    "programme_kind": updates.get("programme_kind",
                                                  student.get("programme_kind"))}))
            return uow.db.students.find_one({"_id": student_id}, session=uow.session)

        return student_view.dump(self.store.transact(change))

    # the aggregated views' read models (docs/views.md): read-only, no transaction --------

    @rpc
    def student_summaries(self, student_ids):
        """{student_id: {"student", "apprenticeship", "personal"}} for at most
        200 ids; {} for a student enrollment does not know."""
        ids = summary_ids(student_ids, "student_ids")
        db = self.store.db
        students = list(db.students.find({"_id": {"$in": ids}}))
        programmes = {p["_id"]: p for p in db.programmes.find(
            {"_id": {"$in": list({s["programme_id"] for s in students})}},
            {"code": 1, "name": 1, "kind": 1})}
        applicants = {a["_id"]: a for a in db.applicants.find(
            {"_id": {"$in": list({s["applicant_id"] for s in students})}},
            {"resident_id": 1, "phone": 1, "address": 1, "passport": 1})}
        agreements = {}
        for agreement in db.tripartite_agreements.find(
                {"student_id": {"$in": [s["_id"] for s in students]}}, {"terms": 0}):
            agreements.setdefault(agreement["student_id"], []).append(agreement)
        answer = {student_id: {} for student_id in ids}
        for student in students:
            answer[student["_id"]] = summaries.student_part(
                student, programmes.get(student["programme_id"]),
                applicants.get(student["applicant_id"]), agreements.get(student["_id"], []))
        return answer

    @rpc
    def enterprise_summaries(self, enterprise_ids):
        """{partner_id: {"partner", "agreements", "seats", "students",
        "apprentices", "contribution"}} for at most 200 ids; {} for an
        unknown partner."""
        ids = summary_ids(enterprise_ids, "enterprise_ids")
        db = self.store.db
        partners = list(db.partners.find({"_id": {"$in": ids}}))
        known = [p["_id"] for p in partners]
        agreements = group_by(db.agreements.find(
            {"partner_id": {"$in": known}}, {"history": 0, "amendments": 0}), "partner_id")
        quotas = group_by(db.quotas.find({"partner_id": {"$in": known}}), "partner_id")
        programmes = {p["_id"]: p for p in db.programmes.find(
            {"_id": {"$in": list({q["programme_id"] for held in quotas.values()
                                  for q in held})}},
            {"code": 1, "name": 1, "kind": 1, "intake_year": 1})}
        student_fields = {"name": 1, "programme_id": 1, "status": 1, "partner_id": 1,
                          "created_at": 1}
        students = list(db.students.find({"partner_id": {"$in": known}}, student_fields))
        contracts = list(db.apprentice_contracts.find({"partner_id": {"$in": known}}))
        sponsored = {s["_id"] for s in students}
        students += db.students.find(  # apprentices employed by a partner that did not sponsor
            {"_id": {"$in": list({c["student_id"] for c in contracts} - sponsored)}},
            student_fields)
        students_by_partner = group_by(students, "partner_id")
        students_by_id = {s["_id"]: s for s in students}
        contracts_by_partner = group_by(contracts, "partner_id")
        answer = {partner_id: {} for partner_id in ids}
        for partner in partners:
            pid = partner["_id"]
            answer[pid] = summaries.enterprise_part(
                partner, agreements.get(pid, []), quotas.get(pid, []), programmes,
                students_by_partner.get(pid, []), contracts_by_partner.get(pid, []),
                students_by_id)
        return answer

    @rpc
    def indicator_facts(self):
        """Enrollment's contribution to the dashboard: additive rows
        {"metric", "value", "term", "programme_id", "enterprise_id", "breakdown"}."""
        db = self.store.db
        agreements = list(db.agreements.find(
            {"status": {"$in": ["active", "suspended", "expired", "terminated"]}},
            {"partner_id": 1, "status": 1, "starts_on": 1, "ends_on": 1, "history": 1}))
        programmes = list(db.programmes.find(
            {"kind": {"$in": list(PROGRAMME_KINDS)}},
            {"intake_year": 1, "kind": 1, "capacity": 1, "consumed": 1}))
        quotas = list(db.quotas.find(
            {"programme_id": {"$in": [p["_id"] for p in programmes]}},
            {"programme_id": 1, "partner_id": 1, "seats": 1, "consumed": 1}))
        students = list(db.students.find(
            {"status": {"$in": list(summaries.CURRENT_STUDENT)}},
            {"programme_id": 1, "status": 1, "apprentice_contract.partner_id": 1}))
        return summaries.indicator_facts(agreements, programmes, quotas, students,
                                         self.clock.today())

    # expiry ------------------------------------------------------------------------------

    @configured_timer("LIST_POSITION_SECONDS", 0.5)
    def position_students(self):
        """Number the students enrolled since the last tick in the list of all
        students (they are listed, as the newest, meanwhile)."""
        return position_pending(self.store.db, "students", STUDENT_POSITIONS)

    @timer(interval=EXPIRY_SWEEP_SECONDS)
    def expire_due(self):
        """Agreements past their term and offers left unanswered expire on their own."""
        return self._sweep(self.clock.now())

    @rpc
    def run_expiry_sweep(self):
        """The timer's sweep on demand (operations, tests): {"agreements": 1, "offers": 2}"""
        return self._sweep(self.clock.now())

    def _sweep(self, now):
        expired = {"agreements": 0, "offers": 0}
        today = now.date().isoformat()
        # bounded per run: a backlog larger than this is finished by the next runs
        for agreement in self.store.db.agreements.find(
                {"status": {"$in": ["active", "suspended"]}, "ends_on": {"$lt": today}}
        ).limit(SWEEP_BATCH):
            def expire_agreement(uow, agreement=agreement):
                current = uow.db.agreements.find_one({"_id": agreement["_id"]},
                                                     session=uow.session)
                if domain.agreement_has_ended(current, now.date()):
                    self._set_agreement_status(uow, current, "expired", "term ended")
                    return 1
                return 0
            expired["agreements"] += self._sweep_one(expire_agreement)
        for application in self.store.db.applications.find(
                {"status": "offered", "offer_expires_at": {"$lt": now}}).limit(SWEEP_BATCH):
            def expire_offer(uow, application=application):
                current = uow.db.applications.find_one({"_id": application["_id"]},
                                                       session=uow.session)
                if not domain.offer_has_lapsed(current, now):
                    return 0  # answered meanwhile, or another instance expired it
                self._update_application(uow, current, "expired", {},
                                         reason="offer unanswered")
                ledger.release(uow, current, "reserved", reason="expired")
                return 1
            expired["offers"] += self._sweep_one(expire_offer)
        if any(expired.values()):
            log.info("expiry sweep as of %s: %s", now.isoformat(), expired)
        return expired

    def _sweep_one(self, work):
        try:
            return self.store.transact(work)
        except Conflict:  # another instance got there first
            return 0
