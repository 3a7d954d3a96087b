"""The inbound contract for enterprise systems, on the real broker: a client
that uses none of the project's code publishes with an enterprise's own
credentials; the consumer accepts what the contract allows, dead-letters the
rest with its reason, and an enterprise's user can do nothing but publish."""
import json
import os
import subprocess
import sys

import amqp
import pytest
from kombu import Connection
from nameko import config

from college_contracts.inbound import EXCHANGE, parse
from college_platform.inbound import inbound_handler
from college_platform.mongo import MongoStore
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


class InboundRecorder(PlatformService):
    name = "inbound_recorder"
    store = MongoStore()

    @inbound_handler(EXCHANGE, parse)
    def on_enterprise_event(self, event):
        if event["data"].get("external_ref") == "explode":
            raise RuntimeError("the handler broke")
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
                "invalid data for edu.college.project.posted.v1: {'team_size'",
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


def queue_depth(amqp_uri, queue):
    with Connection(amqp_uri) as connection:
        return connection.default_channel.queue_declare(queue, passive=True).message_count

