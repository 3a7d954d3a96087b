"""The gateway's read models: the services' view parts kept in the gateway's
own database, the durable markers that say which parts are stale, and an
in-process cache that follows the stored views' changes. See docs/views.md."""
import hashlib
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from nameko.extensions import DependencyProvider
from pymongo import ASCENDING, IndexModel, UpdateOne
from pymongo.errors import BulkWriteError, PyMongoError

from college_platform.envelope import utcnow
from college_platform.http import dumps
from college_platform.mongo import MongoStore, ensure_indexes
from gateway import settings
from gateway.views import ENTERPRISE_VIEW, STUDENT_VIEW

log = logging.getLogger(__name__)

VIEW_COLLECTIONS = {STUDENT_VIEW: "student_views", ENTERPRISE_VIEW: "enterprise_views"}
INDEXES = {
    "student_views": [IndexModel([("updated_at", ASCENDING)], name="changes")],
    "enterprise_views": [IndexModel([("updated_at", ASCENDING)], name="changes")],
    "view_refresh": [IndexModel([("due_at", ASCENDING)], name="due"),
                     IndexModel([("claim", ASCENDING)], name="claim")],
    "view_leases": [IndexModel([("expires_at", ASCENDING)], name="expiry")],
    "team_members": [],
    "indicator_facts": [],
}
CHANGE_OVERLAP = timedelta(seconds=1)  # covers clock skew between gateway instances
# when a resting marker is due: never. Not null, which the due index sorts first, so that
# SecantusDB walked every resting marker at each refresh tick looking for due ones
NEVER = datetime(9999, 1, 1, tzinfo=timezone.utc)
DUPLICATE_KEY = 11000


class Claim(NamedTuple):
    """Markers claimed for one refresh: ``by_time`` when one of them was due
    because its part changed with time alone; then the service's facts, which
    count the same weeks, changed too."""
    token: str
    keys: list
    by_time: bool


class ViewCache:
    """A bounded LRU of stored views, held as compact JSON so tens of
    thousands fit in a few tens of MB."""

    def __init__(self, max_entries, max_age_seconds):
        self.max_entries = max_entries
        self.max_age = max_age_seconds
        self.entries = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or time.monotonic() - entry[0] > self.max_age:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
        return json.loads(entry[1])

    def put(self, key, value):
        encoded = dumps(value).encode()
        with self.lock:
            self.entries[key] = (time.monotonic(), encoded)
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def drop(self, key):
        with self.lock:
            self.entries.pop(key, None)


class ReadModelStore:
    """What workers use: mark stale parts, claim and store refreshed ones,
    read views and facts."""

    def __init__(self, db, cache):
        self.db = db
        self.cache = cache
        self._facts = (0.0, None, None)  # checked at, digests, (rows, fetched at)
        # process-wide memos: dashboards per filters and facts version; the sweep's
        # place in each kind's round of views, and the size of its last round
        self.dashboards = {}
        self.sweeps = {}

    # stale markers -------------------------------------------------------------

    def mark(self, marks, min_interval=0.0):
        """Record ``[(kind, key, service)]`` as stale; marking twice is harmless.

        A marker that is already due and unclaimed is left alone: whoever
        claims it later fetches after this event's change was committed. Many
        events name the same few markers (every enrolment, the dashboard's
        facts); rewriting them each time made them the database's hottest
        documents, contended by every handler at once.

        A part refreshed less than ``min_interval`` seconds ago falls due when
        that interval has passed, not at once: under a stream of events about
        one enterprise, its view would otherwise be re-read from the service
        at every refresh tick, a read that grows with the enterprise's records.
        """
        if not marks:
            return
        ids = {"%s:%s:%s" % (kind, service, key): (kind, key, service)
               for kind, key, service in marks}
        now = utcnow()
        known = {marker["_id"]: marker for marker in self.db.view_refresh.find(
            {"_id": {"$in": list(ids)}}, {"claim": 1, "due_at": 1, "refreshed_at": 1})}
        changes = {}
        for marker_id, (kind, key, service) in ids.items():
            marker = known.get(marker_id, {})
            due = now
            if marker.get("refreshed_at") is not None:
                due = max(now, marker["refreshed_at"] + timedelta(seconds=min_interval))
            if marker.get("claim") is None and marker.get("due_at") is not None \
                    and marker["due_at"] <= due:  # a resting one is due NEVER
                continue  # due already, as soon or sooner
            changes[marker_id] = {"kind": kind, "service": service, "key": key,
                                  "marked_at": now, "due_at": due, "claim": None,
                                  "by_time": False}
        # markers never written (a new student's, one per service) are inserted,
        # at a third of an upsert's cost on SecantusDB; one another handler wrote
        # meanwhile is updated as the others are
        new = [marker_id for marker_id in changes if marker_id not in known]
        updates = [marker_id for marker_id in changes if marker_id in known]
        if new:
            try:
                self.db.view_refresh.insert_many(
                    [{"_id": marker_id, **changes[marker_id]} for marker_id in new],
                    ordered=False)
            except BulkWriteError as exc:
                if any(error["code"] != DUPLICATE_KEY for error in exc.details["writeErrors"]):
                    raise
                updates.extend(new[error["index"]] for error in exc.details["writeErrors"])
        if updates:
            self.db.view_refresh.bulk_write([
                UpdateOne({"_id": marker_id}, {"$set": changes[marker_id]}, upsert=True)
                for marker_id in updates], ordered=False)

    def schedule(self, marks, token=None):
        """Make each ``(kind, key, service, due_at)`` due at ``due_at``, the
        moment its part changes with time alone, unless its marker is due
        sooner or being refreshed under another claim than ``token`` (that
        refresh schedules it again from its answer)."""
        if not marks:
            return
        live = [lease["_id"] for lease in self.db.view_leases.find({"_id": {"$ne": token}},
                                                                   {"_id": 1})]
        writes = [UpdateOne({"_id": "%s:%s:%s" % (kind, service, key), "claim": {"$nin": live},
                             "due_at": {"$gt": due_at}},
                            {"$set": {"kind": kind, "service": service, "key": key,
                                      "marked_at": utcnow(), "due_at": due_at,
                                      "by_time": True}},
                            upsert=True)
                  for kind, key, service, due_at in marks]
        try:
            self.db.view_refresh.bulk_write(writes, ordered=False)
        except BulkWriteError as exc:
            # a duplicate key is a marker due sooner or being refreshed: it stays as it is
            if any(error["code"] != DUPLICATE_KEY for error in exc.details["writeErrors"]):
                raise

    def due(self, limit):
        """``{(kind, service): [key, ...]}`` of markers due now."""
        groups = {}
        for marker in self.db.view_refresh.find(
                {"due_at": {"$lte": utcnow()}}, {"kind": 1, "service": 1, "key": 1},
                limit=limit):
            groups.setdefault((marker["kind"], marker["service"]), []).append(marker["key"])
        return groups

    def claim(self, kind, service, keys, lease_seconds):
        """Claim due markers so that no other gateway instance refreshes the
        same parts at the same time: ``Claim(token, keys, by_time)``.

        A claimed marker rests at once (due ``NEVER``), so a refresh that
        finishes writes nothing more to it: releasing a marker cost the
        gateway's database as much as claiming it. What covers a refresher
        that dies holding its claim is one lease document per claim, written
        first and removed when the parts are stored (``release``); once
        expired, ``recover_leases`` makes its markers due again. An event
        during the refresh marks its marker due again (``mark`` clears the
        claim), so that marker is refreshed once more."""
        token = uuid.uuid4().hex
        now = utcnow()
        ids = ["%s:%s:%s" % (kind, service, key) for key in keys]
        self.db.view_leases.insert_one({"_id": token, "kind": kind, "service": service,
                                        "expires_at": now + timedelta(seconds=lease_seconds)})
        self.db.view_refresh.update_many(
            {"_id": {"$in": ids}, "due_at": {"$lte": now}},
            {"$set": {"claim": token, "due_at": NEVER, "refreshed_at": now}})
        claimed = list(self.db.view_refresh.find({"claim": token}, {"key": 1, "by_time": 1}))
        if not claimed:
            self.release(token)
        return Claim(token, [marker["key"] for marker in claimed],
                     any(marker.get("by_time") for marker in claimed))

    def release(self, token):
        """The claimed parts are stored: their markers rest as claimed, except
        those marked again meanwhile, which are due."""
        self.db.view_leases.delete_one({"_id": token})

    def postpone(self, token, seconds):
        """The service did not answer: the claimed markers fall due later."""
        self.db.view_refresh.update_many(
            {"claim": token},
            {"$set": {"due_at": utcnow() + timedelta(seconds=seconds), "claim": None},
             "$inc": {"attempts": 1}})
        self.release(token)

    def recover_leases(self):
        """The markers of claims whose lease expired before their parts were
        stored (the refresher died or hung) are due again."""
        now = utcnow()
        for lease in self.db.view_leases.find({"expires_at": {"$lte": now}}, {"_id": 1}):
            self.db.view_refresh.update_many({"claim": lease["_id"]},
                                             {"$set": {"due_at": now, "claim": None}})
            self.release(lease["_id"])

    # team membership, for events that name only a team --------------------------

    def remember_team(self, team_id, student_ids):
        self.db.team_members.update_one({"_id": team_id},
                                        {"$addToSet": {"student_ids": {"$each": student_ids}}},
                                        upsert=True)

    def team_students(self, team_id):
        team = self.db.team_members.find_one({"_id": team_id}) or {}
        return team.get("student_ids", [])

    # view parts ----------------------------------------------------------------

    def save_parts(self, kind, service, parts, fetched_at):
        """Store each key's part unless a part fetched later is stored already
        (two instances refreshing one view: the newer answer wins)."""
        if not parts:
            return
        now = utcnow()
        try:
            self.db[VIEW_COLLECTIONS[kind]].bulk_write([
                UpdateOne({"_id": key, "as_of.%s" % service: {"$not": {"$gte": fetched_at}}},
                          {"$set": {"parts.%s" % service: part,
                                    "as_of.%s" % service: fetched_at, "updated_at": now}},
                          upsert=True)
                for key, part in parts.items()], ordered=False)
        except BulkWriteError as exc:
            # a duplicate key is a view whose stored part is newer: it stays
            if any(error["code"] != DUPLICATE_KEY for error in exc.details["writeErrors"]):
                raise
        for key in parts:
            self.cache.drop((kind, key))

    def view(self, kind, key):
        """``{"parts": {service: part}, "as_of": {service: time}}``, empty
        when the read model holds nothing for the key."""
        cached = self.cache.get((kind, key))
        if cached is not None:
            return cached
        stored = self.db[VIEW_COLLECTIONS[kind]].find_one({"_id": key}) or {}
        value = {"parts": stored.get("parts", {}),
                 "as_of": {service: moment.isoformat()
                           for service, moment in stored.get("as_of", {}).items()}}
        if value["parts"]:
            self.cache.put((kind, key), value)
        return value

    def names_of(self, enterprise_ids):
        names = {}
        for stored in self.db.enterprise_views.find(
                {"_id": {"$in": list(enterprise_ids)}},
                {"parts.enrollment.partner.legal_name": 1}):
            partner = ((stored.get("parts") or {}).get("enrollment") or {}).get("partner") or {}
            names[stored["_id"]] = partner.get("legal_name")
        return names

    def all_keys(self, kind):
        return [view["_id"] for view in self.db[VIEW_COLLECTIONS[kind]].find({}, {"_id": 1})]

    def existing_keys(self, kind, keys):
        """Those of ``keys`` whose view is stored, in their order."""
        stored = {view["_id"] for view in self.db[VIEW_COLLECTIONS[kind]].find(
            {"_id": {"$in": list(keys)}}, {"_id": 1})}
        return [key for key in keys if key in stored]

    # dashboard facts -------------------------------------------------------------

    def save_facts(self, service, rows, fetched_at, read_seconds=0.0):
        """Store a service's facts and how long reading them took; the same
        facts fetched again only move ``checked_at``, so the dashboards
        computed from them stay valid."""
        digest = hashlib.sha256(dumps(rows).encode()).hexdigest()
        stored = self.db.indicator_facts.find_one({"_id": service}, {"digest": 1})
        changes = {"checked_at": fetched_at, "read_seconds": read_seconds}
        if not stored or stored.get("digest") != digest:
            changes.update(rows=rows, digest=digest, fetched_at=fetched_at)
        self.db.indicator_facts.update_one({"_id": service}, {"$set": changes}, upsert=True)
        self._facts = (0.0, self._facts[1], self._facts[2])

    def facts(self, max_age_seconds=1.0):
        """``({service: rows}, {service: fetched_at})``: the digests are checked
        at most every second, the rows re-read only when one changed."""
        checked_at, digests, facts = self._facts
        if facts is None or time.monotonic() - checked_at > max_age_seconds:
            current = {doc["_id"]: doc.get("digest") for doc in
                       self.db.indicator_facts.find({}, {"digest": 1})}
            if facts is None or current != digests:
                stored = list(self.db.indicator_facts.find({}, {"rows": 1, "fetched_at": 1,
                                                                "digest": 1}))
                current = {doc["_id"]: doc.get("digest") for doc in stored}
                facts = ({doc["_id"]: doc.get("rows", []) for doc in stored},
                         {doc["_id"]: doc["fetched_at"].isoformat() for doc in stored})
            self._facts = (time.monotonic(), current, facts)
        return facts

    def facts_checked(self, service):
        """``(checked_at, read_seconds)`` of the service's last facts read, or
        ``(None, 0.0)``."""
        stored = self.db.indicator_facts.find_one({"_id": service},
                                                  {"checked_at": 1, "read_seconds": 1}) or {}
        return stored.get("checked_at"), stored.get("read_seconds") or 0.0


class ReadModels(DependencyProvider):
    """Hands workers the read-model store; follows the stored views' changes
    so every gateway instance's cache drops what another instance refreshed."""

    def setup(self):
        self.cache = ViewCache(settings.VIEW_CACHE_ENTRIES(),
                               settings.VIEW_CACHE_MAX_AGE_SECONDS())
        self.poll_seconds = settings.VIEW_CACHE_POLL_SECONDS()
        self.running = False
        self.store = None

    def start(self):
        # the service's own database, through the store every component uses
        mongo_store, = [extension for extension in self.container.dependencies
                        if isinstance(extension, MongoStore)]
        self.store = ReadModelStore(mongo_store.db, self.cache)
        ensure_indexes(self.store.db, INDEXES)
        self.running = True
        self.container.spawn_managed_thread(self._follow_changes, identifier="view_changes")

    def _follow_changes(self):
        since = utcnow()
        while self.running:
            time.sleep(self.poll_seconds)
            if not self.cache.entries:  # nothing cached, nothing to drop: skip the query
                since = utcnow()
                continue
            try:
                newest = since
                for kind, name in VIEW_COLLECTIONS.items():
                    for changed in self.store.db[name].find(
                            {"updated_at": {"$gt": since - CHANGE_OVERLAP}},
                            {"_id": 1, "updated_at": 1}):
                        self.cache.drop((kind, changed["_id"]))
                        newest = max(newest, changed["updated_at"])
                since = newest
            except PyMongoError as exc:  # the database is away: the cache ages out meanwhile
                log.warning("cannot follow view changes (%s); will retry", str(exc)[:200])

    def stop(self):
        self.running = False

    kill = stop

    def get_dependency(self, worker_ctx):
        return self.store
