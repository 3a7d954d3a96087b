"""A graduate's destination and retention rules, without broker or database."""
from datetime import date

import pytest

from college_platform.errors import Conflict
from enrollment import destinations

GRADUATE = {"_id": "s1", "status": "graduated", "partner_id": "sponsor"}
HIRED = {"kind": "hired", "enterprise_id": "sponsor", "started_on": date(2030, 8, 31)}


def test_a_hire_is_by_the_sponsor_only_when_the_employer_is_the_sponsor():
    assert destinations.outcome_of("hired", "sponsor", "sponsor") == "hired_by_sponsor"
    assert destinations.outcome_of("hired", "rival", "sponsor") == "hired_by_other"
    assert destinations.outcome_of("hired", None, None) == "hired_by_other"
    assert destinations.outcome_of("further_study", None, "sponsor") == "further_study"


def test_only_a_graduate_has_a_destination():
    with pytest.raises(Conflict):
        destinations.new_destination({**GRADUATE, "status": "active"}, HIRED, "li", None)
    made = destinations.new_destination(GRADUATE, HIRED, "li", None)
    assert (made["outcome"], made["started_on"]) == ("hired_by_sponsor", "2030-08-31")


def test_a_retention_check_falls_due_months_after_the_start_at_the_months_end():
    graduate = {**GRADUATE, "destination": destinations.new_destination(GRADUATE, HIRED, "li",
                                                                        None)}
    assert destinations.retention_due_on(graduate["destination"], 6) == date(2031, 2, 28)
    with pytest.raises(Conflict) as early:
        destinations.new_retention(graduate, {"months": 6, "still_employed": True},
                                   date(2031, 2, 27), "li", None)
    assert early.value.extra == {"due_on": "2031-02-28"}
    check = destinations.new_retention(graduate, {"months": 12, "still_employed": True},
                                       date(2031, 9, 1), "li", None)
    assert (check["still_employed"], check["checked_on"]) == (True, "2031-09-01")
    assert destinations.hires_kept({**graduate, "retention": {"12": check}})


def test_retention_follows_a_hire():
    studying = {**GRADUATE, "destination": {"outcome": "further_study"}}
    with pytest.raises(Conflict):
        destinations.new_retention(studying, {"months": 6, "still_employed": True},
                                   date(2040, 1, 1), "li", None)
    assert not destinations.hires_kept({**studying, "retention": {"12": {
        "still_employed": True}}})
