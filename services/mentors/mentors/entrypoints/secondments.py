"""Secondments both ways: an enterprise's mentor to the college, a teacher
to the enterprise."""
from college_platform.rpc import rpc
from college_platform.validation import load
from mentors import workflows
from mentors.entrypoints import dumped_page
from mentors.schemas import (
    NewSecondmentSchema,
    ReasonSchema,
    SecondmentQuerySchema,
    SecondmentSchema,
)

secondment_view = SecondmentSchema()


class SecondmentsEntrypoints:

    @rpc
    def create_secondment(self, payload):
        """Plan a secondment: inward (an industry mentor of the enterprise to
        the college) or outward (a teacher to the enterprise). It starts and
        completes on its dates (a period already past is recorded completed).

        payload: {"mentor_id": "...", "direction": "outward", "enterprise_id": "<partner>",
                  "role": "工艺工程师", "starts_on": "2027-03-01", "ends_on": "2027-08-31",
                  "agreed_hours": 800}
        """
        fields = load(NewSecondmentSchema(), payload)
        today, rule = self.clock.today(), self.rule
        return secondment_view.dump(self.store.transact(
            lambda uow: workflows.plan_secondment(uow, fields, today, rule)))

    @rpc
    def get_secondment(self, secondment_id, actor=None):
        """An enterprise actor sees the secondments it is party to, a teacher their own."""
        return secondment_view.dump(
            workflows.visible_secondment(self.records, secondment_id, actor))

    @rpc
    def list_secondments(self, query=None):
        """query: {"enterprise_id": "...", "mentor_id": "...", "status": "active"}"""
        params = load(SecondmentQuerySchema(), query or {})
        return dumped_page(workflows.secondments_page(self.records, params), secondment_view)

    @rpc
    def cancel_secondment(self, secondment_id, payload):
        """payload: {"reason": "企业项目暂停"}"""
        fields = load(ReasonSchema(), payload)
        today, rule = self.clock.today(), self.rule
        return secondment_view.dump(self.store.transact(lambda uow: workflows.cancel_secondment(
            uow, secondment_id, fields["reason"], today, rule)))
