"""Routes of the projects service."""
from college_platform.http import json_response
from gateway import auth
from gateway.api import route
from gateway.auth import ADMIN, ENTERPRISE_USER, PROJECT_COORDINATOR, STAFF
from gateway.scoping import enterprise_filter, own_enterprise_only, page_query


class ProjectsRoutes:

    # projects ----------------------------------------------------------------

    @route("POST", "/v1/projects", roles=(ADMIN, PROJECT_COORDINATOR, ENTERPRISE_USER),
           summary="Draft an enterprise project")
    def create_project(self, request):
        payload = request.json_body
        principal = request.principal
        if principal.is_enterprise and isinstance(payload, dict):
            if payload.get("enterprise_id", principal.enterprise_id) != principal.enterprise_id:
                raise auth.Forbidden("an enterprise user posts projects for its own enterprise")
            payload = {**payload, "enterprise_id": principal.enterprise_id}
        project = self.call("projects", "create_project", payload)
        return json_response(201, project, {"Location": "/v1/projects/%s" % project["id"]})

    @route("GET", "/v1/projects", roles=STAFF + (ENTERPRISE_USER,), summary="List projects")
    def list_projects(self, request):
        query = {**page_query(request), **enterprise_filter(request)}
        return json_response(200, self.call("projects", "list_projects", query))

    @route("GET", "/v1/projects/<project_id>", roles=STAFF + (ENTERPRISE_USER,),
           summary="One project")
    def get_project(self, request, project_id):
        project = self.call("projects", "get_project", project_id)
        own_enterprise_only(request.principal, project["enterprise_id"], "project", project_id)
        return json_response(200, project)
