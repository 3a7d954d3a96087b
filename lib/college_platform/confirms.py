"""Publishing a batch of events with one wait for the broker's confirms.

A publisher confirm is the broker's word that it took a message (for a
durable queue: wrote it). Waiting for each before sending the next, as
kombu's confirmed publish does, costs a broker round trip per event; here
the messages of a batch go out back to back on a channel in confirm mode
and the publisher then waits until the broker has confirmed every one.
"""
import json
import logging
import socket
import time
from collections.abc import Sequence
from typing import Any

from amqp.exceptions import MessageNacked
from kombu import Connection, Exchange

from college_platform.envelope import Envelope

log = logging.getLogger(__name__)

PERSISTENT = 2


class BatchPublisher:
    """Publishes envelopes to ``exchange`` (routing key: the event's type),
    all confirmed or an exception. After an exception nothing is known of
    which the broker took: the caller publishes them again later (consumers
    absorb a repeat through their inbox), on a new connection."""

    def __init__(self, amqp_uri: str, exchange: Exchange, confirm_timeout: float = 10.0) -> None:
        self.amqp_uri = amqp_uri
        self.exchange = exchange
        self.confirm_timeout = confirm_timeout
        self._connection: Connection | None = None
        self._channel: Any = None
        self._unconfirmed: set[int] = set()
        self._next_tag = 1
        self._refused: list[int] = []

    def publish(self, envelopes: Sequence[Envelope]) -> None:
        if not envelopes:
            return
        try:
            self._publish(envelopes)
        except Exception:
            self.close()  # a channel in an unknown state is not used again
            raise

    def _publish(self, envelopes: Sequence[Envelope]) -> None:
        channel = self._open()
        for envelope in envelopes:
            message = channel.prepare_message(
                json.dumps(envelope), 0, "application/json", "utf-8", {},
                {"delivery_mode": PERSISTENT, "message_id": envelope["id"]})
            self._unconfirmed.add(self._next_tag)
            self._next_tag += 1
            # the confirm-mode channel's basic_publish waits for each confirm; this does not
            channel._basic_publish(message, exchange=self.exchange.name,
                                   routing_key=envelope["type"])
        deadline = time.monotonic() + self.confirm_timeout
        while self._unconfirmed and not self._refused:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the broker confirmed %d of %d messages within %.0f s"
                                   % (len(envelopes) - len(self._unconfirmed), len(envelopes),
                                      self.confirm_timeout))
            try:
                channel.connection.drain_events(timeout=left)
            except (socket.timeout, TimeoutError):
                pass
        if self._refused:
            raise MessageNacked("the broker refused message %d" % self._refused[0])

    # the channel's listeners, not a one-shot wait: publishing may read confirms already
    # (py-amqp drains the connection before a publish when the broker may block it)

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        if multiple:
            self._unconfirmed = {tag for tag in self._unconfirmed if tag > delivery_tag}
        else:
            self._unconfirmed.discard(delivery_tag)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        self._refused.append(delivery_tag)
        self._on_ack(delivery_tag, multiple)

    def _open(self) -> Any:
        if self._channel is None:
            self._connection = Connection(self.amqp_uri)
            channel = self._connection.channel()
            self.exchange.bind(channel).declare()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            channel.confirm_select()
            self._channel, self._unconfirmed, self._next_tag = channel, set(), 1
        self._refused = []
        return self._channel

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            try:
                connection.release()
            except Exception as exc:  # already gone
                log.debug("closing the publisher's connection: %s", exc)
