from datetime import datetime, timezone

import eventlet
import pytest
from pymongo.errors import AutoReconnect

from college_platform.errors import InvalidInput
from college_platform.validation import load
from gateway.audit import AuditQuerySchema, AuditTrail, audit_filter, audit_record, outcome_of
from gateway.auth import Principal

HR = Principal("hr", "enterprise_user", enterprise_id="partner-1")


def test_a_record_says_who_did_what_to_which_object_and_how_it_ended():
    record = audit_record("request", HR, "POST", "/v1/applications/<application_id>/interview",
                          "/v1/applications/a-1/interview", {"application_id": "a-1"}, 409,
                          "Conflict", 12.3456, "req-1")
    assert {key: record[key] for key in (
        "kind", "username", "role", "enterprise_id", "method", "route", "path", "object_ids",
        "subject_ids", "status", "outcome", "title", "duration_ms", "request_id")} == {
        "kind": "request", "username": "hr", "role": "enterprise_user",
        "enterprise_id": "partner-1", "method": "POST",
        "route": "/v1/applications/<application_id>/interview",
        "path": "/v1/applications/a-1/interview", "object_ids": {"application_id": "a-1"},
        "subject_ids": ["a-1"], "status": 409, "outcome": "rejected", "title": "Conflict",
        "duration_ms": 12.346, "request_id": "req-1"}


def test_an_anonymous_attempt_keeps_the_name_it_claimed():
    record = audit_record("request", None, "POST", "/v1/auth/token", "/v1/auth/token", {}, 401,
                          "Unauthorized", 1, "r", claimed_username="root")
    assert (record["username"], record["authenticated"], record["role"]) == ("root", False, None)


@pytest.mark.parametrize("status, outcome", [(201, "success"), (404, "rejected"),
                                             (503, "failed")])
def test_outcomes(status, outcome):
    assert outcome_of(status) == outcome


def test_the_query_filters_by_every_field_and_a_time_window():
    params = load(AuditQuerySchema(), {
        "username": "hr", "role": "enterprise_user", "enterprise_id": "partner-1",
        "method": "POST", "path_prefix": "/v1/applications", "outcome": "rejected",
        "kind": "request", "since": "2027-01-01T00:00:00Z", "until": "2027-02-01T00:00:00+08:00"})
    assert audit_filter(params) == {
        "username": "hr", "role": "enterprise_user", "enterprise_id": "partner-1",
        "method": "POST", "outcome": "rejected", "kind": "request",
        "path": {"$regex": r"^/v1/applications"},
        "at": {"$gte": datetime(2027, 1, 1, tzinfo=timezone.utc),
               "$lte": datetime(2027, 1, 31, 16, tzinfo=timezone.utc)}}


def test_a_path_prefix_is_matched_literally():
    params = load(AuditQuerySchema(), {"path_prefix": "/v1/a.b(c"})
    assert audit_filter(params)["path"] == {"$regex": r"^/v1/a\.b\(c"}


@pytest.mark.parametrize("query, field", [
    ({"limit": 500}, "limit"), ({"method": "TRACE"}, "method"),
    ({"path_prefix": "v1"}, "path_prefix"),
    ({"since": "2027-02-01T00:00:00Z", "until": "2027-01-01T00:00:00Z"}, "until")])
def test_bad_queries_name_the_field(query, field):
    with pytest.raises(InvalidInput) as caught:
        load(AuditQuerySchema(), query)
    assert field in caught.value.errors


class FakeCollection:
    def __init__(self):
        self.written = []
        self.failing = False
        self.latency = 0

    def insert_many(self, batch, ordered):
        if self.failing:
            raise AutoReconnect("database away")
        eventlet.sleep(self.latency)  # the database's round trip: other greenthreads run
        self.written.extend(batch)


class FakeContainer:
    dependencies = ()


@pytest.fixture
def trail():
    trail = AuditTrail()
    trail.container = FakeContainer()
    trail.setup()
    trail.capacity = 3
    trail.collection = FakeCollection()
    return trail


def test_a_full_queue_drops_the_oldest_record_rather_than_blocking(trail):
    for n in range(5):
        trail.record({"_id": n})
    assert [r["_id"] for r in trail.queue] == [2, 3, 4]
    assert trail.dropped == 2


def test_records_wait_while_the_database_is_away_and_are_written_when_it_returns(trail):
    trail.record({"_id": 1})
    trail.collection.failing = True
    assert trail._write_batch() is False
    assert [r["_id"] for r in trail.queue] == [1], "kept for the next attempt"
    trail.collection.failing = False
    trail.record({"_id": 2})
    trail.flush()
    assert [r["_id"] for r in trail.collection.written] == [1, 2]
    assert not trail.queue


def test_a_flush_waits_for_the_batch_the_writer_is_writing(trail):
    """The writer had taken the last record off the queue and was writing it:
    a flush saw an empty queue and returned, and a test read the log without it."""
    trail.collection.latency = 0.2
    trail.record({"_id": 1})
    writer = eventlet.spawn(trail._write_batch)
    eventlet.sleep(0)  # the writer takes the batch and waits on the database
    assert not trail.queue
    trail.flush()
    assert [r["_id"] for r in trail.collection.written] == [1]
    writer.wait()


def test_stopping_writes_what_is_still_queued(trail):
    trail.running = True
    trail.record({"_id": 1})
    trail.record({"_id": 2})
    trail.stop()
    assert [r["_id"] for r in trail.collection.written] == [1, 2]
