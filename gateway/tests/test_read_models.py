"""The read-model store against the real MongoDB-compatible server."""
from datetime import timedelta
from unittest.mock import patch

import pytest
from pymongo import MongoClient
from pymongo.collection import Collection

from college_platform.envelope import utcnow
from college_platform.mongo import ensure_indexes
from gateway.readmodels import INDEXES, NEVER, ReadModelStore, ViewCache
from gateway.views import STUDENT_VIEW


@pytest.fixture
def store(mongo_uri, database_prefix):
    client = MongoClient(mongo_uri, tz_aware=True)
    db = client[database_prefix + "gateway"]
    ensure_indexes(db, INDEXES)
    yield ReadModelStore(db, ViewCache(100, 60))
    client.close()


def test_a_part_fetched_earlier_never_overwrites_one_fetched_later(store):
    later, earlier = utcnow(), utcnow() - timedelta(seconds=1)
    store.save_parts(STUDENT_VIEW, "projects", {"s1": {"projects": ["new"]}}, later)
    store.save_parts(STUDENT_VIEW, "projects", {"s1": {"projects": ["old"]}}, earlier)
    assert store.view(STUDENT_VIEW, "s1")["parts"]["projects"] == {"projects": ["new"]}
    store.save_parts(STUDENT_VIEW, "projects", {"s1": {"projects": ["newer"]}},
                     later + timedelta(seconds=1))
    assert store.view(STUDENT_VIEW, "s1")["parts"]["projects"] == {"projects": ["newer"]}


def test_parts_of_different_services_add_up(store):
    now = utcnow()
    store.save_parts(STUDENT_VIEW, "projects", {"s1": {"projects": []}}, now)
    store.save_parts(STUDENT_VIEW, "mentors", {"s1": {"mentors": {}}}, now)
    view = store.view(STUDENT_VIEW, "s1")
    assert set(view["parts"]) == {"projects", "mentors"}
    assert set(view["as_of"]) == {"projects", "mentors"}


def test_a_claimed_marker_is_not_claimed_twice_and_goes_when_refreshed(store):
    store.mark([(STUDENT_VIEW, "s1", "projects"), (STUDENT_VIEW, "s2", "projects")])
    assert store.due(10) == {(STUDENT_VIEW, "projects"): ["s1", "s2"]}
    claim = store.claim(STUDENT_VIEW, "projects", ["s1", "s2"], lease_seconds=30)
    assert sorted(claim.keys) == ["s1", "s2"]
    assert store.claim(STUDENT_VIEW, "projects", ["s1", "s2"], lease_seconds=30).keys == []
    assert store.due(10) == {}
    store.release(claim.token)
    assert store.due(10) == {}
    assert all(marker["due_at"] == NEVER and marker["refreshed_at"] is not None
               for marker in store.db.view_refresh.find())
    assert store.db.view_leases.count_documents({}) == 0  # nothing left to recover


def test_a_part_refreshed_moments_ago_falls_due_when_its_interval_has_passed(store):
    """Under a stream of events about one enterprise its part is re-read at most
    every ``min_interval`` seconds, not at every refresh tick."""
    store.mark([(STUDENT_VIEW, "s1", "projects")], min_interval=60)  # never refreshed: now
    assert store.due(10) == {(STUDENT_VIEW, "projects"): ["s1"]}
    store.release(store.claim(STUDENT_VIEW, "projects", ["s1"], lease_seconds=30).token)
    store.mark([(STUDENT_VIEW, "s1", "projects"), (STUDENT_VIEW, "s2", "projects")],
               min_interval=60)
    assert store.due(10) == {(STUDENT_VIEW, "projects"): ["s2"]}
    due_at = store.db.view_refresh.find_one({"key": "s1"})["due_at"]
    assert timedelta(seconds=55) < due_at - utcnow() <= timedelta(seconds=60)
    store.mark([(STUDENT_VIEW, "s1", "projects")])  # no interval asked: due at once
    assert sorted(store.due(10)[(STUDENT_VIEW, "projects")]) == ["s1", "s2"]


def test_a_view_marked_again_while_refreshing_stays_stale(store):
    store.mark([(STUDENT_VIEW, "s1", "projects")])
    claim = store.claim(STUDENT_VIEW, "projects", ["s1"], lease_seconds=30)
    store.mark([(STUDENT_VIEW, "s1", "projects")])  # a newer event during the refresh
    store.release(claim.token)
    assert store.due(10) == {(STUDENT_VIEW, "projects"): ["s1"]}


def test_a_marker_already_due_is_not_written_again(store):
    store.mark([(STUDENT_VIEW, "s1", "projects")])
    first = store.db.view_refresh.find_one()
    store.mark([(STUDENT_VIEW, "s1", "projects"), (STUDENT_VIEW, "s2", "projects")])
    assert store.db.view_refresh.find_one({"_id": first["_id"]}) == first
    assert store.due(10) == {(STUDENT_VIEW, "projects"): ["s1", "s2"]}


def test_a_marker_another_handler_wrote_after_it_was_read_is_still_made_due(store):
    store.mark([(STUDENT_VIEW, "s0", "projects")])
    store.schedule([(STUDENT_VIEW, "s1", "projects", utcnow() + timedelta(seconds=600))])
    # the markers as read before that write: s1 not yet there, so it is inserted
    with patch.object(Collection, "find", lambda self, *args, **kwargs: iter([])):
        store.mark([(STUDENT_VIEW, "s1", "projects"), (STUDENT_VIEW, "s2", "projects")])
    assert sorted(store.due(10)[(STUDENT_VIEW, "projects")]) == ["s0", "s1", "s2"]


def test_a_postponed_marker_marked_again_is_due_at_once(store):
    store.mark([(STUDENT_VIEW, "s1", "certificates")])
    claim = store.claim(STUDENT_VIEW, "certificates", ["s1"], lease_seconds=30)
    store.postpone(claim.token, 60)
    store.mark([(STUDENT_VIEW, "s1", "certificates")])
    assert store.due(10) == {(STUDENT_VIEW, "certificates"): ["s1"]}


def test_a_failed_refresh_is_retried_later(store):
    store.mark([(STUDENT_VIEW, "s1", "certificates")])
    claim = store.claim(STUDENT_VIEW, "certificates", ["s1"], lease_seconds=30)
    store.postpone(claim.token, 60)
    assert store.due(10) == {}
    marker = store.db.view_refresh.find_one()
    assert marker["attempts"] == 1 and marker["due_at"] > utcnow() + timedelta(seconds=50)


def test_a_part_changing_with_time_is_due_then_unless_due_sooner(store):
    soon, later = utcnow() + timedelta(seconds=60), utcnow() + timedelta(seconds=600)
    store.schedule([(STUDENT_VIEW, "s1", "projects", later)])
    store.schedule([(STUDENT_VIEW, "s1", "projects", soon)])  # the earlier time wins
    assert store.db.view_refresh.find_one()["due_at"] == soon.replace(microsecond=(
        soon.microsecond // 1000) * 1000)
    store.schedule([(STUDENT_VIEW, "s1", "projects", later)])
    assert store.due(10) == {}
    store.mark([(STUDENT_VIEW, "s1", "projects")])  # an event: due at once
    store.schedule([(STUDENT_VIEW, "s1", "projects", later)])
    assert store.due(10) == {(STUDENT_VIEW, "projects"): ["s1"]}
    claim = store.claim(STUDENT_VIEW, "projects", ["s1"], lease_seconds=30)
    assert not claim.by_time  # due for the event, not for the time
    store.schedule([(STUDENT_VIEW, "s1", "projects", soon)])  # being refreshed: left alone
    assert store.db.view_refresh.find_one()["due_at"] == NEVER
    store.schedule([(STUDENT_VIEW, "s1", "projects", later)], claim.token)  # by its refresh
    assert store.db.view_refresh.find_one()["due_at"] < NEVER
    store.release(claim.token)
    store.schedule([(STUDENT_VIEW, "s1", "projects", soon)])  # a resting part: due sooner
    assert store.db.view_refresh.find_one()["due_at"] == soon.replace(microsecond=(
        soon.microsecond // 1000) * 1000)
    assert store.due(10) == {}


def test_the_parts_of_a_refresher_that_died_holding_its_claim_fall_due_again(store):
    store.mark([(STUDENT_VIEW, "s1", "projects"), (STUDENT_VIEW, "s2", "projects"),
                (STUDENT_VIEW, "s1", "mentors")])
    dead = store.claim(STUDENT_VIEW, "projects", ["s1", "s2"], lease_seconds=0)
    alive = store.claim(STUDENT_VIEW, "mentors", ["s1"], lease_seconds=30)
    store.mark([(STUDENT_VIEW, "s3", "mentors")])
    assert sorted(dead.keys) == ["s1", "s2"] and store.due(10) == {
        (STUDENT_VIEW, "mentors"): ["s3"]}
    store.recover_leases()  # the dead one's lease has expired; the live one's has not
    assert store.due(10) == {(STUDENT_VIEW, "projects"): ["s1", "s2"],
                             (STUDENT_VIEW, "mentors"): ["s3"]}
    assert [lease["_id"] for lease in store.db.view_leases.find()] == [alive.token]


def test_a_part_due_because_time_passed_says_so_when_claimed(store):
    """Then the gateway refreshes the service's facts, which count the same weeks."""
    store.schedule([(STUDENT_VIEW, "s1", "projects", utcnow() - timedelta(seconds=1))])
    claim = store.claim(STUDENT_VIEW, "projects", ["s1"], lease_seconds=30)
    assert claim.keys == ["s1"] and claim.by_time


def test_the_cache_serves_a_view_until_it_is_refreshed(store):
    store.save_parts(STUDENT_VIEW, "projects", {"s1": {"projects": [1]}}, utcnow())
    store.view(STUDENT_VIEW, "s1")
    store.db.student_views.update_one({"_id": "s1"}, {"$set": {"parts.projects": "changed"}})
    assert store.view(STUDENT_VIEW, "s1")["parts"]["projects"] == {"projects": [1]}
    store.save_parts(STUDENT_VIEW, "projects", {"s1": {"projects": [2]}}, utcnow())
    assert store.view(STUDENT_VIEW, "s1")["parts"]["projects"] == {"projects": [2]}


def test_the_cache_keeps_only_its_most_recent_entries():
    cache = ViewCache(max_entries=2, max_age_seconds=60)
    for key in ("a", "b", "c"):
        cache.put(key, {"key": key})
    assert cache.get("a") is None
    assert cache.get("c") == {"key": "c"}


def test_the_same_facts_fetched_again_keep_their_version(store):
    first = utcnow()
    store.save_facts("projects", [{"metric": "projects_published", "value": 1}], first)
    rows, versions = store.facts(max_age_seconds=0)
    store.save_facts("projects", [{"metric": "projects_published", "value": 1}],
                     first + timedelta(seconds=5))
    assert store.facts(max_age_seconds=0)[1] == versions
    store.save_facts("projects", [{"metric": "projects_published", "value": 2}],
                     first + timedelta(seconds=9))
    rows, changed = store.facts(max_age_seconds=0)
    assert changed != versions and rows["projects"][0]["value"] == 2


def test_the_last_facts_read_is_remembered_with_how_long_it_took(store):
    assert store.facts_checked("mentors") == (None, 0.0)
    at = utcnow()
    store.save_facts("mentors", [], at, read_seconds=0.75)
    checked_at, read_seconds = store.facts_checked("mentors")
    assert abs((checked_at - at).total_seconds()) < 0.001 and read_seconds == 0.75
