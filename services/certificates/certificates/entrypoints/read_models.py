"""What the gateway reads (docs/views.md): per student, per sponsoring
enterprise, and the dashboard's facts. Read-only, no transaction."""
from certificates import summaries
from college_platform.rpc import rpc
from college_platform.summaries import summary_ids


class ReadModelEntrypoints:

    @rpc
    def student_summaries(self, student_ids):
        """Per candidate: registrations, results, certificates, credits and
        competition awards. At most 200 ids; ``{}`` for an unknown one.
        Read-only, no transaction.

        ["stu-1"] -> {"stu-1": {"registrations": [...], "results": [...],
        "certificates": [...], "credits": {"total": 4.0, "grants": [...]},
        "awards": [{"award_id", "competition_id", "competition_name", "level",
        "award", "held_on", "status", "certificate_number"}]}}"""
        ids = summary_ids(student_ids, "student_ids")
        candidates, registrations, issued, grants, awards = \
            self.store.reading().records.student_parts(ids)
        return {id_: summaries.student_part(candidates.get(id_), registrations.get(id_, []),
                                            issued.get(id_, []), grants.get(id_, []),
                                            awards.get(id_, []))
                for id_ in ids}

    @rpc
    def enterprise_summaries(self, enterprise_ids):
        """Per sponsoring enterprise (enrollment's partner id): how many of its
        students hold a certificate, and how many certificates they hold.

        ["p-1"] -> {"p-1": {"students_certified": 2, "certificates_issued": 3}}"""
        ids = summary_ids(enterprise_ids, "enterprise_ids")
        students, issued = self.store.reading().records.enterprise_parts(ids)
        return {id_: summaries.enterprise_part(students.get(id_, []), issued) for id_ in ids}

    @rpc
    def indicator_facts(self):
        """The dashboard's additive facts: registrations, results_total and
        results_passed (breakdown ``<code>/<level>``), credits_converted and
        awards (breakdown ``<competition level>``).
        -> [{"metric", "value", "term", "programme_id", "enterprise_id", "breakdown"}]"""
        return summaries.indicator_facts(*self.store.reading().records.indicator_documents())
