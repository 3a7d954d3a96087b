"""Whether a token's account still stands, checked on every request.

A token proves who signed in and when; it cannot know that an administrator
has since disabled the account, reset its password or changed its role or
enterprise, or that its owner signed out. Each of those raises the account's
``token_version``, and a token carries the version it was issued under
(claim ``ver``): a token whose account is disabled, gone or at another version
is refused at once.

Every request is checked against an in-process registry of account states,
loaded from the gateway's database on first sight of a username and dropped
when the stored account changes: the instance that makes a change forgets the
old state itself, every other instance within one poll of the ``users``
collection (``ACCOUNT_POLL_SECONDS``).
"""
import logging
import threading
import time
from datetime import timedelta

from nameko.extensions import DependencyProvider
from pymongo.errors import PyMongoError

from college_platform.envelope import utcnow
from college_platform.mongo import MongoStore
from gateway import settings
from gateway.auth import Unauthorized

log = logging.getLogger(__name__)

CHANGE_OVERLAP = timedelta(seconds=1)  # covers clock skew between gateway instances
MAX_REMEMBERED = 100000


class AccountState:
    __slots__ = ("version", "disabled")

    def __init__(self, version, disabled):
        self.version = version
        self.disabled = disabled


GONE = AccountState(None, True)


def state_of(user):
    """What a token is checked against, from a stored user (None: no such user)."""
    if user is None:
        return GONE
    return AccountState(int(user.get("token_version") or 0), bool(user.get("disabled")))


def check_token_stands(principal, state):
    """Raise Unauthorized unless the token's account is enabled and the token
    was issued under its current version."""
    if state.disabled:
        raise Unauthorized("this account is disabled or no longer exists")
    if (principal.token_version or 0) != state.version:
        raise Unauthorized("this session has ended (signed out, or the account changed): "
                           "sign in again")


class AccountRegistry:
    """Account states by username, as read from ``db.users``."""

    def __init__(self, db):
        self.db = db
        self.states = {}
        self.lock = threading.Lock()

    def state(self, username):
        with self.lock:
            state = self.states.get(username)
        if state is None:
            state = state_of(self.db.users.find_one(
                {"_id": username}, {"token_version": 1, "disabled": 1}))
            with self.lock:
                if len(self.states) >= MAX_REMEMBERED:
                    self.states.clear()
                self.states[username] = state
        return state

    def check(self, principal):
        check_token_stands(principal, self.state(principal.subject))

    def forget(self, username):
        with self.lock:
            self.states.pop(username, None)

    def follow_changes(self, since):
        """Forget the accounts stored since ``since``; returns the newest change seen."""
        newest = since
        for changed in self.db.users.find({"updated_at": {"$gt": since - CHANGE_OVERLAP}},
                                          {"_id": 1, "updated_at": 1}):
            self.forget(changed["_id"])
            newest = max(newest, changed["updated_at"])
        return newest


class Accounts(DependencyProvider):
    """Hands workers the account registry; follows the stored accounts'
    changes so that a change made through another gateway instance takes
    effect here within one poll."""

    def setup(self):
        self.poll_seconds = settings.ACCOUNT_POLL_SECONDS()
        self.registry = None
        self.running = False

    def start(self):
        mongo_store, = [extension for extension in self.container.dependencies
                        if isinstance(extension, MongoStore)]
        self.registry = AccountRegistry(mongo_store.db)
        self.running = True
        self.container.spawn_managed_thread(self._follow_changes, identifier="account_changes")

    def _follow_changes(self):
        since = utcnow()
        while self.running:
            time.sleep(self.poll_seconds)
            try:
                since = self.registry.follow_changes(since)
            except PyMongoError as exc:
                # unknown changes: forget every state, so each is read afresh
                log.warning("cannot follow account changes (%s); will retry", str(exc)[:200])
                with self.registry.lock:
                    self.registry.states.clear()

    def stop(self):
        self.running = False

    kill = stop

    def get_dependency(self, worker_ctx):
        return self.registry
