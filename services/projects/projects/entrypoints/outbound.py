"""The outbound contract: the internal events that concern an enterprise,
sent back to its systems as public CloudEvents (its queue or a webhook), and
the subscriptions that say what and how (docs/outbound.md)."""
from college_contracts import read
from college_platform.envelope import utcnow
from college_platform.errors import Conflict, PermanentEventError
from college_platform.events import event_handler
from college_platform.rpc import rpc
from college_platform.validation import load
from projects import outbound_workflows as workflows
from projects import settings
from projects.delivery import OutboundSender
from projects.outbound_records import OutboundRecords
from projects.schemas import (
    DeliveryQuerySchema,
    DeliveryReplayReportSchema,
    DeliveryReplaySchema,
    DeliverySchema,
    NewSubscriptionSchema,
    SubscriptionChangeSchema,
    SubscriptionQuerySchema,
    SubscriptionSchema,
    SubscriptionWithSecretSchema,
)

subscription_view = SubscriptionSchema()
with_secret_view = SubscriptionWithSecretSchema()
delivery_view = DeliverySchema()
replay_view = DeliveryReplayReportSchema()


def enterprise_scope(actor, params):
    """An enterprise's own subscriptions, whatever it asked."""
    if (actor or {}).get("kind") == "enterprise":
        return {"enterprise_id": actor.get("enterprise_id") or "-"}
    return {"enterprise_id": params["enterprise_id"]} if params.get("enterprise_id") else {}


class OutboundEntrypoints:

    sender = OutboundSender()

    def _outgoing(self, events):
        """Deliveries for a batch of internal events, with no transaction
        (``Store.handle_in_bulk``): a delivery's id is derived from its
        subscription and event, so an event delivered twice, or again after a
        crash between the deliveries and the inbox records, adds nothing."""
        now = utcnow()  # the sender's clock: due now, whatever the service's clock says
        source = events[0]["source"]

        def work(unit, fresh):
            loaded, outcomes = [], []
            for event in fresh:
                try:
                    loaded.append((event, read(event)))
                    outcomes.append(None)
                except PermanentEventError as exc:  # that event alone is dead-lettered
                    outcomes.append(exc)
            workflows.record_outgoing(unit, source, loaded, now)
            return outcomes
        outcomes = self.store.handle_in_bulk(events, work)
        self.sender.wake()
        return outcomes

    @event_handler("enrollment", "application_offered", batched=True)
    def outbound_application_offered(self, events):
        return self._outgoing(events)

    @event_handler("enrollment", "student_enrolled", batched=True)
    def outbound_student_enrolled(self, events):
        return self._outgoing(events)

    @event_handler("enrollment", "enrolment_status_changed", batched=True)
    def outbound_enrolment_status_changed(self, events):
        return self._outgoing(events)

    @event_handler("enrollment", "clause_at_risk", batched=True)
    def outbound_clause_at_risk(self, events):
        return self._outgoing(events)

    @event_handler("projects", "placement_started", batched=True)
    def outbound_placement_started(self, events):
        return self._outgoing(events)

    @event_handler("projects", "placement_ended", batched=True)
    def outbound_placement_ended(self, events):
        return self._outgoing(events)

    @event_handler("projects", "checkin_missed", batched=True)
    def outbound_checkin_missed(self, events):
        return self._outgoing(events)

    @event_handler("projects", "deliverable_reviewed", batched=True)
    def outbound_deliverable_reviewed(self, events):
        return self._outgoing(events)

    @event_handler("certificates", "certificate_issued", batched=True)
    def outbound_certificate_issued(self, events):
        return self._outgoing(events)

    @event_handler("certificates", "certificate_revoked", batched=True)
    def outbound_certificate_revoked(self, events):
        return self._outgoing(events)

    # subscriptions -----------------------------------------------------------

    @rpc
    def create_subscription(self, payload, actor=None):
        """payload: {"enterprise_id": "...", "event_types": ["edu.college.placement.started.v1"],
        "delivery": "webhook", "url": "https://erp.example.com/college"} -> the
        subscription, with "secret" (a webhook's, shown this once)"""
        fields = load(NewSubscriptionSchema(), payload)
        now = self.clock()
        created = self.store.transact(
            lambda uow: workflows.create_subscription(uow, fields, actor, now,
                                                      settings.OUTBOUND_ALLOW_LOCAL_HTTP()),
            on_duplicate=Conflict("the enterprise already has a subscription to this URL"))
        return with_secret_view.dump(created)

    @rpc
    def list_subscriptions(self, query=None, actor=None):
        params = load(SubscriptionQuerySchema(), query or {})
        result = OutboundRecords(self.store.db).subscriptions_page(
            enterprise_scope(actor, params), params)
        result["items"] = subscription_view.dump(result["items"], many=True)
        return result

    @rpc
    def get_subscription(self, subscription_id, actor=None):
        return subscription_view.dump(self.store.read(
            lambda uow: workflows.subscription(_plain(uow, self.store), subscription_id, actor)))

    @rpc
    def change_subscription(self, subscription_id, payload, actor=None):
        """payload: {"paused": true} pauses (nothing is sent or kept for it
        meanwhile), {"paused": false} resumes."""
        fields = load(SubscriptionChangeSchema(), payload)
        now = self.clock()
        return subscription_view.dump(self.store.transact(
            lambda uow: workflows.set_paused(uow, subscription_id, fields["paused"], actor,
                                             now)))

    @rpc
    def delete_subscription(self, subscription_id, actor=None):
        self.store.transact(lambda uow: workflows.delete_subscription(uow, subscription_id,
                                                                      actor))

    @rpc
    def rotate_subscription_secret(self, subscription_id, actor=None):
        now = self.clock()
        return with_secret_view.dump(self.store.transact(
            lambda uow: workflows.rotate_secret(uow, subscription_id, actor, now)))

    @rpc
    def list_deliveries(self, subscription_id, query=None, actor=None):
        """The subscription's deliveries, newest first; ?status=dead for the dead letters."""
        params = load(DeliveryQuerySchema(), query or {})
        self.get_subscription(subscription_id, actor)
        criteria = {"subscription_id": subscription_id}
        if params.get("status"):
            criteria["status"] = params["status"]
        result = OutboundRecords(self.store.db).deliveries_page(criteria, params)
        result["items"] = delivery_view.dump(result["items"], many=True)
        return result

    @rpc
    def replay_deliveries(self, subscription_id, payload, actor=None):
        """payload: {"delivery_ids": ["..."]}, or [] for every dead delivery of
        the subscription -> {"replayed": [...]}; each is tried again from its
        first attempt, with the same CloudEvent."""
        fields = load(DeliveryReplaySchema(), payload or {})
        now = utcnow()
        replayed = self.store.transact(lambda uow: workflows.replay(
            uow, subscription_id, fields["delivery_ids"], now, actor))
        self.sender.wake()
        return replay_view.dump({"replayed": replayed})


class _plain:
    """A read outside a transaction, as the workflows' ``uow``."""

    def __init__(self, reading, store):
        self.records = reading.records
        self.db = store.db
        self.session = None
