from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from college_contracts.api import certificates as certificates_api
from college_contracts.api import enrollment as enrollment_api
from college_contracts.api import mentors as mentors_api
from college_contracts.api import projects as projects_api
from college_platform.validation import JsonBoolean, PageQuerySchema, WholeNumber
from gateway.auth import ENTERPRISE_USER, ROLES, STUDENT, TEACHER


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=100))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class NewUserSchema(Schema):
    username = fields.String(required=True, validate=validate.Regexp(
        r"^[a-zA-Z0-9_.@-]{3,64}$", error="Use 3 to 64 letters, digits or _ . @ -."))
    password = fields.String(required=True, validate=validate.Length(min=12, max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    name = fields.String(load_default=None, validate=validate.Length(max=100))
    enterprise_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    student_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    mentor_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    # notifications are e-mailed to the address (docs/notifications.md)
    email_notifications = JsonBoolean(load_default=False)

    @validates_schema
    def enterprise_scope(self, data, **kwargs):
        check_scope(data)
        check_mail(data)


def check_mail(data):
    if data.get("email_notifications") and not data.get("email"):
        raise ValidationError("Give an address to have notifications e-mailed.", "email")


def check_scope(data):
    """What a role admits of an enterprise and linked records; raises
    ValidationError naming the field. For new accounts and scope changes alike."""
    if data["role"] == ENTERPRISE_USER and not data.get("enterprise_id"):
        raise ValidationError("An enterprise user belongs to one enterprise.", "enterprise_id")
    if data["role"] != ENTERPRISE_USER and data.get("enterprise_id"):
        raise ValidationError("Only enterprise users belong to an enterprise.",
                              "enterprise_id")
    if data["role"] == STUDENT and not data.get("student_id"):
        raise ValidationError("A student account is linked to its student.", "student_id")
    if data["role"] != STUDENT and data.get("student_id"):
        raise ValidationError("Only student accounts are linked to a student.",
                              "student_id")
    if data.get("mentor_id") and data["role"] not in (TEACHER, ENTERPRISE_USER):
        raise ValidationError("Only teachers and enterprise mentors link to a mentor.",
                              "mentor_id")


class UserSchema(Schema):
    username = fields.String(attribute="_id")
    role = fields.String()
    name = fields.String(allow_none=True)
    enterprise_id = fields.String(allow_none=True)
    student_id = fields.String(allow_none=True)
    mentor_id = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    email_notifications = fields.Boolean(dump_default=False)
    disabled = fields.Boolean(dump_default=False)
    created_at = fields.DateTime()
    updated_at = fields.DateTime(allow_none=True)
    password_changed_at = fields.DateTime(allow_none=True)


class UserQuerySchema(PageQuerySchema):
    role = fields.String(validate=validate.OneOf(ROLES))
    enterprise_id = fields.String(validate=validate.Length(min=1, max=64))
    disabled = fields.Boolean()


class UserScopeSchema(Schema):
    """A change of what an account may do: any of its role, enterprise and
    linked records, checked with the others as they will stand."""
    role = fields.String(validate=validate.OneOf(ROLES))
    name = fields.String(allow_none=True, validate=validate.Length(max=100))
    enterprise_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))
    student_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))
    mentor_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))

    @validates_schema
    def something_changes(self, data, **kwargs):
        if not data:
            raise ValidationError("Name at least one of role, name, enterprise_id, "
                                  "student_id and mentor_id.", "_schema")


class PasswordResetSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(min=12, max=200))


class OwnPasswordSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, validate=validate.Length(min=12, max=200))


class TokenSchema(Schema):
    access_token = fields.String(required=True, metadata={"description": "A JWT for the "
                                                          "Authorization: Bearer header."})
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = WholeNumber(required=True, metadata={"description": "seconds"})


class PrincipalSchema(Schema):
    username = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    enterprise_id = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    student_id = fields.String(allow_none=True)
    mentor_id = fields.String(allow_none=True)


# the aggregated views (docs/views.md): the gateway's own responses ------------------

class ViewStatus(Schema):
    partial = fields.Boolean(required=True, metadata={
        "description": "true when a service did not answer; its sections are empty"})
    missing = fields.List(fields.String(), required=True, metadata={
        "description": "the services whose parts are missing"})
    as_of = fields.Dict(keys=fields.String(), values=fields.String(), required=True, metadata={
        "description": "when each service's part was read"})


class RiskReason(Schema):
    code = fields.String(required=True)
    count = WholeNumber(required=True)
    message = fields.String(required=True)


class Risk(Schema):
    level = fields.String(required=True, validate=validate.OneOf(
        ("none", "low", "medium", "high")))
    reasons = fields.List(fields.Nested(RiskReason), required=True)


class StudentViewSchema(ViewStatus):
    """The student 360."""
    student_id = fields.String(required=True)
    student = fields.Dict(allow_none=True)
    apprenticeship = fields.Dict()
    personal = fields.Dict(allow_none=True)
    graduation = fields.Dict(allow_none=True, metadata={
        "description": "graduated_on, eligible, requirements_version, requirements (each "
                       "met or not), missing, destination, retention and the employers' "
                       "surveys (due date, status, ratings and their mean); null for an "
                       "enterprise's user"})
    projects = fields.List(fields.Dict())
    placements = fields.List(fields.Dict())
    feedback = fields.Dict()
    mentors = fields.Dict()
    registrations = fields.List(fields.Dict())
    results = fields.List(fields.Dict())
    certificates = fields.List(fields.Dict())
    credits = fields.Dict()
    awards = fields.List(fields.Dict(), metadata={
        "description": "skills-competition awards (award_id, competition_id, "
                       "competition_name, level, award, held_on, status, "
                       "certificate_number), newest first; empty for an enterprise's user"})
    risk = fields.Nested(Risk, required=True)


class ContributionSchema(Schema):
    enterprise_id = fields.String(required=True)
    name = fields.String(allow_none=True)
    projects_posted = fields.Float()
    mentor_hours = fields.Float()
    seats_offered = fields.Float()
    seats_filled = fields.Float()
    seats_honoured = fields.Float(allow_none=True)
    graduates = fields.Float(metadata={"description": "the graduates it sponsored"})
    hires_kept = fields.Float(metadata={
        "description": "of them, still with it 12 months after it hired them"})
    hires_kept_ratio = fields.Float(allow_none=True, metadata={
        "description": "hires kept / graduates; the index counts it once there are graduates, "
                       "seats honoured until then"})
    feedback_turnaround_days = fields.Float(allow_none=True)
    index = fields.Float(allow_none=True, metadata={"description": "0 to 100"})


class EnterpriseViewSchema(ViewStatus):
    """The enterprise partner view."""
    enterprise_id = fields.String(required=True)
    partner = fields.Dict(allow_none=True)
    agreements = fields.List(fields.Dict())
    seats = fields.List(fields.Dict())
    students = fields.List(fields.Dict(), metadata={
        "description": "the newest 20 it sponsors; all of them: GET /v1/students?partner_id="})
    student_counts = fields.Dict(metadata={
        "description": "total, by_status and by_programme (programme id) of all it sponsors"})
    apprentices = fields.List(fields.Dict(), metadata={"description": "the newest 20"})
    apprentice_count = WholeNumber()
    satisfaction = fields.Dict(metadata={
        "description": "its answered employer surveys: answered, competencies (mean per "
                       "competency), lowest"})
    hires = fields.Dict(metadata={
        "description": "of the graduates it sponsored: graduates, hired (by it), "
                       "kept_12_months, hires_kept_ratio (kept over graduates)"})
    commitments = fields.Dict(metadata={
        "description": "its agreements in force: agreements (agreement_id, fulfilment per "
                       "party, clauses_by_status) and clauses_behind (at risk or missed, "
                       "missed first, at most 20)"})
    costs_and_returns = fields.Dict(allow_none=True, metadata={
        "description": "this calendar year's inputs and returns, as GET "
                       "/v1/partners/{id}/costs-and-returns answers them without the rules"})
    projects = fields.List(fields.Dict())
    projects_by_status = fields.Dict()
    feedback_given = fields.Dict(allow_none=True)
    feedback_received = fields.Dict(allow_none=True)
    mentors = fields.List(fields.Dict())
    hosted_teachers = fields.List(fields.Dict())
    students_certified = WholeNumber()
    certificates_issued = WholeNumber()
    contribution = fields.Nested(ContributionSchema, required=True)


class DashboardQuerySchema(Schema):
    term = fields.String(metadata={"description": "an academic term, e.g. 2026-autumn"})
    programme_id = fields.String()
    enterprise_id = fields.String()


class DashboardSchema(ViewStatus):
    """The college dashboard of integration indicators."""
    filters = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    terms = fields.List(fields.String(), required=True)
    indicators = fields.Dict(required=True)
    contribution = fields.List(fields.Nested(ContributionSchema), required=True)


# probes, the reference and a student's export: the gateway's own answers ------------

class PartHealthSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("up", "down", "starting")))
    error = fields.String()


class ComponentHealthSchema(Schema):
    """The gateway's or a service's health: its broker, database and consumers;
    a service that did not answer is only "down" with the error."""
    service = fields.String()
    status = fields.String(required=True, validate=validate.OneOf(("up", "down")))
    error = fields.String()
    broker = fields.Nested(PartHealthSchema)
    database = fields.Nested(PartHealthSchema)
    consumers = fields.Nested(PartHealthSchema)


class HealthSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("up", "degraded")))
    gateway = fields.Nested(ComponentHealthSchema, required=True)
    services = fields.Dict(keys=fields.String(), values=fields.Nested(ComponentHealthSchema),
                           required=True)


class LivenessSchema(Schema):
    service = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(("alive",)))


class OpenApiDocumentSchema(Schema):
    """An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0)."""
    class Meta:
        unknown = INCLUDE

    openapi = fields.String(required=True)
    info = fields.Dict(required=True)
    paths = fields.Dict(required=True)
    components = fields.Dict()
    tags = fields.List(fields.Dict())


class EnrollmentExportSchema(Schema):
    student = fields.Nested(enrollment_api.StudentSchema, allow_none=True)
    applicant = fields.Nested(enrollment_api.ApplicantRecordSchema, allow_none=True)
    application = fields.Nested(enrollment_api.ApplicationRecordSchema, allow_none=True)


class ProjectsExportSchema(Schema):
    teams = fields.List(fields.Nested(projects_api.TeamSchema))
    grades = fields.List(fields.Nested(projects_api.GradeSchema))
    placements = fields.List(fields.Nested(projects_api.PlacementSchema))
    checkin_alerts = fields.List(fields.Nested(projects_api.AlertSchema))
    feedback = fields.List(fields.Nested(projects_api.FeedbackSchema))


class MentorsExportSchema(Schema):
    assignments = fields.List(fields.Nested(mentors_api.AssignmentSchema))


class CertificatesExportSchema(Schema):
    registrations = fields.List(fields.Nested(certificates_api.RegistrationSchema))
    certificates = fields.List(fields.Nested(certificates_api.IssuedSchema))
    credits = fields.Nested(certificates_api.CreditAccountSchema, allow_none=True)


class PersonalDataExportSchema(Schema):
    """Everything the services hold about a student, each part as its own
    route answers it; a part whose service did not answer is named in
    ``missing`` (and left out), and the export is then ``partial``."""
    student_id = fields.String(required=True)
    exported_at = fields.DateTime(required=True)
    partial = fields.Boolean(required=True)
    missing = fields.List(fields.String(), required=True,
                          metadata={"description": "service.part, e.g. projects.grades"})
    enrollment = fields.Nested(EnrollmentExportSchema, required=True)
    projects = fields.Nested(ProjectsExportSchema)
    mentors = fields.Nested(MentorsExportSchema)
    certificates = fields.Nested(CertificatesExportSchema)


# the inbox (gateway.inbox, docs/notifications.md) ------------------------------------

class InboxQuerySchema(PageQuerySchema):
    unread = fields.Boolean()  # true: only those the caller has not read; false: only read
    open = fields.Boolean()  # true: only those still waiting on someone; false: only done


class NotificationSubjectSchema(Schema):
    type = fields.String()
    id = fields.String()
    link = fields.String()  # the console's page of the object


class NotificationSchema(Schema):
    """One notification as its reader sees it: ``kind`` and ``params`` are
    worded by the client in the reader's language."""
    id = fields.String(attribute="_id")
    kind = fields.String()
    subject = fields.Nested(NotificationSubjectSchema)
    params = fields.Dict(keys=fields.String())
    created_at = fields.DateTime()
    raised_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)
    done = fields.Boolean()
    read = fields.Boolean()
    reminder = fields.Boolean()


class UnreadCountSchema(Schema):
    unread = fields.Integer()


class MarkedCountSchema(Schema):
    marked = fields.Integer()


class MailPreferencesSchema(Schema):
    """Your own e-mail address and whether your notifications are e-mailed to it."""
    email = fields.Email(required=True, allow_none=True, validate=validate.Length(max=254))
    email_notifications = JsonBoolean(required=True)

    @validates_schema
    def address_for_mail(self, data, **kwargs):
        check_mail(data)


class OutgoingMailQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(("queued", "sending", "sent", "failed")))


class OutgoingMailSchema(Schema):
    id = fields.String(attribute="_id")
    notification_id = fields.String()
    username = fields.String()
    to = fields.String()
    reminder = fields.Boolean()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    next_attempt_at = fields.DateTime(allow_none=True)
    sent_at = fields.DateTime(allow_none=True)
    failed_at = fields.DateTime(allow_none=True)
