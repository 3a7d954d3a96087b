"""Exam registrations: one candidate, a class at once (集体报名), cancellations
and the waiting list."""
from certificates import domain, workflows
from certificates.schemas import (
    GroupRegistrationSchema,
    NewRegistrationSchema,
    RegistrationQuerySchema,
    RegistrationSchema,
)
from college_platform.errors import Conflict
from college_platform.rpc import rpc
from college_platform.validation import load

registration_view = RegistrationSchema()


class RegistrationsEntrypoints:

    @rpc
    def register(self, session_id, payload):
        """Register a candidate for a session: a seat while there is one, else
        the waiting list. Announces ``exam_registered``.

        payload: {"candidate_id": "<student id or teacher's mentor id>"}
        -> {"id": "...", "status": "registered" | "waitlisted", "waitlist_position": null, ...}
        """
        fields = load(NewRegistrationSchema(), payload)
        today = self.clock().date()
        registration = self.store.transact(
            lambda uow: workflows.register(uow, session_id, fields, today),
            on_duplicate=Conflict("the candidate is already registered for this session",
                                  field="candidate_id"))
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
        report = self.store.transact(
            lambda uow: workflows.register_group(uow, session_id, candidate_ids, today),
            on_duplicate=Conflict("a candidate of the list was registered meanwhile; "
                                  "try again"))
        return domain.group_report(session_id, report)

    @rpc
    def cancel_registration(self, registration_id, actor=None):
        """Cancel a registration; a freed seat goes to the first on the waiting
        list (announced as ``exam_registered`` with status ``registered``).
        ``actor``: who cancels; a candidate cancels only their own."""
        self.store.transact(
            lambda uow: workflows.cancel_registration(uow, registration_id, actor))
        return registration_view.dump(
            self.store.reading().records.registration(registration_id))

    @rpc
    def get_registration(self, registration_id, actor=None):
        """One registration; ``actor``: a candidate sees only their own."""
        return registration_view.dump(workflows.visible_registration(
            self.store.reading(), registration_id, actor))

    @rpc
    def list_registrations(self, query=None):
        params = load(RegistrationQuerySchema(), query or {})
        criteria = {key: params[key] for key in ("session_id", "candidate_id", "status")
                    if params[key]}
        return self.store.reading().records.registrations_page(criteria, params,
                                                                 registration_view)
