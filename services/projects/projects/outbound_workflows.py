"""The outbound contract's use cases: subscriptions (who wants which events,
delivered how) and the deliveries an internal event becomes. Plain functions
of a unit of work, as ``projects.workflows``."""
from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Optional

from college_platform.actors import Actor, check_visible
from college_platform.errors import NotFound
from college_platform.repository import new_id
from projects import outbound
from projects.outbound_records import OutboundRecords

Document = dict[str, Any]


def records_of(uow: Any) -> OutboundRecords:
    return OutboundRecords(uow.db, uow.session)


def new_secret() -> str:
    """A webhook's signing secret: 256 random bits, shown once."""
    return "whsec_" + secrets.token_urlsafe(32)


def create_subscription(uow: Any, fields: Mapping[str, Any], actor: Actor, now: datetime,
                        allow_local_http: bool) -> Document:
    """A subscription for the enterprise (an enterprise user's own: the gateway
    decides it), with a webhook's secret in the answer only. A queue
    subscription gets a queue of its own, its name unguessable (``queue``)."""
    enterprise_id = fields["enterprise_id"]
    check_visible(actor, "enterprise", enterprise_id, enterprise_id)
    if uow.records.partner(enterprise_id) is None:
        raise NotFound("enterprise %s does not exist" % enterprise_id)
    delivery = fields["delivery"]
    url = fields.get("url")
    if delivery == outbound.WEBHOOK:
        outbound.check_webhook_url(url or "", allow_local_http)
    queue = outbound.new_queue(enterprise_id) if delivery == outbound.QUEUE else None
    subscription = {
        "_id": new_id(), "enterprise_id": enterprise_id,
        "event_types": sorted(set(fields["event_types"])), "delivery": delivery,
        "url": url if delivery == outbound.WEBHOOK else None, "queue": queue,
        "target": outbound.target_of(delivery, queue, url),
        "paused": False, "created_at": now, "created_by": (actor or {}).get("username"),
    }
    secret = new_secret() if delivery == outbound.WEBHOOK else None
    records_of(uow).add_subscription({**subscription, "secret": secret})
    return {**subscription, "secret": secret}


def subscription(uow: Any, subscription_id: str, actor: Actor) -> Document:
    found = records_of(uow).subscription(subscription_id)
    check_visible(actor, "subscription", subscription_id, found["enterprise_id"])
    return found


def set_paused(uow: Any, subscription_id: str, paused: bool, actor: Actor,
               now: datetime) -> Document:
    """A paused subscription is sent nothing: events while it is paused are not
    kept for it, and what waited is cancelled."""
    found = subscription(uow, subscription_id, actor)
    records = records_of(uow)
    records.update_subscription(subscription_id, {"paused": paused, "changed_at": now})
    if paused:
        records.cancel_pending(subscription_id, "the subscription was paused")
    return {**found, "paused": paused, "changed_at": now}


def delete_subscription(uow: Any, subscription_id: str, actor: Actor) -> None:
    subscription(uow, subscription_id, actor)
    records = records_of(uow)
    records.cancel_pending(subscription_id, "the subscription was deleted")
    records.delete_subscription(subscription_id)


def rotate_secret(uow: Any, subscription_id: str, actor: Actor, now: datetime) -> Document:
    """A new secret for a webhook; the old one signs nothing from now on."""
    found = subscription(uow, subscription_id, actor)
    if found["delivery"] != outbound.WEBHOOK:
        raise NotFound("subscription %s has no webhook secret" % subscription_id)
    secret = new_secret()
    records_of(uow).update_subscription(subscription_id,
                                        {"secret": secret, "secret_rotated_at": now})
    return {**found, "secret": secret, "secret_rotated_at": now}


def replay(uow: Any, subscription_id: str, delivery_ids: Sequence[str], now: datetime,
           actor: Actor) -> list[str]:
    """Dead deliveries of the subscription (these, or all) tried again from
    the first attempt, with the same CloudEvent."""
    subscription(uow, subscription_id, actor)
    return records_of(uow).revive(subscription_id, list(delivery_ids), now)


def lookups(uow: Any) -> outbound.Lookups:
    def project_enterprise(project_id: str) -> Optional[str]:
        project = uow.records.find_project(project_id)
        return project["enterprise_id"] if project else None

    def sponsor_of(student_id: str) -> Optional[str]:
        student = uow.records.student(student_id)
        return (student or {}).get("partner_id")

    return outbound.Lookups(project_enterprise, sponsor_of)


def record_outgoing(uow: Any, source: str, events: Sequence[tuple[Mapping[str, Any], Any]],
                    now: datetime) -> int:
    """The deliveries the events become: for each (event, loaded data), each
    CloudEvent to each running subscription of its enterprise that wants its
    type. Returns how many were kept (an event announced again adds none)."""
    outgoing = [item for event, data in events
                for item in outbound.translate(source, event, data, lookups(uow))]
    if not outgoing:
        return 0
    records = records_of(uow)
    subscribers = records.subscribers([item.enterprise_id for item in outgoing])
    deliveries = []
    for item in outgoing:
        for sub in subscribers:
            if sub["enterprise_id"] == item.enterprise_id and \
                    item.event["type"] in sub["event_types"]:
                deliveries.append({
                    "_id": outbound.delivery_id(sub["_id"], item.event["id"]),
                    "subscription_id": sub["_id"], "enterprise_id": item.enterprise_id,
                    "delivery": sub["delivery"], "event_id": item.event["id"],
                    "type": item.event["type"], "subject": item.event["subject"],
                    "event": item.event, "status": outbound.PENDING, "attempts": 0,
                    "created_at": now, "announced_at": item.event["time"],
                    "next_attempt_at": now, "lease_until": now})
    records.add_deliveries(deliveries)
    return len(deliveries)
