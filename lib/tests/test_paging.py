"""Pages of a list: bounded in size, in an order the client may choose from
an allowed list, never overlapping."""
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import fields

from college_platform.errors import InvalidInput
from college_platform.repository import (
    PENDING,
    mark_unpositioned,
    page,
    position_pending,
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



def enrol(db, names, at):
    """Documents written as a service writes them: pending, numbered later."""
    db.people.insert_many([{"_id": name, "created_at": at + timedelta(seconds=n),
                            PENDING: True} for n, name in enumerate(names)])


@pytest.fixture
def people(database):
    db = database("positions")
    mark_unpositioned(db, "people", "people")  # an empty list: complete at once
    return db


def listed(db, newest_first=True, limit=2, total=None):
    pages = [positioned_page(db, "people", "people", offset, limit, newest_first)
             for offset in range(0, 8, limit)]
    assert {page["total"] for page in pages} == {total}
    return [person["_id"] for page in pages for person in page["items"]]


START = datetime(2027, 9, 1, tzinfo=timezone.utc)


def test_positioned_pages_walk_the_whole_list_in_either_direction(people):
    enrol(people, ["a", "b", "c"], START)
    assert position_pending(people, "people", "people") == 3
    enrol(people, ["d", "e"], START + timedelta(minutes=1))
    assert position_pending(people, "people", "people", batch=1) == 2
    assert [p["list_position"] for p in people.people.find().sort("created_at", 1)] == \
        [1, 2, 3, 4, 5]
    assert listed(people, total=5) == ["e", "d", "c", "b", "a"]
    assert listed(people, newest_first=False, total=5) == ["a", "b", "c", "d", "e"]
    assert positioned_page(people, "people", "people", 10, 2)["items"] == []


def test_students_waiting_for_their_position_are_listed_as_the_newest(people):
    enrol(people, ["a", "b", "c"], START)
    position_pending(people, "people", "people")
    enrol(people, ["d", "e", "f"], START + timedelta(minutes=1))  # not numbered yet
    assert listed(people, total=6) == ["f", "e", "d", "c", "b", "a"]
    assert listed(people, newest_first=False, total=6) == ["a", "b", "c", "d", "e", "f"]
    assert listed(people, limit=4, total=6) == ["f", "e", "d", "c", "b", "a"]


def test_two_instances_numbering_at_once_never_share_or_skip_a_number(people):
    enrol(people, ["p%02d" % n for n in range(40)], START)
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda _: position_pending(people, "people", "people", batch=7),
                             range(2)))
    assert sum(done) == 40
    assert sorted(p["list_position"] for p in people.people.find()) == list(range(1, 41))


def test_documents_written_before_positions_are_numbered_oldest_first(database):
    db = database("positions")
    db.people.insert_many([{"_id": "p%d" % n, "created_at": START + timedelta(n)}
                           for n in (2, 0, 1)])
    assert positioned_page(db, "people", "people") is None  # not marked yet
    mark_unpositioned(db, "people", "people")
    mark_unpositioned(db, "people", "people")  # once only
    assert position_pending(db, "people", "people") == 3
    enrol(db, ["new"], START + timedelta(days=9))
    page_ = positioned_page(db, "people", "people", 0, 10)
    assert [p["_id"] for p in page_["items"]] == ["new", "p2", "p1", "p0"]


def test_a_whole_number_is_taken_as_json_has_it_and_a_fraction_is_refused():
    """Integer took 2.5e-42 seats as 0 and 2.5 as 2; the document says integer."""
    from marshmallow import Schema, ValidationError

    from college_platform.validation import WholeNumber

    class Quota(Schema):
        seats = WholeNumber(required=True)

    assert Quota().load({"seats": 3.0}) == {"seats": 3}
    assert Quota().load({"seats": 3}) == {"seats": 3}
    for fraction in (2.5, 2.589e-42):
        with pytest.raises(ValidationError) as refused:
            Quota().load({"seats": fraction})
        assert refused.value.messages == {"seats": ["Not a valid integer."]}
