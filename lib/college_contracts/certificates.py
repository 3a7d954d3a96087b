"""Events published by certificates. A candidate is a student (enrollment's
``student_id``) or a teacher (mentors' ``mentor_id``)."""
from marshmallow import fields

from college_contracts.base import Date, EventData, Id, one_of

LEVELS = ("junior", "intermediate", "senior")
CANDIDATE_KINDS = ("student", "teacher")


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
    """Published as ``credits_granted`` and ``credits_reversed``."""
    grant_id = Id(required=True)
    student_id = Id(required=True)
    certificate_number = fields.String(required=True)
    programme_id = Id(required=True)
    credits = fields.Float(required=True)
    course_exemptions = fields.List(fields.String(), load_default=list)
    reason = fields.String(allow_none=True, load_default=None)


EVENTS = {
    "certificate_catalogued": CertificateCatalogued,
    "exam_registered": ExamRegistered,
    "registration_cancelled": RegistrationCancelled,
    "result_recorded": ResultRecorded,
    "certificate_issued": CertificateIssued,
    "certificate_revoked": CertificateRevoked,
    "credits_granted": CreditsChanged,
    "credits_reversed": CreditsChanged,
}
