"""Pages of a list: bounded in size, in an order the client may choose from
an allowed list, never overlapping."""
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import fields

from college_platform.errors import InvalidInput
from college_platform.repository import (
    claim_positions,
    number_existing,
    page,
    positioned_page,
)
from college_platform.validation import PageQuerySchema, load, sort_by


class PeopleQuery(PageQuerySchema):
    city = fields.String()
    sort = sort_by("created_at", "name")


@pytest.mark.parametrize("query, field", [({"limit": "201"}, "limit"), ({"limit": "0"}, "limit"),
                                          ({"offset": "-1"}, "offset"),
                                          ({"offset": "4748098812216666616540168192"},
                                           "offset"),
                                          ({"sort": "resident_id"}, "sort"),
                                          ({"sort": "--name"}, "sort")])
def test_out_of_range_pages_and_unlisted_orders_are_field_errors(query, field):
    with pytest.raises(InvalidInput) as raised:
        load(PeopleQuery(), query)
    assert field in raised.value.errors


def test_the_largest_page_and_both_directions_are_accepted():
    assert load(PeopleQuery(), {"limit": "200", "sort": "-name"})["limit"] == 200
    assert load(PeopleQuery(), {"sort": "name"})["sort"] == "name"
    assert load(PeopleQuery(), {})["sort"] is None


def test_pages_follow_the_requested_order_without_overlap(database):
    people = database("paging").people
    start = datetime(2027, 1, 1, tzinfo=timezone.utc)
    names = ["王五", "Alice", "Carol", "Bob", "Alice"]
    people.insert_many([{"_id": "p%d" % n, "name": name, "created_at": start + timedelta(n)}
                        for n, name in enumerate(names)])

    def ids(sort, limit=2):
        return [person["_id"] for offset in range(0, len(names), limit)
                for person in page(people, {}, offset, limit, sort)["items"]]

    assert ids(None) == ["p4", "p3", "p2", "p1", "p0"]  # newest first by default
    assert ids("name") == ["p1", "p4", "p3", "p2", "p0"]  # ties broken by id
    assert ids("-name") == ["p0", "p2", "p3", "p1", "p4"]
    assert page(people, {}, 0, 500)["limit"] == 200


class Writer:
    """The part of a unit of work ``claim_positions`` uses, on a real transaction."""

    def __init__(self, db, session):
        self.db, self.session = db, session


def add_people(client, db, names):
    """One transaction, as a service writes a batch: positions claimed with it."""
    with client.start_session() as session:
        def write(session):
            positions = claim_positions(Writer(db, session), "people", len(names))
            db.people.insert_many([{"_id": name, "list_position": position}
                                   for name, position in zip(names, positions)],
                                  session=session)
        session.with_transaction(write)


@pytest.fixture
def positioned(database):
    db = database("positions")
    number_existing(db.client, db.people, db.counters, "people")  # an empty list: complete
    return db.client, db


def test_positioned_pages_walk_the_whole_list_in_either_direction(positioned):
    client, db = positioned
    add_people(client, db, ["a", "b", "c"])
    add_people(client, db, ["d", "e"])

    def ids(newest_first, limit=2):
        pages = [positioned_page(db.people, db.counters, "people", offset, limit, newest_first)
                 for offset in range(0, 6, limit)]
        assert {page["total"] for page in pages} == {5}
        return [person["_id"] for page in pages for person in page["items"]]

    assert ids(newest_first=True) == ["e", "d", "c", "b", "a"]
    assert ids(newest_first=False) == ["a", "b", "c", "d", "e"]
    beyond = positioned_page(db.people, db.counters, "people", 10, 2)
    assert beyond["items"] == [] and beyond["total"] == 5


def test_a_rolled_back_batch_leaves_no_gap_in_the_positions(positioned):
    client, db = positioned
    add_people(client, db, ["a"])
    with pytest.raises(RuntimeError):
        with client.start_session() as session:
            def fail(session):
                claim_positions(Writer(db, session), "people", 3)
                raise RuntimeError("the batch is refused")
            session.with_transaction(fail)
    add_people(client, db, ["b"])
    assert [p["list_position"] for p in db.people.find().sort("list_position", 1)] == [1, 2]


def test_documents_written_before_positions_are_numbered_oldest_first(database):
    db = database("positions")
    client = db.client
    start = datetime(2027, 1, 1, tzinfo=timezone.utc)
    db.people.insert_many([{"_id": "p%d" % n, "created_at": start + timedelta(n)}
                           for n in (2, 0, 1)])
    assert positioned_page(db.people, db.counters, "people") is None  # not numbered yet
    assert number_existing(client, db.people, db.counters, "people", chunk=2) == 3
    assert number_existing(client, db.people, db.counters, "people") == 0  # once only
    add_people(client, db, ["new"])
    page_ = positioned_page(db.people, db.counters, "people", 0, 10)
    assert [p["_id"] for p in page_["items"]] == ["new", "p2", "p1", "p0"]
