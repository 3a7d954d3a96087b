"""Transactional outbox relay.

A service writes its state change and the event announcing it in the same
MongoDB transaction (see ``mongo.UnitOfWork.emit``). The relay, plain code
driven by a thread in the service, publishes pending events with broker
confirms and only then marks them sent. A crash anywhere in between leaves
the event pending, so it is published later: at least once, never lost;
consumers absorb the duplicates through their inbox.
"""
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from pymongo import ASCENDING, IndexModel

from college_platform.documents import Collection, Document
from college_platform.envelope import Envelope, utcnow
from college_platform.repository import in_parts

log = logging.getLogger(__name__)

PENDING = "pending"
SENT = "sent"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

OUTBOX_INDEXES = [
    IndexModel([("status", ASCENDING), ("_id", ASCENDING)], name="pending_in_order"),
    # published events are kept a week for audit, then dropped
    IndexModel([("sent_at", ASCENDING)], name="sent_expiry", expireAfterSeconds=7 * 24 * 3600),
]


# events of one type announced together share a record, up to this many: one
# insert and one "sent" update for the lot (on SecantusDB an update costs 1-2 ms
# a document, and marking a record per event was a fifth of the projects
# database's time under the inbound stream, docs/benchmarks.md)
GROUP_SIZE = 100


def outbox_record(envelope: Envelope, now: datetime, lease_until: datetime = EPOCH) -> Document:
    """A pending record; with ``lease_until`` it is born claimed by the process
    that writes it, which publishes it straight after the commit (sweeps leave
    it alone until then, and take it over if that process dies)."""
    return {"event": envelope, "status": PENDING, "created_at": now,
            "lease_until": lease_until}


def outbox_records(envelopes: Sequence[Envelope], now: datetime,
                   lease_until: datetime = EPOCH) -> list[Document]:
    """The records of events announced together: one event alone as
    ``outbox_record``; several in records of up to ``GROUP_SIZE``, each with
    its events in order under ``events`` and how many under ``count``. A
    record is published whole and marked sent whole."""
    if len(envelopes) == 1:
        return [outbox_record(envelopes[0], now, lease_until)]
    return [{"events": list(envelopes[start:start + GROUP_SIZE]),
             "count": len(envelopes[start:start + GROUP_SIZE]), "status": PENDING,
             "created_at": now, "lease_until": lease_until}
            for start in range(0, len(envelopes), GROUP_SIZE)]


def events_of(record: Document) -> list[Envelope]:
    """The events a record holds, in the order announced."""
    return list(record["events"]) if "events" in record else [record["event"]]


class OutboxRelay:
    """Publishes pending outbox records in insertion order.

    ``publish(envelope)`` must raise unless the broker confirmed the message.
    A lease lets several instances of a service share one outbox without
    publishing the same record at the same time.
    """

    def __init__(self, collection: Collection, publish: Callable[[Envelope], None],
                 lease_seconds: float = 30, batch_size: int = 20,
                 clock: Callable[[], datetime] = utcnow,
                 publish_many: Callable[[Sequence[Envelope]], None] | None = None) -> None:
        """``publish_many``: publishes a batch, every one confirmed or an
        exception (``confirms.BatchPublisher``); unset, ``publish`` each.
        ``batch_size``: records a sweep claims and publishes at once; a record
        holds up to ``GROUP_SIZE`` events, so a batch at most 2,000 at the
        default, well within the confirms' timeout."""
        self.collection = collection
        self.publish = publish
        self.publish_many = publish_many or self._one_at_a_time
        self.lease = timedelta(seconds=lease_seconds)
        self.batch_size = batch_size
        self.clock = clock

    def publish_pending(self, sweep_batch: int = 1000) -> int:
        """Publish everything pending (the sweep), oldest first: what a crashed
        process or a failed publish left behind. Finding the pending records
        costs the database in proportion to how many there are, so the sweep
        takes them ``sweep_batch`` at a time and is run rarely; events this
        process just committed go out through ``publish_committed`` instead."""
        published = 0
        while True:
            ids = [record["_id"] for record in self.collection.find(
                {"status": PENDING, "lease_until": {"$lt": self.clock()}}, {"_id": 1})
                .sort("_id", ASCENDING).limit(sweep_batch)]
            if not ids:
                return published
            for start in range(0, len(ids), self.batch_size):
                published += self._claim_and_publish(ids[start:start + self.batch_size])
            if len(ids) < sweep_batch:
                return published

    def _claim_and_publish(self, ids: list[Any]) -> int:
        """Publish the pending, unclaimed records among ``ids`` in order: claimed
        with one write, marked sent with one more. Returns how many."""
        now = self.clock()
        claim = uuid.uuid4().hex
        self.collection.update_many(
            {"_id": {"$in": ids}, "status": PENDING, "lease_until": {"$lt": now}},
            {"$set": {"lease_until": now + self.lease, "claim": claim}})
        sent = []
        try:
            records = list(self.collection.find({"_id": {"$in": ids}, "claim": claim,
                                                 "status": PENDING}).sort("_id", ASCENDING))
            self.publish_many([event for record in records for event in events_of(record)])
            sent = [record["_id"] for record in records]
        finally:
            if sent:
                self.collection.update_many({"_id": {"$in": sent}},
                                            {"$set": {"status": SENT, "sent_at": self.clock()}})
            # a publish failed (the broker is away): what this relay claimed and did
            # not send is free again at once, not after the lease
            unsent = [record_id for record_id in ids if record_id not in set(sent)]
            if unsent:
                self.release(unsent, claim)
        return len(sent)

    def publish_committed(self, records: Sequence[tuple[Any, Sequence[Envelope]]]) -> int:
        """Publish ``[(record id, its envelopes)]`` that this process committed,
        born claimed, from memory: no read and no claim, one write to mark them
        sent. Whatever is not published is released for the sweep at once.
        Returns how many records were sent."""
        sent = []
        try:
            self.publish_many([envelope for _, envelopes in records for envelope in envelopes])
            sent = [record_id for record_id, _ in records]
        finally:
            # by id alone: marking a sent record sent again is harmless, and on
            # SecantusDB a second condition made this update cost twice as much
            for part in in_parts(sent):
                self.collection.update_many({"_id": {"$in": part}},
                                            {"$set": {"status": SENT, "sent_at": self.clock()}})
            if len(sent) < len(records):
                self.release([record_id for record_id, _ in records[len(sent):]])
        return len(sent)

    def _one_at_a_time(self, envelopes: Sequence[Envelope]) -> None:
        for envelope in envelopes:
            self.publish(envelope)

    def release(self, ids: list[Any], claim: str | None = None) -> None:
        """Free records this process holds (under ``claim``, when it claimed
        them in a sweep) so that the next sweep takes them."""
        for part in in_parts(ids):
            query: dict[str, Any] = {"_id": {"$in": part}, "status": PENDING}
            if claim:
                query["claim"] = claim
            self.collection.update_many(query, {"$set": {"lease_until": EPOCH}})

    def backlog(self) -> tuple[int, float]:
        """(events pending, age in seconds of the oldest pending)."""
        pending = sum(group["events"] for group in self.collection.aggregate([
            {"$match": {"status": PENDING}},
            {"$group": {"_id": None, "events": {"$sum": {"$ifNull": ["$count", 1]}}}}]))
        oldest = self.collection.find_one({"status": PENDING}, sort=[("_id", ASCENDING)])
        age = (self.clock() - oldest["created_at"]).total_seconds() if oldest else 0.0
        return pending, age
