"""Who a service is asked on behalf of: the ``actor`` the gateway passes with
each call (``gateway.scoping.actor_of``), one contract for every service:
``{"kind": "staff"|"teacher"|"enterprise"|"student", "username": ...,
"enterprise_id": ..., "student_id": ..., "mentor_id": ...}``. A call without
an actor comes from the college's own side (staff tools, another service) and
reaches everything. Another party's object is answered as a missing one
(NotFound), so nothing leaks about other enterprises or students."""
from collections.abc import Iterable, Mapping
from typing import Any, Optional

from college_platform.errors import NotFound

Actor = Optional[Mapping[str, Any]]

STAFF, TEACHER, ENTERPRISE, STUDENT = "staff", "teacher", "enterprise", "student"


def kind_of(actor: Actor) -> Optional[str]:
    """The actor's kind; None for a call without one."""
    return (actor or {}).get("kind")


def owns(actor: Actor, key: str, value: Optional[str]) -> bool:
    """Whether the actor's own ``key`` (``enterprise_id``, ``student_id``,
    ``mentor_id``) is ``value``: an actor linked to nothing owns nothing."""
    mine = (actor or {}).get(key)
    return bool(mine) and mine == value


def not_found(what: str, object_id: object) -> NotFound:
    """The answer for an object the actor may not reach: the one a missing object gets."""
    return NotFound("%s %s does not exist" % (what, object_id))


def check_visible(actor: Actor, what: str, object_id: object,
                  enterprise_id: Optional[str] = None, student_ids: Iterable[str] = ()) -> None:
    """An enterprise reaches the objects of its own enterprise, a student the
    objects they belong to (``student_ids``); anyone else is told the object
    does not exist. Staff, teachers and calls without an actor reach any."""
    kind = kind_of(actor)
    if (kind == ENTERPRISE and not owns(actor, "enterprise_id", enterprise_id)) or (
            kind == STUDENT and not any(owns(actor, "student_id", student_id)
                                        for student_id in student_ids)):
        raise not_found(what, object_id)
