"""Routes of the mentors service."""
from college_platform.http import json_response
from gateway.api import route
from gateway.auth import ADMIN, ENTERPRISE_USER, MENTOR_COORDINATOR, STAFF
from gateway.scoping import enterprise_filter, own_enterprise_only, page_query


class MentorsRoutes:

    # mentors -----------------------------------------------------------------

    @route("POST", "/v1/mentors", roles=(ADMIN, MENTOR_COORDINATOR), summary="Register a mentor")
    def register_mentor(self, request):
        mentor = self.call("mentors", "register_mentor", request.json_body)
        return json_response(201, mentor, {"Location": "/v1/mentors/%s" % mentor["id"]})

    @route("GET", "/v1/mentors", roles=STAFF + (ENTERPRISE_USER,), summary="List mentors")
    def list_mentors(self, request):
        query = {**page_query(request), **enterprise_filter(request)}
        return json_response(200, self.call("mentors", "list_mentors", query))

    @route("GET", "/v1/mentors/<mentor_id>", roles=STAFF + (ENTERPRISE_USER,),
           summary="One mentor")
    def get_mentor(self, request, mentor_id):
        mentor = self.call("mentors", "get_mentor", mentor_id)
        own_enterprise_only(request.principal, mentor["enterprise_id"], "mentor", mentor_id)
        return json_response(200, mentor)
