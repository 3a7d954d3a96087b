"""Accounts have a lifecycle (issue 26, hole 10): an administrator disables and
enables a user, resets a password and changes a role or an enterprise; a user
changes their own password and signs out. Each takes effect on the tokens
already issued at once, and the audit trail records each. A real gateway over
HTTP with its own database."""
import pytest
import requests

from gateway.service import GatewayService
from gateway.users import create_user
from testkit.servers import wait_until

PASSWORD = "a-long-test-password"
NEW_PASSWORD = "another-long-password"


@pytest.fixture
def gateway(web_session, service_config, start_service):
    return start_service(GatewayService)


@pytest.fixture
def db(gateway, database):
    return database("gateway")


def token_for(web_session, username, password=PASSWORD):
    response = web_session.post("/v1/auth/token", json={"username": username,
                                                         "password": password})
    return response


def sign_in(web_session, db, username, role, **links):
    create_user(db, username, PASSWORD, role, **links)
    response = token_for(web_session, username)
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


def bearer(token):
    return {"Authorization": "Bearer %s" % token}


def me(web_session, headers):
    return web_session.get("/v1/me", headers=headers)


def account_audit(gateway, db, username):
    next(d for d in gateway.dependencies if type(d).__name__ == "AuditTrail").flush()
    return [(record["details"]["action"], record["outcome"]) for record in
            db.audit_log.find({"kind": "account", "object_ids.username": username},
                              sort=[("at", 1)])]


def test_a_disabled_user_is_signed_out_at_once_and_cannot_sign_in(web_session, gateway, db):
    admin = sign_in(web_session, db, "root", "admin")
    teacher = sign_in(web_session, db, "wang.fang", "teacher")
    assert me(web_session, teacher).status_code == 200

    disabled = web_session.post("/v1/users/wang.fang/disable", headers=admin, json={})
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled"] is True
    assert me(web_session, teacher).status_code == 401
    assert token_for(web_session, "wang.fang").status_code == 401

    enabled = web_session.post("/v1/users/wang.fang/enable", headers=admin, json={})
    assert enabled.json()["disabled"] is False
    assert me(web_session, teacher).status_code == 401, "the old session stays ended"
    again = bearer(token_for(web_session, "wang.fang").json()["access_token"])
    assert me(web_session, again).status_code == 200
    assert account_audit(gateway, db, "wang.fang") == [("disabled", "success"),
                                                         ("enabled", "success")]


def test_an_administrator_resets_a_password(web_session, gateway, db):
    admin = sign_in(web_session, db, "root", "admin")
    teacher = sign_in(web_session, db, "wang.fang", "teacher")
    short = web_session.post("/v1/users/wang.fang/password", headers=admin,
                             json={"password": "short"})
    assert short.status_code == 400 and "password" in short.json()["errors"]
    reset = web_session.post("/v1/users/wang.fang/password", headers=admin,
                             json={"password": NEW_PASSWORD})
    assert reset.status_code == 200, reset.text
    assert NEW_PASSWORD not in reset.text and "hash" not in reset.text
    assert me(web_session, teacher).status_code == 401
    assert token_for(web_session, "wang.fang").status_code == 401
    assert token_for(web_session, "wang.fang", NEW_PASSWORD).status_code == 200
    assert web_session.post("/v1/users/nobody/password", headers=admin,
                            json={"password": NEW_PASSWORD}).status_code == 404
    assert account_audit(gateway, db, "wang.fang") == [("password_reset", "rejected"),
                                                         ("password_reset", "success")]


def test_a_user_changes_their_own_password_and_their_other_sessions_end(web_session, gateway,
                                                                        db):
    laptop = sign_in(web_session, db, "li.na", "project_coordinator")
    phone = bearer(token_for(web_session, "li.na").json()["access_token"])
    wrong = web_session.post("/v1/me/password", headers=laptop, json={
        "current_password": "not-my-password", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 400 and "current_password" in wrong.json()["errors"]
    changed = web_session.post("/v1/me/password", headers=laptop, json={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 200, changed.text
    assert me(web_session, phone).status_code == 401
    assert me(web_session, laptop).status_code == 401
    assert me(web_session, bearer(changed.json()["access_token"])).status_code == 200
    assert token_for(web_session, "li.na").status_code == 401
    assert token_for(web_session, "li.na", NEW_PASSWORD).status_code == 200


def test_a_role_or_enterprise_change_takes_effect_at_once(web_session, gateway, db):
    admin = sign_in(web_session, db, "root", "admin")
    hr = sign_in(web_session, db, "hr.zhizao", "enterprise_user", enterprise_id="ent-a")
    moved = web_session.patch("/v1/users/hr.zhizao", headers=admin,
                              json={"enterprise_id": "ent-b"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["enterprise_id"] == "ent-b"
    assert me(web_session, hr).status_code == 401, "the token still says ent-a"
    hr = bearer(token_for(web_session, "hr.zhizao").json()["access_token"])
    assert me(web_session, hr).json()["enterprise_id"] == "ent-b"

    invalid = web_session.patch("/v1/users/hr.zhizao", headers=admin, json={"role": "teacher"})
    assert invalid.status_code == 400, "a teacher belongs to no enterprise"
    assert "enterprise_id" in invalid.json()["errors"]
    demoted = web_session.patch("/v1/users/hr.zhizao", headers=admin,
                                json={"role": "teacher", "enterprise_id": None})
    assert demoted.status_code == 200, demoted.text
    assert me(web_session, hr).status_code == 401
    assert account_audit(gateway, db, "hr.zhizao") == [
        ("scope_changed", "success"), ("scope_changed", "rejected"), ("scope_changed", "success")]
    changes = [record["details"] for record in db.audit_log.find(
        {"kind": "account", "outcome": "success"}, sort=[("at", 1)])]
    assert changes[-1]["before"]["role"] == "enterprise_user"
    assert changes[-1]["after"] == {"role": "teacher", "enterprise_id": None,
                                    "student_id": None, "mentor_id": None}


def test_signing_out_ends_the_session(web_session, gateway, db):
    student = sign_in(web_session, db, "li.ming", "student", student_id="s-1")
    assert web_session.post("/v1/auth/sign-out", headers=student, json={}).status_code == 204
    assert me(web_session, student).status_code == 401


def test_a_change_made_elsewhere_reaches_this_instance_within_a_poll(web_session, gateway, db):
    """Another gateway instance disables the user in the shared database."""
    teacher = sign_in(web_session, db, "wang.fang", "teacher")
    assert me(web_session, teacher).status_code == 200
    from gateway.users import set_disabled
    set_disabled(db, "wang.fang", True)
    wait_until(lambda: me(web_session, teacher).status_code == 401, timeout=5, interval=0.1,
               message="the disabled account's token to stop working")


def test_only_administrators_manage_accounts_and_listing_shows_no_hashes(web_session, gateway,
                                                                         db):
    admin = sign_in(web_session, db, "root", "admin")
    teacher = sign_in(web_session, db, "wang.fang", "teacher")
    for method, path, body in (("GET", "/v1/users", None),
                               ("POST", "/v1/users/root/disable", {}),
                               ("POST", "/v1/users/root/password", {"password": NEW_PASSWORD}),
                               ("PATCH", "/v1/users/root", {"role": "teacher"})):
        response = web_session.request(method, path, headers=teacher, json=body)
        assert response.status_code == 403, (method, path, response.status_code)
    listed = web_session.get("/v1/users?role=teacher", headers=admin)
    assert listed.status_code == 200, listed.text
    assert [user["username"] for user in listed.json()["items"]] == ["wang.fang"]
    assert "hash" not in listed.text
    assert web_session.get("/v1/users/wang.fang", headers=admin).json()["disabled"] is False
    assert requests.codes.not_found == web_session.get("/v1/users/nobody",
                                                       headers=admin).status_code
