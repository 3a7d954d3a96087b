"""Events published by enrollment. ``student_id`` is enrollment's id for an
enrolled student and identifies the student in every service."""
from marshmallow import fields

from college_contracts.base import Date, EventData, Id, one_of

PROGRAMME_KINDS = ("order_class", "apprenticeship", "joint_major")
# "transferred" is not published: a transfer is "active" with from_programme_id set
ENROLMENT_STATUSES = ("active", "suspended", "withdrawn", "transferred", "graduated")
APPLICATION_STATUSES = ("submitted", "screened", "interviewed", "offered", "accepted", "declined",
                        "rejected", "withdrawn", "expired", "enrolled")
OFFER_PARTIES = ("college", "enterprise")
# what a cooperation agreement's clause may bind a party to (enrollment/commitments.py)
CLAUSE_PARTIES = ("enterprise", "college")
CLAUSE_METRICS = ("seats_filled", "placements_hosted", "projects_posted", "projects_completed",
                  "mentor_hours", "teachers_hosted", "hires", "equipment_value", "funds_value")
CLAUSE_STATUSES = ("on_track", "at_risk", "met", "missed")


class PartnerRegistered(EventData):
    partner_id = Id(required=True)
    legal_name = fields.String(required=True)
    credit_code = fields.String(required=True)
    industry = fields.String(required=True)


class AgreementChanged(EventData):
    """Published as ``agreement_activated`` and ``agreement_changed``."""
    agreement_id = Id(required=True)
    partner_id = Id(required=True)
    status = fields.String(required=True, validate=one_of(
        "draft", "active", "suspended", "expired", "terminated"))
    programme_ids = fields.List(Id(), required=True)
    # the scope as programme codes: it may name programmes not created yet
    programme_codes = fields.List(fields.String(), load_default=list)
    starts_on = Date(required=True)
    ends_on = Date(required=True)


class ProgrammeCreated(EventData):
    programme_id = Id(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=one_of(*PROGRAMME_KINDS))
    intake_year = fields.Integer(required=True)
    capacity = fields.Integer(required=True)
    courses = fields.List(fields.String(), load_default=list)
    partner_ids = fields.List(Id(), load_default=list)  # the partners given a seat quota


class QuotaSet(EventData):
    """A partner's seat quota in a programme set or changed after its creation."""
    programme_id = Id(required=True)
    partner_id = Id(required=True)
    seats = fields.Integer(required=True)


class ApplicationOffered(EventData):
    application_id = Id(required=True)
    applicant_id = Id(required=True)
    programme_id = Id(required=True)
    partner_id = Id(allow_none=True, load_default=None)


class OfferDecisionRecorded(EventData):
    """One party's decision on a joint offer: ``status`` is the application's
    after it (``interviewed`` while ``awaiting`` the other party, ``offered``
    once both approved, ``rejected``)."""
    application_id = Id(required=True)
    programme_id = Id(required=True)
    partner_id = Id(allow_none=True, load_default=None)
    party = fields.String(required=True, validate=one_of(*OFFER_PARTIES))
    approve = fields.Boolean(required=True)
    status = fields.String(required=True, validate=one_of("interviewed", "offered", "rejected"))
    awaiting = fields.String(allow_none=True, load_default=None,
                             validate=one_of(*OFFER_PARTIES))


class StudentEnrolled(EventData):
    student_id = Id(required=True)
    student_number = fields.String(required=True)
    name = fields.String(required=True)
    programme_id = Id(required=True)
    programme_code = fields.String(required=True)
    programme_kind = fields.String(required=True, validate=one_of(*PROGRAMME_KINDS))
    partner_id = Id(allow_none=True, load_default=None)  # the sponsoring enterprise, if any
    intake_year = fields.Integer(required=True)
    minor = fields.Boolean(load_default=False)


class ApprenticeContractSigned(EventData):
    contract_id = Id(required=True)
    student_id = Id(required=True)
    partner_id = Id(required=True)
    programme_id = Id(required=True)
    starts_on = Date(required=True)
    ends_on = Date(required=True)


class TripartiteAgreementChanged(EventData):
    """A version of a tripartite agreement prepared, or signed by one party;
    ``student_id`` is set once the applicant is enrolled."""
    agreement_id = Id(required=True)
    application_id = Id(required=True)
    student_id = Id(allow_none=True, load_default=None)
    version = fields.Integer(required=True)
    status = fields.String(required=True, validate=one_of(
        "awaiting_signatures", "signed", "superseded"))


class EnrolmentStatusChanged(EventData):
    student_id = Id(required=True)
    programme_id = Id(required=True)  # the programme after the change
    previous_status = fields.String(required=True, validate=one_of(*ENROLMENT_STATUSES))
    status = fields.String(required=True, validate=one_of(*ENROLMENT_STATUSES))
    reason = fields.String(allow_none=True, load_default=None)
    from_programme_id = Id(allow_none=True, load_default=None)  # set on a transfer
    partner_id = Id(allow_none=True, load_default=None)  # the sponsoring enterprise after it
    previous_partner_id = Id(allow_none=True, load_default=None)  # and before it
    programme_kind = fields.String(allow_none=True, load_default=None,
                                   validate=one_of(*PROGRAMME_KINDS))


class GraduationRequirementsSet(EventData):
    """A new version of a programme's requirements; ``student_ids``: the
    students now held to another version (the first version: all of them)."""
    programme_id = Id(required=True)
    version = fields.Integer(required=True)
    effective_from = Date(required=True)
    student_ids = fields.List(Id(), load_default=list)


class DestinationRecorded(EventData):
    """A graduate's first destination, as recorded (again, when corrected)."""
    student_id = Id(required=True)
    programme_id = Id(required=True)
    partner_id = Id(allow_none=True, load_default=None)  # the sponsor
    outcome = fields.String(required=True, validate=one_of(
        "hired_by_sponsor", "hired_by_other", "further_study", "other", "not_yet_placed"))
    enterprise_id = Id(allow_none=True, load_default=None)  # the employer, when a partner
    started_on = Date(allow_none=True, load_default=None)


class RetentionRecorded(EventData):
    student_id = Id(required=True)
    programme_id = Id(required=True)
    partner_id = Id(allow_none=True, load_default=None)  # the sponsor
    enterprise_id = Id(allow_none=True, load_default=None)  # the employer, when a partner
    months = fields.Integer(required=True, validate=one_of(6, 12))
    still_employed = fields.Boolean(required=True)


class EmployerSurveyAnswered(EventData):
    survey_id = fields.String(required=True)
    student_id = Id(required=True)
    programme_id = Id(required=True)
    enterprise_id = Id(required=True)  # the employer that answered
    months = fields.Integer(required=True, validate=one_of(6, 12))
    ratings = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class EmployerSurveyReminder(EventData):
    """A survey due and unanswered: its employer's users are to be reminded."""
    survey_id = fields.String(required=True)
    student_id = Id(required=True)
    enterprise_id = Id(required=True)
    months = fields.Integer(required=True, validate=one_of(6, 12))
    due_on = Date(required=True)
    reminders = fields.Integer(required=True)


class ClauseAtRisk(EventData):
    """A clause of a cooperation agreement entered ``at_risk`` (its progress lags
    the time elapsed) or ``missed`` (past due, unmet): once per clause and change."""
    agreement_id = Id(required=True)
    partner_id = Id(required=True)
    clause_id = fields.String(required=True)
    party = fields.String(required=True, validate=one_of(*CLAUSE_PARTIES))
    metric = fields.String(required=True, validate=one_of(*CLAUSE_METRICS))
    target = fields.Float(required=True)
    progress = fields.Float(required=True)
    elapsed = fields.Float(required=True)  # the share of the clause's time gone, 0..1
    due_on = Date(required=True)
    status = fields.String(required=True, validate=one_of("at_risk", "missed"))
    previous_status = fields.String(allow_none=True, load_default=None)


class DeclarationChanged(EventData):
    """Published as ``contribution_declared`` (an enterprise declared equipment
    or funds toward a clause) and ``declaration_decided`` (the college
    confirmed it, from when it counts, or rejected it)."""
    agreement_id = Id(required=True)
    partner_id = Id(required=True)
    declaration_id = Id(required=True)
    clause_id = fields.String(required=True)
    amount = fields.Float(required=True)
    on = Date(required=True)  # the day the contribution was made
    status = fields.String(required=True, validate=one_of("declared", "confirmed", "rejected"))


class ValuationRateSet(EventData):
    """The college set the value of a mentor hour for a calendar year: every
    enterprise's costs and returns of that year are valued again."""
    year = fields.Integer(required=True)
    mentor_hour_cny = fields.Float(required=True)


EVENTS = {
    "partner_registered": PartnerRegistered,
    "agreement_activated": AgreementChanged,
    "agreement_changed": AgreementChanged,
    "programme_created": ProgrammeCreated,
    "quota_set": QuotaSet,
    "application_offered": ApplicationOffered,
    "offer_decision_recorded": OfferDecisionRecorded,
    "student_enrolled": StudentEnrolled,
    "apprentice_contract_signed": ApprenticeContractSigned,
    "tripartite_agreement_changed": TripartiteAgreementChanged,
    "enrolment_status_changed": EnrolmentStatusChanged,
    "graduation_requirements_set": GraduationRequirementsSet,
    "destination_recorded": DestinationRecorded,
    "retention_recorded": RetentionRecorded,
    "employer_survey_answered": EmployerSurveyAnswered,
    "employer_survey_reminder": EmployerSurveyReminder,
    "clause_at_risk": ClauseAtRisk,
    "contribution_declared": DeclarationChanged,
    "declaration_decided": DeclarationChanged,
    "valuation_rate_set": ValuationRateSet,
}
