"""The outbound contract's rules, as plain Python: which enterprise an internal
event concerns and what it may know of it (the public CloudEvent), the
CloudEvent's stable id, the webhook signature, the retry schedule and when a
delivery is dead. No broker, no database (``tests/test_projects_outbound_rules.py``).
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlparse

from college_contracts import outbound
from college_platform.errors import InvalidInput
from college_platform.repository import derived_id

Document = dict[str, Any]

QUEUE, WEBHOOK = "queue", "webhook"
DELIVERIES = (QUEUE, WEBHOOK)
PENDING, DELIVERED, DEAD, CANCELLED = "pending", "delivered", "dead", "cancelled"
DELIVERY_STATUSES = (PENDING, DELIVERED, DEAD, CANCELLED)
SIGNATURE_HEADER = "X-College-Signature"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")

# internal (source, type) -> the public type it becomes
PUBLIC_TYPE = {
    ("enrollment", "application_offered"): "edu.college.application.offered.v1",
    ("enrollment", "student_enrolled"): "edu.college.student.enrolled.v1",
    ("enrollment", "enrolment_status_changed"): "edu.college.enrolment.changed.v1",
    ("enrollment", "clause_at_risk"): "edu.college.clause.at_risk.v1",
    ("projects", "placement_started"): "edu.college.placement.started.v1",
    ("projects", "placement_ended"): "edu.college.placement.ended.v1",
    ("projects", "checkin_missed"): "edu.college.checkin.missed.v1",
    ("projects", "deliverable_reviewed"): "edu.college.deliverable.reviewed.v1",
    ("certificates", "certificate_issued"): "edu.college.certificate.issued.v1",
    ("certificates", "certificate_revoked"): "edu.college.certificate.revoked.v1",
}

# what makes two announcements one fact, where the fact has a natural key: an
# event announced again under a new internal id is the same CloudEvent. Types
# without one (a status can change back and forth) key on the internal event id.
FACT_FIELDS = {
    "application_offered": ("application_id",),
    "student_enrolled": ("student_id",),
    "placement_started": ("placement_id",),
    "placement_ended": ("placement_id",),
    "checkin_missed": ("placement_id", "week_starting", "kind"),
    "certificate_issued": ("certificate_number",),
    "certificate_revoked": ("certificate_number",),
    "clause_at_risk": ("agreement_id", "clause_id", "status"),
}


@dataclass(frozen=True)
class Lookups:
    """What the rules need to know beyond the event: a project's enterprise
    (projects knows it) and a student's sponsor (from enrollment's events)."""
    project_enterprise: Callable[[str], Optional[str]]
    sponsor_of: Callable[[str], Optional[str]]


@dataclass(frozen=True)
class Outgoing:
    """One CloudEvent for one enterprise."""
    enterprise_id: str
    event: Document


def cloud_event_id(source: str, event_type: str, data: Mapping[str, Any],
                   internal_id: str) -> str:
    """The CloudEvent's id: the same for the same fact however often it is
    announced, so a receiver deduplicates on it."""
    fields = FACT_FIELDS.get(event_type)
    key = [str(data.get(name)) for name in fields] if fields else ["event", internal_id]
    return derived_id("outbound", source, event_type, *key)


def concerned(source: str, event_type: str, data: Mapping[str, Any],
              lookups: Lookups) -> list[tuple[str, Document]]:
    """The enterprises an internal event concerns, each with the data it may
    know (before the public schema cuts it down): never an event about
    another enterprise's object."""
    if event_type in ("application_offered", "student_enrolled"):
        return [(data["partner_id"], dict(data))] if data.get("partner_id") else []
    if event_type == "enrolment_status_changed":
        now, before = data.get("partner_id"), data.get("previous_partner_id")
        out = []
        if now:
            out.append((now, {**data, "sponsored": True}))
        if before and before != now:  # its student left it: the status, not where to
            out.append((before, {**data, "sponsored": False, "programme_id": None}))
        return out
    if event_type == "clause_at_risk":
        return [(data["partner_id"], dict(data))]
    if event_type in ("placement_started", "placement_ended", "checkin_missed"):
        return [(data["enterprise_id"], dict(data))]
    if event_type == "deliverable_reviewed":
        enterprise = lookups.project_enterprise(data["project_id"])
        return [(enterprise, dict(data))] if enterprise else []
    if event_type in ("certificate_issued", "certificate_revoked"):
        if data.get("candidate_kind") != "student":
            return []  # a teacher's certificate concerns no enterprise
        sponsor = lookups.sponsor_of(data["candidate_id"]) or data.get("partner_id")
        return [(sponsor, {**data, "student_id": data["candidate_id"]})] if sponsor else []
    return []


def translate(source: str, event: Mapping[str, Any], data: Mapping[str, Any],
              lookups: Lookups) -> list[Outgoing]:
    """The CloudEvents an internal event becomes, one per enterprise it concerns.
    ``data`` is the event's data loaded with its contract."""
    public_type = PUBLIC_TYPE.get((source, event["type"]))
    if public_type is None:
        return []
    _, subject_field = outbound.TYPES[public_type]
    event_id = cloud_event_id(source, event["type"], data, event["id"])
    out = []
    for enterprise_id, known in concerned(source, event["type"], data, lookups):
        public = outbound.public_data(public_type, dict(known))
        out.append(Outgoing(enterprise_id, outbound.cloud_event(
            public_type, event_id, str(public[subject_field]), event["time"], public)))
    return out


# -- webhooks ------------------------------------------------------------------

def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``X-College-Signature``: ``t=<unix seconds>,v1=<hex HMAC-SHA256 of
    "<t>." + body with the subscription's secret>``."""
    mac = hmac.new(secret.encode(), b"%d." % timestamp + body, hashlib.sha256)
    return "t=%d,v1=%s" % (timestamp, mac.hexdigest())


def internal_address(address: str) -> bool:
    """Whether an IP address is one of a private network, this machine, a link
    (cloud metadata services) or reserved: never a webhook's, which would let a
    subscriber make the platform call inside the college's network."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or \
        ip.is_multicast or ip.is_unspecified


def reachable_address(address: str, allow_local_http: bool) -> bool:
    """An address a webhook may be sent to: a public one, or this machine's
    when plain http to it is allowed (tests and development)."""
    if allow_local_http and address.split("%")[0] in ("127.0.0.1", "::1"):
        return True
    return not internal_address(address)


def check_webhook_url(url: str, allow_local_http: bool) -> None:
    """An https URL to a host outside the college's network; plain http (and
    this machine) only when allowed, for tests and development."""
    parts = urlparse(url)
    host = parts.hostname or ""
    local = host in LOCAL_HOSTS
    if parts.scheme not in ("https", "http") or not host or \
            (parts.scheme == "http" and not (local and allow_local_http)):
        raise InvalidInput("the webhook URL must be https", errors={"url": [
            "Must be an https URL."]})
    if (local and not allow_local_http) or not reachable_address(
            "127.0.0.1" if host == "localhost" else host, allow_local_http):
        raise InvalidInput("the webhook URL names an internal address", errors={"url": [
            "Must be an https URL of a host outside the college's network."]})


def retryable(status: Optional[int]) -> bool:
    """A network error (no status), a server error or 429 may pass; another
    answer (a 4xx, a redirect) would be the same next time."""
    return status is None or status == 429 or status >= 500


def backoff(attempt: int, base: float, cap: float = 3600.0) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1, 2, ...): base,
    2 base, 4 base, ... at most ``cap``."""
    return float(min(cap, base * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class Failure:
    dead: bool
    delay: float = 0.0


def after_failure(attempts: int, max_attempts: int, base: float, can_pass: bool) -> Failure:
    """What follows failed attempt number ``attempts``: another after a delay,
    or a dead letter (the last attempt, or an answer that cannot change)."""
    if not can_pass or attempts >= max_attempts:
        return Failure(dead=True)
    return Failure(dead=False, delay=backoff(attempts, base))


def schedule(max_attempts: int, base: float) -> list[float]:
    """The waits between the attempts of a delivery that always fails."""
    return [backoff(attempt, base) for attempt in range(1, max_attempts)]


QUEUE_TOKEN_BYTES = 24  # 192 random bits


def new_queue(enterprise_id: str) -> str:
    """A queue subscription's own queue, ``college.outbound.<enterprise
    id>.<token>``: a name no other enterprise can guess (it could otherwise
    learn by a passive declare, which the broker lets anyone make, whether
    the enterprise has events waiting and how many)."""
    return outbound.queue_for(enterprise_id, secrets.token_urlsafe(QUEUE_TOKEN_BYTES))


def target_of(delivery: str, queue: Optional[str], url: Optional[str]) -> str:
    """Where a subscription sends: its own queue (each queue subscription has
    one), or its URL (one subscription per enterprise and URL)."""
    return str(queue) if delivery == QUEUE else str(url)


def delivery_id(subscription_id: str, event_id: str) -> str:
    """One delivery per subscription and CloudEvent, however often it is announced."""
    return derived_id("delivery", subscription_id, event_id)
