"""The one scoping contract every service applies to the caller (``actor``)."""
import pytest

from college_platform.actors import check_visible, owns
from college_platform.errors import NotFound

OWN = {"kind": "enterprise", "enterprise_id": "e-1"}
STUDENT = {"kind": "student", "student_id": "s-1"}


def test_the_college_and_calls_without_an_actor_reach_everything():
    for actor in (None, {"kind": "staff"}, {"kind": "teacher", "mentor_id": "t-1"}):
        check_visible(actor, "placement", "p-1", enterprise_id="e-2", student_ids=["s-2"])


def test_an_enterprise_reaches_its_own_and_is_told_anothers_does_not_exist():
    check_visible(OWN, "project", "p-1", enterprise_id="e-1")
    with pytest.raises(NotFound, match="^project p-1 does not exist$"):
        check_visible(OWN, "project", "p-1", enterprise_id="e-2")
    with pytest.raises(NotFound):  # an account linked to no enterprise owns nothing
        check_visible({"kind": "enterprise", "enterprise_id": None}, "project", "p-1")


def test_a_student_reaches_what_they_belong_to_only():
    check_visible(STUDENT, "team", "t-1", enterprise_id="e-9", student_ids=["s-2", "s-1"])
    with pytest.raises(NotFound, match="^team t-1 does not exist$"):
        check_visible(STUDENT, "team", "t-1", enterprise_id="e-9", student_ids=["s-2"])
    with pytest.raises(NotFound):
        check_visible({"kind": "student", "student_id": None}, "team", "t-1", student_ids=[None])


def test_owning_needs_a_link():
    assert owns(STUDENT, "student_id", "s-1")
    assert not owns(STUDENT, "student_id", "s-2")
    assert not owns({"kind": "teacher"}, "mentor_id", None)
    assert not owns(None, "mentor_id", "t-1")
