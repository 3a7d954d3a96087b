"""E-mail of notifications, for the users who gave an address and asked for it.

A deployment plugs its mail server in with the ``SMTP_*`` settings; with no
``SMTP_HOST`` nothing is queued or sent. Each notification raised (and raised
again, and each reminder) queues one message per opted-in user of its audience,
in the gateway's database (``outgoing_mail``), with an id derived from the
notification, its telling and the user: the same event twice queues one. A
sender takes due messages under a lease (a crash while sending leaves the
message to be taken again when its lease ends), sends each through SMTP, and on
a failure retries with a doubling wait; after ``MAIL_MAX_ATTEMPTS`` the message
is given up with its reason, which administrators read at
``GET /v1/outgoing-mail``.

The message is worded in Chinese and English from the notification's kind (the
console words its details); it links to the console's inbox.
"""
from __future__ import annotations

import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from nameko.extensions import DependencyProvider
from pymongo import ASCENDING, IndexModel
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from college_platform.secret_settings import placeholder_reason
from gateway import settings

COLLECTION = "outgoing_mail"
INDEXES = [IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)], name="due"),
           IndexModel([("created_at", ASCENDING)], name="by_created")]
STATUSES = ("queued", "sending", "sent", "failed")
LEASE = timedelta(seconds=120)

# the kind's title in both languages (the console's catalogues word the details)
TITLES = {
    "timesheet_to_decide": ("工时待审批", "Hours to approve"),
    "checkin_missed": ("实习签到缺失", "A placement check-in is missing"),
    "clause_at_risk": ("合作协议条款有风险", "An agreement clause is at risk"),
    "survey_due": ("雇主问卷待填写", "An employer survey waits for your answer"),
    "offer_to_approve": ("录取待审批", "An offer waits for your approval"),
    "declaration_to_confirm": ("企业投入待确认", "A declared contribution waits for confirmation"),
}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str
    password: str
    sender: str
    starttls: bool
    timeout: float = 10.0


class MailSettingRefused(ValueError):
    """A mail setting the gateway must not start with."""


def checked_password(password: str) -> str:
    """``SMTP_PASSWORD`` unless it is a placeholder (it is a secret: never logged)."""
    reason = placeholder_reason(password, whole_values=True) if password else None
    if reason:
        raise MailSettingRefused("SMTP_PASSWORD %s" % reason)
    return password


class MailSettingsCheck(DependencyProvider):
    """Stops the gateway at start on a placeholder ``SMTP_PASSWORD`` when a
    mail server is set, as a placeholder secret stops it."""

    def setup(self) -> None:
        if settings.SMTP_HOST():
            checked_password(settings.SMTP_PASSWORD())


def recipients_query(audience: Sequence[str]) -> dict[str, Any] | None:
    """The accounts of ``audience`` who asked for e-mail and gave an address."""
    alternatives: list[dict[str, Any]] = []
    for key in audience:
        kind, _, value = key.partition(":")
        if kind == "role":
            alternatives.append({"role": value})
        elif kind == "enterprise":
            alternatives.append({"role": "enterprise_user", "enterprise_id": value})
        elif kind == "student":
            alternatives.append({"role": "student", "student_id": value})
        elif kind == "mentor":
            alternatives.append({"role": "teacher", "mentor_id": value})
    if not alternatives:
        return None
    return {"$or": alternatives, "email_notifications": True,
            "email": {"$nin": [None, ""]}, "disabled": {"$ne": True}}


def compose(notification: Mapping[str, Any], to: str, sender: str, console_url: str,
            reminder: bool = False) -> EmailMessage:
    chinese, english = TITLES.get(notification.get("kind", ""), ("新通知", "A new notification"))
    message = EmailMessage()
    prefix = ("提醒：", "Reminder: ") if reminder else ("", "")
    message["Subject"] = "%s%s / %s%s" % (prefix[0], chinese, prefix[1], english)
    message["From"] = sender
    message["To"] = to
    link = console_url.rstrip("/") + "/#/inbox" if console_url else ""
    lines = ["%s%s" % (prefix[0], chinese), "%s%s" % (prefix[1], english), ""]
    if link:
        lines += ["查看 / Open: %s" % link]
    message.set_content("\n".join(lines) + "\n")
    return message


def enqueue(db: Database, notification: Mapping[str, Any], telling: str, now: datetime,
            reminder: bool = False) -> int:
    """One message per opted-in user of the notification's audience for this
    ``telling`` (``raised-<n>`` or ``reminder``); queued once whatever the
    number of calls. How many were newly queued."""
    query = recipients_query(notification.get("audience") or [])
    if query is None:
        return 0
    queued = 0
    for user in db.users.find(query, {"email": 1}):
        document = {"_id": "%s:%s:%s" % (notification["_id"], telling, user["_id"]),
                    "notification_id": notification["_id"], "username": user["_id"],
                    "to": user["email"], "reminder": reminder, "status": "queued",
                    "attempts": 0, "next_attempt_at": now, "created_at": now,
                    "last_error": None}
        try:
            db[COLLECTION].insert_one(document)
            queued += 1
        except DuplicateKeyError:
            continue
    return queued


def backoff(attempts: int, base_seconds: float) -> timedelta:
    """The wait after the ``attempts``-th failure: base, twice that, four times..."""
    return timedelta(seconds=base_seconds * 2 ** max(0, attempts - 1))


def claim(db: Database, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Due messages, each taken under a lease by this sender alone."""
    due = db[COLLECTION].find(
        {"$or": [{"status": "queued", "next_attempt_at": {"$lte": now}},
                 {"status": "sending", "lease_until": {"$lt": now}}]}).limit(limit)
    taken = []
    for document in due:
        result = db[COLLECTION].update_one(
            {"_id": document["_id"], "status": document["status"],
             "attempts": document["attempts"]},
            {"$set": {"status": "sending", "lease_until": now + LEASE}})
        if result.modified_count:
            taken.append(document)
    return taken


def settle(db: Database, document: Mapping[str, Any], error: str | None, now: datetime,
           max_attempts: int, base_seconds: float) -> str:
    """Record one attempt's outcome: sent, queued again after a wait, or failed."""
    attempts = int(document.get("attempts", 0)) + 1
    if error is None:
        changes: dict[str, Any] = {"status": "sent", "sent_at": now, "attempts": attempts}
    elif attempts >= max_attempts:
        changes = {"status": "failed", "failed_at": now, "attempts": attempts,
                   "last_error": error[:500]}
    else:
        changes = {"status": "queued", "attempts": attempts, "last_error": error[:500],
                   "next_attempt_at": now + backoff(attempts, base_seconds)}
    db[COLLECTION].update_one({"_id": document["_id"]}, {"$set": changes,
                                                          "$unset": {"lease_until": ""}})
    return str(changes["status"])


def send(smtp: SmtpSettings, message: EmailMessage) -> None:
    """One message through the mail server; an exception says why it was not sent."""
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.username:
            server.login(smtp.username, smtp.password)
        server.send_message(message)
