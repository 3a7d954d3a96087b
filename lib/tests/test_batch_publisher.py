"""Publishing the outbox a batch at a time, on the real broker: every event of
a batch arrives, and a batch the broker refuses any of is an error."""
import json
import random

import eventlet
import pytest
from amqp.exceptions import MessageNacked
from kombu import Connection, Exchange, Queue

from college_platform.confirms import BatchPublisher
from college_platform.envelope import new_event

pytestmark = pytest.mark.integration

EXCHANGE = Exchange("publisher_test.events", type="topic", durable=True)


def events(count):
    return [new_event("thing_done", "publisher_test", {"n": n}) for n in range(count)]


def declare(amqp_uri, name, **arguments):
    with Connection(amqp_uri) as connection:
        queue = Queue(name, exchange=EXCHANGE, routing_key="thing_done", durable=True,
                      queue_arguments=arguments)
        queue.bind(connection.default_channel).declare()


def drain(amqp_uri, name):
    with Connection(amqp_uri) as connection:
        channel, bodies = connection.default_channel, []
        while (message := channel.basic_get(name, no_ack=True)) is not None:
            bodies.append((json.loads(message.body), message.properties))
        return bodies


def test_a_batch_arrives_whole_in_order_with_its_ids(service_config):
    uri = service_config["AMQP_URI"]
    publisher = BatchPublisher(uri, EXCHANGE)
    try:
        declare(uri, "publisher_test.all")
        sent = events(300)
        publisher.publish(sent[:200])
        publisher.publish(sent[200:])  # the same channel, its confirms counted afresh
    finally:
        publisher.close()
    received = drain(uri, "publisher_test.all")
    assert [body for body, _ in received] == sent
    assert [properties["message_id"] for _, properties in received] == [e["id"] for e in sent]
    assert {properties["delivery_mode"] for _, properties in received} == {2}


def test_confirms_read_while_the_next_messages_go_out_are_counted(service_config):
    """Publishing reads what the broker sent meanwhile, confirms included (py-amqp
    drains the connection before each publish): batch after batch, none is missed."""
    uri = service_config["AMQP_URI"]
    declare(uri, "publisher_test.many")
    publisher = BatchPublisher(uri, EXCHANGE, confirm_timeout=5)
    sizes = [random.Random(seed).randint(1, 100) for seed in range(150)]
    try:
        for size in sizes:
            publisher.publish(events(size))
            eventlet.sleep(0.005)  # confirms arrive in between, as under a real stream
    finally:
        publisher.close()
    assert len(drain(uri, "publisher_test.many")) == sum(sizes)


def test_a_batch_the_broker_refuses_part_of_raises(service_config):
    uri = service_config["AMQP_URI"]
    declare(uri, "publisher_test.bounded", **{"x-max-length": 5, "x-overflow": "reject-publish"})
    publisher = BatchPublisher(uri, EXCHANGE)
    try:
        with pytest.raises(MessageNacked):
            publisher.publish(events(20))
        drain(uri, "publisher_test.bounded")
        publisher.publish(events(3))  # a new channel after the failure
    finally:
        publisher.close()
    assert len(drain(uri, "publisher_test.bounded")) == 3
