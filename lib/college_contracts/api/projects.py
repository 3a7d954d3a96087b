"""Request and response schemas of the projects service's API."""
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from college_contracts.api import decided_for_the_caller, needs_decided
from college_contracts.outbound import EVENT_TYPES as OUTBOUND_EVENT_TYPES
from college_contracts.projects import PROJECT_STATUSES as STATUSES
from college_contracts.projects import REVIEWER_KINDS
from college_platform.validation import JsonBoolean, PageQuerySchema, WholeNumber, sort_by

Id = fields.String
# what the document promises of a deliverable's URL: a part of what Url() takes, so a
# client (or a fuzzer) that follows the document is never refused
HTTP_URL = r"^https?://([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,6}(/[^\s]*)?$"
SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="Must be a lowercase hex SHA-256 digest.")


def _id(**kwargs: Any) -> fields.String:
    return Id(validate=validate.Length(min=1, max=64), **kwargs)


class StrictSchema(Schema):
    """Inputs refuse unknown fields, so a misspelt field is a 400, not ignored."""


class MilestoneInputSchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    due_date = fields.Date(required=True)
    weight = fields.Float(required=True, validate=validate.Range(min=0, max=100,
                                                                min_inclusive=False))
    description = fields.String(load_default=None, validate=validate.Length(max=2000))


class NewProjectSchema(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    enterprise_id = decided_for_the_caller(
        validate=validate.Length(min=1, max=64),
        description="The enterprise posting the project: an enterprise user's own, which it "
                    "may leave out; the college's coordinators name it.")
    brief = fields.String(required=True, validate=validate.Length(min=10, max=20000))
    required_competencies = fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        load_default=list, validate=validate.Length(max=50))
    course_code = fields.String(load_default=None, validate=validate.Length(max=40))
    credit_weight = fields.Float(load_default=0.0, validate=validate.Range(min=0, max=30))
    team_size = WholeNumber(required=True, validate=validate.Range(min=1, max=30))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    ip_terms = fields.String(load_default=None, validate=validate.Length(max=5000))
    confidential = JsonBoolean(load_default=False)
    milestones = fields.List(fields.Nested(MilestoneInputSchema), load_default=list,
                             validate=validate.Length(max=20))

    enterprise_given = needs_decided("enterprise_id")

    @validates_schema
    def dates_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["end_date"] < data["start_date"]:
            raise ValidationError("The project must end on or after its start date.", "end_date")


class MilestonesSchema(StrictSchema):
    milestones = fields.List(fields.Nested(MilestoneInputSchema), required=True,
                             validate=validate.Length(min=1, max=20))


class MilestoneSchema(Schema):
    id = fields.String()
    title = fields.String()
    due_date = fields.String()
    weight = fields.Float()
    description = fields.String(allow_none=True)


class StatusChangeSchema(Schema):
    status = fields.String()
    at = fields.DateTime()
    by = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class RemovalSchema(Schema):
    student_id = fields.String()
    reason = fields.String()
    at = fields.DateTime()


class ProjectSchema(Schema):
    id = fields.String(attribute="_id")
    title = fields.String()
    enterprise_id = fields.String()
    brief = fields.String()
    required_competencies = fields.List(fields.String())
    course_code = fields.String(allow_none=True)
    credit_weight = fields.Float()
    team_size = WholeNumber()
    start_date = fields.String()
    end_date = fields.String()
    ip_terms = fields.String(allow_none=True)
    confidential = fields.Boolean()
    milestones = fields.List(fields.Nested(MilestoneSchema))
    status = fields.String()
    status_history = fields.List(fields.Nested(StatusChangeSchema))
    delivered_on = fields.String(allow_none=True)
    on_time = fields.Boolean(allow_none=True)
    created_at = fields.DateTime()


class ProjectQuerySchema(PageQuerySchema):
    enterprise_id = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    q = fields.String(load_default=None, validate=validate.Length(min=1, max=100),
                      metadata={"description": "any part of the title, case aside"})
    sort = sort_by("created_at", "title", "status", "start_date", "end_date")

class TransitionSchema(StrictSchema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason = fields.String(load_default=None, validate=validate.Length(max=2000))
    # the day the work was handed in, for ``delivered``; today when absent
    delivered_on = fields.Date(load_default=None)


class NewTeamSchema(StrictSchema):
    student_ids = fields.List(_id(), required=True, validate=validate.Length(min=1, max=30),
                              metadata={"uniqueItems": True})
    tutor_id = _id(required=True)
    mentor_id = _id(required=True)
    name = fields.String(load_default=None, validate=validate.Length(max=100))

    @validates_schema
    def distinct_students(self, data: dict[str, Any], **kwargs: Any) -> None:
        if len(set(data["student_ids"])) != len(data["student_ids"]):
            raise ValidationError("A student is listed twice.", "student_ids")


class TeamSchema(Schema):
    id = fields.String(attribute="_id")
    project_id = fields.String()
    enterprise_id = fields.String()
    name = fields.String(allow_none=True)
    student_ids = fields.List(fields.String())
    removed = fields.List(fields.Nested(RemovalSchema))
    tutor_id = fields.String()
    mentor_id = fields.String()
    team_mentor_id = fields.String(allow_none=True)  # as assigned by mentors
    created_at = fields.DateTime()


class TeamQuerySchema(PageQuerySchema):
    project_id = fields.String(load_default=None)
    student_id = fields.String(load_default=None)
    enterprise_id = fields.String(load_default=None)


class NewDeliverableSchema(StrictSchema):
    milestone_id = _id(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    url = fields.Url(required=True, schemes={"http", "https"}, metadata={
        "format": "uri", "pattern": HTTP_URL})
    content_hash = fields.String(required=True, validate=SHA256)
    metadata = fields.Dict(keys=fields.String(validate=validate.Length(max=50)),
                           values=fields.String(validate=validate.Length(max=500)),
                           load_default=dict, validate=validate.Length(max=20))


class DeliverableSchema(Schema):
    id = fields.String(attribute="_id")
    project_id = fields.String()
    team_id = fields.String()
    milestone_id = fields.String()
    version = WholeNumber()
    title = fields.String()
    url = fields.String()
    content_hash = fields.String()
    metadata = fields.Dict()
    submitted_by = fields.String()
    submitted_on = fields.String()
    late = fields.Boolean()
    created_at = fields.DateTime()
    reviews = fields.List(fields.Dict())


class DeliverableQuerySchema(PageQuerySchema):
    milestone_id = fields.String(load_default=None)


class RubricItemSchema(StrictSchema):
    criterion = fields.String(required=True, validate=validate.Length(min=1, max=100))
    score = fields.Float(required=True, validate=validate.Range(min=0, max=100))
    weight = fields.Float(load_default=1.0, validate=validate.Range(min=0, max=100,
                                                                   min_inclusive=False))


class NewReviewSchema(StrictSchema):
    reviewer_kind = decided_for_the_caller(
        validate=validate.OneOf(REVIEWER_KINDS),
        description="Decided by the caller's role: an enterprise user reviews as the "
                    "enterprise, a teacher as the tutor (another value is refused); the "
                    "coordinators name it.")
    rubric = fields.List(fields.Nested(RubricItemSchema), required=True,
                         validate=validate.Length(min=1, max=20))
    comment = fields.String(load_default=None, validate=validate.Length(max=5000))

    reviewer_kind_given = needs_decided("reviewer_kind")


class ReviewSchema(Schema):
    id = fields.String(attribute="_id")
    deliverable_id = fields.String()
    version = WholeNumber()
    reviewer_kind = fields.String()
    reviewer = fields.String()
    rubric = fields.List(fields.Dict())
    score = fields.Float()
    comment = fields.String(allow_none=True)
    created_at = fields.DateTime()


class GradeSchema(Schema):
    id = fields.String(attribute="_id")
    project_id = fields.String()
    enterprise_id = fields.String()
    team_id = fields.String()
    student_id = fields.String()
    grade = fields.Float()
    rule = fields.String()
    milestones = fields.List(fields.Dict())
    created_at = fields.DateTime()


class GradeQuerySchema(PageQuerySchema):
    project_id = fields.String(load_default=None)
    enterprise_id = fields.String(load_default=None)
    student_id = fields.String(load_default=None)


class ProjectGradeQuerySchema(PageQuerySchema):
    """One project's grades: the project is the path's."""
    student_id = fields.String(load_default=None)


class NewPlacementSchema(StrictSchema):
    student_id = _id(required=True)
    enterprise_id = decided_for_the_caller(
        validate=validate.Length(min=1, max=64),
        description="The host enterprise: an enterprise user's own (set by the gateway); the "
                    "college's coordinators name it.")
    site = fields.String(required=True, validate=validate.Length(min=1, max=300))
    supervisor_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    supervisor_mentor_id = _id(load_default=None)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    kind = fields.String(load_default="internship",
                         validate=validate.OneOf(("internship", "apprenticeship")))

    enterprise_given = needs_decided("enterprise_id")

    @validates_schema
    def dates_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["ends_on"] < data["starts_on"]:
            raise ValidationError("The placement must end on or after its start.", "ends_on")


class PlacementSchema(Schema):
    id = fields.String(attribute="_id")
    student_id = fields.String()
    enterprise_id = fields.String()
    site = fields.String()
    supervisor_name = fields.String()
    supervisor_mentor_id = fields.String(allow_none=True)
    kind = fields.String()
    starts_on = fields.String()
    ends_on = fields.String()
    ended_on = fields.String(allow_none=True)
    end_reason = fields.String(allow_none=True)
    status = fields.String()
    hours = fields.Float()
    created_at = fields.DateTime()


class PlacementQuerySchema(PageQuerySchema):
    student_id = fields.String(load_default=None)
    enterprise_id = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(("active", "ended")))
    sort = sort_by("created_at", "starts_on", "ends_on", "status")

class CheckinSchema(StrictSchema):
    week_starting = fields.Date(required=True)
    hours = fields.Float(required=True, validate=validate.Range(min=0, max=84))
    summary = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class CheckinViewSchema(Schema):
    id = fields.String(attribute="_id")
    placement_id = fields.String()
    week_starting = fields.String()
    hours = fields.Float()
    summary = fields.String()
    status = fields.String()
    confirmed_by = fields.String(allow_none=True)
    confirmed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class ConfirmationSchema(StrictSchema):
    comment = fields.String(load_default=None, validate=validate.Length(max=2000))


class EndPlacementSchema(StrictSchema):
    ended_on = fields.Date(required=True)
    reason = fields.String(load_default=None, validate=validate.Length(min=1, max=2000))


class AlertSchema(Schema):
    id = fields.String(attribute="_id")
    placement_id = fields.String()
    student_id = fields.String()
    enterprise_id = fields.String()
    week_starting = fields.String()
    kind = fields.String()
    created_at = fields.DateTime()


class AlertQuerySchema(PageQuerySchema):
    placement_id = fields.String(load_default=None)
    student_id = fields.String(load_default=None)
    enterprise_id = fields.String(load_default=None)


class SweepSchema(StrictSchema):
    as_of = fields.AwareDateTime(load_default=None)


class NewFeedbackSchema(StrictSchema):
    subject_kind = fields.String(required=True, validate=validate.OneOf(("placement", "project")))
    subject_id = _id(required=True)
    # the student rated (enterprise to student on a project); a student rating
    # an enterprise is the student themself
    student_id = _id(load_default=None)
    direction = decided_for_the_caller(
        validate=validate.OneOf(("enterprise_to_student", "student_to_enterprise")),
        description="Decided by the caller's role: a student rates the enterprise, an "
                    "enterprise user the student.")
    ratings = fields.Dict(keys=fields.String(validate=validate.Length(max=40)),
                          values=WholeNumber(validate=validate.Range(min=1, max=5)),
                          required=True, validate=validate.Length(min=1, max=10))
    comment = fields.String(load_default=None, validate=validate.Length(max=5000))

    direction_given = needs_decided("direction")


class FeedbackSchema(Schema):
    id = fields.String(attribute="_id")
    direction = fields.String()
    subject_kind = fields.String()
    subject_id = fields.String()
    enterprise_id = fields.String()
    student_id = fields.String()
    ratings = fields.Dict()
    average = fields.Float()
    comment = fields.String(allow_none=True)
    submitted_by = fields.String()
    created_at = fields.DateTime()


class FeedbackQuerySchema(PageQuerySchema):
    enterprise_id = fields.String(load_default=None)
    student_id = fields.String(load_default=None)
    direction = fields.String(load_default=None, validate=validate.OneOf(
        ("enterprise_to_student", "student_to_enterprise")))


class FeedbackSummaryQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    enterprise_id = fields.String(load_default=None)
    student_id = fields.String(load_default=None)

    @validates_schema
    def exactly_one(self, data: dict[str, Any], **kwargs: Any) -> None:
        if bool(data["enterprise_id"]) == bool(data["student_id"]):
            raise ValidationError("Give exactly one of enterprise_id and student_id.",
                                  "enterprise_id")


class DeadLetterQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    limit = WholeNumber(load_default=50, validate=validate.Range(min=1, max=200))


class ReplaySchema(StrictSchema):
    message_ids = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                              load_default=list, validate=validate.Length(max=200))
    # replaying all goes a page at a time: the previous answer's cursor goes on
    cursor = fields.String(load_default=None, validate=validate.Length(min=1, max=500))


class FeedbackSummarySchema(Schema):
    """Mean ratings received by an enterprise (from students) or by a student
    (from enterprises); the means are null while there is no feedback."""
    enterprise_id = fields.String()
    student_id = fields.String()
    direction = fields.String(validate=validate.OneOf(("student_to_enterprise",
                                                       "enterprise_to_student")))
    count = WholeNumber()
    average = fields.Float(allow_none=True)
    ratings = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True),
                          metadata={"description": "rating -> its mean: learning_value, "
                                                   "safety, mentoring (of an enterprise); "
                                                   "competencies, conduct (of a student)"})


class DeadLetterSchema(Schema):
    """A refused enterprise-system event, left in the dead-letter queue."""
    message_id = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    attempts = WholeNumber(allow_none=True)
    dead_lettered_at = fields.String(allow_none=True)
    original_queue = fields.String(allow_none=True)
    publisher = fields.String(allow_none=True, metadata={
        "description": "the enterprise system's broker user, as the broker verified it"})
    content_type = fields.String(allow_none=True)
    size = WholeNumber(metadata={"description": "the body's size in bytes"})
    body = fields.String(metadata={"description": "the body's start (a list) or the body "
                                                  "up to its limit (one letter)"})
    body_truncated = fields.Boolean()


class DeadLetterListSchema(Schema):
    items = fields.List(fields.Nested(DeadLetterSchema), required=True)
    total = WholeNumber(required=True, metadata={"description": "the letters waiting"})


class ReplayReportSchema(Schema):
    replayed = fields.List(fields.String(), required=True)
    remaining = WholeNumber(required=True)
    cursor = fields.String(required=True, allow_none=True, metadata={
        "description": "send it back, with the same body, while remaining is above 0"})


# the outbound contract: enterprise subscriptions and their deliveries -------------

SUBSCRIPTION_DELIVERIES = ("queue", "webhook")
DELIVERY_STATUSES = ("pending", "delivered", "dead", "cancelled")


class NewSubscriptionSchema(StrictSchema):
    enterprise_id = decided_for_the_caller(
        validate=validate.Length(min=1, max=64),
        description="The enterprise whose events are sent: an enterprise user's own, which it "
                    "may leave out; an administrator names it.")
    event_types = fields.List(
        fields.String(validate=validate.OneOf(OUTBOUND_EVENT_TYPES)), required=True,
        validate=validate.Length(min=1, max=len(OUTBOUND_EVENT_TYPES)),
        metadata={"description": "The public CloudEvent types to send (docs/outbound.md)."})
    delivery = fields.String(required=True, validate=validate.OneOf(SUBSCRIPTION_DELIVERIES),
                             metadata={"description": "queue: a broker queue of the "
                                       "subscription's own, named in the answer's queue; "
                                       "webhook: POSTs to url"})
    url = fields.String(load_default=None, validate=[
        validate.Length(min=9, max=2000),
        validate.Regexp(r"^https?://[^\s/?#]+(/[^\s]*)?$", error="Must be an https URL.")],
        metadata={"description": "The webhook's https URL (webhook only); plain http is "
                                 "refused unless to this machine with OUTBOUND_ALLOW_LOCAL_HTTP."})

    _decided = needs_decided("enterprise_id")

    @validates_schema
    def url_with_webhook(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("delivery") == "webhook" and not data.get("url"):
            raise ValidationError({"url": ["Missing data for required field."]})
        if data.get("delivery") == "queue" and data.get("url"):
            raise ValidationError({"url": ["A queue subscription takes no url."]})


class SubscriptionSchema(Schema):
    id = fields.String(attribute="_id")
    enterprise_id = fields.String()
    event_types = fields.List(fields.String())
    delivery = fields.String()
    url = fields.String(allow_none=True)
    queue = fields.String(allow_none=True, metadata={
        "description": "A queue subscription's own queue, college.outbound.<enterprise id>."
                       "<token>: read it with the enterprise's broker user. The token (random, "
                       "192 bits) keeps other enterprises from guessing the name."})
    paused = fields.Boolean()
    created_at = fields.DateTime()
    created_by = fields.String(allow_none=True)
    secret_rotated_at = fields.DateTime(allow_none=True)


class SubscriptionWithSecretSchema(SubscriptionSchema):
    """A webhook subscription as created or after its secret is rotated: the
    only answers that show the secret."""
    secret = fields.String(allow_none=True, metadata={
        "description": "The webhook's signing secret (X-College-Signature), shown this once."})


class SubscriptionQuerySchema(PageQuerySchema):
    enterprise_id = fields.String(load_default=None)


class SubscriptionChangeSchema(StrictSchema):
    paused = JsonBoolean(required=True)


class DeliverySchema(Schema):
    id = fields.String(attribute="_id")
    subscription_id = fields.String()
    event_id = fields.String(metadata={"description": "the CloudEvent's id"})
    type = fields.String()
    subject = fields.String()
    status = fields.String()
    attempts = WholeNumber()
    created_at = fields.DateTime()
    next_attempt_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"description": "why it is dead"})
    event = fields.Dict(metadata={"description": "the CloudEvent sent"})


class DeliveryQuerySchema(PageQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(DELIVERY_STATUSES))


class DeliveryReplaySchema(StrictSchema):
    delivery_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                               load_default=list, validate=validate.Length(max=200),
                               metadata={"description": "the dead deliveries; [] for all"})


class DeliveryReplayReportSchema(Schema):
    replayed = fields.List(fields.String(), required=True)
