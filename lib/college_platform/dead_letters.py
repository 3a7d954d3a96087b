"""Inspecting and replaying a dead-letter queue, for administrators.

Peeking takes messages without acknowledging them and lets the channel's
close return them to the queue, so looking changes nothing. Replaying moves
chosen messages back to their queue (through the default exchange, which
outsiders cannot publish to) with their attempt count reset, and only then
acknowledges them: a crash in between leaves a copy in both places, which the
consumer's inbox absorbs.
"""
from datetime import datetime, timezone

from kombu import Connection

from college_platform.events import ATTEMPT_HEADER, REASON_HEADER

MAX_PEEK = 200


def _describe(message):
    headers = dict(message.headers or {})
    body = message.body
    text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else str(body)
    return {
        "message_id": message.properties.get("message_id"),
        "reason": headers.get(REASON_HEADER),
        "attempts": headers.get("x-attempts"),
        "dead_lettered_at": headers.get("x-dead-lettered-at"),
        "original_queue": headers.get("x-original-queue"),
        "publisher": headers.get("x-original-user-id"),
        "content_type": message.properties.get("content_type"),
        "body": text[:20000],
    }


def peek(amqp_uri, queue, limit=50):
    """The first ``limit`` dead letters, left in the queue."""
    letters = []
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        try:
            for _ in range(min(limit, MAX_PEEK)):
                message = channel.basic_get(queue, no_ack=False)
                if message is None:
                    break
                letters.append(_describe(message))
        finally:
            channel.close()  # unacknowledged messages go back to the queue
    return letters


def replay(amqp_uri, queue, message_ids=None, limit=MAX_PEEK):
    """Move dead letters back to the queue they died in: those named by
    ``message_ids``, or all (up to ``limit``). Returns the ids replayed."""
    wanted = set(message_ids) if message_ids else None
    replayed = []
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        producer = connection.Producer(channel)
        try:
            for _ in range(min(limit, MAX_PEEK)):
                message = channel.basic_get(queue, no_ack=False)
                if message is None:
                    break
                described = _describe(message)
                if wanted is not None and described["message_id"] not in wanted:
                    continue  # stays unacknowledged: back to the queue on close
                headers = {key: value for key, value in dict(message.headers or {}).items()
                           if key not in (REASON_HEADER, ATTEMPT_HEADER, "x-attempts",
                                          "x-dead-lettered-at", "x-last-error", "x-death")}
                headers["x-replayed-at"] = datetime.now(timezone.utc).isoformat()
                properties = {key: message.properties[key]
                              for key in ("content_type", "content_encoding", "message_id")
                              if message.properties.get(key) is not None}
                producer.publish(message.body, exchange="",
                                 routing_key=described["original_queue"] or
                                 queue[:-len(".dead")],
                                 headers=headers, delivery_mode=2, **properties)
                channel.basic_ack(message.delivery_tag)
                replayed.append(described["message_id"])
        finally:
            channel.close()
    return replayed
