"""Commitments' rules without a broker or database: what counts toward a
clause, its status, each party's fulfilment score, declarations and alerts."""
from datetime import date

import pytest

from college_contracts.enrollment import CLAUSE_METRICS
from college_platform.errors import Conflict, InvalidInput
from enrollment import commitments as rules
from enrollment import domain
from enrollment.schemas import AgreementAmendmentSchema

AGREEMENT = {"_id": "ag-1", "partner_id": "ent-a", "starts_on": "2027-01-01",
             "ends_on": "2028-12-31", "status": "active"}
SEATS = {"id": "seats", "party": "enterprise", "metric": "seats_filled", "target": 10.0,
         "due_on": "2027-12-31", "description": "招收学徒10名"}
HOURS = {"id": "hours", "party": "enterprise", "metric": "mentor_hours", "target": 100.0,
         "due_on": "2028-12-31", "description": "企业导师授课100小时"}
PLACES = {"id": "places", "party": "college", "metric": "placements_hosted", "target": 4.0,
          "due_on": "2027-06-30", "description": "学校安排4名学生岗位实习"}


def fact(metric, on, amount=1.0, enterprise_id="ent-a", key=None):
    return rules.fact(metric, key or "%s-%s-%s" % (metric, on, amount), enterprise_id, on,
                      amount)


def test_every_metric_of_the_contract_has_a_rule_and_the_other_way_round():
    assert set(rules.METRICS) == set(CLAUSE_METRICS)


def test_only_the_partners_facts_within_the_term_up_to_the_due_date_count():
    facts = [fact("seats_filled", "2027-03-01"), fact("seats_filled", "2027-12-31"),
             fact("seats_filled", "2026-12-31"),  # before the term
             fact("seats_filled", "2028-01-01"),  # after the clause's due date
             fact("seats_filled", "2027-05-01", enterprise_id="ent-b"),  # another enterprise
             fact("mentor_hours", "2027-05-01", 6)]  # another metric
    assert rules.progress(SEATS, AGREEMENT, facts) == 2
    assert rules.progress(HOURS, AGREEMENT, facts) == 6


def test_a_clause_due_after_a_shortened_term_counts_up_to_the_terms_end():
    shortened = {**AGREEMENT, "ends_on": "2027-06-30"}
    facts = [fact("seats_filled", "2027-06-30"), fact("seats_filled", "2027-07-01")]
    assert rules.progress(SEATS, shortened, facts) == 1


def test_elapsed_runs_from_the_terms_start_to_the_due_date():
    assert rules.elapsed_fraction("2027-01-01", "2027-12-31", date(2026, 6, 1)) == 0
    assert rules.elapsed_fraction("2027-01-01", "2027-01-11", date(2027, 1, 6)) == 0.5
    assert rules.elapsed_fraction("2027-01-01", "2027-12-31", date(2027, 12, 31)) == 1
    assert rules.elapsed_fraction("2027-01-01", "2027-01-01", date(2027, 1, 1)) == 1


@pytest.mark.parametrize("done, elapsed, today, expected", [
    (10, 0.2, "2027-03-01", "met"),            # the target reached: met, whenever
    (12, 1.0, "2028-03-01", "met"),
    (9, 1.0, "2028-01-01", "missed"),          # past due, short of the target
    (9, 1.0, "2027-12-31", "on_track"),        # the due day itself still counts
    (3, 0.5, "2027-07-01", "at_risk"),         # 30 % done of 50 % of the time
    (4, 0.5, "2027-07-01", "on_track"),        # 40 % done: within the 10 % tolerance
    (0, 0.05, "2027-01-20", "on_track"),       # nothing yet, barely started
])
def test_a_clause_is_at_risk_when_its_progress_lags_the_time_elapsed(done, elapsed, today,
                                                                     expected):
    assert rules.clause_status(done, 10, elapsed, "2027-12-31", date.fromisoformat(today),
                               0.1) == expected


def test_the_fulfilment_score_is_what_was_delivered_of_what_was_due_by_now():
    clauses = [
        {"party": "enterprise", "done": 0.5, "elapsed": 0.5},   # on schedule: full marks
        {"party": "enterprise", "done": 0.25, "elapsed": 1.0},  # due, a quarter delivered
        {"party": "enterprise", "done": 1.0, "elapsed": 0.0},   # met before its time counted
        {"party": "college", "done": 0.0, "elapsed": 0.0},      # nothing due yet
    ]
    # (min(.5, .5) + min(.25, 1) + min(1, 0)) / (.5 + 1 + 0) = .75 / 1.5
    assert rules.fulfilment(clauses) == {"enterprise": 0.5, "college": None}


def test_an_agreements_commitments_as_of_a_day():
    facts = [fact("seats_filled", "2027-0%d-01" % month) for month in range(1, 4)] + [
        fact("placements_hosted", "2027-02-01", key=key) for key in "abcd"]
    found = rules.commitments({**AGREEMENT, "clauses": [SEATS, HOURS, PLACES]}, facts,
                              date(2027, 7, 2), 0.1)
    by_id = {c["id"]: c for c in found["clauses"]}
    assert by_id["seats"]["progress"] == 3 and by_id["seats"]["status"] == "at_risk"
    assert by_id["places"]["status"] == "met" and by_id["places"]["done"] == 1
    assert by_id["hours"]["status"] == "at_risk"
    assert by_id["hours"]["elapsed"] == pytest.approx(0.25, abs=0.01)  # 182 of 730 days
    assert found["fulfilment"]["college"] == 1.0
    assert 0 < found["fulfilment"]["enterprise"] < 1


def test_facts_from_events_have_ids_of_their_own_and_count_what_the_clause_means():
    timesheet = {"timesheet_id": "ts-1", "enterprise_id": "ent-a", "direction": "inward",
                 "work_date": date(2027, 3, 2), "hours": 6.5, "decision": "approved"}
    assert rules.mentor_hours(timesheet) == [{
        "_id": "mentor_hours:ts-1", "enterprise_id": "ent-a", "metric": "mentor_hours",
        "on": "2027-03-02", "amount": 6.5}]
    assert rules.mentor_hours({**timesheet, "decision": "rejected"}) == []
    assert rules.mentor_hours({**timesheet, "direction": "outward"}) == [], \
        "a teacher's hours at the enterprise are not the enterprise's mentors'"
    secondment = {"secondment_id": "se-1", "enterprise_id": "ent-a", "direction": "outward",
                  "starts_on": date(2027, 3, 1)}
    assert rules.teacher_hosted(secondment)[0]["_id"] == "teachers_hosted:se-1"
    assert rules.teacher_hosted({**secondment, "direction": "inward"}) == []
    posted = rules.project_posted({"project_id": "pr-1", "enterprise_id": "ent-a"},
                                  "2027-04-01T08:00:00+00:00")
    assert posted[0]["on"] == "2027-04-01" and posted[0]["_id"] == "projects_posted:pr-1"


def test_seats_filled_and_hires_come_from_enrollments_own_students():
    students = [
        {"_id": "s1", "partner_id": "ent-a", "status": "active", "enrolled_on": "2027-09-01"},
        {"_id": "s2", "partner_id": "ent-a", "status": "withdrawn", "enrolled_on": "2027-09-01"},
        {"_id": "s3", "partner_id": "ent-b", "status": "graduated", "enrolled_on": "2024-09-01",
         "destination": {"outcome": "hired_by_other", "enterprise_id": "ent-a",
                         "started_on": "2027-07-01"}},
        {"_id": "s4", "partner_id": "ent-a", "status": "graduated", "enrolled_on": "2024-09-01",
         "destination": {"outcome": "further_study", "enterprise_id": None}},
    ]
    facts = rules.own_facts("ent-a", students)
    assert sorted(f["_id"] for f in facts) == ["hires:s3", "seats_filled:s1", "seats_filled:s4"]


def test_clauses_fall_due_within_the_term_as_amended():
    fields = AgreementAmendmentSchema().load({"reason": "补充条款", "clauses": [
        {**SEATS, "due_on": "2029-01-01"}]})
    with pytest.raises(InvalidInput) as refused:
        domain.amendment(AGREEMENT, fields)
    assert refused.value.errors == {"clauses": {0: {"due_on": [
        "Must be within the agreement's term (2027-01-01 to 2028-12-31)."]}}}
    with_clauses = {**AGREEMENT, "clauses": [SEATS]}
    with pytest.raises(InvalidInput) as shortened:
        domain.amendment(with_clauses, AgreementAmendmentSchema().load(
            {"reason": "提前终止", "ends_on": "2027-06-30"}))
    assert "Clause seats falls due on 2027-12-31" in shortened.value.errors["ends_on"][0]
    changes = domain.amendment(with_clauses, AgreementAmendmentSchema().load(
        {"reason": "调整目标", "clauses": [{**SEATS, "target": 12}]}))
    assert changes == {"clauses": [{**SEATS, "target": 12.0}]}


def test_an_amendments_clauses_have_ids_of_their_own():
    from marshmallow import ValidationError
    with pytest.raises(ValidationError) as refused:
        AgreementAmendmentSchema().load({"reason": "补充条款", "clauses": [SEATS, SEATS]})
    assert refused.value.messages == {"clauses": ["Each clause has an id of its own."]}


def test_only_equipment_and_funds_are_declared_and_a_rejection_needs_a_reason():
    equipment = {"id": "kit", "party": "enterprise", "metric": "equipment_value",
                 "target": 500000.0, "due_on": "2027-12-31", "description": "捐赠设备"}
    agreement = {**AGREEMENT, "clauses": [SEATS, equipment]}
    with pytest.raises(InvalidInput, match="counted from events"):
        rules.new_declaration(agreement, {"clause_id": "seats", "amount": 3,
                                          "on": date(2027, 3, 1)}, "hr", "d1", None)
    with pytest.raises(InvalidInput, match="outside the term"):
        rules.new_declaration(agreement, {"clause_id": "kit", "amount": 3,
                                          "on": date(2026, 3, 1)}, "hr", "d1", None)
    declared = rules.new_declaration(agreement, {"clause_id": "kit", "amount": 200000,
                                                 "on": date(2027, 3, 1)}, "hr", "d1", None)
    assert rules.declared_facts({**agreement, "declarations": [declared]}) == [], \
        "not counted before the college confirms it"
    with pytest.raises(InvalidInput, match="needs a reason"):
        rules.decide_declaration(declared, False, "officer", None, None)
    confirmed = rules.decide_declaration(declared, True, "officer", None, None)
    with pytest.raises(Conflict, match="confirmed already"):
        rules.decide_declaration(confirmed, False, "officer", "错了", None)
    facts = rules.declared_facts({**agreement, "declarations": [confirmed]})
    assert rules.progress(equipment, agreement, facts) == 200000


def test_the_sweep_announces_a_clause_once_per_change_into_at_risk_or_missed():
    clauses = [{"id": "seats", "status": "at_risk"}, {"id": "hours", "status": "on_track"},
               {"id": "places", "status": "missed"}]
    first = rules.alerts({}, clauses)
    assert [(a["id"], a["announce"]) for a in first] == [
        ("seats", True), ("hours", False), ("places", True)]
    seen = {"clause_states": {"seats": "at_risk", "hours": "on_track", "places": "at_risk"}}
    assert [(a["id"], a["previous"]) for a in rules.alerts(seen, clauses)] == [
        ("places", "at_risk")], "at risk still: not again"


def test_a_clause_without_an_id_is_refused_as_a_field_error_not_a_crash():
    from marshmallow import ValidationError
    clause = {key: value for key, value in SEATS.items() if key != "id"}
    with pytest.raises(ValidationError) as refused:
        AgreementAmendmentSchema().load({"reason": "补充条款", "clauses": [clause, clause]})
    assert refused.value.messages == {"clauses": {
        0: {"id": ["Missing data for required field."]},
        1: {"id": ["Missing data for required field."]}}}
