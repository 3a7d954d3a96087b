"""Request and response schemas of the enrollment service's API."""
from datetime import date
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
    validates_schema,
)

from college_contracts.api import SET_BY_THE_GATEWAY, decided_for_the_caller, needs_decided
from college_contracts.enrollment import (
    APPLICATION_STATUSES,
    CLAUSE_METRICS,
    CLAUSE_PARTIES,
    CLAUSE_STATUSES,
    ENROLMENT_STATUSES,
    OFFER_PARTIES,
    PROGRAMME_KINDS,
)
from college_contracts.identifiers import (
    CREDIT_CODE_ALPHABET,
    birth_date_from_resident_id,
    credit_code_problem,
    normalise_credit_code,
    normalise_resident_id,
    resident_id_problem,
)
from college_platform.validation import JsonBoolean, PageQuerySchema, WholeNumber, sort_by

# as typed: the route trims it and capitalises its letters before checking its check character
CREDIT_CODE_SHAPE = validate.Regexp(
    r"^\s*[%s]{18}\s*$" % (CREDIT_CODE_ALPHABET + CREDIT_CODE_ALPHABET[10:].lower()),
    error="Not a valid unified social credit code: use 18 digits and capital letters other "
          "than I, O, S, V and Z.")


class ContactSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(load_default=None, validate=validate.Length(max=100))
    phone = fields.String(load_default=None, validate=validate.Regexp(r"^\+?[0-9 -]{5,20}$"))
    email = fields.Email(load_default=None)


class NewPartnerSchema(Schema):
    legal_name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    credit_code = fields.String(required=True, validate=CREDIT_CODE_SHAPE, metadata={
        "description": "The unified social credit code (统一社会信用代码): 18 characters, "
                       "the last a check character."})
    industry = fields.String(required=True, validate=validate.Length(min=2, max=100))
    contacts = fields.List(fields.Nested(ContactSchema), load_default=list,
                           validate=validate.Length(max=20))

    @pre_load
    def normalise(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("credit_code"), str):
            data = {**data, "credit_code": normalise_credit_code(data["credit_code"])}
        return data

    @validates("credit_code")
    def check_credit_code(self, value: str, **kwargs: Any) -> None:
        problem = credit_code_problem(value)
        if problem:
            raise ValidationError("Not a valid unified social credit code: %s." % problem)


# personal fields in answers are plain text: the gateway masks them for the roles that
# may not see them ("***", "*******8000", "2005-**-**"), so no format or pattern holds
MASKED = "masked for the roles that may not see it in full"


class ContactRecordSchema(Schema):
    name = fields.String()
    role = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, metadata={"description": MASKED})
    email = fields.String(allow_none=True, metadata={"description": MASKED})


class PartnerSchema(Schema):
    id = fields.String(attribute="_id")
    legal_name = fields.String()
    credit_code = fields.String()
    industry = fields.String()
    contacts = fields.List(fields.Nested(ContactRecordSchema))
    created_at = fields.DateTime()


# -- shared pieces ----------------------------------------------------------------------------



def optional_id() -> fields.String:
    return fields.String(load_default=None, validate=validate.Length(min=1, max=64))
REASON = validate.Length(min=2, max=1000)


def required_id() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=64))


def date_fields_in_order(data: dict[str, Any], start: str, end: str) -> None:
    if data.get(start) and data.get(end) and data[end] < data[start]:
        raise ValidationError("Must be on or after %s." % start, end)


# -- agreements -------------------------------------------------------------------------------

PROGRAMME_CODE = validate.Regexp(r"^[A-Z0-9][A-Z0-9-]{1,39}$",
                                 error="Use 2-40 capital letters, digits and hyphens.")


class NewAgreementSchema(Schema):
    partner_id = decided_for_the_caller(
        validate=validate.Length(min=1, max=64),
        description="The partner the path names: set by the gateway; leave it out "
                    "(another value is refused).")
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    programme_codes = fields.List(fields.String(validate=PROGRAMME_CODE), required=True,
                                  validate=validate.Length(min=1, max=50))

    @pre_load
    def upper_codes(self, data: Any, **kwargs: Any) -> Any:
        codes = data.get("programme_codes") if isinstance(data, dict) else None
        if isinstance(codes, list):
            data = {**data, "programme_codes": [c.strip().upper() if isinstance(c, str) else c
                                                for c in codes]}
        return data

    partner_given = needs_decided("partner_id")

    @validates_schema
    def term_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        date_fields_in_order(data, "starts_on", "ends_on")


class ClauseSchema(Schema):
    """One commitment of a cooperation agreement: a party bound to a measurable
    target of a metric by a due date within the agreement's term."""
    id = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9_-]{1,40}$", error="1 to 40 letters, digits, hyphens or underscores."),
        metadata={"description": "the clause's own id within the agreement, kept across "
                                 "amendments (e.g. \"seats-2027\")"})
    party = fields.String(required=True, validate=validate.OneOf(CLAUSE_PARTIES))
    metric = fields.String(required=True, validate=validate.OneOf(CLAUSE_METRICS), metadata={
        "description": "what counts: equipment_value and funds_value are declared by the "
                       "enterprise and confirmed by the college, every other metric is "
                       "counted from the services' events and enrollment's own records"})
    target = fields.Float(required=True, validate=validate.Range(
        min=0, min_inclusive=False, max=1e9))
    due_on = fields.Date(required=True, metadata={"description": "within the agreement's term"})
    description = fields.String(required=True, validate=validate.Length(min=2, max=500))


class AgreementAmendmentSchema(Schema):
    title = fields.String(load_default=None, validate=validate.Length(min=2, max=200))
    ends_on = fields.Date(load_default=None)
    programme_codes = fields.List(fields.String(validate=PROGRAMME_CODE), load_default=None,
                                  validate=validate.Length(min=1, max=50))
    clauses = fields.List(fields.Nested(ClauseSchema), load_default=None,
                          validate=validate.Length(max=50), metadata={
                              "description": "the agreement's clauses as amended (all of "
                                             "them: a clause left out is removed)"})
    reason = fields.String(required=True, validate=REASON)

    upper_codes = NewAgreementSchema.upper_codes

    @validates_schema
    def something_changes(self, data: dict[str, Any], **kwargs: Any) -> None:
        if all(data.get(key) is None for key in ("title", "ends_on", "programme_codes",
                                                 "clauses")):
            raise ValidationError(
                "Change the title, the end date, the programmes or the clauses.", "_schema")

    @validates("clauses")
    def one_clause_per_id(self, clauses: list[dict[str, Any]], **kwargs: Any) -> None:
        # a clause refused for its own fields (no id) may still be here, without it
        ids = [clause["id"] for clause in clauses or [] if "id" in clause]
        if len(ids) != len(set(ids)):
            raise ValidationError("Each clause has an id of its own.")


class DeclarationSchema(Schema):
    """What the enterprise contributed toward a clause of equipment or funds."""
    clause_id = fields.String(required=True, validate=validate.Length(min=1, max=40))
    amount = fields.Float(required=True, validate=validate.Range(
        min=0, min_inclusive=False, max=1e9), metadata={"description": "its value (CNY)"})
    on = fields.Date(required=True, metadata={"description": "when it was given, within the "
                                                            "agreement's term"})
    note = fields.String(load_default=None, validate=validate.Length(max=1000))


class DeclarationDecisionSchema(Schema):
    confirm = JsonBoolean(required=True)
    reason = fields.String(load_default=None, validate=REASON,
                           metadata={"description": "required to reject"})


class AgreementStatusSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(
        ("active", "suspended", "terminated")))
    reason = fields.String(load_default=None, validate=REASON)


class AgreementQuerySchema(PageQuerySchema):
    partner_id = optional_id()
    status = fields.String(validate=validate.OneOf(
        ("draft", "active", "suspended", "expired", "terminated")))


# -- programmes -------------------------------------------------------------------------------

class QuotaSchema(Schema):
    partner_id = required_id()
    seats = WholeNumber(required=True, validate=validate.Range(min=0, max=5000))


class CourseSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    credits = fields.Float(required=True, validate=validate.Range(min=0, max=60))


COMPETENCY = fields.String(validate=validate.Length(min=1, max=100))


class CompetenciesSchema(Schema):
    competencies = fields.List(COMPETENCY, required=True,
                               validate=validate.Length(min=1, max=20))


class NewProgrammeSchema(Schema):
    code = fields.String(required=True, validate=PROGRAMME_CODE)
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(PROGRAMME_KINDS))
    intake_year = WholeNumber(required=True, validate=validate.Range(min=2000, max=2100))
    capacity = WholeNumber(required=True, validate=validate.Range(min=1, max=5000))
    quotas = fields.List(fields.Nested(QuotaSchema), load_default=list,
                         validate=validate.Length(max=50))
    selection_criteria = fields.String(load_default=None, validate=validate.Length(max=5000))
    courses = fields.List(fields.Nested(CourseSchema), load_default=list,
                          validate=validate.Length(max=100))
    competencies = fields.List(COMPETENCY, load_default=list, validate=validate.Length(max=20),
                               metadata={"description": "what employers rate its graduates on"})

    @pre_load
    def upper_code(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("code"), str):
            data = {**data, "code": data["code"].strip().upper()}
        return data

    @validates_schema
    def one_quota_per_partner(self, data: dict[str, Any], **kwargs: Any) -> None:
        partners = [q["partner_id"] for q in data.get("quotas", [])]
        if len(partners) != len(set(partners)):
            raise ValidationError("Each partner may have one quota.", "quotas")


class SetQuotaSchema(Schema):
    seats = WholeNumber(required=True, validate=validate.Range(min=0, max=5000))


class ProgrammeQuerySchema(PageQuerySchema):
    kind = fields.String(validate=validate.OneOf(PROGRAMME_KINDS))
    intake_year = WholeNumber(validate=validate.Range(min=2000, max=2100))
    partner_id = optional_id()


# -- applicants and applications --------------------------------------------------------------

class PassportSchema(Schema):
    number = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9]{5,20}$", error="Use 5-20 letters and digits."))
    country = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z]{3}$", error="Use the ISO 3166 three-letter code, e.g. GBR."))


class ApplicantSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    resident_id = fields.String(load_default=None)
    passport = fields.Nested(PassportSchema, load_default=None)
    birth_date = fields.Date(load_default=None)
    phone = fields.String(load_default=None, validate=validate.Regexp(r"^\+?[0-9 -]{5,20}$"))
    email = fields.Email(load_default=None)
    address = fields.String(load_default=None, validate=validate.Length(min=1, max=200))

    @pre_load
    def normalise(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict):
            data = {key: value for key, value in data.items() if value not in ("", None)}
            if isinstance(data.get("resident_id"), str):
                data["resident_id"] = normalise_resident_id(data["resident_id"])
        return data

    @validates("resident_id")
    def check_resident_id(self, value: str | None, **kwargs: Any) -> None:
        problem = value and resident_id_problem(value)
        if problem:
            raise ValidationError("Not a valid resident identity number: %s." % problem)

    @validates("birth_date")
    def born_in_the_past(self, value: date | None, **kwargs: Any) -> None:
        if value is not None and not date(1900, 1, 1) <= value <= date.today():
            raise ValidationError("Not a plausible date of birth.")

    @validates_schema
    def one_identity_document(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data.get("resident_id") and not data.get("passport"):
            raise ValidationError("Give a resident identity number or a passport.",
                                  "resident_id")
        if data.get("resident_id") and data.get("passport"):
            raise ValidationError("Give a resident identity number or a passport, not both.",
                                  "passport")
        if data.get("passport") and not data.get("birth_date"):
            raise ValidationError("Required with a passport.", "birth_date")

    @post_load
    def derive_birth_date(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data["resident_id"]:
            data["birth_date"] = birth_date_from_resident_id(data["resident_id"])
        if data["passport"]:
            data["passport"] = {"number": data["passport"]["number"].upper(),
                                "country": data["passport"]["country"].upper()}
        data["birth_date"] = data["birth_date"].isoformat()
        return data


class NewApplicationSchema(Schema):
    programme_id = required_id()
    partner_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    applicant = fields.Nested(ApplicantSchema, required=True)
    statement = fields.String(load_default=None, validate=validate.Length(max=5000))


class ScreeningSchema(Schema):
    passed = JsonBoolean(required=True)
    note = fields.String(load_default=None, validate=validate.Length(max=2000))
    reason = fields.String(load_default=None, validate=REASON)
    actor = fields.String(load_default=None, metadata={"description": SET_BY_THE_GATEWAY})

    @validates_schema
    def reason_for_a_rejection(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("passed") is False and not data.get("reason"):
            raise ValidationError("A rejection needs a reason.", "reason")


class InterviewSchema(ScreeningSchema):
    score = WholeNumber(load_default=None, validate=validate.Range(min=0, max=100))
    interviewer = fields.String(load_default=None, validate=validate.Length(max=100))


class OfferDecisionSchema(Schema):
    party = decided_for_the_caller(
        validate=validate.OneOf(OFFER_PARTIES),
        description="Decided by the caller's role: an enterprise user decides for its "
                    "enterprise, the college's staff for the college; leave it out "
                    "(another value is refused).")
    approve = JsonBoolean(required=True)
    reason = fields.String(load_default=None, validate=REASON)
    actor = fields.String(load_default=None, metadata={"description": SET_BY_THE_GATEWAY})
    respond_within_days = WholeNumber(load_default=14, validate=validate.Range(min=1, max=90))

    party_given = needs_decided("party")

    @validates_schema
    def reason_for_a_rejection(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("approve") is False and not data.get("reason"):
            raise ValidationError("A rejection needs a reason.", "reason")


class OfferResponseSchema(Schema):
    accept = JsonBoolean(required=True)
    reason = fields.String(load_default=None, validate=REASON)


class WithdrawalSchema(Schema):
    reason = fields.String(required=True, validate=REASON)


class ApplicationQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(APPLICATION_STATUSES))
    programme_id = optional_id()
    partner_id = optional_id()
    applicant_id = optional_id()
    sort = sort_by("created_at", "status")

class ApplicantQuerySchema(PageQuerySchema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    sort = sort_by("created_at", "name")

class ImportSchema(Schema):
    filename = fields.String(required=True, validate=validate.Length(min=1, max=200))
    csv = fields.String(required=True, validate=validate.Length(min=1, max=1024 * 1024))


# -- the provincial admission list ------------------------------------------------------------

MAX_ADMISSION_ROWS = 1000


class AdmissionRowSchema(ApplicantSchema):
    """One admitted student of the provincial admissions office's list."""
    admission_number = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9-]{4,40}$", error="Use the 4-40 letters, digits and hyphens of the "
                                       "provincial admission number (录取编号)."))

    @pre_load
    def normalise(self, data: Any, **kwargs: Any) -> Any:
        data = ApplicantSchema.normalise(self, data, **kwargs)
        if isinstance(data, dict) and isinstance(data.get("admission_number"), str):
            data["admission_number"] = data["admission_number"].strip().upper()
        return data


class AdmissionImportSchema(Schema):
    """The list as JSON rows (each checked on its own against ``AdmissionRowSchema``)
    or as CSV text with the applicant import's columns and ``admission_number``."""
    programme_id = required_id()
    partner_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64),
                               metadata={"description": "the partner enterprise whose quota "
                                                        "the students take; required when "
                                                        "the programme has several"})
    filename = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    rows = fields.List(fields.Dict(), load_default=None,
                       validate=validate.Length(min=1, max=MAX_ADMISSION_ROWS),
                       metadata={"description": "at most 1,000 rows: name, resident_id or "
                                                "passport {number, country} with birth_date, "
                                                "phone, email, address, admission_number"})
    csv = fields.String(load_default=None, validate=validate.Length(min=1, max=1024 * 1024))

    @validates_schema
    def rows_or_csv(self, data: dict[str, Any], **kwargs: Any) -> None:
        if (data.get("rows") is None) == (data.get("csv") is None):
            raise ValidationError("Give the list as rows or as csv, one of the two.", "rows")


class AdmissionRowReportSchema(Schema):
    row = WholeNumber(metadata={"description": "1 for the first JSON row; a CSV row's "
                                                  "line (the header is 1)"})
    status = fields.String(validate=validate.OneOf(("imported", "duplicate", "rejected")))
    admission_number = fields.String()
    applicant_id = fields.String()
    application_id = fields.String()
    student_id = fields.String()
    student_number = fields.String()
    errors = fields.Dict(metadata={"description": "field -> messages, for a rejected row"})


class AdmissionImportReportSchema(Schema):
    filename = fields.String(allow_none=True)
    programme_id = fields.String()
    partner_id = fields.String(allow_none=True)
    rows = WholeNumber()
    imported = WholeNumber()
    duplicates = WholeNumber()
    rejected = WholeNumber()
    report = fields.List(fields.Nested(AdmissionRowReportSchema))


# -- enrolment --------------------------------------------------------------------------------

class TripartiteTermsSchema(Schema):
    terms = fields.String(required=True, validate=validate.Length(min=10, max=20000))


class SignatureSchema(Schema):
    party = decided_for_the_caller(
        validate=validate.OneOf(("college", "enterprise", "student", "guardian")),
        description="Who signs: an enterprise user signs for its enterprise and may leave "
                    "it out; the admissions office names the party whose signature it "
                    "records.")
    signer = fields.String(required=True, validate=validate.Length(min=1, max=100))
    actor = fields.String(load_default=None, metadata={"description": SET_BY_THE_GATEWAY})

    party_given = needs_decided("party")


class ApprenticeContractSchema(Schema):
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    position = fields.String(required=True, validate=validate.Length(min=2, max=200))
    # yuan a month; bounded so a number never overflows the database's 8-byte integers
    monthly_wage = WholeNumber(load_default=None,
                                  validate=validate.Range(min=0, max=1_000_000))

    @validates_schema
    def term_in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        date_fields_in_order(data, "starts_on", "ends_on")


class EnrolSchema(Schema):
    apprentice_contract = fields.Nested(ApprenticeContractSchema, load_default=None)


class StatusChangeSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(
        ("suspend", "resume", "withdraw", "transfer")))
    reason = fields.String(required=True, validate=REASON)
    programme_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    partner_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))

    @validates_schema
    def transfer_needs_a_programme(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("action") == "transfer" and not data.get("programme_id"):
            raise ValidationError("A transfer needs the programme to move to.", "programme_id")


class StudentQuerySchema(PageQuerySchema):
    programme_id = optional_id()
    partner_id = optional_id()
    status = fields.String(validate=validate.OneOf(ENROLMENT_STATUSES))
    q = fields.String(validate=validate.Length(min=1, max=50),
                      metadata={"description": "the start of a student number or any part "
                                               "of a name, case aside"})
    sort = sort_by("created_at", "student_number", "name", "status", "programme_code")


# -- graduation -------------------------------------------------------------------------------

CERTIFICATE_LEVELS = ("junior", "intermediate", "senior")
MAX_GRADUATES_PER_CALL = 1000


class RequiredCertificateSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    level = fields.String(required=True, validate=validate.OneOf(CERTIFICATE_LEVELS),
                          metadata={"description": "the lowest level that meets it"})


class RequiredProjectsSchema(Schema):
    count = WholeNumber(required=True, validate=validate.Range(min=0, max=50))
    min_grade = fields.Float(required=True, validate=validate.Range(min=0, max=100))


class GraduationRequirementsSchema(Schema):
    effective_from = fields.Date(load_default=None, metadata={
        "description": "students enrolled on or after this day are held to this version "
                       "(today when left out); earlier cohorts keep the one they started under"})
    credits = fields.Float(required=True, validate=validate.Range(min=0, max=1000),
                           metadata={"description": "credits banked in the credit bank"})
    certificates = fields.List(fields.Nested(RequiredCertificateSchema), load_default=list,
                               validate=validate.Length(max=20))
    placement_hours = fields.Float(required=True, validate=validate.Range(min=0, max=10000),
                                   metadata={"description": "hours of finished placements"})
    projects = fields.Nested(RequiredProjectsSchema, load_default=lambda: {
        "count": 0, "min_grade": 0}, metadata={
        "description": "completed enterprise projects graded at least min_grade"})
    note = fields.String(load_default=None, validate=validate.Length(max=2000))
    actor = fields.String(load_default=None, metadata={"description": SET_BY_THE_GATEWAY})


class GraduationCheckQuerySchema(PageQuerySchema):
    intake_year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    status = fields.String(validate=validate.OneOf(ENROLMENT_STATUSES))
    eligible = fields.Boolean(metadata={"description": "only who may (or may not) graduate now"})


class GraduationConfirmationSchema(Schema):
    student_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)), required=True,
        validate=validate.Length(min=1, max=MAX_GRADUATES_PER_CALL),
        metadata={"description": "the students to graduate, each checked again"})
    actor = fields.String(load_default=None, metadata={"description": SET_BY_THE_GATEWAY})


# -- destinations -----------------------------------------------------------------------------

DESTINATION_KINDS = ("hired", "further_study", "other", "not_yet_placed")
DESTINATION_OUTCOMES = ("hired_by_sponsor", "hired_by_other", "further_study", "other",
                        "not_yet_placed")


class DestinationSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(DESTINATION_KINDS), metadata={
        "description": "hired: by the sponsor when enterprise_id is the student's sponsor"})
    enterprise_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64),
                                  metadata={"description": "the employer, when a partner"})
    employer_name = fields.String(load_default=None, validate=validate.Length(min=1, max=200),
                                  metadata={"description": "the employer (or school), when "
                                                           "not a partner"})
    position = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    started_on = fields.Date(load_default=None)
    note = fields.String(load_default=None, validate=validate.Length(max=2000))
    actor = fields.String(load_default=None, metadata={"description": SET_BY_THE_GATEWAY})

    @validates_schema
    def a_hire_names_its_employer_and_start(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("kind") in ("hired", "further_study"):
            if not data.get("enterprise_id") and not data.get("employer_name"):
                raise ValidationError("Name the employer (or school): enterprise_id for a "
                                      "partner, employer_name otherwise.", "employer_name")
            if not data.get("started_on"):
                raise ValidationError("Say when the graduate started.", "started_on")


class RetentionSchema(Schema):
    months = WholeNumber(required=True, validate=validate.OneOf((6, 12)))
    still_employed = JsonBoolean(required=True)
    checked_on = fields.Date(load_default=None, metadata={"description": "today when left out"})
    note = fields.String(load_default=None, validate=validate.Length(max=2000))
    actor = fields.String(load_default=None, metadata={"description": SET_BY_THE_GATEWAY})


# -- employer surveys -------------------------------------------------------------------------

SURVEY_STATUSES = ("open", "answered", "closed")


class SurveyAnswerSchema(Schema):
    ratings = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=100)),
                          values=WholeNumber(validate=validate.Range(min=1, max=5)),
                          required=True, validate=validate.Length(min=1, max=20),
                          metadata={"description": "competency -> 1 to 5, every one of the "
                                                   "survey's competencies"})
    comment = fields.String(load_default=None, validate=validate.Length(max=5000))
    actor = fields.String(load_default=None, metadata={"description": SET_BY_THE_GATEWAY})


class SurveyCloseSchema(Schema):
    reason = fields.String(required=True, validate=REASON)
    actor = fields.String(load_default=None, metadata={"description": SET_BY_THE_GATEWAY})


class SurveyQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(SURVEY_STATUSES))
    programme_id = optional_id()
    enterprise_id = optional_id()
    student_id = optional_id()
    sort = sort_by("due_on", "created_at")


class SurveyResultsQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    programme_id = optional_id()
    enterprise_id = optional_id()


# -- answers: what the API shows of each stored document ------------------------------------
#
# The service dumps every answer through these, so storage-only fields (the programme's
# ``quota_partner_ids``, the students' ``list_position`` and ``list_pending``, the
# applicants' ``identity_key``, the applications' ``active_key``) never leave it, and
# the reference says exactly what a client gets.

AGREEMENT_STATUSES = ("draft", "active", "suspended", "expired", "terminated")
LEDGER_MOVEMENTS = ("quota_set", "reserve", "consume", "release")


class StatusRecordSchema(Schema):
    """One step of an agreement's, application's or student's status history."""
    status = fields.String()
    action = fields.String(metadata={"description": "a student's: enrol, admission_list, "
                                                    "suspend, resume, withdraw, transfer, "
                                                    "graduate"})
    reason = fields.String(allow_none=True)
    from_programme_id = fields.String(allow_none=True,
                                      metadata={"description": "a transfer's origin"})
    confirmed_by = fields.String(metadata={"description": "who confirmed a graduation"})
    at = fields.DateTime()


class ClauseRecordSchema(Schema):
    id = fields.String()
    party = fields.String(validate=validate.OneOf(CLAUSE_PARTIES))
    metric = fields.String(validate=validate.OneOf(CLAUSE_METRICS))
    target = fields.Float()
    due_on = fields.String(metadata={"format": "date"})
    description = fields.String()


class AgreementTermsSchema(Schema):
    title = fields.String()
    ends_on = fields.String(metadata={"format": "date"})
    programme_codes = fields.List(fields.String())
    clauses = fields.List(fields.Nested(ClauseRecordSchema), allow_none=True)


class DeclarationRecordSchema(Schema):
    id = fields.String()
    clause_id = fields.String()
    amount = fields.Float()
    on = fields.String(metadata={"format": "date"})
    note = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(("declared", "confirmed", "rejected")))
    declared_by = fields.String()
    declared_at = fields.DateTime()
    decided_by = fields.String()
    decided_at = fields.DateTime()
    reason = fields.String(allow_none=True)


class FulfilmentSchema(Schema):
    """Per party: sum(min(done, elapsed)) / sum(elapsed) over its clauses
    (docs/enrollment.md, Commitments); null while none of its clauses is due yet."""
    enterprise = fields.Float(allow_none=True)
    college = fields.Float(allow_none=True)


class ClauseProgressSchema(ClauseRecordSchema):
    progress = fields.Float(metadata={"description": "what counts toward the target so far"})
    done = fields.Float(metadata={"description": "min(progress / target, 1)"})
    elapsed = fields.Float(metadata={"description": "the share of the clause's time gone, "
                                                    "from the term's start to its due date"})
    status = fields.String(validate=validate.OneOf(CLAUSE_STATUSES))


class CommitmentsSchema(Schema):
    agreement_id = fields.String()
    partner_id = fields.String()
    as_of = fields.String(metadata={"format": "date"})
    tolerance = fields.Float(metadata={"description": "how far done may lag elapsed before "
                                                      "a clause is at risk"})
    clauses = fields.List(fields.Nested(ClauseProgressSchema))
    fulfilment = fields.Nested(FulfilmentSchema)


# -- costs and returns (enrollment/costs.py) ---------------------------------------------------

FIRST_YEAR, LAST_YEAR = 2000, 2100
YEAR = validate.Range(min=FIRST_YEAR, max=LAST_YEAR,
                      error="Must be a year from %d to %d." % (FIRST_YEAR, LAST_YEAR))


class ValuationRateSchema(Schema):
    """The value the college gives a mentor's hour in a calendar year."""
    mentor_hour_cny = fields.Float(required=True, validate=validate.Range(
        min=0, max=1e6), metadata={"description": "CNY per approved mentor hour"})


class RateChangeSchema(Schema):
    mentor_hour_cny = fields.Float(allow_none=True)
    set_by = fields.String()
    set_at = fields.DateTime()


class ValuationRateRecordSchema(RateChangeSchema):
    year = fields.Integer()
    history = fields.List(fields.Nested(RateChangeSchema), metadata={
        "description": "the earlier rates of the year, oldest first"})


class ValuationRatesSchema(Schema):
    items = fields.List(fields.Nested(ValuationRateRecordSchema))


class CostsQuerySchema(Schema):
    year = WholeNumber(validate=YEAR, metadata={"description": "the calendar year (default: "
                                                              "this year)"})
    format = fields.String(validate=validate.OneOf(("json", "csv")),
                           metadata={"description": "csv: one row per figure"})


class EvidencePackQuerySchema(Schema):
    year = WholeNumber(validate=YEAR, metadata={"description": "the calendar year (default: "
                                                              "this year)"})
    format = fields.String(validate=validate.OneOf(("html", "csv")),
                           metadata={"description": "html (printable, the default) or csv"})
    lang = fields.String(validate=validate.OneOf(("zh-CN", "en")), metadata={
        "description": "the document's language (default: the Accept-Language header's, "
                       "else zh-CN)"})


class RateUsedSchema(Schema):
    mentor_hour_cny = fields.Float(allow_none=True)
    set = fields.Boolean(metadata={"description": "false: no rate is set for the year and "
                                                  "the hours' value is null"})


class CostInputsSchema(Schema):
    mentor_hours = fields.Float()
    mentor_hours_value_cny = fields.Float(allow_none=True)
    equipment_value_cny = fields.Float()
    funds_value_cny = fields.Float()
    placements_hosted = fields.Integer()
    teachers_hosted = fields.Integer()
    projects_posted = fields.Integer()
    total_value_cny = fields.Float()


class CostReturnsSchema(Schema):
    hires = fields.Integer()
    hires_checked_6_months = fields.Integer()
    hires_retained_6_months = fields.Integer()
    hires_checked_12_months = fields.Integer()
    hires_retained_12_months = fields.Integer()
    deliverables_accepted = fields.Integer()
    intern_hours = fields.Float()
    certificates_earned = fields.Integer()


class CostsAndReturnsSchema(Schema):
    partner_id = fields.String()
    year = fields.Integer()
    rate = fields.Nested(RateUsedSchema)
    inputs = fields.Nested(CostInputsSchema)
    returns = fields.Nested(CostReturnsSchema)
    rules = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "how each figure is counted"})


class PackPartnerSchema(Schema):
    id = fields.String(attribute="_id")
    legal_name = fields.String()
    credit_code = fields.String()
    industry = fields.String(allow_none=True)


class PackAgreementSchema(Schema):
    id = fields.String(attribute="_id")
    title = fields.String()
    starts_on = fields.String(metadata={"format": "date"})
    ends_on = fields.String(metadata={"format": "date"})
    status = fields.String(validate=validate.OneOf(AGREEMENT_STATUSES))
    commitments = fields.Nested(CommitmentsSchema, metadata={
        "description": "its clauses and each party's fulfilment as of the year's end "
                       "(today, for this year)"})


class EvidencePackSchema(Schema):
    partner = fields.Nested(PackPartnerSchema)
    year = fields.Integer()
    as_of = fields.String(metadata={"format": "date"})
    agreements = fields.List(fields.Nested(PackAgreementSchema), metadata={
        "description": "the agreements in force at some time in the year"})
    costs_and_returns = fields.Nested(CostsAndReturnsSchema)


class AmendmentSchema(Schema):
    previous = fields.Nested(AgreementTermsSchema,
                             metadata={"description": "the terms before the amendment"})
    reason = fields.String()
    at = fields.DateTime()


class AgreementSchema(Schema):
    id = fields.String(attribute="_id")
    partner_id = fields.String()
    title = fields.String()
    starts_on = fields.String(metadata={"format": "date"})
    ends_on = fields.String(metadata={"format": "date"})
    programme_codes = fields.List(fields.String())
    status = fields.String(validate=validate.OneOf(AGREEMENT_STATUSES))
    history = fields.List(fields.Nested(StatusRecordSchema))
    amendments = fields.List(fields.Nested(AmendmentSchema))
    clauses = fields.List(fields.Nested(ClauseRecordSchema))
    declarations = fields.List(fields.Nested(DeclarationRecordSchema))
    fulfilment = fields.Nested(FulfilmentSchema, metadata={
        "description": "each party's score (one agreement's answer, not a list's)"})
    created_at = fields.DateTime()


class QuotaFiguresSchema(Schema):
    partner_id = fields.String()
    seats = WholeNumber()
    free = WholeNumber()
    reserved = WholeNumber()
    consumed = WholeNumber()


class ProgrammeSchema(Schema):
    """A programme with its seat figures and its partners' quotas (an
    enterprise user sees its own quota only)."""
    id = fields.String(attribute="_id")
    code = fields.String()
    name = fields.String()
    kind = fields.String(validate=validate.OneOf(PROGRAMME_KINDS))
    intake_year = WholeNumber()
    capacity = WholeNumber()
    selection_criteria = fields.String(allow_none=True)
    courses = fields.List(fields.Nested(CourseSchema))
    competencies = fields.List(fields.String(), metadata={
        "description": "what employers rate its graduates on"})
    free = WholeNumber()
    reserved = WholeNumber()
    consumed = WholeNumber()
    quotas = fields.List(fields.Nested(QuotaFiguresSchema))
    created_at = fields.DateTime()


class LedgerEntrySchema(Schema):
    """One seat movement of a programme's ledger."""
    id = fields.String(attribute="_id")
    programme_id = fields.String()
    partner_id = fields.String(allow_none=True)
    movement = fields.String(validate=validate.OneOf(LEDGER_MOVEMENTS))
    seats = WholeNumber(metadata={"description": "a quota_set's new quota"})
    application_id = fields.String(allow_none=True)
    student_id = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class PassportRecordSchema(Schema):
    number = fields.String()
    country = fields.String()


class ApplicantRecordSchema(Schema):
    id = fields.String(attribute="_id")
    name = fields.String()
    resident_id = fields.String(allow_none=True, metadata={"description": MASKED})
    passport = fields.Nested(PassportRecordSchema, allow_none=True,
                             metadata={"description": MASKED})
    birth_date = fields.String(metadata={"description": "an ISO date, " + MASKED})
    phone = fields.String(allow_none=True, metadata={"description": MASKED})
    email = fields.String(allow_none=True, metadata={"description": MASKED})
    address = fields.String(allow_none=True, metadata={"description": MASKED})
    created_at = fields.DateTime()


class ScreeningRecordSchema(Schema):
    passed = fields.Boolean()
    note = fields.String(allow_none=True)
    actor = fields.String(allow_none=True)


class InterviewRecordSchema(ScreeningRecordSchema):
    score = WholeNumber(allow_none=True)
    interviewer = fields.String(allow_none=True)


class OfferApprovalSchema(Schema):
    approve = fields.Boolean()
    actor = fields.String(allow_none=True)
    at = fields.DateTime()


class OfferApprovalsSchema(Schema):
    college = fields.Nested(OfferApprovalSchema)
    enterprise = fields.Nested(OfferApprovalSchema)


class RejectionSchema(Schema):
    party = fields.String()
    reason = fields.String(allow_none=True)


class ApplicationRecordSchema(Schema):
    id = fields.String(attribute="_id")
    applicant_id = fields.String()
    applicant_name = fields.String()
    programme_id = fields.String()
    programme_code = fields.String()
    partner_id = fields.String(allow_none=True)
    statement = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(APPLICATION_STATUSES))
    admission_number = fields.String(metadata={"description": "enrolled from the "
                                                              "provincial admission list"})
    screening = fields.Nested(ScreeningRecordSchema)
    interview = fields.Nested(InterviewRecordSchema)
    offer_approvals = fields.Nested(OfferApprovalsSchema)
    offer_expires_at = fields.DateTime()
    rejection = fields.Nested(RejectionSchema)
    student_id = fields.String()
    history = fields.List(fields.Nested(StatusRecordSchema))
    created_at = fields.DateTime()


class ImportRowReportSchema(Schema):
    row = WholeNumber(metadata={"description": "the CSV line (the header is 1)"})
    status = fields.String(validate=validate.OneOf(("imported", "duplicate", "rejected")))
    applicant_id = fields.String()
    errors = fields.Dict(metadata={"description": "field -> messages, for a rejected row"})


class ImportReportSchema(Schema):
    filename = fields.String()
    rows = WholeNumber()
    imported = WholeNumber()
    duplicates = WholeNumber()
    rejected = WholeNumber()
    report = fields.List(fields.Nested(ImportRowReportSchema))


class SignatureRecordSchema(Schema):
    signer = fields.String()
    signed_at = fields.DateTime()
    recorded_by = fields.String(allow_none=True)


class TripartiteAgreementSchema(Schema):
    id = fields.String(attribute="_id")
    application_id = fields.String()
    student_id = fields.String(allow_none=True)
    version = WholeNumber()
    terms = fields.String()
    minor = fields.Boolean()
    required_parties = fields.List(fields.String())
    signatures = fields.Dict(keys=fields.String(), values=fields.Nested(SignatureRecordSchema),
                             metadata={"description": "party -> its signature"})
    status = fields.String(validate=validate.OneOf(
        ("awaiting_signatures", "signed", "superseded")))
    created_at = fields.DateTime()


class ApprenticeContractRecordSchema(Schema):
    id = fields.String(attribute="_id")
    student_id = fields.String()
    partner_id = fields.String()
    programme_id = fields.String()
    starts_on = fields.String(metadata={"format": "date"})
    ends_on = fields.String(metadata={"format": "date"})
    position = fields.String()
    monthly_wage = WholeNumber(allow_none=True)
    created_at = fields.DateTime()


class DestinationRecordSchema(Schema):
    outcome = fields.String(validate=validate.OneOf(DESTINATION_OUTCOMES))
    enterprise_id = fields.String(allow_none=True)
    employer_name = fields.String(allow_none=True)
    position = fields.String(allow_none=True)
    started_on = fields.String(allow_none=True, metadata={"format": "date"})
    note = fields.String(allow_none=True)
    recorded_by = fields.String()
    recorded_at = fields.DateTime()


class RetentionRecordSchema(Schema):
    still_employed = fields.Boolean()
    checked_on = fields.String(metadata={"format": "date"})
    note = fields.String(allow_none=True)
    recorded_by = fields.String()
    recorded_at = fields.DateTime()


class StudentSchema(Schema):
    id = fields.String(attribute="_id")
    student_number = fields.String()
    name = fields.String()
    application_id = fields.String()
    applicant_id = fields.String()
    programme_id = fields.String()
    programme_code = fields.String()
    programme_kind = fields.String(validate=validate.OneOf(PROGRAMME_KINDS))
    partner_id = fields.String(allow_none=True)
    intake_year = WholeNumber()
    minor = fields.Boolean()
    status = fields.String(validate=validate.OneOf(ENROLMENT_STATUSES))
    enrolled_on = fields.String(metadata={"format": "date"})
    graduated_on = fields.String(metadata={"format": "date"})
    graduation_requirements_version = WholeNumber(metadata={
        "description": "the version of the programme's requirements the student met"})
    destination = fields.Nested(DestinationRecordSchema, metadata={
        "description": "a graduate's first destination"})
    retention = fields.Dict(keys=fields.String(), values=fields.Nested(RetentionRecordSchema),
                            metadata={"description": "\"6\" and \"12\": months after the "
                                                     "hire, still employed there or not"})
    tripartite_agreement_id = fields.String(allow_none=True)
    apprentice_contract = fields.Nested(ApprenticeContractRecordSchema)
    history = fields.List(fields.Nested(StatusRecordSchema))
    created_at = fields.DateTime()


class GraduationRequirementsRecordSchema(Schema):
    id = fields.String(attribute="_id")
    programme_id = fields.String()
    version = WholeNumber()
    effective_from = fields.String(metadata={"format": "date"})
    credits = fields.Float()
    certificates = fields.List(fields.Nested(RequiredCertificateSchema))
    placement_hours = fields.Float()
    projects = fields.Nested(RequiredProjectsSchema)
    note = fields.String(allow_none=True)
    set_by = fields.String(allow_none=True)
    set_at = fields.DateTime()


class RequirementResultSchema(Schema):
    requirement = fields.String(validate=validate.OneOf(
        ("credits", "placement_hours", "certificate", "projects")))
    needed = fields.Raw(metadata={"description": "a number, or the certificate and level"})
    has = fields.Raw(allow_none=True, metadata={
        "description": "a number, or the level of the certificate held (null: none)"})
    met = fields.Boolean()
    missing = fields.String(allow_none=True)


class GraduationCheckSchema(Schema):
    student_id = fields.String()
    student_number = fields.String()
    name = fields.String()
    status = fields.String(validate=validate.OneOf(ENROLMENT_STATUSES))
    intake_year = WholeNumber(allow_none=True)
    requirements_version = WholeNumber(allow_none=True, metadata={
        "description": "the version the student is held to"})
    eligible = fields.Boolean(metadata={"description": "may graduate now"})
    requirements = fields.List(fields.Nested(RequirementResultSchema))
    missing = fields.List(fields.String())


class GraduationOutcomeSchema(GraduationCheckSchema):
    graduated = fields.Boolean()


class GraduationReportSchema(Schema):
    programme_id = fields.String()
    graduated = WholeNumber()
    not_graduated = WholeNumber()
    students = fields.List(fields.Nested(GraduationOutcomeSchema))


class EmployerSurveySchema(Schema):
    id = fields.String(attribute="_id")
    student_id = fields.String()
    student_name = fields.String()
    programme_id = fields.String()
    enterprise_id = fields.String()
    months = WholeNumber()
    due_on = fields.String(metadata={"format": "date"})
    competencies = fields.List(fields.String())
    status = fields.String(validate=validate.OneOf(SURVEY_STATUSES))
    reminders = WholeNumber()
    last_reminded_on = fields.String(allow_none=True, metadata={"format": "date"})
    ratings = fields.Dict(keys=fields.String(), values=fields.Integer())
    comment = fields.String(allow_none=True)
    answered_by = fields.String()
    answered_at = fields.DateTime()
    closed_reason = fields.String()
    created_at = fields.DateTime()


class CompetencyResultSchema(Schema):
    competency = fields.String()
    mean = fields.Float()
    ratings = WholeNumber()


class SurveyResultsSchema(Schema):
    programme_id = fields.String()
    enterprise_id = fields.String()
    answered = WholeNumber()
    competencies = fields.List(fields.Nested(CompetencyResultSchema))
    lowest = fields.List(fields.String(), metadata={
        "description": "the competencies rated lowest, lowest first"})
