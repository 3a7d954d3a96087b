"""Receive the events the industrial college sends your enterprise back
(the outbound contract, docs/outbound.md): from your broker queue with
``Consumer``, or at your webhook with ``verify_webhook``.

    from college_publisher import Consumer

    def handle(event):          # a CloudEvent dict; if it raises, the event comes again
        print(event["type"], event["subject"], event["data"])

    # the "queue" of your queue subscription (POST or GET /v1/enterprise-subscriptions)
    QUEUE = "college.outbound.ACME.4n8Qp0s..."

    with Consumer("amqps://enterprise-ACME:SECRET@rabbitmq.college.example.edu:5671/"
                  "college-inbound", queue=QUEUE) as consumer:
        consumer.run(handle)    # until consumer.stop(), or drain(handle) to take what waits

Each queue subscription has a queue of its own, named
``college.outbound.<enterprise id>.<token>`` with a random token, so that no
other enterprise can guess it; take the name from the subscription (since
2.0: 1.x took the enterprise id and read ``college.outbound.<enterprise id>``,
which the college fills no more).

A message is acknowledged once ``handle`` returns; if it raises, the message
goes back to the queue (it comes again) and the error is raised from ``run`` or
``drain``. The same event may come more than once (with the same ``id``):
deduplicate on it.

    from college_publisher import verify_webhook, InvalidSignature

    event = verify_webhook(secret, request.headers, request.body, tolerance=300)

checks ``X-College-Signature: t=<unix seconds>,v1=<hex>`` (HMAC-SHA256 with
the subscription's secret over ``"<t>." + body``), refuses a timestamp more
than ``tolerance`` seconds from now (a replayed request), and returns the
parsed CloudEvent; anything wrong raises ``InvalidSignature``.
"""
import hashlib
import hmac
import json
import socket
import time

from kombu import Connection, Queue

__all__ = ["Consumer", "InvalidSignature", "verify_webhook", "QUEUE_PREFIX"]

QUEUE_PREFIX = "college.outbound."
SIGNATURE_HEADER = "X-College-Signature"


class InvalidSignature(Exception):
    """The request was not signed by the college with this secret (or is too old)."""


def _header(headers, name):
    for key, value in dict(headers).items():
        if key.lower() == name.lower():
            return value
    return None


def verify_webhook(secret, headers, body, tolerance=300, now=None):
    """The CloudEvent of a webhook request the college signed, else InvalidSignature."""
    if isinstance(body, str):
        body = body.encode()
    value = _header(headers, SIGNATURE_HEADER)
    if not value:
        raise InvalidSignature("no %s header" % SIGNATURE_HEADER)
    parts = {}
    for item in str(value).split(","):
        key, _, part = item.strip().partition("=")
        parts.setdefault(key, []).append(part)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise InvalidSignature("the signature has no timestamp")
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise InvalidSignature("the signature's timestamp is outside the tolerance")
    expected = hmac.new(secret.encode(), b"%d." % timestamp + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise InvalidSignature("the signature does not match")
    try:
        return json.loads(body)
    except ValueError:
        raise InvalidSignature("the body is not JSON")


class Consumer:
    """Reads ``queue``, the queue your queue subscription names
    (``college.outbound.<enterprise id>.<token>``), with your enterprise's
    broker user (which may read your enterprise's queues and no other)."""

    def __init__(self, url, queue, prefetch=10):
        name = str(queue)
        if not name.startswith(QUEUE_PREFIX) or "." not in name[len(QUEUE_PREFIX):]:
            raise ValueError("queue must be your subscription's queue, %s<enterprise id>."
                             "<token> (its \"queue\" in /v1/enterprise-subscriptions), not %r"
                             % (QUEUE_PREFIX, name))
        self.url = url
        self.queue = Queue(name, no_declare=True)
        self.prefetch = prefetch
        self.connection = None
        self._stopping = False

    def __enter__(self):
        self.connection = Connection(self.url)
        self.connection.connect()
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.connection is not None:
            self.connection.release()
            self.connection = None

    def stop(self):
        self._stopping = True

    def _consume(self, handle, idle_timeout):
        taken = []

        def on_message(body, message):
            event = json.loads(message.body) if isinstance(message.body, (bytes, str)) \
                else body
            try:
                handle(event)
            except Exception:
                message.requeue()
                raise
            message.ack()
            taken.append(event)

        with self.connection.Consumer([self.queue], callbacks=[on_message], accept=None,
                                      prefetch_count=self.prefetch, no_ack=False):
            while not self._stopping:
                try:
                    self.connection.drain_events(timeout=idle_timeout)
                except socket.timeout:
                    if idle_timeout is not None:
                        break
        return taken

    def drain(self, handle, idle_timeout=1.0):
        """Handle what waits until the queue stays empty for ``idle_timeout``
        seconds; the events handled."""
        return self._consume(handle, idle_timeout)

    def run(self, handle, poll=1.0):
        """Handle events as they come until ``stop()``."""
        self._stopping = False
        while not self._stopping:
            self._consume(handle, poll)
