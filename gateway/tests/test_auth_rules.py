from datetime import datetime, timedelta, timezone

import jwt
import pytest

from gateway.auth import (
    ADMIN,
    AUDIENCE,
    ISSUER,
    TEACHER,
    Forbidden,
    Principal,
    TokenIssuer,
    Unauthorized,
    authorize,
    bearer_token,
    hash_password,
    verify_password,
)

SECRET = "Lq3w5OBv0r4QzQ8yfT1KcW9nE2xJ7uHd6mYpA_ZsR-g"  # 32 bytes, base64url


def test_passwords_are_hashed_with_argon2id_and_verified():
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse battery")
    assert not verify_password(hashed, "wrong")
    assert not verify_password(None, "no such user")


def test_hashing_parameters_come_from_the_settings_and_old_hashes_still_verify():
    from nameko import config
    hashed_with_defaults = hash_password("correct horse battery")
    with config.patch({"PASSWORD_HASH_TIME_COST": "2", "PASSWORD_HASH_MEMORY_KIB": "19456",
                       "PASSWORD_HASH_PARALLELISM": "1"}):
        lighter = hash_password("correct horse battery")
        assert "$m=19456,t=2,p=1$" in lighter
        assert verify_password(hashed_with_defaults, "correct horse battery")
        assert not verify_password(None, "no such user")
    assert verify_password(lighter, "correct horse battery")
    assert "$m=65536,t=3,p=4$" in hash_password("x")


def test_a_token_round_trips_its_principal():
    issuer = TokenIssuer(SECRET)
    principal = issuer.verify(issuer.issue(Principal("hr1", "enterprise_user", "p1")))
    assert (principal.subject, principal.role, principal.enterprise_id) == \
        ("hr1", "enterprise_user", "p1")


def test_a_student_token_carries_the_student_it_belongs_to():
    issuer = TokenIssuer(SECRET)
    principal = issuer.verify(issuer.issue(Principal("s1", "student", student_id="stu-9")))
    assert (principal.student_id, principal.mentor_id, principal.enterprise_id) == \
        ("stu-9", None, None)


def test_an_expired_token_is_refused():
    past = datetime.now(timezone.utc) - timedelta(hours=2)
    issuer = TokenIssuer(SECRET, lifetime_seconds=60, clock=lambda: past)
    with pytest.raises(Unauthorized, match="expired"):
        TokenIssuer(SECRET).verify(issuer.issue(Principal("a", ADMIN)))


def test_a_token_signed_with_another_key_is_refused():
    token = TokenIssuer("9vXo1bT4nC7rK2eW5aZ8qL0mJ3hG6dF_yPs-uIiNwQE").issue(Principal("a", ADMIN))
    with pytest.raises(Unauthorized):
        TokenIssuer(SECRET).verify(token)


def test_an_unsigned_token_is_refused():
    now = datetime.now(timezone.utc)
    token = jwt.encode({"sub": "a", "role": ADMIN, "aud": AUDIENCE, "iss": ISSUER,
                        "iat": now, "exp": now + timedelta(hours=1)}, None, algorithm="none")
    with pytest.raises(Unauthorized):
        TokenIssuer(SECRET).verify(token)


def test_a_token_for_another_audience_is_refused():
    now = datetime.now(timezone.utc)
    token = jwt.encode({"sub": "a", "role": ADMIN, "aud": "someone-else", "iss": ISSUER,
                        "iat": now, "exp": now + timedelta(hours=1)}, SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized):
        TokenIssuer(SECRET).verify(token)


def test_a_token_with_an_unknown_role_is_refused():
    now = datetime.now(timezone.utc)
    token = jwt.encode({"sub": "a", "role": "superuser", "aud": AUDIENCE, "iss": ISSUER,
                        "iat": now, "exp": now + timedelta(hours=1)}, SECRET, algorithm="HS256")
    with pytest.raises(Unauthorized, match="role"):
        TokenIssuer(SECRET).verify(token)


def test_a_short_secret_is_refused_at_start():
    with pytest.raises(ValueError):
        TokenIssuer("short")


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer ", "token"])
def test_only_a_bearer_header_is_accepted(header):
    with pytest.raises(Unauthorized):
        bearer_token(header)


def test_roles_are_denied_unless_listed():
    authorize(Principal("a", ADMIN), (ADMIN,))
    with pytest.raises(Forbidden):
        authorize(Principal("t", TEACHER), (ADMIN,))
