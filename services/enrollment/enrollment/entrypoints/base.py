"""What every entrypoint mixin shares: the response views. Each mixin is
combined in ``enrollment.service.EnrollmentService``, which gives it ``store``
(``store.transact`` for a change, ``store.read`` for a read outside any
transaction) and ``clock``."""
from enrollment.schemas import (
    AgreementSchema,
    ApplicantRecordSchema,
    ApplicationRecordSchema,
    CommitmentsSchema,
    EmployerSurveySchema,
    GraduationRequirementsRecordSchema,
    LedgerEntrySchema,
    PartnerSchema,
    ProgrammeSchema,
    StudentSchema,
    TripartiteAgreementSchema,
)

# every answer is dumped through the API's declared schema: storage-only fields
# (quota_partner_ids, list_position, identity_key, ...) never leave the service
partner_view = PartnerSchema()
agreement_view = AgreementSchema()
commitments_view = CommitmentsSchema()
programme_view = ProgrammeSchema()
ledger_view = LedgerEntrySchema()
applicant_view = ApplicantRecordSchema()
application_view = ApplicationRecordSchema()
tripartite_view = TripartiteAgreementSchema()
student_view = StudentSchema()
requirements_view = GraduationRequirementsRecordSchema()
survey_view = EmployerSurveySchema()
