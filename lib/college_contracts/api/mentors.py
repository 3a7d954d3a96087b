"""Request and response schemas of the mentors service's API."""
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from college_platform.validation import PageQuerySchema, WholeNumber, sort_by

MENTOR_KINDS = ("industry", "teacher")


class NewMentorSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(MENTOR_KINDS))
    enterprise_id = fields.String(load_default=None)
    expertise = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                            load_default=list, validate=validate.Length(max=30))
    qualifications = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                                 load_default=list, validate=validate.Length(max=30))
    load_limit = WholeNumber(load_default=5, validate=validate.Range(min=1, max=50))

    @validates_schema
    def enterprise_matches_kind(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["kind"] == "industry" and not data.get("enterprise_id"):
            raise ValidationError("An industry mentor comes from a partner enterprise.",
                                  "enterprise_id")
        if data["kind"] == "teacher" and data.get("enterprise_id"):
            raise ValidationError("A college teacher has no enterprise.", "enterprise_id")


class MentorSchema(Schema):
    id = fields.String(attribute="_id")
    name = fields.String()
    kind = fields.String()
    enterprise_id = fields.String(allow_none=True)
    expertise = fields.List(fields.String())
    qualifications = fields.List(fields.String())
    load_limit = WholeNumber()
    created_at = fields.DateTime()


class MentorQuerySchema(PageQuerySchema):
    enterprise_id = fields.String(load_default=None)



class MentorViewSchema(MentorSchema):
    """A mentor with their current load and double-qualified status."""
    status = fields.String()
    active_load = WholeNumber()
    industry_qualifications = fields.List(fields.String())
    double_qualified = fields.Boolean(allow_none=True)
    double_qualified_reason = fields.String(allow_none=True)
    host_enterprise_ids = fields.List(fields.String())


class MentorFiltersSchema(MentorQuerySchema):
    """What a caller may ask of the mentors list."""
    kind = fields.String(load_default=None, validate=validate.OneOf(MENTOR_KINDS))
    sort = sort_by("created_at", "name", "kind")


class MentorListQuerySchema(MentorFiltersSchema):
    # set by the gateway: an enterprise sees its own mentors and the teachers it hosts
    visible_to_enterprise = fields.String(load_default=None)


class IndustryQualificationSchema(Schema):
    qualification = fields.String(required=True, validate=validate.Length(min=2, max=200))


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))


DIRECTIONS = ("inward", "outward")


class NewSecondmentSchema(Schema):
    mentor_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    direction = fields.String(required=True, validate=validate.OneOf(DIRECTIONS))
    enterprise_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    role = fields.String(load_default=None, validate=validate.Length(max=200))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    agreed_hours = fields.Float(required=True, validate=validate.Range(min=1, max=5000))

    @validates_schema
    def period_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["ends_on"] < data["starts_on"]:
            raise ValidationError("The secondment ends before it starts.", "ends_on")
        if (data["ends_on"] - data["starts_on"]).days > 3 * 366:
            raise ValidationError("A secondment lasts at most three years.", "ends_on")


class SecondmentSchema(Schema):
    id = fields.String(attribute="_id")
    mentor_id = fields.String()
    mentor_name = fields.String()
    direction = fields.String()
    enterprise_id = fields.String()
    role = fields.String(allow_none=True)
    starts_on = fields.String()
    ends_on = fields.String()
    agreed_hours = fields.Float()
    approved_hours = fields.Float()
    status = fields.String()
    cancel_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class SecondmentQuerySchema(PageQuerySchema):
    enterprise_id = fields.String(load_default=None)
    mentor_id = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(
        ("planned", "active", "completed", "cancelled")))


class NewTimesheetSchema(Schema):
    work_date = fields.Date(required=True)
    hours = fields.Float(required=True, validate=validate.Range(min=0.5, max=12))
    activity = fields.String(required=True, validate=validate.Length(min=2, max=500))


class TimesheetDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approved", "rejected")))
    reason = fields.String(load_default=None, validate=validate.Length(min=2, max=500))

    @validates_schema
    def rejection_has_reason(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["decision"] == "rejected" and not data.get("reason"):
            raise ValidationError("A rejection says why.", "reason")


class TimesheetSchema(Schema):
    id = fields.String(attribute="_id")
    secondment_id = fields.String()
    mentor_id = fields.String()
    enterprise_id = fields.String()
    direction = fields.String()
    work_date = fields.String()
    term = fields.String()
    hours = fields.Float()
    activity = fields.String()
    status = fields.String()
    reason = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    created_at = fields.DateTime()


class TimesheetQuerySchema(PageQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(
        ("submitted", "approved", "rejected")))


class AssignmentSchema(Schema):
    id = fields.String(attribute="_id")
    slot_id = fields.String()
    mentor_id = fields.String()
    mentor_name = fields.String()
    role = fields.String()
    student_id = fields.String(allow_none=True)
    project_id = fields.String(allow_none=True)
    team_id = fields.String(allow_none=True)
    enterprise_id = fields.String(allow_none=True)
    status = fields.String()
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class AssignmentQuerySchema(PageQuerySchema):
    mentor_id = fields.String(load_default=None)
    student_id = fields.String(load_default=None)
    team_id = fields.String(load_default=None)
    enterprise_id = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(
        ("active", "needs_reassignment", "released")))


class AssignMentorSchema(Schema):
    slot_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    mentor_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class SlotSchema(Schema):
    id = fields.String(attribute="_id")
    kind = fields.String()
    role = fields.String()
    student_id = fields.String(allow_none=True)
    student_name = fields.String(allow_none=True)
    project_id = fields.String(allow_none=True)
    team_id = fields.String(allow_none=True)
    enterprise_id = fields.String(allow_none=True)
    status = fields.String()
    mentor_id = fields.String(allow_none=True)
    assignment_id = fields.String(allow_none=True)
    created_at = fields.DateTime()


class VacancyQuerySchema(PageQuerySchema):
    kind = fields.String(load_default=None, validate=validate.OneOf(("apprentice", "team")))
    enterprise_id = fields.String(load_default=None)


class LedgerEntrySchema(Schema):
    enterprise_id = fields.String()
    term = fields.String()
    mentor_hours_given = fields.Float()
    teacher_placements_hosted = WholeNumber()
    teacher_hours_hosted = fields.Float()


class LedgerQuerySchema(PageQuerySchema):
    term = fields.String(load_default=None, validate=validate.Regexp(r"^\d{4}-(spring|autumn)$"))


class HistoryEntrySchema(Schema):
    double_qualified = fields.Boolean()
    reason = fields.String()
    trigger = fields.String()
    changed_at = fields.DateTime()


class DoubleQualifiedStatusSchema(Schema):
    """A teacher's double-qualified status, why, and its history (newest first, at
    most 50 changes)."""
    mentor_id = fields.String()
    name = fields.String()
    double_qualified = fields.Boolean()
    reason = fields.String(allow_none=True)
    practice_days = WholeNumber(metadata={"description": "days of completed outward "
                                                            "secondment in the last 5 years"})
    history = fields.List(fields.Nested(HistoryEntrySchema))


class ApprenticeMentorsSchema(Schema):
    """An apprentice's two mentors: each slot, or null before it exists."""
    student_id = fields.String()
    name = fields.String(allow_none=True)
    enrolled = fields.Boolean()
    enterprise_id = fields.String(allow_none=True)
    college_tutor = fields.Nested(SlotSchema, allow_none=True)
    enterprise_mentor = fields.Nested(SlotSchema, allow_none=True)


class SweepSchema(Schema):
    as_of = fields.Date(load_default=None)
