"""Publish CloudEvents to the industrial college's inbound exchange.

    from college_publisher import Publisher, new_event

    with Publisher("amqps://enterprise-ACME:SECRET@rabbitmq.college.example.edu:5671/",
                   enterprise_id="ACME") as publisher:
        event = new_event("edu.college.project.posted.v1", {...}, enterprise_id="ACME")
        publisher.publish(event)   # returns once the broker has confirmed it

Every message is persistent, carries your broker user name in ``user_id`` (the
college checks it against ``source``) and is published with publisher
confirms, ``mandatory`` set (a message no queue takes is reported, not lost
silently) and retries on connection errors.
"""
import json
import uuid
from datetime import datetime, timezone

from kombu import Connection, Exchange

__all__ = ["Publisher", "PublishFailed", "new_event"]

EXCHANGE = "college.inbound"
CONTENT_TYPE = "application/cloudevents+json"


class PublishFailed(Exception):
    """The broker did not take the event; nothing was delivered."""


def new_event(event_type, data, enterprise_id, event_id=None, time=None):
    """A complete CloudEvents 1.0 event for ``data``."""
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": "/enterprises/%s" % enterprise_id,
        "type": event_type,
        "time": (time or datetime.now(timezone.utc)).isoformat(),
        "datacontenttype": "application/json",
        "data": data,
    }


def complete(event, enterprise_id):
    """Fill in what an event file may leave out (id, time, source, specversion)."""
    filled = new_event(event["type"], event.get("data"), enterprise_id,
                       event_id=event.get("id"))
    filled.update(event)
    return filled


class Publisher:
    def __init__(self, url, enterprise_id, exchange=EXCHANGE, max_retries=3):
        self.enterprise_id = enterprise_id
        self.user = "enterprise-%s" % enterprise_id
        self.connection = Connection(url, transport_options={"confirm_publish": True})
        # the exchange is the college's: publishers may not declare it
        self.exchange = Exchange(exchange, type="topic", durable=True, no_declare=True)
        self.retry_policy = {"max_retries": max_retries, "interval_start": 0.5,
                             "interval_step": 1.0, "interval_max": 5.0}
        self._returned = set()
        self.producer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _producer(self):
        if self.producer is None:
            self.producer = self.connection.Producer(on_return=self._on_return)
        return self.producer

    def _on_return(self, exception, exchange, routing_key, message):
        self._returned.add(message.properties.get("message_id"))

    def publish(self, event):
        """Publish one event; returns its id once confirmed, else PublishFailed."""
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        try:
            self._producer().publish(
                body, exchange=self.exchange, routing_key=event["type"],
                content_type=CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2,
                message_id=event["id"], user_id=self.user, mandatory=True,
                retry=True, retry_policy=self.retry_policy)
        except Exception as exc:
            raise PublishFailed("%s: %s" % (type(exc).__name__, exc))
        if event["id"] in self._returned:
            self._returned.discard(event["id"])
            raise PublishFailed("no queue took the event (is the college's consumer "
                                "deployed?)")
        return event["id"]

    def publish_many(self, events):
        """[(event id, None or the error)] for each event, in order."""
        results = []
        for event in events:
            try:
                results.append((self.publish(event), None))
            except PublishFailed as exc:
                results.append((event.get("id"), str(exc)))
        return results

    def close(self):
        self.connection.release()
