"""Small persistence helpers every service needs the same way."""
import uuid

from pymongo import ASCENDING, DESCENDING, IndexModel

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
