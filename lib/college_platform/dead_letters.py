"""Inspecting and replaying a dead-letter queue, for administrators.

Peeking takes messages without acknowledging them and lets the channel's
close return them to the queue, so looking changes nothing. A listing sends
the start of each body only, with the body's size.

Replaying moves chosen messages back (through the default exchange, which
outsiders cannot publish to) with their attempt count reset, and only then
acknowledges them: a crash in between leaves a copy in both places, which the
consumer's inbox absorbs. The publisher travels in the header the consumer
wrote from the broker-verified user_id, never in one the publisher could have
written (``events.PUBLISHER_HEADER``).

Each call does a bounded amount of work: it stops after ``budget_seconds``
(well inside the gateway's RPC deadline) and never takes more letters than
the queue held when the replay began, so a letter that fails again and is
parked again behind the others is not replayed twice. Replaying all goes in
pages: the answer says how many letters remain and gives a cursor to pass to
the next call; the cursor remembers the replay's round (every letter it moves
is marked with it) and how far it got.
"""
import base64
import binascii
import json
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from kombu import Connection

from college_platform.errors import InvalidInput
from college_platform.events import (
    ATTEMPT_HEADER,
    OUTAGE_HEADER,
    PUBLISHER_HEADER,
    REASON_HEADER,
    SIZE_HEADER,
    TRUNCATED_HEADER,
)

MAX_PEEK = 200
LIST_BODY_CHARS = 4096  # a listing of many letters sends this much of each body
ONE_BODY_CHARS = 65536  # and the view of one letter this much
REPLAY_BUDGET_SECONDS = 2.0
ROUND_HEADER = "x-replay-round"
# what a replayed letter must not carry back: the last failure's account, and the
# publisher header of earlier versions, which an enterprise could have written
DROPPED_ON_REPLAY = (REASON_HEADER, ATTEMPT_HEADER, OUTAGE_HEADER, "x-attempts",
                     "x-dead-lettered-at", "x-last-error", "x-death", "x-original-user-id")


def describe(message: Any, body_chars: int = LIST_BODY_CHARS) -> dict[str, Any]:
    headers = dict(message.headers or {})
    body = message.body
    text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else str(body)
    size = len(body)
    try:
        size = max(size, int(headers.get(SIZE_HEADER) or 0))
    except (TypeError, ValueError):
        pass
    return {
        "message_id": message.properties.get("message_id"),
        "reason": headers.get(REASON_HEADER),
        "attempts": headers.get("x-attempts"),
        "dead_lettered_at": headers.get("x-dead-lettered-at"),
        "original_queue": headers.get("x-original-queue"),
        "publisher": headers.get(PUBLISHER_HEADER),
        "content_type": message.properties.get("content_type"),
        "size": size,
        "body": text[:body_chars],
        "body_truncated": bool(headers.get(TRUNCATED_HEADER)) or len(text) > body_chars,
    }


def depth(amqp_uri: str, queue: str) -> int:
    """How many letters wait in ``queue``."""
    with Connection(amqp_uri) as connection:
        count: int = connection.default_channel.queue_declare(queue, passive=True).message_count
        return count


def peek(amqp_uri: str, queue: str, limit: int = 50,
         body_chars: int = LIST_BODY_CHARS) -> list[dict[str, Any]]:
    """The first ``limit`` dead letters, left in the queue."""
    letters = []
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        try:
            for _ in range(min(limit, MAX_PEEK)):
                message = channel.basic_get(queue, no_ack=False)
                if message is None:
                    break
                letters.append(describe(message, body_chars))
        finally:
            channel.close()  # unacknowledged messages go back to the queue
    return letters


def encode_cursor(round_id: str, total: int, done: int) -> str:
    text = json.dumps({"round": round_id, "total": total, "done": done})
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int, int]:
    """``(round, total, done)`` of a cursor this module made; InvalidInput otherwise."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        fields = json.loads(text)
        round_id, total, done = fields["round"], int(fields["total"]), int(fields["done"])
        if not isinstance(round_id, str) or not 0 <= done <= total:
            raise ValueError(cursor)
    except (binascii.Error, ValueError, TypeError, KeyError, AttributeError):
        raise InvalidInput("invalid cursor", errors={
            "cursor": ["Not a cursor of this replay; leave it out to start one."]})
    return round_id, total, done


def replay(amqp_uri: str, queue: str, message_ids: Iterable[str] | None = None,
           cursor: str | None = None, target: str | None = None,
           budget_seconds: float = REPLAY_BUDGET_SECONDS,
           clock: Callable[[], float] = time.monotonic) -> dict[str, Any]:
    """Move dead letters back: those named by ``message_ids`` (among the first
    ``MAX_PEEK``), or all of them a page at a time. ``target`` is the queue
    they go to (by default the one each died in).

    Returns ``{"replayed": [ids], "remaining": n, "cursor": str or None}``:
    ``remaining`` counts the letters this replay has not reached yet (of all,
    or of the named ones); pass ``cursor`` to the next call to go on."""
    wanted = set(message_ids or ())
    if wanted:
        cursor = None  # a named replay is one call: name what is left in the next
    total: int | None
    round_id, total, done = decode_cursor(cursor) if cursor else (uuid.uuid4().hex, None, 0)
    deadline = clock() + budget_seconds
    replayed: list[str] = []
    examined, finished = 0, False
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        producer = connection.Producer(channel)
        try:
            if total is None:
                total = channel.queue_declare(queue, passive=True).message_count
                if wanted:
                    total = min(total, MAX_PEEK)
            if target is not None:  # it must exist: the default exchange drops what no queue takes
                channel.queue_declare(target, passive=True)
            while True:
                if done + examined >= total or (wanted and len(replayed) == len(wanted)):
                    finished = True
                    break
                if examined and clock() >= deadline:  # each call moves one at least
                    break
                message = channel.basic_get(queue, no_ack=False)
                if message is None:
                    finished = True
                    break
                headers = dict(message.headers or {})
                if headers.get(ROUND_HEADER) == round_id:
                    # moved by this replay and parked again: every letter ahead is done
                    finished = True
                    break
                examined += 1
                message_id = message.properties.get("message_id")
                if wanted and message_id not in wanted:
                    continue  # stays unacknowledged: back to the queue on close
                for name in DROPPED_ON_REPLAY:
                    headers.pop(name, None)
                headers[ROUND_HEADER] = round_id
                headers["x-replayed-at"] = datetime.now(timezone.utc).isoformat()
                properties = {key: message.properties[key]
                              for key in ("content_type", "content_encoding", "message_id")
                              if message.properties.get(key) is not None}
                destination = target or headers.get("x-original-queue") or queue[:-len(".dead")]
                producer.publish(message.body, exchange="", routing_key=destination,
                                 headers=headers, delivery_mode=2, **properties)
                channel.basic_ack(message.delivery_tag)
                replayed.append(message_id)
        finally:
            channel.close()
    if wanted:
        return {"replayed": replayed, "cursor": None,
                "remaining": 0 if finished else len(wanted) - len(replayed)}
    remaining = 0 if finished else total - done - examined
    return {"replayed": replayed, "remaining": remaining,
            "cursor": encode_cursor(round_id, total, done + examined) if remaining else None}
