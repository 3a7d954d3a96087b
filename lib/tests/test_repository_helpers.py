"""The persistence helpers every service shares (college_platform.repository)."""
from college_platform.repository import ascending, filters, group_by, newest_first, recent


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
