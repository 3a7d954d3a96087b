"""Mentors service entrypoints: mentors, secondments both ways, the
dual-mentor assignments, double-qualified teachers and the contribution
ledger. Rules live in ``domain``, state changes in ``workflows``."""
import logging

from pymongo import ASCENDING, DESCENDING, IndexModel

from college_contracts import read
from college_platform.clock import Clock, configured_timer
from college_platform.config import setting
from college_platform.envelope import utcnow
from college_platform.errors import Conflict, InvalidInput, NotFound
from college_platform.events import event_handler
from college_platform.mongo import MongoStore
from college_platform.repository import (
    RECENT_FIRST,
    ascending,
    get_or_raise,
    new_id,
    paged_view,
    remember_copy,
)
from college_platform.rpc import rpc
from college_platform.service import PlatformService
from college_platform.summaries import summary_ids
from college_platform.validation import load
from mentors import summaries, workflows
from mentors.domain import (
    ACTIVE,
    COMPLETED,
    ENROLMENT_ENDED,
    NEEDS_REASSIGNMENT,
    PLANNED,
    VACANT,
    DoubleQualifiedRule,
    check_timesheet_date,
    team_slot_id,
    term_of,
)
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
    })
    clock = Clock()

    @property
    def rule(self):
        return DoubleQualifiedRule.from_config(setting("DOUBLE_QUALIFIED_RULE"))

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
        mentor = {"_id": new_id(), **fields, "status": "active", "active_load": 0,
                  "spare_load": fields["load_limit"], "industry_qualifications": [],
                  "host_enterprise_ids": [], "double_qualified": None,
                  "double_qualified_reason": None, "created_at": utcnow()}
        today, rule = self.clock.today(), self.rule

        def register(uow):
            if mentor["enterprise_id"] and not uow.db.partners.find_one(
                    {"_id": mentor["enterprise_id"]}, session=uow.session):
                raise InvalidInput("the mentor's enterprise is not a known partner", errors={
                    "enterprise_id": ["Unknown partner enterprise %s." % mentor["enterprise_id"]]})
            uow.db.mentors.insert_one(mentor, session=uow.session)
            workflows.emit(uow, "mentor_registered", {
                "mentor_id": mentor["_id"], "name": mentor["name"], "kind": mentor["kind"],
                "enterprise_id": mentor["enterprise_id"],
            })
            workflows.recompute_double_qualified(uow, mentor, today, rule, "registered")
            workflows.fill_vacancies_for(uow, mentor)
            return uow.db.mentors.find_one({"_id": mentor["_id"]}, session=uow.session)

        return mentor_view.dump(self.store.transact(register))

    @rpc
    def get_mentor(self, mentor_id):
        return mentor_view.dump(get_or_raise(self.store.db.mentors, mentor_id, "mentor"))

    @rpc
    def list_mentors(self, query=None):
        """query: {"enterprise_id": "...", "kind": "teacher", "visible_to_enterprise": "...",
        "offset": 0, "limit": 20}"""
        params = load(MentorListQuerySchema(), query or {})
        criteria = {}
        if params["enterprise_id"]:
            criteria["enterprise_id"] = params["enterprise_id"]
        if params["kind"]:
            criteria["kind"] = params["kind"]
        if params["visible_to_enterprise"]:
            criteria["$or"] = [{"enterprise_id": params["visible_to_enterprise"]},
                               {"host_enterprise_ids": params["visible_to_enterprise"]}]
        return paged_view(self.store.db.mentors, criteria, params, mentor_view)

    @rpc
    def record_industry_qualification(self, mentor_id, payload):
        """A teacher's industry qualification (one input of the
        double-qualified rule). payload: {"qualification": "注册电气工程师"}"""
        fields = load(IndustryQualificationSchema(), payload)
        today, rule = self.clock.today(), self.rule

        def record(uow):
            mentor = get_or_raise(uow.db.mentors, mentor_id, "mentor", uow.session)
            if mentor["kind"] != "teacher":
                raise Conflict("industry qualifications are recorded for teachers")
            if fields["qualification"] in mentor["industry_qualifications"]:
                raise Conflict("this qualification is already recorded")
            uow.db.mentors.update_one({"_id": mentor_id}, {"$push": {
                "industry_qualifications": fields["qualification"]}}, session=uow.session)
            mentor["industry_qualifications"].append(fields["qualification"])
            workflows.recompute_double_qualified(
                uow, mentor, today, rule,
                "industry qualification %s recorded" % fields["qualification"])
            return uow.db.mentors.find_one({"_id": mentor_id}, session=uow.session)

        return mentor_view.dump(self.store.transact(record))

    @rpc
    def mentor_leaves(self, mentor_id, payload):
        """The mentor leaves: their assignments are flagged for reassignment
        (``assignment_needs_reassignment``). payload: {"reason": "调任其他岗位"}"""
        fields = load(ReasonSchema(), payload)
        return mentor_view.dump(self.store.transact(
            lambda uow: workflows.mentor_leaves(uow, mentor_id, fields["reason"])))

    @rpc
    def double_qualified_status(self, mentor_id):
        """{"mentor_id": "...", "double_qualified": true, "reason": "double-qualified: ...",
        "practice_days": 183, "history": [{"double_qualified": true, "reason": "...",
        "trigger": "certificate X-... issued", "changed_at": "..."}]}"""
        mentor = get_or_raise(self.store.db.mentors, mentor_id, "mentor")
        if mentor["kind"] != "teacher":
            raise NotFound("teacher %s does not exist" % mentor_id)
        history = self.store.db.double_qualified_history.find(
            {"mentor_id": mentor_id}).sort("changed_at", DESCENDING).limit(50)
        secondments = list(self.store.db.secondments.find(
            {"mentor_id": mentor_id, "direction": "outward", "status": COMPLETED}))
        return double_qualified_view.dump({
            "mentor_id": mentor_id, "name": mentor["name"],
            "double_qualified": bool(mentor.get("double_qualified")),
            "reason": mentor.get("double_qualified_reason"),
            "practice_days": self.rule.practice_days(secondments, self.clock.today()),
            "history": list(history)})

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
        secondment = {"_id": new_id(), **fields, "starts_on": fields["starts_on"].isoformat(),
                      "ends_on": fields["ends_on"].isoformat(), "status": PLANNED,
                      "approved_hours": 0.0, "cancel_reason": None, "created_at": utcnow()}

        def create(uow):
            if not uow.db.partners.find_one({"_id": fields["enterprise_id"]},
                                            session=uow.session):
                raise InvalidInput("unknown enterprise", errors={"enterprise_id": [
                    "Unknown partner enterprise %s." % fields["enterprise_id"]]})
            mentor = uow.db.mentors.find_one({"_id": fields["mentor_id"]}, session=uow.session)
            if mentor is None:
                raise InvalidInput("unknown mentor", errors={"mentor_id": [
                    "Unknown mentor %s." % fields["mentor_id"]]})
            if mentor["status"] != "active":
                raise Conflict("mentor %s has left" % mentor["_id"])
            if fields["direction"] == "outward" and mentor["kind"] != "teacher":
                raise InvalidInput("only a teacher goes on an outward secondment", errors={
                    "direction": ["An outward secondment sends a college teacher."]})
            if fields["direction"] == "inward" and (
                    mentor["kind"] != "industry"
                    or mentor["enterprise_id"] != fields["enterprise_id"]):
                raise InvalidInput("an inward secondment brings the enterprise's own expert",
                                   errors={"mentor_id": ["Not an industry mentor of %s."
                                                         % fields["enterprise_id"]]})
            overlapping = uow.db.secondments.find_one({
                "mentor_id": mentor["_id"], "status": {"$in": [PLANNED, ACTIVE, COMPLETED]},
                "starts_on": {"$lte": secondment["ends_on"]},
                "ends_on": {"$gte": secondment["starts_on"]}}, session=uow.session)
            if overlapping:
                raise Conflict("the mentor already has secondment %s in that period"
                               % overlapping["_id"], secondment_id=overlapping["_id"])
            secondment["mentor_name"] = mentor["name"]
            uow.db.secondments.insert_one(secondment, session=uow.session)
            # writing the mentor makes two concurrent secondments of one mentor conflict,
            # so the overlap check above cannot be passed by both
            change = {"$inc": {"secondments_planned": 1}}
            if fields["direction"] == "outward":
                change["$addToSet"] = {"host_enterprise_ids": fields["enterprise_id"]}
            uow.db.mentors.update_one({"_id": mentor["_id"]}, change, session=uow.session)
            workflows.emit(uow, "secondment_planned", workflows.secondment_event(secondment))
            workflows.advance_secondment(uow, secondment["_id"], today, rule)
            return uow.db.secondments.find_one({"_id": secondment["_id"]}, session=uow.session)

        return secondment_view.dump(self.store.transact(create))

    @rpc
    def get_secondment(self, secondment_id):
        return secondment_view.dump(
            get_or_raise(self.store.db.secondments, secondment_id, "secondment"))

    @rpc
    def list_secondments(self, query=None):
        """query: {"enterprise_id": "...", "mentor_id": "...", "status": "active"}"""
        params = load(SecondmentQuerySchema(), query or {})
        criteria = {key: params[key] for key in ("enterprise_id", "mentor_id", "status")
                    if params[key]}
        return paged_view(self.store.db.secondments, criteria, params, secondment_view)

    @rpc
    def cancel_secondment(self, secondment_id, payload):
        """payload: {"reason": "企业项目暂停"}"""
        fields = load(ReasonSchema(), payload)
        today, rule = self.clock.today(), self.rule
        return secondment_view.dump(self.store.transact(lambda uow: workflows.cancel_secondment(
            uow, secondment_id, fields["reason"], today, rule)))

    # timesheets ----------------------------------------------------------

    @rpc
    def log_timesheet(self, secondment_id, payload):
        """The seconded mentor logs hours; the host approves or rejects them.
        payload: {"work_date": "2027-03-02", "hours": 6, "activity": "产线调试带教"}"""
        fields = load(NewTimesheetSchema(), payload)

        def log_hours(uow):
            secondment = get_or_raise(uow.db.secondments, secondment_id, "secondment",
                                      uow.session)
            check_timesheet_date(secondment, fields["work_date"])
            timesheet = {"_id": new_id(), "secondment_id": secondment_id,
                         "mentor_id": secondment["mentor_id"],
                         "enterprise_id": secondment["enterprise_id"],
                         "direction": secondment["direction"],
                         "work_date": fields["work_date"].isoformat(),
                         "term": term_of(fields["work_date"]), "hours": fields["hours"],
                         "activity": fields["activity"], "status": "submitted",
                         "reason": None, "decided_by": None, "created_at": utcnow()}
            uow.db.timesheets.insert_one(timesheet, session=uow.session)
            return timesheet

        return timesheet_view.dump(self.store.transact(log_hours))

    @rpc
    def get_timesheet(self, timesheet_id):
        return timesheet_view.dump(
            get_or_raise(self.store.db.timesheets, timesheet_id, "timesheet"))

    @rpc
    def list_timesheets(self, secondment_id, query=None):
        params = load(TimesheetQuerySchema(), query or {})
        criteria = {"secondment_id": secondment_id}
        if params["status"]:
            criteria["status"] = params["status"]
        return paged_view(self.store.db.timesheets, criteria, params, timesheet_view)

    @rpc
    def decide_timesheet(self, timesheet_id, payload, decided_by=None):
        """The host's decision; approved hours count on the secondment and in
        the enterprise's contribution ledger (mentor hours given for an
        inward secondment, teacher hours hosted for an outward one).
        payload: {"decision": "approved"} or {"decision": "rejected", "reason": "..."}"""
        fields = load(TimesheetDecisionSchema(), payload)

        def decide(uow):
            timesheet = get_or_raise(uow.db.timesheets, timesheet_id, "timesheet", uow.session)
            result = uow.db.timesheets.update_one(
                {"_id": timesheet_id, "status": "submitted"},
                {"$set": {"status": fields["decision"], "reason": fields["reason"],
                          "decided_by": decided_by, "decided_at": utcnow()}},
                session=uow.session)
            if result.modified_count != 1:
                raise Conflict("timesheet %s is already %s" % (timesheet_id, timesheet["status"]),
                               current_status=timesheet["status"])
            if fields["decision"] == "approved":
                uow.db.secondments.update_one({"_id": timesheet["secondment_id"]}, {
                    "$inc": {"approved_hours": timesheet["hours"]}}, session=uow.session)
                counter = ("mentor_hours_given" if timesheet["direction"] == "inward"
                           else "teacher_hours_hosted")
                workflows.add_to_ledger(uow, timesheet["enterprise_id"], timesheet["term"],
                                        **{counter: timesheet["hours"]})
            workflows.emit(uow, "timesheet_decided", {
                "timesheet_id": timesheet_id, "secondment_id": timesheet["secondment_id"],
                "mentor_id": timesheet["mentor_id"], "enterprise_id": timesheet["enterprise_id"],
                "direction": timesheet["direction"], "work_date": timesheet["work_date"],
                "hours": float(timesheet["hours"]), "decision": fields["decision"]})
            return uow.db.timesheets.find_one({"_id": timesheet_id}, session=uow.session)

        return timesheet_view.dump(self.store.transact(decide))

    @rpc
    def contribution_ledger(self, enterprise_id, query=None):
        """Per term: {"items": [{"enterprise_id": "...", "term": "2027-spring",
        "mentor_hours_given": 120.0, "teacher_placements_hosted": 1,
        "teacher_hours_hosted": 640.0}], ...}"""
        params = load(LedgerQuerySchema(), query or {})
        criteria = {"enterprise_id": enterprise_id}
        if params["term"]:
            criteria["term"] = params["term"]
        entries = (self.store.db.ledger.find(criteria).sort("term", DESCENDING)
                   .skip(params["offset"]).limit(params["limit"]))
        items = [{"mentor_hours_given": 0.0, "teacher_placements_hosted": 0,
                  "teacher_hours_hosted": 0.0, **entry} for entry in entries]
        return {"items": ledger_view.dump(items, many=True), "offset": params["offset"],
                "limit": params["limit"], "total": self.store.db.ledger.count_documents(criteria)}

    # assignments ---------------------------------------------------------

    @rpc
    def list_assignments(self, query=None):
        """query: {"student_id": "...", "mentor_id": "...", "team_id": "...",
        "enterprise_id": "...", "status": "active"}"""
        params = load(AssignmentQuerySchema(), query or {})
        criteria = {key: params[key] for key in
                    ("mentor_id", "student_id", "team_id", "enterprise_id", "status")
                    if params[key]}
        return paged_view(self.store.db.assignments, criteria, params, assignment_view)

    @rpc
    def get_assignment(self, assignment_id):
        return assignment_view.dump(
            get_or_raise(self.store.db.assignments, assignment_id, "assignment"))

    @rpc
    def apprentice_mentors(self, student_id):
        """The apprentice's two mentors: {"student_id": "...", "enterprise_id": "...",
        "college_tutor": {<slot>}, "enterprise_mentor": {<slot>} or null}"""
        apprentice = get_or_raise(self.store.db.apprentices, student_id, "apprentice")
        slots = {slot["role"]: slot
                 for slot in self.store.db.slots.find({"student_id": student_id})}
        return apprentice_mentors_view.dump({
            "student_id": student_id, "name": apprentice.get("name"),
            "enrolled": bool(apprentice.get("enrolled")),
            "enterprise_id": apprentice.get("contract_partner_id")
            or apprentice.get("sponsor_partner_id"),
            "college_tutor": slots.get("college_tutor"),
            "enterprise_mentor": slots.get("enterprise_mentor")})

    @rpc
    def list_vacancies(self, query=None):
        """Apprentices and teams still missing a mentor (vacant or flagged for
        reassignment). query: {"kind": "apprentice", "enterprise_id": "..."}"""
        params = load(VacancyQuerySchema(), query or {})
        criteria = {"status": {"$in": [VACANT, NEEDS_REASSIGNMENT]}}
        for key in ("kind", "enterprise_id"):
            if params[key]:
                criteria[key] = params[key]
        return paged_view(self.store.db.slots, criteria, params, slot_view)

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

        def release(uow):
            assignment = get_or_raise(uow.db.assignments, assignment_id, "assignment",
                                      uow.session)
            workflows.release(uow, assignment, fields["reason"])
            return uow.db.assignments.find_one({"_id": assignment_id}, session=uow.session)

        return assignment_view.dump(self.store.transact(release))

    # the calendar --------------------------------------------------------

    @configured_timer("SWEEP_INTERVAL_SECONDS", 3600)
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
        db, rule, day = self.store.db, self.rule, today.isoformat()
        counts = {"started": 0, "completed": 0, "reviewed": 0, "filled": 0}
        due = list(db.secondments.find({"status": PLANNED, "starts_on": {"$lte": day}},
                                       {"_id": 1}).limit(SWEEP_BATCH))
        due += list(db.secondments.find({"status": ACTIVE, "ends_on": {"$lte": day}},
                                        {"_id": 1}).limit(SWEEP_BATCH))
        for secondment in due:
            moves = self.store.transact(lambda uow, sid=secondment["_id"]:
                                        workflows.advance_secondment(uow, sid, today, rule))
            counts["started"] += ACTIVE in moves
            counts["completed"] += COMPLETED in moves
        for mentor in db.mentors.find({"double_qualified_review_on": {"$lte": day}},
                                      {"_id": 1}).limit(SWEEP_BATCH):
            self.store.transact(lambda uow, mid=mentor["_id"]: workflows.recompute_double_qualified(
                uow, uow.db.mentors.find_one({"_id": mid}, session=uow.session), today, rule,
                "the %d-year window moved to %s" % (rule.window_years, day)))
            counts["reviewed"] += 1
        for slot in db.slots.find({"status": VACANT}, {"_id": 1}).limit(SWEEP_BATCH):
            if self.store.transact(lambda uow, sid=slot["_id"]: workflows.fill_slot(
                    uow, uow.db.slots.find_one({"_id": sid}, session=uow.session))):
                counts["filled"] += 1
        if any(counts.values()):
            log.info("calendar sweep as of %s: %s", day, counts)
        return counts

    # the aggregated views' read models (docs/views.md): read-only, no transaction

    @rpc
    def student_summaries(self, student_ids):
        """{student_id: {"mentors": {"school", "industry", "needs_reassignment"}}}
        for at most 200 ids; {} for a student who is no apprentice here."""
        ids = summary_ids(student_ids, "student_ids")
        db = self.store.db
        known = {a["_id"] for a in db.apprentices.find({"_id": {"$in": ids}}, {"_id": 1})}
        slots = {}
        for slot in db.slots.find({"student_id": {"$in": ids}}):
            slots.setdefault(slot["student_id"], []).append(slot)
        assignments = {a["_id"]: a for a in db.assignments.find(
            {"_id": {"$in": [s["assignment_id"] for held in slots.values() for s in held
                             if s.get("assignment_id")]}})}
        return {student_id: summaries.student_part(slots.get(student_id, []), assignments)
                if student_id in known or student_id in slots else {}
                for student_id in ids}

    @rpc
    def enterprise_summaries(self, enterprise_ids):
        """{enterprise_id: {"mentors", "hosted_teachers", "contribution"}} for at
        most 200 ids; {} for an enterprise this service does not know."""
        ids = summary_ids(enterprise_ids, "enterprise_ids")
        db = self.store.db
        known = {p["_id"] for p in db.partners.find({"_id": {"$in": ids}}, {"_id": 1})}
        mentors, secondments = {}, {}
        for mentor in db.mentors.find({"enterprise_id": {"$in": ids}},
                                      {"name": 1, "status": 1, "enterprise_id": 1,
                                       "created_at": 1}):
            mentors.setdefault(mentor["enterprise_id"], []).append(mentor)
        for secondment in db.secondments.find({"enterprise_id": {"$in": ids}}):
            secondments.setdefault(secondment["enterprise_id"], []).append(secondment)
        return {enterprise_id: summaries.enterprise_part(mentors.get(enterprise_id, []),
                                                         secondments.get(enterprise_id, []))
                if enterprise_id in known | set(mentors) | set(secondments) else {}
                for enterprise_id in ids}

    @rpc
    def indicator_facts(self):
        """The mentors service's contribution to the dashboard: additive rows
        {"metric", "value", "term", "programme_id", "enterprise_id", "breakdown"}."""
        db = self.store.db
        teachers = list(db.mentors.find({"kind": "teacher", "status": "active"},
                                        {"double_qualified": 1}))
        held = list(db.slots.find(
            {"status": {"$in": list(summaries.HELD)},
             "role": {"$in": list(summaries.SLOT_PART)}},
            {"student_id": 1, "role": 1, "status": 1, "enterprise_id": 1}))
        apprentices = {a["_id"]: a for a in db.apprentices.find(
            {"_id": {"$in": list({s["student_id"] for s in held})}},
            {"programme_id": 1, "enrolled": 1})}
        timesheets = db.timesheets.find({"status": "approved", "direction": "inward"},
                                        {"hours": 1, "work_date": 1, "enterprise_id": 1})
        return summaries.indicator_facts(teachers, held, apprentices, timesheets)

    # what other services tell us ----------------------------------------

    @rpc
    def get_partner(self, partner_id):
        """The local copy of a partner, as learnt from enrollment's events."""
        return get_or_raise(self.store.db.partners, partner_id, "partner")

    @event_handler("enrollment", "partner_registered")
    def on_partner_registered(self, event):
        data = read(event)

        self.store.handle_once(event, lambda uow: remember_copy(
            uow, "partners", data["partner_id"], {"legal_name": data["legal_name"]}))

    @event_handler("enrollment", "student_enrolled")
    def on_student_enrolled(self, event):
        data = read(event)
        if data["programme_kind"] != "apprenticeship":
            return

        def enrolled(uow):
            remember_copy(uow, "apprentices", data["student_id"], {
                "name": data["name"], "student_number": data["student_number"],
                "programme_id": data["programme_id"], "sponsor_partner_id": data["partner_id"],
                "enrolled": True})
            workflows.provide_apprentice_mentors(
                uow, uow.db.apprentices.find_one({"_id": data["student_id"]}, session=uow.session))

        self.store.handle_once(event, enrolled)

    @event_handler("enrollment", "apprentice_contract_signed")
    def on_apprentice_contract_signed(self, event):
        data = read(event)

        def signed(uow):
            # the contract may arrive before the enrolment: remembered until then
            remember_copy(uow, "apprentices", data["student_id"], {
                "contract_partner_id": data["partner_id"], "contract_id": data["contract_id"]})
            workflows.provide_apprentice_mentors(
                uow, uow.db.apprentices.find_one({"_id": data["student_id"]}, session=uow.session))

        self.store.handle_once(event, signed)

    @event_handler("enrollment", "enrolment_status_changed")
    def on_enrolment_status_changed(self, event):
        data = read(event)
        left_apprenticeship = data["from_programme_id"] and data["programme_kind"] not in (
            None, "apprenticeship")
        if data["status"] not in ENROLMENT_ENDED and not left_apprenticeship:
            return
        reason = ("the apprentice transferred out of the apprenticeship" if left_apprenticeship
                  else "the apprentice withdrew" if data["status"] == "withdrawn"
                  else "the apprentice graduated")

        def ended(uow):
            if uow.db.apprentices.find_one({"_id": data["student_id"]}, session=uow.session):
                workflows.close_apprentice_slots(uow, data["student_id"], reason)

        self.store.handle_once(event, ended)

    @event_handler("projects", "team_formed")
    def on_team_formed(self, event):
        data = read(event)

        def formed(uow):
            slot = workflows.ensure_slot(uow, {
                "_id": team_slot_id(data["team_id"]), "kind": "team", "role": "team_mentor",
                "project_id": data["project_id"], "team_id": data["team_id"],
                "enterprise_id": data["enterprise_id"],
                "preferred_mentor_id": data["mentor_id"]})
            workflows.fill_slot(uow, slot)

        self.store.handle_once(event, formed)

    @event_handler("certificates", "certificate_issued")
    def on_certificate_issued(self, event):
        data = read(event)
        if data["candidate_kind"] != "teacher":
            return
        today, rule = self.clock.today(), self.rule

        def issued(uow):
            remember_copy(uow, "certificates", data["certificate_number"], {
                "candidate_id": data["candidate_id"], "certificate_code": data["certificate_code"],
                "certificate_number": data["certificate_number"], "level": data["level"],
                "issued_on": data["issued_on"].isoformat()})  # a revocation may have come first
            workflows.recompute_double_qualified(
                uow, uow.db.mentors.find_one({"_id": data["candidate_id"]}, session=uow.session),
                today, rule, "%s certificate %s issued" % (data["level"],
                                                           data["certificate_number"]))

        self.store.handle_once(event, issued)

    @event_handler("certificates", "certificate_revoked")
    def on_certificate_revoked(self, event):
        data = read(event)
        if data["candidate_kind"] != "teacher":
            return
        today, rule = self.clock.today(), self.rule

        def revoked(uow):
            # upserted: the revocation may overtake the issue on its own queue
            remember_copy(uow, "certificates", data["certificate_number"], {
                "candidate_id": data["candidate_id"], "revoked": True,
                "revoked_reason": data["reason"]})
            workflows.recompute_double_qualified(
                uow, uow.db.mentors.find_one({"_id": data["candidate_id"]}, session=uow.session),
                today, rule, "certificate %s revoked: %s" % (data["certificate_number"],
                                                             data["reason"]))

        self.store.handle_once(event, revoked)
