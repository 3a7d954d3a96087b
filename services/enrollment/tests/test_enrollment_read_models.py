"""The read-model RPCs of docs/views.md, over data made through enrollment's own workflow."""
import json

import pytest
from enrollment_fixtures import (
    OTHER_PARTNER,
    TERMS,
    adult,
    interviewed,
    partner_with_agreement,
    programme,
)

from college_platform.errors import InvalidInput
from enrollment.service import EnrollmentService
from testkit.calls import call

CONTRACT = {"starts_on": "2027-09-01", "ends_on": "2030-06-30", "position": "数控学徒工",
            "monthly_wage": 2400}


def json_ready(answer):
    """What the gateway receives: the answer survives JSON as it is."""
    assert json.loads(json.dumps(answer)) == answer
    return answer


@pytest.fixture
def enrollment(start_service):
    return start_service(EnrollmentService)


def enrolled_apprentice(enrollment, programme_id, applicant):
    application = interviewed(enrollment, programme_id, applicant)
    for party in ("college", "enterprise"):
        call(enrollment, "decide_offer", application["id"], {"party": party, "approve": True})
    call(enrollment, "respond_to_offer", application["id"], {"accept": True})
    agreement = call(enrollment, "prepare_tripartite_agreement", application["id"],
                     {"terms": TERMS})
    for party in ("college", "enterprise", "student"):
        call(enrollment, "sign_tripartite_agreement", agreement["id"],
             {"party": party, "signer": "签署人-%s" % party})
    return call(enrollment, "enrol", application["id"], {"apprentice_contract": CONTRACT})


@pytest.fixture
def apprenticeship(enrollment):
    partner = partner_with_agreement(enrollment)
    cnc = programme(enrollment, partner["id"], capacity=40, seats=30)
    student = enrolled_apprentice(enrollment, cnc["id"], {
        **adult(1), "address": "深圳市南山区科技园1号"})
    return partner, cnc, student


def test_a_students_summary_shows_enrolment_apprenticeship_and_personal_data(
        enrollment, apprenticeship):
    partner, cnc, student = apprenticeship
    call(enrollment, "change_student_status", student["id"],
         {"action": "suspend", "reason": "病假休学"})

    answer = json_ready(call(enrollment, "student_summaries",
                             [student["id"], "no-such-student"]))

    assert answer["no-such-student"] == {}
    part = answer[student["id"]]
    assert part["student"]["student_number"] == student["student_number"]
    assert part["student"]["status"] == "suspended"
    assert part["student"]["programme"] == {"programme_id": cnc["id"], "code": "2027-MA-CNC",
                                            "name": cnc["name"], "kind": "apprenticeship"}
    assert part["student"]["partner_id"] == partner["id"]
    assert [(h["status"], h["reason"]) for h in part["student"]["history"]] == [
        ("suspended", "病假休学"), ("active", None)]
    contract = part["apprenticeship"]["contract"]
    assert (contract["partner_id"], contract["starts_on"], contract["monthly_wage"]) == \
        (partner["id"], "2027-09-01", 2400)
    (agreement,) = part["apprenticeship"]["agreements"]
    assert agreement["status"] == "signed" and agreement["signed_at"]
    assert part["personal"] == {"resident_id": adult(1)["resident_id"], "phone": "13800138000",
                                "address": "深圳市南山区科技园1号", "passport": None}


def test_an_address_longer_than_200_characters_is_refused(enrollment, apprenticeship):
    _, cnc, _ = apprenticeship
    with pytest.raises(InvalidInput) as caught:
        call(enrollment, "apply", {"programme_id": cnc["id"],
                                   "applicant": {**adult(2), "address": "路" * 201}})
    assert "address" in caught.value.errors["applicant"]


def test_an_enterprise_summary_shows_its_agreements_seats_students_and_apprentices(
        enrollment, apprenticeship):
    partner, cnc, student = apprenticeship
    other = call(enrollment, "register_partner", OTHER_PARTNER)

    answer = json_ready(call(enrollment, "enterprise_summaries",
                             [partner["id"], other["id"], "nobody"]))

    assert answer["nobody"] == {}
    assert answer[other["id"]]["agreements"] == [] and answer[other["id"]]["seats"] == []
    part = answer[partner["id"]]
    assert part["partner"]["legal_name"] == partner["legal_name"]
    assert [(a["status"], a["programme_codes"]) for a in part["agreements"]] == [
        ("active", ["2027-MA-CNC"])]
    assert part["seats"] == [{"programme_id": cnc["id"], "code": "2027-MA-CNC",
                              "name": cnc["name"], "kind": "apprenticeship",
                              "intake_year": 2027, "offered": 30, "filled": 1}]
    assert part["students"] == [{"student_id": student["id"], "name": "李明",
                                 "programme_id": cnc["id"], "status": "active"}]
    assert [(a["student_id"], a["starts_on"]) for a in part["apprentices"]] == [
        (student["id"], "2027-09-01")]
    assert part["contribution"] == {"seats_offered": 30, "seats_filled": 1,
                                    "graduates": 0, "hires_kept": 0}


def test_indicator_facts_count_agreements_partners_seats_and_apprentices(
        enrollment, apprenticeship):
    partner, cnc, _ = apprenticeship

    rows = json_ready(call(enrollment, "indicator_facts"))

    facts = {(r["metric"], r["term"], r["programme_id"], r["enterprise_id"], r["breakdown"]):
             r["value"] for r in rows}
    assert facts[("agreements_active", None, None, partner["id"], None)] == 1
    assert facts[("seats_offered", "2027-autumn", cnc["id"], partner["id"],
                  "apprenticeship")] == 30
    assert facts[("seats_offered", "2027-autumn", cnc["id"], None, "apprenticeship")] == 10
    assert facts[("seats_filled", "2027-autumn", cnc["id"], partner["id"],
                  "apprenticeship")] == 1
    assert facts[("apprentices", None, cnc["id"], partner["id"], None)] == 1
    assert [r for r in rows if r["metric"] == "partners_active"], "active this term"
    assert all(r["enterprise_id"] == partner["id"] for r in rows
               if r["metric"] == "partners_active")


def test_the_enterprise_summary_and_the_facts_show_its_clauses_behind_and_its_fulfilment(
        enrollment, apprenticeship):
    partner, _, _ = apprenticeship
    (agreement,) = call(enrollment, "enterprise_summaries", [partner["id"]])[partner["id"]][
        "agreements"]
    call(enrollment, "amend_agreement", agreement["agreement_id"], {
        "reason": "补充合作条款", "clauses": [
            {"id": "hires", "party": "enterprise", "metric": "hires", "target": 2,
             "due_on": "2021-06-30", "description": "录用两名毕业生"},
            {"id": "seats", "party": "enterprise", "metric": "seats_filled", "target": 1000,
             "due_on": "2030-12-31", "description": "订单班招生1000人"},
            {"id": "teachers", "party": "college", "metric": "teachers_hosted", "target": 1,
             "due_on": "2099-12-31", "description": "派教师下企业实践"}]})

    part = json_ready(call(enrollment, "enterprise_summaries", [partner["id"]]))[partner["id"]]

    (of_agreement,) = part["commitments"]["agreements"]
    assert of_agreement["agreement_id"] == agreement["agreement_id"]
    assert of_agreement["clauses_by_status"] == {"on_track": 1, "at_risk": 1, "met": 0,
                                                 "missed": 1}
    assert 0 < of_agreement["fulfilment"]["enterprise"] < 0.01
    assert of_agreement["fulfilment"]["college"] == 0
    assert [(c["clause_id"], c["status"], c["progress"])
            for c in part["commitments"]["clauses_behind"]] == [
        ("hires", "missed", 0), ("seats", "at_risk", 1)]

    rows = json_ready(call(enrollment, "indicator_facts"))
    clauses = {(r["term"], r["breakdown"]): r["value"] for r in rows
               if r["metric"] == "clauses" and r["enterprise_id"] == partner["id"]}
    assert clauses == {("2021-spring", "missed"): 1, ("2030-autumn", "at_risk"): 1,
                       ("2099-autumn", "on_track"): 1}
    due = {r["breakdown"]: r["value"] for r in rows if r["metric"] == "fulfilment_due"
           and r["term"] == "2021-spring"}
    assert due == {"enterprise": 1.0}


@pytest.mark.parametrize("method", ["student_summaries", "enterprise_summaries"])
def test_at_most_200_ids_are_answered_per_call(enrollment, method):
    assert len(call(enrollment, method, ["id-%d" % n for n in range(200)])) == 200
    with pytest.raises(InvalidInput):
        call(enrollment, method, ["id-%d" % n for n in range(201)])
