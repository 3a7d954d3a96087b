"""Who is calling and what they may do: passwords, tokens and roles.

Plain code, no broker or database, so every rule is unit-tested directly.
"""
from datetime import datetime, timedelta, timezone

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from college_platform import errors
from college_platform.secret_settings import check_random_secret
from gateway import settings

ALGORITHM = "HS256"  # pinned: tokens with any other "alg" (including "none") are refused
ISSUER = "industrial-college-gateway"
AUDIENCE = "industrial-college-api"

ADMIN = "admin"
ADMISSIONS_OFFICER = "admissions_officer"
PROJECT_COORDINATOR = "project_coordinator"
MENTOR_COORDINATOR = "mentor_coordinator"
CERTIFICATE_OFFICER = "certificate_officer"
TEACHER = "teacher"
ENTERPRISE_USER = "enterprise_user"
STUDENT = "student"
ROLES = (ADMIN, ADMISSIONS_OFFICER, PROJECT_COORDINATOR, MENTOR_COORDINATOR,
         CERTIFICATE_OFFICER, TEACHER, ENTERPRISE_USER, STUDENT)
STAFF = (ADMIN, ADMISSIONS_OFFICER, PROJECT_COORDINATOR, MENTOR_COORDINATOR,
         CERTIFICATE_OFFICER, TEACHER)

OPTIONAL_CLAIMS = ("enterprise_id", "name", "student_id", "mentor_id")

_hashers = {}


def _hasher():
    """argon2id with the library's current parameters unless the settings
    PASSWORD_HASH_TIME_COST, PASSWORD_HASH_MEMORY_KIB and PASSWORD_HASH_PARALLELISM
    say otherwise (tuned to the hardware; a hash keeps its own parameters, so
    changing them never locks anyone out)."""
    defaults = PasswordHasher()
    parameters = (int(settings.PASSWORD_HASH_TIME_COST() or defaults.time_cost),
                  int(settings.PASSWORD_HASH_MEMORY_KIB() or defaults.memory_cost),
                  int(settings.PASSWORD_HASH_PARALLELISM() or defaults.parallelism))
    if parameters not in _hashers:
        hasher = PasswordHasher(time_cost=parameters[0], memory_cost=parameters[1],
                                parallelism=parameters[2])
        _hashers[parameters] = (hasher, hasher.hash("no such user"))
    return _hashers[parameters]


class Unauthorized(Exception):
    """No valid credentials: answer 401."""


# valid credentials, but not allowed: 403, raised by the gateway or by a service
Forbidden = errors.Forbidden


def hash_password(password):
    return _hasher()[0].hash(password)


def verify_password(password_hash, password):
    """True when ``password`` matches. A missing user is checked against a
    dummy hash so both cases take the same time."""
    hasher, dummy_hash = _hasher()
    try:
        return hasher.verify(password_hash or dummy_hash, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


class Principal:
    """Who is calling. ``student_id`` links a student account to enrollment's
    student; ``mentor_id`` links a teacher (or industry mentor) account to the
    mentors service's record."""

    def __init__(self, subject, role, enterprise_id=None, name=None, student_id=None,
                 mentor_id=None, token_version=0):
        self.subject = subject
        self.role = role
        self.enterprise_id = enterprise_id
        self.name = name
        self.student_id = student_id
        self.mentor_id = mentor_id
        # the account's version when the token was issued (gateway.accounts)
        self.token_version = token_version

    @property
    def is_enterprise(self):
        return self.role == ENTERPRISE_USER

    def as_dict(self):
        return {"username": self.subject, "role": self.role,
                "enterprise_id": self.enterprise_id, "name": self.name,
                "student_id": self.student_id, "mentor_id": self.mentor_id}


class TokenIssuer:
    def __init__(self, secret, lifetime_seconds=3600, clock=lambda: datetime.now(timezone.utc)):
        # InsecureSecret (a ValueError) on a placeholder or fewer than 128 bits; the
        # value is still the HMAC key as written, so tokens survive an upgrade
        check_random_secret("JWT_SECRET", secret)
        self.secret = secret
        self.lifetime = timedelta(seconds=lifetime_seconds)
        self.clock = clock

    def issue(self, principal):
        now = self.clock()
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": principal.subject,
                  "role": principal.role, "iat": now, "nbf": now, "exp": now + self.lifetime,
                  "ver": principal.token_version or 0}
        for claim in OPTIONAL_CLAIMS:
            if getattr(principal, claim):
                claims[claim] = getattr(principal, claim)
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def verify(self, token):
        try:
            claims = jwt.decode(
                token, self.secret, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the token has expired")
        except jwt.PyJWTError as exc:
            raise Unauthorized("the token is not valid: %s" % exc)
        if claims.get("role") not in ROLES:
            raise Unauthorized("the token carries no known role")
        version = claims.get("ver", 0)
        if not isinstance(version, int) or isinstance(version, bool):
            raise Unauthorized("the token's version is not a number")
        return Principal(claims["sub"], claims["role"], token_version=version,
                         **{claim: claims.get(claim) for claim in OPTIONAL_CLAIMS})


def bearer_token(authorization_header):
    if not authorization_header:
        raise Unauthorized("this route needs a bearer token in the Authorization header")
    scheme, _, token = authorization_header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    return token.strip()


def authorize(principal, allowed_roles):
    """Deny by default: a route lists the roles it admits. An enterprise
    account without its enterprise may use none: its scope would be empty,
    and an empty scope must never read as "every enterprise"."""
    if principal.role not in allowed_roles:
        raise Forbidden("the %s role may not use this route" % principal.role)
    if principal.is_enterprise and not principal.enterprise_id:
        raise Forbidden("this enterprise account is not linked to an enterprise")
