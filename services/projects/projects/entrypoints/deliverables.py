"""Deliverables, their reviews, and the grades they lead to."""
from college_platform.errors import Conflict
from college_platform.repository import filters
from college_platform.rpc import rpc
from college_platform.validation import load
from projects import workflows
from projects.entrypoints import paged
from projects.schemas import (
    DeliverableQuerySchema,
    DeliverableSchema,
    GradeQuerySchema,
    GradeSchema,
    NewDeliverableSchema,
    NewReviewSchema,
    ReviewSchema,
)

deliverable_view = DeliverableSchema()
review_view = ReviewSchema()
grade_view = GradeSchema()


class DeliverablesEntrypoints:

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
        deliverable = self.store.transact(
            lambda uow: workflows.deliverable_with_reviews(uow, deliverable_id, actor))
        return deliverable_view.dump({**deliverable, "reviews": review_view.dump(
            deliverable["reviews"], many=True)})

    @rpc
    def list_deliverables(self, team_id, query=None, actor=None):
        """query: {"milestone_id": "...", "offset": 0, "limit": 20}"""
        params = load(DeliverableQuerySchema(), query or {})
        self.store.transact(lambda uow: workflows.visible_team(uow, team_id, actor))
        criteria = {"team_id": team_id, **filters(params, "milestone_id")}
        return paged(self.store, "deliverables", criteria, params, deliverable_view)

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
    def list_grades(self, query=None, actor=None):
        """Grades with their lineage: each milestone's score, the deliverable
        version graded and the reviews it came from. With an ``actor``, the
        project asked for must be one the actor may see (NotFound otherwise).

        query: {"project_id": "...", "student_id": "..."}
        """
        params = load(GradeQuerySchema(), query or {})
        if actor and params.get("project_id"):
            self.store.transact(
                lambda uow: workflows.visible_project(uow, params["project_id"], actor))
        criteria = filters(params, "project_id", "student_id", "enterprise_id")
        return paged(self.store, "grades", criteria, params, grade_view)
