import pytest

from college_platform.errors import InvalidInput
from college_platform.validation import load
from mentors.schemas import NewMentorSchema


def test_an_industry_mentor_needs_an_enterprise():
    with pytest.raises(InvalidInput) as caught:
        load(NewMentorSchema(), {"name": "李强", "kind": "industry"})
    assert "enterprise_id" in caught.value.errors


def test_a_teacher_has_no_enterprise():
    with pytest.raises(InvalidInput) as caught:
        load(NewMentorSchema(), {"name": "张伟", "kind": "teacher", "enterprise_id": "p1"})
    assert "enterprise_id" in caught.value.errors


def test_a_teacher_gets_a_default_load_limit():
    assert load(NewMentorSchema(), {"name": "张伟", "kind": "teacher"})["load_limit"] == 5


def test_the_least_loaded_mentor_comes_first_and_ties_are_spread_over_slots():
    from mentors.workflows import least_loaded_first
    busy = {"_id": "t-busy", "spare_load": 1}
    equals = [{"_id": "t-%02d" % n, "spare_load": 5} for n in range(10)]
    firsts = {least_loaded_first([busy, *equals], "apprentice:s%d:college_tutor" % n)[0]["_id"]
              for n in range(20)}
    assert "t-busy" not in firsts
    # twenty apprentices assigned at once reach for several mentors, not one
    assert len(firsts) >= 5
    assert least_loaded_first([busy, *equals], "slot-a") == \
        least_loaded_first([busy, *equals], "slot-a")
