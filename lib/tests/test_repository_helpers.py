"""The persistence helpers every service shares (college_platform.repository)."""
from pymongo import ASCENDING

from college_platform.repository import (
    IN_LIST_PART,
    ascending,
    filters,
    find_in,
    group_by,
    in_parts,
    newest_first,
    recent,
)


def test_an_index_keeps_the_name_the_stored_one_has():
    assert ascending("status", "ends_on").document["name"] == "by_status_ends_on"
    assert ascending("team_id", name="by_team").document["name"] == "by_team"
    assert recent("student_id").document["name"] == "by_student_id_recent"


def test_a_filtered_list_index_walks_in_the_pages_newest_first_order():
    assert newest_first("session_id") == [("session_id", 1), ("created_at", -1), ("_id", 1)]
    assert list(recent("team_id", "milestone_id").document["key"].items()) == [
        ("team_id", 1), ("milestone_id", 1), ("created_at", -1), ("_id", 1)]


def test_filters_leave_out_only_what_was_not_given():
    params = {"status": "active", "partner_id": None, "limit": 20, "late": False}
    assert filters(params, "status", "partner_id", "late", "absent") == {
        "status": "active", "late": False}


def test_group_by_keeps_the_documents_order_and_a_missing_key_groups_under_none():
    documents = [{"id": 1, "k": "a"}, {"id": 2}, {"id": 3, "k": "a"}]
    assert group_by(documents, "k") == {"a": [documents[0], documents[2]], None: [documents[1]]}


def test_a_long_list_of_values_is_sent_in_parts():
    assert in_parts([]) == []
    assert in_parts(range(5), size=2) == [[0, 1], [2, 3], [4]]
    assert [len(part) for part in in_parts(range(2 * IN_LIST_PART + 1))] == [
        IN_LIST_PART, IN_LIST_PART, 1]


def test_find_in_reads_every_value_of_a_long_list_each_in_its_order(database):
    collection = database("helpers").things
    owners = ["owner-%03d" % n for n in range(IN_LIST_PART * 2 + 10)]
    collection.insert_many([{"owner": owner, "rank": rank, "kept": rank != 1}
                            for owner in owners for rank in (2, 0, 1)])
    found = find_in(collection, "owner", owners[5:], {"kept": True}, {"_id": 0},
                    sort=[("rank", ASCENDING)])
    assert sorted({item["owner"] for item in found}) == owners[5:]
    assert all(item["kept"] for item in found) and len(found) == 2 * len(owners[5:])
    assert all(ranks == [0, 2] for ranks in (
        [item["rank"] for item in group] for group in group_by(found, "owner").values()))
