"""Costs and returns' use cases over the in-memory records and
``FakeUnitOfWork``: the rate per year with its history, the year's account from
the fact store and enrollment's own students, the evidence pack's agreements
in force that year, and who may see them."""
from datetime import date, datetime, timezone

import pytest
from fake_enrollment_records import FakeEnrollmentRecords

from college_platform.errors import InvalidInput, NotFound
from college_platform.fakes import FakeUnitOfWork
from enrollment import commitments as commitment_rules
from enrollment import costs as rules
from enrollment.schemas import AgreementAmendmentSchema
from enrollment.workflows import agreements, costs, partners

TODAY = date(2027, 3, 1)
NOW = datetime(2027, 3, 1, 9, tzinfo=timezone.utc)


@pytest.fixture
def uow():
    return FakeUnitOfWork(FakeEnrollmentRecords())


def new_partner(uow, credit_code="91350100M000100Y43"):
    return partners.register_partner(uow, partners.new_partner({
        "legal_name": "深圳智造科技有限公司", "credit_code": credit_code,
        "industry": "智能制造", "contacts": []}))


def agreement_of(uow, partner_id, starts_on, ends_on, active=True, today=TODAY):
    created = agreements.create_agreement(uow, agreements.new_agreement({
        "partner_id": partner_id, "title": "合作协议 %s" % starts_on.year,
        "starts_on": starts_on, "ends_on": ends_on, "programme_codes": ["2027-MA-CNC"]}))
    if active:
        agreements.change_agreement_status(uow, created["_id"], "active", None, today)
    return created


def actor(enterprise_id):
    return {"kind": "enterprise", "enterprise_id": enterprise_id, "username": "hr.wang"}


def test_a_rate_is_set_per_year_with_its_history_and_refused_for_a_bad_year(uow):
    costs.set_rate(uow, "2027", {"mentor_hour_cny": 300}, "officer.li", NOW)
    assert uow.emitted[-1] == ("valuation_rate_set", {"year": 2027, "mentor_hour_cny": 300.0})
    uow.emitted.clear()
    again = costs.set_rate(uow, 2027, {"mentor_hour_cny": 300}, "officer.li", NOW)
    assert again["history"] == [], "the same rate again changes nothing"
    assert uow.emitted == [], "and announces nothing"
    changed = costs.set_rate(uow, 2027, {"mentor_hour_cny": 320}, "admin", NOW)
    assert [h["mentor_hour_cny"] for h in changed["history"]] == [300]
    costs.set_rate(uow, 2026, {"mentor_hour_cny": 250}, "admin", NOW)
    assert [(r["year"], r["mentor_hour_cny"]) for r in costs.rates(uow)] == [
        (2026, 250), (2027, 320)]
    with pytest.raises(InvalidInput):
        costs.set_rate(uow, "twenty", {"mentor_hour_cny": 1}, "admin", NOW)


def test_the_account_reads_the_fact_store_the_rate_and_the_students(uow):
    partner_id = new_partner(uow)["_id"]
    store = uow.records
    store.remember_commitment_facts(commitment_rules.mentor_hours({
        "timesheet_id": "ts-1", "enterprise_id": partner_id, "direction": "inward",
        "decision": "approved", "work_date": date(2027, 2, 1), "hours": 10}))
    store.remember_commitment_facts(rules.certificate_earned({
        "certificate_number": "X-1", "candidate_id": "s-1", "candidate_kind": "student",
        "issued_on": date(2027, 2, 1), "partner_id": partner_id}))
    store.students["s-1"] = {"_id": "s-1", "partner_id": partner_id, "status": "active",
                             "programme_kind": "apprenticeship", "enrolled_on": "2026-09-01"}
    costs.set_rate(uow, 2027, {"mentor_hour_cny": 300}, "admin", NOW)
    found = costs.costs_and_returns(uow, partner_id, 2027, actor(partner_id))
    assert (found["inputs"]["mentor_hours_value_cny"], found["returns"]["certificates_earned"]) \
        == (3000, 1)
    store.withdraw_commitment_facts(rules.certificate_revoked({
        "certificate_number": "X-1", "candidate_id": "s-1", "candidate_kind": "student",
        "partner_id": partner_id}))
    assert costs.costs_and_returns(uow, partner_id, 2027, None)["returns"][
        "certificates_earned"] == 0, "a revoked certificate no longer counts"


def test_another_enterprise_gets_not_found_for_the_account_and_the_pack(uow):
    partner_id = new_partner(uow)["_id"]
    other_id = new_partner(uow, "91110000100000000R")["_id"]
    with pytest.raises(NotFound):
        costs.costs_and_returns(uow, partner_id, 2027, actor(other_id))
    with pytest.raises(NotFound):
        costs.evidence_pack(uow, partner_id, 2027, actor(other_id), TODAY, 0.1)
    with pytest.raises(NotFound):
        costs.costs_and_returns(uow, "nobody", 2027, None)


def test_the_pack_lists_the_agreements_in_force_that_year_with_their_fulfilment(uow):
    partner_id = new_partner(uow)["_id"]
    in_force = agreement_of(uow, partner_id, date(2026, 9, 1), date(2029, 8, 31))
    agreements.amend_agreement(uow, in_force["_id"], AgreementAmendmentSchema().load({
        "reason": "条款", "clauses": [{"id": "seats", "party": "enterprise",
                                      "metric": "seats_filled", "target": 2,
                                      "due_on": "2027-12-31", "description": "招收学徒2名"}]}))
    agreement_of(uow, partner_id, date(2024, 1, 1), date(2026, 12, 31),  # an earlier term's
                 today=date(2025, 1, 1))
    agreement_of(uow, partner_id, date(2027, 1, 1), date(2027, 12, 31), active=False)  # draft
    pack = costs.evidence_pack(uow, partner_id, 2027, actor(partner_id), TODAY, 0.1)
    assert [a["_id"] for a in pack["agreements"]] == [in_force["_id"]]
    assert pack["as_of"] == TODAY.isoformat()
    assert pack["agreements"][0]["commitments"]["clauses"][0]["id"] == "seats"
    assert pack["partner"]["_id"] == partner_id
    assert costs.evidence_pack(uow, partner_id, 2026, None, TODAY, 0.1)["as_of"] == \
        "2026-12-31", "a past year's fulfilment as of its end"
