"""The inbound contract for enterprise systems, on the real broker: a client
that uses none of the project's code publishes with an enterprise's own
credentials; the consumer accepts what the contract allows, dead-letters the
rest with its reason, and an enterprise's user can do nothing but publish."""
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlparse

import amqp
import kombu.serialization
import pytest
from kombu import Connection
from nameko import config

from college_contracts.inbound import EXCHANGE, MAX_MESSAGE_BYTES, parse
from college_platform import dead_letters as letters_of
from college_platform.inbound import inbound_handler
from college_platform.mongo import MongoStore
from college_platform.outbox import events_of
from college_platform.repository import derived_id, insert_new
from college_platform.service import PlatformService
from testkit.enterprise import access, provision, publish_burst
from testkit.enterprise import cloud_event as make_event
from testkit.enterprise import publish as publish_as
from testkit.servers import ROOT, wait_until

QUEUE = "college.inbound.inbound_recorder"
PROJECT = {"external_ref": "ERP-2027-001", "revision": 1, "title": "产线视觉质检",
           "brief": "Build a vision quality-control cell for the stamping line",
           "team_size": 4, "start_date": "2027-03-01", "end_date": "2027-06-30",
           "milestones": [{"title": "方案", "due_date": "2027-04-01", "weight": 40},
                          {"title": "交付", "due_date": "2027-06-20", "weight": 60}]}


PARSED_SIZES = []  # the size of every body the contract's parser was given
FAILED_ONCE = set()  # the flaky events that failed their first attempt


def parse_and_note(body, user_id):
    PARSED_SIZES.append(len(body))
    return parse(body, user_id)


class InboundRecorder(PlatformService):
    name = "inbound_recorder"
    store = MongoStore()

    @inbound_handler(EXCHANGE, parse_and_note)
    def on_enterprise_event(self, event):
        if event["data"].get("external_ref") == "explode":
            raise RuntimeError("the handler broke")
        if event["data"].get("external_ref") == "flaky" and event["id"] not in FAILED_ONCE:
            FAILED_ONCE.add(event["id"])
            raise RuntimeError("the handler broke, this once")
        self.store.handle_once(event, lambda uow: uow.db.received.insert_one(
            {"event_id": event["id"], "type": event["type"],
             "enterprise_id": event["enterprise_id"]}, session=uow.session))


@pytest.fixture
def consumer(service_config, container_factory):
    container = container_factory(InboundRecorder)
    container.start()
    return container


@pytest.fixture
def enterprise(service_config, consumer):
    """Broker credentials for enterprise ACME, provisioned by the command."""
    credentials = provision(service_config["AMQP_URI"], "ACME")
    yield credentials
    access("revoke", "ACME", vhost=credentials["vhost"])


def cloud_event(event_type="edu.college.project.posted.v1", data=None, source=None,
                event_id=None):
    return make_event("ACME", event_type[len("edu.college."):], data or PROJECT,
                      event_id=event_id, source=source)


def publish(enterprise, body, routing_key="edu.college.project.posted.v1", **options):
    publish_as(enterprise, body, routing_key=routing_key, **options)


def received(database):
    return list(database("inbound_recorder").received.find({}, {"_id": 0}))


def dead_letters(amqp_uri, queue=QUEUE):
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        letters = []
        while (message := channel.basic_get(queue + ".dead", no_ack=True)) is not None:
            letters.append(message.headers["x-dead-letter-reason"])
        return letters


def test_a_valid_event_has_one_effect_even_when_sent_twice(enterprise, database):
    event = cloud_event()
    publish(enterprise, event)
    publish(enterprise, event)
    publish(enterprise, cloud_event("edu.college.project.cancelled.v1",
                                    {"external_ref": "ERP-2027-001", "reason": "预算取消"}))
    wait_until(lambda: len(received(database)) == 2, message="two distinct events")
    assert received(database)[0] == {"event_id": "/enterprises/ACME#" + event["id"],
                                     "type": "edu.college.project.posted.v1",
                                     "enterprise_id": "ACME"}
    assert database("inbound_recorder").inbox.count_documents({}) == 2


def test_every_kind_of_bad_message_is_dead_lettered_with_its_reason(
        enterprise, service_config, database):
    publish(enterprise, b"{this is not json")
    publish(enterprise, cloud_event("edu.college.project.renamed.v1"),
            routing_key="edu.college.project.renamed.v1")
    publish(enterprise, cloud_event(data={**PROJECT, "team_size": 0}))
    publish(enterprise, cloud_event(source="/enterprises/OTHER"))
    publish(enterprise, cloud_event(), user_id=False)
    # a header cannot stand in for the broker-verified property
    publish(enterprise, cloud_event(), user_id=False,
            headers={"x-original-user-id": "enterprise-ACME"})
    publish(enterprise, {"specversion": "0.3", "id": "x"})
    publish(enterprise, cloud_event(data={**PROJECT, "external_ref": "explode"}))
    publish(enterprise, cloud_event())  # and the consumer keeps going

    wait_until(lambda: len(received(database)) == 1, timeout=30, message="the good event")
    reasons = []
    wait_until(lambda: reasons.extend(dead_letters(service_config["AMQP_URI"])) or
               len(reasons) >= 8, timeout=30, message="eight dead letters")
    assert len(reasons) == 8, reasons
    assert sum("no user_id" in reason for reason in reasons) == 2
    expected = ["the body is not valid JSON", "unknown event type edu.college.project.renamed",
                "invalid data for edu.college.project.posted.v1: team_size: Must be",
                "source /enterprises/OTHER does not match the publishing user enterprise-ACME",
                "the message has no user_id property", "not a valid CloudEvent",
                "RuntimeError: the handler broke"]
    for fragment in expected:
        assert any(fragment in reason for reason in reasons), (fragment, reasons)


def test_an_enterprise_user_can_publish_to_the_inbound_exchange_and_nothing_else(enterprise):
    def refused(action):
        with pytest.raises(amqp.exceptions.AccessRefused):
            with Connection(enterprise["url"],
                            transport_options={"confirm_publish": True}) as connection:
                action(connection.default_channel)

    refused(lambda channel: channel.exchange_declare("acme.own", "topic", durable=True))
    refused(lambda channel: channel.queue_declare("acme.queue", durable=True))
    refused(lambda channel: channel.basic_get(QUEUE))
    refused(lambda channel: channel.basic_publish(
        amqp.Message(b"{}"), exchange="enrollment.events", routing_key="partner_registered"))
    refused(lambda channel: channel.basic_publish(
        amqp.Message(b"{}"), exchange="", routing_key=QUEUE))


def test_an_enterprise_cannot_claim_to_be_another_user(enterprise):
    with pytest.raises(amqp.exceptions.PreconditionFailed):
        with Connection(enterprise["url"],
                        transport_options={"confirm_publish": True}) as connection:
            connection.default_channel.basic_publish(
                amqp.Message(json.dumps(cloud_event(source="/enterprises/OTHER")),
                             user_id="enterprise-OTHER"),
                exchange=EXCHANGE, routing_key="edu.college.project.posted.v1")


def test_revoked_credentials_stop_working(service_config, consumer):
    credentials = provision(service_config["AMQP_URI"], "GONE")
    url, vhost = credentials["url"], credentials["vhost"]
    with Connection(url) as connection:
        connection.connect()
    assert access("revoke", "GONE", vhost=vhost)["revoked"]
    with pytest.raises(Exception):
        with Connection(url, connect_timeout=5) as connection:
            connection.ensure_connection(max_retries=1)


def test_the_publisher_command_line_reports_what_was_confirmed(enterprise, database, tmp_path):
    batch = tmp_path / "events.json"
    batch.write_text(json.dumps([
        {"type": "edu.college.project.posted.v1", "data": PROJECT},
        {"type": "edu.college.project.cancelled.v1",
         "data": {"external_ref": "ERP-2027-001", "reason": "预算取消"}}]), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "college_publisher", "--url", enterprise["url"],
         "--enterprise", "ACME", str(batch)],
        env={**os.environ, "PYTHONPATH": str(ROOT / "integrations/college-publisher")},
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["confirmed", "confirmed"]
    assert lines[1].endswith("edu.college.project.cancelled.v1")
    wait_until(lambda: len(received(database)) == 2, message="both events handled")


def test_the_publisher_library_reports_an_event_no_queue_takes(service_config):
    # no consumer has bound a queue to the exchange yet: the event would be lost
    credentials = provision(service_config["AMQP_URI"], "EARLY")
    sys.path.insert(0, str(ROOT / "integrations/college-publisher"))
    try:
        from college_publisher import Publisher, PublishFailed, new_event
        with Publisher(credentials["url"], "EARLY") as publisher:
            with pytest.raises(PublishFailed, match="no queue took the event"):
                publisher.publish(new_event("edu.college.project.cancelled.v1",
                                            {"external_ref": "X", "reason": "test"}, "EARLY"))
    finally:
        sys.path.remove(str(ROOT / "integrations/college-publisher"))
        access("revoke", "EARLY", vhost=credentials["vhost"])


# -- batches: one transaction for many events, each message settled by its own outcome --

class BatchRecorder(PlatformService):
    name = "batch_recorder"
    store = MongoStore()

    @inbound_handler(EXCHANGE, parse, batched=True, batch_seconds=0.2)
    def on_enterprise_event(self, events):
        def record(uow, fresh):
            uow.db.batches.insert_one({"size": len(fresh)}, session=uow.session)
            for event in fresh:
                if event["data"].get("external_ref") == "explode":
                    raise RuntimeError("the handler broke")
                uow.db.received.insert_one({"event_id": event["id"]}, session=uow.session)
        return self.store.handle_batch(events, record)


@pytest.fixture
def batch_enterprise(service_config, container_factory):
    with config.patch({"INBOUND_BATCH_SIZE": 25}):
        container_factory(BatchRecorder).start()
    credentials = provision(service_config["AMQP_URI"], "ACME")
    yield credentials
    access("revoke", "ACME", vhost=credentials["vhost"])


def test_a_burst_is_handled_in_batches_each_event_once(batch_enterprise, database,
                                                       service_config):
    events = [cloud_event(data={**PROJECT, "external_ref": "B-%02d" % n}) for n in range(60)]
    publish_burst(batch_enterprise, events + events[:10])  # ten delivered twice
    db = database("batch_recorder")
    wait_until(lambda: db.received.count_documents({}) == 60 and
               db.inbox.count_documents({}) == 60, message="sixty events, once each")
    sizes = [batch["size"] for batch in db.batches.find()]
    assert max(sizes) > 1, "events handled one transaction each: %s" % sizes
    assert sum(sizes) == 60  # a redelivered event is no work at all
    wait_until(lambda: queue_depth(service_config["AMQP_URI"], "college.inbound.batch_recorder")
               == 0, message="every message acknowledged")


def test_an_event_that_fails_its_batch_fails_alone(batch_enterprise, database, service_config):
    events = [cloud_event(data={**PROJECT, "external_ref": "B-%02d" % n}) for n in range(20)]
    events.insert(7, cloud_event(data={**PROJECT, "external_ref": "explode"}))
    publish_burst(batch_enterprise, events)
    db = database("batch_recorder")
    wait_until(lambda: db.received.count_documents({}) == 20, message="the twenty good ones")
    letters = wait_until(lambda: dead_letters(service_config["AMQP_URI"],
                                              "college.inbound.batch_recorder"),
                         timeout=30, message="the failing event dead-lettered")
    assert len(letters) == 1 and "RuntimeError: the handler broke" in letters[0]
    assert sorted(r["event_id"] for r in db.received.find()) == sorted(
        "/enterprises/ACME#" + e["id"] for e in events if e["data"]["external_ref"] != "explode")


# -- batches with no transaction: a process that dies between two writes -------------

class BulkRecorder(PlatformService):
    name = "bulk_recorder"
    store = MongoStore()

    @inbound_handler(EXCHANGE, parse, batched=True, batch_seconds=0.2)
    def on_enterprise_event(self, events):
        def record(unit, fresh):
            insert_new(unit.db.received, [
                {"_id": derived_id("received", event["id"]), "event_id": event["id"]}
                for event in fresh])
            unit.emit_many("recorded", [{"event_id": event["id"]} for event in fresh],
                           caused_by=[event["id"] for event in fresh])
            return [None] * len(fresh)
        return self.store.handle_in_bulk(events, record)


@pytest.fixture
def bulk_enterprise(service_config, container_factory):
    with config.patch({"INBOUND_BATCH_SIZE": 25}):
        container_factory(BulkRecorder).start()
    credentials = provision(service_config["AMQP_URI"], "ACME")
    yield credentials
    access("revoke", "ACME", vhost=credentials["vhost"])


@pytest.mark.parametrize("dies_before", ["outbox", "inbox"])
def test_a_batch_interrupted_between_its_writes_has_its_effects_once(
        dies_before, bulk_enterprise, database, service_config, monkeypatch):
    """The effects are written, then the process fails before the outbox (or
    the inbox): the events come back, and each has one effect and one inbox
    record, and is announced and published. An announcement already written
    when the process failed may be written again in another record (the
    batches gathered again differ), always with its event's id, which every
    consumer's inbox absorbs."""
    from college_platform import mongo
    failed = []

    def insert_new_failing_once(collection, documents, session=None):
        if collection.name == dies_before and not failed:
            failed.append(len(documents))
            raise RuntimeError("the process died before writing its %s" % dies_before)
        return insert_new(collection, documents, session)

    monkeypatch.setattr(mongo, "insert_new", insert_new_failing_once)
    events = [cloud_event(data={**PROJECT, "external_ref": "U-%02d" % n}) for n in range(30)]
    publish_burst(bulk_enterprise, events)
    db = database("bulk_recorder")
    wait_until(lambda: db.inbox.count_documents({}) == 30, timeout=30,
               message="thirty events handled after the failure")
    wait_until(lambda: db.outbox.count_documents({"status": "sent"}) >= 1 and
               db.outbox.count_documents({"status": "pending"}) == 0,
               message="every announcement published")
    assert failed, "the failure was never injected"
    assert db.received.count_documents({}) == 30
    announced = [event for record in db.outbox.find() for event in events_of(record)]
    assert {event["data"]["event_id"] for event in announced} == {
        "/enterprises/ACME#" + event["id"] for event in events}
    ids_by_cause = {}
    for event in announced:
        ids_by_cause.setdefault(event["data"]["event_id"], set()).add(event["id"])
    assert all(len(ids) == 1 for ids in ids_by_cause.values()), ids_by_cause
    wait_until(lambda: queue_depth(service_config["AMQP_URI"], "college.inbound.bulk_recorder")
               == 0, message="every message acknowledged")
    assert dead_letters(service_config["AMQP_URI"], "college.inbound.bulk_recorder") == []


def vhost_of(amqp_uri):
    return urlparse(amqp_uri).path.lstrip("/")


def with_vhost(amqp_uri, vhost):
    parts = urlparse(amqp_uri)
    return parts._replace(path="/" + vhost).geturl()


# -- size: an oversized event is neither parsed nor listed whole --

def test_an_oversized_event_is_dead_lettered_without_being_parsed(
        enterprise, service_config, database, monkeypatch):
    decoded_sizes = []  # what kombu's JSON decoder was given, were it asked
    json_decoder = kombu.serialization.registry._decoders["application/json"]
    monkeypatch.setitem(kombu.serialization.registry._decoders, "application/json",
                        lambda data: decoded_sizes.append(len(data)) or json_decoder(data))
    PARSED_SIZES.clear()
    big = {**cloud_event(), "padding": "x" * (2 * MAX_MESSAGE_BYTES)}  # a CloudEvent extension
    body = json.dumps(big).encode()
    publish(enterprise, body)
    with Connection(enterprise["url"], transport_options={"confirm_publish": True}) as conn:
        conn.Producer().publish(body, exchange=EXCHANGE, routing_key=big["type"],
                                content_type="application/json", content_encoding="utf-8",
                                user_id=enterprise["username"], delivery_mode=2)
    publish(enterprise, cloud_event())  # and the next event is handled as usual

    letters = wait_until(lambda: (lambda items: items if len(items) >= 2 else None)(
        letters_of.peek(service_config["AMQP_URI"], QUEUE + ".dead")), timeout=30,
        message="both oversized copies dead-lettered")
    wait_until(lambda: received(database), message="the next event")
    assert len(received(database)) == 1
    for letter in letters:
        assert "over the contract's limit of %d bytes" % MAX_MESSAGE_BYTES in letter["reason"]
        assert letter["size"] == len(body)
        assert letter["body_truncated"] and len(letter["body"]) <= 4096
    assert max(PARSED_SIZES) < MAX_MESSAGE_BYTES, "an oversized body was parsed"
    assert not [size for size in decoded_sizes if size >= MAX_MESSAGE_BYTES]


def test_replaying_all_goes_page_by_page_and_replays_each_letter_once(
        enterprise, service_config):
    for _ in range(5):  # each fails again when replayed
        publish(enterprise, cloud_event(source="/enterprises/OTHER"))
    amqp_uri, dead_queue = service_config["AMQP_URI"], QUEUE + ".dead"
    letters = wait_until(lambda: (lambda items: items if len(items) == 5 else None)(
        letters_of.peek(amqp_uri, dead_queue)), message="five dead letters")
    pages, cursor = [], None
    while len(pages) < 20:  # a page moves at least one letter: an endless replay fails here
        pages.append(letters_of.replay(amqp_uri, dead_queue, cursor=cursor, budget_seconds=0))
        cursor = pages[-1]["cursor"]
        if cursor is None:
            break
    assert [page["remaining"] for page in pages] == [4, 3, 2, 1, 0]
    assert sorted(i for page in pages for i in page["replayed"]) == sorted(
        letter["message_id"] for letter in letters)
    # all five back, parked again once each, while the replay went on
    wait_until(lambda: letters_of.depth(amqp_uri, dead_queue) == 5, message="five back")
    time.sleep(1)
    assert letters_of.depth(amqp_uri, dead_queue) == 5


# -- a bounded queue: a flood is refused at the broker, the publisher retries --

def test_a_full_inbound_queue_refuses_new_events_and_the_publisher_retries(
        service_config, container_factory, database):
    amqp_uri = service_config["AMQP_URI"]
    access("setup", "--max-length", "3", vhost=vhost_of(amqp_uri))
    stopped = container_factory(InboundRecorder)
    stopped.start()
    stopped.stop()  # the queue stays, bounded, with nobody consuming
    acme = provision(amqp_uri, "ACME")
    try:
        for _ in range(3):
            publish(acme, cloud_event())
        with pytest.raises(amqp.exceptions.MessageNacked):
            publish(acme, cloud_event())

        sys.path.insert(0, str(ROOT / "integrations/college-publisher"))
        from college_publisher import Publisher, PublishFailed, new_event
        event = new_event("edu.college.project.posted.v1", PROJECT, "ACME")
        with Publisher(acme["url"], "ACME", nack_retries=2, nack_backoff=0.2) as publisher:
            started = time.monotonic()
            with pytest.raises(PublishFailed, match="queue is full"):
                publisher.publish(event)
            assert time.monotonic() - started >= 0.2 + 0.4, "retried with backoff"

        outcome = []

        def publish_patiently():
            with Publisher(acme["url"], "ACME", nack_retries=8, nack_backoff=0.5) as publisher:
                outcome.append(publisher.publish(event))

        patient = threading.Thread(target=publish_patiently)
        patient.start()
        time.sleep(1)
        container_factory(InboundRecorder).start()  # the consumer is back: the queue drains
        patient.join(60)
        assert outcome == [event["id"]]
        wait_until(lambda: len(received(database)) == 4, message="the three and the retried one")
    finally:
        sys.path.remove(str(ROOT / "integrations/college-publisher"))
        access("revoke", "ACME", vhost=acme["vhost"])


def test_a_retry_is_not_lost_when_the_inbound_queue_is_full(
        service_config, container_factory, database):
    amqp_uri = service_config["AMQP_URI"]
    access("setup", "--max-length", "2", vhost=vhost_of(amqp_uri))
    first = container_factory(InboundRecorder)
    first.start()
    acme = provision(amqp_uri, "ACME")
    try:
        flaky = cloud_event(data={**PROJECT, "external_ref": "flaky"})
        publish(acme, flaky)
        wait_until(lambda: "/enterprises/ACME#" + flaky["id"] in FAILED_ONCE,
                   message="the first attempt failed")
        first.stop()  # the event waits for its retry; nobody consumes
        for _ in range(2):
            publish(acme, cloud_event())  # the queue enterprises fill is now full
        time.sleep(1)  # the retry is due (EVENT_RETRY_DELAYS 0.2 s)
        container_factory(InboundRecorder).start()
        wait_until(lambda: len(received(database)) == 3, timeout=20,
                   message="the two events and the retried one")
    finally:
        access("revoke", "ACME", vhost=acme["vhost"])


# -- enterprises on a vhost of their own: nothing of the platform's queues to see --

@pytest.fixture
def inbound_vhost(service_config, rabbit_manager):
    """A separate vhost for the inbound contract, set up as deploy does."""
    vhost = "inbound_%s" % uuid.uuid4().hex[:10]
    service_user = urlparse(service_config["AMQP_URI"]).username
    access("setup", "--service-user", service_user, vhost=vhost)
    with config.patch({"INBOUND_VHOST": vhost}):
        yield vhost
    rabbit_manager.delete_vhost(vhost)


def test_an_enterprise_learns_nothing_of_the_platforms_queues(
        inbound_vhost, service_config, container_factory, database, rabbit_manager):
    container_factory(InboundRecorder).start()
    platform_uri = service_config["AMQP_URI"]
    acme = provision(with_vhost(platform_uri, inbound_vhost), "ACME")
    platform_queues = [queue["name"] for queue in rabbit_manager.get_queues(
        vhost_of(platform_uri))]
    assert "rpc-inbound_recorder" in platform_queues

    for queue in platform_queues:  # a passive declare would show its depth and consumers
        with pytest.raises(amqp.exceptions.NotFound):
            with Connection(acme["url"]) as connection:
                connection.default_channel.queue_declare(queue, passive=True)
    with pytest.raises((amqp.exceptions.AccessRefused, amqp.exceptions.NotAllowed)):
        with Connection(with_vhost(acme["url"], vhost_of(platform_uri))) as connection:
            connection.default_channel.queue_declare(platform_queues[0], passive=True)

    publish(acme, cloud_event())  # and publishing works as before
    wait_until(lambda: received(database), message="the event, through the inbound vhost")


# -- the provisioning command needs real credentials --

def run_access(*args, api_url=None):
    env = {key: value for key, value in os.environ.items() if key != "RABBITMQ_API_URL"}
    if api_url:
        env["RABBITMQ_API_URL"] = api_url
    return subprocess.run([sys.executable, str(ROOT / "deploy/enterprise_access.py"), *args],
                          env=env, capture_output=True, text=True, timeout=30)


def test_the_access_command_needs_credentials_and_a_secure_channel_to_another_host():
    anonymous = run_access("list")
    assert anonymous.returncode != 0 and "RABBITMQ_API_URL" in anonymous.stderr
    no_password = run_access("list", api_url="http://localhost:15672")
    assert no_password.returncode != 0 and "user name and password" in no_password.stderr
    in_clear = run_access("list", api_url="http://ops:secret@rabbitmq.college.example.edu:15672")
    assert in_clear.returncode != 0 and "https" in in_clear.stderr
    local = run_access("list", api_url="http://guest:guest@localhost:15672")
    assert local.returncode == 0, local.stderr


def test_the_largest_event_the_contract_accepts_is_well_under_its_size_limit():
    wide = "\U0001f600"  # one character, twelve bytes as the JSON escape \ud83d\ude00

    def text(length):
        return wide * length

    data = {"external_ref": text(100), "revision": 1, "title": text(200), "brief": text(20000),
            "required_competencies": [text(100)] * 50, "team_size": 30,
            "start_date": "2027-03-01", "end_date": "2027-06-30", "confidential": True,
            "milestones": [{"title": text(200), "due_date": "2027-04-01", "weight": 5}] * 20}
    event = {**make_event("A" * 64, "project.posted.v1", data, event_id=text(200)),
             "subject": text(200), "dataschema": text(500)}
    body = json.dumps(event).encode()  # every character escaped: its longest spelling
    assert parse(body, "enterprise-" + "A" * 64)["data"]["brief"] == data["brief"]
    assert len(body) < MAX_MESSAGE_BYTES / 2, len(body)


def test_every_broker_deploy_starts_refuses_messages_over_the_same_size():
    from testkit.rabbit import enterprise_access
    limit = enterprise_access().BROKER_MAX_MESSAGE_BYTES
    assert MAX_MESSAGE_BYTES < limit  # the contract's limit is checked by the consumer
    for path in ("deploy/ensure_rabbitmq.sh", "deploy/compose/rabbitmq.conf",
                 "deploy/k8s/rabbitmq.yaml"):
        text = (ROOT / path).read_text(encoding="utf-8")
        assert "max_message_size" in text and str(limit) in text, path


def queue_depth(amqp_uri, queue):
    with Connection(amqp_uri) as connection:
        return connection.default_channel.queue_declare(queue, passive=True).message_count

