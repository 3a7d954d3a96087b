"""Small persistence helpers every service needs the same way."""
import uuid

from pymongo import ASCENDING, DESCENDING, IndexModel

from college_platform.envelope import utcnow
from college_platform.errors import NotFound

MAX_PAGE_SIZE = 100
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
    result = page(collection, query, params["offset"], params["limit"])
    result["items"] = view.dump(result["items"], many=True)
    return result


def remember_copy(uow, collection, id_, fields):
    """Upsert a local copy of another service's record, learnt from an event."""
    uow.db[collection].update_one(
        {"_id": id_}, {"$set": {**fields, "updated_at": utcnow()}},
        upsert=True, session=uow.session)


def page(collection, query, offset=0, limit=20):
    """One page, newest first, with the total so clients can paginate."""
    offset = max(0, int(offset))
    limit = max(1, min(MAX_PAGE_SIZE, int(limit)))
    cursor = (collection.find(query)
              .sort([("created_at", DESCENDING), ("_id", ASCENDING)])
              .skip(offset).limit(limit))
    return {"items": list(cursor), "offset": offset, "limit": limit,
            "total": collection.count_documents(query)}
