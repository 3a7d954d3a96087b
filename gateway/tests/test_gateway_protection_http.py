"""The gateway's protections through real HTTP: the audit trail, personal data
masking per role, the personal data export, rate limits, CORS and security
headers. The gateway runs for real; a stand-in enrollment service answers its
RPCs with a student record that carries personal data."""
import time

import eventlet
import pytest
from nameko import config
from nameko.rpc import rpc

from college_platform.errors import NotFound
from college_platform.metrics import metrics_of
from gateway.auth import Principal
from gateway.service import GatewayService
from gateway.users import create_user
from testkit.servers import wait_until

PASSWORD = "a-long-test-password"
STUDENT_ID = "stu-1"
PERSONAL = {"resident_id": "110105200503010016", "phone": "13800138000",
            "address": "北京市朝阳区建国路 1 号"}
CONSOLE = "https://console.example.edu"


class StandInEnrollment:
    name = "enrollment"

    @rpc
    def get_student(self, student_id, actor=None):
        if student_id == "explode":
            raise RuntimeError("secret internal detail")
        if student_id != STUDENT_ID:
            raise NotFound("student %s does not exist" % student_id)
        return {"id": STUDENT_ID, "name": "李明", "partner_id": "partner-1",
                "applicant_id": "app-1", "application_id": "appl-1", "personal": PERSONAL}

    @rpc
    def get_applicant(self, applicant_id):
        return {"id": applicant_id, "name": "李明", **PERSONAL}

    @rpc
    def get_application(self, application_id):
        return {"id": application_id, "applicant_id": "app-1", "status": "enrolled"}


@pytest.fixture
def settings():
    return {"CORS_ALLOWED_ORIGINS": CONSOLE, "RPC_TIMEOUT_SECONDS": 1}


@pytest.fixture
def gateway(web_session, service_config, settings, start_service):
    with config.patch(settings):
        start_service(StandInEnrollment)
        container = start_service(GatewayService)
        yield container


@pytest.fixture
def db(gateway, database):
    return database("gateway")


def sign_in(web_session, db, username, role, **links):
    create_user(db, username, PASSWORD, role, **links)
    response = web_session.post("/v1/auth/token", json={"username": username,
                                                         "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": "Bearer %s" % response.json()["access_token"]}


def audit_trail(gateway):
    trail = next(d for d in gateway.dependencies if type(d).__name__ == "AuditTrail")
    trail.flush()
    return trail


# the audit trail --------------------------------------------------------------

def test_a_state_change_is_audited_and_only_admins_may_read_the_trail(web_session, gateway, db):
    admin = sign_in(web_session, db, "root", "admin")
    teacher = sign_in(web_session, db, "wang.fang", "teacher")

    created = web_session.post("/v1/users", headers={**admin, "X-Request-Id": "req-42"},
                               json={"username": "li.na", "password": PASSWORD,
                                     "role": "admissions_officer"})
    refused = web_session.post("/v1/users", headers=teacher,
                               json={"username": "zhao", "password": PASSWORD, "role": "admin"})
    assert (created.status_code, refused.status_code) == (201, 403)
    assert created.headers["X-Request-Id"] == "req-42"
    audit_trail(gateway)

    listed = web_session.get("/v1/audit-events?path_prefix=/v1/users&kind=request",
                             headers=admin)
    assert listed.status_code == 200, listed.text
    newest, oldest = listed.json()["items"]
    assert (newest["username"], newest["role"], newest["status"], newest["outcome"],
            newest["title"]) == ("wang.fang", "teacher", 403, "rejected", "Forbidden")
    assert (oldest["username"], oldest["method"], oldest["route"], oldest["path"],
            oldest["status"], oldest["outcome"], oldest["request_id"]) == \
        ("root", "POST", "/v1/users", "/v1/users", 201, "success", "req-42")
    assert "password" not in str(listed.json()), "no request body is kept"

    by_user = web_session.get("/v1/audit-events?username=wang.fang&outcome=rejected",
                              headers=admin).json()
    assert [e["path"] for e in by_user["items"]] == ["/v1/users"]
    assert web_session.get("/v1/audit-events", headers=teacher).status_code == 403
    assert web_session.get("/v1/audit-events").status_code == 401
    bad = web_session.get("/v1/audit-events?since=yesterday&outcome=maybe", headers=admin)
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"since", "outcome"}


def test_a_failed_sign_in_is_audited_under_the_name_tried(web_session, gateway, db):
    admin = sign_in(web_session, db, "root", "admin")
    web_session.post("/v1/auth/token", json={"username": "root", "password": "guess-guess-1"})
    audit_trail(gateway)
    events = web_session.get("/v1/audit-events?path_prefix=/v1/auth/token&outcome=rejected",
                             headers=admin).json()["items"]
    assert [(e["username"], e["authenticated"], e["status"]) for e in events] == \
        [("root", False, 401)]


# personal data ------------------------------------------------------------------

@pytest.mark.parametrize("role, links, expected", [
    ("admin", {}, PERSONAL),
    ("admissions_officer", {}, PERSONAL),
    ("enterprise_user", {"enterprise_id": "partner-1"},
     {"resident_id": "******2005********", "phone": "*******8000", "address": "***"}),
    ("teacher", {}, {"resident_id": "***", "phone": "*******8000", "address": "***"}),
    ("student", {"student_id": STUDENT_ID}, PERSONAL),
])
def test_personal_data_is_masked_for_every_role_that_does_not_need_it(
        web_session, gateway, db, role, links, expected):
    headers = sign_in(web_session, db, "someone", role, **links)
    response = web_session.get("/v1/students/%s" % STUDENT_ID, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["personal"] == expected
    assert response.json()["name"] == "李明"


def test_every_unmasked_read_is_audited_with_whose_data_it_was(web_session, gateway, db):
    admin = sign_in(web_session, db, "root", "admin")
    enterprise = sign_in(web_session, db, "hr", "enterprise_user", enterprise_id="partner-1")
    web_session.get("/v1/students/%s" % STUDENT_ID, headers=admin)
    web_session.get("/v1/students/%s" % STUDENT_ID, headers=enterprise)  # masked: no record
    audit_trail(gateway)
    reads = web_session.get("/v1/audit-events?kind=personal_data_read",
                            headers=admin).json()["items"]
    # whose: the path's ids and the ids of each object that held the data
    assert [(r["username"], r["path"], r["object_ids"], r["subject_ids"]) for r in reads] == \
        [("root", "/v1/students/stu-1", {"student_id": STUDENT_ID}, [STUDENT_ID, "app-1"])]


def test_a_student_exports_their_data_and_the_export_is_audited(web_session, gateway, db):
    student = sign_in(web_session, db, "li.ming", "student", student_id=STUDENT_ID)
    admin = sign_in(web_session, db, "root", "admin")

    response = web_session.get("/v1/students/%s/personal-data-export" % STUDENT_ID,
                               headers=student)
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["Content-Disposition"]
    export = response.json()
    assert export["enrollment"]["applicant"]["resident_id"] == PERSONAL["resident_id"]
    assert export["enrollment"]["student"]["personal"] == PERSONAL
    # only enrollment runs here: every other service's part is reported missing
    assert export["partial"] is True
    assert "projects.placements" in export["missing"] and "certificates.credits" in \
        export["missing"] and not any(m.startswith("enrollment") for m in export["missing"])

    other = web_session.get("/v1/students/stu-2/personal-data-export", headers=student)
    assert other.status_code == 404
    audit_trail(gateway)
    exports = web_session.get("/v1/audit-events?kind=personal_data_export",
                              headers=admin).json()["items"]
    assert [(e["username"], e["status"]) for e in exports] == [("li.ming", 404),
                                                                ("li.ming", 200)]


# protection ----------------------------------------------------------------------

def test_every_response_carries_the_security_headers(web_session, gateway):
    for response in (web_session.get("/live"), web_session.get("/no/such/path"),
                     web_session.delete("/live")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
        assert len(response.headers["X-Request-Id"]) == 32
        assert "Strict-Transport-Security" not in response.headers  # not behind TLS here


def test_unknown_paths_methods_and_failures_answer_problems_without_internals(
        web_session, gateway, db):
    admin = sign_in(web_session, db, "root", "admin")
    missing = web_session.get("/v1/nothing-here")
    wrong_method = web_session.delete("/v1/users")
    failure = web_session.get("/v1/students/explode", headers=admin)
    assert (failure.status_code, failure.json()["title"]) == (500, "Internal error")
    assert "secret" not in failure.text and "RuntimeError" not in failure.text
    assert (missing.status_code, missing.headers["Content-Type"]) == \
        (404, "application/problem+json")
    assert wrong_method.status_code == 405 and wrong_method.json()["title"] == \
        "Method Not Allowed"
    for response in (missing, wrong_method, failure):
        assert "Traceback" not in response.text


def test_a_declared_oversized_body_is_refused_before_any_route(web_session, gateway):
    response = web_session.post("/v1/auth/token", data=b"{" + b" " * (1024 * 1024 + 1) + b"}",
                                headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["title"] == "Body too large"


def test_cors_preflight_is_answered_for_a_configured_origin_only(web_session, gateway):
    allowed = web_session.options("/v1/partners", headers={
        "Origin": CONSOLE, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    refused = web_session.options("/v1/partners", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == CONSOLE
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers

    actual = web_session.get("/live", headers={"Origin": CONSOLE})
    foreign = web_session.get("/live", headers={"Origin": "https://evil.example"})
    assert actual.headers["Access-Control-Allow-Origin"] == CONSOLE
    assert "Access-Control-Allow-Origin" not in foreign.headers


def test_repeated_failed_sign_ins_are_slowed_with_429(web_session, gateway, db):
    create_user(db, "root", PASSWORD, "admin")
    statuses = [web_session.post("/v1/auth/token", json={"username": "root",
                                                         "password": "guess-%d" % n}).status_code
                for n in range(6)]
    assert statuses == [401] * 5 + [429]
    blocked = web_session.post("/v1/auth/token", json={"username": "root", "password": PASSWORD})
    assert blocked.status_code == 429, "even the right password waits out the penalty"
    assert int(blocked.headers["Retry-After"]) >= 1
    assert blocked.json()["status"] == 429
    other = web_session.post("/v1/auth/token", json={"username": "other", "password": "x" * 12})
    assert other.status_code == 429, "the address is throttled, whatever the username"


def test_sign_ins_from_one_address_are_throttled_whatever_the_username(web_session, gateway):
    """Issue 26, hole 5: 30 usernames from one address in a few seconds all got 401."""
    statuses = [web_session.post("/v1/auth/token", json={
        "username": "guess-%d" % n, "password": "a-guessed-password"}).status_code
        for n in range(30)]
    assert statuses[:5] == [401] * 5
    assert set(statuses[5:]) == {429}
    metrics, _ = metrics_of(gateway).exposition()
    assert 'gateway_requests_refused_total{reason="sign_in_attempts"} 25.0' in metrics


def test_parallel_sign_ins_from_one_address_get_no_more_hashes_than_the_throttle_allows(
        web_session, gateway):
    """Each sign-in took its token only after failing: twelve at once all
    passed the check before any had failed."""
    attempts = [eventlet.spawn(web_session.post, "/v1/auth/token", json={
        "username": "guess-%d" % n, "password": "a-guessed-password"}) for n in range(12)]
    statuses = sorted(attempt.wait().status_code for attempt in attempts)
    assert statuses == [401] * 5 + [429] * 7


class TestASignInHashesOffTheEventLoop:
    """Issue 26, hole 5: argon2 ran on the gateway's event loop, so every other
    request of the process waited for each sign-in's hash."""

    # a hash of about a second, so that a stall cannot hide
    SLOW_HASH = {"PASSWORD_HASH_TIME_COST": 24, "PASSWORD_HASH_MEMORY_KIB": 65536,
                 "PASSWORD_HASH_PARALLELISM": 1}

    @pytest.fixture
    def settings(self):
        return self.SLOW_HASH

    def test_other_requests_are_answered_while_a_password_is_hashed(self, web_session, gateway,
                                                                     db):
        create_user(db, "root", PASSWORD, "admin")
        signing_in = eventlet.spawn(web_session.post, "/v1/auth/token",
                                    json={"username": "root", "password": PASSWORD})
        # the probes share the gateway's process: a hash on its event loop shows
        # as one long gap between two probes, as long as the hash itself
        started = last = time.monotonic()
        gaps = []
        while not signing_in.dead:
            eventlet.sleep(0.02)
            assert web_session.get("/live").status_code == 200
            now = time.monotonic()
            gaps.append(now - last)
            last = now
        hashing = time.monotonic() - started
        assert signing_in.wait().status_code == 200
        assert hashing > 0.5, "the hash was meant to take a while (%.2f s)" % hashing
        assert max(gaps) < hashing / 3, (max(gaps), hashing)


class TestAClientOverItsRateLimit:

    @pytest.fixture
    def settings(self):
        return {"RATE_LIMIT_PER_SECOND": 0.5, "RATE_LIMIT_BURST": 3}

    def test_gets_429_with_retry_after_while_another_client_goes_on(self, web_session, gateway,
                                                                    db, issuer):
        statuses = [web_session.get("/v1/nothing-here").status_code for _ in range(4)]
        assert statuses == [404, 404, 404, 429]
        limited = web_session.get("/v1/nothing-here")
        assert limited.headers["Content-Type"] == "application/problem+json"
        assert limited.json()["title"] == "Too many requests"
        assert int(limited.headers["Retry-After"]) >= 1

        # a signed-in user is a client of their own, whatever address it calls from
        create_user(db, "li.na", PASSWORD, "teacher")
        token = issuer.issue(Principal("li.na", "teacher"))
        response = web_session.get("/v1/me", headers={"Authorization": "Bearer %s" % token})
        assert response.status_code == 200
        metrics, _ = metrics_of(gateway).exposition()
        assert 'gateway_requests_refused_total{reason="rate_limit"} 2.0' in metrics
        # probes are never throttled: a refused liveness probe would restart the gateway
        assert {web_session.get("/live").status_code for _ in range(5)} == {200}

    @pytest.fixture
    def issuer(self, gateway):
        from gateway.api import token_issuer_from_config
        return token_issuer_from_config()


def test_the_audit_queue_drains_in_the_background(web_session, gateway, db):
    admin = sign_in(web_session, db, "root", "admin")
    web_session.post("/v1/users", headers=admin, json={"username": "li.na", "password": PASSWORD,
                                                       "role": "teacher"})
    wait_until(lambda: db.audit_log.count_documents({"path": "/v1/users"}) == 1,
               message="the audit writer to store the record")
