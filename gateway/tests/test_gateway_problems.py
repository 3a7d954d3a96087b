import json

from pymongo.errors import ServerSelectionTimeoutError

from college_platform.errors import Conflict, InvalidInput, Unavailable
from gateway.api import response_for_error


def body(response):
    return json.loads(response.get_data(as_text=True))


def test_a_conflicts_extra_fields_never_override_the_problem_members():
    response = response_for_error(Conflict("already active", status="active", field="status"))
    assert response.status_code == 409
    assert body(response) == {"type": "about:blank", "title": "Conflict", "status": 409,
                              "detail": "already active", "field": "status"}


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
