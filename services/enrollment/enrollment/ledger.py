"""The quota ledger: seats reserved at offer, consumed at enrolment, released
at decline, withdrawal or expiry.

A programme document and each partner's quota document carry counters
(``free``, ``reserved``, ``consumed``). A reservation decrements ``free`` with
a conditional update (``free > 0``) inside the caller's transaction, so two
concurrent offers for the last seat cannot both succeed: one matches nothing,
or the transactions conflict and the retry then matches nothing. Each movement
is also written to the ``ledger`` collection for audit.

Each function works on a unit of work's ``records`` (``EnrollmentRecords``,
whose verbs ``reserve_seat``, ``consume_seat``, ``release_seat``... call
these), through its ``db`` and transaction ``session``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from college_platform.envelope import utcnow
from college_platform.errors import Conflict
from college_platform.repository import new_id

if TYPE_CHECKING:
    from enrollment.records import EnrollmentRecords

Document = dict[str, Any]


def new_programme_counters(capacity: int) -> dict[str, int]:
    return {"free": capacity, "reserved": 0, "consumed": 0}


def quota_id(programme_id: str, partner_id: str | None) -> str:
    return "%s:%s" % (programme_id, partner_id)


def quotas_of(records: EnrollmentRecords, programme_id: str) -> list[Document]:
    return list(records.db.quotas.find({"programme_id": programme_id}, session=records.session))


def set_quota(records: EnrollmentRecords, programme: Document, partner_id: str, seats: int) -> None:
    key = quota_id(programme["_id"], partner_id)
    quota = records.db.quotas.find_one({"_id": key}, session=records.session) or {
        "_id": key, "programme_id": programme["_id"], "partner_id": partner_id,
        "reserved": 0, "consumed": 0}
    held = quota["reserved"] + quota["consumed"]
    if seats < held:
        raise Conflict("the partner already holds %d seats; the quota cannot be %d"
                       % (held, seats))
    records.db.quotas.update_one(
        {"_id": key},
        {"$set": {"seats": seats, "free": seats - held, "programme_id": programme["_id"],
                  "partner_id": partner_id, "reserved": quota["reserved"],
                  "consumed": quota["consumed"]}},
        upsert=True, session=records.session)
    # a partner left with no seats no longer takes the programme's applications
    membership = "$addToSet" if seats > 0 else "$pull"
    records.db.programmes.update_one({"_id": programme["_id"]},
                                 {membership: {"quota_partner_ids": partner_id}},
                                 session=records.session)
    _record(records, programme["_id"], partner_id, "quota_set", seats=seats)


def _take(records: EnrollmentRecords, programme_id: str, partner_id: str | None, into: str,
          what: str) -> None:
    """Move one free seat into ``into`` (reserved or consumed), programme and
    partner quota alike; Conflict when either is full."""
    taken = records.db.programmes.update_one(
        {"_id": programme_id, "free": {"$gt": 0}}, {"$inc": {"free": -1, into: 1}},
        session=records.session)
    if not taken.modified_count:
        raise Conflict("no seat is left in the programme for this %s" % what,
                       reason="programme_full")
    if partner_id is not None:
        taken = records.db.quotas.update_one(
            {"_id": quota_id(programme_id, partner_id), "free": {"$gt": 0}},
            {"$inc": {"free": -1, into: 1}}, session=records.session)
        if not taken.modified_count:
            raise Conflict("the partner's quota in this programme is used up",
                           reason="quota_full")


def _move(records: EnrollmentRecords, programme_id: str, partner_id: str | None, source: str,
          target: str) -> None:
    """Move one seat between counters (e.g. reserved -> consumed, consumed -> free)."""
    for collection, key in ((records.db.programmes, programme_id),
                            (records.db.quotas, quota_id(programme_id, partner_id))):
        if collection is records.db.quotas and partner_id is None:
            continue
        moved = collection.update_one({"_id": key, source: {"$gt": 0}},
                                      {"$inc": {source: -1, target: 1}}, session=records.session)
        if not moved.modified_count:
            raise Conflict("the ledger holds no %s seat to move" % source)


def reserve(records: EnrollmentRecords, application: Document) -> None:
    _take(records, application["programme_id"], application["partner_id"], "reserved", "offer")
    _record(records, application["programme_id"], application["partner_id"], "reserve",
            application_id=application["_id"])


def consume(records: EnrollmentRecords, application: Document, student_id: str) -> None:
    _move(records, application["programme_id"], application["partner_id"], "reserved", "consumed")
    _record(records, application["programme_id"], application["partner_id"], "consume",
            application_id=application["_id"], student_id=student_id)


def release(records: EnrollmentRecords, application: Document, held: str, reason: str) -> None:
    """Give back a seat ``held`` ("reserved" or "consumed") by an application."""
    _move(records, application["programme_id"], application["partner_id"], held, "free")
    _record(records, application["programme_id"], application["partner_id"], "release",
            application_id=application["_id"], reason=reason)


def release_student(records: EnrollmentRecords, student: Document, reason: str) -> None:
    _move(records, student["programme_id"], student["partner_id"], "consumed", "free")
    _record(records, student["programme_id"], student["partner_id"], "release",
            application_id=student["application_id"], student_id=student["_id"], reason=reason)


def consume_directly(records: EnrollmentRecords, programme: Document, partner_id: str | None,
                     student_id: str) -> None:
    """A transfer takes a seat in the new programme without an offer."""
    _take(records, programme["_id"], partner_id, "consumed", "transfer")
    _record(records, programme["_id"], partner_id, "consume", student_id=student_id,
            reason="transfer")


def seats_left(records: EnrollmentRecords, programme_id: str, partner_id: str | None) -> int:
    """How many seats the programme (and the partner's quota) can still give."""
    programme = records.db.programmes.find_one({"_id": programme_id}, {"free": 1},
                                           session=records.session)
    left = programme["free"]
    if partner_id is not None:
        quota = records.db.quotas.find_one({"_id": quota_id(programme_id, partner_id)},
                                       {"free": 1}, session=records.session)
        left = min(left, quota["free"] if quota else 0)
    return max(0, left)


def consume_admitted(records: EnrollmentRecords, programme_id: str, partner_id: str | None,
                     admissions: list[tuple[str, str]]) -> None:
    """Students admitted by the provincial list take their seats at once, no
    offer before: one seat per ``(application_id, student_id)``, all or none
    (the caller has counted them against ``seats_left``)."""
    count = len(admissions)
    if not count:
        return
    for collection, key in ((records.db.programmes, programme_id),
                            (records.db.quotas, quota_id(programme_id, partner_id))):
        if collection is records.db.quotas and partner_id is None:
            continue
        taken = collection.update_one({"_id": key, "free": {"$gte": count}},
                                      {"$inc": {"free": -count, "consumed": count}},
                                      session=records.session)
        if not taken.modified_count:
            raise Conflict("the seats were taken meanwhile; try again", reason="programme_full")
    now = utcnow()
    records.db.ledger.insert_many([
        {"_id": new_id(), "programme_id": programme_id, "partner_id": partner_id,
         "movement": "consume", "application_id": application_id, "student_id": student_id,
         "reason": "admission_list", "created_at": now}
        for application_id, student_id in admissions], session=records.session)


def _record(records: EnrollmentRecords, programme_id: str, partner_id: str | None, movement: str,
            **details: Any) -> None:
    # an id of ours, like every other document: the database's ObjectId cannot go over RPC
    records.db.ledger.insert_one({"_id": new_id(), "programme_id": programme_id,
                              "partner_id": partner_id,
                              "movement": movement, **details, "created_at": utcnow()},
                             session=records.session)
