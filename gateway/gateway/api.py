"""The gateway's HTTP entrypoint: authentication, role checks, JSON bodies
and the mapping of every error to RFC 9457 problem details, in one place."""
import json
import logging
import re
import time
import uuid
from functools import partial

from eventlet.wsgi import Input as EventletInput
from marshmallow import ValidationError
from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WsgiApp
from pymongo.errors import ConnectionFailure
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Response

from college_platform.errors import Conflict, InvalidInput, NotFound, Unavailable
from college_platform.http import PROBLEM_JSON, dumps
from college_platform.metrics import metrics_of
from college_platform.service import SingleFlight
from college_platform.validation import EMPTY_FILTER, PAGE_PARAMETERS, PageQuerySchema, field_errors
from college_platform.web import GracefulWebServer
from gateway import csv_export, privacy, settings
from gateway.accounts import Accounts
from gateway.audit import STATE_CHANGING, AuditTrail, audit_record
from gateway.auth import STUDENT, Forbidden, TokenIssuer, Unauthorized, authorize, bearer_token
from gateway.protection import (
    CorsPolicy,
    RateLimiter,
    client_key,
    retry_after_header,
    security_headers,
)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
UNKNOWN_FIELD = "Unknown field."  # marshmallow's words, as for a body's field
UNTHROTTLED_PATHS = ("/health", "/live", "/metrics")
# a caller's own X-Request-Id is kept when it is short and plain, else replaced
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def token_issuer_from_config():
    try:
        return TokenIssuer(settings.JWT_SECRET(), settings.JWT_LIFETIME_SECONDS())
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
        self.single_flight = SingleFlight(ttl=settings.HEALTH_CACHE_SECONDS())

    def get_dependency(self, worker_ctx):
        return self.single_flight


class LoginThrottle(DependencyProvider):
    """Against password guessing: failed sign-ins per client address, whatever
    the usernames tried, in a bucket of its own far stricter than the general
    limit. Once it is empty a sign-in is refused before any password is hashed."""

    def setup(self):
        self.limiter = RateLimiter(settings.LOGIN_RATE_LIMIT_PER_MINUTE() / 60,
                                   settings.LOGIN_RATE_LIMIT_BURST())

    def get_dependency(self, worker_ctx):
        return self.limiter


class ServiceUnavailable(Exception):
    """A service behind the gateway did not answer in time."""


class MalformedBody(Exception):
    pass


class BodyTooLarge(Exception):
    pass


class TooManyRequests(Exception):
    def __init__(self, message, retry_after_seconds):
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


# a problem's code when its maker names none: one per status
STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "body_too_large",
                429: "too_many_requests", 500: "internal_error", 503: "service_unavailable"}


def problem_response(status, title, detail=None, headers=None, extensions=None, code=None):
    """An RFC 9457 problem document. ``code`` is the stable code of its kind
    (documented in the OpenAPI Problem schema), which clients word themselves:
    ``detail`` is English and may name ids."""
    body = {"type": "about:blank", "title": title, "status": status,
            "code": code or STATUS_CODES.get(status, "http_%d" % status)}
    if detail:
        body["detail"] = detail
    # a service's extra fields never override the problem's own members
    body.update({key: value for key, value in (extensions or {}).items() if key not in body})
    return Response(dumps(body), status=status, headers=headers,
                    content_type=PROBLEM_JSON)


def response_for_error(exc):
    if isinstance(exc, InvalidInput):
        # the service's own when its schema made them, else found from the messages
        coded = exc.extra.get("field_errors") or field_errors(exc.errors)
        return problem_response(400, "Invalid input", exc.detail, code=exc.code,
                                extensions={"errors": exc.errors, "field_errors": coded})
    if isinstance(exc, MalformedBody):
        return problem_response(400, "Malformed body", str(exc), code="malformed_body")
    if isinstance(exc, Unauthorized):
        return problem_response(401, "Unauthorized", str(exc),
                                headers={"WWW-Authenticate": 'Bearer realm="college"'})
    if isinstance(exc, Forbidden):
        return problem_response(403, "Forbidden", str(exc))
    if isinstance(exc, NotFound):
        return problem_response(404, "Not found", exc.detail, code=exc.code)
    if isinstance(exc, Conflict):
        return problem_response(409, "Conflict", exc.detail, extensions=exc.extra,
                                code=exc.code)
    if isinstance(exc, BodyTooLarge):
        return problem_response(413, "Body too large", str(exc))
    if isinstance(exc, TooManyRequests):
        return problem_response(429, "Too many requests", str(exc), headers={
            "Retry-After": retry_after_header(exc.retry_after_seconds)})
    if isinstance(exc, ServiceUnavailable):
        return problem_response(503, "Service unavailable", str(exc),
                                headers={"Retry-After": "5"})
    if isinstance(exc, Unavailable):  # a service's database is down
        return problem_response(503, "Service unavailable", exc.detail, code=exc.code,
                                headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, ConnectionFailure):  # the gateway's own database (accounts)
        return problem_response(503, "Service unavailable",
                                "the gateway's database is unreachable; try again shortly",
                                headers={"Retry-After": "5"})
    log.error("unexpected error in the gateway", exc_info=(type(exc), exc, exc.__traceback__))
    return problem_response(500, "Internal error",
                            "The request could not be completed; it has been logged.")


class Guard:
    """The gateway's protections before any route runs, from its config."""

    def __init__(self):
        self.rate_limiter = RateLimiter(settings.RATE_LIMIT_PER_SECOND(),
                                        settings.RATE_LIMIT_BURST())
        self.trust_forwarded_for = settings.TRUST_X_FORWARDED_FOR()
        self.cors = CorsPolicy(settings.CORS_ALLOWED_ORIGINS())
        self.hsts_max_age = settings.HSTS_MAX_AGE_SECONDS()
        self.issuer = token_issuer_from_config()

    def client_address(self, environ):
        key = client_key(None, environ.get("REMOTE_ADDR"), environ.get("HTTP_X_FORWARDED_FOR"),
                         self.trust_forwarded_for)
        return key[len("ip:"):]

    def principal(self, environ):
        """The verified caller, or None; routes check the token again and
        answer 401 themselves, this only chooses the rate-limit bucket."""
        try:
            return self.issuer.verify(bearer_token(environ.get("HTTP_AUTHORIZATION")))
        except Unauthorized:
            return None


def count_refusal(container, reason):
    """Requests refused before any route (and so not in the audit trail)."""
    metrics = metrics_of(container)
    if metrics is not None:
        metrics.counter("requests_refused", "Requests refused by a protective limit, by "
                        "reason.", ["reason"]).labels(reason).inc()


class ProblemJsonApp(WsgiApp):
    """Every response, known path or not, passes here: the request id, CORS,
    security headers, the size and rate limits, and problem JSON for unknown
    paths, wrong methods and anything unexpected (never a stack trace)."""

    def __init__(self, server):
        super().__init__(server)
        self.guard = server.guard
        self.static_methods = None  # path -> methods of its routes without parameters

    def __call__(self, environ, start_response):
        if isinstance(environ.get("wsgi.input"), EventletInput):
            # eventlet's server ends every request's input itself, at its Content-Length
            # or at the last chunk of a chunked body: without this werkzeug reads a
            # body sent without a length (Transfer-Encoding: chunked) as empty
            environ["wsgi.input_terminated"] = True
        request_id = environ.get("HTTP_X_REQUEST_ID") or ""
        if not REQUEST_ID.match(request_id):
            request_id = environ["HTTP_X_REQUEST_ID"] = uuid.uuid4().hex
        origin = environ.get("HTTP_ORIGIN")
        added = [("X-Request-Id", request_id), *self.guard.cors.response_headers(origin)]

        def start_with_headers(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            content_type = next((value for name, value in headers
                                 if name.lower() == "content-type"), "")
            headers = list(headers) + [header for header in added
                                       if header[0].lower() not in present]
            headers += security_headers(content_type, present, self.guard.hsts_max_age)
            return start_response(status, headers, exc_info)

        try:
            response = self._refusal(environ, origin)
            if response is None:
                return self._dispatch(environ, start_with_headers)
        except Exception as exc:
            response = response_for_error(exc)
        return response(environ, start_with_headers)

    def _refusal(self, environ, origin):
        """The answer for a request that never reaches a route, else None."""
        method = environ.get("REQUEST_METHOD", "GET")
        requested_method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
        if CorsPolicy.is_preflight(method, origin, requested_method):
            allowed = self.guard.cors.preflight_headers(origin, requested_method)
            if allowed is None:
                count_refusal(self.server.container, "cors_origin")
                return problem_response(403, "Cross-origin request refused",
                                        "this origin may not call the API",
                                        code="cors_origin_refused")
            return Response(status=204, headers=allowed)
        environ["gateway.client_address"] = self.guard.client_address(environ)
        principal = self.guard.principal(environ)
        environ["gateway.principal"] = principal
        # probes and scrapes must never be throttled: a refused probe restarts the pod
        if environ.get("PATH_INFO") in UNTHROTTLED_PATHS:
            return None
        wait = self.guard.rate_limiter.take(client_key(
            principal.subject if principal else None, environ["gateway.client_address"]))
        if wait:
            count_refusal(self.server.container, "rate_limit")
            return response_for_error(TooManyRequests(
                "rate limit of %g requests per second exceeded; retry later"
                % self.guard.rate_limiter.rate, wait))
        try:
            declared_length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return problem_response(400, "Malformed request", "Content-Length is not a number",
                                    code="malformed_request")
        if declared_length > MAX_BODY_BYTES:
            count_refusal(self.server.container, "body_too_large")
            return response_for_error(BodyTooLarge(
                "the body may be at most %d bytes" % MAX_BODY_BYTES))
        return None

    def _dispatch(self, environ, start_response):
        adapter = self.url_map.bind_to_environ(environ)
        try:
            self._only_its_own_methods(environ)
            adapter.match()
        except HTTPException as exc:
            response = problem_response(exc.code, exc.name, exc.description,
                                        headers=exc.get_headers(environ)
                                        if exc.code == 405 else None)
            if exc.code == 405:
                response.headers["Content-Type"] = PROBLEM_JSON
            return response(environ, start_response)
        return super().__call__(environ, start_response)

    def _only_its_own_methods(self, environ):
        """A path a route names by its words alone is that route's: another
        route's parameter does not take the word for a value (a GET of
        ``/v1/admin/inbound/dead-letters/replay`` is no letter called "replay"),
        and a method the route lacks is refused with the route's own methods."""
        if self.static_methods is None:
            self.static_methods = {}
            for rule in self.url_map.iter_rules():
                if not rule.arguments:
                    self.static_methods.setdefault(rule.rule, set()).update(rule.methods)
        methods = self.static_methods.get(environ.get("PATH_INFO"))
        if methods and environ.get("REQUEST_METHOD", "GET") not in methods:
            raise MethodNotAllowed(valid_methods=sorted(methods))


class ApiWebServer(GracefulWebServer):
    def setup(self):
        super().setup()
        self.guard = Guard()

    def get_wsgi_app(self):
        return ProblemJsonApp(self)


class Page:
    """``response=Page(ItemSchema)``: the route answers one page of a list,
    ``{"items": [...], "total", "offset", "limit"}``, and can export it as CSV;
    ``extra`` names further properties of the page (JSON Schemas by name)."""

    def __init__(self, item=None, extra=None):
        self.item = item
        self.extra = extra or {}


class ApiRoute(HttpRequestHandler):
    """``@route("POST", "/v1/partners", roles=(ADMIN,))``; ``public=True`` for
    the few routes without a token. The handler gets the request with
    ``request.principal`` and, when present, ``request.json_body`` set.

    ``body``, ``query`` and ``response`` name the marshmallow schemas (from
    ``college_contracts.api``) the services validate the request with and
    shape the answer with, ``status`` the success status (or statuses, for a
    body that also comes with another, as health's 503): the OpenAPI document
    is generated from them. A ``response=Page(...)`` route also answers CSV.
    ``media_types`` names what a route answers other than JSON (a page, a
    file, a credential) and ``problems`` the problem statuses it answers
    beyond the general ones of ``gateway.openapi`` (a public route that checks
    credentials: 401)."""

    server = ApiWebServer()

    def __init__(self, method, url, roles=(), public=False, summary="", audit=None, body=None,
                 query=None, response=None, status=200, media_types=(), problems=(),
                 personal_data=True, **kwargs):
        self.roles = tuple(roles)
        self.public = public
        self.summary = summary
        self.audit_kind = audit  # a route audited on every call, whatever its method
        self.body = body
        self.query = query
        self.response = response
        self.status = status
        self.media_types = tuple(media_types)
        self.problems = tuple(problems)
        # False only where a body names personal fields but holds no one's data
        # (the API's own description), which masking would otherwise garble
        self.personal_data = personal_data
        if not public and not roles:
            raise ValueError("route %s %s admits no role and is not public" % (method, url))
        super().__init__(method, url, **kwargs)

    @property
    def is_list(self):
        return isinstance(self.response, Page)

    @property
    def is_page_for_people(self):
        """A page a person opens from a link (the console, the reference page),
        not an API call: chat apps and campaigns add their own query parameters
        to a shared link, which the page ignores."""
        return bool(self.media_types) and all(
            media_type.startswith("text/html") for media_type in self.media_types)

    def setup(self):
        super().setup()
        # the query parameters the route takes: its query schema's, and a list's format
        self.query_schema = (self.query() if isinstance(self.query, type) else self.query) \
            if self.query else None
        self.query_fields = {field.data_key or name: field for name, field in
                             (self.query_schema.fields.items() if self.query_schema else ())
                             if not field.dump_only}
        self.query_names = set(self.query_fields) | ({"format"} if self.is_list else set())
        # a list's filters: given empty, one would be dropped and list every row,
        # whatever scope the caller's role would have put in its place
        self.filters = set(self.query_fields) - set(PAGE_PARAMETERS) \
            if isinstance(self.query_schema, PageQuerySchema) else set()
        self.issuer = token_issuer_from_config()
        self.audit_trail = next((dependency for dependency in self.container.dependencies
                                 if isinstance(dependency, AuditTrail)), None)
        self.accounts = next((dependency for dependency in self.container.dependencies
                              if isinstance(dependency, Accounts)), None)

    def handle_request(self, request):
        started = time.perf_counter()
        request.shallow = False
        request.principal = None
        request.json_body = None
        try:
            if not self.public:
                request.principal = request.environ.get("gateway.principal") or \
                    self.issuer.verify(bearer_token(request.headers.get("Authorization")))
                if self.accounts is not None:  # disabled, signed out, changed since?
                    self.accounts.registry.check(request.principal)
                authorize(request.principal, self.roles)
            self._check_query(request)
            request.json_body = self._read_body(request)
            wants_csv = self.is_list and csv_export.wanted(request)
        except Exception as exc:
            response = response_for_error(exc)
        else:
            if wants_csv:  # every page masked and audited as the JSON page would be
                return csv_export.export(request, partial(self._masked_and_audited, started))
            response = super().handle_request(request)
        return self._masked_and_audited(started, request, response)

    def _masked_and_audited(self, started, request, response=None):
        if response is None:
            response = super().handle_request(request)
        try:
            response, owners = self._mask_personal_data(request, response)
        except Exception as exc:  # never let unmasked data out on a masking failure
            response, owners = response_for_error(exc), []
        self._audit(request, response, started, owners)
        return response

    def _mask_personal_data(self, request, response):
        """The one place personal data is masked, for every JSON body: the
        rule of ``gateway.privacy`` for the caller's role. Returns the response
        and the ids of the people whose data went out unmasked."""
        if not self.personal_data or response.mimetype != "application/json":
            return response, []
        raw = response.get_data()
        if not privacy.may_hold_personal_data(raw):
            return response, []
        principal = request.principal
        role = principal.role if principal else None
        own = role == STUDENT and principal.student_id is not None and \
            request.path_values.get("student_id") == principal.student_id
        rule = privacy.rule_for(role, own_data=own)
        masked, owners = privacy.apply_rule(json.loads(raw), rule)
        if rule is not privacy.EVERYTHING:
            response.set_data(dumps(masked).encode())
        return response, owners

    def _audit(self, request, response, started, owners):
        """Every state-changing request, every read of unmasked personal data
        and every call of a route audited by nature; queued, never waited for."""
        if self.audit_trail is None:
            return
        kinds = []
        if self.audit_kind:
            kinds.append(self.audit_kind)
        else:
            if request.method in STATE_CHANGING:
                kinds.append("request")
            if owners:
                kinds.append("personal_data_read")
        if not kinds:
            return
        title = None
        if response.mimetype == PROBLEM_JSON:
            try:
                title = json.loads(response.get_data()).get("title")
            except ValueError:
                title = None
        body = request.json_body
        claimed = body.get("username") if self.public and isinstance(body, dict) else None
        duration_ms = (time.perf_counter() - started) * 1000
        for kind in kinds:
            self.audit_trail.record(audit_record(
                kind, request.principal, request.method, self.url, request.path,
                getattr(request, "path_values", None), response.status_code, title,
                duration_ms, request.headers.get("X-Request-Id"),
                claimed_username=claimed if isinstance(claimed, str) else None,
                subject_ids=owners, details=getattr(request, "audit_details", None)))

    def _check_query(self, request):
        """Every query parameter is one the route declares, given once, with a
        value its field takes: one it does not declare would be ignored, and the
        caller would get every row of a filter it misspelt (or smuggled an
        operator into, ``partner_id[$ne]``). Every problem is named in one
        answer; a CSV export, which passes no page on to the service, gets its
        page parameters checked here too. Rules across parameters stay with the
        services."""
        if self.is_page_for_people:
            return
        errors, unknown = {}, []
        for name, values in request.args.lists():
            if name not in self.query_names:
                errors[name] = [UNKNOWN_FIELD]
                unknown.append(name)
            elif len(values) > 1:
                errors[name] = ["Give this parameter once."]
            elif not values[0] and name in self.filters:
                errors[name] = [EMPTY_FILTER]
            elif name in self.query_fields:
                try:
                    self.query_fields[name].deserialize(values[0])
                except ValidationError as exc:
                    errors[name] = exc.messages
        if errors:  # each coded by its field's own wording
            raise InvalidInput(
                "the query string has parameters this route does not take: %s"
                % ", ".join(sorted(unknown)) if unknown else "the input has invalid fields",
                errors=errors, field_errors=field_errors(errors, self.query_schema))

    def _read_body(self, request):
        """The JSON body of a write, read whether it comes with a length or in
        chunks, and never beyond ``MAX_BODY_BYTES``. A route that declares no
        body takes none, or ``{}``."""
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        if (request.content_length or 0) > MAX_BODY_BYTES:
            raise BodyTooLarge("the body may be at most %d bytes" % MAX_BODY_BYTES)
        try:  # never more, whatever the headers say
            raw = request.stream.read(MAX_BODY_BYTES + 1)
        except (ValueError, OSError) as exc:  # a broken chunk, a client gone mid-body
            raise MalformedBody("the body could not be read: %s" % exc)
        if len(raw) > MAX_BODY_BYTES:
            raise BodyTooLarge("the body may be at most %d bytes" % MAX_BODY_BYTES)
        if not raw:
            if self.body is None:
                return None
            raise MalformedBody("this route needs a JSON body")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedBody("the body is not valid JSON: %s" % exc)
        except RecursionError:
            raise MalformedBody("the body nests too deeply")
        if self.body is None and body != {}:
            raise InvalidInput("this route takes no body", errors={
                name: [UNKNOWN_FIELD] for name in body} if isinstance(body, dict) and body
                else {"_schema": ["This route takes no body."]})
        return body

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
                               "summary": entrypoint.summary, "handler": name,
                               "body": entrypoint.body, "query": entrypoint.query,
                               "response": entrypoint.response, "status": entrypoint.status,
                               "media_types": entrypoint.media_types,
                               "problems": entrypoint.problems})
    return sorted(routes, key=lambda r: (r["url"], r["method"]))
