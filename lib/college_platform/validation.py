"""Marshmallow at every boundary: one way to turn a schema failure into an
``InvalidInput`` carrying the field errors."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from college_platform.errors import InvalidInput


class PageQuerySchema(Schema):
    """``offset`` and ``limit`` of a list call; services extend it with filters."""

    class Meta:
        unknown = EXCLUDE

    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


def load(schema, payload, **kwargs):
    if not isinstance(payload, dict):
        raise InvalidInput("the body must be a JSON object",
                           errors={"_schema": ["Expected a JSON object."]})
    try:
        return schema.load(payload, **kwargs)
    except ValidationError as exc:
        raise InvalidInput("the input has invalid fields", errors=exc.messages)

