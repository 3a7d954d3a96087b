"""Small persistence helpers every service needs the same way."""
import uuid

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from college_platform.envelope import utcnow
from college_platform.errors import NotFound
from college_platform.validation import MAX_PAGE_SIZE

# list endpoints page newest first; this index keeps that a range walk, not a scan
RECENT_FIRST = IndexModel([("created_at", DESCENDING), ("_id", ASCENDING)], name="recent_first")


def new_id():
    return str(uuid.uuid4())


def get_or_raise(collection, id_, what, session=None):
    document = collection.find_one({"_id": id_}, session=session)
    if document is None:
        raise NotFound("%s %s does not exist" % (what, id_), id=id_)
    return document


def paged_view(collection, query, params, view):
    """``page`` with its items dumped through the marshmallow ``view``."""
    result = page(collection, query, params["offset"], params["limit"], params.get("sort"))
    result["items"] = view.dump(result["items"], many=True)
    return result


def remember_copy(uow, collection, id_, fields):
    """Upsert a local copy of another service's record, learnt from an event."""
    uow.db[collection].update_one(
        {"_id": id_}, {"$set": {**fields, "updated_at": utcnow()}},
        upsert=True, session=uow.session)


def sort_order(sort=None):
    """``"-name"`` or ``"name"`` as a Mongo sort, ``_id`` breaking ties so
    pages never overlap; newest first when no order is asked for."""
    if not sort:
        return [("created_at", DESCENDING), ("_id", ASCENDING)]
    if sort.startswith("-"):
        return [(sort[1:], DESCENDING), ("_id", ASCENDING)]
    return [(sort, ASCENDING), ("_id", ASCENDING)]


def page(collection, query, offset=0, limit=20, sort=None):
    """One page, newest first unless ``sort`` says otherwise (a value the
    service validated with ``sort_by``), with the total so clients can paginate."""
    offset = max(0, int(offset))
    limit = max(1, min(MAX_PAGE_SIZE, int(limit)))
    cursor = (collection.find(query).sort(sort_order(sort)).skip(offset).limit(limit))
    return {"items": list(cursor), "offset": offset, "limit": limit,
            "total": collection.count_documents(query)}


# -- positioned lists ----------------------------------------------------------------------
#
# A long list that only grows (every student the college enrols) can number its
# documents 1, 2, 3... in the transaction that writes them. A page at any offset is
# then a range of positions, read through an index, and the total is the counter:
# both cost the page, not the list. ``page`` instead asks the server to skip
# ``offset`` documents and to count them all; MongoDB skips index keys, but a server
# that fetches every candidate before it skips (SecantusDB) reads the whole list.

def claim_positions(uow, counter_id, count):
    """``count`` consecutive numbers from the counter ``counter_id``, the first
    ever being 1, taken inside the unit of work's transaction: what commits is
    numbered without gaps, and two transactions never share a number."""
    last = uow.db.counters.find_one_and_update(
        {"_id": counter_id}, {"$inc": {"value": count}}, upsert=True,
        return_document=ReturnDocument.AFTER, session=uow.session)["value"]
    return list(range(last - count + 1, last + 1))


def positioned_page(collection, counters, counter_id, offset=0, limit=20, newest_first=True,
                    field="list_position"):
    """One page of every document of ``collection``, by position (newest first by
    default), as ``page`` answers it; None until ``number_existing`` has numbered
    the documents written before positions were."""
    counter = counters.find_one({"_id": counter_id})
    if not counter or not counter.get("complete"):
        return None
    total = counter.get("value", 0)
    offset = max(0, int(offset))
    limit = max(1, min(MAX_PAGE_SIZE, int(limit)))
    if newest_first:
        first, last = max(1, total - offset - limit + 1), total - offset
    else:
        first, last = offset + 1, min(total, offset + limit)
    items = []
    if first <= last:
        items = list(collection.find({field: {"$gte": first, "$lte": last}})
                     .sort(field, DESCENDING if newest_first else ASCENDING))
    return {"items": items, "offset": offset, "limit": limit, "total": total}


def number_existing(client, collection, counters, counter_id, field="list_position",
                    chunk=1000):
    """Number the documents that have no position yet, oldest first, and mark
    the counter complete, so ``positioned_page`` serves the list. Run at start;
    costs one read of the counter once done. Safe beside other instances doing
    the same: each chunk claims its positions and numbers only the documents
    still without one, in one transaction."""
    counter = counters.find_one({"_id": counter_id})
    if counter and counter.get("complete"):
        return 0
    ids = [document["_id"] for document in collection.find(
        {field: {"$exists": False}}, {"_id": 1}).sort([("created_at", ASCENDING),
                                                        ("_id", ASCENDING)])]
    numbered = 0
    for start in range(0, len(ids), chunk):
        def number(session, batch=ids[start:start + chunk]):
            missing = [document["_id"] for document in collection.find(
                {"_id": {"$in": batch}, field: {"$exists": False}}, {"_id": 1},
                session=session).sort([("created_at", ASCENDING), ("_id", ASCENDING)])]
            if not missing:
                return 0
            last = counters.find_one_and_update(
                {"_id": counter_id}, {"$inc": {"value": len(missing)}}, upsert=True,
                return_document=ReturnDocument.AFTER, session=session)["value"]
            for position, document_id in enumerate(missing, last - len(missing) + 1):
                collection.update_one({"_id": document_id}, {"$set": {field: position}},
                                      session=session)
            return len(missing)

        with client.start_session() as session:
            numbered += session.with_transaction(number)
    counters.update_one({"_id": counter_id}, {"$set": {"complete": True},
                                              "$setOnInsert": {"value": 0}}, upsert=True)
    return numbered
