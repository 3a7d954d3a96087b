"""The public contract through which enterprise systems publish to the college.

Messages are CloudEvents 1.0 in JSON structured mode, published to the topic
exchange ``college.inbound`` with the event type as routing key, by the
enterprise's own broker user ``enterprise-<enterprise id>`` with the AMQP
``user_id`` property set (the broker refuses a user_id that is not the
connection's user, so it proves who published). ``source`` must be
``/enterprises/<the same enterprise id>``. The event types and their ``data``
schemas are below; ``docs/inbound/asyncapi.yaml`` documents the same contract.

Order: ``project.updated`` carries ``revision``, a number the enterprise
system increases with every change of that project; an update whose revision
is not above the last one applied is ignored (it is older news).
"""
import json
import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from college_contracts.base import EventData
from college_platform.errors import PermanentEventError
from college_platform.validation import WholeNumber, describe_errors

EXCHANGE = "college.inbound"
USER_PREFIX = "enterprise-"
SOURCE_PATTERN = re.compile(r"^/enterprises/([A-Za-z0-9][A-Za-z0-9-]{0,63})$")
PREFIX = "edu.college."
# the largest message the college reads. The largest event the schemas below accept
# (extension attributes aside) is 364,160 bytes with every character escaped
# (tests/test_inbound_contract.py): the rest is headroom
MAX_MESSAGE_BYTES = 1024 * 1024


class InboundRejected(PermanentEventError):
    """The message can never be accepted; the reason says why."""


def broker_user(enterprise_id: str) -> str:
    return USER_PREFIX + enterprise_id


def source_of(enterprise_id: str) -> str:
    return "/enterprises/%s" % enterprise_id


class Milestone(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    due_date = fields.Date(required=True)
    weight = fields.Float(required=True, validate=validate.Range(min=0, max=100,
                                                                 min_inclusive=False))


class ProjectRef(EventData):
    """Every project event names the project by the enterprise system's own id."""
    external_ref = fields.String(required=True, validate=validate.Length(min=1, max=100))


class ProjectPosted(ProjectRef):
    revision = WholeNumber(required=True, validate=validate.Range(min=1))
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    brief = fields.String(required=True, validate=validate.Length(min=10, max=20000))
    required_competencies = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                                        load_default=list, validate=validate.Length(max=50))
    team_size = WholeNumber(required=True, validate=validate.Range(min=1, max=30))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    milestones = fields.List(fields.Nested(Milestone), load_default=list,
                             validate=validate.Length(max=20))
    confidential = fields.Boolean(load_default=False)


class ProjectUpdated(ProjectRef):
    revision = WholeNumber(required=True, validate=validate.Range(min=1))
    title = fields.String(validate=validate.Length(min=2, max=200))
    brief = fields.String(validate=validate.Length(min=10, max=20000))
    team_size = WholeNumber(validate=validate.Range(min=1, max=30))
    start_date = fields.Date()
    end_date = fields.Date()


class ProjectCancelled(ProjectRef):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class MilestoneAccepted(ProjectRef):
    milestone_title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    accepted_on = fields.Date(required=True)
    comment = fields.String(load_default=None, validate=validate.Length(max=2000))


class RubricItem(Schema):
    criterion = fields.String(required=True, validate=validate.Length(min=1, max=100))
    score = fields.Float(required=True, validate=validate.Range(min=0, max=100))
    weight = fields.Float(load_default=1.0, validate=validate.Range(min=0, max=100,
                                                                   min_inclusive=False))


class DeliverableReviewed(EventData):
    """The enterprise's review of a deliverable (the college's id, as the
    enterprise saw it in the college's API)."""
    deliverable_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    rubric = fields.List(fields.Nested(RubricItem), required=True,
                         validate=validate.Length(min=1, max=20))
    reviewer = fields.String(required=True, validate=validate.Length(min=1, max=100))
    comment = fields.String(load_default=None, validate=validate.Length(max=5000))


class CheckinConfirmed(EventData):
    """The supervisor confirms the week the student logged."""
    placement_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    week_starting = fields.Date(required=True)
    supervisor = fields.String(required=True, validate=validate.Length(min=1, max=100))


class FeedbackSubmitted(EventData):
    """The enterprise rates a student (1 to 5) on a placement or a project."""
    subject_kind = fields.String(required=True, validate=validate.OneOf(("placement", "project")))
    subject_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    student_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    ratings = fields.Dict(keys=fields.String(validate=validate.OneOf(("competencies",
                                                                       "conduct"))),
                          values=WholeNumber(validate=validate.Range(min=1, max=5)),
                          required=True, validate=validate.Length(equal=2))
    comment = fields.String(load_default=None, validate=validate.Length(max=5000))


class GraduateHired(EventData):
    """The enterprise hired a graduate it sponsored or hosted on a placement."""
    student_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    started_on = fields.Date(required=True)
    position = fields.String(load_default=None, validate=validate.Length(min=1, max=200))


class GraduateDeparted(EventData):
    """A graduate the enterprise employs (as the college recorded) left it."""
    student_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    left_on = fields.Date(required=True)
    reason = fields.String(load_default=None, validate=validate.Length(max=2000))


TYPES = {
    PREFIX + "project.posted.v1": ProjectPosted,
    PREFIX + "project.updated.v1": ProjectUpdated,
    PREFIX + "project.cancelled.v1": ProjectCancelled,
    PREFIX + "milestone.accepted.v1": MilestoneAccepted,
    PREFIX + "deliverable.reviewed.v1": DeliverableReviewed,
    PREFIX + "placement.checkin_confirmed.v1": CheckinConfirmed,
    PREFIX + "feedback.submitted.v1": FeedbackSubmitted,
    PREFIX + "graduate.hired.v1": GraduateHired,
    PREFIX + "graduate.departed.v1": GraduateDeparted,
}


class CloudEvent(Schema):
    specversion = fields.String(required=True, validate=validate.Equal("1.0"))
    id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    source = fields.String(required=True, validate=validate.Regexp(
        SOURCE_PATTERN, error="Must be /enterprises/<your enterprise id>."))
    type = fields.String(required=True, validate=validate.Length(min=1, max=200))
    time = fields.AwareDateTime(required=True)
    datacontenttype = fields.String(validate=validate.Equal("application/json"))
    dataschema = fields.String(validate=validate.Length(max=500))
    subject = fields.String(validate=validate.Length(max=200))
    data = fields.Dict(required=True)


# built once: building a schema costs more than loading an event with it
CLOUD_EVENT = CloudEvent()
DATA = {event_type: schema() for event_type, schema in TYPES.items()}


def parse(body: object, user_id: str | None) -> dict[str, Any]:
    """The accepted event, or ``InboundRejected`` with the reason.

    Returns ``{"id", "ce_id", "type", "source", "enterprise_id", "time", "data"}``;
    ``id`` joins source and CloudEvents id, which together identify an event.
    """
    if isinstance(body, (bytes, bytearray)):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InboundRejected("the body is not UTF-8 text")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError as exc:
            raise InboundRejected("the body is not valid JSON: %s" % exc)
        except RecursionError:
            raise InboundRejected("the body nests too deeply")
    if not isinstance(body, dict):
        raise InboundRejected("the body must be a CloudEvents JSON object")
    try:
        envelope = CLOUD_EVENT.load(body, unknown="include")
    except ValidationError as exc:
        raise InboundRejected("not a valid CloudEvent: %s" % describe_errors(exc.messages))
    if envelope["type"] not in TYPES:
        raise InboundRejected("unknown event type %s; this contract accepts %s"
                              % (envelope["type"], ", ".join(sorted(TYPES))))
    if not user_id:
        raise InboundRejected("the message has no user_id property: publish with your "
                              "enterprise's credentials and set user_id to its user name")
    source = SOURCE_PATTERN.match(envelope["source"])
    assert source is not None  # the CloudEvent schema checked it
    enterprise_id = source.group(1)
    if user_id != broker_user(enterprise_id):
        raise InboundRejected("source %s does not match the publishing user %s"
                              % (envelope["source"], user_id))
    try:
        data = DATA[envelope["type"]].load(envelope["data"])
    except ValidationError as exc:
        raise InboundRejected("invalid data for %s: %s"
                              % (envelope["type"], describe_errors(exc.messages)))
    return {"id": "%s#%s" % (envelope["source"], envelope["id"]), "ce_id": envelope["id"],
            "type": envelope["type"], "source": envelope["source"],
            "enterprise_id": enterprise_id, "time": envelope["time"].isoformat(), "data": data}
