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

When the college's inbound queue is full the broker refuses the event (a
nack): ``publish`` waits and sends it again, ``nack_retries`` times (5) after
waits that double from ``nack_backoff`` seconds (1, 2, 4, 8, 16: 31 s in all
by default), then raises ``PublishFailed``; the event was not delivered and
may be sent again later. An event over the contract's size limit
(``MAX_MESSAGE_BYTES``, 1 MiB) is refused before it is sent.
"""
import json
import time
import uuid
from datetime import datetime, timezone

from amqp.exceptions import MessageNacked, RecoverableConnectionError
from kombu import Connection, Exchange
from kombu.exceptions import OperationalError

from college_publisher.consumer import Consumer, InvalidSignature, verify_webhook

__all__ = ["Publisher", "PublishFailed", "new_event", "Consumer", "InvalidSignature",
           "verify_webhook"]

EXCHANGE = "college.inbound"
CONTENT_TYPE = "application/cloudevents+json"
MAX_MESSAGE_BYTES = 1024 * 1024  # the college dead-letters a larger message unread
# what a lost or unreachable broker raises; worth a new connection and another try
RECONNECT_ON = (OSError, RecoverableConnectionError, OperationalError)


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
    def __init__(self, url, enterprise_id, exchange=EXCHANGE, max_retries=3, nack_retries=5,
                 nack_backoff=1.0, sleep=time.sleep):
        self.url = url
        self.enterprise_id = enterprise_id
        self.user = "enterprise-%s" % enterprise_id
        self.max_retries = max_retries  # after a lost connection
        self.nack_retries = nack_retries  # after the broker refused the event
        self.nack_backoff = nack_backoff
        self.sleep = sleep
        # the exchange is the college's: publishers may not declare it
        self.exchange = Exchange(exchange, type="topic", durable=True, no_declare=True)
        self._returned = set()
        self.connection = None
        self.producer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _producer(self):
        if self.producer is None:
            self.connection = Connection(self.url, transport_options={"confirm_publish": True})
            self.producer = self.connection.Producer(on_return=self._on_return)
        return self.producer

    def _on_return(self, exception, exchange, routing_key, message):
        self._returned.add(message.properties.get("message_id"))

    def publish(self, event):
        """Publish one event; returns its id once confirmed, else PublishFailed."""
        body = json.dumps(event, ensure_ascii=False).encode("utf-8")
        if len(body) > MAX_MESSAGE_BYTES:
            raise PublishFailed("the event is %d bytes, over the college's limit of %d"
                                % (len(body), MAX_MESSAGE_BYTES))
        nacks = failures = 0
        while True:
            try:
                self._producer().publish(
                    body, exchange=self.exchange, routing_key=event["type"],
                    content_type=CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2,
                    message_id=event["id"], user_id=self.user, mandatory=True)
                break
            except MessageNacked:  # the college's queue is full: wait for it to drain
                if nacks == self.nack_retries:
                    raise PublishFailed("the college's inbound queue is full: the broker "
                                        "refused the event %d times; send it again later"
                                        % (nacks + 1))
                self.sleep(self.nack_backoff * 2 ** nacks)
                nacks += 1
            except RECONNECT_ON as exc:  # the connection is gone: a new one
                self.close()
                if failures == self.max_retries:
                    raise PublishFailed("%s: %s" % (type(exc).__name__, exc))
                self.sleep(min(0.5 + failures, 5.0))
                failures += 1
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
        if self.connection is not None:
            self.connection.release()
        self.connection = self.producer = None
