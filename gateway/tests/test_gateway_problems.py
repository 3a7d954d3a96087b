import json

from college_platform.errors import Conflict, InvalidInput
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
