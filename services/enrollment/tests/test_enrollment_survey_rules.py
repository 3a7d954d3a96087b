"""Employer survey rules, without broker or database."""
from datetime import date

import pytest

from college_platform.errors import Conflict, InvalidInput, NotFound
from enrollment import surveys

HIRED = {"_id": "s1", "name": "李明", "programme_id": "p", "intake_year": 2027,
         "destination": {"outcome": "hired_by_sponsor", "enterprise_id": "acme",
                         "started_on": "2030-08-31"}}
PROGRAMME = {"_id": "p", "competencies": ["数控编程", "设备维护"]}


def test_a_hire_by_a_partner_is_surveyed_at_6_and_12_months_on_the_programmes_competencies():
    made = surveys.surveys_for_hire(HIRED, PROGRAMME, None)
    assert [(s["_id"], s["due_on"], s["competencies"]) for s in made] == [
        ("s1:acme:2030-08-31:6m", "2031-02-28", ["数控编程", "设备维护"]),
        ("s1:acme:2030-08-31:12m", "2031-08-31", ["数控编程", "设备维护"])]
    assert surveys.surveys_for_hire(HIRED, {"_id": "p"}, None)[0]["competencies"] == list(
        surveys.DEFAULT_COMPETENCIES)


def test_no_survey_without_a_partner_employer():
    elsewhere = {**HIRED, "destination": {"outcome": "hired_by_other", "enterprise_id": None,
                                          "started_on": "2030-08-31"}}
    studying = {**HIRED, "destination": {"outcome": "further_study", "started_on": "2030-09-01"}}
    assert surveys.surveys_for_hire(elsewhere, PROGRAMME, None) == []
    assert surveys.surveys_for_hire(studying, PROGRAMME, None) == []


def test_an_enterprise_sees_its_own_surveys_once_due():
    survey = surveys.surveys_for_hire(HIRED, PROGRAMME, None)[0]
    acme = {"kind": "enterprise", "enterprise_id": "acme"}
    assert surveys.check_visible(acme, survey, "x", date(2031, 2, 28)) is survey
    with pytest.raises(NotFound):
        surveys.check_visible(acme, survey, "x", date(2031, 2, 27))
    with pytest.raises(NotFound):
        surveys.check_visible({"kind": "enterprise", "enterprise_id": "rival"}, survey, "x",
                              date(2032, 1, 1))
    assert surveys.check_visible({"kind": "staff"}, survey, "x", date(2030, 1, 1))


def test_an_answer_rates_every_competency_of_an_open_due_survey():
    survey = surveys.surveys_for_hire(HIRED, PROGRAMME, None)[0]
    with pytest.raises(InvalidInput) as caught:
        surveys.check_answer(survey, {"数控编程": 4}, date(2031, 3, 1))
    assert "设备维护" in caught.value.errors["ratings"][0]
    with pytest.raises(InvalidInput):
        surveys.check_answer(survey, {"数控编程": 4, "设备维护": 5, "唱歌": 3}, date(2031, 3, 1))
    with pytest.raises(Conflict):
        surveys.check_answer(survey, {"数控编程": 4, "设备维护": 5}, date(2031, 2, 1))
    with pytest.raises(Conflict):
        surveys.check_answer({**survey, "status": "closed"}, {"数控编程": 4, "设备维护": 5},
                             date(2031, 3, 1))
    surveys.check_answer(survey, {"数控编程": 4, "设备维护": 5}, date(2031, 3, 1))


def test_a_due_survey_is_reminded_every_few_days_until_settled():
    survey = surveys.surveys_for_hire(HIRED, PROGRAMME, None)[0]
    assert not surveys.needs_reminder(survey, date(2031, 2, 27), 7)
    assert surveys.needs_reminder(survey, date(2031, 2, 28), 7)
    reminded = {**survey, "last_reminded_on": "2031-02-28"}
    assert not surveys.needs_reminder(reminded, date(2031, 3, 6), 7)
    assert surveys.needs_reminder(reminded, date(2031, 3, 7), 7)
    assert not surveys.needs_reminder({**survey, "status": "answered"}, date(2031, 3, 7), 7)


def test_results_average_each_competency_and_name_the_lowest():
    answered = [{"ratings": {"数控编程": 4, "设备维护": 2, "职业素养": 5}},
                {"ratings": {"数控编程": 3, "设备维护": 3, "职业素养": 5}},
                {"ratings": {"数控编程": 5, "团队协作": 1}}]
    found = surveys.results(answered)
    assert found["answered"] == 3
    assert {c["competency"]: (c["mean"], c["ratings"]) for c in found["competencies"]} == {
        "数控编程": (4.0, 3), "设备维护": (2.5, 2), "职业素养": (5.0, 2), "团队协作": (1.0, 1)}
    assert found["lowest"] == ["团队协作", "设备维护", "数控编程"]
    assert surveys.results([]) == {"answered": 0, "competencies": [], "lowest": []}
