"""A request body for a route, made from the marshmallow schema it declares:
every required field with a plausible value, and every field that names an
object (``student_id``, ``enterprise_id``, ``subject_id``...) set to the object
the test chooses. So an authorization test can ask a route to act on another
party's object with a body that would otherwise be valid."""

from marshmallow import fields, validate

REFERENCE_SUFFIXES = ("_id", "_ids")


def example_body(schema_cls, refs):
    """``refs``: {field name: value} for the fields that name objects; a field
    ending in ``_id`` without a ref is left out unless required."""
    return _object(schema_cls(), refs)


def _object(schema, refs):
    body = {}
    for name, field in schema.fields.items():
        if field.dump_only:
            continue
        key = field.data_key or name
        if key in refs:
            body[key] = refs[key]
        elif field.required:
            body[key] = _value(key, field, refs)
    return body


def _value(name, field, refs):
    for validator in _validators(field):
        if isinstance(validator, validate.OneOf):
            return list(validator.choices)[0]
    if isinstance(field, fields.Nested):
        nested = field.schema
        return [_object(nested, refs)] if field.many else _object(nested, refs)
    if isinstance(field, fields.List):
        return [_value(name, field.inner, refs)]
    if isinstance(field, fields.Dict):
        return {}
    if isinstance(field, fields.Boolean):
        return True
    if isinstance(field, (fields.Integer, fields.Float, fields.Decimal)):
        low = _range_low(field)
        return low if low is not None and low > 1 else 1
    if isinstance(field, fields.DateTime):
        return "2027-03-01T09:00:00+08:00"
    if isinstance(field, fields.Date):
        return "2027-03-01"
    if isinstance(field, fields.Email):
        return "someone@example.cn"
    if isinstance(field, fields.Url):
        return "https://example.cn/x"
    length = next((v for v in _validators(field) if isinstance(v, validate.Length)), None)
    text = "测试 %s" % name
    if length is not None and length.min and len(text) < length.min:
        text = text + "x" * (length.min - len(text))
    if length is not None and length.max and len(text) > length.max:
        text = text[:length.max]
    return text


def _validators(field):
    return list(getattr(field, "validators", ()) or ())


def _range_low(field):
    for validator in _validators(field):
        if isinstance(validator, validate.Range) and validator.min is not None:
            return validator.min
    return None


def references(ids, college):
    """The body fields that name objects, from a tenant's ids and the college's."""
    return {
        "student_id": ids["student_id"], "candidate_id": ids["student_id"],
        "student_ids": [ids["student_id"]], "enterprise_id": ids["enterprise_id"],
        "partner_id": ids["partner_id"], "project_id": ids["project_id"],
        "placement_id": ids["placement_id"], "mentor_id": ids["mentor_id"],
        "applicant_id": ids["applicant_id"], "application_id": ids["application_id"],
        "milestone_id": ids["milestone_id"], "subject_kind": "placement",
        "subject_id": ids["placement_id"], "programme_id": college["programme_id"],
        "session_id": college["session_id"], "certificate_code": college["code"],
        "tutor_id": college["tutor_id"], "week_starting": "2026-09-07",
    }
