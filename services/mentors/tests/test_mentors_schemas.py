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

