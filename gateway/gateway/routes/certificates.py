"""Routes of the certificates service."""
from college_platform.http import json_response
from gateway.api import route
from gateway.auth import ADMIN, CERTIFICATE_OFFICER, ROLES
from gateway.scoping import page_query


class CertificatesRoutes:

    # certificates ------------------------------------------------------------

    @route("POST", "/v1/certificates", roles=(ADMIN, CERTIFICATE_OFFICER),
           summary="Add an X certificate to the catalogue")
    def add_certificate(self, request):
        certificate = self.call("certificates", "add_certificate", request.json_body)
        return json_response(201, certificate,
                             {"Location": "/v1/certificates/%s" % certificate["code"]})

    @route("GET", "/v1/certificates", roles=ROLES, summary="The certificate catalogue")
    def list_certificates(self, request):
        return json_response(200, self.call("certificates", "list_certificates",
                                            page_query(request)))

    @route("GET", "/v1/certificates/<code>", roles=ROLES, summary="One catalogue entry")
    def get_certificate(self, request, code):
        return json_response(200, self.call("certificates", "get_certificate", code))
