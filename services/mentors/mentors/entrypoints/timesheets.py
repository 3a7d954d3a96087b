"""Timesheets of secondments, the host's decisions on them, and the
enterprise's contribution ledger they feed."""
from college_platform.rpc import rpc
from college_platform.validation import load
from mentors import workflows
from mentors.domain import check_enterprise_visible
from mentors.entrypoints import dumped_page
from mentors.schemas import (
    LedgerEntrySchema,
    LedgerQuerySchema,
    NewTimesheetSchema,
    TimesheetDecisionSchema,
    TimesheetQuerySchema,
    TimesheetSchema,
)

timesheet_view = TimesheetSchema()
ledger_view = LedgerEntrySchema()


class TimesheetsEntrypoints:

    @rpc
    def log_timesheet(self, secondment_id, payload, actor=None):
        """The seconded mentor logs hours; the host approves or rejects them.
        payload: {"work_date": "2027-03-02", "hours": 6, "activity": "产线调试带教"}"""
        if actor is not None:  # not found, then refused, before the body is read
            workflows.may_log_hours(self.records, secondment_id, actor)
        fields = load(NewTimesheetSchema(), payload)
        return timesheet_view.dump(self.store.transact(
            lambda uow: workflows.log_timesheet(uow, secondment_id, fields, actor)))

    @rpc
    def get_timesheet(self, timesheet_id, actor=None):
        """An enterprise actor sees the timesheets of its secondments, a teacher their own."""
        return timesheet_view.dump(workflows.visible_timesheet(self.records, timesheet_id, actor))

    @rpc
    def list_timesheets(self, secondment_id, query=None, actor=None):
        """A secondment's timesheets; with an actor, the secondment must be
        one it sees (NotFound otherwise, and for a missing one)."""
        if actor is not None:
            workflows.visible_secondment(self.records, secondment_id, actor)
        params = load(TimesheetQuerySchema(), query or {})
        return dumped_page(workflows.timesheets_page(self.records, secondment_id, params),
                           timesheet_view)

    @rpc
    def decide_timesheet(self, timesheet_id, payload, decided_by=None, actor=None):
        """The host's decision; approved hours count on the secondment and in
        the enterprise's contribution ledger (mentor hours given for an
        inward secondment, teacher hours hosted for an outward one).
        payload: {"decision": "approved"} or {"decision": "rejected", "reason": "..."}"""
        if actor is not None:  # not found, then refused, before the body is read
            workflows.may_decide(self.records, timesheet_id, actor)
        fields = load(TimesheetDecisionSchema(), payload)
        return timesheet_view.dump(self.store.transact(lambda uow: workflows.decide_timesheet(
            uow, timesheet_id, fields, decided_by, actor)))

    @rpc
    def contribution_ledger(self, enterprise_id, query=None, actor=None):
        """Per term: {"items": [{"enterprise_id": "...", "term": "2027-spring",
        "mentor_hours_given": 120.0, "teacher_placements_hosted": 1,
        "teacher_hours_hosted": 640.0}], ...}. An enterprise actor sees its own."""
        check_enterprise_visible(actor, enterprise_id)  # before the query is read, as ever
        params = load(LedgerQuerySchema(), query or {})
        return dumped_page(workflows.contribution_ledger(self.records, enterprise_id, params,
                                                         actor), ledger_view)
