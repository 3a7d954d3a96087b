"""The aggregated views' read models (docs/views.md): read-only, no transaction."""
from college_platform.rpc import rpc
from college_platform.summaries import summary_ids
from enrollment import settings
from enrollment.workflows import read_models


class ReadModelEntrypoints:

    @rpc
    def student_summaries(self, student_ids):
        """{student_id: {"student", "apprenticeship", "personal"}} for at most
        200 ids; {} for a student enrollment does not know."""
        ids = summary_ids(student_ids, "student_ids")
        return self.store.read(lambda uow: read_models.student_summaries(uow, ids))

    @rpc
    def enterprise_summaries(self, enterprise_ids):
        """{partner_id: {"partner", "agreements", "seats", "students",
        "apprentices", "contribution", "commitments"}} for at most 200 ids;
        {} for an unknown partner."""
        ids = summary_ids(enterprise_ids, "enterprise_ids")
        today, tolerance = self.clock.today(), settings.CLAUSE_AT_RISK_TOLERANCE()
        return self.store.read(
            lambda uow: read_models.enterprise_summaries(uow, ids, today, tolerance))

    @rpc
    def indicator_facts(self):
        """Enrollment's contribution to the dashboard: additive rows
        {"metric", "value", "term", "programme_id", "enterprise_id", "breakdown"}."""
        today, tolerance = self.clock.today(), settings.CLAUSE_AT_RISK_TOLERANCE()
        return self.store.read(lambda uow: read_models.indicator_facts(uow, today, tolerance))
