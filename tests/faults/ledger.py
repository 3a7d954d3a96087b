"""The smallest service built on the platform's reliability machinery, for the
fault tests: it consumes the inbound contract (``college_contracts.inbound``:
enterprise CloudEvents, checked publisher) and its own outbox's events
exactly as the college's services do (``inbound_handler``,
``event_handler``, ``Store.handle_once``, ``Store.transact`` with ``emit``),
and records one row per effect *without* a unique index, so a duplicate
effect is visible instead of silently merged.

Inbound event -> effect ``inbound`` and, in the same transaction, an outbox
event ``entry_recorded`` -> (relay, broker) -> effect ``relayed``.
"""
import time

from pymongo import ASCENDING, IndexModel

from college_contracts import inbound
from college_platform.config import setting
from college_platform.envelope import utcnow
from college_platform.events import event_handler
from college_platform.http import json_response
from college_platform.inbound import inbound_handler
from college_platform.mongo import MongoStore
from college_platform.rpc import rpc
from college_platform.service import PlatformService
from college_platform.web import http

POISON_PREFIX = "poison-"


class LedgerService(PlatformService):
    name = "ledger"
    store = MongoStore(indexes={"effects": [IndexModel([("event_id", ASCENDING)]),
                                            IndexModel([("kind", ASCENDING), ("at", ASCENDING)])]})

    def _work(self, seconds=None):
        # some real work per message, so a stop catches handlers mid-flight
        time.sleep(float(setting("LEDGER_WORK_SECONDS", 0)) if seconds is None else seconds)

    @inbound_handler(inbound.EXCHANGE, inbound.parse)
    def on_inbound(self, event):
        if event["data"]["external_ref"].startswith(POISON_PREFIX):
            raise RuntimeError("this event always breaks its handler")
        self._work()

        def apply(uow):
            uow.db.effects.insert_one({"event_id": event["id"], "kind": "inbound",
                                       "at": utcnow()}, session=uow.session)
            uow.emit("entry_recorded", {"entry_id": event["id"]})

        self.store.handle_once(event, apply)

    @event_handler("ledger", "entry_recorded")
    def on_entry_recorded(self, event):
        self.store.handle_once(event, lambda uow: uow.db.effects.insert_one(
            {"event_id": event["data"]["entry_id"], "kind": "relayed", "at": utcnow()},
            session=uow.session))

    @rpc
    def record(self, entry_id, work_seconds=0):
        """A write through the outbox, as a service's command does."""
        self._work(work_seconds)

        def apply(uow):
            uow.db.effects.insert_one({"event_id": entry_id, "kind": "command", "at": utcnow()},
                                      session=uow.session)
            uow.emit("entry_recorded", {"entry_id": entry_id})

        self.store.transact(apply)
        return {"entry_id": entry_id}

    @rpc
    def count(self, kind):
        return self.store.db.effects.count_documents({"kind": kind})

    @http("POST", "/entries/<entry_id>")
    def http_record(self, request, entry_id):
        return json_response(201, self.record(entry_id,
                                              float(request.args.get("work", 0))))
