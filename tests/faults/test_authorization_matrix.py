"""Point 7: every route of the gateway x every role x every kind of bad
token, generated from ``route_table(GatewayService)`` so a new route cannot be
missed; and an enterprise user asking for another enterprise's objects gets
404, as if they did not exist. One real gateway and the services behind it."""
import uuid
from datetime import datetime, timedelta, timezone

import jwt
import pytest
import requests

from gateway.api import route_table
from gateway.auth import AUDIENCE, ENTERPRISE_USER, ISSUER, ROLES
from gateway.service import GatewayService
from testkit.faults import record_result
from testkit.servers import wait_until
from testkit.system import JWT_SECRET, System

ROUTES = [r for r in route_table(GatewayService) if not r["public"]]
PARTNER = {"legal_name": "深圳智造科技有限公司", "credit_code": "91350100M000100Y43",
           "industry": "智能制造"}
OTHER_PARTNER = {"legal_name": "Hangzhou Robotics Co., Ltd.",
                 "credit_code": "91110000100000000R", "industry": "robotics"}


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
}


def concrete(url):
    """A path with every ``<parameter>`` filled in with an id nobody has."""
    parts = []
    for part in url.split("/"):
        if part.startswith("<"):
            part = "2027-03-01" if "week" in part else "nobody-%s" % uuid.uuid4().hex[:8]
        parts.append(part)
    return "/".join(parts)


@pytest.fixture(scope="module")
def system(rabbit, mongo):
    running = System(rabbit.uri, mongo.uri)
    yield running
    running.stop()


def test_every_route_refuses_every_bad_token_and_every_role_it_does_not_admit(system):
    assert len(ROUTES) > 50  # the table is read, not empty
    base = system.url("gateway", "")
    session = requests.Session()
    role_tokens = {role: bearer(jwt.encode(claims(role), JWT_SECRET, "HS256"))
                   for role in ROLES}
    wrong = []
    checked = 0
    for route in ROUTES:
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
    record_result("Authorization matrix", "%d routes x %d roles x %d bad tokens"
                  % (len(ROUTES), len(ROLES), len(BAD_TOKENS)),
                  "bad tokens and roles a route does not admit", checked, checked,
                  checked - len(wrong), 0, 0, wrong=len(wrong))
    assert wrong == [], "%d unexpected answers, e.g. %s" % (len(wrong), wrong[:20])


def test_an_enterprise_user_gets_404_for_another_enterprises_objects(system):
    admin = system.user("matrix-admin", "admin")
    own, other = [requests.post(system.url("gateway", "/v1/partners"), json=payload,
                                headers=admin, timeout=10).json()
                  for payload in (PARTNER, OTHER_PARTNER)]

    def post_project():  # once the projects service has the partner from its event
        response = requests.post(system.url("gateway", "/v1/projects"), headers=admin,
                                 timeout=10, json={
                                     "title": "产线视觉质检", "enterprise_id": other["id"],
                                     "brief": "Build a vision quality-control cell",
                                     "team_size": 4, "start_date": "2027-03-01",
                                     "end_date": "2027-06-30"})
        return response if response.status_code == 201 else None

    project = wait_until(post_project, timeout=30, interval=0.5,
                         message="the project of the other enterprise")
    hr = system.user("hr-own", ENTERPRISE_USER, enterprise_id=own["id"])
    project_id = project.json()["id"]
    attempts = [
        ("GET", "/v1/partners/%s" % other["id"], None),
        ("GET", "/v1/enterprises/%s/contribution" % other["id"], None),
        ("GET", "/v1/projects/%s" % project_id, None),
        ("GET", "/v1/projects/%s/grades" % project_id, None),
        ("PUT", "/v1/projects/%s/milestones" % project_id,
         {"milestones": [{"title": "交付", "due_date": "2027-06-20", "weight": 100}]}),
        ("POST", "/v1/projects/%s/transitions" % project_id, {"status": "published"}),
    ]
    for method, path, body in attempts:
        response = requests.request(method, system.url("gateway", path), headers=hr,
                                    json=body, timeout=10)
        assert response.status_code == 404, (method, path, response.status_code,
                                             response.text[:300])
        assert other["id"] not in response.text or path.endswith(other["id"]) or \
            "contribution" in path
    listed = requests.get(system.url("gateway", "/v1/projects"), headers=hr, timeout=10)
    assert project_id not in listed.text
