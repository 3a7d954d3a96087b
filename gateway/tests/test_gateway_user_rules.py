import pytest

from college_platform.errors import InvalidInput
from college_platform.validation import load
from gateway.schemas import NewUserSchema

BASE = {"username": "li.na", "password": "a long enough password"}


@pytest.mark.parametrize("payload, field", [
    ({"role": "enterprise_user"}, "enterprise_id"),
    ({"role": "teacher", "enterprise_id": "p1"}, "enterprise_id"),
    ({"role": "student"}, "student_id"),
    ({"role": "teacher", "student_id": "s1"}, "student_id"),
    ({"role": "admin", "mentor_id": "m1"}, "mentor_id"),
    ({"role": "superuser"}, "role"),
    ({"role": "admin", "password": "short"}, "password"),
])
def test_an_account_is_linked_only_as_its_role_allows(payload, field):
    with pytest.raises(InvalidInput) as caught:
        load(NewUserSchema(), {**BASE, **payload})
    assert field in caught.value.errors


def test_a_student_account_links_its_student():
    user = load(NewUserSchema(), {**BASE, "role": "student", "student_id": "stu-1"})
    assert user["student_id"] == "stu-1"
