"""Pages of a list: bounded in size, in an order the client may choose from
an allowed list, never overlapping."""
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import fields

from college_platform.errors import InvalidInput
from college_platform.repository import page
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
