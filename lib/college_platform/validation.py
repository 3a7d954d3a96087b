"""Marshmallow at every boundary: one way to turn a schema failure into an
``InvalidInput`` carrying the field errors."""
from marshmallow import ValidationError

from college_platform.errors import InvalidInput


def load(schema, payload, **kwargs):
    if not isinstance(payload, dict):
        raise InvalidInput("the body must be a JSON object",
                           errors={"_schema": ["Expected a JSON object."]})
    try:
        return schema.load(payload, **kwargs)
    except ValidationError as exc:
        raise InvalidInput("the input has invalid fields", errors=exc.messages)
