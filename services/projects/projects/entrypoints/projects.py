"""Projects and their teams."""
from college_platform.errors import Conflict
from college_platform.repository import filters
from college_platform.rpc import rpc
from college_platform.validation import load
from projects import domain, workflows
from projects.entrypoints import paged
from projects.schemas import (
    MilestonesSchema,
    NewProjectSchema,
    NewTeamSchema,
    ProjectQuerySchema,
    ProjectSchema,
    TeamQuerySchema,
    TeamSchema,
    TransitionSchema,
)

project_view = ProjectSchema()
team_view = TeamSchema()


class ProjectsEntrypoints:

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
        """The project, if the actor may see it (NotFound otherwise)."""
        return project_view.dump(self.store.transact(
            lambda uow: workflows.visible_project(uow, project_id, actor)))

    @rpc
    def list_projects(self, query=None):
        """query: {"enterprise_id": "...", "status": "published", "q": "视觉",
        "offset": 0, "limit": 20}: ``q`` finds any part of the title, case aside."""
        params = load(ProjectQuerySchema(), query or {})
        selector = filters(params, "enterprise_id", "status")
        if params.get("q"):
            selector.update(domain.title_search(params["q"]))
        return paged(self.store, "projects", selector, params, project_view)

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
        return paged(self.store, "teams", criteria, params, team_view)
