"""Small persistence helpers every service needs the same way."""
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from marshmallow import Schema
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError
from pymongo.read_concern import ReadConcern

from college_platform.documents import Collection, Database, Document, Session
from college_platform.envelope import utcnow
from college_platform.errors import NotFound
from college_platform.validation import MAX_PAGE_SIZE

# a Mongo sort or an index's keys: (field, ASCENDING or DESCENDING) pairs
Keys = list[tuple[str, int]]

# list endpoints page newest first; this index keeps that a range walk, not a scan
RECENT_FIRST = IndexModel([("created_at", DESCENDING), ("_id", ASCENDING)], name="recent_first")


def ascending(*keys: str, **options: Any) -> IndexModel:
    """An index on ``keys``, each ascending, named ``by_<keys>`` unless
    ``name`` says otherwise (a stored index keeps its name: renaming one
    conflicts with the index already built)."""
    options.setdefault("name", "by_" + "_".join(keys))
    return IndexModel([(key, ASCENDING) for key in keys], **options)


def newest_first(*keys: str) -> Keys:
    """Index keys for equality on ``keys`` followed by the list pages' newest-first order."""
    return [*((key, ASCENDING) for key in keys), ("created_at", DESCENDING), ("_id", ASCENDING)]


def recent(*keys: str, **options: Any) -> IndexModel:
    """An index serving a list filtered on ``keys`` in newest-first order."""
    options.setdefault("name", "by_%s_recent" % "_".join(keys))
    return IndexModel(newest_first(*keys), **options)


def filters(params: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """The named filters of a loaded list query. None here means left out: a
    filter given empty (None or "") was refused as the query was loaded
    (``PageQuerySchema``), so dropping None never widens a forced scope."""
    return {name: params[name] for name in names if params.get(name) is not None}


def group_by(documents: Iterable[Document], key: str) -> dict[Any, list[Document]]:
    """``{value of key: [documents with it]}``, in the documents' order."""
    groups: dict[Any, list[Document]] = {}
    for document in documents:
        groups.setdefault(document.get(key), []).append(document)
    return groups


# SecantusDB, the local server, matches each document it finds against every
# value of an ``$in`` list, so n values over n documents cost n² comparisons: 500
# registrations by seat key took 310 ms in one list and 59 ms in five of 100, and
# marking 1,000 outbox records sent 1.19 s in lists of 500 and 0.59 s in lists of
# 100 (docs/benchmarks.md, 7 December, night). MongoDB looks the values up, and the parts
# cost it a round trip each. Long lists are sent in parts of this many values.
IN_LIST_PART = 100


def in_parts(values: Iterable[Any], size: int = IN_LIST_PART) -> list[list[Any]]:
    """``values`` in consecutive lists of at most ``size``: ``$in`` filters."""
    values = list(values)
    return [values[start:start + size] for start in range(0, len(values), size)]


def find_in(collection: Collection, field: str, values: Iterable[Any],
            query: Mapping[str, Any] | None = None, projection: Any = None,
            sort: Any = None, session: Session | None = None) -> list[Document]:
    """The documents whose ``field`` is one of ``values`` and that match
    ``query``, read an ``$in`` list of ``IN_LIST_PART`` values at a time.
    ``field`` comes first in the filter, as SecantusDB may serve a filter
    through its first field's index (docs/benchmarks.md). ``sort`` orders
    each part's documents, so the documents with one value of ``field`` come
    in that order."""
    found: list[Document] = []
    for part in in_parts(values):
        cursor = collection.find({field: {"$in": part}, **(query or {})}, projection,
                                 session=session)
        found.extend(cursor.sort(sort) if sort else cursor)
    return found


class InTransaction(Protocol):
    """What writing in a transaction needs: a unit of work, or a service's
    records, which hold the same two."""

    @property
    def db(self) -> Database: ...

    @property
    def session(self) -> Session | None: ...


def new_id() -> str:
    return str(uuid.uuid4())


# what ``derived_id`` hashes under: changing it would change every derived id
DERIVED_NAMESPACE = uuid.UUID("6f1c1b1e-4a8e-5f7a-9d3c-2b0e8c1d5a47")
DUPLICATE_KEY = 11000


def derived_id(*parts: str) -> str:
    """An id that is the same every time it is derived from the same parts
    (the consumer, the event's id, what the effect is): a second run of an
    event's handler writes the same documents, which ``insert_new`` absorbs."""
    return str(uuid.uuid5(DERIVED_NAMESPACE, "|".join(parts)))


def insert_new(collection: Collection, documents: Sequence[Document],
               session: Session | None = None) -> set[Any]:
    """Insert ``documents`` in one unordered statement and return the ids of
    those already stored (an earlier run's, when the ids are derived): they
    are left as they are, the others written. Any other failure raises, a
    duplicate on another unique index included: that one is a conflict, not
    a repeat."""
    if not documents:
        return set()
    try:
        collection.insert_many(list(documents), ordered=False, session=session)
    except BulkWriteError as exc:
        return {documents[error["index"]]["_id"] for error in _repeats_only(exc)}
    return set()


def update_new(collection: Collection, writes: Sequence[UpdateOne],
               session: Session | None = None) -> None:
    """Run upserts whose conditions refuse work already done, in one unordered
    statement: a refused upsert fails on the document's id, and that counts as
    done (``insert_new``'s rule); any other failure raises."""
    if not writes:
        return
    try:
        collection.bulk_write(list(writes), ordered=False, session=session)
    except BulkWriteError as exc:
        _repeats_only(exc)


def _repeats_only(exc: BulkWriteError) -> list[Mapping[str, Any]]:
    """The write errors of ``exc`` if each one repeats a document's id; else ``exc`` raises."""
    errors: list[Mapping[str, Any]] = exc.details.get("writeErrors", [])
    if exc.details.get("writeConcernErrors") or not all(map(_repeats_an_id, errors)):
        raise exc
    return errors


def _repeats_an_id(error: Mapping[str, Any]) -> bool:
    if error.get("code") != DUPLICATE_KEY:
        return False
    if "keyPattern" in error:
        return set(error["keyPattern"]) == {"_id"}
    return " index: _id_ " in str(error.get("errmsg", ""))


def get_or_raise(collection: Collection, id_: Any, what: str,
                 session: Session | None = None) -> Document:
    document = collection.find_one({"_id": id_}, session=session)
    if document is None:
        raise NotFound("%s %s does not exist" % (what, id_), id=id_)
    return document


def paged_view(collection: Collection, query: Mapping[str, Any], params: Mapping[str, Any],
               view: Schema) -> dict[str, Any]:
    """``page`` with its items dumped through the marshmallow ``view``."""
    result = page(collection, query, params["offset"], params["limit"], params.get("sort"))
    result["items"] = view.dump(result["items"], many=True)
    return result


def remember_copy(uow: "InTransaction", collection: str, id_: Any,
                  fields: Mapping[str, Any]) -> None:
    """Upsert a local copy of another service's record, learnt from an event."""
    uow.db[collection].update_one(
        {"_id": id_}, {"$set": {**fields, "updated_at": utcnow()}},
        upsert=True, session=uow.session)


def remember_copies(collection: Collection,
                    copies: Iterable[tuple[Any, Mapping[str, Any], Mapping[str, Any]]],
                    session: Session | None = None) -> None:
    """``remember_copy`` for many copies in one statement: ``[(id, fields,
    fields set only when the copy is new)]``. Upserting a copy twice is the
    same as once, so a batch of events may write them with no transaction."""
    now = utcnow()
    writes = [UpdateOne({"_id": id_}, {"$set": {**fields, "updated_at": now},
                                      **({"$setOnInsert": dict(on_insert)} if on_insert else {})},
                        upsert=True) for id_, fields, on_insert in copies]
    if writes:
        collection.bulk_write(writes, ordered=False, session=session)


def sort_order(sort: str | None = None) -> Keys:
    """``"-name"`` or ``"name"`` as a Mongo sort, ``_id`` breaking ties so
    pages never overlap; newest first when no order is asked for."""
    if not sort:
        return [("created_at", DESCENDING), ("_id", ASCENDING)]
    if sort.startswith("-"):
        return [(sort[1:], DESCENDING), ("_id", ASCENDING)]
    return [(sort, ASCENDING), ("_id", ASCENDING)]


def page(collection: Collection, query: Mapping[str, Any], offset: int = 0, limit: int = 20,
         sort: str | None = None) -> dict[str, Any]:
    """One page, newest first unless ``sort`` says otherwise (a value the
    service validated with ``sort_by``), with the total so clients can paginate."""
    offset = max(0, int(offset))
    limit = max(1, min(MAX_PAGE_SIZE, int(limit)))
    cursor = (collection.find(query).sort(sort_order(sort)).skip(offset).limit(limit))
    return {"items": list(cursor), "offset": offset, "limit": limit,
            "total": collection.count_documents(query)}


# -- positioned lists ----------------------------------------------------------------------
#
# A long list that only grows (every student the college enrols) numbers its
# documents 1, 2, 3... A page at any offset is then a range of positions read
# through an index, and the total is the counter: both cost the page, not the
# list. ``page`` instead asks the server to skip ``offset`` documents and to count
# them all; MongoDB skips index keys, but a server that fetches every candidate
# before it skips (SecantusDB) reads the whole list for every page.
#
# A document is written *pending* (``list_pending: true``) and numbered just after,
# by ``position_pending`` in a transaction of its own: a counter claimed inside the
# writing transactions would make every two of them that overlap conflict (a bulk
# import waited minutes behind the others). A page shows the pending documents too,
# as the newest, so nothing is missing from the list while it waits.

PENDING = "list_pending"
POSITION = "list_position"


def _advance(db: Database, counter_id: str, count: int, session: Session | None) -> int:
    """Add ``count`` to the counter ``counter_id`` (0 when new); its new value."""
    counter = db.counters.find_one_and_update(
        {"_id": counter_id}, {"$inc": {"value": count}}, upsert=True,
        return_document=ReturnDocument.AFTER, session=session)
    assert counter is not None  # upserted
    value: int = counter["value"]
    return value


def claim_positions(uow: "InTransaction", counter_id: str, count: int) -> list[int]:
    """``count`` consecutive numbers from the counter ``counter_id``, the first
    ever being 1, taken inside the unit of work's transaction: what commits is
    numbered without gaps, and two transactions never share a number."""
    last = _advance(uow.db, counter_id, count, uow.session)
    return list(range(last - count + 1, last + 1))


def position_pending(db: Database, collection: str, counter_id: str, batch: int = 1000) -> int:
    """Number the pending documents of ``db[collection]``, oldest first, after
    those numbered already; how many. Several instances may run it at once: two
    transactions that claim from the counter together conflict, and the one
    retried finds nothing left to number."""
    def number(session: Session) -> int:
        pending = [document["_id"] for document in db[collection].find(
            {PENDING: True}, {"_id": 1}, session=session).sort(
                [("created_at", ASCENDING), ("_id", ASCENDING)]).limit(batch)]
        if not pending:
            return 0
        last = _advance(db, counter_id, len(pending), session)
        db[collection].bulk_write([
            UpdateOne({"_id": document_id, PENDING: True},
                      {"$set": {POSITION: position}, "$unset": {PENDING: ""}})
            for position, document_id in enumerate(pending, last - len(pending) + 1)],
            session=session)
        return len(pending)

    numbered = 0
    while True:
        with db.client.start_session() as session:
            count = session.with_transaction(number)
        numbered += count
        if count < batch:
            return numbered


def mark_unpositioned(db: Database, collection: str, counter_id: str) -> None:
    """Make the documents written before positions pending, once, and mark the
    counter complete so that ``positioned_page`` serves the list. Run at start;
    one read of the counter once done."""
    counter = db.counters.find_one({"_id": counter_id})
    if counter and counter.get("complete"):
        return
    db[collection].update_many({POSITION: {"$exists": False}, PENDING: {"$exists": False}},
                               {"$set": {PENDING: True}})
    db.counters.update_one({"_id": counter_id},
                           {"$set": {"complete": True}, "$setOnInsert": {"value": 0}},
                           upsert=True)


def positioned_page(db: Database, collection: str, counter_id: str, offset: int = 0,
                    limit: int = 20, newest_first: bool = True) -> dict[str, Any] | None:
    """One page of every document of ``db[collection]`` in order of writing
    (newest first by default), as ``page`` answers it: the pending documents
    are the newest. None until ``mark_unpositioned`` has run. Read in one
    snapshot, so a document numbered meanwhile is neither missed nor shown twice."""
    offset = max(0, int(offset))
    limit = max(1, min(MAX_PAGE_SIZE, int(limit)))
    direction = DESCENDING if newest_first else ASCENDING
    with db.client.start_session() as session:
        with session.start_transaction(read_concern=ReadConcern("snapshot")):
            counter = db.counters.find_one({"_id": counter_id}, session=session)
            if not counter or not counter.get("complete"):
                return None
            numbered = counter.get("value", 0)
            pending = list(db[collection].find({PENDING: True}, session=session).sort(
                [("created_at", direction), ("_id", direction)]))

            def positions(first: int, last: int) -> list[Document]:
                if first > last:
                    return []
                return list(db[collection].find(
                    {POSITION: {"$gte": first, "$lte": last}}, session=session).sort(
                        POSITION, direction))

            if newest_first:  # the pending ones, then numbered - offset down
                items = pending[offset:offset + limit]
                last = numbered - max(0, offset - len(pending))
                items += positions(max(1, last - (limit - len(items)) + 1), last) \
                    if len(items) < limit else []
            else:  # 1 up to what is numbered, then the pending ones
                items = positions(offset + 1, min(numbered, offset + limit))
                start = max(0, offset - numbered)
                items += pending[start:start + limit - len(items)]
    return {"items": items, "offset": offset, "limit": limit,
            "total": numbered + len(pending)}
