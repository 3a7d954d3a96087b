"""The college's HTTP API: one versioned JSON API in front of the services.

Thin handlers: authenticate and authorize (``route``), scope enterprise users
to their own enterprise, call the owning service with a timeout, shape JSON.
"""
import hmac

import eventlet
from eventlet.greenpool import GreenPool
from kombu.exceptions import OperationalError
from nameko.exceptions import UnknownService
from nameko.rpc import ClusterRpc

from college_platform.config import setting
from college_platform.errors import NotFound
from college_platform.http import json_response
from college_platform.mongo import MongoStore
from college_platform.service import PlatformService, broker_status, database_status
from college_platform.validation import load
from gateway import auth
from gateway.api import ServiceUnavailable, Tokens, route
from gateway.auth import (
    ADMIN,
    ADMISSIONS_OFFICER,
    CERTIFICATE_OFFICER,
    ENTERPRISE_USER,
    MENTOR_COORDINATOR,
    PROJECT_COORDINATOR,
    ROLES,
    STAFF,
    TEACHER,
)
from gateway.schemas import LoginSchema, NewUserSchema, UserSchema
from gateway.users import authenticate, create_user

SERVICES = ("enrollment", "projects", "mentors", "certificates")
PARTNER_READERS = (ADMIN, ADMISSIONS_OFFICER, PROJECT_COORDINATOR, MENTOR_COORDINATOR, TEACHER,
                   ENTERPRISE_USER)
user_view = UserSchema()


def page_query(request):
    return {key: request.args[key] for key in ("offset", "limit") if key in request.args}


class GatewayService(PlatformService):
    name = "gateway"

    store = MongoStore(indexes={"users": []})  # usernames are the _id
    rpc_client = ClusterRpc(expiration=30)
    tokens = Tokens()

    def call(self, service, method, *args):
        """One RPC with a deadline: a slow or dead service becomes a 503."""
        timeout = float(setting("RPC_TIMEOUT_SECONDS", 5))
        try:
            with eventlet.Timeout(timeout, ServiceUnavailable(
                    "the %s service did not answer within %gs" % (service, timeout))):
                return getattr(getattr(self.rpc_client, service), method)(*args)
        except UnknownService:  # no queue at all: the service never started on this broker
            raise ServiceUnavailable("the %s service is not running" % service)
        except (OperationalError, ConnectionError, OSError) as exc:
            raise ServiceUnavailable("the message broker is unreachable: %s" % exc)

    # health and metrics ------------------------------------------------------

    @route("GET", "/health", public=True, summary="Gateway and service health")
    def http_health(self, request):
        """{"status": "up", "gateway": {...}, "services": {"enrollment": {...}, ...}}"""
        def service_health(service):
            try:
                return service, self.call(service, "health")
            except ServiceUnavailable as exc:
                return service, {"status": "down", "error": str(exc)}

        pool = GreenPool(len(SERVICES))
        services = dict(pool.imap(service_health, SERVICES))
        gateway = {"status": "up", "broker": broker_status(),
                   "database": database_status(self.store._provider)}
        if "down" in (gateway["broker"]["status"], gateway["database"]["status"]):
            gateway["status"] = "down"
        up = gateway["status"] == "up" and all(s.get("status") == "up" for s in services.values())
        return json_response(200 if up else 503, {"status": "up" if up else "degraded",
                                                  "gateway": gateway, "services": services})

    @route("GET", "/metrics", public=True, summary="Prometheus metrics (scrape token)")
    def http_metrics(self, request):
        """The gateway faces users, so its metrics need the scrape token
        (METRICS_TOKEN) that Prometheus sends as a bearer token."""
        expected = setting("METRICS_TOKEN") or ""
        presented = request.headers.get("Authorization", "").partition(" ")[2].strip()
        if not expected or not hmac.compare_digest(presented.encode(), expected.encode()):
            raise auth.Unauthorized("metrics need the scrape token (METRICS_TOKEN)")
        body, content_type = self.metrics.exposition(self.store)
        return 200, {"Content-Type": content_type}, body

    # authentication and users ------------------------------------------------

    @route("POST", "/v1/auth/token", public=True, summary="Exchange credentials for a token")
    def issue_token(self, request):
        """{"username": "admin", "password": "..."} ->
        {"access_token": "<jwt>", "token_type": "Bearer", "expires_in": 3600}"""
        credentials = load(LoginSchema(), request.json_body)
        principal = authenticate(self.store.db, credentials["username"], credentials["password"])
        if principal is None:
            raise auth.Unauthorized("unknown user or wrong password")
        token = self.tokens.issue(principal)
        return json_response(200, {"access_token": token, "token_type": "Bearer",
                                   "expires_in": int(setting("JWT_LIFETIME_SECONDS", 3600))})

    @route("GET", "/v1/me", roles=ROLES, summary="The signed-in user")
    def me(self, request):
        return json_response(200, request.principal.as_dict())

    @route("POST", "/v1/users", roles=(ADMIN,), summary="Create a user account")
    def create_user(self, request):
        """{"username": "zhang.wei", "password": "at least 12 chars", "role": "teacher"}"""
        fields = load(NewUserSchema(), request.json_body)
        user = create_user(self.store.db, **fields)
        return json_response(201, user_view.dump(user))

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


def enterprise_filter(request):
    principal = request.principal
    if principal.is_enterprise:
        return {"enterprise_id": principal.enterprise_id}
    if "enterprise_id" in request.args:
        return {"enterprise_id": request.args["enterprise_id"]}
    return {}


def own_enterprise_only(principal, enterprise_id, what, object_id=None):
    """An enterprise user learns nothing about other enterprises' objects,
    not even that they exist: 404, not 403."""
    if principal.is_enterprise and enterprise_id != principal.enterprise_id:
        raise NotFound("%s %s does not exist" % (what, object_id or enterprise_id))
