"""What every entrypoint mixin shares: the response views and reading outside
a transaction."""
from enrollment.records import EnrollmentRecords
from enrollment.schemas import (
    AgreementSchema,
    ApplicantRecordSchema,
    ApplicationRecordSchema,
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
programme_view = ProgrammeSchema()
ledger_view = LedgerEntrySchema()
applicant_view = ApplicantRecordSchema()
application_view = ApplicationRecordSchema()
tripartite_view = TripartiteAgreementSchema()
student_view = StudentSchema()


class Reading:
    """A unit of work for reads outside any transaction: its ``records`` only."""

    def __init__(self, db):
        self.records = EnrollmentRecords(db)


class Entrypoints:
    """The combined service provides ``store`` and ``clock``."""

    def read(self, work):
        """``work(uow)`` over the database as it is, without a transaction."""
        return work(Reading(self.store.db))
