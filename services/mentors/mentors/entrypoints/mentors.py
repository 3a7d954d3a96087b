"""Mentors (industry mentors and teachers) and their double-qualified status."""
from college_platform.rpc import rpc
from college_platform.validation import load
from mentors import workflows
from mentors.entrypoints import dumped_page
from mentors.schemas import (
    DoubleQualifiedStatusSchema,
    IndustryQualificationSchema,
    MentorListQuerySchema,
    MentorViewSchema,
    NewMentorSchema,
    ReasonSchema,
)

mentor_view = MentorViewSchema()
double_qualified_view = DoubleQualifiedStatusSchema()


class MentorsEntrypoints:

    @rpc
    def register_mentor(self, payload):
        """Register an industry mentor (from a known partner) or a teacher;
        announces ``mentor_registered``. The new mentor takes vacant
        assignments they fit, up to their load limit.

        payload: {"name": "李强", "kind": "industry", "enterprise_id": "<partner id>",
                  "expertise": ["PLC"], "load_limit": 4}
        """
        fields = load(NewMentorSchema(), payload)
        today, rule = self.clock.today(), self.rule
        return mentor_view.dump(self.store.transact(
            lambda uow: workflows.register_mentor(uow, fields, today, rule)))

    @rpc
    def get_mentor(self, mentor_id, actor=None):
        """An enterprise actor sees its own experts and the teachers it hosts."""
        return mentor_view.dump(workflows.visible_mentor(self.records, mentor_id, actor))

    @rpc
    def list_mentors(self, query=None):
        """query: {"enterprise_id": "...", "kind": "teacher", "visible_to_enterprise": "...",
        "offset": 0, "limit": 20}"""
        params = load(MentorListQuerySchema(), query or {})
        return dumped_page(workflows.mentors_page(self.records, params), mentor_view)

    @rpc
    def record_industry_qualification(self, mentor_id, payload):
        """A teacher's industry qualification (one input of the
        double-qualified rule). payload: {"qualification": "注册电气工程师"}"""
        fields = load(IndustryQualificationSchema(), payload)
        today, rule = self.clock.today(), self.rule
        return mentor_view.dump(self.store.transact(
            lambda uow: workflows.record_industry_qualification(
                uow, mentor_id, fields["qualification"], today, rule)))

    @rpc
    def mentor_leaves(self, mentor_id, payload):
        """The mentor leaves: their assignments are flagged for reassignment
        (``assignment_needs_reassignment``). payload: {"reason": "调任其他岗位"}"""
        fields = load(ReasonSchema(), payload)
        return mentor_view.dump(self.store.transact(
            lambda uow: workflows.mentor_leaves(uow, mentor_id, fields["reason"])))

    @rpc
    def double_qualified_status(self, mentor_id, actor=None):
        """{"mentor_id": "...", "double_qualified": true, "reason": "double-qualified: ...",
        "practice_days": 183, "history": [{"double_qualified": true, "reason": "...",
        "trigger": "certificate X-... issued", "changed_at": "..."}]}
        A teacher actor sees their own, an enterprise actor the teachers it hosts."""
        return double_qualified_view.dump(workflows.double_qualified_status(
            self.records, mentor_id, self.clock.today(), self.rule, actor))
