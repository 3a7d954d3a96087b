"""Events published by mentors. A college teacher is a mentor of kind
``teacher``; their ``mentor_id`` identifies them in every service (as a
certificate candidate, for example)."""
from marshmallow import fields

from college_contracts.base import Date, EventData, Id, Timestamp, one_of


class MentorRegistered(EventData):
    mentor_id = Id(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=one_of("industry", "teacher"))
    enterprise_id = Id(allow_none=True, load_default=None)


class MentorLeft(EventData):
    mentor_id = Id(required=True)
    kind = fields.String(required=True, validate=one_of("industry", "teacher"))
    enterprise_id = Id(allow_none=True, load_default=None)  # an industry mentor's enterprise
    reason = fields.String(required=True)


class SecondmentChanged(EventData):
    """Published as ``secondment_planned``, ``secondment_started``,
    ``secondment_completed`` and ``secondment_cancelled``."""
    secondment_id = Id(required=True)
    mentor_id = Id(required=True)
    direction = fields.String(required=True, validate=one_of("inward", "outward"))
    enterprise_id = Id(required=True)  # the partner enterprise on the other side
    starts_on = Date(required=True)
    ends_on = Date(required=True)
    approved_hours = fields.Float(load_default=0.0)


class TimesheetSubmitted(EventData):
    """A seconded mentor logged hours: the host is to approve or reject them
    (the enterprise for an outward secondment, the college for an inward one)."""
    timesheet_id = Id(required=True)
    secondment_id = Id(required=True)
    mentor_id = Id(required=True)
    enterprise_id = Id(required=True)
    direction = fields.String(required=True, validate=one_of("inward", "outward"))
    work_date = Date(required=True)
    hours = fields.Float(required=True)


class TimesheetDecided(EventData):
    """The host approved or rejected hours logged on a secondment."""
    timesheet_id = Id(required=True)
    secondment_id = Id(required=True)
    mentor_id = Id(required=True)
    enterprise_id = Id(required=True)
    direction = fields.String(required=True, validate=one_of("inward", "outward"))
    work_date = Date(required=True)
    hours = fields.Float(required=True)
    decision = fields.String(required=True, validate=one_of("approved", "rejected"))


class MentorAssignment(EventData):
    """Published as ``mentor_assigned``, ``mentor_released`` and
    ``assignment_needs_reassignment``."""
    assignment_id = Id(required=True)
    mentor_id = Id(required=True)
    role = fields.String(required=True, validate=one_of(
        "college_tutor", "enterprise_mentor", "team_mentor"))
    student_id = Id(allow_none=True, load_default=None)  # for an apprentice
    project_id = Id(allow_none=True, load_default=None)  # for a project team
    team_id = Id(allow_none=True, load_default=None)
    reason = fields.String(allow_none=True, load_default=None)


class DoubleQualifiedChanged(EventData):
    mentor_id = Id(required=True)
    double_qualified = fields.Boolean(required=True)
    reason = fields.String(required=True)
    changed_at = Timestamp(required=True)


EVENTS = {
    "mentor_registered": MentorRegistered,
    "mentor_left": MentorLeft,
    "secondment_planned": SecondmentChanged,
    "secondment_started": SecondmentChanged,
    "secondment_completed": SecondmentChanged,
    "secondment_cancelled": SecondmentChanged,
    "timesheet_submitted": TimesheetSubmitted,
    "timesheet_decided": TimesheetDecided,
    "mentor_assigned": MentorAssignment,
    "mentor_released": MentorAssignment,
    "assignment_needs_reassignment": MentorAssignment,
    "double_qualified_changed": DoubleQualifiedChanged,
}
