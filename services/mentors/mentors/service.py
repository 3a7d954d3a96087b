"""Mentors service entrypoints: mentors, secondments both ways, the
dual-mentor assignments, double-qualified teachers and the contribution
ledger. Each entrypoint loads its input with the declared schema, runs a use
case of ``workflows`` (in a unit of work when it writes) and dumps the answer
with the declared response schema; rules live in ``domain``, the collections
behind ``records``.

Scoping: the entrypoints that read or change one party's object take an
optional ``actor`` from the gateway ({"kind": "enterprise" | "teacher" |
"student" | "staff", "enterprise_id", "student_id", "mentor_id", ...}); what
the actor may not see does not exist for it (NotFound). Calls without an
actor are trusted (staff or system)."""
import logging

from pymongo import ASCENDING, DESCENDING, IndexModel

from college_contracts import read
from college_platform.clock import Clock, configured_timer
from college_platform.events import event_handler
from college_platform.mongo import MongoStore
from college_platform.repository import RECENT_FIRST, ascending
from college_platform.rpc import rpc
from college_platform.service import PlatformService
from college_platform.summaries import summary_ids
from college_platform.validation import load
from mentors import settings, workflows
from mentors.domain import (
    ACTIVE,
    COMPLETED,
    DoubleQualifiedRule,
    apprenticeship_end,
    check_enterprise_visible,
    is_apprenticeship_enrolment,
    is_teachers_certificate,
)
from mentors.records import MentorsRecords
from mentors.schemas import (
    ApprenticeMentorsSchema,
    AssignMentorSchema,
    AssignmentQuerySchema,
    AssignmentSchema,
    DoubleQualifiedStatusSchema,
    IndustryQualificationSchema,
    LedgerEntrySchema,
    LedgerQuerySchema,
    MentorListQuerySchema,
    MentorViewSchema,
    NewMentorSchema,
    NewSecondmentSchema,
    NewTimesheetSchema,
    ReasonSchema,
    SecondmentQuerySchema,
    SecondmentSchema,
    SlotSchema,
    SweepSchema,
    TimesheetDecisionSchema,
    TimesheetQuerySchema,
    TimesheetSchema,
    VacancyQuerySchema,
)

log = logging.getLogger(__name__)

mentor_view = MentorViewSchema()
secondment_view = SecondmentSchema()
timesheet_view = TimesheetSchema()
assignment_view = AssignmentSchema()
slot_view = SlotSchema()
ledger_view = LedgerEntrySchema()
double_qualified_view = DoubleQualifiedStatusSchema()
apprentice_mentors_view = ApprenticeMentorsSchema()

SWEEP_BATCH = 200  # per kind of work and tick; the next tick takes the rest


def dumped_page(result, view):
    """A page of stored documents with its items dumped through ``view``."""
    return {**result, "items": view.dump(result["items"], many=True)}


class MentorsService(PlatformService):
    name = "mentors"

    store = MongoStore(indexes={
        "mentors": [RECENT_FIRST, IndexModel("enterprise_id", name="by_enterprise"),
                    ascending("host_enterprise_ids", name="by_host"),
                    IndexModel([("kind", ASCENDING), ("status", ASCENDING),
                                ("enterprise_id", ASCENDING), ("spare_load", DESCENDING)],
                               name="candidates"),
                    ascending("double_qualified_review_on", name="review_due")],
        "secondments": [RECENT_FIRST, ascending("mentor_id", "status", name="by_mentor"),
                        ascending("enterprise_id", name="by_enterprise"),
                        ascending("status", "starts_on", name="to_start"),
                        ascending("status", "ends_on", name="to_end")],
        "timesheets": [RECENT_FIRST, ascending("secondment_id", name="by_secondment"),
                       ascending("status", "direction", name="by_status_direction")],
        "slots": [RECENT_FIRST, ascending("status", "role", "enterprise_id", name="open_by_role"),
                  ascending("student_id", name="by_student")],
        "assignments": [RECENT_FIRST, ascending("mentor_id", "status", name="by_mentor"),
                        ascending("student_id", name="by_student"),
                        ascending("team_id", name="by_team"),
                        ascending("enterprise_id", name="by_enterprise"),
                        ascending("secondment_id", name="by_secondment")],
        "apprentices": [],
        "certificates": [ascending("candidate_id", name="by_candidate")],
        "ledger": [IndexModel([("enterprise_id", ASCENDING), ("term", DESCENDING)],
                              name="by_enterprise_term")],
        "double_qualified_history": [
            IndexModel([("mentor_id", ASCENDING), ("changed_at", DESCENDING)], name="by_mentor")],
        "partners": [],
    }, records=MentorsRecords)
    clock = Clock()

    @property
    def rule(self):
        return DoubleQualifiedRule.from_config(settings.DOUBLE_QUALIFIED_RULE())

    @property
    def records(self):
        """The records outside any transaction, for the read-only entrypoints."""
        return self.store.reading().records

    # mentors -------------------------------------------------------------

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

    # secondments ---------------------------------------------------------

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

    # timesheets ----------------------------------------------------------

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

    # assignments ---------------------------------------------------------

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

    # the calendar --------------------------------------------------------

    @configured_timer(settings.SWEEP_INTERVAL_SECONDS)
    def calendar_tick(self):
        self._sweep(self.clock.today())

    @rpc
    def run_sweep(self, payload=None):
        """Run the calendar sweep now, or "as of" a date (operations and
        tests): {"as_of": "2032-03-01"} -> counts of what changed."""
        fields = load(SweepSchema(), payload or {})
        return self._sweep(fields["as_of"] or self.clock.today())

    def _sweep(self, today):
        """Start and complete secondments on their dates, recompute the
        teachers whose window has slid, and retry vacant slots. Each item is
        its own idempotent transaction, so two instances may sweep at once."""
        records, rule, day = self.records, self.rule, today.isoformat()
        counts = {"started": 0, "completed": 0, "reviewed": 0, "filled": 0}
        for secondment_id in records.secondment_ids_due(day, SWEEP_BATCH):
            moves = self.store.transact(lambda uow, sid=secondment_id:
                                        workflows.advance_secondment(uow, sid, today, rule))
            counts["started"] += ACTIVE in moves
            counts["completed"] += COMPLETED in moves
        for mentor_id in records.mentor_ids_due_for_review(day, SWEEP_BATCH):
            self.store.transact(lambda uow, mid=mentor_id: workflows.review_double_qualified(
                uow, mid, today, rule))
            counts["reviewed"] += 1
        for slot_id in records.vacant_slot_ids(SWEEP_BATCH):
            if self.store.transact(lambda uow, sid=slot_id: workflows.fill_vacant_slot(uow, sid)):
                counts["filled"] += 1
        if any(counts.values()):
            log.info("calendar sweep as of %s: %s", day, counts)
        return counts

    # the aggregated views' read models (docs/views.md): read-only, no transaction

    @rpc
    def student_summaries(self, student_ids):
        """{student_id: {"mentors": {"school", "industry", "needs_reassignment"}}}
        for at most 200 ids; {} for a student who is no apprentice here."""
        return workflows.student_summaries(self.records, summary_ids(student_ids, "student_ids"))

    @rpc
    def enterprise_summaries(self, enterprise_ids):
        """{enterprise_id: {"mentors", "hosted_teachers", "contribution"}} for at
        most 200 ids; {} for an enterprise this service does not know."""
        return workflows.enterprise_summaries(
            self.records, summary_ids(enterprise_ids, "enterprise_ids"))

    @rpc
    def indicator_facts(self):
        """The mentors service's contribution to the dashboard: additive rows
        {"metric", "value", "term", "programme_id", "enterprise_id", "breakdown"}."""
        return workflows.indicator_facts(self.records)

    # what other services tell us ----------------------------------------

    @rpc
    def get_partner(self, partner_id):
        """The local copy of a partner, as learnt from enrollment's events."""
        return self.records.partner(partner_id)

    @event_handler("enrollment", "partner_registered")
    def on_partner_registered(self, event):
        data = read(event)
        self.store.handle_once(event, lambda uow: workflows.partner_registered(uow, data))

    @event_handler("enrollment", "student_enrolled")
    def on_student_enrolled(self, event):
        data = read(event)
        if not is_apprenticeship_enrolment(data):
            return
        self.store.handle_once(event, lambda uow: workflows.apprentice_enrolled(uow, data))

    @event_handler("enrollment", "apprentice_contract_signed")
    def on_apprentice_contract_signed(self, event):
        data = read(event)
        self.store.handle_once(event, lambda uow: workflows.apprentice_contract_signed(uow, data))

    @event_handler("enrollment", "enrolment_status_changed")
    def on_enrolment_status_changed(self, event):
        data = read(event)
        reason = apprenticeship_end(data)
        if reason is None:
            return
        self.store.handle_once(event, lambda uow: workflows.apprenticeship_ended(
            uow, data["student_id"], reason))

    @event_handler("projects", "team_formed")
    def on_team_formed(self, event):
        data = read(event)
        self.store.handle_once(event, lambda uow: workflows.team_formed(uow, data))

    @event_handler("certificates", "certificate_issued")
    def on_certificate_issued(self, event):
        data = read(event)
        if not is_teachers_certificate(data):
            return
        today, rule = self.clock.today(), self.rule
        self.store.handle_once(event, lambda uow: workflows.certificate_issued(
            uow, data, today, rule))

    @event_handler("certificates", "certificate_revoked")
    def on_certificate_revoked(self, event):
        data = read(event)
        if not is_teachers_certificate(data):
            return
        today, rule = self.clock.today(), self.rule
        self.store.handle_once(event, lambda uow: workflows.certificate_revoked(
            uow, data, today, rule))
