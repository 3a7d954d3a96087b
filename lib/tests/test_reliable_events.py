"""The platform's delivery guarantees, on the real broker and database."""
from datetime import timedelta

import pytest
from kombu import Connection
from nameko.testing.services import entrypoint_hook
from pymongo.errors import ServerSelectionTimeoutError

from college_platform.envelope import new_event, utcnow
from college_platform.errors import NotFound
from college_platform.events import event_handler
from college_platform.metrics import EntrypointMetrics
from college_platform.mongo import MongoStore
from college_platform.outbox import (
    EPOCH,
    GROUP_SIZE,
    OutboxRelay,
    events_of,
    outbox_record,
    outbox_records,
)
from college_platform.repository import IN_LIST_PART
from college_platform.rpc import rpc
from college_platform.service import PlatformService
from testkit.amqp import bind_probe_queue, drain, publish_event
from testkit.servers import wait_until

FAILING_QUEUE = "evt-emitter-always_fails--recorder.fail"
COUNTED_QUEUE = "evt-emitter-counted--recorder.count"


class Recorder(PlatformService):
    name = "recorder"
    store = MongoStore()

    @event_handler("emitter", "always_fails")
    def fail(self, event):
        self.store.db.attempts.insert_one({"event_id": event["id"]})
        raise RuntimeError("cannot handle %s" % event["data"]["n"])

    @event_handler("emitter", "needs_the_database")
    def needs_the_database(self, event):
        """Fails as a handler does while the database is down, a few times."""
        if self.store.db.outages.find_one_and_update(
                {"_id": event["id"], "left": {"$gt": 0}}, {"$inc": {"left": -1}}):
            raise ServerSelectionTimeoutError("no server is reachable")
        self.store.handle_once(event, lambda uow: uow.db.effects.insert_one(
            {"event_id": event["id"]}, session=uow.session))

    @event_handler("emitter", "counted")
    def count(self, event):
        self.store.handle_once(event, lambda uow: uow.db.effects.update_one(
            {"_id": "total"}, {"$inc": {"n": 1}}, upsert=True, session=uow.session))

    @rpc
    def look_up(self, thing_id):
        if thing_id == "crash":
            raise RuntimeError("a bug")
        raise NotFound("thing %s does not exist" % thing_id)

    @rpc
    def announce(self, n, then_fail=False):
        def work(uow):
            uow.db.things.insert_one({"n": n}, session=uow.session)
            uow.emit("thing_done", {"n": n})
            if then_fail:
                raise ValueError("changed my mind")
        self.store.transact(work)
        self.metrics.counter("things_announced", "Things announced.").inc()


@pytest.fixture(params=["classic", "quorum"])
def recorder(request, service_config, container_factory):
    """Every guarantee holds on classic queues (one node) and quorum queues (a cluster)."""
    from nameko import config
    with config.patch({"EVENT_QUEUE_TYPE": request.param}):
        container = container_factory(Recorder)
        container.start()
        yield container


def total_effects(database):
    document = database("recorder").effects.find_one({"_id": "total"})
    return document["n"] if document else 0


def test_a_failing_handler_is_retried_then_dead_lettered_while_others_flow(
        recorder, service_config, database):
    amqp_uri = service_config["AMQP_URI"]
    poison = new_event("always_fails", "emitter", {"n": "poison"})
    publish_event(amqp_uri, "emitter", poison)
    for n in range(3):
        publish_event(amqp_uri, "emitter", new_event("counted", "emitter", {"n": n}))

    dead = wait_until(lambda: drain(amqp_uri, FAILING_QUEUE + ".dead"), timeout=20,
                      message="the poison event in the dead-letter queue")

    assert len(dead) == 1
    body, headers = dead[0]
    assert body == poison, "the dead letter keeps the event exactly as published"
    assert headers["x-dead-letter-reason"] == "RuntimeError: cannot handle poison"
    assert headers["x-attempts"] == 3  # two retry delays configured: three attempts
    assert headers["x-original-queue"] == FAILING_QUEUE
    assert database("recorder").attempts.count_documents({"event_id": poison["id"]}) == 3
    assert total_effects(database) == 3, "other events kept flowing"

    metrics = scrape(recorder)
    assert 'recorder_event_retries_total{error="RuntimeError",handler="fail"} 2.0' in metrics
    assert 'recorder_event_dead_letters_total{error="RuntimeError",handler="fail"} 1.0' \
        in metrics
    assert 'recorder_event_lag_seconds_count{handler="count"} 3.0' in metrics


def scrape(container):
    metrics = next(ext for ext in container.extensions if isinstance(ext, EntrypointMetrics))
    return metrics.exposition()[0]


def test_the_same_event_delivered_twice_has_one_effect(recorder, service_config, database):
    amqp_uri = service_config["AMQP_URI"]
    event = new_event("counted", "emitter", {"n": 1})
    publish_event(amqp_uri, "emitter", event)
    publish_event(amqp_uri, "emitter", event)
    publish_event(amqp_uri, "emitter", new_event("counted", "emitter", {"n": 2}))

    wait_until(lambda: database("recorder").inbox.count_documents({}) == 2,
               message="both distinct events recorded")
    wait_until(lambda: recorder.extensions and _duplicates(recorder) == 1,
               message="the duplicate to be absorbed")
    assert total_effects(database) == 2


def _duplicates(container):
    return next(ext for ext in container.extensions if isinstance(ext, MongoStore)) \
        .duplicates_absorbed


def test_a_malformed_envelope_is_dead_lettered_at_once_with_its_reason(
        recorder, service_config, database):
    amqp_uri = service_config["AMQP_URI"]
    publish_event(amqp_uri, "emitter", {"type": "counted", "hello": "world"})

    dead = wait_until(lambda: drain(amqp_uri, COUNTED_QUEUE + ".dead"),
                      message="the malformed event in the dead-letter queue")
    body, headers = dead[0]
    assert body == {"type": "counted", "hello": "world"}
    assert headers["x-dead-letter-reason"].startswith("invalid event envelope")
    assert headers["x-attempts"] == 1
    assert total_effects(database) == 0
    assert 'recorder_event_dead_letters_total{error="InvalidEnvelope",handler="count"} 1.0' \
        in scrape(recorder)


def test_an_undecodable_message_is_dead_lettered_and_the_consumer_goes_on(
        recorder, service_config, database):
    amqp_uri = service_config["AMQP_URI"]
    with Connection(amqp_uri) as connection:
        connection.Producer().publish(
            b"{not json", exchange="emitter.events", routing_key="counted",
            content_type="application/json", content_encoding="utf-8")
    publish_event(amqp_uri, "emitter", new_event("counted", "emitter", {"n": 1}))

    wait_until(lambda: total_effects(database) == 1, message="the next event handled")
    (body, headers), = wait_until(lambda: drain_raw(amqp_uri, COUNTED_QUEUE + ".dead"),
                                  message="the undecodable message parked")
    assert (body.decode() if isinstance(body, bytes) else body) == "{not json", \
        "parked as it arrived"
    assert headers["x-dead-letter-reason"].startswith("undecodable body (application/json)")


def drain_raw(amqp_uri, queue_name):
    with Connection(amqp_uri) as connection:
        message = connection.default_channel.basic_get(queue_name, no_ack=True)
        return [(message.body, dict(message.headers))] if message else []


def test_a_committed_change_is_announced_through_the_outbox(recorder, service_config, database):
    amqp_uri = service_config["AMQP_URI"]
    bind_probe_queue(amqp_uri, "recorder", "thing_done", "probe-things")

    with entrypoint_hook(recorder, "announce") as announce:
        announce(7)

    messages = wait_until(lambda: drain(amqp_uri, "probe-things"), message="the event")
    (event, _), = messages
    assert (event["type"], event["source"], event["data"]) == ("thing_done", "recorder", {"n": 7})
    assert "recorder_things_announced_total 1.0" in scrape(recorder)
    outbox = database("recorder").outbox.find_one({"event.id": event["id"]})
    wait_until(lambda: database("recorder").outbox.find_one(
        {"event.id": event["id"]})["status"] == "sent", message="the record marked sent")
    assert outbox is not None


def test_a_rolled_back_change_announces_nothing(recorder, service_config, database):
    amqp_uri = service_config["AMQP_URI"]
    bind_probe_queue(amqp_uri, "recorder", "thing_done", "probe-rollback")

    with entrypoint_hook(recorder, "announce") as announce:
        with pytest.raises(ValueError):
            announce(8, then_fail=True)

    assert database("recorder").things.count_documents({}) == 0
    assert database("recorder").outbox.count_documents({}) == 0
    assert drain(amqp_uri, "probe-rollback") == []
    assert "recorder_things_announced_total" not in scrape(recorder), "nothing was announced"


def test_health_says_starting_until_every_consumer_consumes(recorder):
    """A service that answers HTTP before its queues are bound would let a
    publisher's confirmed event be dropped as unroutable."""
    handler = next(extension for extension in recorder.entrypoints
                   if getattr(extension, "method_name", None) == "count")
    with entrypoint_hook(recorder, "health") as health:
        assert health()["consumers"] == {"status": "up"}
        handler.consumer.ready.clear()
        try:
            report = health()
        finally:
            handler.consumer.ready.set()
    assert report["consumers"] == {"status": "starting"}
    assert report["status"] == "down"


def test_a_callers_mistake_is_a_rejection_and_a_bug_is_an_error(recorder):
    for thing_id in ("nope", "crash"):
        with entrypoint_hook(recorder, "look_up") as look_up:
            with pytest.raises(Exception):
                look_up(thing_id)
    metrics = scrape(recorder)
    assert ('recorder_entrypoint_rejections_total{entrypoint="look_up",error="NotFound",'
            'kind="rpc"} 1.0') in metrics
    assert ('recorder_entrypoint_errors_total{entrypoint="look_up",error="RuntimeError",'
            'kind="rpc"} 1.0') in metrics


def test_the_relay_keeps_an_event_it_could_not_publish(mongo_uri, database):
    collection = database("relay").outbox
    collection.insert_one(outbox_record(new_event("thing_done", "relay", {"n": 1}), utcnow()))
    published = []

    def broker_down(envelope):
        raise ConnectionError("broker unreachable")

    with pytest.raises(ConnectionError):
        OutboxRelay(collection, broker_down, lease_seconds=600).publish_pending()
    assert collection.count_documents({"status": "pending"}) == 1

    # once the broker is back the event goes out at once, not when the claim's lease ends
    assert OutboxRelay(collection, published.append, lease_seconds=600).publish_pending() == 1
    assert [event["data"] for event in published] == [{"n": 1}]
    assert collection.count_documents({"status": "pending"}) == 0


def test_the_relay_publishes_in_the_order_changes_were_made(mongo_uri, database):
    collection = database("relay").outbox
    for n in range(5):
        collection.insert_one(outbox_record(new_event("thing_done", "relay", {"n": n}), utcnow()))
    published = []
    OutboxRelay(collection, published.append, batch_size=2).publish_pending()
    assert [event["data"]["n"] for event in published] == [0, 1, 2, 3, 4]


def test_a_database_outage_spends_no_attempt_and_dead_letters_nothing(
        recorder, service_config, database):
    # more failures in a row than the policy allows attempts (two delays: three)
    amqp_uri = service_config["AMQP_URI"]
    event = new_event("needs_the_database", "emitter", {"n": 1})
    database("recorder").outages.insert_one({"_id": event["id"], "left": 6})
    publish_event(amqp_uri, "emitter", event)

    wait_until(lambda: database("recorder").effects.find_one({"event_id": event["id"]}),
               timeout=30, message="the effect once the database is back")
    assert database("recorder").outages.find_one({"_id": event["id"]})["left"] == 0
    assert drain(amqp_uri, "evt-emitter-needs_the_database--recorder.needs_the_database.dead") \
        == []


def test_two_relays_on_one_outbox_never_publish_a_claimed_batch_twice(mongo_uri, database):
    collection = database("relay").outbox
    for n in range(3):
        collection.insert_one(outbox_record(new_event("thing_done", "relay", {"n": n}), utcnow()))
    published, by_other = [], []
    other = OutboxRelay(collection, by_other.append)

    def publish_while_the_other_runs(envelope):
        other.publish_pending()  # another instance, while this one holds the batch
        published.append(envelope)

    assert OutboxRelay(collection, publish_while_the_other_runs).publish_pending() == 3
    assert [event["data"]["n"] for event in published] == [0, 1, 2]
    assert by_other == []
    assert collection.count_documents({"status": "sent"}) == 3


def test_the_relay_publishes_what_was_just_committed_and_sweeps_the_rest(mongo_uri, database):
    collection = database("relay").outbox
    now = utcnow()
    left = [outbox_record(new_event("thing_done", "relay", {"n": n}), now) for n in range(2)]
    mine = [outbox_record(new_event("thing_done", "relay", {"n": n}), now,
                          lease_until=now + timedelta(seconds=60)) for n in range(2, 5)]
    collection.insert_many(left + mine)
    published = []
    relay = OutboxRelay(collection, published.append)
    # a sweep leaves alone what a process committed and is about to publish itself
    assert relay.publish_pending() == 2
    assert [event["data"]["n"] for event in published] == [0, 1]

    def broker_gone_after_one(envelope):
        if len(published) == 3:
            raise ConnectionError("broker gone")
        published.append(envelope)
    relay.publish = broker_gone_after_one
    with pytest.raises(ConnectionError):
        relay.publish_committed([(record["_id"], [record["event"]]) for record in mine])
    # a batch is confirmed whole or not known to be taken: none of it is marked sent
    assert collection.count_documents({"status": "sent"}) == 2
    # and it is released at once, not when its claim runs out; the one the broker
    # may have taken goes out again (at least once: consumers absorb the repeat)
    relay.publish = published.append
    assert relay.publish_pending() == 3
    assert [event["data"]["n"] for event in published] == [0, 1, 2, 2, 3, 4]


def test_a_committed_batch_longer_than_one_list_is_marked_sent_or_released_whole(
        mongo_uri, database):
    collection = database("relay").outbox
    now = utcnow()
    records = [outbox_record(new_event("thing_done", "relay", {"n": n}), now,
                             lease_until=now + timedelta(seconds=60))
               for n in range(2 * IN_LIST_PART + 5)]
    collection.insert_many(records)
    relay = OutboxRelay(collection, lambda envelope: None)
    half = len(records) // 2

    def broker_gone(envelopes):
        raise ConnectionError("broker gone")
    relay.publish_many = broker_gone
    with pytest.raises(ConnectionError):
        relay.publish_committed([(record["_id"], [record["event"]]) for record in records[:half]])
    assert collection.count_documents({"lease_until": EPOCH}) == half  # released, all of them
    relay.publish_many = lambda envelopes: None
    assert relay.publish_committed([(record["_id"], [record["event"]])
                                    for record in records[half:]]) == len(records) - half
    assert collection.count_documents({"status": "sent"}) == len(records) - half


def test_events_announced_together_share_records_of_at_most_a_group_each():
    now = utcnow()
    alone, = outbox_records([new_event("thing_done", "relay", {"n": 0})], now)
    assert events_of(alone)[0]["data"] == {"n": 0} and "events" not in alone
    many = [new_event("thing_done", "relay", {"n": n}) for n in range(GROUP_SIZE + 3)]
    records = outbox_records(many, now)
    assert [record["count"] for record in records] == [GROUP_SIZE, 3]
    assert [event["data"]["n"] for record in records for event in events_of(record)] == \
        list(range(GROUP_SIZE + 3))


def test_a_shared_record_is_published_whole_in_order_and_counted_by_its_events(
        mongo_uri, database):
    collection = database("relay").outbox
    now = utcnow()
    collection.insert_one(outbox_record(new_event("thing_done", "relay", {"n": 0}), now))
    collection.insert_many(outbox_records(
        [new_event("thing_done", "relay", {"n": n}) for n in range(1, 5)], now))
    relay = OutboxRelay(collection, lambda envelope: None)
    assert relay.backlog()[0] == 5  # events, not records

    def broker_gone(envelopes):
        raise ConnectionError("broker gone")
    relay.publish_many = broker_gone
    with pytest.raises(ConnectionError):
        relay.publish_pending()
    assert relay.backlog()[0] == 5
    published = []
    relay.publish_many = published.extend
    assert relay.publish_pending() == 2  # records
    assert [event["data"]["n"] for event in published] == [0, 1, 2, 3, 4]
    assert relay.backlog()[0] == 0


def test_what_a_process_committed_goes_out_in_whole_records_about_a_batch_at_a_time():
    from collections import deque

    from college_platform import mongo
    store = mongo.MongoStore.__new__(mongo.MongoStore)
    sizes = [1, mongo.COMMITTED_BATCH - 1, 2, mongo.COMMITTED_BATCH + 7, 3]
    store._committed = deque(("r%d" % n, [{"n": n}] * size) for n, size in enumerate(sizes))
    batches = []

    class Relay:
        def publish_committed(self, records):
            batches.append([record_id for record_id, _ in records])
    store.relay = Relay()
    store._publish_held()
    # never a record split between two publishes (each is marked sent whole)
    assert batches == [["r0", "r1"], ["r2"], ["r3"], ["r4"]]
