"""Routes of the enrollment service: partners, agreements, programmes,
applications and enrolments."""
from college_platform.http import json_response
from gateway.api import route
from gateway.auth import (
    ADMIN,
    ADMISSIONS_OFFICER,
    ENTERPRISE_USER,
    MENTOR_COORDINATOR,
    PROJECT_COORDINATOR,
    STAFF,
    TEACHER,
)
from gateway.scoping import own_enterprise_only, page_query

PARTNER_READERS = (ADMIN, ADMISSIONS_OFFICER, PROJECT_COORDINATOR, MENTOR_COORDINATOR, TEACHER,
                   ENTERPRISE_USER)


class EnrollmentRoutes:

    # enrollment: partners ----------------------------------------------------

    @route("POST", "/v1/partners", roles=(ADMIN, ADMISSIONS_OFFICER),
           summary="Register a partner enterprise")
    def register_partner(self, request):
        partner = self.call("enrollment", "register_partner", request.json_body)
        return json_response(201, partner, {"Location": "/v1/partners/%s" % partner["id"]})

    @route("GET", "/v1/partners", roles=STAFF, summary="List partner enterprises")
    def list_partners(self, request):
        return json_response(200, self.call("enrollment", "list_partners", page_query(request)))

    @route("GET", "/v1/partners/<partner_id>", roles=PARTNER_READERS,
           summary="One partner enterprise")
    def get_partner(self, request, partner_id):
        own_enterprise_only(request.principal, partner_id, "partner")
        return json_response(200, self.call("enrollment", "get_partner", partner_id))
