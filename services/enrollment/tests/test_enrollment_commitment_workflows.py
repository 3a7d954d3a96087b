"""Commitments' use cases over the in-memory records and ``FakeUnitOfWork``:
clauses set by amendment with their history, progress from facts and
enrollment's own students, declarations, the sweep's alert, who may see."""
from datetime import date, datetime, timezone

import pytest
from fake_enrollment_records import FakeEnrollmentRecords

from college_platform.errors import Conflict, InvalidInput, NotFound
from college_platform.fakes import FakeUnitOfWork
from enrollment import commitments as rules
from enrollment.schemas import AgreementAmendmentSchema
from enrollment.workflows import agreements, commitments, partners

TODAY = date(2027, 3, 1)
NOW = datetime(2027, 3, 1, 9, tzinfo=timezone.utc)
CLAUSES = [
    {"id": "seats", "party": "enterprise", "metric": "seats_filled", "target": 2,
     "due_on": "2027-12-31", "description": "招收学徒2名"},
    {"id": "placements", "party": "enterprise", "metric": "placements_hosted", "target": 4,
     "due_on": "2027-06-30", "description": "接收4名学生岗位实习"},
    {"id": "kit", "party": "enterprise", "metric": "equipment_value", "target": 100000,
     "due_on": "2027-12-31", "description": "捐赠实训设备10万元"},
]


@pytest.fixture
def uow():
    return FakeUnitOfWork(FakeEnrollmentRecords())


@pytest.fixture
def agreement(uow):
    partner = partners.register_partner(uow, partners.new_partner({
        "legal_name": "深圳智造科技有限公司", "credit_code": "91350100M000100Y43",
        "industry": "智能制造", "contacts": []}))
    created = agreements.create_agreement(uow, agreements.new_agreement({
        "partner_id": partner["_id"], "title": "合作协议", "starts_on": date(2027, 1, 1),
        "ends_on": date(2029, 12, 31), "programme_codes": ["2027-MA-CNC"]}))
    agreements.change_agreement_status(uow, created["_id"], "active", None, TODAY)
    return agreements.amend_agreement(uow, created["_id"], AgreementAmendmentSchema().load(
        {"reason": "补充合作条款", "clauses": CLAUSES}))


def actor(enterprise_id):
    return {"kind": "enterprise", "enterprise_id": enterprise_id, "username": "hr.wang"}


def test_clauses_are_set_by_amendment_and_the_earlier_ones_kept(uow, agreement):
    assert [c["id"] for c in agreement["clauses"]] == ["seats", "placements", "kit"]
    assert agreement["amendments"][-1]["previous"] == {"clauses": None}
    changed = agreements.amend_agreement(uow, agreement["_id"], AgreementAmendmentSchema().load(
        {"reason": "调整目标", "clauses": [{**CLAUSES[0], "target": 3}]}))
    assert [c["target"] for c in changed["clauses"]] == [3.0]
    assert changed["amendments"][-1]["previous"]["clauses"] == agreement["clauses"]
    assert uow.emitted[-1][0] == "agreement_changed"


def test_progress_counts_facts_and_own_students_and_an_enterprise_sees_its_own_only(
        uow, agreement):
    partner_id = agreement["partner_id"]
    store = uow.records
    store.remember_commitment_facts(rules.placement_hosted({
        "placement_id": "pl-1", "enterprise_id": partner_id, "starts_on": date(2027, 2, 1)}) * 2)
    store.remember_commitment_facts(rules.placement_hosted({
        "placement_id": "pl-2", "enterprise_id": "someone-else",
        "starts_on": date(2027, 2, 1)}))
    store.students["s1"] = {"_id": "s1", "partner_id": partner_id, "status": "active",
                            "enrolled_on": "2027-02-15"}
    found = commitments.agreement_commitments(uow, agreement["_id"], actor(partner_id), TODAY,
                                              0.1)
    progress = {c["id"]: (c["progress"], c["status"]) for c in found["clauses"]}
    # 59 of the placements' 180 days gone, a quarter done; a sixth of the kit's, none
    assert progress == {"seats": (1.0, "on_track"), "placements": (1.0, "on_track"),
                        "kit": (0.0, "at_risk")}, "a fact delivered twice counts once"
    assert found["fulfilment"]["enterprise"] is not None and found["fulfilment"]["college"] \
        is None
    with pytest.raises(NotFound):
        commitments.agreement_commitments(uow, agreement["_id"], actor("someone-else"),
                                          TODAY, 0.1)
    shown = commitments.with_fulfilment(uow, store.agreement(agreement["_id"]), TODAY, 0.1)
    assert shown["fulfilment"] == found["fulfilment"]


def test_a_declaration_counts_once_the_college_confirms_it(uow, agreement):
    partner_id = agreement["partner_id"]
    with pytest.raises(NotFound):
        commitments.declare(uow, agreement["_id"], {"clause_id": "kit", "amount": 1,
                                                    "on": TODAY}, actor("someone-else"), NOW)
    with pytest.raises(InvalidInput):
        commitments.declare(uow, agreement["_id"], {"clause_id": "seats", "amount": 1,
                                                    "on": TODAY}, actor(partner_id), NOW)
    declared = commitments.declare(uow, agreement["_id"], {
        "clause_id": "kit", "amount": 100000, "on": TODAY, "note": "数控车床"},
        actor(partner_id), NOW)["declarations"][0]
    assert (declared["status"], declared["declared_by"]) == ("declared", "hr.wang")

    def kit():
        return next(c for c in commitments.agreement_commitments(
            uow, agreement["_id"], None, TODAY, 0.1)["clauses"] if c["id"] == "kit")
    assert kit()["progress"] == 0
    commitments.decide_declaration(uow, agreement["_id"], declared["id"], {"confirm": True},
                                   "officer.li", NOW)
    assert (kit()["progress"], kit()["status"]) == (100000, "met")
    kind, data = uow.emitted[-1]
    assert (kind, data["partner_id"], data["amount"], data["status"]) == (
        "declaration_decided", partner_id, 100000, "confirmed"), "the views are told"
    with pytest.raises(Conflict):
        commitments.decide_declaration(uow, agreement["_id"], declared["id"],
                                       {"confirm": False, "reason": "重复"}, "officer.li", NOW)
    with pytest.raises(NotFound):
        commitments.decide_declaration(uow, agreement["_id"], "nobody", {"confirm": True},
                                       "officer.li", NOW)


def test_the_sweep_announces_each_clause_that_falls_behind_once(uow, agreement):
    assert uow.records.agreements_to_check(TODAY.isoformat(), 10) == [{"_id": agreement["_id"]}]
    uow.emitted.clear()
    assert commitments.check_clauses(uow, agreement["_id"], TODAY, 0.1, NOW) == 3
    assert {(kind, data["clause_id"], data["status"], data["previous_status"])
            for kind, data in uow.emitted} == {
        ("clause_at_risk", clause, "at_risk", None) for clause in ("seats", "placements", "kit")}
    assert uow.records.agreements_to_check(TODAY.isoformat(), 10) == [], "once a day"
    assert commitments.check_clauses(uow, agreement["_id"], TODAY, 0.1, NOW) == 0
    later = date(2027, 7, 1)  # the placements fell due unmet
    assert commitments.check_clauses(uow, agreement["_id"], later, 0.1, NOW) == 1
    assert uow.emitted[-1][1]["status"] == "missed"
    assert uow.emitted[-1][1]["previous_status"] == "at_risk"
