"""Routes of the enrollment service: partners, agreements, programmes,
applications and enrolments.

An enterprise user (``enterprise_id`` is a partner id) sees and acts only on
its own partner's agreements, programmes (those where it holds a quota, and
of them its own quota), applications and students: the handler passes the
caller as an ``actor`` to the service, which answers 404 for another
enterprise's object (``enrollment.domain.check_visible``). Lists are filtered
to the caller's own partner whatever the query string says."""
from college_contracts.api import enrollment as api
from college_platform.errors import InvalidInput, NotFound
from college_platform.http import json_response
from college_platform.validation import PageQuerySchema
from gateway import csv_export, evidence_pack, settings
from gateway.api import Page, route
from gateway.auth import (
    ADMIN,
    ADMISSIONS_OFFICER,
    ENTERPRISE_USER,
    MENTOR_COORDINATOR,
    PROJECT_COORDINATOR,
    STAFF,
    STUDENT,
    TEACHER,
)
from gateway.scoping import actor_of, page_query, with_fields

PARTNER_READERS = (ADMIN, ADMISSIONS_OFFICER, PROJECT_COORDINATOR, MENTOR_COORDINATOR, TEACHER,
                   ENTERPRISE_USER)
ADMISSIONS = (ADMIN, ADMISSIONS_OFFICER)
STAFF_AND_ENTERPRISE = STAFF + (ENTERPRISE_USER,)
# an applicant's file (statement, interview, offer, the tripartite agreement's signatures
# with a minor's guardian): not a teacher's, who tutors students and teams, not applicants
APPLICATION_READERS = tuple(role for role in STAFF_AND_ENTERPRISE if role != TEACHER)
# an enterprise's costs and returns: the college's staff who deal with partners, and the
# enterprise itself (its own only); not a teacher's or a student's business
COST_STAFF = tuple(role for role in STAFF if role != TEACHER)
COST_READERS = COST_STAFF + (ENTERPRISE_USER,)


def created(body, location):
    return json_response(201, body, {"Location": location})


def partner_scoped_query(request, *filters):
    """A list query; an enterprise user only ever lists its own partner's objects."""
    query = page_query(request, *filters)
    if request.principal.is_enterprise:
        query["partner_id"] = request.principal.enterprise_id
    return query


def decided(reveal, payload, **values):
    """``with_fields``; when it refuses the body, an object the caller may not
    see is reported first, as missing, as the service reports it before it
    reads a body (``reveal`` asks the service for the object as the caller)."""
    try:
        return with_fields(payload, **values)
    except InvalidInput:
        reveal()
        raise


def year_of(request):
    """The query's year (checked by the route's schema), else None: this year."""
    year = request.args.get("year")
    return int(float(year)) if year else None


class EnrollmentRoutes:

    # enrollment: partners ----------------------------------------------------

    @route("POST", "/v1/partners", roles=(ADMIN, ADMISSIONS_OFFICER),
           summary="Register a partner enterprise",
           body=api.NewPartnerSchema, response=api.PartnerSchema, status=201)
    def register_partner(self, request):
        partner = self.call("enrollment", "register_partner", request.json_body)
        return json_response(201, partner, {"Location": "/v1/partners/%s" % partner["id"]})

    @route("GET", "/v1/partners", roles=STAFF, summary="List partner enterprises",
           query=PageQuerySchema, response=Page(api.PartnerSchema))
    def list_partners(self, request):
        return json_response(200, self.call("enrollment", "list_partners", page_query(request)))

    @route("GET", "/v1/partners/<partner_id>", roles=PARTNER_READERS,
           summary="One partner enterprise",
           response=api.PartnerSchema)
    def get_partner(self, request, partner_id):
        return json_response(200, self.call("enrollment", "get_partner", partner_id,
                                            actor_of(request)))

    # enrollment: cooperation agreements -------------------------------------

    @route("POST", "/v1/partners/<partner_id>/agreements", roles=ADMISSIONS,
           summary="Draft a cooperation agreement with a partner",
           body=api.NewAgreementSchema, response=api.AgreementSchema, status=201)
    def create_agreement(self, request, partner_id):
        """{"title": "数控技术现代学徒制合作协议", "starts_on": "2027-01-01",
        "ends_on": "2029-12-31", "programme_codes": ["2027-MA-CNC"]}"""
        agreement = self.call("enrollment", "create_agreement",
                              with_fields(request.json_body, partner_id=partner_id))
        return created(agreement, "/v1/agreements/%s" % agreement["id"])

    @route("GET", "/v1/agreements", roles=STAFF_AND_ENTERPRISE,
           summary="List cooperation agreements (filters: partner_id, status)",
           query=api.AgreementQuerySchema, response=Page(api.AgreementSchema))
    def list_agreements(self, request):
        return json_response(200, self.call("enrollment", "list_agreements",
                                            partner_scoped_query(request, "partner_id",
                                                                 "status")))

    @route("GET", "/v1/agreements/<agreement_id>", roles=STAFF_AND_ENTERPRISE,
           summary="One cooperation agreement", response=api.AgreementSchema)
    def get_agreement(self, request, agreement_id):
        return json_response(200, self.call("enrollment", "get_agreement", agreement_id,
                                            actor_of(request)))

    @route("PATCH", "/v1/agreements/<agreement_id>", roles=ADMISSIONS,
           summary="Amend an agreement's title, end date, programmes or clauses",
           body=api.AgreementAmendmentSchema, response=api.AgreementSchema)
    def amend_agreement(self, request, agreement_id):
        """{"ends_on": "2030-12-31", "programme_codes": ["2027-MA-CNC"], "reason": "续签"};
        clauses: [{"id": "seats", "party": "enterprise", "metric": "seats_filled",
        "target": 30, "due_on": "2027-09-30", "description": "招收学徒30名"}]"""
        return json_response(200, self.call("enrollment", "amend_agreement", agreement_id,
                                            request.json_body))

    @route("POST", "/v1/agreements/<agreement_id>/status", roles=ADMISSIONS,
           summary="Activate, suspend or terminate an agreement",
           body=api.AgreementStatusSchema, response=api.AgreementSchema)
    def change_agreement_status(self, request, agreement_id):
        """{"status": "active"} or {"status": "suspended", "reason": "..."}"""
        return json_response(200, self.call("enrollment", "change_agreement_status",
                                            agreement_id, request.json_body))

    # enrollment: commitments (an agreement's clauses) ----------------------

    @route("GET", "/v1/agreements/<agreement_id>/commitments", roles=STAFF_AND_ENTERPRISE,
           summary="An agreement's clauses with their progress and status, and each "
                   "party's fulfilment score",
           response=api.CommitmentsSchema)
    def agreement_commitments(self, request, agreement_id):
        return json_response(200, self.call("enrollment", "agreement_commitments",
                                            agreement_id, actor_of(request)))

    @route("POST", "/v1/agreements/<agreement_id>/declarations",
           roles=ADMISSIONS + (ENTERPRISE_USER,),
           summary="Declare equipment or funds given toward a clause (counts once the "
                   "college confirms it)",
           body=api.DeclarationSchema, response=api.AgreementSchema, status=201)
    def declare_contribution(self, request, agreement_id):
        """{"clause_id": "equipment", "amount": 200000, "on": "2027-03-01",
        "note": "五轴加工中心一台"}"""
        agreement = self.call("enrollment", "declare_contribution", agreement_id,
                              request.json_body, actor_of(request))
        return created(agreement, "/v1/agreements/%s" % agreement_id)

    @route("POST", "/v1/agreements/<agreement_id>/declarations/<declaration_id>/decision",
           roles=ADMISSIONS, summary="Confirm or reject a declared contribution",
           body=api.DeclarationDecisionSchema, response=api.AgreementSchema)
    def decide_declaration(self, request, agreement_id, declaration_id):
        """{"confirm": true} or {"confirm": false, "reason": "发票金额不符"}"""
        return json_response(200, self.call("enrollment", "decide_declaration", agreement_id,
                                            declaration_id, request.json_body,
                                            actor_of(request)))

    # enrollment: costs and returns, the evidence pack -------------------------

    @route("GET", "/v1/valuation-rates", roles=COST_STAFF,
           summary="The value of a mentor hour the college set for each year, with the "
                   "earlier values", response=api.ValuationRatesSchema)
    def list_valuation_rates(self, request):
        return json_response(200, self.call("enrollment", "list_valuation_rates"))

    @route("PUT", "/v1/valuation-rates/<year>", roles=ADMISSIONS,
           summary="Set the value of a mentor hour for a calendar year (CNY)",
           body=api.ValuationRateSchema, response=api.ValuationRateRecordSchema)
    def set_valuation_rate(self, request, year):
        """{"mentor_hour_cny": 300}"""
        return json_response(200, self.call("enrollment", "set_valuation_rate", year,
                                            request.json_body, actor_of(request)))

    @route("GET", "/v1/partners/<partner_id>/costs-and-returns", roles=COST_READERS,
           summary="An enterprise's inputs and returns in a calendar year, with their value "
                   "and how each is counted (CSV: one row per figure)",
           query=api.CostsQuerySchema, response=api.CostsAndReturnsSchema,
           media_types=("application/json", csv_export.CSV))
    def costs_and_returns(self, request, partner_id):
        """?year=2027; ?format=csv or Accept: text/csv for a spreadsheet"""
        found = self.call("enrollment", "costs_and_returns", partner_id, year_of(request),
                          actor_of(request))
        if csv_export.wanted(request):
            return evidence_pack.csv_response(
                found, "costs-and-returns-%s-%s" % (partner_id, found["year"]))
        return json_response(200, found)

    @route("GET", "/v1/partners/<partner_id>/evidence-pack", roles=COST_READERS,
           summary="An enterprise's annual evidence pack: a printable HTML document (A4) of "
                   "its agreements in force, each party's fulfilment, and the year's inputs "
                   "and returns with how each is counted; or its figures as CSV",
           query=api.EvidencePackQuerySchema,
           media_types=(evidence_pack.HTML, csv_export.CSV))
    def evidence_pack(self, request, partner_id):
        """?year=2027&lang=en; ?format=csv for the figures"""
        pack = self.call("enrollment", "evidence_pack", partner_id, year_of(request),
                         actor_of(request))
        if request.args.get("format") == "csv" or (
                request.args.get("format") is None and request.accept_mimetypes.best_match(
                    [evidence_pack.HTML, "text/html", "text/csv"]) == "text/csv"):
            return evidence_pack.csv_response(
                pack["costs_and_returns"], "evidence-pack-%s-%s" % (partner_id, pack["year"]))
        return evidence_pack.html_response(pack, evidence_pack.language(request))

    # enrollment: programmes and the quota ledger ----------------------------

    @route("POST", "/v1/programmes", roles=ADMISSIONS,
           summary="Create a programme with its partner quotas",
           body=api.NewProgrammeSchema, response=api.ProgrammeSchema, status=201)
    def create_programme(self, request):
        programme = self.call("enrollment", "create_programme", request.json_body)
        return created(programme, "/v1/programmes/%s" % programme["id"])

    @route("GET", "/v1/programmes", roles=STAFF_AND_ENTERPRISE,
           summary="List programmes (filters: kind, intake_year, partner_id)",
           query=api.ProgrammeQuerySchema, response=Page(api.ProgrammeSchema))
    def list_programmes(self, request):
        return json_response(200, self.call("enrollment", "list_programmes", partner_scoped_query(
            request, "kind", "intake_year", "partner_id"), actor_of(request)))

    @route("GET", "/v1/programmes/<programme_id>", roles=STAFF_AND_ENTERPRISE,
           summary="One programme with its quotas and seat figures",
           response=api.ProgrammeSchema)
    def get_programme(self, request, programme_id):
        return json_response(200, self.call("enrollment", "get_programme", programme_id,
                                            actor_of(request)))

    @route("PUT", "/v1/programmes/<programme_id>/quotas/<partner_id>", roles=ADMISSIONS,
           summary="Set a partner's seat quota in a programme",
           body=api.SetQuotaSchema, response=api.ProgrammeSchema)
    def set_quota(self, request, programme_id, partner_id):
        """{"seats": 25}"""
        return json_response(200, self.call("enrollment", "set_quota", programme_id,
                                            partner_id, request.json_body))

    @route("GET", "/v1/programmes/<programme_id>/ledger", roles=ADMISSIONS,
           summary="The programme's seat movements",
           query=PageQuerySchema, response=Page(api.LedgerEntrySchema))
    def list_ledger_entries(self, request, programme_id):
        return json_response(200, self.call("enrollment", "list_ledger_entries", programme_id,
                                            page_query(request)))

    # enrollment: graduation -------------------------------------------------------

    @route("POST", "/v1/programmes/<programme_id>/graduation-requirements", roles=ADMISSIONS,
           summary="A new version of the programme's completion requirements",
           body=api.GraduationRequirementsSchema,
           response=api.GraduationRequirementsRecordSchema, status=201)
    def set_graduation_requirements(self, request, programme_id):
        """{"effective_from": "2027-09-01", "credits": 120, "placement_hours": 480,
        "certificates": [{"code": "CNC-1X", "level": "intermediate"}],
        "projects": {"count": 2, "min_grade": 60}}"""
        version = self.call("enrollment", "set_graduation_requirements", programme_id,
                            with_fields(request.json_body, actor=request.principal.subject))
        return created(version, "/v1/programmes/%s/graduation-requirements" % programme_id)

    @route("GET", "/v1/programmes/<programme_id>/graduation-requirements", roles=ADMISSIONS,
           summary="Every version of the programme's completion requirements, newest first",
           response=api.GraduationRequirementsRecordSchema(many=True))
    def list_graduation_requirements(self, request, programme_id):
        return json_response(200, self.call("enrollment", "list_graduation_requirements",
                                            programme_id))

    @route("GET", "/v1/programmes/<programme_id>/graduation-check", roles=ADMISSIONS,
           summary="Each student of the programme with the requirements met and missing",
           query=api.GraduationCheckQuerySchema, response=Page(api.GraduationCheckSchema, extra={
               "eligible": {"type": "integer", "minimum": 0,
                            "description": "how many of all the students matched may "
                                           "graduate now"}}))
    def graduation_check(self, request, programme_id):
        return json_response(200, self.call("enrollment", "graduation_check", programme_id,
                                            page_query(request, "intake_year", "status",
                                                       "eligible")))

    @route("POST", "/v1/programmes/<programme_id>/graduations", roles=ADMISSIONS,
           summary="Graduate the listed students who meet the requirements, with a "
                   "per-student report",
           body=api.GraduationConfirmationSchema, response=api.GraduationReportSchema)
    def confirm_graduation(self, request, programme_id):
        """{"student_ids": ["<id>", ...]}: at most 1,000, each checked again."""
        return json_response(200, self.call(
            "enrollment", "confirm_graduation", programme_id,
            with_fields(request.json_body, actor=request.principal.subject),
            deadline=settings.IMPORT_RPC_TIMEOUT_SECONDS))

    @route("GET", "/v1/students/<student_id>/graduation-check",
           roles=ADMISSIONS + (STUDENT,),
           summary="A student's progress towards graduation; a student sees only their own",
           response=api.GraduationCheckSchema)
    def student_graduation_check(self, request, student_id):
        principal = request.principal
        if principal.role == STUDENT and not principal.student_id:
            raise auth_not_found("student", student_id)
        return json_response(200, self.call("enrollment", "student_graduation_check",
                                            student_id, actor_of(request)))

    @route("PUT", "/v1/students/<student_id>/destination", roles=ADMISSIONS,
           summary="A graduate's first destination (a correction keeps the earlier one)",
           body=api.DestinationSchema, response=api.StudentSchema)
    def record_destination(self, request, student_id):
        """{"kind": "hired", "enterprise_id": "<partner id>", "position": "数控工艺员",
        "started_on": "2030-07-01"}; or {"kind": "further_study", "employer_name": "...",
        "started_on": "..."}, {"kind": "not_yet_placed"}"""
        return json_response(200, self.call(
            "enrollment", "record_destination", student_id,
            with_fields(request.json_body, actor=request.principal.subject)))

    @route("POST", "/v1/students/<student_id>/retention-checks", roles=ADMISSIONS,
           summary="Whether a hired graduate is still employed there 6 or 12 months on",
           body=api.RetentionSchema, response=api.StudentSchema)
    def record_retention(self, request, student_id):
        """{"months": 12, "still_employed": true, "checked_on": "2031-07-02"}"""
        return json_response(200, self.call(
            "enrollment", "record_retention", student_id,
            with_fields(request.json_body, actor=request.principal.subject)))

    # enrollment: employer surveys ------------------------------------------------

    @route("PUT", "/v1/programmes/<programme_id>/competencies", roles=ADMISSIONS,
           summary="What employers rate the programme's graduates on",
           body=api.CompetenciesSchema, response=api.ProgrammeSchema)
    def set_competencies(self, request, programme_id):
        """{"competencies": ["数控编程", "设备维护", "职业素养"]}"""
        return json_response(200, self.call("enrollment", "set_competencies", programme_id,
                                            request.json_body))

    @route("GET", "/v1/employer-surveys", roles=ADMISSIONS + (ENTERPRISE_USER,),
           summary="Employer surveys of hired graduates (an enterprise's user: its own, "
                   "once due)",
           query=api.SurveyQuerySchema, response=Page(api.EmployerSurveySchema))
    def list_surveys(self, request):
        return json_response(200, self.call("enrollment", "list_surveys", page_query(
            request, "status", "programme_id", "enterprise_id", "student_id"),
            actor_of(request)))

    @route("GET", "/v1/employer-surveys/<survey_id>", roles=ADMISSIONS + (ENTERPRISE_USER,),
           summary="One employer survey", response=api.EmployerSurveySchema)
    def get_survey(self, request, survey_id):
        return json_response(200, self.call("enrollment", "get_survey", survey_id,
                                            actor_of(request)))

    @route("POST", "/v1/employer-surveys/<survey_id>/answers", roles=(ENTERPRISE_USER,),
           summary="The employer rates the graduate on each competency, 1 to 5",
           body=api.SurveyAnswerSchema, response=api.EmployerSurveySchema)
    def answer_survey(self, request, survey_id):
        """{"ratings": {"数控编程": 4, "设备维护": 3}, "comment": "..."}"""
        return json_response(200, self.call(
            "enrollment", "answer_survey", survey_id,
            with_fields(request.json_body, actor=request.principal.subject), actor_of(request)))

    @route("POST", "/v1/employer-surveys/<survey_id>/close", roles=ADMISSIONS,
           summary="Stop asking: close an open survey with the reason",
           body=api.SurveyCloseSchema, response=api.EmployerSurveySchema)
    def close_survey(self, request, survey_id):
        return json_response(200, self.call(
            "enrollment", "close_survey", survey_id,
            with_fields(request.json_body, actor=request.principal.subject)))

    @route("GET", "/v1/employer-survey-results", roles=ADMISSIONS,
           summary="Mean rating per competency over answered surveys, and the lowest",
           query=api.SurveyResultsQuerySchema, response=api.SurveyResultsSchema)
    def survey_results(self, request):
        return json_response(200, self.call("enrollment", "survey_results", page_query(
            request, "programme_id", "enterprise_id")))

    # enrollment: applicants ---------------------------------------------------

    @route("POST", "/v1/applicant-imports", roles=ADMISSIONS,
           summary="Import applicants from CSV text, with a per-row report",
           body=api.ImportSchema, response=api.ImportReportSchema)
    def import_applicants(self, request):
        """{"filename": "2027-intake.csv", "csv": "name,resident_id,phone\\n李明,...,..."}"""
        return json_response(200, self.call("enrollment", "import_applicants",
                                            request.json_body,
                                            deadline=settings.IMPORT_RPC_TIMEOUT_SECONDS))

    @route("POST", "/v1/admission-imports", roles=ADMISSIONS,
           summary="Enrol the students of the provincial admission list (录取名单), "
                   "with a per-row report",
           body=api.AdmissionImportSchema, response=api.AdmissionImportReportSchema)
    def import_admissions(self, request):
        """{"programme_id": "<id>", "partner_id": "<id>", "rows": [{"name": "李明",
        "resident_id": "...", "phone": "...", "admission_number": "2027330100123"}]}
        or {"programme_id": "<id>", "filename": "录取名单.csv", "csv": "..."}; at most
        1,000 rows. An apprenticeship programme answers 409."""
        return json_response(200, self.call("enrollment", "import_admissions",
                                            request.json_body,
                                            deadline=settings.IMPORT_RPC_TIMEOUT_SECONDS))

    @route("GET", "/v1/applicants", roles=ADMISSIONS, summary="List applicants (filter: name)",
           query=api.ApplicantQuerySchema, response=Page(api.ApplicantRecordSchema))
    def list_applicants(self, request):
        return json_response(200, self.call("enrollment", "list_applicants",
                                            page_query(request, "name")))

    @route("GET", "/v1/applicants/<applicant_id>", roles=ADMISSIONS, summary="One applicant",
           response=api.ApplicantRecordSchema)
    def get_applicant(self, request, applicant_id):
        return json_response(200, self.call("enrollment", "get_applicant", applicant_id))

    # enrollment: applications --------------------------------------------------

    @route("POST", "/v1/applications", roles=ADMISSIONS, summary="Submit an application",
           body=api.NewApplicationSchema, response=api.ApplicationRecordSchema, status=201)
    def apply(self, request):
        """{"programme_id": "<id>", "applicant": {"name": "李明",
        "resident_id": "110105200503010016", "phone": "13800138000"}}"""
        application = self.call("enrollment", "apply", request.json_body)
        return created(application, "/v1/applications/%s" % application["id"])

    @route("GET", "/v1/applications", roles=APPLICATION_READERS,
           summary="List applications (filters: status, programme_id, partner_id, applicant_id)",
           query=api.ApplicationQuerySchema, response=Page(api.ApplicationRecordSchema))
    def list_applications(self, request):
        return json_response(200, self.call("enrollment", "list_applications", partner_scoped_query(
            request, "status", "programme_id", "partner_id", "applicant_id")))

    @route("GET", "/v1/applications/<application_id>", roles=APPLICATION_READERS,
           summary="One application", response=api.ApplicationRecordSchema)
    def get_application(self, request, application_id):
        return json_response(200, self.call("enrollment", "get_application", application_id,
                                            actor_of(request)))

    @route("POST", "/v1/applications/<application_id>/screening", roles=ADMISSIONS,
           summary="The college's screening",
           body=api.ScreeningSchema, response=api.ApplicationRecordSchema)
    def screen_application(self, request, application_id):
        """{"passed": true, "note": "材料齐全"} or {"passed": false, "reason": "..."}"""
        return json_response(200, self.call(
            "enrollment", "screen_application", application_id,
            with_fields(request.json_body, actor=request.principal.subject)))

    @route("POST", "/v1/applications/<application_id>/interview",
           roles=ADMISSIONS + (ENTERPRISE_USER,), summary="The enterprise's interview",
           body=api.InterviewSchema, response=api.ApplicationRecordSchema)
    def interview_application(self, request, application_id):
        """{"passed": true, "score": 86, "interviewer": "王芳"}"""
        actor = actor_of(request)
        return json_response(200, self.call(
            "enrollment", "interview_application", application_id,
            decided(self._application_as(actor, application_id), request.json_body,
                    actor=request.principal.subject), actor))

    @route("POST", "/v1/applications/<application_id>/offer-decisions",
           roles=ADMISSIONS + (ENTERPRISE_USER,),
           summary="The college's or the enterprise's decision on a joint offer",
           body=api.OfferDecisionSchema, response=api.ApplicationRecordSchema)
    def decide_offer(self, request, application_id):
        """{"approve": true} or {"approve": false, "reason": "..."}; an enterprise
        user decides for its enterprise, college staff for the college."""
        actor = actor_of(request)
        party = "enterprise" if request.principal.is_enterprise else "college"
        return json_response(200, self.call(
            "enrollment", "decide_offer", application_id,
            decided(self._application_as(actor, application_id), request.json_body,
                    party=party, actor=request.principal.subject), actor))

    @route("POST", "/v1/applications/<application_id>/offer-response", roles=ADMISSIONS,
           summary="Record the applicant's acceptance or refusal of an offer",
           body=api.OfferResponseSchema, response=api.ApplicationRecordSchema)
    def respond_to_offer(self, request, application_id):
        """{"accept": true} or {"accept": false, "reason": "选择了其他学校"}"""
        return json_response(200, self.call("enrollment", "respond_to_offer", application_id,
                                            request.json_body))

    @route("POST", "/v1/applications/<application_id>/withdrawal", roles=ADMISSIONS,
           summary="Withdraw an application",
           body=api.WithdrawalSchema, response=api.ApplicationRecordSchema)
    def withdraw_application(self, request, application_id):
        """{"reason": "家庭原因"}"""
        return json_response(200, self.call("enrollment", "withdraw_application",
                                            application_id, request.json_body))

    def _application_as(self, actor, application_id):
        """Asks for the application as ``actor`` sees it: 404 if not theirs."""
        return lambda: self.call("enrollment", "get_application", application_id, actor)

    def _tripartite_as(self, actor, agreement_id):
        return lambda: self.call("enrollment", "get_tripartite_agreement", agreement_id, actor)

    # enrollment: tripartite agreements and enrolment -------------------------

    @route("POST", "/v1/applications/<application_id>/tripartite-agreements", roles=ADMISSIONS,
           summary="Prepare a (new version of the) tripartite agreement",
           body=api.TripartiteTermsSchema, response=api.TripartiteAgreementSchema, status=201)
    def prepare_tripartite_agreement(self, request, application_id):
        """{"terms": "学徒期三年……"}"""
        agreement = self.call("enrollment", "prepare_tripartite_agreement", application_id,
                              request.json_body)
        return created(agreement, "/v1/tripartite-agreements/%s" % agreement["id"])

    @route("GET", "/v1/applications/<application_id>/tripartite-agreements",
           roles=APPLICATION_READERS, summary="Every version of the tripartite agreement",
           query=PageQuerySchema, response=Page(api.TripartiteAgreementSchema))
    def list_tripartite_agreements(self, request, application_id):
        return json_response(200, self.call("enrollment", "list_tripartite_agreements",
                                            application_id, page_query(request),
                                            actor_of(request)))

    @route("GET", "/v1/tripartite-agreements/<agreement_id>", roles=APPLICATION_READERS,
           summary="One version of a tripartite agreement",
           response=api.TripartiteAgreementSchema)
    def get_tripartite_agreement(self, request, agreement_id):
        return json_response(200, self.call("enrollment", "get_tripartite_agreement",
                                            agreement_id, actor_of(request)))

    @route("POST", "/v1/tripartite-agreements/<agreement_id>/signatures",
           roles=ADMISSIONS + (ENTERPRISE_USER,), summary="Record one party's signature",
           body=api.SignatureSchema, response=api.TripartiteAgreementSchema)
    def sign_tripartite_agreement(self, request, agreement_id):
        """{"party": "student", "signer": "李明"}; an enterprise user signs only
        for its enterprise, the admissions office records the other parties."""
        actor = actor_of(request)  # the service decides who signs for which party
        return json_response(200, self.call(
            "enrollment", "sign_tripartite_agreement", agreement_id,
            decided(self._tripartite_as(actor, agreement_id), request.json_body,
                    actor=request.principal.subject), actor))

    @route("POST", "/v1/applications/<application_id>/enrolment", roles=ADMISSIONS,
           summary="Enrol an accepted applicant whose tripartite agreement is signed",
           body=api.EnrolSchema, response=api.StudentSchema, status=201)
    def enrol(self, request, application_id):
        """{} or, for an apprenticeship, {"apprentice_contract": {"starts_on":
        "2027-09-01", "ends_on": "2030-06-30", "position": "数控学徒工"}}"""
        student = self.call("enrollment", "enrol", application_id, request.json_body)
        return created(student, "/v1/students/%s" % student["id"])

    # enrollment: students ---------------------------------------------------------

    @route("GET", "/v1/students", roles=STAFF_AND_ENTERPRISE,
           summary="List enrolled students (filters: programme_id, partner_id, status, q)",
           query=api.StudentQuerySchema, response=Page(api.StudentSchema))
    def list_students(self, request):
        return json_response(200, self.call("enrollment", "list_students", partner_scoped_query(
            request, "programme_id", "partner_id", "status", "q"), actor_of(request)))

    @route("GET", "/v1/students/<student_id>", roles=STAFF_AND_ENTERPRISE + (STUDENT,),
           summary="One student; a student sees only their own record",
           response=api.StudentSchema)
    def get_student(self, request, student_id):
        principal = request.principal
        if principal.role == STUDENT and not principal.student_id:
            raise auth_not_found("student", student_id)  # no record of theirs to see
        return json_response(200, self.call("enrollment", "get_student", student_id,
                                            actor_of(request)))

    @route("POST", "/v1/students/<student_id>/status-changes", roles=ADMISSIONS,
           summary="Suspend, resume, withdraw or transfer a student",
           body=api.StatusChangeSchema, response=api.StudentSchema)
    def change_student_status(self, request, student_id):
        """{"action": "transfer", "reason": "转专业", "programme_id": "<id>"}"""
        return json_response(200, self.call("enrollment", "change_student_status", student_id,
                                            request.json_body))


def auth_not_found(what, object_id):
    """Another enterprise's (or student's) object: as if it did not exist."""
    return NotFound("%s %s does not exist" % (what, object_id))
