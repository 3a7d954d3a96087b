"""Health, metrics, tokens and user accounts."""
import hmac

from eventlet.greenpool import GreenPool
from nameko.extensions import DependencyProvider
from prometheus_client import CONTENT_TYPE_LATEST

from college_platform.http import json_response
from college_platform.secret_settings import check_random_secret
from college_platform.service import broker_status, database_status
from college_platform.validation import load
from gateway import auth, settings
from gateway.api import ServiceUnavailable, TooManyRequests, route
from gateway.auth import ADMIN, ROLES
from gateway.schemas import (
    HealthSchema,
    LivenessSchema,
    LoginSchema,
    NewUserSchema,
    PrincipalSchema,
    TokenSchema,
    UserSchema,
)
from gateway.users import authenticate, create_user, hashing

SERVICES = ("enrollment", "projects", "mentors", "certificates")
user_view = UserSchema()


class MetricsToken(DependencyProvider):
    """METRICS_TOKEN, checked at start like every secret (a placeholder or a short
    token stops the gateway); unset, nobody may scrape the gateway's metrics."""

    def setup(self):
        value = settings.METRICS_TOKEN()
        check_random_secret("METRICS_TOKEN", value, required=False)
        self.token = value.encode()

    def get_dependency(self, worker_ctx):
        return self.token


class PlatformRoutes:
    metrics_token = MetricsToken()

    # health and metrics ------------------------------------------------------

    @route("GET", "/health", public=True, summary="Gateway and service health",
           response=HealthSchema, status=(200, 503))
    def http_health(self, request):
        """{"status": "up", "gateway": {...}, "services": {"enrollment": {...}, ...}}"""
        status, body = self.health_checks.get(self._aggregate_health)
        return json_response(status, body)

    def _aggregate_health(self):
        def service_health(service):
            try:
                return service, self.call(service, "health")
            except ServiceUnavailable as exc:
                return service, {"status": "down", "error": str(exc)}

        pool = GreenPool(len(SERVICES))
        services = dict(pool.imap(service_health, SERVICES))
        gateway = {"status": "up", "broker": broker_status(),
                   "database": database_status(self.store),
                   "consumers": self.metrics.consumers_status()}
        if any(gateway[part]["status"] != "up" for part in ("broker", "database", "consumers")):
            gateway["status"] = "down"
        up = gateway["status"] == "up" and all(s.get("status") == "up" for s in services.values())
        return 200 if up else 503, {"status": "up" if up else "degraded",
                                    "gateway": gateway, "services": services}

    @route("GET", "/live", public=True, summary="Liveness: the process answers",
           response=LivenessSchema)
    def http_live(self, request):
        return json_response(200, {"service": "gateway", "status": "alive"})

    @route("GET", "/metrics", public=True, summary="Prometheus metrics (scrape token)",
           media_types=(CONTENT_TYPE_LATEST,), problems=(401,))
    def http_metrics(self, request):
        """The gateway faces users, so its metrics need the scrape token
        (METRICS_TOKEN) that Prometheus sends as a bearer token."""
        presented = request.headers.get("Authorization", "").partition(" ")[2].strip()
        if not self.metrics_token or \
                not hmac.compare_digest(presented.encode(), self.metrics_token):
            raise auth.Unauthorized("metrics need the scrape token (METRICS_TOKEN)")
        body, content_type = self.metrics.exposition(self.store)
        return 200, {"Content-Type": content_type}, body

    # authentication and users ------------------------------------------------

    @route("POST", "/v1/auth/token", public=True, summary="Exchange credentials for a token",
           body=LoginSchema, response=TokenSchema, problems=(401,))
    def issue_token(self, request):
        """{"username": "admin", "password": "..."} ->
        {"access_token": "<jwt>", "token_type": "Bearer", "expires_in": 3600}"""
        credentials = load(LoginSchema(), request.json_body)
        # failed attempts per client address, whatever the usernames: guessing (one
        # account or many) is slowed to a crawl before a password is even hashed. The
        # check, the hash and the count of a failure share one hashing turn, so that
        # attempts made at once cannot all pass the check before any has failed
        address = request.environ.get("gateway.client_address", request.remote_addr)
        with hashing().turn():
            wait = self.login_throttle.wait_needed(address)
            if wait:
                self.metrics.counter("requests_refused", "Requests refused by a protective "
                                     "limit, by reason.", ["reason"]).labels(
                                         "sign_in_attempts").inc()
                raise TooManyRequests("too many failed sign-ins from this address", wait)
            principal = authenticate(self.store.db, credentials["username"],
                                     credentials["password"])
            if principal is None:
                self.login_throttle.take(address)
                raise auth.Unauthorized("unknown user, wrong password or disabled account")
        return json_response(200, self.token_answer(principal))

    def token_answer(self, principal):
        return {"access_token": self.tokens.issue(principal), "token_type": "Bearer",
                "expires_in": settings.JWT_LIFETIME_SECONDS()}

    @route("GET", "/v1/me", roles=ROLES, summary="The signed-in user", response=PrincipalSchema)
    def me(self, request):
        return json_response(200, request.principal.as_dict())

    @route("POST", "/v1/users", roles=(ADMIN,), summary="Create a user account",
           body=NewUserSchema, response=UserSchema, status=201)
    def create_user(self, request):
        """{"username": "zhang.wei", "password": "at least 12 chars", "role": "teacher"}"""
        fields = load(NewUserSchema(), request.json_body)
        user = create_user(self.store.db, **fields)
        return json_response(201, user_view.dump(user))
