"""Consuming events without losing any.

nameko acknowledges a failed event message by default, which loses it.
``event_handler`` here keeps nameko's queue naming and binding, and on
failure republishes the message to a per-handler wait queue whose TTL
returns it to the handler's queue (retry with backoff); after the policy's
last attempt, or at once for a ``PermanentEventError`` or a malformed
envelope, the message is parked in ``<queue>.dead`` with the reason in its
headers. The original is acknowledged only after that publish is confirmed,
so a crash in between redelivers rather than drops.
"""
import logging

from kombu import Connection, Queue
from nameko.amqp.publish import Publisher
from nameko.events import EventHandler

from college_platform.config import setting
from college_platform.envelope import parse_event, utcnow
from college_platform.errors import PermanentEventError
from college_platform.metrics import EntrypointMetrics
from college_platform.retry import DEFAULT_DELAYS, RetryPolicy

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-attempt"
REASON_HEADER = "x-dead-letter-reason"


def retry_policy_from_config():
    return RetryPolicy(tuple(float(d) for d in setting("EVENT_RETRY_DELAYS", DEFAULT_DELAYS)))


def dead_letter_queue_name(queue_name):
    return queue_name + ".dead"


class ReliableEventHandler(EventHandler):

    def setup(self):
        super().setup()
        self.policy = retry_policy_from_config()
        # quorum queues (replicated) in a cluster; the type is fixed when a queue is created
        type_argument = {"x-queue-type": setting("EVENT_QUEUE_TYPE", "classic")}
        self.queue.queue_arguments = {**(self.queue.queue_arguments or {}), **type_argument}
        name = self.queue.name
        self.wait_queues = [
            Queue(
                "%s.retry.%dms" % (name, int(delay * 1000)),
                durable=True,
                queue_arguments={
                    "x-message-ttl": int(delay * 1000),
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": name,
                    **type_argument,
                },
            )
            for delay in self.policy.delays
        ]
        self.dead_queue = Queue(dead_letter_queue_name(name), durable=True,
                                queue_arguments=type_argument)
        self.republisher = Publisher(self.amqp_uri, use_confirms=True, serializer="json")

    def start(self):
        # declared up front so operators see the dead-letter queue before it is needed
        with Connection(self.amqp_uri) as connection:
            channel = connection.default_channel
            for queue in [*self.wait_queues, self.dead_queue]:
                queue.bind(channel).declare()
        super().start()

    def handle_message(self, body, message):
        try:
            parse_event(body)
        except PermanentEventError as exc:
            self._settle(message, str(exc), permanent=True, error="InvalidEnvelope")
            return
        metrics = self._metrics()
        if metrics is not None:
            metrics.observe_event_lag(self.method_name, body["time"])
        super().handle_message(body, message)

    def _metrics(self):
        for dependency in self.container.dependencies:
            if isinstance(dependency, EntrypointMetrics):
                return dependency
        return None

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.consumer.ack_message(message)
            return
        exc = exc_info[1]
        permanent = isinstance(exc, PermanentEventError)
        self._settle(message, "%s: %s" % (type(exc).__name__, exc), permanent,
                     error=type(exc).__name__)

    def _settle(self, message, reason, permanent, error):
        headers = dict(message.headers or {})
        attempt = int(headers.get(ATTEMPT_HEADER, 1))
        decision = self.policy.after_failure(attempt, permanent=permanent)
        try:
            if decision.dead_letter:
                headers.update({
                    REASON_HEADER: reason[:1000],
                    "x-attempts": attempt,
                    "x-original-queue": self.queue.name,
                    "x-dead-lettered-at": utcnow().isoformat(),
                })
                target = self.dead_queue
                log.error("event dead-lettered to %s after %d attempt(s): %s",
                          target.name, attempt, reason)
            else:
                headers.update({ATTEMPT_HEADER: attempt + 1, "x-last-error": reason[:1000]})
                target = self.wait_queues[attempt - 1]
                log.warning("event handler %s failed (attempt %d), retrying in %.1fs: %s",
                            self.method_name, attempt, decision.delay, reason)
            self.republisher.publish(
                _payload(message), exchange="", routing_key=target.name,
                headers=headers, declare=[target],
            )
            metrics = self._metrics()
            if metrics is not None:
                metrics.count_failed_event(self.method_name, error, decision.dead_letter)
        except Exception:
            log.exception("could not park failed event; returning it to the queue")
            self.consumer.requeue_message(message)
            return
        self.consumer.ack_message(message)


def _payload(message):
    try:
        return message.decode()
    except Exception:  # undecodable body: keep it verbatim for inspection
        body = message.body
        return body.decode("utf-8", "replace") if isinstance(body, bytes) else body


event_handler = ReliableEventHandler.decorator
