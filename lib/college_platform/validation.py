"""Marshmallow at every boundary: one way to turn a schema failure into an
``InvalidInput`` carrying the field errors."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from college_platform.errors import InvalidInput

MAX_PAGE_SIZE = 200
# far beyond any list of the college, and within the database's 8-byte skip
MAX_OFFSET = 1_000_000_000


class PageQuerySchema(Schema):
    """``offset`` and ``limit`` of a list call; services extend it with filters
    and, for long lists, a ``sort`` made with ``sort_by``."""

    class Meta:
        unknown = EXCLUDE

    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))

    @pre_load
    def no_empty_filter(self, data, **kwargs):
        """A filter given empty (``?enterprise_id=``, or a scope the caller set
        to None) is refused: the services drop a filter that is None, so it
        would list every row instead of none. Left out, it lists every row."""
        if not isinstance(data, dict):
            return data
        empty = [name for name, value in data.items()
                 if name in self.fields and name not in ("offset", "limit", "sort")
                 and (value is None or value == "")]
        if empty:
            raise ValidationError({name: ["Must not be empty: leave the filter out to list "
                                          "every row."] for name in empty})
        return data


def sort_by(*names):
    """A ``sort`` query field: ``name`` ascending or ``-name`` descending,
    one of ``names`` only, so a client cannot sort on an unindexed secret."""
    allowed = tuple(names) + tuple("-" + name for name in names)
    return fields.String(load_default=None, validate=validate.OneOf(
        allowed, error="Sort by one of: %s (prefix - for descending)." % ", ".join(names)),
        metadata={"description": "Sort order: one of %s; prefix - for descending."
                  % ", ".join(names)})


def load(schema, payload, **kwargs):
    if not isinstance(payload, dict):
        raise InvalidInput("the body must be a JSON object",
                           errors={"_schema": ["Expected a JSON object."]})
    try:
        return schema.load(payload, **kwargs)
    except ValidationError as exc:
        raise InvalidInput("the input has invalid fields", errors=exc.messages)

