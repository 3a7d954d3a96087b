"""Projects service entrypoints: enterprise projects used as teaching vehicles,
teams, deliverables and grades, placements with weekly check-ins, and two-way
feedback.

Every mutating RPC takes an optional ``actor`` from the gateway:
``{"kind": "staff"|"teacher"|"enterprise"|"student", "username": "...",
"enterprise_id": "...", "student_id": "..."}``. An enterprise actor reaches
only its own enterprise's objects and a student only their own; anything else
is NotFound. Calls without an actor are trusted (staff or system).
"""
import logging

from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

from college_contracts import inbound, read
from college_platform import dead_letters
from college_platform.clock import Clock, configured_timer
from college_platform.config import setting
from college_platform.errors import Conflict, NotFound, ServiceError
from college_platform.events import event_handler
from college_platform.inbound import (
    inbound_amqp_uri,
    inbound_handler,
    queue_name,
    returning_queue_name,
)
from college_platform.mongo import MongoStore
from college_platform.repository import (
    RECENT_FIRST,
    ascending,
    filters,
    get_or_raise,
    group_by,
    paged_view,
    recent,
    remember_copy,
)
from college_platform.rpc import rpc
from college_platform.service import PlatformService
from college_platform.summaries import say_when_it_changes, summary_ids
from college_platform.validation import PageQuerySchema, load
from projects import domain, enterprise_events, summaries, workflows
from projects.schemas import (
    AlertQuerySchema,
    AlertSchema,
    CheckinSchema,
    CheckinViewSchema,
    ConfirmationSchema,
    DeadLetterListSchema,
    DeadLetterQuerySchema,
    DeadLetterSchema,
    DeliverableQuerySchema,
    DeliverableSchema,
    EndPlacementSchema,
    FeedbackQuerySchema,
    FeedbackSchema,
    FeedbackSummaryQuerySchema,
    FeedbackSummarySchema,
    GradeQuerySchema,
    GradeSchema,
    MilestonesSchema,
    NewDeliverableSchema,
    NewFeedbackSchema,
    NewPlacementSchema,
    NewProjectSchema,
    NewReviewSchema,
    NewTeamSchema,
    PlacementQuerySchema,
    PlacementSchema,
    ProjectQuerySchema,
    ProjectSchema,
    ReplayReportSchema,
    ReplaySchema,
    ReviewSchema,
    SweepSchema,
    TeamQuerySchema,
    TeamSchema,
    TransitionSchema,
)

log = logging.getLogger(__name__)

project_view = ProjectSchema()
team_view = TeamSchema()
deliverable_view = DeliverableSchema()
review_view = ReviewSchema()
grade_view = GradeSchema()
placement_view = PlacementSchema()
checkin_view = CheckinViewSchema()
alert_view = AlertSchema()
feedback_view = FeedbackSchema()
feedback_summary_view = FeedbackSummarySchema()
dead_letter_view = DeadLetterSchema()
dead_letters_view = DeadLetterListSchema()
replay_view = ReplayReportSchema()


def grace_days():
    return int(setting("CHECKIN_GRACE_DAYS", 2))


INBOUND_QUEUE = queue_name(inbound.EXCHANGE, "projects")
INBOUND_DEAD_QUEUE = INBOUND_QUEUE + ".dead"


class ProjectsService(PlatformService):
    name = "projects"

    store = MongoStore(indexes={
        "projects": [RECENT_FIRST, IndexModel("enterprise_id", name="by_enterprise"),
                     recent("enterprise_id"), recent("status")],
        "teams": [RECENT_FIRST, recent("project_id"), recent("student_ids"),
                  recent("enterprise_id")],
        # _id is "project:student": one team per student and project
        "memberships": [ascending("student_id", name="by_student"),
                        ascending("project_id", "student_id", name="by_project")],
        "deliverables": [recent("team_id"), recent("team_id", "milestone_id"),
                         ascending("team_id", "milestone_id", "version", unique=True,
                                name="one_version")],
        "reviews": [ascending("deliverable_id", name="by_deliverable"),
                    ascending("team_id", name="by_team")],
        "grades": [RECENT_FIRST, recent("project_id"), recent("student_id"),
                   recent("enterprise_id")],
        "placements": [RECENT_FIRST, recent("student_id"), recent("enterprise_id"),
                       recent("status"), ascending("sweep_done", name="still_to_sweep")],
        "checkins": [recent("placement_id")],
        "checkin_alerts": [RECENT_FIRST, recent("placement_id"), recent("student_id"),
                           recent("enterprise_id")],
        "feedback": [RECENT_FIRST, recent("enterprise_id"), recent("student_id"),
                     recent("enterprise_id", "direction"), recent("student_id", "direction")],
        "students": [], "mentors": [], "partners": [],
    })
    clock = Clock()

    # projects ----------------------------------------------------------------

    @rpc
    def create_project(self, payload, actor=None):
        """Draft an enterprise project posted by a known partner; announces
        ``project_drafted``. Milestones may come now or later, while a draft.

        payload: {"title": "产线视觉质检", "enterprise_id": "<partner id>",
                  "brief": "...", "team_size": 4, "start_date": "2027-03-01",
                  "end_date": "2027-06-30", "credit_weight": 2, "course_code": "MV301",
                  "milestones": [{"title": "方案设计", "due_date": "2027-04-01", "weight": 40},
                                 {"title": "交付", "due_date": "2027-06-20", "weight": 60}]}
        """
        fields = load(NewProjectSchema(), payload)
        now = self.clock()
        project = self.store.transact(lambda uow: workflows.draft_project(uow, fields, now, actor))
        return project_view.dump(project)

    @rpc
    def get_project(self, project_id, actor=None):
        project = get_or_raise(self.store.db.projects, project_id, "project")
        if actor:
            self.store.transact(lambda uow: workflows.visible_project(uow, project_id, actor))
        return project_view.dump(project)

    @rpc
    def list_projects(self, query=None):
        """query: {"enterprise_id": "...", "status": "published", "q": "视觉",
        "offset": 0, "limit": 20}: ``q`` finds any part of the title, case aside."""
        params = load(ProjectQuerySchema(), query or {})
        selector = filters(params, "enterprise_id", "status")
        if params.get("q"):
            selector.update(domain.title_search(params["q"]))
        return paged_view(self.store.db.projects, selector, params, project_view)

    @rpc
    def set_milestones(self, project_id, payload, actor=None):
        """Replace a draft's milestones; weights must sum to 100.

        payload: {"milestones": [{"title": "需求分析", "due_date": "2027-03-20", "weight": 20},
                                 {"title": "原型", "due_date": "2027-05-01", "weight": 30},
                                 {"title": "验收", "due_date": "2027-06-25", "weight": 50}]}
        """
        fields = load(MilestonesSchema(), payload)
        project = self.store.transact(lambda uow: workflows.set_milestones(
            uow, project_id, fields["milestones"], actor))
        return project_view.dump(project)

    @rpc
    def transition_project(self, project_id, payload, actor=None):
        """Move a project along draft → published → in_progress → delivered →
        evaluated → closed (or cancelled). ``evaluated`` grades every team
        member and announces ``project_completed``.

        payload: {"status": "published"} or {"status": "delivered", "delivered_on": "2027-06-28"}
        or {"status": "cancelled", "reason": "企业需求变更"}
        """
        fields = load(TransitionSchema(), payload)
        now = self.clock()
        project = self.store.transact(lambda uow: workflows.transition_project(
            uow, project_id, fields["status"], actor, now, reason=fields["reason"],
            delivered_on=fields["delivered_on"]))
        return project_view.dump(project)

    # teams -------------------------------------------------------------------

    @rpc
    def form_team(self, project_id, payload, actor=None):
        """Form a team of enrolled, active students with a college tutor and
        an enterprise mentor; announces ``team_formed``.

        payload: {"student_ids": ["<student id>", ...], "tutor_id": "<teacher mentor id>",
                  "mentor_id": "<industry mentor id>", "name": "第一组"}
        """
        fields = load(NewTeamSchema(), payload)
        now = self.clock()
        team = self.store.transact(
            lambda uow: workflows.form_team(uow, project_id, fields["student_ids"],
                                            fields["tutor_id"], fields["mentor_id"], now,
                                            name=fields["name"], actor=actor),
            on_duplicate=Conflict("a student is already on a team of this project",
                                  field="student_ids"))
        return team_view.dump(team)

    @rpc
    def get_team(self, team_id, actor=None):
        return team_view.dump(self.store.transact(
            lambda uow: workflows.visible_team(uow, team_id, actor)))

    @rpc
    def list_teams(self, query=None):
        """query: {"project_id": "...", "student_id": "...", "enterprise_id": "..."}"""
        params = load(TeamQuerySchema(), query or {})
        criteria = filters(params, "project_id", "enterprise_id")
        if params["student_id"]:
            criteria["student_ids"] = params["student_id"]
        return paged_view(self.store.db.teams, criteria, params, team_view)

    # deliverables, reviews and grades ------------------------------------------

    @rpc
    def submit_deliverable(self, team_id, payload, actor=None):
        """A new version of the team's submission for a milestone; flagged
        ``late`` after the milestone's due date.

        payload: {"milestone_id": "...", "title": "检测算法说明书 v2",
                  "url": "https://git.example.com/team1/report.pdf",
                  "content_hash": "<64 hex sha-256>", "metadata": {"pages": "32"}}
        """
        fields = load(NewDeliverableSchema(), payload)
        now = self.clock()
        deliverable = self.store.transact(
            lambda uow: workflows.submit_deliverable(uow, team_id, fields, actor, now),
            on_duplicate=Conflict("another version was submitted at the same time; retry"))
        return deliverable_view.dump({**deliverable, "reviews": []})

    @rpc
    def get_deliverable(self, deliverable_id, actor=None):
        deliverable, _ = self.store.transact(
            lambda uow: workflows.visible_deliverable(uow, deliverable_id, actor))
        reviews = self.store.db.reviews.find({"deliverable_id": deliverable_id}).sort(
            "created_at", 1).limit(100)
        return deliverable_view.dump({**deliverable,
                                      "reviews": review_view.dump(list(reviews), many=True)})

    @rpc
    def list_deliverables(self, team_id, query=None, actor=None):
        """query: {"milestone_id": "...", "offset": 0, "limit": 20}"""
        params = load(DeliverableQuerySchema(), query or {})
        self.store.transact(lambda uow: workflows.visible_team(uow, team_id, actor))
        criteria = {"team_id": team_id, **filters(params, "milestone_id")}
        return paged_view(self.store.db.deliverables, criteria, params, deliverable_view)

    @rpc
    def review_deliverable(self, deliverable_id, payload, actor=None):
        """Review a submission against a rubric (criterion scores 0-100,
        weighted); announces ``deliverable_reviewed``.

        payload: {"reviewer_kind": "enterprise",
                  "rubric": [{"criterion": "功能完整性", "score": 88, "weight": 2},
                             {"criterion": "文档质量", "score": 75}],
                  "comment": "识别率达标"}
        """
        fields = load(NewReviewSchema(), payload)
        now = self.clock()
        review = self.store.transact(
            lambda uow: workflows.review_deliverable(uow, deliverable_id, fields, actor, now))
        return review_view.dump(review)

    @rpc
    def list_grades(self, query=None):
        """Grades with their lineage: each milestone's score, the deliverable
        version graded and the reviews it came from.

        query: {"project_id": "...", "student_id": "..."}
        """
        params = load(GradeQuerySchema(), query or {})
        criteria = filters(params, "project_id", "student_id", "enterprise_id")
        return paged_view(self.store.db.grades, criteria, params, grade_view)

    # placements --------------------------------------------------------------

    @rpc
    def start_placement(self, payload, actor=None):
        """Place an active student at a partner enterprise; announces
        ``placement_started``.

        payload: {"student_id": "...", "enterprise_id": "...", "site": "苏州工业园区二号厂房",
                  "supervisor_name": "王建国", "starts_on": "2027-03-01",
                  "ends_on": "2027-06-30", "kind": "internship"}
        """
        fields = load(NewPlacementSchema(), payload)
        now = self.clock()
        placement = self.store.transact(
            lambda uow: workflows.start_placement(uow, fields, now, grace_days(), actor))
        return placement_view.dump(placement)

    @rpc
    def get_placement(self, placement_id, actor=None):
        return placement_view.dump(self.store.transact(
            lambda uow: workflows.visible_placement(uow, placement_id, actor)))

    @rpc
    def list_placements(self, query=None):
        """query: {"student_id": "...", "enterprise_id": "...", "status": "active"}"""
        params = load(PlacementQuerySchema(), query or {})
        return paged_view(self.store.db.placements,
                          filters(params, "student_id", "enterprise_id", "status"),
                          params, placement_view)

    @rpc
    def log_checkin(self, placement_id, payload, actor=None):
        """The student's weekly check-in (week starting on a Monday).

        payload: {"week_starting": "2027-03-08", "hours": 38.5,
                  "summary": "完成工位点检与视觉标定"}
        """
        fields = load(CheckinSchema(), payload)
        now = self.clock()
        checkin = self.store.transact(
            lambda uow: workflows.log_checkin(uow, placement_id, fields, actor, now),
            on_duplicate=Conflict("this week is already logged", field="week_starting"))
        return checkin_view.dump(checkin)

    @rpc
    def confirm_checkin(self, placement_id, week_starting, payload=None, actor=None):
        """The supervisor confirms a logged week; its hours count towards the
        placement. payload: {"comment": "属实"}"""
        load(ConfirmationSchema(), payload if payload is not None else {})
        week = load(CheckinSchema(only=("week_starting",)), {"week_starting": week_starting})
        now = self.clock()
        checkin = self.store.transact(lambda uow: workflows.confirm_checkin(
            uow, placement_id, str(week["week_starting"]), actor, now))
        return checkin_view.dump(checkin)

    @rpc
    def list_checkins(self, placement_id, query=None, actor=None):
        params = load(PageQuerySchema(), query or {})
        self.store.transact(lambda uow: workflows.visible_placement(uow, placement_id, actor))
        return paged_view(self.store.db.checkins, {"placement_id": placement_id}, params,
                          checkin_view)

    @rpc
    def end_placement(self, placement_id, payload, actor=None):
        """End a placement; before its planned end it needs a reason.
        Announces ``placement_ended`` with the confirmed hours.

        payload: {"ended_on": "2027-05-14", "reason": "学生因病休学"}
        """
        fields = load(EndPlacementSchema(), payload)
        now = self.clock()
        placement = self.store.transact(lambda uow: workflows.end_placement(
            uow, placement_id, fields["ended_on"], fields["reason"], actor, now, grace_days()))
        return placement_view.dump(placement)

    @rpc
    def list_checkin_alerts(self, query=None):
        """query: {"placement_id": "...", "student_id": "...", "enterprise_id": "..."}"""
        params = load(AlertQuerySchema(), query or {})
        return paged_view(self.store.db.checkin_alerts,
                          filters(params, "placement_id", "student_id", "enterprise_id"),
                          params, alert_view)

    # eager: a service that starts after an outage judges the weeks it missed at once
    @configured_timer("CHECKIN_SWEEP_SECONDS", 3600, eager=True)
    def sweep_checkins_on_timer(self):
        self._sweep(self.clock())

    @rpc
    def sweep_checkins(self, payload=None):
        """Raise the missed check-ins as of now (or ``as_of``); safe to run
        any number of times. payload: {"as_of": "2027-04-01T09:00:00+08:00"}
        -> {"alerts": 2}"""
        fields = load(SweepSchema(), payload or {})
        return {"alerts": self._sweep(fields["as_of"] or self.clock())}

    def _sweep(self, now):
        today = now.date()
        grace = grace_days()
        raised = 0
        # placements with weeks still to judge, however long the sweeps were stopped
        for placement in self.store.db.placements.find({"sweep_done": {"$ne": True}},
                                                       {"_id": 1}):
            try:
                raised += len(self.store.transact(lambda uow: workflows.raise_missed_checkins(
                    uow, placement["_id"], today, grace, now)))
            except DuplicateKeyError:  # another instance raised it first: nothing to add
                continue
        if raised:
            log.info("raised %d missed check-in alert(s) as of %s", raised, today)
        return raised

    # feedback ----------------------------------------------------------------

    @rpc
    def submit_feedback(self, payload, actor=None):
        """Two-way feedback, one of each direction per placement or per
        project and student; ratings are 1 to 5. Announces ``feedback_submitted``.

        payload: {"subject_kind": "placement", "subject_id": "...",
                  "direction": "student_to_enterprise",
                  "ratings": {"learning_value": 5, "safety": 4, "mentoring": 4},
                  "comment": "师傅带教认真"}
        """
        fields = load(NewFeedbackSchema(), payload)
        now = self.clock()
        feedback = self.store.transact(
            lambda uow: workflows.submit_feedback(uow, fields, actor, now),
            on_duplicate=Conflict("this feedback has already been given"))
        return feedback_view.dump(feedback)

    @rpc
    def list_feedback(self, query=None):
        """query: {"enterprise_id": "...", "student_id": "...", "direction": "..."}"""
        params = load(FeedbackQuerySchema(), query or {})
        return paged_view(self.store.db.feedback,
                          filters(params, "enterprise_id", "student_id", "direction"),
                          params, feedback_view)

    @rpc
    def feedback_summary(self, query):
        """Mean ratings received, per enterprise (from students) or per student
        (from enterprises).

        query: {"enterprise_id": "..."} -> {"enterprise_id": "...",
        "direction": "student_to_enterprise", "count": 3, "average": 4.33,
        "ratings": {"learning_value": 4.67, "safety": 4.0, "mentoring": 4.33}}
        """
        params = load(FeedbackSummaryQuerySchema(), query or {})
        if params["enterprise_id"]:
            subject = {"enterprise_id": params["enterprise_id"]}
            direction = domain.STUDENT_TO_ENTERPRISE
        else:
            subject = {"student_id": params["student_id"]}
            direction = domain.ENTERPRISE_TO_STUDENT
        keys = domain.RATING_KEYS[direction]
        group = {"_id": None, "count": {"$sum": 1}, "average": {"$avg": "$average"},
                 **{key: {"$avg": "$ratings.%s" % key} for key in keys}}
        rows = list(self.store.db.feedback.aggregate([
            {"$match": {**subject, "direction": direction}}, {"$group": group}]))
        row = rows[0] if rows else {"count": 0, "average": None}
        return feedback_summary_view.dump({
            **subject, "direction": direction, "count": row["count"],
            "average": _rounded(row.get("average")),
            "ratings": {key: _rounded(row.get(key)) for key in keys}})

    # read models (docs/views.md) -----------------------------------------------

    @rpc
    def student_summaries(self, student_ids):
        """Per student: projects with grade lineage, placements with check-in
        compliance and open alerts, overdue and received feedback, and risk
        signals, and in how many seconds the part changes with time alone (a
        week's grace period ending...), if it does. At most 200 ids; ``{}`` for
        an unknown one. Read-only.

        ["s-1"] -> {"s-1": {"projects": [...], "placements": [...],
        "feedback": {"overdue": [...], "received_average": 4.5},
        "risk_signals": {"missed_checkins": 1, "open_alerts": 1, ...},
        "changes_in_seconds": 54000.0}}"""
        ids = summary_ids(student_ids, "student_ids")
        now = self.clock()
        db, today, asked = self.store.db, now.date(), {"$in": ids}
        students = {s["_id"]: s for s in db.students.find({"_id": asked})}
        memberships = group_by(db.memberships.find({"student_id": asked}), "student_id")
        grades = group_by(db.grades.find({"student_id": asked}), "student_id")
        project_ids = {m["project_id"] for group in memberships.values() for m in group} | \
            {g["project_id"] for group in grades.values() for g in group}
        projects = {p["_id"]: p for p in db.projects.find({"_id": {"$in": list(project_ids)}})}
        team_ids = {m["team_id"] for group in memberships.values() for m in group} | \
            {g["team_id"] for group in grades.values() for g in group}
        deliverables = group_by(db.deliverables.find(
            {"team_id": {"$in": list(team_ids)}},
            {"team_id": 1, "milestone_id": 1, "version": 1, "late": 1}), "team_id")
        placements = group_by(db.placements.find({"student_id": asked}), "student_id")
        placement_ids = [p["_id"] for group in placements.values() for p in group]
        checkins = group_by(db.checkins.find({"placement_id": {"$in": placement_ids}},
                                             {"summary": 0}), "placement_id")
        alerts = group_by(db.checkin_alerts.find({"placement_id": {"$in": placement_ids}}),
                          "placement_id")
        feedback = group_by(db.feedback.find({"student_id": asked}, {"comment": 0}),
                            "student_id")
        answer = {}
        for id_ in ids:
            own = placements.get(id_, [])
            answer[id_] = summaries.student_part(
                student=students.get(id_), memberships=memberships.get(id_, []),
                grades=grades.get(id_, []), projects=projects,
                deliverables=deliverables, placements=own,
                checkins={p["_id"]: checkins.get(p["_id"], []) for p in own},
                alerts={p["_id"]: alerts.get(p["_id"], []) for p in own},
                feedback=feedback.get(id_, []), today=today, grace_days=grace_days())
            say_when_it_changes(answer[id_], now)
        return answer

    @rpc
    def enterprise_summaries(self, enterprise_ids):
        """Per enterprise (enrollment's partner id): its projects and their
        statuses, feedback given and received, and its contribution (projects
        posted, mean days from a placement's or project's end to its feedback).
        At most 200 ids; ``{}`` for an unknown one. Read-only."""
        ids = summary_ids(enterprise_ids, "enterprise_ids")
        db, asked = self.store.db, {"$in": ids}
        partners = {p["_id"]: p for p in db.partners.find({"_id": asked})}
        projects = group_by(db.projects.find({"enterprise_id": asked}, {
            "title": 1, "enterprise_id": 1, "status": 1, "status_history": 1,
            "created_at": 1, "delivered_on": 1, "end_date": 1}), "enterprise_id")
        feedback = group_by(db.feedback.find({"enterprise_id": asked}, {"comment": 0}),
                            "enterprise_id")
        placement_ids = [f["subject_id"] for group in feedback.values() for f in group
                         if f["subject_kind"] == "placement"]
        subjects = {("placement", p["_id"]): p for p in db.placements.find(
            {"_id": {"$in": placement_ids}}, {"ends_on": 1, "ended_on": 1})}
        subjects.update({("project", p["_id"]): p for group in projects.values() for p in group})
        return {id_: summaries.enterprise_part(
            partner=partners.get(id_), projects=projects.get(id_, []),
            feedback=feedback.get(id_, []), subjects=subjects) for id_ in ids}

    @rpc
    def indicator_facts(self):
        """The dashboard's additive facts: projects published and completed (on
        time), ratings both ways (sums and counts), the enterprises' feedback
        turnaround (sum and count), check-ins expected and done, open alerts.
        -> [{"metric", "value", "term", "programme_id", "enterprise_id", "breakdown"}]"""
        db = self.store.db
        projects = list(db.projects.find({}, {"enterprise_id": 1, "status": 1,
                                              "status_history": 1, "on_time": 1,
                                              "delivered_on": 1, "end_date": 1}))
        feedback = list(db.feedback.find({}, {
            "direction": 1, "enterprise_id": 1, "student_id": 1, "average": 1,
            "created_at": 1, "subject_kind": 1, "subject_id": 1}))
        placements = list(db.placements.find({}, {
            "student_id": 1, "enterprise_id": 1, "starts_on": 1, "ends_on": 1,
            "ended_on": 1}))
        checkins = group_by(db.checkins.find({}, {"placement_id": 1, "week_starting": 1,
                                                  "status": 1}), "placement_id")
        alerts = group_by(db.checkin_alerts.find({}, {"placement_id": 1, "week_starting": 1}),
                          "placement_id")
        programmes = {s["_id"]: s.get("programme_id")
                      for s in db.students.find({}, {"programme_id": 1})}
        return summaries.indicator_facts(
            projects=projects, feedback=feedback, placements=placements, checkins=checkins,
            alerts=alerts, programmes=programmes, today=self.clock().date(),
            grace_days=grace_days())

    # local copies from other services' events --------------------------------

    @event_handler("enrollment", "partner_registered")
    def on_partner_registered(self, event):
        data = read(event)

        self.store.handle_once(event, lambda uow: remember_copy(
            uow, "partners", data["partner_id"], {"legal_name": data["legal_name"]}))

    @event_handler("enrollment", "student_enrolled")
    def on_student_enrolled(self, event):
        data = read(event)

        def remember(uow):
            # a status change that overtook the enrolment keeps its status
            uow.db.students.update_one(
                {"_id": data["student_id"]},
                {"$set": {"name": data["name"], "student_number": data["student_number"],
                          "programme_id": data["programme_id"],
                          "partner_id": data["partner_id"]},
                 "$setOnInsert": {"status": "active"}},
                upsert=True, session=uow.session)

        self.store.handle_once(event, remember)

    @event_handler("enrollment", "enrolment_status_changed")
    def on_enrolment_status_changed(self, event):
        data = read(event)
        now = self.clock()

        def apply(uow):
            # a transfer may change the sponsor, which decides who may place the student
            remember_copy(uow, "students", data["student_id"],
                          {"status": data["status"], "programme_id": data["programme_id"],
                           "partner_id": data["partner_id"]})
            if data["status"] == "withdrawn":
                workflows.remove_student_from_active_teams(
                    uow, data["student_id"], data["reason"] or "withdrawn from the college", now)

        self.store.handle_once(event, apply)

    @event_handler("mentors", "mentor_registered")
    def on_mentor_registered(self, event):
        data = read(event)

        self.store.handle_once(event, lambda uow: remember_copy(
            uow, "mentors", data["mentor_id"], {"name": data["name"], "kind": data["kind"],
                                                "enterprise_id": data["enterprise_id"]}))

    # enterprise systems (the inbound contract) --------------------------------

    @inbound_handler(inbound.EXCHANGE, inbound.parse, batched=True,
                     max_bytes=inbound.MAX_MESSAGE_BYTES)
    def on_enterprise_event(self, events):
        """Events enterprise systems published to ``college.inbound``, a batch
        at a time (``INBOUND_BATCH_SIZE``; one transaction for the batch, and an
        event that fails it is then handled alone). A change the contract allows but the project's
        state refuses (another enterprise's project, an illegal transition) can
        never succeed, so it is dead-lettered at once with the reason; anything
        else is retried."""
        now = self.clock()
        outcomes = self.store.handle_batch(
            events, lambda uow, fresh: enterprise_events.apply_batch(uow, fresh, now))
        return [inbound.InboundRejected("%s: %s" % (type(outcome).__name__, outcome.detail))
                if isinstance(outcome, ServiceError) else outcome for outcome in outcomes]

    @rpc
    def inbound_dead_letters(self, query=None):
        """The first dead letters of the inbound contract, left in place, each
        with the start of its body and its size; ``total`` is how many wait.
        query: {"limit": 50}"""
        params = load(DeadLetterQuerySchema(), query or {})
        uri = inbound_amqp_uri()
        return dead_letters_view.dump({
            "items": dead_letters.peek(uri, INBOUND_DEAD_QUEUE, params["limit"]),
            "total": dead_letters.depth(uri, INBOUND_DEAD_QUEUE)})

    @rpc
    def inbound_dead_letter(self, message_id):
        for letter in dead_letters.peek(inbound_amqp_uri(), INBOUND_DEAD_QUEUE,
                                        dead_letters.MAX_PEEK, dead_letters.ONE_BODY_CHARS):
            if letter["message_id"] == message_id:
                return dead_letter_view.dump(letter)
        raise NotFound("no dead letter %s among the first %d"
                       % (message_id, dead_letters.MAX_PEEK))

    @rpc
    def replay_inbound_dead_letters(self, payload):
        """Return dead letters to the inbound consumer after a fix; each has its
        effect once (the inbox absorbs one that already had it). A call does at
        most a couple of seconds' work: replaying all goes a page at a time.
        payload: {"message_ids": ["<id>", ...]}, or {"message_ids": []} for all
        and then {"message_ids": [], "cursor": "<the last answer's>"}
        -> {"replayed": ["<id>", ...], "remaining": 0, "cursor": null}"""
        fields = load(ReplaySchema(), payload)
        return replay_view.dump(dead_letters.replay(
            inbound_amqp_uri(), INBOUND_DEAD_QUEUE, fields["message_ids"],
            cursor=fields.get("cursor"), target=returning_queue_name(INBOUND_QUEUE)))

    @event_handler("mentors", "mentor_assigned")
    def on_mentor_assigned(self, event):
        data = read(event)
        if data["role"] != "team_mentor" or not data["team_id"]:
            return

        self.store.handle_once(event, lambda uow: uow.db.teams.update_one(
            {"_id": data["team_id"]}, {"$set": {"team_mentor_id": data["mentor_id"]}},
            session=uow.session))


def _rounded(value):
    return None if value is None else round(value, 2)
