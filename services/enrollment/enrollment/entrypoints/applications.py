"""Applicants (one by one or imported from CSV) and the application pipeline."""
from pymongo.errors import DuplicateKeyError

from college_platform.envelope import utcnow
from college_platform.errors import Conflict
from college_platform.repository import filters, paged_view
from college_platform.rpc import rpc
from college_platform.validation import load
from enrollment import imports
from enrollment.entrypoints.base import applicant_view, application_view
from enrollment.schemas import (
    ApplicantQuerySchema,
    ApplicantSchema,
    ApplicationQuerySchema,
    ImportSchema,
    InterviewSchema,
    NewApplicationSchema,
    OfferDecisionSchema,
    OfferResponseSchema,
    ScreeningSchema,
    WithdrawalSchema,
)
from enrollment.workflows import applications

MAX_IMPORT_ROWS = 5000


class ApplicationEntrypoints:

    # applicants --------------------------------------------------------------------------

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
        application = self.store.each_statement(
            lambda uow: applications.apply(uow, fields, now), on_duplicate=Conflict(
                "this applicant is being registered by another request; try again"))
        return application_view.dump(application)

    @rpc
    def get_applicant(self, applicant_id):
        return applicant_view.dump(self.store.read(lambda uow: uow.records.applicant(applicant_id)))

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
        applicant = applications.new_import_applicant(fields)
        try:
            applicant_id, status = self.store.transact(
                lambda uow: applications.import_applicant(uow, applicant))
        except DuplicateKeyError:  # the same person in a concurrent import
            applicant_id = self.store.read(lambda uow: uow.records.applicant_with_identity(
                applicant["identity_key"]))["_id"]
            status = "duplicate"
        return {"row": row_number, "status": status, "applicant_id": applicant_id}

    # applications ------------------------------------------------------------------------

    @rpc
    def get_application(self, application_id, actor=None):
        return application_view.dump(self.store.read(
            lambda uow: applications.application(uow, application_id, actor)))

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
    def interview_application(self, application_id, payload, actor=None):
        """The enterprise's interview.
        payload: {"passed": true, "score": 86, "interviewer": "王芳", "note": "动手能力强"}"""
        self._visible_first(application_id, actor)
        fields = load(InterviewSchema(), payload)
        target = "interviewed" if fields["passed"] else "rejected"
        record = {"interview": {key: fields[key] for key in
                                ("passed", "score", "interviewer", "note", "actor")}}
        return self._advance(application_id, target, record, fields["reason"], "enterprise",
                             actor)

    @rpc
    def decide_offer(self, application_id, payload, actor=None):
        """One party's decision on a joint offer; the offer is made (and a seat
        reserved) once the college and the enterprise both approve; either may
        reject with a reason. Announces ``application_offered``.

        payload: {"party": "college", "approve": true, "respond_within_days": 14}
                 {"party": "enterprise", "approve": false, "reason": "名额已满"}
        """
        self._visible_first(application_id, actor)
        fields = load(OfferDecisionSchema(), payload)
        now = self.clock.now()
        return application_view.dump(self.store.transact(
            lambda uow: applications.decide_offer(uow, application_id, fields["party"], fields,
                                                  now, actor)))

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

    def _advance(self, application_id, target, updates, reason, party, actor=None):
        now = self.clock.now()
        return application_view.dump(self.store.transact(
            lambda uow: applications.advance(uow, application_id, target, updates, reason,
                                             party, now, actor)))

    def _visible_first(self, application_id, actor):
        """A caller is told an application it may not see does not exist before
        anything is said of its input."""
        if actor is not None:
            self.store.read(lambda uow: applications.application(uow, application_id, actor))
