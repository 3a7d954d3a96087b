"""Costs and returns: the valuation rates the college sets per year, each
enterprise's yearly inputs and returns, and its annual evidence pack; and the
facts they count that the commitments do not (interns' confirmed hours, the
deliverables of completed projects, certificates of sponsored students), each
an upsert keyed by its own id, so a redelivery changes nothing."""
from college_contracts import read
from college_platform.events import event_handler
from college_platform.rpc import rpc
from college_platform.validation import load
from enrollment import costs as rules
from enrollment import settings
from enrollment.entrypoints.commitments import with_time
from enrollment.schemas import (
    CostsAndReturnsSchema,
    EvidencePackSchema,
    ValuationRateRecordSchema,
    ValuationRateSchema,
)
from enrollment.workflows import costs

rate_view = ValuationRateRecordSchema()
costs_view = CostsAndReturnsSchema()
pack_view = EvidencePackSchema()


class CostEntrypoints:

    @rpc
    def set_valuation_rate(self, year, payload, actor=None):
        """The value of a mentor hour in a calendar year, set by the college;
        the earlier value kept in its history.
        payload: {"mentor_hour_cny": 300}"""
        year = rules.check_year(year)
        fields = load(ValuationRateSchema(), payload)
        now = self.clock()
        set_by = (actor or {}).get("username") or "enrollment"
        return rate_view.dump(self.store.transact(
            lambda uow: costs.set_rate(uow, year, fields, set_by, now)))

    @rpc
    def list_valuation_rates(self):
        return {"items": rate_view.dump(self.store.read(costs.rates), many=True)}

    @rpc
    def costs_and_returns(self, partner_id, year=None, actor=None):
        """The enterprise's inputs and returns in a calendar year (default: this year)."""
        year = self.clock.today().year if year is None else year
        return costs_view.dump(self.store.read(
            lambda uow: costs.costs_and_returns(uow, partner_id, year, actor)))

    @rpc
    def evidence_pack(self, partner_id, year=None, actor=None):
        """The enterprise, its agreements in force in the year with each
        party's fulfilment, and the year's costs and returns."""
        today = self.clock.today()
        year = today.year if year is None else year
        return pack_view.dump(self.store.read(
            lambda uow: costs.evidence_pack(uow, partner_id, year, actor, today,
                                            settings.CLAUSE_AT_RISK_TOLERANCE())))

    # what counts as a return -----------------------------------------------------------------

    def _count_returns(self, events, facts, write=costs.remember, load_event=read):
        return self.store.remember_in_bulk(
            events, load_event, lambda records, loaded: write(records, [
                fact for data in loaded for fact in facts(data)]))

    @event_handler("projects", "checkin_confirmed", batched=True)
    def tally_intern_hours(self, events):
        return self._count_returns(events, rules.intern_hours)

    @event_handler("projects", "project_completed", batched=True)
    def tally_deliverables_accepted(self, events):
        return self._count_returns(events, lambda loaded: rules.deliverables_accepted(*loaded),
                              load_event=with_time)

    @event_handler("certificates", "certificate_issued", batched=True)
    def tally_certificate_earned(self, events):
        return self._count_returns(events, rules.certificate_earned)

    @event_handler("certificates", "certificate_revoked", batched=True)
    def tally_certificate_revoked(self, events):
        return self._count_returns(events, rules.certificate_revoked, write=costs.withdraw)
