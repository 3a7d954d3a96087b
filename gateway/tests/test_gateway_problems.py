import json

from pymongo.errors import ServerSelectionTimeoutError

from college_platform.errors import Conflict, InvalidInput, Unavailable
from gateway.api import response_for_error


def body(response):
    return json.loads(response.get_data(as_text=True))


def test_a_conflicts_extra_fields_never_override_the_problem_members():
    response = response_for_error(Conflict("already active", status="active", field="status",
                                           code="ACTIVE"))
    assert response.status_code == 409
    assert body(response) == {"type": "about:blank", "title": "Conflict", "status": 409,
                              "code": "conflict", "detail": "already active", "field": "status"}


def test_invalid_input_carries_its_field_errors():
    response = response_for_error(InvalidInput("bad", errors={"name": ["Required."]}))
    assert (response.status_code, body(response)["errors"]) == (400, {"name": ["Required."]})


def test_an_unexpected_error_is_a_500_without_internals():
    response = response_for_error(KeyError("secret_internal_key"))
    assert response.status_code == 500
    assert "secret_internal_key" not in response.get_data(as_text=True)


def test_a_services_unreachable_database_is_a_503_with_a_retry_hint():
    response = response_for_error(Unavailable("the certificates database is unreachable",
                                              retry_after=7))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert body(response)["detail"] == "the certificates database is unreachable"


def test_the_gateways_own_unreachable_database_is_a_503_too():
    response = response_for_error(ServerSelectionTimeoutError("127.0.0.1:27017: refused"))
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "27017" not in response.get_data(as_text=True)


# -- the stable codes clients word the problems with ---------------------------------------

def test_every_problem_names_the_code_of_its_kind():
    from college_platform.errors import NotFound
    from gateway.api import BodyTooLarge, MalformedBody, ServiceUnavailable, TooManyRequests
    from gateway.auth import Forbidden, Unauthorized
    cases = [(NotFound("enterprise 40af does not exist"), "not_found"),
             (Conflict("already revoked"), "conflict"),
             (Conflict("the quota is used up", reason="quota_full"), "conflict.quota_full"),
             (Conflict("odd", reason="Not A Reason"), "conflict"),
             (InvalidInput("bad", errors={"name": ["Missing data for required field."]}),
              "invalid_input"),
             (MalformedBody("this route needs a JSON body"), "malformed_body"),
             (Unauthorized("the token has expired"), "unauthorized"),
             (Forbidden("not for this role"), "forbidden"),
             (BodyTooLarge("too large"), "body_too_large"),
             (TooManyRequests("slow down", 3), "too_many_requests"),
             (ServiceUnavailable("enrollment did not answer"), "service_unavailable"),
             (Unavailable("down", retry_after=3), "service_unavailable"),
             (KeyError("boom"), "internal_error")]
    for error, code in cases:
        assert body(response_for_error(error))["code"] == code, error


def test_field_errors_carry_their_codes_whoever_raised_them():
    raised_by_hand = InvalidInput("unknown programme", errors={
        "programme_id": ["Unknown programme 64f0c2."], "q": ["Unknown field."],
        "legal_name": ["Length must be between 2 and 200."]})
    problem = body(response_for_error(raised_by_hand))
    assert problem["errors"]["q"] == ["Unknown field."], "the messages stay as they were"
    assert {(e["field"], e["code"]) for e in problem["field_errors"]} == {
        ("programme_id", "invalid"), ("q", "unknown"), ("legal_name", "length")}
    legal_name = next(e for e in problem["field_errors"] if e["field"] == "legal_name")
    assert legal_name["params"] == {"min": "2", "max": "200"}


def test_every_problem_follows_the_documented_problem_schema():
    import jsonschema

    from gateway.api import MalformedBody
    from gateway.openapi import PROBLEM
    for error in (Conflict("x", reason="quota_full"), InvalidInput("bad", errors={
            "rows": {"2": {"name": ["Field may not be null."]}}}), MalformedBody("x"),
            KeyError("boom")):
        jsonschema.validate(body(response_for_error(error)), PROBLEM)
