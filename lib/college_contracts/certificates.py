"""Events published by certificates. A candidate is a student (enrollment's
``student_id``) or a teacher (mentors' ``mentor_id``). Skills competitions'
awards are the certificates service's too: they convert to credits through its
credit bank and may stand in for an exam."""
from marshmallow import fields

from college_contracts.base import Date, EventData, Id, one_of

LEVELS = ("junior", "intermediate", "senior")
CANDIDATE_KINDS = ("student", "teacher")
# skills competitions' levels, lowest first, and their awards, best first
COMPETITION_LEVELS = ("college", "municipal", "provincial", "national", "world")
AWARDS = ("first", "second", "third", "honourable")


class CertificateCatalogued(EventData):
    certificate_id = Id(required=True)
    code = fields.String(required=True)
    title = fields.String(required=True)
    levels = fields.List(fields.String(validate=one_of(*LEVELS)), required=True)


class ExamRegistered(EventData):
    registration_id = Id(required=True)
    session_id = Id(required=True)
    certificate_code = fields.String(required=True)
    level = fields.String(required=True, validate=one_of(*LEVELS))
    candidate_id = Id(required=True)
    candidate_kind = fields.String(required=True, validate=one_of(*CANDIDATE_KINDS))
    status = fields.String(required=True, validate=one_of("registered", "waitlisted"))


class RegistrationCancelled(EventData):
    """A cancelled registration; the seat it freed may go to the waiting list
    (announced as ``exam_registered`` with status ``registered``)."""
    registration_id = Id(required=True)
    session_id = Id(required=True)
    candidate_id = Id(required=True)
    candidate_kind = fields.String(required=True, validate=one_of(*CANDIDATE_KINDS))


class ResultRecorded(EventData):
    registration_id = Id(required=True)
    candidate_id = Id(required=True)
    candidate_kind = fields.String(required=True, validate=one_of(*CANDIDATE_KINDS))
    certificate_code = fields.String(required=True)
    level = fields.String(required=True, validate=one_of(*LEVELS))
    theory = fields.Float(required=True)
    practical = fields.Float(required=True)
    passed = fields.Boolean(required=True)


class CertificateIssued(EventData):
    certificate_number = fields.String(required=True)
    candidate_id = Id(required=True)
    candidate_kind = fields.String(required=True, validate=one_of(*CANDIDATE_KINDS))
    certificate_code = fields.String(required=True)
    level = fields.String(required=True, validate=one_of(*LEVELS))
    issued_on = Date(required=True)
    # the enterprise sponsoring the student (enrollment's partner id), whose view counts it
    partner_id = Id(allow_none=True, load_default=None)


class CertificateRevoked(EventData):
    certificate_number = fields.String(required=True)
    candidate_id = Id(required=True)
    candidate_kind = fields.String(required=True, validate=one_of(*CANDIDATE_KINDS))
    reason = fields.String(required=True)
    partner_id = Id(allow_none=True, load_default=None)  # the sponsor, as on issue


class CreditsChanged(EventData):
    """Published as ``credits_granted`` and ``credits_reversed``: the grant of
    a certificate (``certificate_number``) or of a competition award
    (``award_id``, grant id ``award:<award_id>:<programme_id>``)."""
    grant_id = Id(required=True)
    student_id = Id(required=True)
    # when the grant was made ("2027-06-01T08:00:00.123Z"), the same on its reversal: a
    # grant made again under the same id after a reversal is told apart by it
    granted_at = fields.String(allow_none=True, load_default=None)
    certificate_number = fields.String(allow_none=True, load_default=None)
    award_id = Id(allow_none=True, load_default=None)
    programme_id = Id(required=True)
    credits = fields.Float(required=True)
    course_exemptions = fields.List(fields.String(), load_default=list)
    reason = fields.String(allow_none=True, load_default=None)


class AwardGranted(EventData):
    """A student's award in a skills competition (each member of a team has one)."""
    award_id = Id(required=True)
    student_id = Id(required=True)
    programme_id = Id(required=True)
    partner_id = Id(allow_none=True, load_default=None)  # the sponsor, whose view counts it
    competition_id = Id(required=True)
    competition_name = fields.String(required=True)
    level = fields.String(required=True, validate=one_of(*COMPETITION_LEVELS))
    award = fields.String(required=True, validate=one_of(*AWARDS))
    held_on = Date(required=True)


class AwardWithdrawn(AwardGranted):
    """An award withdrawn (a disqualification, or a result corrected)."""
    reason = fields.String(required=True)


EVENTS = {
    "certificate_catalogued": CertificateCatalogued,
    "exam_registered": ExamRegistered,
    "registration_cancelled": RegistrationCancelled,
    "result_recorded": ResultRecorded,
    "certificate_issued": CertificateIssued,
    "certificate_revoked": CertificateRevoked,
    "credits_granted": CreditsChanged,
    "credits_reversed": CreditsChanged,
    "award_granted": AwardGranted,
    "award_withdrawn": AwardWithdrawn,
}
