"""Routes of the projects service: projects, teams, deliverables, reviews and
grades, placements and check-ins, feedback.

Scoping: the handler passes the caller as an ``actor`` to the service, which
answers 404 for objects outside it (an enterprise user's own enterprise, a
student's own teams and placements). Lists are filtered to the caller's own
enterprise or student record whatever the query string says.
"""
from college_contracts.api import projects as api
from college_platform.http import json_response
from college_platform.validation import PageQuerySchema
from gateway import auth
from gateway.api import Page, route
from gateway.auth import ADMIN, ENTERPRISE_USER, PROJECT_COORDINATOR, STAFF, STUDENT, TEACHER
from gateway.scoping import actor_of, enterprise_filter, page_query, with_fields

COORDINATORS = (ADMIN, PROJECT_COORDINATOR)
EVERYONE = STAFF + (ENTERPRISE_USER, STUDENT)
# lifecycle steps only the college takes: grading and closing
COLLEGE_DECISIONS = ("evaluated", "closed")


def owner_filter(request, *filters):
    """The page query with the caller's own enterprise or student forced."""
    query = {**page_query(request, *filters), **enterprise_filter(request)}
    if request.principal.role == STUDENT:
        query["student_id"] = actor_of(request)["student_id"]
    return query


class ProjectsRoutes:

    # projects ----------------------------------------------------------------

    @route("POST", "/v1/projects", roles=(ADMIN, PROJECT_COORDINATOR, ENTERPRISE_USER),
           summary="Draft an enterprise project",
           body=api.NewProjectSchema, response=api.ProjectSchema, status=201)
    def create_project(self, request):
        payload = request.json_body
        principal = request.principal
        if principal.is_enterprise and isinstance(payload, dict):
            if payload.get("enterprise_id", principal.enterprise_id) != principal.enterprise_id:
                raise auth.Forbidden("an enterprise user posts projects for its own enterprise")
            payload = {**payload, "enterprise_id": principal.enterprise_id}
        project = self.call("projects", "create_project", payload, actor_of(request))
        return json_response(201, project, {"Location": "/v1/projects/%s" % project["id"]})

    @route("GET", "/v1/projects", roles=STAFF + (ENTERPRISE_USER,), summary="List projects",
           query=api.ProjectQuerySchema, response=Page(api.ProjectSchema))
    def list_projects(self, request):
        query = {**page_query(request, "status", "q"), **enterprise_filter(request)}
        return json_response(200, self.call("projects", "list_projects", query))

    @route("GET", "/v1/projects/<project_id>", roles=EVERYONE, summary="One project",
           response=api.ProjectSchema)
    def get_project(self, request, project_id):
        return json_response(200, self.call("projects", "get_project", project_id,
                                            actor_of(request)))

    @route("PUT", "/v1/projects/<project_id>/milestones", roles=COORDINATORS + (ENTERPRISE_USER,),
           summary="Set a draft project's milestones (weights sum to 100)",
           body=api.MilestonesSchema, response=api.ProjectSchema)
    def set_milestones(self, request, project_id):
        return json_response(200, self.call("projects", "set_milestones", project_id,
                                            request.json_body, actor_of(request)))

    @route("POST", "/v1/projects/<project_id>/transitions",
           roles=COORDINATORS + (ENTERPRISE_USER,),
           summary="Move a project along its lifecycle (evaluated computes the grades)",
           body=api.TransitionSchema, response=api.ProjectSchema)
    def transition_project(self, request, project_id):
        payload = request.json_body
        if request.principal.is_enterprise and isinstance(payload, dict) and \
                payload.get("status") in COLLEGE_DECISIONS:
            raise auth.Forbidden("the college evaluates and closes projects")
        return json_response(200, self.call("projects", "transition_project", project_id,
                                            payload, actor_of(request)))

    # teams -------------------------------------------------------------------

    @route("POST", "/v1/projects/<project_id>/teams", roles=COORDINATORS,
           summary="Form a project team of active students with a tutor and a mentor",
           body=api.NewTeamSchema, response=api.TeamSchema, status=201)
    def form_team(self, request, project_id):
        team = self.call("projects", "form_team", project_id, request.json_body,
                         actor_of(request))
        return json_response(201, team, {"Location": "/v1/teams/%s" % team["id"]})

    @route("GET", "/v1/teams", roles=EVERYONE,
           summary="List teams (by project_id or student_id)",
           query=api.TeamQuerySchema, response=Page(api.TeamSchema))
    def list_teams(self, request):
        query = owner_filter(request, "project_id", "student_id")
        return json_response(200, self.call("projects", "list_teams", query))

    @route("GET", "/v1/teams/<team_id>", roles=EVERYONE, summary="One team",
           response=api.TeamSchema)
    def get_team(self, request, team_id):
        return json_response(200, self.call("projects", "get_team", team_id, actor_of(request)))

    # deliverables, reviews, grades --------------------------------------------

    @route("POST", "/v1/teams/<team_id>/deliverables", roles=COORDINATORS + (STUDENT,),
           summary="Submit a new version of a milestone's deliverable",
           body=api.NewDeliverableSchema, response=api.DeliverableSchema, status=201)
    def submit_deliverable(self, request, team_id):
        deliverable = self.call("projects", "submit_deliverable", team_id, request.json_body,
                                actor_of(request))
        return json_response(201, deliverable,
                             {"Location": "/v1/deliverables/%s" % deliverable["id"]})

    @route("GET", "/v1/teams/<team_id>/deliverables", roles=EVERYONE,
           summary="A team's deliverables, every version",
           query=api.DeliverableQuerySchema, response=Page(api.DeliverableSchema))
    def list_deliverables(self, request, team_id):
        return json_response(200, self.call("projects", "list_deliverables", team_id,
                                            page_query(request, "milestone_id"),
                                            actor_of(request)))

    @route("GET", "/v1/deliverables/<deliverable_id>", roles=EVERYONE,
           summary="One deliverable version with its reviews",
           response=api.DeliverableSchema)
    def get_deliverable(self, request, deliverable_id):
        return json_response(200, self.call("projects", "get_deliverable", deliverable_id,
                                            actor_of(request)))

    @route("POST", "/v1/deliverables/<deliverable_id>/reviews",
           roles=COORDINATORS + (TEACHER, ENTERPRISE_USER),
           summary="Review a deliverable against a rubric (enterprise or tutor)",
           body=api.NewReviewSchema, response=api.ReviewSchema, status=201)
    def review_deliverable(self, request, deliverable_id):
        payload = request.json_body
        role = request.principal.role
        if role == ENTERPRISE_USER:
            payload = with_fields(payload, reviewer_kind="enterprise")
        elif role == TEACHER:
            payload = with_fields(payload, reviewer_kind="tutor")
        review = self.call("projects", "review_deliverable", deliverable_id, payload,
                           actor_of(request))
        return json_response(201, review, {"Location": "/v1/deliverables/%s" % deliverable_id})

    @route("GET", "/v1/projects/<project_id>/grades", roles=STAFF + (ENTERPRISE_USER,),
           summary="A project's grades, each with the reviews it came from",
           query=api.ProjectGradeQuerySchema, response=Page(api.GradeSchema))
    def project_grades(self, request, project_id):
        # the service answers 404 for a project the caller may not see
        query = {**page_query(request, "student_id"), "project_id": project_id}
        return json_response(200, self.call("projects", "list_grades", query,
                                            actor_of(request)))

    @route("GET", "/v1/grades", roles=STAFF + (STUDENT,),
           summary="Project grades with lineage (a student sees their own)",
           query=api.GradeQuerySchema, response=Page(api.GradeSchema))
    def list_grades(self, request):
        query = owner_filter(request, "project_id", "student_id")
        return json_response(200, self.call("projects", "list_grades", query))

    # placements --------------------------------------------------------------

    @route("POST", "/v1/placements", roles=COORDINATORS + (ENTERPRISE_USER,),
           summary="Start a placement (internship or apprenticeship work period)",
           body=api.NewPlacementSchema, response=api.PlacementSchema, status=201)
    def start_placement(self, request):
        payload = request.json_body
        if request.principal.is_enterprise:
            payload = with_fields(payload, enterprise_id=request.principal.enterprise_id)
        placement = self.call("projects", "start_placement", payload, actor_of(request))
        return json_response(201, placement, {"Location": "/v1/placements/%s" % placement["id"]})

    @route("GET", "/v1/placements", roles=EVERYONE, summary="List placements",
           query=api.PlacementQuerySchema, response=Page(api.PlacementSchema))
    def list_placements(self, request):
        query = owner_filter(request, "student_id", "status")
        return json_response(200, self.call("projects", "list_placements", query))

    @route("GET", "/v1/placements/<placement_id>", roles=EVERYONE, summary="One placement",
           response=api.PlacementSchema)
    def get_placement(self, request, placement_id):
        return json_response(200, self.call("projects", "get_placement", placement_id,
                                            actor_of(request)))

    @route("POST", "/v1/placements/<placement_id>/checkins", roles=(STUDENT,),
           summary="Log the week's check-in (the placed student)",
           body=api.CheckinSchema, response=api.CheckinViewSchema, status=201)
    def log_checkin(self, request, placement_id):
        checkin = self.call("projects", "log_checkin", placement_id, request.json_body,
                            actor_of(request))
        return json_response(201, checkin, {"Location": "/v1/placements/%s/checkins"
                                            % placement_id})

    @route("GET", "/v1/placements/<placement_id>/checkins", roles=EVERYONE,
           summary="A placement's weekly check-ins",
           query=PageQuerySchema, response=Page(api.CheckinViewSchema))
    def list_checkins(self, request, placement_id):
        return json_response(200, self.call("projects", "list_checkins", placement_id,
                                            page_query(request), actor_of(request)))

    @route("POST", "/v1/placements/<placement_id>/checkins/<week_starting>/confirmation",
           roles=COORDINATORS + (ENTERPRISE_USER,),
           summary="Confirm a logged week (the supervisor)",
           body=api.ConfirmationSchema, response=api.CheckinViewSchema)
    def confirm_checkin(self, request, placement_id, week_starting):
        return json_response(200, self.call("projects", "confirm_checkin", placement_id,
                                            week_starting, request.json_body,
                                            actor_of(request)))

    @route("POST", "/v1/placements/<placement_id>/end", roles=COORDINATORS + (ENTERPRISE_USER,),
           summary="End a placement (early needs a reason)",
           body=api.EndPlacementSchema, response=api.PlacementSchema)
    def end_placement(self, request, placement_id):
        return json_response(200, self.call("projects", "end_placement", placement_id,
                                            request.json_body, actor_of(request)))

    @route("GET", "/v1/checkin-alerts", roles=EVERYONE,
           summary="Missed or unconfirmed check-ins",
           query=api.AlertQuerySchema, response=Page(api.AlertSchema))
    def list_checkin_alerts(self, request):
        query = owner_filter(request, "placement_id", "student_id")
        return json_response(200, self.call("projects", "list_checkin_alerts", query))

    # feedback ----------------------------------------------------------------

    @route("POST", "/v1/feedback", roles=(ENTERPRISE_USER, STUDENT),
           summary="Rate the other side of a placement or project",
           body=api.NewFeedbackSchema, response=api.FeedbackSchema, status=201)
    def submit_feedback(self, request):
        direction = ("student_to_enterprise" if request.principal.role == STUDENT
                     else "enterprise_to_student")
        feedback = self.call("projects", "submit_feedback",
                             with_fields(request.json_body, direction=direction),
                             actor_of(request))
        return json_response(201, feedback, {"Location": "/v1/feedback?student_id=%s"
                                             % feedback["student_id"]})

    @route("GET", "/v1/feedback", roles=EVERYONE, summary="List feedback",
           query=api.FeedbackQuerySchema, response=Page(api.FeedbackSchema))
    def list_feedback(self, request):
        query = owner_filter(request, "student_id", "direction")
        return json_response(200, self.call("projects", "list_feedback", query))

    @route("GET", "/v1/feedback/summary", roles=EVERYONE,
           summary="Mean ratings per enterprise or per student",
           query=api.FeedbackSummaryQuerySchema, response=api.FeedbackSummarySchema)
    def feedback_summary(self, request):
        query = {key: request.args[key] for key in ("enterprise_id", "student_id")
                 if key in request.args}
        principal = request.principal
        if principal.is_enterprise:
            query = {"enterprise_id": principal.enterprise_id}
        elif principal.role == STUDENT:
            query = {"student_id": actor_of(request)["student_id"]}
        return json_response(200, self.call("projects", "feedback_summary", query))

    # the inbound contract's dead letters (administrators) ----------------------

    @route("GET", "/v1/admin/inbound/dead-letters", roles=(ADMIN,),
           summary="Enterprise-system events that were refused, with the reason",
           query=api.DeadLetterQuerySchema, response=api.DeadLetterListSchema)
    def list_inbound_dead_letters(self, request):
        """?limit=50 -> {"items": [{"message_id", "reason", "attempts", "publisher",
        "dead_lettered_at", "size", "body" (its start), "body_truncated", ...}],
        "total": <letters waiting>}"""
        query = {key: request.args[key] for key in ("limit",) if key in request.args}
        return json_response(200, self.call("projects", "inbound_dead_letters", query))

    @route("GET", "/v1/admin/inbound/dead-letters/<message_id>", roles=(ADMIN,),
           summary="One refused enterprise-system event", response=api.DeadLetterSchema)
    def get_inbound_dead_letter(self, request, message_id):
        return json_response(200, self.call("projects", "inbound_dead_letter", message_id))

    @route("POST", "/v1/admin/inbound/dead-letters/replay", roles=(ADMIN,),
           summary="Return refused events to the queue after a fix",
           body=api.ReplaySchema, response=api.ReplayReportSchema)
    def replay_inbound_dead_letters(self, request):
        """{"message_ids": ["<id>"]}, or [] for all -> {"replayed": ["<id>"],
        "remaining": 0, "cursor": null}. A call works for a couple of seconds at
        most: while "remaining" is above 0, send the same body again with the
        answer's "cursor" to go on; a letter that fails again is not replayed twice."""
        return json_response(200, self.call("projects", "replay_inbound_dead_letters",
                                            request.json_body))
