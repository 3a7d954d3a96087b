"""Commitments: an agreement's clauses with their progress, the enterprise's
declared equipment and funds, and what counts toward the clauses, learnt from
the projects and mentors services' events (each fact an upsert keyed by its
own id, so a batch needs no transaction and a redelivery changes nothing).
The clauses themselves are set by amending the agreement (``amend_agreement``),
which keeps the earlier ones in ``amendments``."""
from college_contracts import read
from college_platform.events import event_handler
from college_platform.rpc import rpc
from college_platform.validation import load
from enrollment import commitments as rules
from enrollment import settings
from enrollment.entrypoints.base import agreement_view, commitments_view
from enrollment.schemas import DeclarationDecisionSchema, DeclarationSchema
from enrollment.workflows import commitments


def with_time(event):
    """The event's data, and when it was announced (a project's publication or
    completion carries no date of its own)."""
    return read(event), event["time"]


class CommitmentEntrypoints:

    @rpc
    def agreement_commitments(self, agreement_id, actor=None):
        """The clauses with progress and status (on_track, at_risk, met,
        missed), and each party's fulfilment score, as of today."""
        today = self.clock.today()
        return commitments_view.dump(self.store.read(
            lambda uow: commitments.agreement_commitments(
                uow, agreement_id, actor, today, settings.CLAUSE_AT_RISK_TOLERANCE())))

    @rpc
    def declare_contribution(self, agreement_id, payload, actor=None):
        """The enterprise's equipment or funds toward a clause; counts once the
        college confirms it.
        payload: {"clause_id": "equipment", "amount": 200000, "on": "2027-03-01",
                  "note": "五轴加工中心一台"}"""
        fields = load(DeclarationSchema(), payload)
        now = self.clock()
        return agreement_view.dump(self.store.transact(
            lambda uow: commitments.declare(uow, agreement_id, fields, actor, now)))

    @rpc
    def decide_declaration(self, agreement_id, declaration_id, payload, actor=None):
        """The college confirms or rejects a declaration.
        payload: {"confirm": false, "reason": "发票金额不符"}"""
        fields = load(DeclarationDecisionSchema(), payload)
        now = self.clock()
        decided_by = (actor or {}).get("username") or "enrollment"
        return agreement_view.dump(self.store.transact(
            lambda uow: commitments.decide_declaration(uow, agreement_id, declaration_id,
                                                       fields, decided_by, now)))

    # what counts toward the clauses ----------------------------------------------------------

    def _count(self, events, facts, load_event=read):
        return self.store.remember_in_bulk(
            events, load_event, lambda records, loaded: commitments.remember(records, [
                fact for data in loaded for fact in facts(data)]))

    @event_handler("projects", "placement_started", batched=True)
    def count_placement_hosted(self, events):
        return self._count(events, rules.placement_hosted)

    @event_handler("projects", "project_published", batched=True)
    def count_project_posted(self, events):
        return self._count(events, lambda loaded: rules.project_posted(*loaded), with_time)

    @event_handler("projects", "project_completed", batched=True)
    def count_project_completed(self, events):
        return self._count(events, lambda loaded: rules.project_completed(*loaded), with_time)

    @event_handler("mentors", "timesheet_decided", batched=True)
    def count_mentor_hours(self, events):
        return self._count(events, rules.mentor_hours)

    @event_handler("mentors", "secondment_started", batched=True)
    def count_teacher_hosted(self, events):
        return self._count(events, rules.teacher_hosted)

    @event_handler("mentors", "secondment_completed", batched=True)
    def count_teacher_hosted_to_the_end(self, events):
        """The same fact as its start: a start delivered late or lost still counts."""
        return self._count(events, rules.teacher_hosted)
