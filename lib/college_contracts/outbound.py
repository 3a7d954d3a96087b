"""The outbound contract: the CloudEvents the platform sends back to an
enterprise's own systems (a broker queue ``college.outbound.<enterprise
id>.<token>``, its name given with the subscription, or a webhook), each
about that enterprise's own applicants, students, placements, projects,
certificates and agreement clauses.

Every public type is ``edu.college.<thing>.<verb>.v1`` with the schema of its
``data`` here; ``docs/outbound/asyncapi.yaml`` documents each one and
``docs/outbound.md`` says who receives what. The schemas are what the platform
promises to send: a receiver should ignore fields it does not know (the
platform may add some), and a change that removes or changes one gets a new
``.v2`` type.
"""
import re
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate

from college_contracts.enrollment import (
    CLAUSE_METRICS,
    CLAUSE_PARTIES,
    ENROLMENT_STATUSES,
    PROGRAMME_KINDS,
)
from college_contracts.projects import REVIEWER_KINDS

SOURCE = "/college"
TYPE_PREFIX = "edu.college."
QUEUE_PREFIX = "college.outbound."
CONTENT_TYPE = "application/cloudevents+json"
SPEC_VERSION = "1.0"

Id = fields.String


# a queue subscription's token: at least 128 random bits, URL-safe base64 (no dot,
# so neither the enterprise id nor another token can run into it)
QUEUE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


def queue_for(enterprise_id: str, token: str) -> str:
    """The broker queue a queue subscription's events go to. The token makes
    the name unguessable: RabbitMQ checks no permission on a passive declare,
    so any user of the vhost could otherwise learn whether an enterprise has
    a queue and how many events wait in it."""
    if not QUEUE_TOKEN.match(token):
        raise ValueError("a queue token is 22 to 64 URL-safe characters")
    return "%s%s.%s" % (QUEUE_PREFIX, enterprise_id, token)


def is_queue_of(enterprise_id: str, name: str) -> bool:
    """Whether ``name`` is one of the enterprise's tokened queue names."""
    prefix = QUEUE_PREFIX + enterprise_id + "."
    return name.startswith(prefix) and bool(QUEUE_TOKEN.match(name[len(prefix):]))


class PublicData(Schema):
    """What a type's ``data`` carries; anything else is dropped on the way out."""

    class Meta:
        unknown = EXCLUDE
        ordered = True


class ApplicationOffered(PublicData):
    """The college and the enterprise offered an applicant a seat."""
    application_id = Id(required=True)
    applicant_id = Id(required=True)
    programme_id = Id(required=True)


class StudentEnrolled(PublicData):
    """A student the enterprise sponsors (order class, apprenticeship) enrolled."""
    student_id = Id(required=True)
    programme_id = Id(required=True)
    programme_code = fields.String(required=True)
    programme_kind = fields.String(required=True, validate=validate.OneOf(PROGRAMME_KINDS))
    intake_year = fields.Integer(required=True)


class EnrolmentChanged(PublicData):
    """A sponsored student's enrolment changed status (suspended, resumed,
    withdrawn, graduated, transferred). ``sponsored`` says whether the
    enterprise still sponsors the student after the change; when it does not
    (a transfer away), ``programme_id`` is left out."""
    student_id = Id(required=True)
    previous_status = fields.String(required=True, validate=validate.OneOf(ENROLMENT_STATUSES))
    status = fields.String(required=True, validate=validate.OneOf(ENROLMENT_STATUSES))
    sponsored = fields.Boolean(required=True)
    programme_id = Id(allow_none=True, load_default=None)


class PlacementStarted(PublicData):
    placement_id = Id(required=True)
    student_id = Id(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)


class PlacementEnded(PublicData):
    placement_id = Id(required=True)
    student_id = Id(required=True)
    ended_on = fields.Date(required=True)
    early = fields.Boolean(required=True)
    hours = fields.Float(required=True)


class CheckinMissed(PublicData):
    """A week of a placement at the enterprise was not logged by the student,
    or not confirmed by the supervisor, within the grace period."""
    placement_id = Id(required=True)
    student_id = Id(required=True)
    week_starting = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("not_logged",
                                                                  "not_confirmed")))


class DeliverableReviewed(PublicData):
    """A deliverable of one of the enterprise's projects was reviewed: the
    score and who reviewed (the enterprise or the college's tutor), no comment."""
    project_id = Id(required=True)
    team_id = Id(required=True)
    milestone_id = Id(required=True)
    deliverable_id = Id(required=True)
    version = fields.Integer(required=True)
    reviewer_kind = fields.String(required=True, validate=validate.OneOf(REVIEWER_KINDS))
    score = fields.Float(required=True)
    late = fields.Boolean(required=True)


class CertificateIssued(PublicData):
    """A student the enterprise sponsors was awarded a 1+X certificate."""
    certificate_number = fields.String(required=True)
    student_id = Id(required=True)
    certificate_code = fields.String(required=True)
    level = fields.String(required=True)
    issued_on = fields.Date(required=True)


class CertificateRevoked(PublicData):
    """A sponsored student's certificate was revoked (never why)."""
    certificate_number = fields.String(required=True)
    student_id = Id(required=True)


class ClauseAtRisk(PublicData):
    """A clause of the enterprise's cooperation agreement is at risk (its
    progress lags the time elapsed) or missed (past due, unmet)."""
    agreement_id = Id(required=True)
    clause_id = fields.String(required=True)
    party = fields.String(required=True, validate=validate.OneOf(CLAUSE_PARTIES))
    metric = fields.String(required=True, validate=validate.OneOf(CLAUSE_METRICS))
    target = fields.Float(required=True)
    progress = fields.Float(required=True)
    elapsed = fields.Float(required=True)
    due_on = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("at_risk", "missed")))


# public type -> (the schema of its data, the field that is its subject)
TYPES: dict[str, tuple[type[PublicData], str]] = {
    "edu.college.application.offered.v1": (ApplicationOffered, "application_id"),
    "edu.college.student.enrolled.v1": (StudentEnrolled, "student_id"),
    "edu.college.enrolment.changed.v1": (EnrolmentChanged, "student_id"),
    "edu.college.placement.started.v1": (PlacementStarted, "placement_id"),
    "edu.college.placement.ended.v1": (PlacementEnded, "placement_id"),
    "edu.college.checkin.missed.v1": (CheckinMissed, "placement_id"),
    "edu.college.deliverable.reviewed.v1": (DeliverableReviewed, "deliverable_id"),
    "edu.college.certificate.issued.v1": (CertificateIssued, "certificate_number"),
    "edu.college.certificate.revoked.v1": (CertificateRevoked, "certificate_number"),
    "edu.college.clause.at_risk.v1": (ClauseAtRisk, "clause_id"),
}
EVENT_TYPES = tuple(TYPES)


def public_data(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` cut down to what ``event_type`` publishes, in JSON form (dates
    as ISO strings). A field the schema does not name never leaves."""
    schema, _ = TYPES[event_type]
    loaded = schema().load(data)
    dumped: dict[str, Any] = schema().dump(loaded)
    return dumped


def cloud_event(event_type: str, event_id: str, subject: str, time: str,
                data: dict[str, Any]) -> dict[str, Any]:
    """The structured-mode CloudEvent 1.0 the platform sends."""
    return {"specversion": SPEC_VERSION, "id": event_id, "source": SOURCE,
            "type": event_type, "subject": subject, "time": time,
            "datacontenttype": "application/json", "data": data}
