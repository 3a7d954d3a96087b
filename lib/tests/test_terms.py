import datetime

import pytest

from college_platform.terms import term_of


@pytest.mark.parametrize("day, term", [
    ("2026-09-01", "2026-autumn"), ("2027-02-28", "2026-autumn"), ("2027-01-15", "2026-autumn"),
    ("2027-03-01", "2027-spring"), ("2027-08-31", "2027-spring"),
])
def test_a_date_belongs_to_its_academic_term(day, term):
    assert term_of(day) == term
    assert term_of(datetime.date.fromisoformat(day)) == term


def test_no_date_has_no_term():
    assert term_of(None) is None
