"""Authorization, generated from the gateway's route table so that a new route
is covered by default (``route_table(GatewayService)``).

Roles: every route x every role x every kind of bad token; a route refuses
every role it does not admit.

Objects: every route an enterprise user or a student may use x each of those
roles x an object of the caller's own party and one of another party (two
enterprises, each with everything the platform keeps: tests/testkit/tenants.py).
The expected answers follow from what each route declares (its roles and its
path, whose parameters name a party's objects or the college's shared ones:
programmes, exam sessions, the certificate catalogue, skills competitions) and
from the one rule of who may see what (README, "Security"), never from a
hand-written list:

- the caller reaches its own party's objects (no 401, 404 or role refusal);
- another party's object answers exactly as a missing one does, and never with
  a success when the path names it; in lists and CSV exports, a filter naming
  another party's object shows nothing of it;
- no successful answer to one party carries an id or a name of the other
  party's objects;
- a student the other party sponsors and the college also placed with the
  caller shows the caller nothing the sponsor did or said.

Paths, query filters and bodies are filled from the parties' objects by the
parameter's name; bodies from the route's declared schema (testkit.bodies)."""
import json
import re
import secrets
import uuid
from datetime import datetime, timedelta, timezone

import jwt
import pytest
import requests

from gateway.api import route_table
from gateway.auth import AUDIENCE, ENTERPRISE_USER, ISSUER, ROLES, STUDENT
from gateway.service import GatewayService
from gateway.users import create_user
from testkit.bodies import example_body, references
from testkit.faults import record_result
from testkit.system import JWT_SECRET, System
from testkit.tenants import build_tenants

ROUTES = [r for r in route_table(GatewayService) if not r["public"]]
PARTY_ROLES = (ENTERPRISE_USER, STUDENT)
# path parameters that name the college's shared objects, and plain values
COLLEGE_PARAMETERS = ("programme_id", "session_id", "code", "competition_id")
WEEK = "2026-09-07"


def claims(role, **overrides):
    now = datetime.now(timezone.utc)
    values = {"iss": ISSUER, "aud": AUDIENCE, "sub": "matrix-%s" % role, "role": role,
              "iat": now, "nbf": now, "exp": now + timedelta(minutes=30),
              "enterprise_id": "ENT-A", "student_id": "S-1", "mentor_id": "M-1"}
    return {**values, **overrides}


def bearer(token):
    return {"Authorization": "Bearer %s" % token}


def unsigned(payload):
    """A token with ``alg: none``: header and claims, no signature."""
    return jwt.encode(payload, None, algorithm="none")


BAD_TOKENS = {
    "no token": lambda: {},
    "expired": lambda: bearer(jwt.encode(
        claims("admin", iat=datetime.now(timezone.utc) - timedelta(hours=2),
               nbf=datetime.now(timezone.utc) - timedelta(hours=2),
               exp=datetime.now(timezone.utc) - timedelta(hours=1)), JWT_SECRET, "HS256")),
    "other key": lambda: bearer(jwt.encode(claims("admin"), "another-key-" + "k" * 40,
                                           "HS256")),
    "alg none": lambda: bearer(unsigned(claims("admin"))),
    "wrong audience": lambda: bearer(jwt.encode(claims("admin", aud="another-api"),
                                                JWT_SECRET, "HS256")),
    "not a bearer": lambda: {"Authorization": "Basic YWRtaW46YWRtaW4="},
    "unknown account": lambda: bearer(jwt.encode(claims("admin", sub="nobody-here"),
                                                 JWT_SECRET, "HS256")),
}


def concrete(url):
    """A path with every ``<parameter>`` filled in with an id nobody has."""
    parts = []
    for part in url.split("/"):
        if part.startswith("<"):
            part = WEEK if "week" in part else "nobody-%s" % uuid.uuid4().hex[:8]
        parts.append(part)
    return "/".join(parts)


@pytest.fixture(scope="module")
def system(rabbit, mongo):
    running = System(rabbit.uri, mongo.uri, extra_env={
        "CERTIFICATE_SIGNING_KEYS": "matrix:%s" % secrets.token_urlsafe(32),
        # the tenants' missed check-ins are raised, and their notifications made, soon
        "PROJECTS_CHECKIN_SWEEP_SECONDS": "1"})
    yield running
    running.stop()


def test_every_route_refuses_every_bad_token_and_every_role_it_does_not_admit(system):
    assert len(ROUTES) > 50  # the table is read, not empty
    base = system.url("gateway", "")
    session = requests.Session()
    role_tokens = {}
    for role in ROLES:  # the accounts exist: a token of an unknown account is refused
        create_user(system.db("gateway"), "matrix-%s" % role, "a-long-test-password", role,
                    enterprise_id="ENT-A" if role == ENTERPRISE_USER else None,
                    student_id="S-1" if role == STUDENT else None,
                    mentor_id="M-1" if role == "teacher" else None)
        role_tokens[role] = bearer(jwt.encode(claims(role), JWT_SECRET, "HS256"))
    wrong = []
    checked = 0
    # signing out ends every session of the account: the last route each role calls
    for route in sorted(ROUTES, key=lambda route: route["url"] == "/v1/auth/sign-out"):
        path = base + concrete(route["url"])
        for kind, headers in BAD_TOKENS.items():
            response = session.request(route["method"], path, headers=headers(), timeout=30)
            checked += 1
            if response.status_code != 401 or "WWW-Authenticate" not in response.headers:
                wrong.append((route["method"], route["url"], kind, response.status_code))
        for role in ROLES:
            response = session.request(route["method"], path, headers=role_tokens[role],
                                       timeout=30)
            checked += 1
            refused_for_role = response.status_code == 403 and \
                "role may not use this route" in response.json().get("detail", "")
            if role in route["roles"]:
                if response.status_code == 401 or refused_for_role or \
                        response.status_code >= 500:
                    wrong.append((route["method"], route["url"], role, response.status_code))
            elif not refused_for_role:
                wrong.append((route["method"], route["url"], role, response.status_code))
    record_result("Authorization matrix (roles)", "%d routes x %d roles x %d bad tokens"
                  % (len(ROUTES), len(ROLES), len(BAD_TOKENS)),
                  "bad tokens and roles a route does not admit", checked, checked,
                  wrong=len(wrong))
    assert wrong == [], "%d unexpected answers, e.g. %s" % (len(wrong), wrong[:20])


# objects ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tenants(system):
    return build_tenants(system)


class Variant:
    """One way of filling a route's request: with the caller's own objects,
    another party's, or ids nobody has."""

    def __init__(self, name, ids, college):
        self.name, self.ids, self.college = name, ids, college

    def path(self, url):
        def fill(match):
            name = match.group(1).split(":")[-1]
            if name == "week_starting":
                return WEEK
            if name in COLLEGE_PARAMETERS:
                return self.college["programme_id" if name == "programme_id" else name]
            # two routes name by a shared parameter name another of the party's objects
            if name == "agreement_id" and url.startswith("/v1/tripartite-agreements/"):
                return self.ids["tripartite_id"]
            if name == "mentor_id" and url.endswith("/double-qualified"):
                return self.ids["teacher_id"]
            return self.ids[name]
        return re.sub(r"<([^>]+)>", fill, url)

    def query(self, route):
        schema = route["query"]
        if schema is None:
            return {}
        refs = references(self.ids, self.college)
        return {name: refs[name] for name in schema().fields
                if name.endswith("_id") and name in refs and name not in COLLEGE_PARAMETERS}

    def body(self, route):
        if route["body"] is None or route["method"] not in ("POST", "PUT", "PATCH"):
            return None
        return example_body(route["body"], references(self.ids, self.college))


def missing_ids(ids):
    return {name: "missing-%s" % uuid.uuid4().hex[:12] for name in ids}


def names_a_party_object(route):
    names = set(re.findall(r"<(?:\w+:)?(\w+)>", route["url"])) - set(COLLEGE_PARAMETERS) - \
        {"week_starting"}
    return bool(names)


def refers_to_objects(route, variant):
    return names_a_party_object(route) or bool(variant.query(route)) or \
        any(key.endswith(("_id", "_ids")) for key in (variant.body(route) or {}))


# what the caller may see of the other party: the student the other sponsors and
# the college also placed with the caller (and the milestone ids, which are not
# unique to a party)
VISIBLE_TO_A_HOST = ("shared_student_id", "milestone_id")


def leaks(text, other):
    """The other party's ids and names that appear in ``text``."""
    secrets = [value for key, value in other.ids.items() if key not in VISIBLE_TO_A_HOST]
    secrets += [other.student_name, other.partner["legal_name"]]
    return sorted(value for value in secrets if value and value in text)


def call(caller, method, path, query=None, body=None, csv=False):
    params = dict(query or {})
    if csv:
        params["format"] = "csv"
    return caller.request(method, path + (("?" + "&".join(
        "%s=%s" % item for item in params.items())) if params else ""), body)


def test_no_party_reaches_another_partys_objects(system, tenants):
    own, other = tenants["A"], tenants["B"]
    college = tenants["college"]
    variants = {"own": Variant("own", own.ids, college),
                "other": Variant("other", other.ids, college),
                "missing": Variant("missing", missing_ids(own.ids), college)}
    wrong, checked = [], 0
    routes = [r for r in ROUTES if set(PARTY_ROLES) & set(r["roles"])]
    assert len(routes) > 30
    # reads first, then writes: a write may change what a later read finds; deletes
    # last, since a delete ends what a later write would reach
    for route in sorted(routes, key=lambda r: (r["method"] != "GET", r["method"] == "DELETE")):
        for role in PARTY_ROLES:
            if role not in route["roles"]:
                continue
            caller = own.users[role]
            if not refers_to_objects(route, variants["own"]):
                if route["method"] == "GET":  # nothing to compare: only what it shows
                    answer = call(caller, "GET", variants["own"].path(route["url"]))
                    checked += 1
                    if answer.ok and leaks(answer.text, other):
                        wrong.append((role, "GET", route["url"], "own",
                                      "shows %s" % leaks(answer.text, other)))
                continue
            answers = {}
            for name in ("own", "other", "missing") if route["method"] == "GET" else \
                    ("other", "missing", "own"):
                variant = variants[name]
                answers[name] = call(caller, route["method"], variant.path(route["url"]),
                                     variant.query(route), variant.body(route))
                checked += 1
            wrong.extend(judge(route, role, answers, other))
            if route["method"] == "GET" and route["response"].__class__.__name__ == "Page":
                for name in ("own", "other"):  # the CSV export of the same list
                    variant = variants[name]
                    exported = call(caller, "GET", route["url"], variant.query(route), csv=True)
                    checked += 1
                    if exported.ok and leaks(exported.text, other):
                        wrong.append((role, "GET", route["url"], name + " csv",
                                      "shows %s" % leaks(exported.text, other)))
    record_result("Authorization matrix (objects)",
                  "%d routes x %d party roles x own, other, missing" % (len(routes),
                                                                          len(PARTY_ROLES)),
                  "another enterprise's or student's objects in paths, filters, bodies, CSV",
                  checked, checked, wrong=len(wrong))
    assert wrong == [], "%d unexpected answers:\n%s" % (
        len(wrong), "\n".join(json.dumps(w, ensure_ascii=False) for w in wrong))


def judge(route, role, answers, other):
    """What is wrong with one route's answers to one role's caller."""
    problems = []
    where = (role, route["method"], route["url"])
    own, theirs, missing = answers["own"], answers["other"], answers["missing"]
    # its own object is reached: a 403 may only be a rule of the object itself
    # (a signature for another party), never the role's refusal
    if own.status_code in (401, 404) or "role may not use this route" in own.text:
        problems.append(where + ("own", "%d: %s" % (own.status_code, own.text[:200])))
    if theirs.status_code != missing.status_code:
        problems.append(where + ("other", "%d where a missing object gets %d: %s" % (
            theirs.status_code, missing.status_code, theirs.text[:200])))
    if names_a_party_object(route) and theirs.ok:
        problems.append(where + ("other", "%d: %s" % (theirs.status_code, theirs.text[:200])))
    for name, answer in answers.items():
        if answer.ok and leaks(answer.text, other):
            problems.append(where + (name, "shows %s" % leaks(answer.text, other)))
    return problems


def test_a_host_sees_nothing_the_sponsor_did_or_said(system, tenants):
    """A student the other party sponsors and placed, whom the college also
    placed with the caller: every route that reads a student, by path or by
    filter, shows the caller its own part and nothing of the sponsor's."""
    own, other = tenants["A"], tenants["B"]
    student_id = other.ids["shared_student_id"]
    caller = own.users[ENTERPRISE_USER]
    routes = [r for r in ROUTES if r["method"] == "GET" and ENTERPRISE_USER in r["roles"] and
              ("<student_id>" in r["url"] or
               (r["query"] is not None and "student_id" in r["query"]().fields))]
    assert len(routes) >= 5
    wrong, reached = [], []
    for route in routes:
        if "<student_id>" in route["url"]:
            answer = call(caller, "GET", route["url"].replace("<student_id>", student_id))
        else:
            answer = call(caller, "GET", route["url"], {"student_id": student_id})
        if answer.status_code >= 500:
            wrong.append((route["url"], answer.status_code, answer.text[:200]))
        elif answer.ok:
            reached.append(route["url"])
            if leaks(answer.text, other):
                wrong.append((route["url"], "shows %s" % leaks(answer.text, other)))
    assert "/v1/students/<student_id>/360" in reached  # the host does see the student
    record_result("Authorization matrix (a shared student)", "%d routes" % len(routes),
                  "the sponsor's objects in the host's answers", len(routes), len(routes),
                  wrong=len(wrong))
    assert wrong == [], "\n".join(json.dumps(w, ensure_ascii=False) for w in wrong)
