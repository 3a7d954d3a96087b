"""Costs and returns' rules without a broker or database: the valuation rate
and its history, the yearly split (31 December and 1 January), retention of
the year's hires, and what counts as a return."""
from datetime import date, datetime, timezone

import pytest

from college_platform.errors import InvalidInput
from enrollment import costs as rules
from enrollment.commitments import fact

NOW = datetime(2027, 3, 1, 9, tzinfo=timezone.utc)
LATER = datetime(2027, 4, 1, 9, tzinfo=timezone.utc)


def account(facts=(), agreements=(), students=(), apprentices=(), rate=None, year=2027):
    return rules.account("ent-a", year, list(facts), list(agreements), list(students),
                         list(apprentices), rate)


def test_a_fact_on_31_december_counts_in_its_year_and_one_on_1_january_in_the_next():
    facts = [fact("mentor_hours", "ts-1", "ent-a", "2027-12-31", 6),
             fact("mentor_hours", "ts-2", "ent-a", "2028-01-01", 4),
             fact("placements_hosted", "pl-1", "ent-a", "2027-12-31"),
             fact("placements_hosted", "pl-2", "ent-a", "2028-01-01")]
    in_2027, in_2028 = account(facts), account(facts, year=2028)
    assert (in_2027["inputs"]["mentor_hours"], in_2027["inputs"]["placements_hosted"]) == (6, 1)
    assert (in_2028["inputs"]["mentor_hours"], in_2028["inputs"]["placements_hosted"]) == (4, 1)


def test_mentor_hours_are_valued_at_the_years_rate_and_left_unknown_without_one():
    facts = [fact("mentor_hours", "ts-1", "ent-a", "2027-05-01", 6.5)]
    valued = account(facts, rate={"mentor_hour_cny": 300.0})
    assert valued["inputs"]["mentor_hours_value_cny"] == 1950
    assert valued["rate"] == {"mentor_hour_cny": 300.0, "set": True}
    unvalued = account(facts)
    assert unvalued["inputs"]["mentor_hours_value_cny"] is None
    assert unvalued["rate"]["set"] is False
    assert unvalued["inputs"]["total_value_cny"] == 0


def test_only_the_enterprises_facts_count_and_a_withdrawn_one_does_not():
    facts = [fact("projects_posted", "pr-1", "ent-a", "2027-02-01"),
             fact("projects_posted", "pr-2", "ent-b", "2027-02-01"),
             {**fact("certificates_earned", "C-1", "ent-a", "2027-06-01"), "student_id": "s-1",
              "withdrawn": True},
             {**fact("certificates_earned", "C-2", "ent-a", "2027-06-01"), "student_id": "s-1"}]
    found = account(facts, apprentices=["s-1"])
    assert found["inputs"]["projects_posted"] == 1
    assert found["returns"]["certificates_earned"] == 1


def test_certificates_count_for_the_enterprises_apprentices_only():
    facts = [{**fact("certificates_earned", "C-1", "ent-a", "2027-06-01"), "student_id": "s-1"},
             {**fact("certificates_earned", "C-2", "ent-a", "2027-06-01"), "student_id": "s-2"}]
    assert account(facts, apprentices=["s-1"])["returns"]["certificates_earned"] == 1
    assert account(facts, apprentices=[])["returns"]["certificates_earned"] == 0


def test_confirmed_declarations_count_by_their_day_and_add_to_the_total_value():
    agreement = {"_id": "ag-1", "partner_id": "ent-a", "clauses": [
        {"id": "kit", "metric": "equipment_value"}, {"id": "cash", "metric": "funds_value"}],
        "declarations": [
            {"id": "d-1", "clause_id": "kit", "amount": 100000.0, "on": "2027-12-31",
             "status": "confirmed"},
            {"id": "d-2", "clause_id": "kit", "amount": 70000.0, "on": "2027-03-01",
             "status": "declared"},  # not confirmed: not counted
            {"id": "d-3", "clause_id": "cash", "amount": 50000.0, "on": "2028-01-01",
             "status": "confirmed"}]}
    facts = [fact("mentor_hours", "ts-1", "ent-a", "2027-05-01", 10)]
    found = account(facts, agreements=[agreement], rate={"mentor_hour_cny": 200.0})
    assert (found["inputs"]["equipment_value_cny"], found["inputs"]["funds_value_cny"]) == \
        (100000, 0)
    assert found["inputs"]["total_value_cny"] == 102000
    assert account(agreements=[agreement], year=2028)["inputs"]["funds_value_cny"] == 50000


def graduate(student_id, started_on, employer="ent-a", retention=None,
             outcome="hired_by_sponsor"):
    return {"_id": student_id, "destination": {"outcome": outcome, "enterprise_id": employer,
                                               "started_on": started_on},
            "retention": retention or {}}


def test_the_years_hires_and_their_retention_at_6_and_12_months():
    students = [
        graduate("g-1", "2027-07-01", retention={"6": {"still_employed": True},
                                                 "12": {"still_employed": False}}),
        graduate("g-2", "2027-12-31", retention={"6": {"still_employed": False}}),
        graduate("g-3", "2028-01-01"),  # the next year's hire
        graduate("g-4", "2027-07-01", employer="ent-b"),  # another employer's
        {"_id": "g-5", "destination": {"outcome": "further_study", "enterprise_id": "ent-a",
                                       "started_on": "2027-09-01"}},
    ]
    returns = account(students=students)["returns"]
    assert {key: value for key, value in returns.items() if key.startswith("hires")} == {
        "hires": 2, "hires_checked_6_months": 2, "hires_retained_6_months": 1,
        "hires_checked_12_months": 1, "hires_retained_12_months": 0}


def test_a_projects_deliverables_count_once_each_though_cited_for_every_team_member():
    data = {"project_id": "pr-1", "enterprise_id": "ent-a", "evidence": [
        {"student_id": "s-1", "deliverable_id": "d-1", "url": "https://x/1"},
        {"student_id": "s-2", "deliverable_id": "d-1", "url": "https://x/1"},
        {"student_id": "s-1", "deliverable_id": "d-2", "url": "https://x/2"}]}
    found = rules.deliverables_accepted(data, "2027-06-30T10:00:00+00:00")
    assert [(f["_id"], f["on"]) for f in found] == [
        ("deliverables_accepted:d-1", "2027-06-30"), ("deliverables_accepted:d-2", "2027-06-30")]
    assert rules.deliverables_accepted({**data, "evidence": []}, "2027-06-30") == []


def test_interns_hours_are_each_confirmed_week_once_by_the_weeks_first_day():
    found, = rules.intern_hours({"placement_id": "pl-1", "enterprise_id": "ent-a",
                                 "week_starting": date(2027, 12, 27), "hours": 38.5})
    assert (found["_id"], found["on"], found["amount"]) == (
        "intern_hours:pl-1:2027-12-27", "2027-12-27", 38.5)
    facts = [found, {**found}]  # the same id: the store keeps one
    assert account({f["_id"]: f for f in facts}.values())["returns"]["intern_hours"] == 38.5


def test_a_teachers_certificate_or_one_without_a_sponsor_is_no_enterprises():
    issued = {"certificate_number": "X-1", "candidate_id": "s-1", "candidate_kind": "student",
              "certificate_code": "1X", "level": "junior", "issued_on": date(2027, 6, 1),
              "partner_id": "ent-a"}
    assert rules.certificate_earned(issued)[0]["student_id"] == "s-1"
    assert rules.certificate_earned({**issued, "candidate_kind": "teacher"}) == []
    assert rules.certificate_earned({**issued, "partner_id": None}) == []
    revoked, = rules.certificate_revoked(issued)
    assert revoked["_id"] == "certificates_earned:X-1"


def test_a_rate_keeps_the_earlier_one_and_setting_it_again_changes_nothing():
    first = rules.new_rate(2027, {"mentor_hour_cny": 300}, "officer.li", NOW, None)
    assert (first["_id"], first["mentor_hour_cny"], first["history"]) == ("2027", 300.0, [])
    assert rules.new_rate(2027, {"mentor_hour_cny": 300}, "officer.li", LATER, first) is None
    second = rules.new_rate(2027, {"mentor_hour_cny": 350}, "admin", LATER, first)
    assert second["mentor_hour_cny"] == 350
    assert second["history"] == [{"mentor_hour_cny": 300.0, "set_by": "officer.li",
                                  "set_at": NOW}]


@pytest.mark.parametrize("year", ["abc", "1999", "2101", "", "2027.5"])
def test_a_year_out_of_range_or_not_a_number_is_a_field_error(year):
    with pytest.raises(InvalidInput) as refused:
        rules.check_year(year)
    assert "year" in refused.value.errors


def test_every_figure_has_its_rule_and_a_row():
    found = account()
    assert set(found["inputs"]) == set(rules.INPUTS)
    assert set(found["returns"]) == set(rules.RETURNS)
    assert [row["measure"] for row in rules.rows(found)] == list(rules.INPUTS + rules.RETURNS)
    assert all(row["rule"] for row in rules.rows(found))


def test_the_dashboard_rows_sum_each_enterprises_figures_and_say_the_year_and_its_rate():
    facts = [fact("mentor_hours", "ts-1", "ent-a", "2027-05-01", 10),
             fact("mentor_hours", "ts-2", "ent-b", "2027-05-01", 5),
             {**fact("certificates_earned", "C-1", "ent-a", "2027-06-01"), "student_id": "s-1"}]
    students = [{"_id": "s-1", "partner_id": "ent-a", "programme_kind": "apprenticeship"}]
    found = rules.indicator_rows(2027, facts, [], students, {"mentor_hour_cny": 100.0})
    by = {(r["metric"], r["enterprise_id"], r["breakdown"]): r["value"] for r in found}
    assert by[("costs_year", None, None)] == 2027 and by[("costs_rate_set", None, None)] == 1
    assert by[("costs", "ent-a", "mentor_hours_value_cny")] == 1000
    assert by[("costs", "ent-b", "mentor_hours")] == 5
    assert by[("costs", "ent-a", "certificates_earned")] == 1
    assert ("costs", "ent-b", "certificates_earned") not in by, "a zero is left out"
    unrated = rules.indicator_rows(2027, facts, [], students, None)
    assert {(r["metric"], r["value"]) for r in unrated if r["metric"] == "costs_rate_set"} == \
        {("costs_rate_set", 0)}
