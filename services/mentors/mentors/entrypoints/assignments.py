"""The dual-mentor assignments: apprentices' and teams' mentor slots, the
vacant ones, and assigning and releasing by hand."""
from college_platform.rpc import rpc
from college_platform.validation import load
from mentors import workflows
from mentors.entrypoints import dumped_page
from mentors.schemas import (
    ApprenticeMentorsSchema,
    AssignMentorSchema,
    AssignmentQuerySchema,
    AssignmentSchema,
    ReasonSchema,
    SlotSchema,
    VacancyQuerySchema,
)

assignment_view = AssignmentSchema()
slot_view = SlotSchema()
apprentice_mentors_view = ApprenticeMentorsSchema()


class AssignmentsEntrypoints:

    @rpc
    def list_assignments(self, query=None):
        """query: {"student_id": "...", "mentor_id": "...", "team_id": "...",
        "enterprise_id": "...", "status": "active"}"""
        params = load(AssignmentQuerySchema(), query or {})
        return dumped_page(workflows.assignments_page(self.records, params), assignment_view)

    @rpc
    def get_assignment(self, assignment_id):
        return assignment_view.dump(self.records.assignment(assignment_id))

    @rpc
    def apprentice_mentors(self, student_id, actor=None):
        """The apprentice's two mentors: {"student_id": "...", "enterprise_id": "...",
        "college_tutor": {<slot>}, "enterprise_mentor": {<slot>} or null}. A
        student actor sees their own, an enterprise actor the apprentices it employs."""
        return apprentice_mentors_view.dump(
            workflows.apprentice_mentors(self.records, student_id, actor))

    @rpc
    def list_vacancies(self, query=None):
        """Apprentices and teams still missing a mentor (vacant or flagged for
        reassignment). query: {"kind": "apprentice", "enterprise_id": "..."}"""
        params = load(VacancyQuerySchema(), query or {})
        return dumped_page(workflows.vacancies_page(self.records, params), slot_view)

    @rpc
    def assign_mentor(self, payload):
        """Assign (or reassign) a slot by hand; the load limit holds.
        payload: {"slot_id": "apprentice:<student id>:college_tutor", "mentor_id": "..."}"""
        fields = load(AssignMentorSchema(), payload)
        return assignment_view.dump(self.store.transact(lambda uow: workflows.assign_by_hand(
            uow, fields["slot_id"], fields["mentor_id"])))

    @rpc
    def release_assignment(self, assignment_id, payload):
        """payload: {"reason": "学生转专业"}; the slot becomes vacant again."""
        fields = load(ReasonSchema(), payload)
        return assignment_view.dump(self.store.transact(
            lambda uow: workflows.release_assignment(uow, assignment_id, fields["reason"])))
