"""Routes of the certificates service: catalogue, exam sessions, registrations,
results, issued certificates with their credentials, the credit bank, skills
competitions with their awards, and the public verification routes.

The certificate officer manages; a student (``student_id`` on the account) or a
teacher (``mentor_id``) sees and acts only on their own registrations,
certificates and credits: the caller goes with the call as ``actor``, and the
service answers anyone else's with 404 (``certificates.domain.check_visible``).
Anyone may verify a certificate, at a limited pace per client address, and
learns what it proves, not who holds it. Competitions are read by the college
and its students; of their entries and awards a student sees their own and a
teacher those they tutor; enterprise users have no access to them.
"""
from nameko.extensions import DependencyProvider

from college_contracts.api import certificates as api
from college_platform.http import dumps, json_response
from college_platform.validation import PageQuerySchema
from gateway import auth, settings
from gateway.api import Page, TooManyRequests, route
from gateway.auth import ADMIN, CERTIFICATE_OFFICER, ROLES, STAFF, STUDENT, TEACHER
from gateway.protection import RateLimiter
from gateway.scoping import actor_of, page_query

MANAGERS = (ADMIN, CERTIFICATE_OFFICER)
CANDIDATES = (STUDENT, TEACHER)
# every role but the enterprise's (STAFF includes teachers)
COMPETITION_READERS = STAFF + (STUDENT,)
VC_MEDIA_TYPE = "application/vc"


def acts_as_candidate(principal):
    """Students always act for themselves; a teacher does for their own
    registrations and certificates (managers act for anyone)."""
    return principal.role in CANDIDATES


def own_candidate(principal):
    """(candidate id, kind) of a student or teacher account."""
    if principal.role == STUDENT:
        linked, kind = principal.student_id, "student"
    else:
        linked, kind = principal.mentor_id, "teacher"
    if not linked:
        raise auth.Forbidden("this %s account is not linked to a %s record"
                             % (principal.role, kind))
    return linked, kind


def candidate_actor(request):
    """The caller as the certificates service scopes it (``actor_of``); a
    student's or teacher's account not linked to its record is refused (403)."""
    if acts_as_candidate(request.principal):
        own_candidate(request.principal)
    return actor_of(request)


class VerificationThrottle(DependencyProvider):
    """Public verifications per client address, token or not, in a bucket of
    their own: counting through the numbers issued before they were random,
    or trying names against a number, goes at a person's pace."""

    def setup(self):
        self.limiter = RateLimiter(
            settings.PUBLIC_VERIFY_RATE_LIMIT_PER_MINUTE() / 60,
            settings.PUBLIC_VERIFY_RATE_LIMIT_BURST())

    def get_dependency(self, worker_ctx):
        return self.limiter


class CertificatesRoutes:
    verification_throttle = VerificationThrottle()

    def _throttle_verification(self, request):
        wait = self.verification_throttle.take(
            "ip:%s" % request.environ.get("gateway.client_address", "unknown"))
        if wait:
            self.metrics.counter("requests_refused", "Requests refused by a protective "
                                 "limit, by reason.", ["reason"]).labels(
                "verification_rate_limit").inc()
            raise TooManyRequests("at most %g certificate verifications a minute from one "
                                  "address; retry later"
                                  % (self.verification_throttle.rate * 60), wait)

    # catalogue ------------------------------------------------------------------

    @route("POST", "/v1/certificates", roles=MANAGERS,
           summary="Add an X certificate to the catalogue",
           body=api.NewCertificateSchema, response=api.CertificateSchema, status=201)
    def add_certificate(self, request):
        certificate = self.call("certificates", "add_certificate", request.json_body)
        return json_response(201, certificate,
                             {"Location": "/v1/certificates/%s" % certificate["code"]})

    @route("GET", "/v1/certificates", roles=ROLES, summary="The certificate catalogue",
           query=PageQuerySchema, response=Page(api.CertificateSchema))
    def list_certificates(self, request):
        return json_response(200, self.call("certificates", "list_certificates",
                                            page_query(request)))

    @route("GET", "/v1/certificates/<code>", roles=ROLES, summary="One catalogue entry",
           response=api.CertificateSchema)
    def get_certificate(self, request, code):
        return json_response(200, self.call("certificates", "get_certificate", code))

    # exam sessions and registrations ---------------------------------------------

    @route("POST", "/v1/exam-sessions", roles=MANAGERS, summary="Schedule an exam session",
           body=api.NewSessionSchema, response=api.SessionSchema, status=201)
    def create_exam_session(self, request):
        exam = self.call("certificates", "create_session", request.json_body)
        return json_response(201, exam, {"Location": "/v1/exam-sessions/%s" % exam["id"]})

    @route("GET", "/v1/exam-sessions", roles=ROLES, summary="List exam sessions",
           query=api.SessionQuerySchema, response=Page(api.SessionSchema))
    def list_exam_sessions(self, request):
        return json_response(200, self.call("certificates", "list_sessions", page_query(
            request, "certificate_code", "level")))

    @route("GET", "/v1/exam-sessions/<session_id>", roles=ROLES, summary="One exam session",
           response=api.SessionSchema)
    def get_exam_session(self, request, session_id):
        return json_response(200, self.call("certificates", "get_session", session_id))

    @route("POST", "/v1/exam-sessions/<session_id>/registrations",
           roles=MANAGERS + CANDIDATES,
           summary="Register for an exam (a student or teacher registers themselves)",
           body=api.NewRegistrationSchema, response=api.RegistrationSchema, status=201)
    def register_for_exam(self, request, session_id):
        payload = request.json_body
        if acts_as_candidate(request.principal):
            candidate_id, kind = own_candidate(request.principal)
            payload = {"candidate_id": candidate_id, "candidate_kind": kind}
        elif isinstance(payload, dict):
            payload = {key: value for key, value in payload.items() if key == "candidate_id"}
        registration = self.call("certificates", "register", session_id, payload)
        return json_response(201, registration,
                             {"Location": "/v1/registrations/%s" % registration["id"]})

    @route("POST", "/v1/exam-sessions/<session_id>/group-registrations", roles=MANAGERS,
           summary="Register a class for an exam at once (集体报名), with a per-candidate report",
           body=api.GroupRegistrationSchema, response=api.GroupRegistrationReportSchema)
    def register_group_for_exam(self, request, session_id):
        """{"candidate_ids": ["<student id>", ...]} (at most 500)"""
        return json_response(200, self.call("certificates", "register_group", session_id,
                                            request.json_body,
                                            deadline=settings.IMPORT_RPC_TIMEOUT_SECONDS))

    @route("GET", "/v1/registrations", roles=MANAGERS + CANDIDATES,
           summary="List exam registrations (a candidate sees their own)",
           query=api.RegistrationQuerySchema, response=Page(api.RegistrationSchema))
    def list_registrations(self, request):
        query = page_query(request, "session_id", "candidate_id", "status")
        if acts_as_candidate(request.principal):
            query["candidate_id"] = own_candidate(request.principal)[0]
        return json_response(200, self.call("certificates", "list_registrations", query))

    @route("GET", "/v1/registrations/<registration_id>", roles=MANAGERS + CANDIDATES,
           summary="One registration with its result",
           response=api.RegistrationSchema)
    def get_registration(self, request, registration_id):
        return json_response(200, self.call("certificates", "get_registration",
                                            registration_id, candidate_actor(request)))

    @route("POST", "/v1/registrations/<registration_id>/cancellation",
           roles=MANAGERS + CANDIDATES,
           summary="Cancel a registration; the waiting list moves up",
           response=api.RegistrationSchema)
    def cancel_registration(self, request, registration_id):
        return json_response(200, self.call("certificates", "cancel_registration",
                                            registration_id, candidate_actor(request)))

    # results -------------------------------------------------------------------

    @route("POST", "/v1/registrations/<registration_id>/result", roles=MANAGERS,
           summary="Record theory and practical scores; a pass issues the certificate",
           body=api.ScoresSchema, response=api.RegistrationSchema)
    def record_result(self, request, registration_id):
        return json_response(200, self.call("certificates", "record_result",
                                            registration_id, request.json_body))

    @route("POST", "/v1/exam-sessions/<session_id>/results", roles=MANAGERS,
           summary="Import results from CSV with a per-row report",
           body=api.ResultsImportSchema, response=api.ResultsImportReportSchema)
    def import_results(self, request, session_id):
        """{"csv": "candidate_id,theory,practical\\nstu-1,78,85\\n"}"""
        return json_response(200, self.call("certificates", "import_results", session_id,
                                            request.json_body,
                                            deadline=settings.IMPORT_RPC_TIMEOUT_SECONDS))

    # issued certificates ---------------------------------------------------------------

    @route("GET", "/v1/issued-certificates", roles=MANAGERS + CANDIDATES,
           summary="List issued certificates (a candidate sees their own)",
           query=api.IssuedQuerySchema, response=Page(api.IssuedSchema))
    def list_issued_certificates(self, request):
        query = page_query(request, "candidate_id", "certificate_code")
        if acts_as_candidate(request.principal):
            query["candidate_id"] = own_candidate(request.principal)[0]
        return json_response(200, self.call("certificates", "list_issued", query))

    @route("GET", "/v1/issued-certificates/<number>", roles=MANAGERS + CANDIDATES,
           summary="One issued certificate",
           response=api.IssuedSchema)
    def get_issued_certificate(self, request, number):
        return json_response(200, self.call("certificates", "get_issued", number,
                                            candidate_actor(request)))

    @route("GET", "/v1/issued-certificates/<number>/credential", roles=MANAGERS + CANDIDATES,
           summary="Download the signed verifiable credential",
           response=api.VerifiableCredentialSchema, media_types=(VC_MEDIA_TYPE,))
    def download_credential(self, request, number):
        credential = self.call("certificates", "get_credential", number,
                               candidate_actor(request))
        return 200, {"Content-Type": VC_MEDIA_TYPE, "Cache-Control": "no-store",
                     "Content-Disposition": 'attachment; filename="%s.json"' % number}, \
            dumps(credential)

    @route("POST", "/v1/issued-certificates/<number>/revocation", roles=MANAGERS,
           summary="Revoke a certificate with a reason; its credits are reversed",
           body=api.RevocationSchema, response=api.IssuedSchema)
    def revoke_certificate(self, request, number):
        """{"reason": "考试作弊，成绩取消"}"""
        return json_response(200, self.call("certificates", "revoke", number,
                                            request.json_body))

    # credit bank -------------------------------------------------------------------------

    @route("POST", "/v1/credit-rules", roles=MANAGERS,
           summary="Set a conversion rule and apply it to every holder",
           body=api.CreditRuleInputSchema, response=api.CreditRuleChangesSchema)
    def set_credit_rule(self, request):
        return json_response(200, self.call("certificates", "set_credit_rule",
                                            request.json_body))

    @route("POST", "/v1/credit-rules/preview", roles=MANAGERS,
           summary="What a conversion rule would change, per student, before it is applied",
           body=api.CreditRuleInputSchema, response=api.CreditRuleChangesSchema)
    def preview_credit_rule(self, request):
        return json_response(200, self.call("certificates", "preview_credit_rule",
                                            request.json_body))

    @route("GET", "/v1/credit-rules", roles=STAFF, summary="List conversion rules",
           query=api.CreditRuleQuerySchema, response=Page(api.CreditRuleSchema))
    def list_credit_rules(self, request):
        return json_response(200, self.call("certificates", "list_credit_rules",
                                            page_query(request, "programme_id")))

    @route("GET", "/v1/students/<student_id>/credits", roles=MANAGERS + (STUDENT,),
           summary="A student's credit account and ledger (a student sees their own)",
           query=PageQuerySchema, response=api.CreditAccountSchema)
    def student_credits(self, request, student_id):
        query = {**page_query(request), "student_id": student_id}
        return json_response(200, self.call("certificates", "credit_account", query,
                                            candidate_actor(request)))

    # skills competitions -----------------------------------------------------------------

    @route("POST", "/v1/competitions", roles=MANAGERS,
           summary="Create a skills competition, aligned with catalogued certificates",
           body=api.NewCompetitionSchema, response=api.CompetitionSchema, status=201)
    def create_competition(self, request):
        competition = self.call("certificates", "create_competition", request.json_body)
        return json_response(201, competition,
                             {"Location": "/v1/competitions/%s" % competition["id"]})

    @route("GET", "/v1/competitions", roles=COMPETITION_READERS,
           summary="List skills competitions", query=api.CompetitionQuerySchema,
           response=Page(api.CompetitionSchema))
    def list_competitions(self, request):
        return json_response(200, self.call("certificates", "list_competitions",
                                            page_query(request, "level", "status")))

    @route("GET", "/v1/competitions/<competition_id>", roles=COMPETITION_READERS,
           summary="One competition, with how many entries it has",
           response=api.CompetitionSchema)
    def get_competition(self, request, competition_id):
        return json_response(200, self.call("certificates", "get_competition", competition_id))

    @route("POST", "/v1/competitions/<competition_id>/entries", roles=MANAGERS,
           summary="Enter an individual or a team (each student once) with their tutors",
           body=api.NewEntrySchema, response=api.EntrySchema, status=201)
    def add_competition_entry(self, request, competition_id):
        """{"kind": "team", "team_name": "物联网一队", "student_ids": ["<id>", "<id>"],
        "tutor_ids": ["<teacher's mentor id>"]}"""
        return json_response(201, self.call("certificates", "add_entry", competition_id,
                                            request.json_body))

    @route("GET", "/v1/competitions/<competition_id>/entries", roles=COMPETITION_READERS,
           summary="A competition's entries (a student sees their own, a teacher those "
                   "they tutor)",
           query=api.EntryQuerySchema, response=Page(api.EntrySchema))
    def list_competition_entries(self, request, competition_id):
        return json_response(200, self.call("certificates", "list_entries", competition_id,
                                            page_query(request, "student_id"),
                                            candidate_actor(request)))

    @route("POST", "/v1/competitions/<competition_id>/results", roles=MANAGERS,
           summary="Record or correct a competition's results, with a per-entry report",
           body=api.CompetitionResultsSchema, response=api.CompetitionResultsReportSchema)
    def record_competition_results(self, request, competition_id):
        """{"results": [{"entry_id": "<id>", "award": "first", "rank": 1},
        {"entry_id": "<id>", "award": "none"}]}"""
        return json_response(200, self.call("certificates", "record_competition_results",
                                            competition_id, request.json_body,
                                            deadline=settings.IMPORT_RPC_TIMEOUT_SECONDS))

    @route("GET", "/v1/awards", roles=COMPETITION_READERS,
           summary="List competition awards (a student sees their own, a teacher those of "
                   "the entries they tutor)",
           query=api.AwardQuerySchema, response=Page(api.AwardSchema))
    def list_awards(self, request):
        query = page_query(request, "student_id", "competition_id", "level", "status")
        return json_response(200, self.call("certificates", "list_awards", query,
                                            candidate_actor(request)))

    @route("GET", "/v1/awards/<award_id>", roles=COMPETITION_READERS,
           summary="One competition award", response=api.AwardSchema)
    def get_award(self, request, award_id):
        return json_response(200, self.call("certificates", "get_award", award_id,
                                            candidate_actor(request)))

    @route("POST", "/v1/awards/<award_id>/withdrawal", roles=MANAGERS,
           summary="Withdraw an award with a reason; its credits are reversed and a "
                   "certificate issued on it revoked",
           body=api.AwardWithdrawalSchema, response=api.AwardSchema)
    def withdraw_award(self, request, award_id):
        """{"reason": "违规使用外部设备，取消成绩"}"""
        return json_response(200, self.call("certificates", "withdraw_award", award_id,
                                            request.json_body))

    @route("POST", "/v1/award-credit-rules", roles=MANAGERS,
           summary="Set an award rule (credits, exemptions, an exam it stands in for) and "
                   "apply its credits to the awards it concerns",
           body=api.AwardRuleInputSchema, response=api.AwardRuleChangesSchema)
    def set_award_credit_rule(self, request):
        return json_response(200, self.call("certificates", "set_award_rule",
                                            request.json_body))

    @route("GET", "/v1/award-credit-rules", roles=STAFF, summary="List award rules",
           query=api.AwardRuleQuerySchema, response=Page(api.AwardRuleSchema))
    def list_award_credit_rules(self, request):
        return json_response(200, self.call("certificates", "list_award_rules",
                                            page_query(request, "programme_id")))

    # public verification (no login) -----------------------------------------------------

    @route("GET", "/v1/public/certificates/<number>", public=True,
           summary="Verify a certificate by its number: status, what, by whom, when "
                   "(never the holder, nor why it was revoked)",
           response=api.PublicCertificateSchema)
    def verify_certificate_number(self, request, number):
        self._throttle_verification(request)
        return json_response(200, self.call("certificates", "verify_number", number))

    @route("POST", "/v1/public/certificates/<number>/holder-check", public=True,
           summary="Verify a certificate and whether it is held by the name given "
                   "(holder_name_matches); the name stays out of URLs and logs",
           body=api.HolderCheckSchema, response=api.PublicCertificateSchema)
    def check_certificate_holder(self, request, number):
        """{"holder_name": "王小明"}"""
        self._throttle_verification(request)
        return json_response(200, self.call("certificates", "verify_number", number,
                                            request.json_body))

    @route("POST", "/v1/public/credentials/verify", public=True,
           summary="Verify a posted credential: proof, issuer key, record and status",
           body=api.PostedCredentialSchema, response=api.CredentialVerdictSchema)
    def verify_posted_credential(self, request):
        self._throttle_verification(request)
        return json_response(200, self.call("certificates", "verify_credential",
                                            request.json_body))

    @route("GET", "/v1/public/credential-status/revocation", public=True,
           summary="The revocation Bitstring Status List credential",
           response=api.VerifiableCredentialSchema, media_types=(VC_MEDIA_TYPE,))
    def revocation_status_list(self, request):
        return 200, {"Content-Type": VC_MEDIA_TYPE}, dumps(
            self.call("certificates", "status_list"))

    @route("GET", "/v1/public/credential-keys", public=True,
           summary="The issuer's credential verification keys",
           response=api.VerificationKeysSchema)
    def credential_keys(self, request):
        return json_response(200, self.call("certificates", "verification_keys"))
