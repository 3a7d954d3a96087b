"""Point 8: an enterprise's broker user, on the private node with the
permissions the provisioning command grants, tries everything but
publishing its own events: the broker refuses it; what reaches the consumer
(another enterprise's events, garbage, unknown types) is dead-lettered with
its reason, while the enterprise's valid events still have their effect.
Headers the enterprise wrote are not believed, an event over the contract's
size limit is dead-lettered without being read, and one over the broker's
limit never gets in."""
import json

import amqp
import pytest
from kombu import Connection

from testkit.faults import effect_id, project_posted, record_result
from testkit.servers import wait_until

QUEUE = "college.inbound.ledger"
ROUTING_KEY = "edu.college.project.posted.v1"


def channel_action(uri, action):
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        action(connection.default_channel)


def publish_raw(uri, body, user_id="enterprise-ACME", routing_key=ROUTING_KEY, headers=None):
    properties = {"user_id": user_id} if user_id else {}
    channel_action(uri, lambda channel: channel.basic_publish(
        amqp.Message(body, delivery_mode=2, content_type="application/cloudevents+json",
                     application_headers=headers or {}, **properties),
        exchange="college.inbound", routing_key=routing_key))


def test_an_enterprise_user_is_refused_everything_but_publishing_its_own_events(
        rabbit, enterprise_uri, ledger):
    ledger.start()
    refusals = [
        lambda channel: channel.basic_get(QUEUE),
        lambda channel: channel.queue_declare("acme.spy", durable=True),
        lambda channel: channel.exchange_declare("acme.own", "topic", durable=True),
        lambda channel: channel.basic_publish(
            amqp.Message(b"{}"), exchange="ledger.events", routing_key="entry_recorded"),
        lambda channel: channel.basic_publish(amqp.Message(b"{}"), exchange="",
                                              routing_key=QUEUE),
        lambda channel: channel.queue_purge(QUEUE),
    ]
    for action in refusals:
        with pytest.raises(amqp.exceptions.AccessRefused):
            channel_action(enterprise_uri, action)
    with pytest.raises(amqp.exceptions.PreconditionFailed):  # claiming another's user id
        publish_raw(enterprise_uri, json.dumps(project_posted("BETA", "ERP-1")).encode(),
                    user_id="enterprise-BETA")

    about_another = project_posted("BETA", "ERP-2")  # ACME's user, BETA's source
    unknown_type = {**project_posted("ACME", "ERP-3"), "type": "edu.college.payroll.v1"}
    oversized = {**project_posted("ACME", "ERP-5"), "padding": "x" * 2 * 1024 * 1024}
    valid = project_posted("ACME", "ERP-4")
    abuses = [json.dumps(about_another).encode(), b"\xff\xfe not json",
              json.dumps(unknown_type).encode(), b"[" * 50_000 + b"]" * 50_000,
              json.dumps(oversized).encode()]
    for body in abuses:
        publish_raw(enterprise_uri, body)
    # no user_id, and the headers our retry machinery writes, naming BETA's user
    forged_headers = {"x-original-user-id": "enterprise-BETA",
                      "x-publisher-user-id": "enterprise-BETA", "x-attempt": "not a number"}
    forged = json.dumps(project_posted("BETA", "ERP-6")).encode()
    publish_raw(enterprise_uri, forged, user_id=None, headers=forged_headers)
    abuses.append(forged)
    publish_raw(enterprise_uri, json.dumps(valid).encode())

    reasons, letters = [], []

    def all_dead_lettered():
        with Connection(rabbit.uri) as connection:
            while (message := connection.default_channel.basic_get(
                    QUEUE + ".dead", no_ack=True)) is not None:
                reasons.append(message.headers["x-dead-letter-reason"])
                letters.append((message.headers, len(message.body)))
        return len(reasons) >= len(abuses)

    wait_until(all_dead_lettered, timeout=60, message="every abuse dead-lettered")
    wait_until(lambda: effect_id(valid) in ledger.effects("inbound"), timeout=30,
               message="the valid event's effect")
    effects = ledger.effects("inbound")  # {event id: effects}: the valid event's alone
    record_result("Inbound abuse", "%d refused broker operations, %d abusive messages"
                  % (len(refusals) + 1, len(abuses)),
                  "reading queues, declaring, publishing to internal exchanges, "
                  "impersonation, other enterprises' events, forged headers, oversized events",
                  len(abuses) + 1, len(abuses) + 1, sum(effects.values()),
                  0 if effect_id(valid) in effects else 1,
                  sum(count - 1 for count in effects.values()), dead_lettered=len(reasons))
    assert len(reasons) == len(abuses)
    for fragment in ("over the contract's limit", "no user_id",
                     "does not match the publishing user enterprise-ACME",
                     "not UTF-8 text", "unknown event type", "nests too deeply"):
        assert any(fragment in reason for reason in reasons), (fragment, reasons)
    for headers, size in letters:
        assert "enterprise-BETA" not in headers.values(), "a header the publisher wrote kept"
        assert size <= 1024 * 1024, "a dead letter kept an oversized body"
    assert effects == {effect_id(valid): 1}


def test_the_broker_refuses_an_event_over_its_size_limit(rabbit, enterprise_uri, ledger):
    ledger.start()
    huge = {**project_posted("ACME", "ERP-HUGE"), "padding": "x" * 20 * 1024 * 1024}
    with pytest.raises(amqp.exceptions.PreconditionFailed, match="larger than configured"):
        publish_raw(enterprise_uri, json.dumps(huge).encode())
    valid = project_posted("ACME", "ERP-AFTER")
    publish_raw(enterprise_uri, json.dumps(valid).encode())
    wait_until(lambda: effect_id(valid) in ledger.effects("inbound"), timeout=30,
               message="the next event's effect")
    assert effect_id(huge) not in ledger.effects("inbound")
