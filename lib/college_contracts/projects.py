"""Events published by projects."""
from marshmallow import fields, validate

from college_contracts.base import Date, EventData, Id, Timestamp, one_of

PROJECT_STATUSES = ("draft", "published", "in_progress", "delivered", "evaluated", "closed",
                    "cancelled")
REVIEWER_KINDS = ("enterprise", "tutor")


class ProjectDrafted(EventData):
    project_id = Id(required=True)
    enterprise_id = Id(required=True)
    title = fields.String(required=True)
    team_size = fields.Integer(required=True)


class ProjectPublished(EventData):
    project_id = Id(required=True)
    enterprise_id = Id(required=True)
    title = fields.String(required=True)
    course_code = fields.String(allow_none=True, load_default=None)
    credit_weight = fields.Float(load_default=0.0)


class ProjectUpdated(EventData):
    """An enterprise system changed a project's terms (its title, dates,
    milestones...): ``changed`` names them; ``student_ids`` are its team members."""
    project_id = Id(required=True)
    enterprise_id = Id(required=True)
    revision = fields.Integer(allow_none=True, load_default=None)
    changed = fields.List(fields.String(), load_default=list)
    student_ids = fields.List(Id(), load_default=list)


class ProjectStatusChanged(EventData):
    """Every move along a project's lifecycle, with the students it concerns."""
    project_id = Id(required=True)
    enterprise_id = Id(required=True)
    previous_status = fields.String(required=True)
    status = fields.String(required=True)
    student_ids = fields.List(Id(), load_default=list)


class TeamFormed(EventData):
    project_id = Id(required=True)
    team_id = Id(required=True)
    enterprise_id = Id(required=True)
    student_ids = fields.List(Id(), required=True)
    tutor_id = Id(allow_none=True, load_default=None)   # a mentors-service teacher
    mentor_id = Id(allow_none=True, load_default=None)  # a mentors-service industry mentor


class TeamMemberRemoved(EventData):
    project_id = Id(required=True)
    team_id = Id(required=True)
    student_id = Id(required=True)
    reason = fields.String(required=True)


class DeliverableReviewed(EventData):
    project_id = Id(required=True)
    team_id = Id(required=True)
    milestone_id = Id(required=True)
    deliverable_id = Id(required=True)
    version = fields.Integer(required=True)
    reviewer_kind = fields.String(required=True, validate=one_of("enterprise", "tutor"))
    score = fields.Float(required=True, validate=validate.Range(min=0, max=100))
    late = fields.Boolean(load_default=False)


class StudentGrade(EventData):
    student_id = Id(required=True)
    grade = fields.Float(required=True, validate=validate.Range(min=0, max=100))


class ProjectCompleted(EventData):
    project_id = Id(required=True)
    enterprise_id = Id(required=True)
    course_code = fields.String(allow_none=True, load_default=None)
    credit_weight = fields.Float(load_default=0.0)
    on_time = fields.Boolean(required=True)
    grades = fields.List(fields.Nested(StudentGrade), required=True)
    # deliverables a credential may cite as evidence: [{student_id, deliverable_id, url}]
    evidence = fields.List(fields.Dict(), load_default=list)


class PlacementStarted(EventData):
    placement_id = Id(required=True)
    student_id = Id(required=True)
    enterprise_id = Id(required=True)
    starts_on = Date(required=True)
    ends_on = Date(required=True)


class PlacementEnded(EventData):
    placement_id = Id(required=True)
    student_id = Id(required=True)
    enterprise_id = Id(required=True)
    ended_on = Date(required=True)
    early = fields.Boolean(required=True)
    reason = fields.String(allow_none=True, load_default=None)
    hours = fields.Float(required=True)


class CheckinRecorded(EventData):
    """Published as ``checkin_logged`` and ``checkin_confirmed``."""
    placement_id = Id(required=True)
    student_id = Id(required=True)
    enterprise_id = Id(required=True)
    week_starting = Date(required=True)
    hours = fields.Float(required=True)


class CheckinMissed(EventData):
    placement_id = Id(required=True)
    student_id = Id(required=True)
    enterprise_id = Id(required=True)
    week_starting = Date(required=True)
    kind = fields.String(required=True, validate=one_of("not_logged", "not_confirmed"))


class FeedbackSubmitted(EventData):
    feedback_id = Id(required=True)
    direction = fields.String(required=True, validate=one_of(
        "enterprise_to_student", "student_to_enterprise"))
    enterprise_id = Id(required=True)
    student_id = Id(required=True)
    subject_kind = fields.String(required=True, validate=one_of("placement", "project"))
    subject_id = Id(required=True)
    ratings = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    average = fields.Float(required=True)
    submitted_at = Timestamp(required=True)


class GraduateHireReported(EventData):
    """An enterprise system reported hiring a graduate it is related to."""
    student_id = Id(required=True)
    enterprise_id = Id(required=True)
    started_on = Date(required=True)
    position = fields.String(allow_none=True, load_default=None)


class GraduateDepartureReported(EventData):
    """An enterprise system reported that a graduate it employs left."""
    student_id = Id(required=True)
    enterprise_id = Id(required=True)
    left_on = Date(required=True)
    reason = fields.String(allow_none=True, load_default=None)


EVENTS = {
    "project_drafted": ProjectDrafted,
    "project_published": ProjectPublished,
    "project_updated": ProjectUpdated,
    "project_status_changed": ProjectStatusChanged,
    "team_formed": TeamFormed,
    "team_member_removed": TeamMemberRemoved,
    "deliverable_reviewed": DeliverableReviewed,
    "project_completed": ProjectCompleted,
    "placement_started": PlacementStarted,
    "placement_ended": PlacementEnded,
    "checkin_logged": CheckinRecorded,
    "checkin_confirmed": CheckinRecorded,
    "checkin_missed": CheckinMissed,
    "feedback_submitted": FeedbackSubmitted,
    "graduate_hire_reported": GraduateHireReported,
    "graduate_departure_reported": GraduateDepartureReported,
}
