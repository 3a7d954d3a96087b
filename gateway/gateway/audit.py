"""The audit trail: who changed what, and who read whose personal data.

A route never waits for the database on account of the audit: it hands its
record to a bounded in-process queue that a background greenthread drains in
bulk into the gateway's ``audit_log`` collection. When the database is away
long enough for the queue to fill, the oldest records are dropped (counted in
``gateway_audit_records_dropped_total`` and logged) rather than slowing or
failing requests. Stopping the gateway flushes the queue.
"""
import logging
import re
import time
from collections import deque
from datetime import datetime, timezone

import eventlet
from eventlet.event import Event
from eventlet.semaphore import Semaphore
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from nameko.extensions import DependencyProvider
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import BulkWriteError, PyMongoError

from college_platform.metrics import metrics_of
from college_platform.mongo import MongoStore
from college_platform.repository import new_id
from college_platform.validation import PageQuerySchema, WholeNumber
from gateway import settings

log = logging.getLogger(__name__)

STATE_CHANGING = frozenset(("POST", "PUT", "PATCH", "DELETE"))
DUPLICATE_KEY = 11000
KINDS = ("request", "personal_data_read", "personal_data_export", "account")
OUTCOMES = ("success", "rejected", "failed")

# newest first under every filter the query offers
INDEXES = [
    IndexModel([("at", DESCENDING), ("_id", DESCENDING)], name="newest_first"),
    IndexModel([("username", ASCENDING), ("at", DESCENDING)], name="by_username"),
    IndexModel([("enterprise_id", ASCENDING), ("at", DESCENDING)], name="by_enterprise"),
    IndexModel([("role", ASCENDING), ("at", DESCENDING)], name="by_role"),
    IndexModel([("path", ASCENDING), ("at", DESCENDING)], name="by_path"),
    IndexModel([("subject_ids", ASCENDING), ("at", DESCENDING)], name="by_subject"),
]


def outcome_of(status):
    if status < 400:
        return "success"
    return "rejected" if status < 500 else "failed"


def audit_record(kind, principal, method, route, path, path_values, status, title,
                 duration_ms, request_id, at=None, claimed_username=None, subject_ids=(),
                 details=None):
    """One audit entry. No request body or answer is kept: the trail says who
    did what to which object, never the personal data itself. ``details``: what
    a route says of its change beyond that (an account's role before and after)."""
    object_ids = {key: value for key, value in (path_values or {}).items()}
    subjects = list(dict.fromkeys([*object_ids.values(), *(s for s in subject_ids if s)]))
    return {
        "_id": new_id(), "kind": kind,
        "at": at or datetime.now(timezone.utc),
        "username": principal.subject if principal else claimed_username,
        "authenticated": principal is not None,
        "role": principal.role if principal else None,
        "enterprise_id": principal.enterprise_id if principal else None,
        "method": method, "route": route, "path": path, "object_ids": object_ids,
        "subject_ids": subjects[:200],
        "status": status, "outcome": outcome_of(status), "title": title,
        "duration_ms": round(duration_ms, 3), "request_id": request_id,
        **({"details": details} if details else {}),
    }


class AuditEventSchema(Schema):
    """One audit record, as ``audit_record`` writes it (no body, no answer)."""
    id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    at = fields.DateTime(required=True)
    username = fields.String(allow_none=True, metadata={
        "description": "the caller, or the name a failed sign-in claimed"})
    authenticated = fields.Boolean()
    role = fields.String(allow_none=True)
    enterprise_id = fields.String(allow_none=True)
    method = fields.String()
    route = fields.String(metadata={"description": "the route's pattern"})
    path = fields.String()
    object_ids = fields.Dict(keys=fields.String(), values=fields.String(),
                             metadata={"description": "the path's ids by name"})
    subject_ids = fields.List(fields.String(), metadata={
        "description": "the objects and the people whose data the request touched"})
    status = WholeNumber()
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    title = fields.String(allow_none=True, metadata={"description": "a problem's title"})
    duration_ms = fields.Float()
    request_id = fields.String(allow_none=True)
    details = fields.Dict(metadata={"description": "what the route says of its change, "
                                                   "e.g. an account's role before and after"})


class AuditQuerySchema(PageQuerySchema):
    username = fields.String(validate=validate.Length(min=1, max=200))
    role = fields.String(validate=validate.Length(min=1, max=50))
    enterprise_id = fields.String(validate=validate.Length(min=1, max=100))
    method = fields.String(validate=validate.OneOf(sorted(STATE_CHANGING | {"GET"})))
    path_prefix = fields.String(validate=validate.Regexp(r"^/", error="Start with /."))
    outcome = fields.String(validate=validate.OneOf(OUTCOMES))
    kind = fields.String(validate=validate.OneOf(KINDS))
    subject_id = fields.String(validate=validate.Length(min=1, max=100))
    since = fields.AwareDateTime(default_timezone=timezone.utc)
    until = fields.AwareDateTime(default_timezone=timezone.utc)
    limit = WholeNumber(load_default=50, validate=validate.Range(min=1, max=200))

    @validates_schema
    def _window(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("Must not be before since.", "until")


def audit_filter(params):
    """The MongoDB query for the validated ``AuditQuerySchema`` parameters."""
    query = {key: params[key] for key in ("username", "role", "enterprise_id", "method",
                                          "outcome", "kind") if key in params}
    if "subject_id" in params:
        query["subject_ids"] = params["subject_id"]
    if "path_prefix" in params:  # an anchored prefix walks the path index
        query["path"] = {"$regex": "^" + re.escape(params["path_prefix"])}
    window = {}
    if "since" in params:
        window["$gte"] = params["since"]
    if "until" in params:
        window["$lte"] = params["until"]
    if window:
        query["at"] = window
    return query


def audit_view(record):
    view = {key: value for key, value in record.items() if key != "_id"}
    view["id"] = record["_id"]
    view["at"] = record["at"].astimezone(timezone.utc).isoformat()
    return view


class AuditTrail(DependencyProvider):
    """The bounded queue and its writer. ``record`` never blocks."""

    def setup(self):
        self.capacity = settings.AUDIT_QUEUE_SIZE()
        self.batch_size = settings.AUDIT_BATCH_SIZE()
        self.queue = deque()
        self.wake = Event()
        # one batch written at a time: a flush waits for the batch the writer has
        # taken off the queue, which it would otherwise miss
        self.writing = Semaphore(1)
        self.running = False
        self.writer = None
        self.dropped = 0

    def start(self):
        self.collection = self._store().db.audit_log
        self.running = True
        self.writer = self.container.spawn_managed_thread(self._drain_forever,
                                                          identifier="audit_writer")

    def _store(self):
        for dependency in self.container.dependencies:
            if isinstance(dependency, MongoStore):
                return dependency
        raise RuntimeError("the audit trail needs the service's MongoStore")

    def record(self, entry):
        self.queue.append(entry)
        self._drop_overflow()
        if not self.wake.ready():
            self.wake.send()

    def _drop_overflow(self):
        while len(self.queue) > self.capacity:
            self.queue.popleft()
            self.dropped += 1
            metrics = metrics_of(self.container)
            if metrics is not None:
                metrics.counter("audit_records_dropped",
                                "Audit records dropped because the audit queue was full.").inc()
            log.warning("audit queue full (%d records): dropped the oldest record (%d so far)",
                        self.capacity, self.dropped)

    def _drain_forever(self):
        while self.running or self.queue:
            if not self.queue:
                self.wake.wait()
                self.wake.reset()
                continue
            if not self._write_batch():
                eventlet.sleep(1.0)  # the database is away: keep the records, try again

    def _write_batch(self):
        with self.writing:
            return self._write_queued_batch()

    def _write_queued_batch(self):
        batch = [self.queue.popleft() for _ in range(min(self.batch_size, len(self.queue)))]
        if not batch:  # a flush wrote them while this writer waited
            return True
        try:
            self.collection.insert_many(batch, ordered=False)
            return True
        except BulkWriteError as exc:
            if all(error.get("code") == DUPLICATE_KEY for error in
                   exc.details.get("writeErrors", ())):
                return True  # a retried batch that had been half written
            failure = exc
        except PyMongoError as exc:
            failure = exc
        log.warning("audit records not written yet (%s: %s)", type(failure).__name__, failure)
        self.queue.extendleft(reversed(batch))
        self._drop_overflow()
        return False

    def flush(self, timeout=5.0):
        """Write what is queued now (at stop, and for tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.writing:  # after the batch being written, if one is
                if not self.queue:
                    return
                written = self._write_queued_batch()
            if not written:
                eventlet.sleep(0.2)

    def stop(self):
        self.running = False
        self.flush()
        if not self.wake.ready():
            self.wake.send()
        if self.queue:
            log.error("audit trail stopped with %d records unwritten", len(self.queue))

    def kill(self):
        self.running = False

    def get_dependency(self, worker_ctx):
        return self

    def find(self, params):
        query = audit_filter(params)
        cursor = (self.collection.find(query).sort([("at", DESCENDING), ("_id", DESCENDING)])
                  .skip(params["offset"]).limit(params["limit"]))
        return {"items": [audit_view(record) for record in cursor],
                "total": self.collection.count_documents(query),
                "offset": params["offset"], "limit": params["limit"]}
