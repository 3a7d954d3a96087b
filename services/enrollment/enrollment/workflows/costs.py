"""Costs and returns: the valuation rates the college sets per year, each
enterprise's inputs and returns in a calendar year, and its annual evidence
pack (``enrollment.costs`` holds the rules)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from enrollment import commitments, costs
from enrollment.workflows.commitments import facts_of
from enrollment.workflows.common import Actor, Document, emit, records, visible_partner


def set_rate(uow: Any, year: Any, fields: Document, set_by: str, now: datetime) -> Document:
    """The year's rate; the earlier one kept in its history, and
    ``valuation_rate_set`` announced. Setting the same rate again changes
    nothing and announces nothing."""
    year = costs.check_year(year)
    store = records(uow)
    current = store.valuation_rate(year)
    rate = costs.new_rate(year, fields, set_by, now, current)
    if rate is None:
        assert current is not None
        return current
    store.set_valuation_rate(rate, current)
    emit(uow, "valuation_rate_set", {"year": year, "mentor_hour_cny": rate["mentor_hour_cny"]})
    return rate


def rates(uow: Any) -> list[Document]:
    return records(uow).valuation_rates()


def account(uow: Any, partner_id: str, year: int) -> Document:
    store = records(uow)
    since, until = costs.year_bounds(year)
    return costs.account(partner_id, year, store.commitment_facts(partner_id, since, until),
                         store.agreements_of(partner_id), store.hires_by(partner_id),
                         store.apprentice_ids(partner_id), store.valuation_rate(year))


def costs_and_returns(uow: Any, partner_id: str, year: Any, actor: Actor) -> Document:
    """The enterprise's inputs and returns in the year; an enterprise reaches
    its own only (another's: 404, as for its partner record)."""
    year = costs.check_year(year)
    visible_partner(uow, partner_id, actor)
    return account(uow, partner_id, year)


def in_force_during(agreement: Document, year: int) -> bool:
    """In force at some time in the year: activated once, its term meeting the year."""
    since, until = costs.year_bounds(year)
    activated = agreement["status"] in ("active", "suspended", "expired") or any(
        change["status"] == "active" for change in agreement.get("history", []))
    return activated and agreement["starts_on"] <= until and agreement["ends_on"] >= since


def evidence_pack(uow: Any, partner_id: str, year: Any, actor: Actor, today: date,
                  tolerance: float) -> Document:
    """What the annual evidence pack prints: the enterprise, its agreements in
    force that year with their clauses and each party's fulfilment (as of the
    year's end, or today within the year), and the year's costs and returns."""
    year = costs.check_year(year)
    partner = visible_partner(uow, partner_id, actor)
    as_of = min(today, date(year, 12, 31))
    agreements = []
    for agreement in records(uow).agreements_of(partner_id):
        if not in_force_during(agreement, year):
            continue
        found = commitments.commitments(agreement, facts_of(uow, agreement), as_of, tolerance)
        agreements.append({**agreement, "commitments": found})
    return {"partner": partner, "year": year, "as_of": as_of.isoformat(),
            "agreements": sorted(agreements, key=lambda a: a["starts_on"]),
            "costs_and_returns": account(uow, partner_id, year)}


def remember(store: Any, facts: list[Document]) -> None:
    if facts:
        store.remember_commitment_facts(facts)


def withdraw(store: Any, facts: list[Document]) -> None:
    if facts:
        store.withdraw_commitment_facts(facts)
