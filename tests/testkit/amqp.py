"""Watching and feeding queues from tests."""
import json

from kombu import Connection, Exchange, Queue


def bind_probe_queue(amqp_uri, source_service, routing_key, name):
    """A durable queue bound to ``<source>.events`` that a test can read."""
    exchange = Exchange("%s.events" % source_service, type="topic", durable=True)
    queue = Queue(name, exchange=exchange, routing_key=routing_key, durable=True)
    with Connection(amqp_uri) as connection:
        queue.bind(connection.default_channel).declare()
    return queue


def drain(amqp_uri, queue_name):
    """Every message now in the queue: [(decoded body, headers)], acknowledged."""
    messages = []
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        while True:
            message = channel.basic_get(queue_name, no_ack=True)
            if message is None:
                return messages
            messages.append((json.loads(message.body), dict(message.headers or {})))


def publish_event(amqp_uri, source_service, envelope):
    """Publish an envelope the way a service's outbox relay does."""
    exchange = Exchange("%s.events" % source_service, type="topic", durable=True)
    with Connection(amqp_uri) as connection:
        producer = connection.Producer(serializer="json")
        producer.publish(envelope, exchange=exchange, routing_key=envelope["type"],
                         declare=[exchange], delivery_mode=2, retry=True)
