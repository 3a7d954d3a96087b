"""The inbound contract: events enterprise systems publish to
``college.inbound``, and the dead letters of those refused."""
from college_contracts import inbound
from college_platform import dead_letters
from college_platform.errors import NotFound, ServiceError
from college_platform.inbound import (
    inbound_amqp_uri,
    inbound_handler,
    queue_name,
    returning_queue_name,
)
from college_platform.rpc import rpc
from college_platform.validation import load
from projects import enterprise_events
from projects.schemas import (
    DeadLetterListSchema,
    DeadLetterQuerySchema,
    DeadLetterSchema,
    ReplayReportSchema,
    ReplaySchema,
)

INBOUND_QUEUE = queue_name(inbound.EXCHANGE, "projects")
INBOUND_DEAD_QUEUE = INBOUND_QUEUE + ".dead"

dead_letter_view = DeadLetterSchema()
dead_letters_view = DeadLetterListSchema()
replay_view = ReplayReportSchema()


class InboundEntrypoints:

    @inbound_handler(inbound.EXCHANGE, inbound.parse, batched=True,
                     max_bytes=inbound.MAX_MESSAGE_BYTES)
    def on_enterprise_event(self, events):
        """Events enterprise systems published to ``college.inbound``, a batch
        at a time (``INBOUND_BATCH_SIZE``; see ``enterprise_events.handle``). A
        change the contract allows but the project's state refuses (another
        enterprise's project, an illegal transition) can never succeed, so it is
        dead-lettered at once with the reason; anything else is retried."""
        outcomes = enterprise_events.handle(self.store, events, self.clock())
        return [inbound.InboundRejected("%s: %s" % (type(outcome).__name__, outcome.detail))
                if isinstance(outcome, ServiceError) else outcome for outcome in outcomes]

    @rpc
    def inbound_dead_letters(self, query=None):
        """The first dead letters of the inbound contract, left in place, each
        with the start of its body and its size; ``total`` is how many wait.
        query: {"limit": 50}"""
        params = load(DeadLetterQuerySchema(), query or {})
        uri = inbound_amqp_uri()
        return dead_letters_view.dump({
            "items": dead_letters.peek(uri, INBOUND_DEAD_QUEUE, params["limit"]),
            "total": dead_letters.depth(uri, INBOUND_DEAD_QUEUE)})

    @rpc
    def inbound_dead_letter(self, message_id):
        for letter in dead_letters.peek(inbound_amqp_uri(), INBOUND_DEAD_QUEUE,
                                        dead_letters.MAX_PEEK, dead_letters.ONE_BODY_CHARS):
            if letter["message_id"] == message_id:
                return dead_letter_view.dump(letter)
        raise NotFound("no dead letter %s among the first %d"
                       % (message_id, dead_letters.MAX_PEEK))

    @rpc
    def replay_inbound_dead_letters(self, payload):
        """Return dead letters to the inbound consumer after a fix; each has its
        effect once (the inbox absorbs one that already had it). A call does at
        most a couple of seconds' work: replaying all goes a page at a time.
        payload: {"message_ids": ["<id>", ...]}, or {"message_ids": []} for all
        and then {"message_ids": [], "cursor": "<the last answer's>"}
        -> {"replayed": ["<id>", ...], "remaining": 0, "cursor": null}"""
        fields = load(ReplaySchema(), payload)
        return replay_view.dump(dead_letters.replay(
            inbound_amqp_uri(), INBOUND_DEAD_QUEUE, fields["message_ids"],
            cursor=fields.get("cursor"), target=returning_queue_name(INBOUND_QUEUE)))
