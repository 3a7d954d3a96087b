"""The OpenAPI 3.1 document of the gateway, generated from ``route_table()``
and the marshmallow schemas each route declares, so it lists every route and
describes the inputs the services really validate."""
import inspect
import re
import sys
import textwrap
from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields, validate

from college_platform.http import PROBLEM_JSON
from college_platform.validation import MAX_PAGE_SIZE, PAGE_PARAMETERS, PageQuerySchema
from gateway.api import MAX_BODY_BYTES, UNTHROTTLED_PATHS, Page, route_table

PATH_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

PROBLEM_CODES = """\
`invalid_input` (400, with `errors` and `field_errors`), `malformed_body` and \
`malformed_request` (400), `unauthorized` (401), `forbidden` and `cors_origin_refused` \
(403), `not_found` (404: no such object, or one outside the caller's scope), \
`method_not_allowed` (405), `conflict` or `conflict.<reason>` (409; the reason is also \
in `reason`, e.g. `conflict.quota_full`, `conflict.programme_full`, \
`conflict.no_active_agreement`), `body_too_large` (413), `too_many_requests` (429), \
`internal_error` (500), `service_unavailable` (503)"""
FIELD_ERROR_CODES = """\
marshmallow's error kinds: `required`, `null`, `invalid` (not of the field's type or \
format, or against a rule its `message` states), `unknown` (a field the operation does \
not take), `type`, `too_large`, `format`, and its validators': `length` and `range` \
(`params`: `min`, `max`, `equal`, `min_exclusive`, `max_exclusive`), `one_of` \
(`params.choices`), `none_of`, `regexp`, `email`, `url`, `equal`; `empty` (a filter given \
empty)"""

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details. `code` names the kind of problem and each "
                   "of `field_errors` the kind of a field's error, so a client can word "
                   "them in its own language; `detail` and the messages are English and "
                   "may name ids.",
    "properties": {
        "type": {"type": "string", "default": "about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$",
                 "description": "The kind of problem, stable across versions: "
                                + PROBLEM_CODES + "."},
        "detail": {"type": "string"},
        "errors": {"type": "object", "description": "field name -> messages (on a 400)",
                   "additionalProperties": True},
        "field_errors": {
            "type": "array", "description": "On a 400 with `errors`: each field error "
                                            "with its code.",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "description": "The field's path, "
                              "`milestones.0.weight` for a field of a list's item; "
                              "`_schema` for the body as a whole."},
                    "code": {"type": "string", "description": FIELD_ERROR_CODES + "."},
                    "message": {"type": "string"},
                    "params": {"type": "object", "additionalProperties": True,
                               "description": "What the message names: `min`, `max`, "
                                              "`equal` (as text), `choices`."},
                },
                "required": ["field", "code", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "code"],
    "additionalProperties": True,
}

# status -> (component name, description)
PROBLEMS = {
    400: ("BadRequest", "Invalid input: the problem's `errors` names each field at fault."),
    401: ("Unauthorized", "No token, or an expired or invalid one."),
    403: ("Forbidden", "The caller's role may not do this."),
    404: ("NotFound", "No such object, or one outside the caller's scope."),
    409: ("Conflict", "The object's state does not allow this now."),
    413: ("BodyTooLarge", "The body is larger than %d bytes." % MAX_BODY_BYTES),
    429: ("TooManyRequests", "Too many requests (or failed sign-ins) from this caller; "
                             "`Retry-After` says when to try again."),
    503: ("ServiceUnavailable", "A service behind the gateway, or a database, did not "
                                "answer in time; `Retry-After` says when to try again."),
}
RETRY_AFTER = {"description": "Seconds to wait before trying again.",
               "schema": {"type": "integer", "minimum": 1}}
# the headers each problem answer carries (the rate limit always says when to retry)
PROBLEM_HEADERS = {
    429: {"Retry-After": {**RETRY_AFTER, "required": True}},
    503: {"Retry-After": RETRY_AFTER},
}
# a body field by one of these names points at an object that may not exist (a 404):
# an id, a certificate's number, a catalogue certificate's code
REFERENCE = re.compile(r"(^|_)(id|ids|number|numbers)$|^certificate_codes?$")

DESCRIPTION = """\
The industrial college's HTTP API. Send `Authorization: Bearer <token>` with a
token from `POST /v1/auth/token`; each operation names the roles allowed.

**Lists** answer `{"items": [...], "total": n, "offset": n, "limit": n}` and take
`offset` and `limit` (1 to %(max)d); long lists take `sort=field` or `sort=-field`
(descending) from the fields the operation lists. **CSV**: `Accept: text/csv` or
`format=csv` on a list answers every matching row (up to 50,000) as a UTF-8 CSV
file for spreadsheets, with the same filters.

**Requests**: an operation takes the query parameters it lists and no other (any
other answers 400 naming it). A request body, `application/json`, may be sent
with a `Content-Length` or in chunks, up to %(body)d bytes; an operation that
documents a body requires it, one that documents none takes no body (or `{}`).
A body field the gateway fills from the path or the caller's role says so.

**Errors** are RFC 9457 problem details (`application/problem+json`).""" % {
    "max": MAX_PAGE_SIZE, "body": MAX_BODY_BYTES}


def schema_name(schema):
    """Component names carry the owning service (``enrollment.NewPartner``):
    two services may each have a ``LedgerEntrySchema``."""
    cls = schema if isinstance(schema, type) else type(schema)
    if not isinstance(schema, type) and (schema.only or schema.exclude):
        return None  # a trimmed variant stays inline rather than clash with the full one
    module = cls.__module__
    if module.startswith("college_contracts.api."):
        owner = module.rsplit(".", 1)[-1]
    elif module.startswith("gateway"):
        owner = "gateway"
    else:
        owner = module.split(".")[0]
    name = cls.__name__
    if name.endswith("Schema") and name != "Schema":
        name = name[:-len("Schema")]
    return "%s.%s" % (owner, name)


def openapi_path(url):
    return PATH_PARAMETER.sub(r"{\1}", url)


# path parameters that are more than an id
PATH_PARAMETER_SCHEMAS = {"week_starting": {"type": "string", "format": "date"},
                          # a valuation rate's calendar year (enrollment/costs.py)
                          "year": {"type": "integer", "minimum": 2000, "maximum": 2100}}


def path_parameters(url):
    return [{"in": "path", "name": name, "required": True,
             "schema": PATH_PARAMETER_SCHEMAS.get(name, {"type": "string"})}
            for name in PATH_PARAMETER.findall(url)]


def roles_text(route):
    if route["public"]:
        return "Public: no token needed."
    return "Roles: %s." % ", ".join("`%s`" % role for role in route["roles"])


def handler_notes(service_cls, handler):
    """The handler's docstring (an example body, scoping rules), as written."""
    doc = inspect.getdoc(getattr(service_cls, handler)) or ""
    return textwrap.dedent(doc).strip()


def tag_of(service_cls, handler):
    return getattr(service_cls, handler).__module__.rsplit(".", 1)[-1]


def success_statuses(route):
    """``status=201``, or ``status=(200, 503)`` for a route whose body also
    comes with another status (health: degraded)."""
    return route["status"] if isinstance(route["status"], tuple) else (route["status"],)


def is_json(media_type):
    """JSON, a +json type, or a verifiable credential (JSON-LD, ``application/vc``)."""
    essence = media_type.split(";")[0].strip()
    subtype = essence.split("/")[-1]
    return subtype == "json" or subtype.endswith("+json") or essence == "application/vc"


def references_objects(schema, seen=None):
    """Whether a body schema has a field (at any depth) naming another
    object by its id or number."""
    if schema is None:
        return False
    schema = schema() if isinstance(schema, type) else schema
    seen = seen if seen is not None else set()
    if type(schema) in seen:
        return False
    seen.add(type(schema))
    for name, field in schema.fields.items():
        if REFERENCE.search(field.data_key or name):
            return True
        inner = field.inner if isinstance(field, fields.List) else field
        nested = getattr(inner, "schema", None) if isinstance(inner, fields.Nested) else None
        if isinstance(nested, Schema) and references_objects(nested, seen):
            return True
    return False


def exclusive_bounds(converter, field, ret, **kwargs):
    """apispec gives a ``Range`` its ``minimum`` and ``maximum`` whether or not
    they are inclusive: an exclusive bound (a weight above 0) is said here too."""
    bounds = {}
    for rule in field.validators:
        if isinstance(rule, validate.Range):
            if rule.min is not None and not rule.min_inclusive:
                bounds["exclusiveMinimum"] = field._serialize(rule.min, None, None)
            if rule.max is not None and not rule.max_inclusive:
                bounds["exclusiveMaximum"] = field._serialize(rule.max, None, None)
    return bounds


def dict_sizes(converter, field, ret, **kwargs):
    """apispec says a ``Length`` of a ``Dict`` as a string's length: it is a
    number of properties. The length of its keys, which apispec leaves out, is
    said as ``propertyNames``."""
    if not isinstance(field, fields.Dict):
        return {}
    sizes = {}
    for string_key, object_key in (("minLength", "minProperties"),
                                   ("maxLength", "maxProperties")):
        if string_key in ret:
            sizes[object_key] = ret.pop(string_key)
    for rule in getattr(field.key_field, "validators", ()):
        if isinstance(rule, validate.Length):
            names = {"minLength": rule.min, "maxLength": rule.max}
            sizes["propertyNames"] = {key: value for key, value in names.items()
                                      if value is not None}
    return sizes


class DocumentBuilder:
    def __init__(self, service_cls):
        self.service_cls = service_cls
        self.plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
        self.spec = APISpec(title="Industrial college API", version="1",
                            openapi_version="3.1.0", plugins=[self.plugin],
                            info={"description": DESCRIPTION})
        self.plugin.converter.add_attribute_function(exclusive_bounds)
        self.plugin.converter.add_attribute_function(dict_sizes)
        self.spec.components.security_scheme(
            "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
        self.spec.components.schema("Problem", PROBLEM)
        for status, (name, description) in PROBLEMS.items():
            response = {"description": description,
                        "content": {"application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}}}}
            if status in PROBLEM_HEADERS:
                response["headers"] = PROBLEM_HEADERS[status]
            self.spec.components.response(name, response)

    def reference(self, schema):
        return self.plugin.converter.resolve_nested_schema(schema)

    def success(self, route):
        if route["status"] == 204:  # no body, so no media type either
            return {"description": "Success, with no body."}
        response = route["response"]
        if isinstance(route["response"], Page):
            item = self.reference(response.item) if response.item else {"type": "object"}
            return {
                "description": "One page of the list; with `format=csv` every row as CSV.",
                "content": {
                    "application/json": {"schema": {
                        "type": "object",
                        "required": ["items", "total", "offset", "limit"],
                        "properties": {
                            "items": {"type": "array", "items": item},
                            "total": {"type": "integer", "minimum": 0},
                            "offset": {"type": "integer", "minimum": 0},
                            "limit": {"type": "integer", "minimum": 1,
                                      "maximum": MAX_PAGE_SIZE}, **response.extra}}},
                    "text/csv": {"schema": {"type": "string"}}},
            }
        schema = self.reference(response) if response else {"type": "object"}
        if route["media_types"]:
            return {"description": "Success.", "content": {
                media_type: {"schema": schema if is_json(media_type) else {"type": "string"}}
                for media_type in route["media_types"]}}
        return {"description": "Success.", "content": {"application/json": {"schema": schema}}}

    def parameters(self, route):
        parameters = path_parameters(route["url"])
        query = route["query"]
        if query:
            expanded = self.plugin.converter.schema2parameters(query, location="query")
            if issubclass(query if isinstance(query, type) else type(query), PageQuerySchema):
                for parameter in expanded:  # a list's filter given empty is refused
                    kind = parameter["schema"].get("type")
                    if parameter["name"] not in PAGE_PARAMETERS and \
                            "string" in (kind if isinstance(kind, list) else [kind]):
                        parameter["schema"].setdefault("minLength", 1)
            parameters.extend(expanded)
        if isinstance(route["response"], Page):
            parameters.append({"in": "query", "name": "format", "required": False,
                               "description": "`csv` answers every row as CSV (as does "
                                              "`Accept: text/csv`).",
                               "schema": {"type": "string", "enum": ["json", "csv"]}})
        return parameters

    def operation(self, route):
        notes = handler_notes(self.service_cls, route["handler"])
        description = roles_text(route) + ("\n\n" + notes if notes else "")
        operation = {
            "operationId": route["handler"],
            "summary": route["summary"],
            "description": description,
            "tags": [tag_of(self.service_cls, route["handler"])],
            "security": [] if route["public"] else [{"bearerAuth": []}],
            "parameters": self.parameters(route),
            "responses": {str(status): self.success(route)
                          for status in success_statuses(route)},
        }
        if route["body"]:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": route["body"]}}}
        for status in self.problem_statuses(route):
            answer = operation["responses"].get(str(status))
            if answer is None:
                operation["responses"][str(status)] = {
                    "$ref": "#/components/responses/%s" % PROBLEMS[status][0]}
            else:  # the route's own body for this status, or the problem
                answer["description"] += " Or: " + PROBLEMS[status][1]
                answer["content"][PROBLEM_JSON] = {
                    "schema": {"$ref": "#/components/schemas/Problem"}}
        return operation

    def problem_statuses(self, route):
        """The general rule, then the route's own ``problems``: any request
        may be malformed, too large or refused while a service is down; only
        probes and scrapes are never throttled; a token may be missing or its
        role not allowed; a path or a body naming an object may name one that
        does not exist (or lies outside the caller's scope); a change may not
        suit the object's state."""
        statuses = {400, 413, 503, *route["problems"]}
        if route["url"] not in UNTHROTTLED_PATHS:
            statuses.add(429)
        if not route["public"]:
            statuses |= {401, 403}
        if PATH_PARAMETER.search(route["url"]) or references_objects(route["body"]):
            statuses.add(404)
        if route["method"] in ("POST", "PUT", "PATCH"):
            statuses.add(409)
        return sorted(statuses)

    def declare_tags(self):
        """One tag per route module, in the order the service combines them,
        described by the module's docstring."""
        for cls in self.service_cls.__mro__:
            module = sys.modules.get(cls.__module__)
            if cls.__module__.startswith("gateway.routes.") and module is not None:
                summary = (inspect.getdoc(module) or "").split("\n\n")[0].replace("\n", " ")
                self.spec.tag({"name": cls.__module__.rsplit(".", 1)[-1],
                               "description": summary})

    def build(self):
        self.declare_tags()
        paths = {}
        for route in route_table(self.service_cls):
            operations = paths.setdefault(openapi_path(route["url"]), {})
            for method in route["method"].split(","):
                operations[method.lower()] = self.operation(route)
        for path, operations in paths.items():
            self.spec.path(path=path, operations=operations)
        return self.spec.to_dict()


@lru_cache(maxsize=4)
def openapi_document(service_cls):
    """The document for ``service_cls`` (built once: the routes do not change
    while the process runs)."""
    return DocumentBuilder(service_cls).build()
