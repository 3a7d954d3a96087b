"""The notifications in the gateway's own database, and each user's read
state. The rules of who is told what are ``gateway.notifications``; this is
where they are kept.

One document per notification (its id derived from the fact it tells), with
its ``audience`` (``role:...``, ``enterprise:...``, ``student:...``,
``mentor:...``) and the usernames that have read it: read state is per user,
and a user reaches a notification only through an audience of their own, so
another audience's notification is as missing as one that does not exist.
Every write is an upsert or a conditional update: a batch of events applied
twice leaves what it left once.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne
from pymongo.database import Database

from college_platform.errors import NotFound
from gateway.notifications import Change, Raise, Resolve

COLLECTION = "notifications"
INDEXES = [
    IndexModel([("audience", ASCENDING), ("raised_at", DESCENDING), ("_id", ASCENDING)],
               name="by_audience_recent"),
    IndexModel([("reminded", ASCENDING), ("done", ASCENDING), ("due_at", ASCENDING)],
               name="reminders_due"),
]


def writes_for(change: Change, at: datetime) -> list[UpdateOne]:
    if isinstance(change, Resolve):
        # settled, even if the notification is not here yet (the events come
        # through separate queues): its raise then fills in a done notification
        return [UpdateOne({"_id": id_}, {
            "$set": {"done": True, "done_at": at},
            "$setOnInsert": {"audience": [], "read_by": [], "created_at": at,
                             "raised_at": at, "raised": 0, "reminded": False}},
            upsert=True) for id_ in change.ids]
    assert isinstance(change, Raise)
    writes = [UpdateOne({"_id": change.id}, {
        "$set": {"kind": change.kind, "audience": list(change.audience),
                 "subject": dict(change.subject), "params": dict(change.params),
                 "due_at": change.due_at},
        "$setOnInsert": {"created_at": at, "raised_at": at, "done": False, "read_by": [],
                         "raised": change.raised, "reminded": False}}, upsert=True)]
    if change.raised:  # told again: unread again for everyone, once per telling
        writes.append(UpdateOne({"_id": change.id, "raised": {"$lt": change.raised}},
                                {"$set": {"raised": change.raised, "raised_at": at,
                                          "read_by": []}}))
    return writes


def apply(db: Database, changes: Iterable[tuple[Change, datetime]]) -> None:
    """Write the changes of a batch of events, in order, in one statement."""
    writes = [write for change, at in changes for write in writes_for(change, at)]
    if writes:
        db[COLLECTION].bulk_write(writes, ordered=True)


def _criteria(audiences: Sequence[str], username: str, unread: bool | None = None,
              open_: bool | None = None) -> dict[str, Any]:
    criteria: dict[str, Any] = {"audience": {"$in": list(audiences)}}
    if unread is True:
        criteria["read_by"] = {"$ne": username}
    elif unread is False:
        criteria["read_by"] = username
    if open_ is not None:
        criteria["done"] = not open_
    return criteria


def as_read_by(document: Mapping[str, Any], username: str) -> dict[str, Any]:
    """The notification as ``username`` sees it: whether they read it, never who else did."""
    seen = {key: value for key, value in document.items()
            if key not in ("read_by", "audience", "raised")}
    seen["read"] = username in document.get("read_by", [])
    seen["reminder"] = bool(document.get("reminded"))
    return seen


def page(db: Database, audiences: Sequence[str], username: str, params: Mapping[str, Any],
         ) -> dict[str, Any]:
    """The user's notifications, the most recently raised first."""
    criteria = _criteria(audiences, username, params.get("unread"), params.get("open"))
    offset, limit = params["offset"], params["limit"]
    found = db[COLLECTION].find(criteria).sort(
        [("raised_at", DESCENDING), ("_id", ASCENDING)]).skip(offset).limit(limit)
    return {"items": [as_read_by(document, username) for document in found],
            "total": db[COLLECTION].count_documents(criteria),
            "offset": offset, "limit": limit}


def unread_count(db: Database, audiences: Sequence[str], username: str) -> int:
    return db[COLLECTION].count_documents(_criteria(audiences, username, unread=True))


def mark(db: Database, audiences: Sequence[str], username: str, notification_id: str,
         read: bool) -> dict[str, Any]:
    """Read or unread for ``username``; another audience's notification is not found."""
    update = {"$addToSet": {"read_by": username}} if read else {"$pull": {"read_by": username}}
    result = db[COLLECTION].update_one(
        {"_id": notification_id, "audience": {"$in": list(audiences)}}, update)
    if result.matched_count == 0:
        raise NotFound("notification %s does not exist" % notification_id)
    document = db[COLLECTION].find_one({"_id": notification_id})
    if document is None:
        raise NotFound("notification %s does not exist" % notification_id)
    return as_read_by(document, username)


def mark_all_read(db: Database, audiences: Sequence[str], username: str) -> int:
    result = db[COLLECTION].update_many(_criteria(audiences, username, unread=True),
                                        {"$addToSet": {"read_by": username}})
    return int(result.modified_count)


def remind(db: Database, now: datetime, hours_before: float, limit: int = 500) -> list[str]:
    """Open notifications due within ``hours_before`` hours, each once: raised
    again as unread for everyone, flagged as a reminder. The ids reminded."""
    due = db[COLLECTION].find(
        {"reminded": False, "done": False,
         "due_at": {"$ne": None, "$lte": now + timedelta(hours=hours_before)}},
        {"_id": 1}).limit(limit)
    reminded = []
    for document in due:
        result = db[COLLECTION].update_one(
            {"_id": document["_id"], "reminded": False},
            {"$set": {"reminded": True, "reminded_at": now, "raised_at": now, "read_by": []}})
        if result.modified_count:
            reminded.append(document["_id"])
    return reminded
