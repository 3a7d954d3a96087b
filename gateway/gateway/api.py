"""The gateway's HTTP entrypoint: authentication, role checks, JSON bodies
and the mapping of every error to RFC 9457 problem details, in one place."""
import json
import logging

from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WsgiApp
from pymongo.errors import ConnectionFailure
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from college_platform.config import setting
from college_platform.errors import Conflict, InvalidInput, NotFound, Unavailable
from college_platform.http import PROBLEM_JSON, dumps
from college_platform.service import SingleFlight
from college_platform.web import GracefulWebServer
from gateway.auth import Forbidden, TokenIssuer, Unauthorized, authorize, bearer_token

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


def token_issuer_from_config():
    try:
        return TokenIssuer(setting("JWT_SECRET"), int(setting("JWT_LIFETIME_SECONDS", 3600)))
    except ValueError as exc:
        raise RuntimeError("gateway configuration: %s" % exc)


class Tokens(DependencyProvider):
    """Hands workers the token issuer; a bad secret stops the gateway at start."""

    def setup(self):
        self.issuer = token_issuer_from_config()

    def get_dependency(self, worker_ctx):
        return self.issuer


class HealthChecks(DependencyProvider):
    """One aggregated health check at a time, reused for a second: load
    balancers and probes may ask often, the services behind are asked at most
    once a second."""

    def setup(self):
        self.single_flight = SingleFlight(ttl=float(setting("HEALTH_CACHE_SECONDS", 1.0)))

    def get_dependency(self, worker_ctx):
        return self.single_flight


class ServiceUnavailable(Exception):
    """A service behind the gateway did not answer in time."""


class MalformedBody(Exception):
    pass


class BodyTooLarge(Exception):
    pass


def problem_response(status, title, detail=None, headers=None, extensions=None):
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    # a service's extra fields never override the problem's own members
    body.update({key: value for key, value in (extensions or {}).items() if key not in body})
    return Response(dumps(body), status=status, headers=headers,
                    content_type=PROBLEM_JSON)


def response_for_error(exc):
    if isinstance(exc, InvalidInput):
        return problem_response(400, "Invalid input", exc.detail,
                                extensions={"errors": exc.errors})
    if isinstance(exc, MalformedBody):
        return problem_response(400, "Malformed body", str(exc))
    if isinstance(exc, Unauthorized):
        return problem_response(401, "Unauthorized", str(exc),
                                headers={"WWW-Authenticate": 'Bearer realm="college"'})
    if isinstance(exc, Forbidden):
        return problem_response(403, "Forbidden", str(exc))
    if isinstance(exc, NotFound):
        return problem_response(404, "Not found", exc.detail)
    if isinstance(exc, Conflict):
        return problem_response(409, "Conflict", exc.detail, extensions=exc.extra)
    if isinstance(exc, BodyTooLarge):
        return problem_response(413, "Body too large", str(exc))
    if isinstance(exc, ServiceUnavailable):
        return problem_response(503, "Service unavailable", str(exc),
                                headers={"Retry-After": "5"})
    if isinstance(exc, Unavailable):  # a service's database is down
        return problem_response(503, "Service unavailable", exc.detail,
                                headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, ConnectionFailure):  # the gateway's own database (accounts)
        return problem_response(503, "Service unavailable",
                                "the gateway's database is unreachable; try again shortly",
                                headers={"Retry-After": "5"})
    log.error("unexpected error in the gateway", exc_info=(type(exc), exc, exc.__traceback__))
    return problem_response(500, "Internal error",
                            "The request could not be completed; it has been logged.")


class ProblemJsonApp(WsgiApp):
    """Unknown paths and wrong methods answer problem JSON too."""

    def __call__(self, environ, start_response):
        adapter = self.url_map.bind_to_environ(environ)
        try:
            adapter.match()
        except HTTPException as exc:
            response = problem_response(exc.code, exc.name, exc.description,
                                        headers=exc.get_headers(environ)
                                        if exc.code == 405 else None)
            if exc.code == 405:
                response.headers["Content-Type"] = PROBLEM_JSON
            return response(environ, start_response)
        return super().__call__(environ, start_response)


class ApiWebServer(GracefulWebServer):
    def get_wsgi_app(self):
        return ProblemJsonApp(self)


class ApiRoute(HttpRequestHandler):
    """``@route("POST", "/v1/partners", roles=(ADMIN,))``; ``public=True`` for
    the few routes without a token. The handler gets the request with
    ``request.principal`` and, when present, ``request.json_body`` set."""

    server = ApiWebServer()

    def __init__(self, method, url, roles=(), public=False, summary="", **kwargs):
        self.roles = tuple(roles)
        self.public = public
        self.summary = summary
        if not public and not roles:
            raise ValueError("route %s %s admits no role and is not public" % (method, url))
        super().__init__(method, url, **kwargs)

    def setup(self):
        super().setup()
        self.issuer = token_issuer_from_config()

    def handle_request(self, request):
        request.shallow = False
        try:
            request.principal = None
            if not self.public:
                request.principal = self.issuer.verify(
                    bearer_token(request.headers.get("Authorization")))
                authorize(request.principal, self.roles)
            request.json_body = self._read_body(request)
        except Exception as exc:
            return response_for_error(exc)
        return super().handle_request(request)

    def _read_body(self, request):
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        if (request.content_length or 0) > MAX_BODY_BYTES:
            raise BodyTooLarge("the body may be at most %d bytes" % MAX_BODY_BYTES)
        raw = request.get_data(cache=True)
        if len(raw) > MAX_BODY_BYTES:
            raise BodyTooLarge("the body may be at most %d bytes" % MAX_BODY_BYTES)
        if not raw:
            raise MalformedBody("this route needs a JSON body")
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedBody("the body is not valid JSON: %s" % exc)
        except RecursionError:
            raise MalformedBody("the body nests too deeply")

    def response_from_exception(self, exc):
        return response_for_error(exc)


route = ApiRoute.decorator


def route_table(service_cls):
    """Every route the service declares: the source for the OpenAPI document
    and for authorization tests, so no route can be left out of either."""
    routes = []
    for name in dir(service_cls):
        for entrypoint in getattr(getattr(service_cls, name), "nameko_entrypoints", ()):
            if isinstance(entrypoint, ApiRoute):
                routes.append({"method": entrypoint.method, "url": entrypoint.url,
                               "roles": entrypoint.roles, "public": entrypoint.public,
                               "summary": entrypoint.summary, "handler": name})
    return sorted(routes, key=lambda r: (r["url"], r["method"]))
