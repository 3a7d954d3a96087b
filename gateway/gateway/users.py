"""The gateway's own user accounts (its database, nobody else's) and their
lifecycle: creation, sign-in, disabling and enabling, password resets and
changes, role and enterprise changes, signing out.

Every change that should end the account's sessions raises its
``token_version`` (``gateway.accounts`` refuses tokens of another version).
Password hashing runs in eventlet's pool of OS threads: argon2 takes tens of
milliseconds of CPU on purpose, and on the event loop it would stall every
other request of the process meanwhile.
"""
import ctypes
import ctypes.util
import os
from contextlib import contextmanager

import eventlet
from eventlet import patcher, tpool
from eventlet.semaphore import Semaphore
from marshmallow import ValidationError
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from college_platform.envelope import utcnow
from college_platform.errors import Conflict, InvalidInput, NotFound, Unavailable
from college_platform.repository import RECENT_FIRST
from gateway import settings
from gateway.auth import OPTIONAL_CLAIMS, Principal, hash_password, verify_password
from gateway.schemas import check_scope

threading = patcher.original("threading")  # the pool's threads are real OS threads

# the fields that decide what a token may do: changing one ends the account's sessions
SCOPE_FIELDS = ("role", "enterprise_id", "student_id", "mentor_id")
INDEXES = [RECENT_FIRST,
           # other gateway instances follow the accounts changed since their last look
           IndexModel([("updated_at", ASCENDING)], name="changes"),
           IndexModel([("role", ASCENDING), ("created_at", DESCENDING)], name="by_role"),
           IndexModel([("enterprise_id", ASCENDING), ("created_at", DESCENDING)],
                      name="by_enterprise")]


# nice value of the pool thread that hashes: the event loop (0) comes first
HASHING_NICENESS = 10
# glibc's M_MMAP_THRESHOLD, and the size from which a block is mapped on its own
M_MMAP_THRESHOLD = -3
MAPPED_FROM_BYTES = 4 * 1024 * 1024


class PasswordHashing:
    """Where passwords are hashed. A hash costs a tenth of a second or more of
    CPU and 64 MiB on purpose, so a flood of sign-ins must neither stall the
    event loop nor hold every worker of the gateway: ``concurrency`` turns at
    a time (``PASSWORD_HASH_CONCURRENCY``, 1), each hash in eventlet's pool of
    OS threads at a lower CPU priority than the loop; at most ``queue`` more
    wait for a turn (``PASSWORD_HASH_QUEUE``, 32), each holding a worker, and
    any beyond is answered 503 with Retry-After at once.

    ``turn()`` holds a turn across more than one step (the sign-in throttle's
    check, the hash and the count of a failure, so that attempts made at once
    cannot all pass the check before any has failed); ``run`` inside it hashes
    in that turn."""

    def __init__(self, concurrency=1, queue=32):
        self.slots = Semaphore(max(1, int(concurrency)))
        self.limit = max(1, int(concurrency)) + max(0, int(queue))
        self.admitted = 0
        self.holders = set()

    @contextmanager
    def turn(self):
        me = eventlet.getcurrent()
        if me in self.holders:
            yield
            return
        if self.admitted >= self.limit:
            raise Unavailable("too many sign-ins at once; try again shortly", retry_after=2)
        self.admitted += 1
        try:
            with self.slots:
                self.holders.add(me)
                try:
                    yield
                finally:
                    self.holders.discard(me)
        finally:
            self.admitted -= 1

    def run(self, function, *args):
        with self.turn():
            return tpool.execute(_below_the_event_loop, function, *args)


def _below_the_event_loop(function, *args):
    try:  # Linux: a thread's nice value, inherited by argon2's own threads
        own = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, own) < HASHING_NICENESS:
            os.setpriority(os.PRIO_PROCESS, own, HASHING_NICENESS)
    except (AttributeError, OSError):  # elsewhere the hash runs at the loop's priority
        pass
    return function(*args)


def return_hash_memory_to_the_system():
    """Have glibc map each block of 4 MiB or more on its own, so that freeing
    it gives it back to the system. By default glibc raises that threshold to
    the size of the first such block freed (up to 32 MiB), and an argon2 hash
    of under 32 MiB (OWASP's 19 MiB, say) then stays in the heap of the pool
    thread that computed it: eventlet's 20 threads kept about 300 MB of them.
    Elsewhere than glibc nothing is done. True if the threshold was set."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        mallopt = None
    return bool(mallopt and mallopt(M_MMAP_THRESHOLD, MAPPED_FROM_BYTES))


_hashing = []


def hashing():
    """The process's one PasswordHashing, made from the settings on first use."""
    if not _hashing:
        return_hash_memory_to_the_system()
        _hashing.append(PasswordHashing(settings.PASSWORD_HASH_CONCURRENCY(),
                                        settings.PASSWORD_HASH_QUEUE()))
    return _hashing[0]


def hashed(password):
    return hashing().run(hash_password, password)


def password_matches(password_hash, password):
    return hashing().run(verify_password, password_hash, password)


def create_user(db, username, password, role, name=None, enterprise_id=None, student_id=None,
                mentor_id=None, email=None, email_notifications=False):
    now = utcnow()
    user = {"_id": username, "password_hash": hashed(password), "role": role,
            "name": name, "enterprise_id": enterprise_id, "student_id": student_id,
            "mentor_id": mentor_id, "email": email,
            "email_notifications": bool(email and email_notifications),
            "disabled": False, "token_version": 0, "created_at": now, "updated_at": now}
    try:
        db.users.insert_one(user)
    except DuplicateKeyError:
        raise Conflict("user %s already exists" % username, field="username")
    return user


def principal_of(user):
    return Principal(user["_id"], user["role"], token_version=int(user.get("token_version") or 0),
                     **{claim: user.get(claim) for claim in OPTIONAL_CLAIMS})


def authenticate(db, username, password):
    """The principal for valid credentials of an enabled account, else None.
    A missing user is checked against a dummy hash, so both take the same time."""
    user = db.users.find_one({"_id": username})
    if not password_matches(user["password_hash"] if user else None, password):
        return None
    if user.get("disabled"):
        return None
    return principal_of(user)


def get_user(db, username):
    user = db.users.find_one({"_id": username}, {"password_hash": 0})
    if user is None:
        raise NotFound("user %s does not exist" % username)
    return user


def _update(db, username, changes, end_sessions):
    """Apply ``changes`` to a user and return it; ``end_sessions`` also
    invalidates every token issued so far."""
    update = {"$set": {**changes, "updated_at": utcnow()}}
    if end_sessions:
        update["$inc"] = {"token_version": 1}
    user = db.users.find_one_and_update({"_id": username}, update, {"password_hash": 0},
                                        return_document=ReturnDocument.AFTER)
    if user is None:
        raise NotFound("user %s does not exist" % username)
    return user


def set_disabled(db, username, disabled):
    """Disabling ends every session at once; enabling lets the user sign in
    again (the tokens of before stay void)."""
    return _update(db, username, {"disabled": disabled}, end_sessions=disabled)


def reset_password(db, username, password):
    """An administrator sets a new password: every session ends."""
    return _update(db, username, {"password_hash": hashed(password),
                                  "password_changed_at": utcnow()}, end_sessions=True)


def change_own_password(db, username, current_password, new_password):
    """A user changes their own password, proving the current one; their
    other sessions end. Returns the user at its new version."""
    user = db.users.find_one({"_id": username})
    if user is None or user.get("disabled") or \
            not password_matches(user["password_hash"], current_password):
        raise InvalidInput("the current password is not right",
                           errors={"current_password": ["Not the current password."]})
    if current_password == new_password:
        raise InvalidInput("the new password is the current one",
                           errors={"new_password": ["Choose a password you do not use now."]})
    return _update(db, username, {"password_hash": hashed(new_password),
                                  "password_changed_at": utcnow()}, end_sessions=True)


def change_scope(db, username, fields):
    """Change a user's role, enterprise, linked records or name: the tokens
    that carry the old ones stop at once. The role and links are checked as
    they will stand together. Returns ``(user before, user after)``."""
    before = get_user(db, username)
    merged = {**{field: before.get(field) for field in SCOPE_FIELDS}, **fields}
    try:
        check_scope(merged)
    except ValidationError as exc:
        raise InvalidInput("the account's role and links do not fit together",
                           errors=exc.normalized_messages())
    return before, _update(db, username, merged, end_sessions=True)


def set_mail_preferences(db, username, fields):
    """A user's own e-mail address and whether notifications are e-mailed to
    it; what a token may do is unchanged, so no session ends."""
    return _update(db, username, {"email": fields["email"],
                                  "email_notifications": fields["email_notifications"]},
                   end_sessions=False)


def end_sessions(db, username):
    """Signing out: every token of the account stops working."""
    return _update(db, username, {}, end_sessions=True)
