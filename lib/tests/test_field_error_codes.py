"""Every field error carries a stable code of its kind (marshmallow's error
kinds and its validators' names) with what its message names, so a client can
word it in its own language; a service's own rule is ``invalid``."""
import pytest
from marshmallow import Schema, fields, validate

from college_contracts.api.enrollment import NewPartnerSchema
from college_platform.errors import InvalidInput
from college_platform.validation import PageQuerySchema, field_errors, load, sort_by


def coded(schema, payload):
    with pytest.raises(InvalidInput) as raised:
        load(schema, payload)
    return {error["field"]: (error["code"], error.get("params", {}))
            for error in raised.value.extra["field_errors"]}


def test_a_partners_field_errors_name_their_kinds_and_bounds():
    errors = coded(NewPartnerSchema(), {"legal_name": "x", "industry": "制造",
                                        "contacts": [{"email": "not-an-address"}],
                                        "founded": 1999})
    assert errors["credit_code"] == ("required", {})
    assert errors["legal_name"] == ("length", {"min": "2", "max": "200"})
    assert errors["contacts.0.name"] == ("required", {})
    assert errors["contacts.0.email"] == ("invalid", {})
    assert errors["founded"] == ("unknown", {})


class Filters(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(["active", "closed"]))
    weight = fields.Float(validate=validate.Range(min=0, max=100, min_inclusive=False))
    code = fields.String(validate=validate.Regexp(r"^[A-Z]+$", error="Use capitals."))
    sort = sort_by("name")


def test_a_fields_own_wording_still_finds_its_kind():
    errors = coded(Filters(), {"status": "open", "weight": 0, "code": "x", "sort": "age",
                               "limit": 0})
    assert errors["status"] == ("one_of", {"choices": ["active", "closed"]})
    assert errors["weight"] == ("range", {"min": "0", "max": "100", "min_exclusive": True})
    assert errors["code"] == ("regexp", {})
    assert errors["sort"][0] == "one_of"
    assert errors["limit"] == ("range", {"min": "1", "max": "200"})
    assert coded(Filters(), {"status": ""})["status"] == ("empty", {})


def test_messages_without_their_schema_are_coded_from_marshmallows_wording():
    errors = field_errors({"q": ["Unknown field."], "name": ["Missing data for required field."],
                           "code": ["Length must be 18."],
                           "programme_id": ["Unknown programme 64f0c2."],
                           "rows": {"3": {"resident_id": ["Field may not be null."]}}})
    by_field = {error["field"]: (error["code"], error.get("params", {})) for error in errors}
    assert by_field == {"q": ("unknown", {}), "name": ("required", {}),
                        "code": ("length", {"equal": "18"}),
                        "programme_id": ("invalid", {}),
                        "rows.3.resident_id": ("null", {})}
    assert all(error["message"] for error in errors)


def test_a_rules_own_message_is_not_taken_for_a_marshmallow_kind_that_words_alike():
    """"Not a valid {awareness} {obj_type}." took any "Not a valid ..." message for
    ``invalid_awareness``, and Enum's "Must be one of" called a bad choice ``unknown``,
    the code of a field the operation does not take."""
    errors = field_errors({
        "credit_code": ["Not a valid unified social credit code: check character is A, "
                        "expected 0."],
        "status": ["Must be one of: draft, active."],
        "starts_at": ["Not a valid aware datetime."]})
    by_field = {error["field"]: (error["code"], error.get("params", {})) for error in errors}
    assert by_field == {"credit_code": ("invalid", {}),
                        "status": ("one_of", {"choices": ["draft", "active"]}),
                        "starts_at": ("invalid_awareness", {})}


class Nested(Schema):
    items = fields.Nested(Schema.from_dict({"n": fields.Integer(required=True)}), many=True)


def test_an_item_of_a_nested_list_is_found_by_its_path():
    assert coded(Nested(), {"items": [{"n": 1}, {"n": "x"}]}) == {"items.1.n": ("invalid", {})}


def test_a_refused_inbound_events_reason_names_its_fields_in_plain_text():
    from college_contracts.inbound import InboundRejected, parse
    with pytest.raises(InboundRejected) as refused:
        parse(b'{"specversion": "1.0", "id": "x", "source": "/enterprises/A", '
              b'"type": "edu.college.project.posted.v1", "data": {}}', "enterprise-A")
    reason = str(refused.value)
    assert "time: Missing data for required field." in reason, reason
    assert "{" not in reason and "[" not in reason, reason
