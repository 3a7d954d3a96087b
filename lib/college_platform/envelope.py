"""The one envelope every event travels in, internal or published."""
import uuid
from datetime import datetime, timezone
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from college_platform.errors import PermanentEventError


class EnvelopeSchema(Schema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_.]{1,99}$"))
    source = fields.String(required=True, validate=validate.Length(min=1, max=200))
    time = fields.AwareDateTime(required=True, format="iso")
    schema_version = fields.Integer(required=True, validate=validate.Range(min=1))
    data = fields.Dict(required=True)


_schema = EnvelopeSchema()

# an event as it travels: id, type, source, time, schema_version, data
Envelope = dict[str, Any]


def utcnow() -> datetime:
    """Now, at the millisecond precision MongoDB stores, so what an API
    returns on create equals what it returns on every later read."""
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def new_event(event_type: str, source: str, data: Any, schema_version: int = 1,
              now: datetime | None = None) -> Envelope:
    """A fresh envelope as a JSON-ready dict."""
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "source": source,
        "time": (now or utcnow()).isoformat(),
        "schema_version": schema_version,
        "data": data,
    }


def parse_event(body: object) -> Envelope:
    """Validate an incoming envelope; a malformed one can never succeed."""
    if not isinstance(body, dict):
        raise PermanentEventError("event body is not a JSON object")
    try:
        _schema.load(body)
    except ValidationError as exc:
        raise PermanentEventError("invalid event envelope: %s" % exc.messages)
    return body
