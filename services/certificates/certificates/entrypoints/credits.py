"""The credit bank: conversion rules, their preview and application to every
holder, grants on issuance, and a student's credit account."""
from certificates import domain, workflows
from certificates.schemas import (
    CreditRuleChangesSchema,
    CreditRuleInputSchema,
    CreditRuleQuerySchema,
    CreditRuleSchema,
    LedgerEntrySchema,
    LedgerQuerySchema,
)
from college_contracts import read
from college_platform.events import event_handler
from college_platform.rpc import rpc
from college_platform.validation import load

rule_view = CreditRuleSchema()
ledger_view = LedgerEntrySchema()
rule_changes_view = CreditRuleChangesSchema()


class CreditsEntrypoints:

    @rpc
    def preview_credit_rule(self, payload):
        """What setting this rule would change, per student, without changing it.

        payload: {"programme_id": "...", "certificate_code": "1X-IOT-01",
                  "level": "junior", "credits": 4, "course_exemptions": ["IOT101"]}
        -> {"rule": {...}, "changes": [{"student_id", "certificate_number",
            "change": "grant" | "adjust" | "reverse", "current", "proposed"}]}
        """
        rule = load(CreditRuleInputSchema(), payload)
        changes = workflows.preview_credit_rule(self.store.reading(), rule)
        return rule_changes_view.dump({"rule": rule, "changes": changes})

    @rpc
    def set_credit_rule(self, payload):
        """Create or change a conversion rule and apply it to every holder: the
        ledger records a reversal of each old grant and the new grant.
        Same payload as ``preview_credit_rule``; -> {"rule", "changes"}."""
        fields = load(CreditRuleInputSchema(), payload)
        rule, changes = self.store.transact(lambda uow: workflows.set_credit_rule(uow, fields))
        return rule_changes_view.dump({"rule": rule, "changes": changes})

    @rpc
    def list_credit_rules(self, query=None):
        params = load(CreditRuleQuerySchema(), query or {})
        criteria = {"programme_id": params["programme_id"]} if params["programme_id"] else {}
        return self.store.reading().records.credit_rules_page(criteria, params, rule_view)

    @rpc
    def credit_account(self, query, actor=None):
        """A student's credit account: current grants, totals and the ledger page.
        ``actor``: a student sees only their own.

        query: {"student_id": "...", "offset": 0, "limit": 20}
        -> {"student_id", "total_credits", "course_exemptions", "grants", "ledger"}
        """
        if actor is not None:
            student_id = query.get("student_id") if isinstance(query, dict) else None
            domain.check_visible(actor, "student", student_id, student_id)
        params = load(LedgerQuerySchema(), query or {})
        return workflows.credit_account(self.store.reading(), params, ledger_view)

    @event_handler("certificates", "certificate_issued")
    def on_certificate_issued(self, event):
        """Grant credits for an issued certificate once: the inbox absorbs a
        redelivered event, the grant's key a second event for the same number."""
        data = read(event)
        if data["candidate_kind"] != "student":
            return
        self.store.handle_once(event, lambda uow: workflows.grant_on_issue(uow, data))
