from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate


class EventData(Schema):
    """Consumers ignore unknown fields (tolerant reader)."""

    class Meta:
        unknown = EXCLUDE


Id = fields.String
Date = fields.Date  # ISO 8601 date, "2027-03-01"
Timestamp = fields.AwareDateTime  # ISO 8601 with zone


def one_of(*values: Any) -> validate.OneOf:
    return validate.OneOf(values)
