"""The OpenAPI document is generated from the routes and their schemas: it
must be a valid OpenAPI 3.1 document and name every route the gateway has."""
import re

import pytest
from openapi_spec_validator import validate
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from college_contracts.api.enrollment import NewPartnerSchema
from gateway.api import Page, route_table
from gateway.openapi import is_json, openapi_document, openapi_path
from gateway.routes.docs import ASSETS, DocsRoutes
from gateway.service import GatewayService


@pytest.fixture(scope="module")
def document():
    return openapi_document(GatewayService)


def operation(document, method, path):
    return document["paths"][path][method]


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_route_appears_with_its_method(document):
    routes = route_table(GatewayService)
    assert len(routes) > 90
    for route in routes:
        for method in route["method"].split(","):
            assert method.lower() in document["paths"][openapi_path(route["url"])], route


def test_path_parameters_are_declared(document):
    parameters = operation(document, "post", "/v1/applications/{application_id}/screening")[
        "parameters"]
    assert {"in": "path", "name": "application_id", "required": True,
            "schema": {"type": "string"}} in parameters


def test_operations_name_their_roles_and_the_bearer_token(document):
    create_partner = operation(document, "post", "/v1/partners")
    assert "`admin`" in create_partner["description"]
    assert "`admissions_officer`" in create_partner["description"]
    assert create_partner["security"] == [{"bearerAuth": []}]
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    token = operation(document, "post", "/v1/auth/token")
    assert token["security"] == [] and "Public" in token["description"]


def test_bodies_come_from_the_schemas_the_service_validates_with(document):
    body = operation(document, "post", "/v1/partners")["requestBody"]["content"][
        "application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/enrollment.NewPartner"}
    component = document["components"]["schemas"]["enrollment.NewPartner"]
    assert set(component["properties"]) == set(NewPartnerSchema().fields)
    assert {"legal_name", "credit_code", "industry"} <= set(component["required"])


def test_errors_are_problem_details(document):
    responses = operation(document, "post", "/v1/partners")["responses"]
    assert {"201", "400", "401", "403", "409", "503"} <= set(responses)
    problem = document["components"]["responses"]["BadRequest"]["content"]
    assert problem == {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}}}


def test_lists_are_paginated_envelopes_with_a_bounded_limit_and_csv(document):
    listing = operation(document, "get", "/v1/projects")
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert parameters["limit"]["schema"]["maximum"] == 200
    assert "-title" in parameters["sort"]["schema"]["enum"]
    assert parameters["format"]["schema"]["enum"] == ["json", "csv"]
    content = listing["responses"]["200"]["content"]
    envelope = content["application/json"]["schema"]
    assert set(envelope["required"]) == {"items", "total", "offset", "limit"}
    assert envelope["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/projects.Project"}
    assert "text/csv" in content


def test_every_list_route_takes_a_page_query():
    for route in route_table(GatewayService):
        if isinstance(route["response"], Page):
            assert route["query"] is not None and "limit" in route["query"]().fields, route


def request_for(path):
    return Request(EnvironBuilder(path=path).get_environ())


def test_the_reference_page_loads_nothing_from_another_host():
    status, headers, html = DocsRoutes().api_reference(request_for("/v1/docs"))
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert references and not [ref for ref in references if "//" in ref or ":" in ref]
    assert {ref.rpartition("/")[2] for ref in references} <= set(ASSETS)


def test_the_reference_page_assets_are_installed_and_local():
    for name in ASSETS:
        status, headers, text = DocsRoutes().api_reference_asset(
            request_for("/v1/docs/" + name), name)
        assert status == 200 and text
    script = DocsRoutes().api_reference_asset(request_for("/v1/docs/reference.js"),
                                              "reference.js")[2]
    assert 'url: "openapi.json"' in script and "validatorUrl: null" in script


def test_the_bulk_imports_document_their_lists_and_reports(document):
    admissions = operation(document, "post", "/v1/admission-imports")
    assert admissions["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/enrollment.AdmissionImport"}
    assert admissions["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/enrollment.AdmissionImportReport"}
    assert {"programme_id", "partner_id", "rows", "csv"} <= set(
        document["components"]["schemas"]["enrollment.AdmissionImport"]["properties"])
    group = operation(document, "post", "/v1/exam-sessions/{session_id}/group-registrations")
    assert group["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/certificates.GroupRegistration"}


def test_public_routes_that_check_credentials_document_the_401(document):
    assert "401" in operation(document, "post", "/v1/auth/token")["responses"]
    assert "401" in operation(document, "get", "/metrics")["responses"]
    assert "401" not in operation(document, "get", "/v1/public/credential-keys")["responses"]


def test_a_body_naming_other_objects_may_answer_404(document):
    assert "404" in operation(document, "post", "/v1/assignments")["responses"]
    assert "404" in operation(document, "post", "/v1/exam-sessions")["responses"]
    assert "404" not in operation(document, "post", "/v1/auth/token")["responses"]


def test_every_throttled_route_documents_429_with_retry_after(document):
    assert "429" in operation(document, "get", "/v1/projects")["responses"]
    assert "429" not in operation(document, "get", "/health")["responses"]
    too_many = document["components"]["responses"]["TooManyRequests"]
    assert too_many["headers"]["Retry-After"]["required"] is True


def test_routes_that_answer_other_than_json_declare_their_media_types(document):
    def media_types(method, path):
        return set(operation(document, method, path)["responses"]["200"]["content"])

    assert media_types("get", "/v1/docs") == {"text/html; charset=utf-8"}
    assert media_types("get", "/v1/public/credential-status/revocation") == {"application/vc"}
    assert any(media.startswith("text/plain") for media in media_types("get", "/metrics"))


def test_a_credit_account_is_documented_as_the_service_answers_it(document):
    schema = operation(document, "get", "/v1/students/{student_id}/credits")["responses"][
        "200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/certificates.CreditAccount"}
    account = document["components"]["schemas"]["certificates.CreditAccount"]
    assert set(account["required"]) == {"student_id", "total_credits", "course_exemptions",
                                        "grants", "ledger"}
    parameters = operation(document, "get", "/v1/students/{student_id}/credits")["parameters"]
    assert [p["name"] for p in parameters if p["in"] == "query"] == ["offset", "limit"]


def test_health_documents_its_degraded_answer_with_the_503(document):
    degraded = operation(document, "get", "/health")["responses"]["503"]
    assert set(degraded["content"]) == {"application/json", "application/problem+json"}


def test_an_answer_without_a_body_documents_no_content(document):
    """Sign-out answers 204 with no body: documenting it as JSON made every
    client (and the fuzzing) see an undocumented Content-Type."""
    no_content = operation(document, "post", "/v1/auth/sign-out")["responses"]["204"]
    assert "content" not in no_content


# the console's own files (scripts, styles and the message catalogues it reads, JSON
# files checked by test_console_catalogues): files, not answers of the API
CONSOLE_FILES = {"console_asset"}


def declares_its_answer(route):
    """A route declares the schema of its answer, or answers no body (204),
    or serves only documents other than JSON, named by ``media_types``."""
    response = route["response"]
    if route["status"] == 204 or route["handler"] in CONSOLE_FILES:
        return True
    if isinstance(response, Page):
        return response.item is not None
    if response is not None:
        return True
    return bool(route["media_types"]) and not any(is_json(media)
                                                  for media in route["media_types"])


def test_the_document_states_what_the_routes_refuse(document):
    """What schemathesis found with every check on: each was accepted by the
    document and refused by the route, or the other way round."""
    checkin = operation(document, "post", "/v1/placements/{placement_id}/checkins/"
                                          "{week_starting}/confirmation")
    week = next(p for p in checkin["parameters"] if p["name"] == "week_starting")
    assert week["schema"]["format"] == "date"
    listing = operation(document, "get", "/v1/projects")
    enterprise = next(p for p in listing["parameters"] if p["name"] == "enterprise_id")
    assert enterprise["schema"]["minLength"] == 1
    offset = next(p for p in listing["parameters"] if p["name"] == "offset")
    assert "minLength" not in offset["schema"]
    schemas = document["components"]["schemas"]
    ratings = schemas["projects.NewFeedback"]["properties"]["ratings"]
    assert (ratings["minProperties"], ratings["maxProperties"]) == (1, 10)
    assert "minLength" not in ratings
    assert ratings["propertyNames"] == {"maxLength": 40}
    assert schemas["projects.NewTeam"]["properties"]["student_ids"]["uniqueItems"] is True
    url = schemas["projects.NewDeliverable"]["properties"]["url"]
    assert re.match(url["pattern"], "https://git.example.com/team-7/report")
    assert not re.match(url["pattern"], "0")


def test_every_operation_declares_the_schema_of_its_answer():
    """Clients (and the end-to-end tests, which check every answer against
    it) read an answer's shape from the reference: an operation documented as
    "an object" says nothing, and its answer drifted unseen (storage fields of
    enrollment's documents reached the API)."""
    missing = sorted("%s %s" % (method, route["url"]) for route in route_table(GatewayService)
                     for method in route["method"].split(",") if not declares_its_answer(route))
    assert not missing, "%d operations declare no response schema: %s" % (
        len(missing), ", ".join(missing))
