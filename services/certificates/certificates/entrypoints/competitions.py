"""Skills competitions: competitions and their entries, results with their
corrections, awards and their withdrawal, and the credit bank's award rules
(credits, course exemptions and an exam an award stands in for)."""
from certificates import domain, workflows
from certificates.schemas import (
    AwardQuerySchema,
    AwardRuleChangesSchema,
    AwardRuleInputSchema,
    AwardRuleQuerySchema,
    AwardRuleSchema,
    AwardSchema,
    AwardWithdrawalSchema,
    CompetitionQuerySchema,
    CompetitionResultsReportSchema,
    CompetitionResultsSchema,
    CompetitionSchema,
    EntryQuerySchema,
    EntrySchema,
    NewCompetitionSchema,
    NewEntrySchema,
)
from college_platform.errors import Conflict, InvalidInput, NotFound
from college_platform.repository import filters
from college_platform.rpc import rpc
from college_platform.validation import load

competition_view = CompetitionSchema()
entry_view = EntrySchema()
award_view = AwardSchema()
award_rule_view = AwardRuleSchema()
award_rule_changes_view = AwardRuleChangesSchema()
results_report_view = CompetitionResultsReportSchema()
ISSUED_CONCURRENTLY = "a certificate was issued concurrently; record the row again"
REPORT_COUNTS = {"awarded": "awarded", "unchanged": "unchanged", "corrected": "corrected",
                 "no award": "no_award", "rejected": "rejected"}


class CompetitionsEntrypoints:

    @rpc
    def create_competition(self, payload):
        """A skills competition, open for entries.

        payload: {"name": "全国职业院校技能大赛 工业互联网集成应用", "level": "national",
                  "organiser": "教育部", "held_on": "2027-05-20", "courses": ["IOT101"],
                  "certificates": [{"code": "1X-IOT-01", "level": "intermediate"}]}
        -> {"id", ..., "status": "open", "entries": 0, "created_at"}
        """
        fields = load(NewCompetitionSchema(), payload)
        return competition_view.dump(self.store.transact(
            lambda uow: workflows.create_competition(uow, fields)))

    @rpc
    def get_competition(self, competition_id):
        """One competition, with how many entries it has (``entries``)."""
        return competition_view.dump(self.store.reading().records.competition(competition_id))

    @rpc
    def list_competitions(self, query=None):
        """query: {"level": "national", "status": "open", "sort": "-held_on"}"""
        params = load(CompetitionQuerySchema(), query or {})
        return self.store.reading().records.competitions_page(
            filters(params, "level", "status"), params, competition_view)

    @rpc
    def add_entry(self, competition_id, payload):
        """Enter an individual or a team in an open competition. Each student a
        known active student, entering the competition once (409 naming them);
        tutors are teachers (mentor ids). No entry after results are recorded (409).

        payload: {"kind": "team", "team_name": "物联网一队",
                  "student_ids": ["stu-1", "stu-2"], "tutor_ids": ["men-7"]}
                 {"kind": "individual", "student_ids": ["stu-3"]}
        -> {"id", "competition_id", "kind", "team_name", "student_ids", "tutor_ids",
            "result": null, "created_at"}
        """
        fields = load(NewEntrySchema(), payload)
        return entry_view.dump(self.store.transact(
            lambda uow: workflows.enter(uow, competition_id, fields)))

    @rpc
    def list_entries(self, competition_id, query=None, actor=None):
        """The competition's entries; ``actor``: a student sees the entries they
        are in, a teacher those they tutor. query: {"student_id": "stu-1"}"""
        params = load(EntryQuerySchema(), query or {})
        return workflows.visible_entries(self.store.reading(), competition_id, params, actor,
                                         entry_view)

    @rpc
    def record_competition_results(self, competition_id, payload):
        """Record (or correct) the competition's results, each row in its own
        transaction. An award goes to every student of the entry; recording the
        same result again changes nothing; a different one withdraws the awards
        that changed (reason "result corrected") and grants the new ones. Awards
        convert under the programmes' award rules (credits, and a certificate in
        place of an exam). Announces ``award_granted`` and ``award_withdrawn``.

        payload: {"results": [{"entry_id": "...", "award": "first", "rank": 1},
                              {"entry_id": "...", "award": "none", "rank": null}]}
        -> {"competition_id", "status", "awarded": 1, "unchanged": 0, "corrected": 0,
            "no_award": 1, "rejected": 0, "rows": [{"entry_id", "outcome": "awarded"
            | "unchanged" | "corrected" | "no award" | "rejected", "award_ids", "errors"}]}
        """
        rows = load(CompetitionResultsSchema(), payload)["results"]
        self.store.reading().records.competition(competition_id)
        report = [self._record_row(competition_id, row) for row in rows]
        if any(item["outcome"] == domain.CORRECTED for item in report):
            self.issuer.status_list.forget()  # a certificate issued on an award was revoked
        counts = {key: 0 for key in REPORT_COUNTS.values()}
        for item in report:
            counts[REPORT_COUNTS[item["outcome"]]] += 1
        status = self.store.reading().records.competition(competition_id)["status"]
        return results_report_view.dump({"competition_id": competition_id, "status": status,
                                         **counts, "rows": report})

    def _record_row(self, competition_id, row):
        """One row in its own transaction: a row refused is reported, and the
        others are still recorded."""
        try:
            return self.store.transact(
                lambda uow: workflows.record_competition_result(
                    uow, competition_id, row, self.clock(), self.issuer),
                on_duplicate=Conflict(ISSUED_CONCURRENTLY))
        except InvalidInput as exc:
            return {"entry_id": row["entry_id"], "outcome": "rejected", "award_ids": [],
                    "errors": exc.errors}
        except (Conflict, NotFound) as exc:
            return {"entry_id": row["entry_id"], "outcome": "rejected", "award_ids": [],
                    "errors": {"_row": [exc.detail]}}

    # awards ------------------------------------------------------------------------

    @rpc
    def get_award(self, award_id, actor=None):
        """One award; ``actor``: a student sees their own, a teacher those of
        the entries they tutor."""
        return award_view.dump(workflows.visible_award(self.store.reading(), award_id, actor))

    @rpc
    def list_awards(self, query=None, actor=None):
        """query: {"student_id", "competition_id", "level", "status": "awarded" |
        "withdrawn", "sort": "-held_on"}; ``actor`` as for ``get_award``."""
        params = load(AwardQuerySchema(), query or {})
        return workflows.visible_awards(self.store.reading(), params, actor, award_view)

    @rpc
    def withdraw_award(self, award_id, payload):
        """Withdraw an award (a disqualification): its credits reversed, a
        certificate issued on it revoked ("award withdrawn: <reason>").
        Announces ``award_withdrawn``; twice is a conflict.

        payload: {"reason": "违规使用外部设备，取消成绩"} -> the award
        """
        reason = load(AwardWithdrawalSchema(), payload)["reason"]
        award = self.store.transact(
            lambda uow: workflows.withdraw(uow, award_id, reason, self.clock()))
        if award.get("certificate_number"):
            self.issuer.status_list.forget()
        return award_view.dump(award)

    # award credit rules ----------------------------------------------------------------

    @rpc
    def set_award_rule(self, payload):
        """Create or change the award rule of a programme, competition level
        and award, and apply its credits to the programme's awards in force of
        that level and award (the ledger records a reversal of each old grant
        and the new grant). Its exam stand-in applies to awards granted from
        now on only.

        payload: {"programme_id": "...", "competition_level": "provincial",
                  "award": "first", "credits": 4, "course_exemptions": ["IOT201"],
                  "exam_stand_in": {"certificate_code": "1X-IOT-01",
                                    "level": "intermediate"}}
        -> {"rule": {...}, "changes": [{"student_id", "award_id",
            "change": "grant" | "adjust" | "reverse", "current", "proposed"}]}
        """
        fields = load(AwardRuleInputSchema(), payload)
        rule, changes = self.store.transact(lambda uow: workflows.set_award_rule(uow, fields))
        return award_rule_changes_view.dump({"rule": rule, "changes": changes})

    @rpc
    def list_award_rules(self, query=None):
        """query: {"programme_id": "..."}"""
        params = load(AwardRuleQuerySchema(), query or {})
        return self.store.reading().records.award_rules_page(
            filters(params, "programme_id"), params, award_rule_view)
