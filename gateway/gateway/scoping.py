"""Query parameters and enterprise scoping shared by the route modules."""
import json

from college_platform.errors import InvalidInput
from gateway.auth import STUDENT, TEACHER, Forbidden


def page_query(request, *filters):
    """``offset``, ``limit``, ``sort`` and the named filters present in the
    query string; the service validates them (a bad value is a 400 with field
    errors; ``sort`` is dropped by lists that offer no order)."""
    keys = ("offset", "limit", "sort") + filters
    return {key: request.args[key] for key in keys if key in request.args}


def with_fields(payload, **values):
    """The body with the fields the path or the caller's account decides. A
    value the caller gave for one of them must be the decided one: replacing
    it silently would hide a client's mistake (an agreement meant for another
    partner, a project for another enterprise). A body that is not an object
    is passed on untouched so the service reports it as invalid."""
    if not isinstance(payload, dict):
        return payload
    conflicting = {name: ["The path or your account decides this field: leave it out, "
                          "or give %s." % json.dumps(value, ensure_ascii=False)]
                   for name, value in values.items()
                   if payload.get(name) is not None and payload[name] != value}
    if conflicting:
        raise InvalidInput("the body names %s otherwise than the path or your account"
                           % ", ".join(sorted(conflicting)), errors=conflicting)
    return {**payload, **values}


def enterprise_filter(request):
    """An enterprise user's own enterprise, whatever it asked; staff's
    ``enterprise_id`` when given. Either way an empty one fails: it would be
    dropped further on and list every enterprise's rows."""
    principal = request.principal
    if principal.is_enterprise:
        if not principal.enterprise_id:
            raise Forbidden("this enterprise account is not linked to an enterprise")
        return {"enterprise_id": principal.enterprise_id}
    if "enterprise_id" in request.args:
        if not request.args["enterprise_id"]:
            raise InvalidInput("the enterprise filter is empty", errors={"enterprise_id": [
                "Must not be empty: leave it out to list every enterprise's."]})
        return {"enterprise_id": request.args["enterprise_id"]}
    return {}


def actor_of(request):
    """Who acts, as every service scopes it: the service passed this ``actor``
    decides what the caller may reach (another party's object is NotFound)."""
    principal = request.principal
    if principal.role == STUDENT:
        if not principal.student_id:
            raise Forbidden("this student account is not linked to a student record")
        kind = "student"
    elif principal.is_enterprise:
        kind = "enterprise"
    elif principal.role == TEACHER:
        kind = "teacher"
    else:
        kind = "staff"
    return {"kind": kind, "role": principal.role, "username": principal.subject,
            "enterprise_id": principal.enterprise_id, "student_id": principal.student_id,
            "mentor_id": principal.mentor_id}
