"""The OpenAPI document describes the requests the routes take (issue 27, item
4): a field the gateway fills from the path or the caller's role is not asked
of the caller; a bound the schema checks exclusively is exclusive in the
document; a value the schema refuses is refused by the document too; a route
that reads a body declares it and the document says it is required."""
import inspect

import pytest
from jsonschema import Draft202012Validator
from marshmallow import Schema, fields, validate

from college_contracts.identifiers import credit_code_check_character
from gateway.api import route_table
from gateway.openapi import openapi_document, openapi_path, schema_name
from gateway.service import GatewayService

ROUTES = route_table(GatewayService)


@pytest.fixture(scope="module")
def document():
    return openapi_document(GatewayService)


def body_component(document, method, path):
    reference = document["paths"][path][method]["requestBody"]["content"][
        "application/json"]["schema"]["$ref"]
    return document["components"]["schemas"][reference.rsplit("/", 1)[-1]]


# fields the gateway decides ----------------------------------------------------------------

DECIDED = [
    # (method, path, field): what the path or the caller's role decides
    ("post", "/v1/partners/{partner_id}/agreements", "partner_id"),
    ("post", "/v1/applications/{application_id}/offer-decisions", "party"),
    ("post", "/v1/deliverables/{deliverable_id}/reviews", "reviewer_kind"),
    ("post", "/v1/exam-sessions/{session_id}/registrations", "candidate_id"),
    ("post", "/v1/tripartite-agreements/{agreement_id}/signatures", "party"),
    ("post", "/v1/projects", "enterprise_id"),
    ("post", "/v1/placements", "enterprise_id"),
    ("post", "/v1/feedback", "direction"),
]


@pytest.mark.parametrize("method, path, name", DECIDED)
def test_a_field_the_gateway_decides_is_not_required_of_the_caller(document, method, path,
                                                                    name):
    component = body_component(document, method, path)
    assert name in component["properties"]
    assert name not in component.get("required", [])
    assert component["properties"][name].get("description"), \
        "the reference says who decides %s" % name


# bounds and values ---------------------------------------------------------------------------

def body_schemas():
    """Every schema a route's body is made of, nested ones included."""
    found, pending = set(), [route["body"] for route in ROUTES if route["body"]]
    while pending:
        schema = pending.pop()
        cls = schema if isinstance(schema, type) else type(schema)
        if cls in found:
            continue
        found.add(cls)
        for field in cls().fields.values():
            inner = field.inner if isinstance(field, fields.List) else field
            if isinstance(inner, fields.Nested) and isinstance(inner.schema, Schema):
                pending.append(type(inner.schema))
    return found


def exclusive_bounds():
    for cls in body_schemas():
        for name, field in cls().fields.items():
            for rule in field.validators:
                if isinstance(rule, validate.Range) and \
                        (not rule.min_inclusive or not rule.max_inclusive):
                    yield cls, field.data_key or name, rule


def test_the_milestones_and_rubrics_have_exclusive_bounds():
    named = {(cls.__name__, name) for cls, name, _ in exclusive_bounds()}
    assert {("MilestoneInputSchema", "weight"), ("RubricItemSchema", "weight")} <= named


def test_a_bound_the_schema_checks_exclusively_is_exclusive_in_the_document(document):
    """A weight of 0 was allowed by the document and refused by the route."""
    wrong = []
    for cls, name, rule in exclusive_bounds():
        described = document["components"]["schemas"][schema_name(cls)]["properties"][name]
        if not rule.min_inclusive and described.get("exclusiveMinimum") != rule.min:
            wrong.append((cls.__name__, name, described))
        if not rule.max_inclusive and described.get("exclusiveMaximum") != rule.max:
            wrong.append((cls.__name__, name, described))
    assert wrong == []


def test_an_empty_credit_code_is_refused_by_the_document_as_by_the_route(document):
    described = Draft202012Validator(
        document["components"]["schemas"]["enrollment.NewPartner"]["properties"]["credit_code"])
    first_17 = "91350100M00010000"
    valid = first_17 + credit_code_check_character(first_17)
    assert not described.is_valid("")
    assert not described.is_valid("91350100M000100I4O")  # I and O are not in the alphabet
    assert described.is_valid(valid)
    assert described.is_valid(" %s " % valid.lower())  # the route trims and capitalises


# bodies ----------------------------------------------------------------------------------------

def test_a_route_that_reads_a_body_declares_it_and_the_document_requires_it(document):
    """``POST /v1/public/credentials/verify`` reads the credential posted, yet
    declared no body: the document said none was needed."""
    wrong = []
    for route in ROUTES:
        reads = "json_body" in inspect.getsource(getattr(GatewayService, route["handler"]))
        for method in route["method"].split(","):
            operation = document["paths"][openapi_path(route["url"])][method.lower()]
            if reads and route["body"] is None:
                wrong.append((method, route["url"], "reads a body it does not declare"))
            if route["body"] is not None and \
                    operation.get("requestBody", {}).get("required") is not True:
                wrong.append((method, route["url"], "its body is not documented as required"))
            if route["body"] is None and "requestBody" in operation:
                wrong.append((method, route["url"], "documents a body it does not take"))
    assert wrong == []


def test_a_posted_credential_is_documented_as_a_json_object(document):
    operation = document["paths"]["/v1/public/credentials/verify"]["post"]
    assert operation["requestBody"]["required"] is True
    component = body_component(document, "post", "/v1/public/credentials/verify")
    assert component["type"] == "object" and component.get("additionalProperties") is True


# query parameters ------------------------------------------------------------------------------

def query_names(document, method, path):
    return {parameter["name"] for parameter in document["paths"][path][method]["parameters"]
            if parameter["in"] == "query"}


def test_no_documented_query_parameter_is_one_the_gateway_sets_itself(document):
    assert "visible_to_enterprise" not in query_names(document, "get", "/v1/mentors")


def test_a_projects_grades_take_only_the_filters_the_route_applies(document):
    """The route named the grades' query and applied none of its filters."""
    assert query_names(document, "get", "/v1/projects/{project_id}/grades") == {
        "offset", "limit", "student_id", "format"}
