"""The outbound contract's store: subscriptions and their deliveries, in
domain verbs (as ``projects.records`` is for the rest of the service)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Optional

from pymongo import ASCENDING, DESCENDING, IndexModel

from college_contracts import outbound as contract
from college_platform.documents import Database, Document, Session
from college_platform.envelope import utcnow
from college_platform.errors import NotFound
from college_platform.repository import insert_new, page
from projects.outbound import DEAD, PENDING, QUEUE, new_queue

log = logging.getLogger(__name__)

INDEXES = {
    "subscriptions": [
        IndexModel([("enterprise_id", ASCENDING), ("target", ASCENDING)], unique=True,
                   name="one_per_target"),
        IndexModel([("enterprise_id", ASCENDING), ("created_at", DESCENDING)],
                   name="by_enterprise"),
        IndexModel([("created_at", DESCENDING)], name="recent_first"),
    ],
    "deliveries": [
        IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)], name="due"),
        IndexModel([("subscription_id", ASCENDING), ("status", ASCENDING),
                    ("created_at", DESCENDING)], name="by_subscription"),
    ],
}


class OutboundRecords:
    def __init__(self, db: Database, session: Optional[Session] = None) -> None:
        self.db = db
        self.session = session

    # subscriptions ------------------------------------------------------------

    def add_subscription(self, subscription: Document) -> None:
        self.db.subscriptions.insert_one(subscription, session=self.session)

    def subscription(self, subscription_id: str) -> Document:
        found = self.find_subscription(subscription_id)
        if found is None:
            raise NotFound("subscription %s does not exist" % subscription_id)
        return found

    def find_subscription(self, subscription_id: str) -> Optional[Document]:
        found: Optional[Document] = self.db.subscriptions.find_one(
            {"_id": subscription_id}, session=self.session)
        return found

    def subscriptions_by_id(self, subscription_ids: set[str]) -> dict[str, Document]:
        """``{id: subscription}`` of those that exist."""
        return {found["_id"]: found for found in self.db.subscriptions.find(
            {"_id": {"$in": sorted(subscription_ids)}}, session=self.session)}

    def update_subscription(self, subscription_id: str, changes: Document) -> None:
        self.db.subscriptions.update_one({"_id": subscription_id}, {"$set": changes},
                                         session=self.session)

    def delete_subscription(self, subscription_id: str) -> None:
        self.db.subscriptions.delete_one({"_id": subscription_id}, session=self.session)

    def subscribers(self, enterprise_ids: list[str]) -> list[Document]:
        """The running subscriptions of these enterprises."""
        return list(self.db.subscriptions.find(
            {"enterprise_id": {"$in": sorted(set(enterprise_ids))}, "paused": False},
            session=self.session))

    def subscriptions_page(self, criteria: Document, params: Document) -> Document:
        return page(self.db.subscriptions, criteria, params["offset"], params["limit"])

    # deliveries ---------------------------------------------------------------

    def add_deliveries(self, deliveries: list[Document]) -> None:
        """Each once, in one statement: a delivery already there (the same
        event announced again) is left as it is."""
        insert_new(self.db.deliveries, deliveries, session=self.session)

    def deliveries_page(self, criteria: Document, params: Document) -> Document:
        return page(self.db.deliveries, criteria, params["offset"], params["limit"])

    def cancel_pending(self, subscription_id: str, reason: str) -> None:
        self.db.deliveries.update_many(
            {"subscription_id": subscription_id, "status": PENDING},
            {"$set": {"status": "cancelled", "reason": reason}}, session=self.session)

    def revive(self, subscription_id: str, delivery_ids: list[str], now: datetime) -> list[str]:
        """Dead deliveries (these, or all of the subscription's) made due again."""
        criteria: Document = {"subscription_id": subscription_id, "status": DEAD}
        if delivery_ids:
            criteria["_id"] = {"$in": delivery_ids}
        ids = [d["_id"] for d in self.db.deliveries.find(criteria, {"_id": 1},
                                                         session=self.session)]
        if ids:
            self.db.deliveries.update_many(
                {"_id": {"$in": ids}, "status": DEAD},
                {"$set": {"status": PENDING, "attempts": 0, "next_attempt_at": now,
                          "lease_until": now, "reason": None, "replayed_at": now}},
                session=self.session)
        return ids

    # the sender (no transaction: each claim and outcome stands alone) ----------

    def due(self, now: datetime, limit: int) -> list[Document]:
        return list(self.db.deliveries.find(
            {"status": PENDING, "next_attempt_at": {"$lte": now}, "lease_until": {"$lte": now}},
            limit=limit).sort("next_attempt_at", ASCENDING))

    def claim(self, delivery: Document, now: datetime, hold: float) -> Optional[Document]:
        """The delivery just read as due, held by this process for ``hold``
        seconds, or None when another one holds it or changed it since (settled,
        or tried again: its attempts differ). An update by id, not a
        find-and-modify: SecantusDB scans the whole collection for each
        findAndModify, whatever its filter (45 ms a claim at 5,000 deliveries,
        against 1.7 ms for this update)."""
        lease_until = now + timedelta(seconds=hold)
        held = self.db.deliveries.update_one(
            {"_id": delivery["_id"], "status": PENDING, "lease_until": {"$lte": now},
             "attempts": delivery.get("attempts", 0)},
            {"$set": {"lease_until": lease_until}})
        return {**delivery, "lease_until": lease_until} if held.modified_count else None

    def settle(self, delivery_id: str, changes: Document) -> None:
        self.db.deliveries.update_one({"_id": delivery_id, "status": PENDING},
                                      {"$set": changes})

    def counts(self) -> dict[str, Any]:
        return {row["_id"]: row["count"] for row in self.db.deliveries.aggregate(
            [{"$group": {"_id": "$status", "count": {"$sum": 1}}}])}


def queues_get_tokens(db: Database) -> int:
    """Give its own tokened queue to each queue subscription stored before
    queues had one (its queue was ``college.outbound.<enterprise id>``, a name
    any enterprise could guess). Run at start, every start: safe to run again,
    and by two instances at once (a subscription is changed only while it still
    has its old name). The old queue is filled no more; an operator deletes it
    once its enterprise has drained it. How many were given a token."""
    given = 0
    for found in db.subscriptions.find({"delivery": QUEUE},
                                       {"enterprise_id": 1, "queue": 1}):
        old = found.get("queue")
        if old and contract.is_queue_of(found["enterprise_id"], old):
            continue
        name = new_queue(found["enterprise_id"])
        changed = db.subscriptions.update_one(
            {"_id": found["_id"], "queue": old},
            {"$set": {"queue": name, "target": name, "queue_given_at": utcnow()}})
        if changed.modified_count:
            given += 1
            log.warning("outbound subscription %s of %s now sends to its own queue; %s is "
                        "filled no more: delete it once drained", found["_id"],
                        found["enterprise_id"], old)
    if given:
        db.migrations.update_one({"_id": "outbound_queue_tokens"},
                                 {"$setOnInsert": {"done_at": utcnow()},
                                  "$inc": {"subscriptions": given}}, upsert=True)
    return given
