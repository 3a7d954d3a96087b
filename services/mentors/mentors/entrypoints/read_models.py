"""What the gateway's views read (docs/views.md): per student, per
enterprise, and the dashboard's facts. Read-only, no transaction."""
from college_platform.rpc import rpc
from college_platform.summaries import summary_ids
from mentors import workflows


class ReadModelEntrypoints:

    @rpc
    def student_summaries(self, student_ids):
        """{student_id: {"mentors": {"school", "industry", "needs_reassignment"}}}
        for at most 200 ids; {} for a student who is no apprentice here."""
        return workflows.student_summaries(self.records, summary_ids(student_ids, "student_ids"))

    @rpc
    def enterprise_summaries(self, enterprise_ids):
        """{enterprise_id: {"mentors", "hosted_teachers", "contribution"}} for at
        most 200 ids; {} for an enterprise this service does not know."""
        return workflows.enterprise_summaries(
            self.records, summary_ids(enterprise_ids, "enterprise_ids"))

    @rpc
    def indicator_facts(self):
        """The mentors service's contribution to the dashboard: additive rows
        {"metric", "value", "term", "programme_id", "enterprise_id", "breakdown"}."""
        return workflows.indicator_facts(self.records)
