"""The shared rules of the read-model RPCs: ids asked, capped lists, facts."""
from datetime import datetime

import pytest

from college_platform.errors import InvalidInput
from college_platform.summaries import Facts, put_capped, say_when_it_changes, summary_ids


def test_ids_are_kept_in_order_once_each():
    assert summary_ids(["b", "a", "b"]) == ["b", "a"]


def test_at_most_200_distinct_ids_are_asked_at_once():
    assert len(summary_ids(["s-%d" % n for n in range(200)])) == 200
    with pytest.raises(InvalidInput) as caught:
        summary_ids(["s-%d" % n for n in range(201)], "student_ids")
    assert "At most 200 ids" in caught.value.errors["student_ids"][0]


@pytest.mark.parametrize("ids", ["s-1", None, {"s-1": 1}])
def test_ids_must_come_as_a_list(ids):
    with pytest.raises(InvalidInput) as caught:
        summary_ids(ids, "enterprise_ids")
    assert "enterprise_ids" in caught.value.errors


def test_each_bad_id_is_named_by_its_position():
    with pytest.raises(InvalidInput) as caught:
        summary_ids(["s-1", "", 7], "student_ids")
    assert set(caught.value.errors["student_ids"]) == {1, 2}


def test_a_long_list_is_cut_and_says_so():
    part = put_capped({}, "history", range(101))
    assert part["history"] == list(range(100)) and part["history_truncated"] is True
    assert put_capped({}, "history", range(100)) == {"history": list(range(100))}


def test_facts_are_summed_per_distinct_dimensions():
    facts = Facts()
    facts.add("seats_offered", 30, term="2027-autumn", programme_id="p", enterprise_id="e",
              breakdown="apprenticeship")
    facts.add("seats_offered", 10, term="2027-autumn", programme_id="p", enterprise_id="e",
              breakdown="apprenticeship")
    facts.add("seats_offered", 5, term="2027-autumn", programme_id="p",
              breakdown="apprenticeship")
    facts.add("apprentices")
    assert facts.rows() == [
        {"metric": "apprentices", "value": 1, "term": None, "programme_id": None,
         "enterprise_id": None, "breakdown": None},
        {"metric": "seats_offered", "value": 5, "term": "2027-autumn", "programme_id": "p",
         "enterprise_id": None, "breakdown": "apprenticeship"},
        {"metric": "seats_offered", "value": 40, "term": "2027-autumn", "programme_id": "p",
         "enterprise_id": "e", "breakdown": "apprenticeship"},
    ]


def test_a_part_says_in_seconds_when_the_day_it_changes_begins_on_the_services_clock():
    now = datetime.fromisoformat("2027-03-24T09:00:00+08:00")
    assert say_when_it_changes({"placements": [], "changes_on": "2027-03-25"}, now) == {
        "placements": [], "changes_in_seconds": 15 * 3600.0}
    assert say_when_it_changes({"placements": []}, now) == {"placements": []}
