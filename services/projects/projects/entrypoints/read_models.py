"""What the gateway's views read (docs/views.md): per student, per
enterprise, and the dashboard's facts. Read-only."""
from college_platform.rpc import rpc
from college_platform.summaries import say_when_it_changes, summary_ids
from projects import summaries
from projects.entrypoints import grace_days


class ReadModelEntrypoints:

    @rpc
    def student_summaries(self, student_ids):
        """Per student: projects with grade lineage, placements with check-in
        compliance and open alerts, overdue and received feedback, and risk
        signals, and in how many seconds the part changes with time alone (a
        week's grace period ending...), if it does. At most 200 ids; ``{}`` for
        an unknown one. Read-only.

        ["s-1"] -> {"s-1": {"projects": [...], "placements": [...],
        "feedback": {"overdue": [...], "received_average": 4.5},
        "risk_signals": {"missed_checkins": 1, "open_alerts": 1, ...},
        "changes_in_seconds": 54000.0}}"""
        ids = summary_ids(student_ids, "student_ids")
        now = self.clock()
        today = now.date()
        sources = self.store.reading().records.student_summary_sources(ids)
        placements, checkins, alerts = (sources["placements"], sources["checkins"],
                                        sources["alerts"])
        answer = {}
        for id_ in ids:
            own = placements.get(id_, [])
            answer[id_] = summaries.student_part(
                student=sources["students"].get(id_),
                memberships=sources["memberships"].get(id_, []),
                grades=sources["grades"].get(id_, []), projects=sources["projects"],
                deliverables=sources["deliverables"], placements=own,
                checkins={p["_id"]: checkins.get(p["_id"], []) for p in own},
                alerts={p["_id"]: alerts.get(p["_id"], []) for p in own},
                feedback=sources["feedback"].get(id_, []), today=today,
                grace_days=grace_days())
            say_when_it_changes(answer[id_], now)
        return answer

    @rpc
    def enterprise_summaries(self, enterprise_ids):
        """Per enterprise (enrollment's partner id): its projects and their
        statuses, feedback given and received, and its contribution (projects
        posted, mean days from a placement's or project's end to its feedback).
        At most 200 ids; ``{}`` for an unknown one. Read-only."""
        ids = summary_ids(enterprise_ids, "enterprise_ids")
        sources = self.store.reading().records.enterprise_summary_sources(ids)
        return {id_: summaries.enterprise_part(
            partner=sources["partners"].get(id_), tally=sources["tallies"].get(id_),
            projects=sources["projects"].get(id_, []),
            feedback=sources["feedback"].get(id_, []), subjects=sources["subjects"])
            for id_ in ids}

    @rpc
    def indicator_facts(self):
        """The dashboard's additive facts: projects published and completed (on
        time), ratings both ways (sums and counts), the enterprises' feedback
        turnaround (sum and count), check-ins expected and done, open alerts.
        -> [{"metric", "value", "term", "programme_id", "enterprise_id", "breakdown"}]"""
        return summaries.indicator_facts(
            **self.store.reading().records.indicator_sources(), today=self.clock().date(),
            grace_days=grace_days())
