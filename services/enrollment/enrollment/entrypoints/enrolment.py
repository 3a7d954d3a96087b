"""Tripartite agreements, enrolment and the students' records."""
from college_platform.envelope import utcnow
from college_platform.errors import Conflict
from college_platform.repository import (
    filters,
    paged_view,
    positioned_page,
)
from college_platform.rpc import rpc
from college_platform.validation import PageQuerySchema, load
from enrollment import destinations, domain
from enrollment.entrypoints.base import student_view, tripartite_view
from enrollment.schemas import (
    EnrolSchema,
    SignatureSchema,
    StatusChangeSchema,
    StudentQuerySchema,
    TripartiteTermsSchema,
)
from enrollment.workflows import enrolment

# every student's place in the list of all students (1 for the first ever enrolled)
STUDENT_POSITIONS = "students:list_position"


class EnrolmentEntrypoints:

    # tripartite agreements ---------------------------------------------------------------

    @rpc
    def prepare_tripartite_agreement(self, application_id, payload):
        """A new version of the tripartite agreement (college, enterprise,
        student, and a guardian for a minor) for an accepted application or an
        enrolled student; earlier versions are kept, marked superseded.
        payload: {"terms": "学徒期三年，企业按月发放学徒津贴……"}"""
        fields = load(TripartiteTermsSchema(), payload)
        today = self.clock.today()
        return tripartite_view.dump(self.store.transact(
            lambda uow: enrolment.prepare_tripartite(uow, application_id, fields["terms"],
                                                     today),
            on_duplicate=Conflict("another version of this agreement was just prepared; "
                                  "try again")))

    @rpc
    def sign_tripartite_agreement(self, agreement_id, payload, actor=None):
        """Record one party's signature, with who and when.
        payload: {"party": "guardian", "signer": "李建国", "actor": "admissions.zhou"}"""
        if actor is not None:  # told it does not exist before anything about the input
            self.store.read(lambda uow: enrolment.tripartite(uow, agreement_id, actor))
            if isinstance(payload, dict):  # then who may sign for which party
                party = domain.signing_party(actor, payload.get("party"))
                payload = payload if party is None else {**payload, "party": party}
        fields = load(SignatureSchema(), payload)
        return tripartite_view.dump(self.store.transact(
            lambda uow: enrolment.sign_tripartite(uow, agreement_id, fields, actor)))

    @rpc
    def list_tripartite_agreements(self, application_id, query=None, actor=None):
        """Every version of an application's (or its student's) agreement, newest first."""
        self.store.read(lambda uow: enrolment.check_tripartites_visible(uow, application_id, actor))
        params = load(PageQuerySchema(), query or {})
        return paged_view(self.store.db.tripartite_agreements,
                          {"application_id": application_id}, params, tripartite_view)

    @rpc
    def get_tripartite_agreement(self, agreement_id, actor=None):
        return tripartite_view.dump(self.store.read(
            lambda uow: enrolment.tripartite(uow, agreement_id, actor)))

    # enrolment ---------------------------------------------------------------------------

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
        return student_view.dump(self.store.transact(
            lambda uow: enrolment.enrol(uow, application_id, fields["apprentice_contract"],
                                        today),
            on_duplicate=Conflict("this application is already enrolled")))

    # students ----------------------------------------------------------------------------

    @rpc
    def get_student(self, student_id, actor=None):
        return student_view.dump(destinations.as_seen_by(actor, self.store.read(
            lambda uow: enrolment.student(uow, student_id, actor))))

    @rpc
    def list_students(self, query=None, actor=None):
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
                result["items"] = student_view.dump(
                    [destinations.as_seen_by(actor, s) for s in result["items"]], many=True)
                return result
        listed = paged_view(self.store.db.students, selector, params, student_view)
        if (actor or {}).get("kind") == "enterprise":  # dumped: the stored fields are kept
            listed["items"] = [destinations.as_seen_by(actor, s) for s in listed["items"]]
        return listed

    @rpc
    def change_student_status(self, student_id, payload):
        """Suspend, resume, withdraw or transfer a student, moving quota in the
        ledger; announces ``enrolment_status_changed``.

        payload: {"action": "withdraw", "reason": "退学"}
                 {"action": "transfer", "reason": "转专业", "programme_id": "<id>"}
        """
        fields = load(StatusChangeSchema(), payload)
        return student_view.dump(self.store.transact(
            lambda uow: enrolment.change_student_status(uow, student_id, fields, utcnow())))
