"""Request and response schemas of the certificates service's API."""
from typing import Any

from marshmallow import (
    EXCLUDE,
    INCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from college_contracts.api import decided_for_the_caller, needs_decided
from college_contracts.certificates import AWARDS, COMPETITION_LEVELS
from college_platform.validation import PageQuerySchema, WholeNumber, sort_by

LEVELS = ("junior", "intermediate", "senior")
CODE = validate.Regexp(r"^[A-Z0-9][A-Z0-9-]{1,39}$",
                       error="Use 2 to 40 capital letters, digits or hyphens.")
ID = validate.Length(min=1, max=64)
SCORE = validate.Range(min=0, max=100)


def upper_code(data: Any, *names: str) -> Any:
    if isinstance(data, dict):
        data = dict(data)
        for name in names:
            if isinstance(data.get(name), str):
                data[name] = data[name].strip().upper()
    return data


class AlignmentSchema(Schema):
    programmes = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                             load_default=list, validate=validate.Length(max=100))
    courses = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                          load_default=list, validate=validate.Length(max=100))
    competitions = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                               load_default=list, validate=validate.Length(max=100))


class PassRuleSchema(Schema):
    theory_min = fields.Float(load_default=60.0, validate=SCORE)
    practical_min = fields.Float(load_default=60.0, validate=SCORE)


class RequiredCertificateSchema(Schema):
    code = fields.String(required=True, validate=CODE)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))

    @pre_load
    def normalise(self, data: Any, **kwargs: Any) -> Any:
        return upper_code(data, "code")


class PrerequisiteSchema(Schema):
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    requires = fields.Nested(RequiredCertificateSchema, required=True)


class NewCertificateSchema(Schema):
    code = fields.String(required=True, validate=CODE)
    title = fields.String(required=True, validate=validate.Length(min=2, max=200))
    organisation = fields.String(required=True, validate=validate.Length(min=2, max=200))
    levels = fields.List(fields.String(validate=validate.OneOf(LEVELS)), required=True,
                         validate=validate.Length(min=1, max=3))
    alignment = fields.Nested(AlignmentSchema, load_default=lambda: AlignmentSchema().load({}))
    pass_rule = fields.Nested(PassRuleSchema, load_default=lambda: PassRuleSchema().load({}))
    prerequisites = fields.List(fields.Nested(PrerequisiteSchema), load_default=list,
                                validate=validate.Length(max=10))
    validity_years = WholeNumber(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=50),
        metadata={"description": "Years a certificate stays valid after its issue; "
                                 "none: for life."})

    @pre_load
    def normalise(self, data: Any, **kwargs: Any) -> Any:
        return upper_code(data, "code")

    @validates_schema
    def prerequisites_name_offered_levels(self, data: dict[str, Any], **kwargs: Any) -> None:
        for item in data.get("prerequisites", []):
            if item["level"] not in data.get("levels", []):
                raise ValidationError("A prerequisite must be for one of the certificate's "
                                      "levels.", "prerequisites")


class CertificateSchema(Schema):
    id = fields.String(attribute="_id")
    code = fields.String()
    title = fields.String()
    organisation = fields.String()
    levels = fields.List(fields.String())
    alignment = fields.Nested(AlignmentSchema)
    pass_rule = fields.Nested(PassRuleSchema)
    prerequisites = fields.List(fields.Nested(PrerequisiteSchema))
    validity_years = WholeNumber(allow_none=True)
    created_at = fields.DateTime()


# exam sessions and registrations ----------------------------------------------

class NewSessionSchema(Schema):
    certificate_code = fields.String(required=True, validate=CODE)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    site = fields.String(required=True, validate=validate.Length(min=2, max=200))
    exam_date = fields.Date(required=True)
    registration_deadline = fields.Date(required=True)
    capacity = WholeNumber(required=True, validate=validate.Range(min=1, max=5000))

    @pre_load
    def normalise(self, data: Any, **kwargs: Any) -> Any:
        return upper_code(data, "certificate_code")

    @validates_schema
    def deadline_before_exam(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["registration_deadline"] > data["exam_date"]:
            raise ValidationError("Registration must close on or before the exam date.",
                                  "registration_deadline")


class SessionSchema(Schema):
    id = fields.String(attribute="_id")
    certificate_code = fields.String()
    level = fields.String()
    site = fields.String()
    exam_date = fields.String()
    registration_deadline = fields.String()
    capacity = WholeNumber()
    seats_taken = WholeNumber()
    created_at = fields.DateTime()


class SessionQuerySchema(PageQuerySchema):
    certificate_code = fields.String(load_default=None, validate=CODE)
    level = fields.String(load_default=None, validate=validate.OneOf(LEVELS))

    @pre_load
    def normalise(self, data: Any, **kwargs: Any) -> Any:
        return upper_code(data, "certificate_code")


class NewRegistrationSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    candidate_id = decided_for_the_caller(
        validate=ID,
        description="The student or teacher registered: the certificate managers name "
                    "them; a student or teacher registering themselves leaves it out.")
    candidate_kind = fields.String(load_default=None, validate=validate.OneOf(
        ("student", "teacher")), metadata={"description": "Set by the gateway for a "
                                                          "student or teacher registering "
                                                          "themselves; a value given is "
                                                          "ignored."})

    candidate_given = needs_decided("candidate_id")


MAX_GROUP_REGISTRATION = 500


class GroupRegistrationSchema(Schema):
    """A class registered by its teacher or the certificate office at once (集体报名)."""
    candidate_ids = fields.List(fields.String(validate=ID), required=True,
                                validate=validate.Length(min=1, max=MAX_GROUP_REGISTRATION))


class GroupRegistrationEntrySchema(Schema):
    candidate_id = fields.String()
    status = fields.String(validate=validate.OneOf(
        ("registered", "waitlisted", "duplicate", "rejected")))
    registration_id = fields.String()
    waitlist_position = WholeNumber(allow_none=True)
    errors = fields.Dict(metadata={"description": "field -> messages, for a rejected candidate"})


class GroupRegistrationReportSchema(Schema):
    session_id = fields.String()
    candidates = WholeNumber()
    registered = WholeNumber()
    waitlisted = WholeNumber()
    duplicates = WholeNumber()
    rejected = WholeNumber()
    report = fields.List(fields.Nested(GroupRegistrationEntrySchema))


class ScoresSchema(Schema):
    theory = fields.Float(required=True, validate=SCORE)
    practical = fields.Float(required=True, validate=SCORE)


class ResultSchema(Schema):
    theory = fields.Float()
    practical = fields.Float()
    passed = fields.Boolean()
    recorded_at = fields.DateTime()


class RegistrationSchema(Schema):
    id = fields.String(attribute="_id")
    session_id = fields.String()
    certificate_code = fields.String()
    level = fields.String()
    candidate_id = fields.String()
    candidate_kind = fields.String()
    status = fields.String()
    waitlist_position = WholeNumber(allow_none=True)
    result = fields.Nested(ResultSchema, allow_none=True)
    certificate_number = fields.String(allow_none=True)
    created_at = fields.DateTime()


class RegistrationQuerySchema(PageQuerySchema):
    session_id = fields.String(load_default=None, validate=ID)
    candidate_id = fields.String(load_default=None, validate=ID)
    status = fields.String(load_default=None, validate=validate.OneOf(
        ("registered", "waitlisted", "cancelled")))
    sort = sort_by("created_at", "status", "certificate_code")

class ResultsImportSchema(Schema):
    csv = fields.String(required=True, validate=validate.Length(min=1, max=1024 * 1024))


class ResultRowReportSchema(Schema):
    row = WholeNumber(metadata={"description": "the CSV line (the header is 1)"})
    candidate_id = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(("recorded", "rejected")))
    registration_id = fields.String()
    passed = fields.Boolean()
    certificate_number = fields.String(allow_none=True,
                                       metadata={"description": "issued on a pass"})
    errors = fields.Dict(metadata={"description": "field -> messages, for a rejected row"})


class ResultsImportReportSchema(Schema):
    recorded = WholeNumber()
    rejected = WholeNumber()
    rows = fields.List(fields.Nested(ResultRowReportSchema))


# issued certificates ------------------------------------------------------------

class RevocationSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))


class IssueBasisSchema(Schema):
    """What a certificate was issued on: an exam passed, or a competition award
    that stands in for the exam under the programme's award rule."""
    kind = fields.String(validate=validate.OneOf(("exam", "award")))
    award_id = fields.String(allow_none=True)


class IssuedSchema(Schema):
    certificate_number = fields.String(attribute="_id")
    certificate_code = fields.String()
    title = fields.String()
    level = fields.String()
    candidate_id = fields.String()
    candidate_kind = fields.String()
    holder_name = fields.String(allow_none=True)
    registration_id = fields.String(allow_none=True, metadata={
        "description": "The exam registration it was issued on; null when an award stood "
                       "in for the exam."})
    basis = fields.Nested(IssueBasisSchema, dump_default=lambda: {"kind": "exam",
                                                                  "award_id": None})
    issued_on = fields.String()
    valid_until = fields.String(allow_none=True)
    signed_with = fields.String()
    revoked = fields.Boolean()
    revocation_reason = fields.String(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class IssuedQuerySchema(PageQuerySchema):
    candidate_id = fields.String(load_default=None, validate=ID)
    certificate_code = fields.String(load_default=None, validate=CODE)
    sort = sort_by("created_at", "issued_on", "certificate_number", "holder_name")

    @pre_load
    def normalise(self, data: Any, **kwargs: Any) -> Any:
        return upper_code(data, "certificate_code")


# public verification (no token): what a certificate proves, not who holds it ------------

PUBLIC_STATUSES = ("valid", "revoked", "expired")


class HolderCheckSchema(Schema):
    holder_name = fields.String(required=True, validate=validate.Length(min=1, max=100),
                                metadata={"description": "The name the verifier was given."})


class PostedCredentialSchema(Schema):
    """A credential to verify, as downloaded from
    ``/v1/issued-certificates/{number}/credential``: any JSON object, whose
    verdict says what is wrong with it (its proof, its key, the issuer's record
    of it, its status)."""
    class Meta:
        unknown = INCLUDE


class PublicIssuerSchema(Schema):
    id = fields.String()
    name = fields.String()


class PublicCertificateSchema(Schema):
    """A public verification by number: never the holder, nor why a
    certificate was revoked."""
    certificate_number = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(PUBLIC_STATUSES))
    certificate_code = fields.String(required=True)
    title = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    issuer = fields.Nested(PublicIssuerSchema, required=True,
                           metadata={"description": "The college that signed it."})
    organisation = fields.String(allow_none=True, required=True, metadata={
        "description": "The training and evaluation organisation of the certificate."})
    issued_on = fields.Date(required=True)
    valid_until = fields.Date(required=True, allow_none=True,
                              metadata={"description": "Null: valid for life."})
    proof_verified = fields.Boolean(required=True, metadata={
        "description": "The stored credential's signature holds under the issuer's keys."})
    problems = fields.List(fields.String(), required=True)
    holder_name_matches = fields.Boolean(required=True, allow_none=True, metadata={
        "description": "Whether the holder_name checked is the holder's (spacing, case and "
                       "width aside); null when no name was checked."})


class CredentialVerdictSchema(Schema):
    """The verdict on a posted credential. A failed proof or a credential the
    issuer does not know carries only the problems; a known one the public
    facts and the holder's name, which the credential's subject already names."""
    verified = fields.Boolean(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        PUBLIC_STATUSES + ("invalid", "unknown")))
    problems = fields.List(fields.String(), required=True)
    certificate_number = fields.String(required=True, allow_none=True)
    certificate_code = fields.String(required=True, allow_none=True)
    title = fields.String(required=True, allow_none=True)
    level = fields.String(required=True, allow_none=True)
    issuer = fields.Nested(PublicIssuerSchema, required=True, allow_none=True)
    organisation = fields.String(required=True, allow_none=True)
    issued_on = fields.Date(required=True, allow_none=True)
    valid_until = fields.Date(required=True, allow_none=True)
    holder_name = fields.String(required=True, allow_none=True)


# credit bank ----------------------------------------------------------------------

class CreditRuleInputSchema(Schema):
    programme_id = fields.String(required=True, validate=ID)
    certificate_code = fields.String(required=True, validate=CODE)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    credits = fields.Float(required=True, validate=validate.Range(min=0, max=60))
    course_exemptions = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                                    load_default=list, validate=validate.Length(max=20))

    @pre_load
    def normalise(self, data: Any, **kwargs: Any) -> Any:
        return upper_code(data, "certificate_code")


class CreditRuleSchema(Schema):
    id = fields.String(attribute="_id")
    programme_id = fields.String()
    certificate_code = fields.String()
    level = fields.String()
    credits = fields.Float()
    course_exemptions = fields.List(fields.String())
    version = WholeNumber()
    updated_at = fields.DateTime()


class CreditAmountSchema(Schema):
    credits = fields.Float()
    course_exemptions = fields.List(fields.String())


class CreditChangeSchema(Schema):
    """What a rule changes for one holder of the certificate."""
    student_id = fields.String()
    certificate_number = fields.String()
    change = fields.String(validate=validate.OneOf(("grant", "adjust", "reverse")))
    current = fields.Nested(CreditAmountSchema, allow_none=True,
                            metadata={"description": "the grant in force, or null"})
    proposed = fields.Nested(CreditAmountSchema, allow_none=True,
                             metadata={"description": "the grant under the rule, or null"})


class CreditRuleChangesSchema(Schema):
    """A conversion rule and, per student, what it changes (or, previewed,
    would change); a preview's rule has no id or version yet."""
    rule = fields.Nested(CreditRuleSchema, required=True)
    changes = fields.List(fields.Nested(CreditChangeSchema), required=True)


class CreditRuleQuerySchema(PageQuerySchema):
    programme_id = fields.String(load_default=None, validate=ID)


class LedgerEntrySchema(Schema):
    id = fields.String(attribute="_id")
    kind = fields.String()
    student_id = fields.String()
    programme_id = fields.String()
    certificate_number = fields.String(allow_none=True, metadata={
        "description": "The certificate the credits are for; null for an award's."})
    award_id = fields.String(allow_none=True, dump_default=None, metadata={
        "description": "The competition award the credits are for; null for a certificate's."})
    credits = fields.Float()
    course_exemptions = fields.List(fields.String())
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class LedgerQuerySchema(PageQuerySchema):
    student_id = fields.String(required=True, validate=ID)


class CreditGrantSchema(Schema):
    """A grant in force: what one certificate, or one competition award, earns
    under one programme's rule."""
    certificate_number = fields.String(allow_none=True)
    award_id = fields.String(allow_none=True, dump_default=None)
    programme_id = fields.String()
    credits = fields.Float()
    course_exemptions = fields.List(fields.String())


class LedgerPageSchema(Schema):
    items = fields.List(fields.Nested(LedgerEntrySchema), required=True)
    total = WholeNumber(required=True)
    offset = WholeNumber(required=True)
    limit = WholeNumber(required=True)


class CreditAccountSchema(Schema):
    """A student's credit account: the totals of the grants in force, the
    grants, and one page of the ledger (grants and reversals, newest first)."""
    student_id = fields.String(required=True)
    total_credits = fields.Float(required=True)
    course_exemptions = fields.List(fields.String(), required=True)
    grants = fields.List(fields.Nested(CreditGrantSchema), required=True)
    ledger = fields.Nested(LedgerPageSchema, required=True)


# skills competitions ----------------------------------------------------------------

COMPETITION_STATUSES = ("open", "results_recorded")
ENTRY_KINDS = ("individual", "team")
MAX_TEAM_SIZE = 10
MAX_TUTORS = 3
NO_AWARD = "none"
RESULT_AWARDS = AWARDS + (NO_AWARD,)
RESULT_OUTCOMES = ("awarded", "unchanged", "corrected", "no award", "rejected")
AWARD_STATUSES = ("awarded", "withdrawn")
MAX_RESULTS = 500
COURSE_CODE = validate.Length(min=1, max=40)


def repeated(values: list[Any]) -> list[Any]:
    """The values named more than once, in their order."""
    seen: set[Any] = set()
    twice = []
    for value in values:
        if value in seen and value not in twice:
            twice.append(value)
        seen.add(value)
    return twice


class NewCompetitionSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    level = fields.String(required=True, validate=validate.OneOf(COMPETITION_LEVELS))
    organiser = fields.String(required=True, validate=validate.Length(min=2, max=200))
    held_on = fields.Date(required=True)
    courses = fields.List(fields.String(validate=COURSE_CODE), load_default=list,
                          validate=validate.Length(max=50),
                          metadata={"description": "The course codes the competition "
                                                   "belongs with."})
    certificates = fields.List(
        fields.Nested(RequiredCertificateSchema), load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "The X certificates (code and level, each catalogued with "
                                 "that level) the competition is aligned with."})


class CompetitionSchema(Schema):
    id = fields.String(attribute="_id")
    name = fields.String()
    level = fields.String()
    organiser = fields.String()
    held_on = fields.String()
    courses = fields.List(fields.String())
    certificates = fields.List(fields.Nested(RequiredCertificateSchema))
    status = fields.String(validate=validate.OneOf(COMPETITION_STATUSES))
    entries = WholeNumber(metadata={"description": "How many entries it has."})
    created_at = fields.DateTime()


class CompetitionQuerySchema(PageQuerySchema):
    level = fields.String(load_default=None, validate=validate.OneOf(COMPETITION_LEVELS))
    status = fields.String(load_default=None, validate=validate.OneOf(COMPETITION_STATUSES))
    sort = sort_by("created_at", "held_on", "name")


class NewEntrySchema(Schema):
    """An individual (one student) or a team (2 to 10 students and a name),
    with up to 3 tutoring teachers (their mentor ids)."""
    kind = fields.String(required=True, validate=validate.OneOf(ENTRY_KINDS))
    team_name = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(min=1, max=100),
                              metadata={"description": "Required for a team; an individual "
                                                       "entry has none."})
    student_ids = fields.List(fields.String(validate=ID), required=True,
                              validate=validate.Length(min=1, max=MAX_TEAM_SIZE))
    tutor_ids = fields.List(fields.String(validate=ID), load_default=list,
                            validate=validate.Length(max=MAX_TUTORS),
                            metadata={"description": "Teachers' mentor ids."})

    @validates_schema
    def shaped_as_its_kind(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        students = data["student_ids"]
        if data["kind"] == "individual":
            if len(students) != 1:
                errors["student_ids"] = ["An individual entry names one student."]
            if data.get("team_name") is not None:
                errors["team_name"] = ["An individual entry has no team name."]
        else:
            if len(students) < 2:
                errors["student_ids"] = ["A team has 2 to %d students." % MAX_TEAM_SIZE]
            if not (data.get("team_name") or "").strip():
                errors["team_name"] = ["A team needs a name."]
        for name in ("student_ids", "tutor_ids"):
            twice = repeated(data.get(name) or [])
            if twice and name not in errors:
                errors[name] = ["Named more than once: %s." % ", ".join(twice)]
        if errors:
            raise ValidationError(errors)


class EntryResultSchema(Schema):
    award = fields.String(validate=validate.OneOf(RESULT_AWARDS))
    rank = WholeNumber(allow_none=True)
    recorded_at = fields.DateTime()


class EntrySchema(Schema):
    id = fields.String(attribute="_id")
    competition_id = fields.String()
    kind = fields.String(validate=validate.OneOf(ENTRY_KINDS))
    team_name = fields.String(allow_none=True)
    student_ids = fields.List(fields.String())
    tutor_ids = fields.List(fields.String())
    result = fields.Nested(EntryResultSchema, allow_none=True,
                           metadata={"description": "null until results are recorded"})
    created_at = fields.DateTime()


class EntryQuerySchema(PageQuerySchema):
    student_id = fields.String(load_default=None, validate=ID)


class CompetitionResultRowSchema(Schema):
    entry_id = fields.String(required=True, validate=ID)
    award = fields.String(required=True, validate=validate.OneOf(RESULT_AWARDS),
                          metadata={"description": "none: took part, no award"})
    rank = WholeNumber(load_default=None, allow_none=True,
                       validate=validate.Range(min=1, max=100000))


class CompetitionResultsSchema(Schema):
    """A competition's results, one row per entry; recorded again, they correct
    the earlier ones."""
    results = fields.List(fields.Nested(CompetitionResultRowSchema), required=True,
                          validate=validate.Length(min=1, max=MAX_RESULTS))

    @validates_schema
    def each_entry_once(self, data: dict[str, Any], **kwargs: Any) -> None:
        twice = repeated([row["entry_id"] for row in data["results"]])
        if twice:
            raise ValidationError("Each entry has one result; named more than once: %s."
                                  % ", ".join(twice), "results")


class CompetitionResultOutcomeSchema(Schema):
    entry_id = fields.String()
    outcome = fields.String(validate=validate.OneOf(RESULT_OUTCOMES), metadata={
        "description": "awarded: a first result with an award; no award: a first result "
                       "without; unchanged: the result recorded already; corrected: a "
                       "different result replaced the earlier one (awards that changed "
                       "withdrawn, the new ones granted); rejected: see errors"})
    award_ids = fields.List(fields.String(), metadata={
        "description": "The awards this result granted now (none when unchanged)."})
    errors = fields.Dict(metadata={"description": "field -> messages, for a rejected row"})


class CompetitionResultsReportSchema(Schema):
    competition_id = fields.String()
    status = fields.String(validate=validate.OneOf(COMPETITION_STATUSES))
    awarded = WholeNumber()
    unchanged = WholeNumber()
    corrected = WholeNumber()
    no_award = WholeNumber()
    rejected = WholeNumber()
    rows = fields.List(fields.Nested(CompetitionResultOutcomeSchema))


class AwardSchema(Schema):
    id = fields.String(attribute="_id", metadata={"description": "<entry id>:<student id>"})
    student_id = fields.String()
    programme_id = fields.String(allow_none=True)
    partner_id = fields.String(allow_none=True)
    competition_id = fields.String()
    competition_name = fields.String()
    level = fields.String(validate=validate.OneOf(COMPETITION_LEVELS))
    award = fields.String(validate=validate.OneOf(AWARDS))
    held_on = fields.String()
    entry_id = fields.String()
    team_name = fields.String(allow_none=True)
    tutor_ids = fields.List(fields.String())
    status = fields.String(validate=validate.OneOf(AWARD_STATUSES))
    withdrawal_reason = fields.String(allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)
    certificate_number = fields.String(allow_none=True, metadata={
        "description": "The certificate issued on the award in place of an exam, or null."})
    created_at = fields.DateTime()


class AwardQuerySchema(PageQuerySchema):
    student_id = fields.String(load_default=None, validate=ID)
    competition_id = fields.String(load_default=None, validate=ID)
    level = fields.String(load_default=None, validate=validate.OneOf(COMPETITION_LEVELS))
    status = fields.String(load_default=None, validate=validate.OneOf(AWARD_STATUSES))
    sort = sort_by("created_at", "held_on")


class AwardWithdrawalSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))


class ExamStandInSchema(Schema):
    """The certificate (and level) an award earns without sitting the exam."""
    certificate_code = fields.String(required=True, validate=CODE)
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))

    @pre_load
    def normalise(self, data: Any, **kwargs: Any) -> Any:
        return upper_code(data, "certificate_code")


class AwardRuleInputSchema(Schema):
    programme_id = fields.String(required=True, validate=ID)
    competition_level = fields.String(required=True,
                                      validate=validate.OneOf(COMPETITION_LEVELS))
    award = fields.String(required=True, validate=validate.OneOf(AWARDS))
    credits = fields.Float(required=True, validate=validate.Range(min=0, max=60))
    course_exemptions = fields.List(fields.String(validate=COURSE_CODE),
                                    load_default=list, validate=validate.Length(max=20))
    exam_stand_in = fields.Nested(ExamStandInSchema, load_default=None, allow_none=True,
                                  metadata={"description": "A certificate issued on such "
                                            "an award without an exam, from now on; null: "
                                            "none."})


class AwardRuleSchema(Schema):
    id = fields.String(attribute="_id")
    programme_id = fields.String()
    competition_level = fields.String()
    award = fields.String()
    credits = fields.Float()
    course_exemptions = fields.List(fields.String())
    exam_stand_in = fields.Nested(ExamStandInSchema, allow_none=True)
    version = WholeNumber()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class AwardCreditChangeSchema(Schema):
    """What an award rule changed for one award."""
    student_id = fields.String()
    award_id = fields.String()
    change = fields.String(validate=validate.OneOf(("grant", "adjust", "reverse")))
    current = fields.Nested(CreditAmountSchema, allow_none=True,
                            metadata={"description": "the grant in force before, or null"})
    proposed = fields.Nested(CreditAmountSchema, allow_none=True,
                             metadata={"description": "the grant under the rule, or null"})


class AwardRuleChangesSchema(Schema):
    """An award rule as set and, per award of its programme, level and award,
    what it changed in the credit bank."""
    rule = fields.Nested(AwardRuleSchema, required=True)
    changes = fields.List(fields.Nested(AwardCreditChangeSchema), required=True)


class AwardRuleQuerySchema(PageQuerySchema):
    programme_id = fields.String(load_default=None, validate=ID)


# signed credentials -------------------------------------------------------------------

class VerifiableCredentialSchema(Schema):
    """A W3C Verifiable Credential 2.0 with its Data Integrity proof
    (``eddsa-jcs-2022``): a certificate's OpenBadgeCredential or the revocation
    Bitstring Status List. JSON-LD: other terms of its contexts may appear."""
    class Meta:
        unknown = INCLUDE

    context = fields.List(fields.Raw(), data_key="@context", required=True)
    id = fields.String()
    type = fields.List(fields.String(), required=True)
    issuer = fields.Raw(required=True, metadata={
        "description": "the issuer's id, or its profile {id, type, name}"})
    name = fields.String()
    valid_from = fields.String(data_key="validFrom", metadata={"format": "date-time"})
    valid_until = fields.String(data_key="validUntil", metadata={"format": "date-time"})
    credential_subject = fields.Dict(data_key="credentialSubject", required=True)
    credential_status = fields.Dict(data_key="credentialStatus")
    evidence = fields.List(fields.Dict())
    proof = fields.Dict(metadata={"description": "absent only where no signing key is set"})


class VerificationKeySchema(Schema):
    key_id = fields.String()
    verification_method = fields.String()
    public_key_multibase = fields.String()


class VerificationKeysSchema(Schema):
    """The issuer and its keys: the active one first, then those kept for
    verifying credentials signed before a rotation."""
    issuer = fields.Nested(PublicIssuerSchema, required=True)
    keys = fields.List(fields.Nested(VerificationKeySchema), required=True)
