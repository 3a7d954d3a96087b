"""The MongoDB dependency every service uses: its own database, indexes
created idempotently at start, transactions that carry outgoing events
(outbox) and record handled events (inbox)."""
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from typing import Any, Generic, TypeVar

from nameko.amqp.publish import Publisher
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange
from pymongo import ASCENDING, IndexModel, MongoClient
from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from college_platform import settings
from college_platform.confirms import BatchPublisher
from college_platform.documents import Database, Document, Session
from college_platform.envelope import Envelope, new_event, utcnow
from college_platform.errors import PermanentEventError
from college_platform.metrics import metrics_of
from college_platform.outbox import EPOCH, OUTBOX_INDEXES, OutboxRelay, events_of, outbox_records
from college_platform.repository import derived_id, insert_new

log = logging.getLogger(__name__)

# the service's records class (its store in domain verbs), built (db, session)
R = TypeVar("R")
T = TypeVar("T")
# collection name -> its indexes
Indexes = Mapping[str, Sequence[IndexModel]]

COMMITTED_BATCH = 500  # committed events published before they are marked sent at once

INBOX_INDEXES = [
    # the _id (consumer and event id) is the duplicate guard; this keeps it small
    IndexModel([("received_at", ASCENDING)], name="received_expiry",
               expireAfterSeconds=30 * 24 * 3600),
]


def ensure_indexes(db: Database, indexes: Indexes) -> None:
    """Create every declared index; creating an existing one is a no-op."""
    for collection, models in indexes.items():
        if models:
            db[collection].create_indexes(list(models))


class UnitOfWork(Generic[R]):
    """One transaction: ``records`` (the service's collections in domain
    verbs) or ``db`` and ``session`` for the writes, ``emit`` for the events
    that announce them (committed with them, or not at all). ``UnitOfWork[XRecords]``
    says whose records: ``uow.records`` is then an ``XRecords``."""

    records: R

    def __init__(self, db: Database, session: Session | None, source: str,
                 claimed_for: timedelta | None = None,
                 records: Callable[[Database, Session | None], R] | None = None) -> None:
        """``claimed_for``: how long the events are this process's to publish
        (None: left for the relay's sweep, when this process runs no relay).
        ``records``: the service's store class, built ``records(db, session)``."""
        self.db = db
        self.session = session
        # None without a records class: a service that has none does not read it
        self.records = records(db, session) if records else None  # type: ignore[assignment]
        self.source = source
        self.claimed_for = claimed_for
        self.emitted: list[Envelope] = []
        # (outbox id, the record's envelopes)
        self.committed_records: list[tuple[Any, list[Envelope]]] = []
        self.counted: list[tuple[str, str, dict[str, Any]]] = []

    def _records(self, envelopes: Sequence[Envelope]) -> list[Document]:
        now = utcnow()
        lease_until = now + self.claimed_for if self.claimed_for else EPOCH
        return outbox_records(envelopes, now, lease_until)

    def emit(self, event_type: str, data: Any, schema_version: int = 1) -> Envelope:
        envelope = new_event(event_type, self.source, data, schema_version)
        record, = self._records([envelope])
        self.db.outbox.insert_one(record, session=self.session)
        self.committed_records.append((record["_id"], [envelope]))
        self.emitted.append(envelope)
        return envelope

    def emit_many(self, event_type: str, items: Iterable[Any], schema_version: int = 1,
                  caused_by: Sequence[str] | None = None) -> list[Envelope]:
        """``emit`` for many events of one type, written to the outbox at once
        in shared records (``outbox.outbox_records``). ``caused_by``: the ids
        of the events each announces the effect of, one per item; the
        envelopes' ids are then derived from them (``caused``)."""
        envelopes = [new_event(event_type, self.source, data, schema_version) for data in items]
        if caused_by is not None:
            envelopes = caused(envelopes, self.source, caused_by)
        if envelopes:
            records = self._records(envelopes)
            self.db.outbox.insert_many(records, session=self.session)
            self.committed_records.extend((record["_id"], events_of(record))
                                          for record in records)
        self.emitted.extend(envelopes)
        return envelopes

    def count(self, name: str, documentation: str, **labels: Any) -> None:
        """Add one to the business counter ``<service>_<name>_total`` once the
        transaction commits (a retried or rolled-back one counts nothing).
        Label values must come from small fixed sets (states, kinds), never ids."""
        self.counted.append((name, documentation, labels))


def caused(envelopes: list[Envelope], source: str, caused_by: Sequence[str]) -> list[Envelope]:
    """The envelopes with ids derived from the events that caused them (one
    event of a type per cause): announced twice, they are one event to every
    consumer's inbox."""
    if len(caused_by) != len(envelopes):
        raise ValueError("one cause per event: %d causes for %d events"
                         % (len(caused_by), len(envelopes)))
    return [{**envelope, "id": derived_id(source, cause, envelope["type"])}
            for envelope, cause in zip(envelopes, caused_by)]


class OnceUnit(Generic[R]):
    """What a handler run by ``Store.handle_in_bulk`` writes through, with no
    transaction: ``records`` without a session, each write standing alone and
    keyed by ids derived from the events (``repository.insert_new``), and
    ``emit_many(..., caused_by=[event ids])``, whose outbox records are
    derived from the events too. The outbox is written once the handler
    returns, after its effects."""

    session = None
    records: R

    def __init__(self, db: Database, source: str, claimed_for: timedelta | None,
                 records: Callable[[Database, Session | None], R] | None) -> None:
        self.db = db
        self.records = records(db, None) if records else None  # type: ignore[assignment]
        self.source = source
        self.claimed_for = claimed_for
        self.outbox: list[Document] = []
        self.emitted: list[Envelope] = []
        # (outbox id, the record's envelopes) of the records new to the outbox
        self.committed_records: list[tuple[Any, list[Envelope]]] = []
        self.counted: list[tuple[str, str, dict[str, Any]]] = []

    def emit(self, event_type: str, data: Any, schema_version: int = 1) -> Envelope:
        raise TypeError("without a transaction an event is announced with its cause: "
                        "emit_many(..., caused_by=[event id])")

    def emit_many(self, event_type: str, items: Iterable[Any], schema_version: int = 1,
                  caused_by: Sequence[str] | None = None) -> list[Envelope]:
        if caused_by is None:
            raise TypeError("without a transaction an event is announced with its cause")
        now = utcnow()
        lease_until = now + self.claimed_for if self.claimed_for else EPOCH
        envelopes = caused([new_event(event_type, self.source, data, schema_version, now)
                            for data in items], self.source, caused_by)
        # a record's id is derived from its events': the same events announced
        # again find their record; grouped otherwise on a later run, they are
        # published again, and every consumer's inbox absorbs them by their ids
        self.outbox.extend({**record, "_id": derived_id(self.source, "outbox",
                                                        *[e["id"] for e in events_of(record)])}
                           for record in outbox_records(envelopes, now, lease_until))
        return envelopes

    def count(self, name: str, documentation: str, **labels: Any) -> None:
        self.counted.append((name, documentation, labels))

    def write_outbox(self) -> None:
        """Write the announcements not written by an earlier run of the same
        events; those this run wrote are published from memory."""
        stored = insert_new(self.db.outbox, self.outbox)
        self.committed_records = [(record["_id"], events_of(record)) for record in self.outbox
                                  if record["_id"] not in stored]
        self.emitted = [envelope for _, envelopes in self.committed_records
                        for envelope in envelopes]


class _AlreadyHandled(Exception):
    pass


class Reading(Generic[R]):
    """What a read-only workflow sees of a unit of work: ``records`` only."""

    def __init__(self, records: R) -> None:
        self.records = records


class Store:
    """What a worker gets: the database and transactional helpers."""

    def __init__(self, provider: "MongoStore", consumer: str) -> None:
        self._provider = provider
        self.db = provider.db
        self.consumer = consumer

    def transact(self, work: Callable[[UnitOfWork[Any]], T],
                 on_duplicate: BaseException | None = None) -> T:
        """Run ``work(uow)`` in a transaction (retried on transient errors)
        and wake the outbox relay if it emitted events. A unique index
        violation raises ``on_duplicate`` when given (a ``Conflict``)."""
        last: dict[str, UnitOfWork[Any]] = {}

        def attempt(session: Session) -> T:
            uow = UnitOfWork(self.db, session, self._provider.source,
                             self._provider.claimed_for, self._provider.records)
            last["uow"] = uow
            return work(uow)

        with self._provider.client.start_session() as session:
            try:
                result = session.with_transaction(
                    attempt,
                    read_concern=ReadConcern("snapshot"),
                    write_concern=WriteConcern("majority"),
                )
            except DuplicateKeyError:
                if on_duplicate is None:
                    raise
                raise on_duplicate
        self._provider.committed(last["uow"])
        return result

    def each_statement(self, work: Callable[[UnitOfWork[Any]], T],
                       on_duplicate: BaseException | None = None) -> T:
        """Run ``work(uow)`` with no transaction: each write commits alone. For
        a command whose writes are each safe alone and whose rule a unique
        index enforces (a transaction costs SecantusDB more than the writes);
        it announces nothing, since no commit would tie an announcement to
        its write. A unique index violation raises ``on_duplicate`` when given."""
        uow: UnitOfWork[Any] = UnitOfWork(self.db, None, self._provider.source,
                                          self._provider.claimed_for, self._provider.records)
        try:
            result = work(uow)
        except DuplicateKeyError:
            if on_duplicate is None:
                raise
            raise on_duplicate
        if uow.emitted:
            raise TypeError("each_statement announced %d events with no transaction to "
                            "commit them with; use transact" % len(uow.emitted))
        self._provider.committed(uow)
        return result

    def reading(self) -> "Reading[Any]":
        """A unit of work for reads outside any transaction (a read that
        needs no snapshot): the service's ``records`` without a session."""
        records = self._provider.records
        if records is None:
            raise TypeError("the %s store has no records class" % self._provider.source)
        return Reading(records(self.db, None))

    def read(self, work: Callable[["Reading[Any]"], T]) -> T:
        """``work(uow)`` over the records as they are, outside any transaction."""
        return work(self.reading())

    def _inbox_record(self, event: Mapping[str, Any]) -> Document:
        return {"_id": "%s:%s" % (self.consumer, event["id"]), "consumer": self.consumer,
                "event_id": event["id"], "type": event["type"], "source": event["source"],
                "received_at": utcnow()}

    def handle_once(self, event: Mapping[str, Any],
                    work: Callable[[UnitOfWork[Any]], object]) -> bool:
        """Apply ``work(uow)`` for ``event`` unless this consumer already did.

        The inbox record and the effect commit together, so a redelivered
        event finds the record and has no second effect. Returns False for
        a duplicate.
        """
        def guarded(uow: UnitOfWork[Any]) -> object:
            try:
                uow.db.inbox.insert_one(self._inbox_record(event), session=uow.session)
            except DuplicateKeyError:
                raise _AlreadyHandled()
            return work(uow)

        try:
            self.transact(guarded)
        except _AlreadyHandled:
            self._absorbed(event)
            return False
        return True

    def handle_batch(self, events: Sequence[Mapping[str, Any]],
                     work: Callable[[UnitOfWork[Any], Sequence[Mapping[str, Any]]], object]
                     ) -> list[Exception | None]:
        """``handle_once`` for many events in one transaction: ``work(uow,
        events)`` applies, in order, those this consumer has not handled yet,
        with their inbox records in the same commit. Returns one outcome per
        event: None (handled, or a duplicate) or the exception that failed it.

        If the batch fails, it is rolled back and each event is handled alone,
        so one bad event costs the others only a second try and fails alone.
        An unreachable database fails them all at once instead: one at a time
        each would wait for the server selection timeout."""
        if len(events) == 1:  # one statement fewer: the inbox insert is the duplicate check
            return [self._outcome(lambda: self.handle_once(events[0],
                                                           lambda uow: work(uow, events)))]

        def guarded(uow: UnitOfWork[Any]) -> int:
            records: list[tuple[Document, Mapping[str, Any]]] = []
            seen: set[str] = set()
            for event in events:
                record = self._inbox_record(event)
                if record["_id"] not in seen:
                    seen.add(record["_id"])
                    records.append((record, event))
            handled = {document["_id"] for document in uow.db.inbox.find(
                {"_id": {"$in": list(seen)}}, {"_id": 1}, session=uow.session)}
            fresh = [(record, event) for record, event in records
                     if record["_id"] not in handled]
            if fresh:
                uow.db.inbox.insert_many([record for record, _ in fresh], session=uow.session)
                work(uow, [event for _, event in fresh])
            return len(events) - len(fresh)

        try:
            self._provider.duplicates_absorbed += self.transact(guarded)
            return [None] * len(events)
        except ConnectionFailure as exc:
            return [exc] * len(events)
        except Exception:
            log.info("a batch of %d events failed; handling each alone", len(events))
        return [self._outcome(lambda: self.handle_once(event, lambda uow: work(uow, [event])))
                for event in events]

    def handle_in_bulk(self, events: Sequence[Mapping[str, Any]],
                       work: Callable[[OnceUnit[Any], Sequence[Mapping[str, Any]]],
                                      Sequence[Exception | None]]
                       ) -> list[Exception | None]:
        """Apply many events with no transaction, for a ``work(unit, events)``
        whose every write is keyed by ids derived from its events
        (``OnceUnit``): a few statements for the whole batch, not a few per
        event. ``work`` returns one outcome per event it was given (None, or
        the exception that refuses that event, which it must not have written).

        Order of the writes: the effects, the outbox, the inbox. A process
        that dies between them leaves the events unacknowledged; delivered
        again, their effects are found already written (absorbed), and the
        outbox records and inbox records that were missing are written. An
        event whose inbox record exists is not applied again. Returns one
        outcome per event, as ``handle_batch``."""
        unique: dict[str, tuple[Document, Mapping[str, Any]]] = {}
        inbox_ids = []
        for event in events:
            record = self._inbox_record(event)
            inbox_ids.append(record["_id"])
            unique.setdefault(record["_id"], (record, event))
        try:
            handled = {document["_id"] for document in self.db.inbox.find(
                {"_id": {"$in": list(unique)}}, {"_id": 1})}
            fresh = [(record, event) for inbox_id, (record, event) in unique.items()
                     if inbox_id not in handled]
            unit: OnceUnit[Any] = OnceUnit(self.db, self._provider.source,
                                           self._provider.claimed_for, self._provider.records)
            results = list(work(unit, [event for _, event in fresh])) if fresh else []
            if len(results) != len(fresh):
                raise TypeError("handle_in_bulk's work returned %d outcomes for %d events"
                                % (len(results), len(fresh)))
            unit.write_outbox()
            repeated = insert_new(self.db.inbox, [record for (record, _), result
                                                  in zip(fresh, results) if result is None])
        except Exception as exc:  # the database away, or a fault in the work: all wait
            if not isinstance(exc, ConnectionFailure):
                log.exception("a batch of %d events failed", len(events))
            return [exc] * len(events)
        self._provider.committed(unit)
        self._provider.duplicates_absorbed += len(handled) + len(repeated)
        outcome = {record["_id"]: result for (record, _), result in zip(fresh, results)}
        return [outcome.get(inbox_id) for inbox_id in inbox_ids]

    def remember_in_bulk(self, events: Sequence[Mapping[str, Any]],
                         load: Callable[[Mapping[str, Any]], Any],
                         write: Callable[[Any, list[Any]], object]) -> list[Exception | None]:
        """Local copies learnt from a batch of events (``handle_in_bulk``): each
        event's data loaded with ``load`` (a ``PermanentEventError`` refuses
        that event alone), then ``write(records, [data])`` writes the copies of
        the rest at once. Upserting a copy twice is the same as once, so the
        batch needs no transaction; its inbox records still skip an event
        already handled. One outcome per event."""
        def work(unit: OnceUnit[Any], fresh: Sequence[Mapping[str, Any]]
                 ) -> list[Exception | None]:
            outcomes: list[Exception | None] = []
            loaded = []
            for event in fresh:
                try:
                    loaded.append(load(event))
                    outcomes.append(None)
                except PermanentEventError as exc:
                    outcomes.append(exc)
            if loaded:
                write(unit.records, loaded)
            return outcomes
        return self.handle_in_bulk(events, work)

    @staticmethod
    def _outcome(handle: Callable[[], object]) -> Exception | None:
        try:
            handle()
        except Exception as exc:
            return exc
        return None

    def _absorbed(self, event: Mapping[str, Any]) -> None:
        self._provider.duplicates_absorbed += 1
        log.info("duplicate event %s ignored by %s", event["id"], self.consumer)

    def outbox_backlog(self) -> tuple[int, float]:
        return self._provider.relay.backlog()

    @property
    def duplicates_absorbed(self) -> int:
        return self._provider.duplicates_absorbed

    def ping(self) -> tuple[bool, str | None]:
        return self._provider.ping()


class MongoStore(DependencyProvider):
    """``indexes`` maps collection names to pymongo ``IndexModel`` lists;
    ``prepare``: functions ``(db)`` run at start once the indexes exist,
    before any entrypoint (data migrations, each safe to run again);
    ``records``: the service's store class, a unit of work's ``records``."""

    def __init__(self, indexes: Indexes | None = None,
                 prepare: Iterable[Callable[[Database], object]] = (),
                 records: Callable[[Database, Session | None], Any] | None = None) -> None:
        self.indexes = indexes or {}
        self.prepare = tuple(prepare)
        self.records = records
        # None until setup (kill may come first); set, to every other use
        self.client: MongoClient[Document] = None  # type: ignore[assignment]

    def setup(self) -> None:
        self.source = self.container.service_name
        self.client = MongoClient(
            settings.MONGO_URI(),
            # short, so a request fails fast (503) while the database is away
            # instead of outliving the caller's deadline
            serverSelectionTimeoutMS=settings.MONGO_TIMEOUT_MS(),
            tz_aware=True,
            connect=False,
        )
        self.db = self.client[settings.database_name(self.source)]
        self.duplicates_absorbed = 0
        exchange = get_event_exchange(self.source)
        self.publisher = Publisher(settings.AMQP_URI(), use_confirms=True, serializer="json",
                                   declare=[exchange])
        self.exchange = exchange
        self.batches = BatchPublisher(settings.AMQP_URI(), exchange)
        self.relay = OutboxRelay(self.db.outbox, self._publish, publish_many=self.batches.publish)
        self.poll_interval = settings.OUTBOX_POLL_SECONDS()
        self.relay_enabled = settings.OUTBOX_RELAY_ENABLED()
        self._wake = threading.Event()
        # outbox records this process committed: (id, envelopes), published from memory
        self._committed: deque[tuple[Any, list[Envelope]]] = deque()
        # born claimed for this long: a process killed before publishing them leaves
        # them to the sweeps of its successors after that
        self.claimed_for = timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS()) \
            if self.relay_enabled else None
        self._running = False
        self._relay_thread = None

    def start(self) -> None:
        ensure_indexes(self.db, {"outbox": OUTBOX_INDEXES, "inbox": INBOX_INDEXES, **self.indexes})
        for prepare in self.prepare:
            prepare(self.db)
        self._running = True
        if self.relay_enabled:
            self._relay_thread = self.container.spawn_managed_thread(
                self._relay_forever, identifier="outbox_relay")

    def _publish(self, envelope: Envelope) -> None:
        self.publisher.publish(
            envelope, exchange=self.exchange, routing_key=envelope["type"],
            message_id=envelope["id"],
        )

    def wake_relay(self) -> None:
        self._wake.set()

    def committed(self, uow: "UnitOfWork[Any] | OnceUnit[Any]") -> None:
        if uow.committed_records and self.relay_enabled:
            self._committed.extend(uow.committed_records)
            self.wake_relay()
        metrics = metrics_of(self.container)
        if metrics is None:
            return
        for envelope in uow.emitted:
            metrics.events_emitted.labels(envelope["type"]).inc()
        for name, documentation, labels in uow.counted:
            counter = metrics.counter(name, documentation, sorted(labels))
            (counter.labels(**labels) if labels else counter).inc()

    def _relay_forever(self) -> None:
        """Publish what this process commits as soon as it commits it (from
        memory: one write per batch, to mark it sent), and sweep for anything
        else pending every ``poll_interval`` (another instance's leftovers, a
        crash's, a failed publish's). On a stop, what is left goes out first."""
        swept_at = float("-inf")
        while self._running:
            self._wake.wait(self.poll_interval)
            self._wake.clear()
            try:
                self._publish_held()
                if time.monotonic() - swept_at >= self.poll_interval:
                    self.relay.publish_pending()
                    swept_at = time.monotonic()
            except Exception as exc:  # broker or database away: keep the events, try again
                self._release_committed()  # the sweep takes them once the broker is back
                log.warning("outbox relay could not publish (%s: %s); will retry",
                            type(exc).__name__, str(exc)[:200])
                self._wake.wait(min(5.0, self.poll_interval * 5))
        try:
            self._publish_held()
        except Exception:
            pass  # released below, for the next instance's sweep
        self._release_committed()

    def _publish_held(self) -> None:
        while self._committed:
            batch = [self._committed.popleft()]  # whole records, about COMMITTED_BATCH events
            events = len(batch[0][1])
            while self._committed and events + len(self._committed[0][1]) <= COMMITTED_BATCH:
                events += len(self._committed[0][1])
                batch.append(self._committed.popleft())
            self.relay.publish_committed(batch)

    def _release_committed(self) -> None:
        """Hand what this process holds to the sweeps (best effort: if the
        database is away too, the claims simply run out)."""
        held = [record_id for record_id, _ in self._committed]
        self._committed.clear()
        try:
            for start in range(0, len(held), COMMITTED_BATCH):
                self.relay.release(held[start:start + COMMITTED_BATCH])
        except Exception as exc:
            log.warning("could not release %d outbox records (%s); their claims run out",
                        len(held), type(exc).__name__)

    def _halt_relay(self) -> None:
        self._running = False
        self._wake.set()
        if self._relay_thread is not None:
            try:
                self._relay_thread.wait()
            except Exception:
                pass

    def stop(self) -> None:
        self._halt_relay()
        self.batches.close()
        self.client.close()

    def kill(self) -> None:
        self._running = False
        self._wake.set()
        if getattr(self, "batches", None) is not None:
            self.batches.close()
        if self.client is not None:
            self.client.close()

    def get_dependency(self, worker_ctx: Any) -> Store:
        consumer = "%s.%s" % (self.source, worker_ctx.entrypoint.method_name)
        return Store(self, consumer)

    def ping(self) -> tuple[bool, str | None]:
        try:
            self.client.admin.command("ping")
            return True, None
        except PyMongoError as exc:
            return False, str(exc).split(",")[0][:200]
