"""The shared rules of the read-model RPCs: ids asked for, capped lists, summed facts."""
import pytest

from college_platform.errors import InvalidInput
from college_platform.read_model import Facts, capped, summary_ids


def test_up_to_200_distinct_ids_are_accepted_in_the_order_asked():
    assert summary_ids(["b", "a", "b"]) == ["b", "a"]
    assert len(summary_ids(["s-%d" % i for i in range(200)])) == 200


@pytest.mark.parametrize("ids", [["s-%d" % i for i in range(201)], "s-1", None, ["s-1", ""],
                                 ["s-1", 7]])
def test_more_than_200_ids_or_anything_but_a_list_of_ids_is_invalid_input(ids):
    with pytest.raises(InvalidInput) as caught:
        summary_ids(ids, "student_ids")
    assert "student_ids" in caught.value.errors


def test_a_list_is_cut_at_100_and_says_so():
    part = capped({}, "projects", list(range(101)))
    assert part == {"projects": list(range(100)), "projects_truncated": True}
    assert capped({}, "projects", [1, 2]) == {"projects": [1, 2]}


def test_facts_are_summed_per_distinct_key():
    facts = Facts()
    facts.add("checkins_expected", 1, term="2027-spring", enterprise_id="p-1")
    facts.add("checkins_expected", 1, term="2027-spring", enterprise_id="p-1")
    facts.add("checkins_expected", 1, term="2027-spring", enterprise_id="p-2")
    assert facts.rows() == [
        {"metric": "checkins_expected", "value": 2, "term": "2027-spring", "programme_id": None,
         "enterprise_id": "p-1", "breakdown": None},
        {"metric": "checkins_expected", "value": 1, "term": "2027-spring", "programme_id": None,
         "enterprise_id": "p-2", "breakdown": None}]
