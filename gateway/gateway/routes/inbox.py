"""Every user's inbox: notifications made from the services' events
(``gateway.notifications`` decides who is told what, ``gateway.inbox`` keeps
them), the routes that read them and mark them read or unread, the sweep
that reminds before a due time, and their e-mail (``gateway.mail``) to the
users who asked for it. See docs/notifications.md."""
import logging
from datetime import datetime

from college_contracts import read
from college_platform.clock import configured_timer, current_time
from college_platform.envelope import utcnow
from college_platform.errors import PermanentEventError
from college_platform.events import event_handler
from college_platform.http import json_response
from college_platform.repository import page
from college_platform.validation import load
from gateway import inbox, mail, settings, users
from gateway.api import Page, route
from gateway.auth import ADMIN, ROLES
from gateway.notifications import Raise, audiences_of, changes_for
from gateway.schemas import (
    InboxQuerySchema,
    MailPreferencesSchema,
    MarkedCountSchema,
    NotificationSchema,
    OutgoingMailQuerySchema,
    OutgoingMailSchema,
    UnreadCountSchema,
)

log = logging.getLogger(__name__)
notification_view = NotificationSchema()


def notifies(source, event_type):
    """A batched event handler turning each event into inbox changes, the
    batch's written together. Every write is an upsert keyed by the fact, so a
    redelivered event, or the same fact under a new event id, changes nothing."""
    def handle(self, events):
        outcomes, changes = [], []
        for event in events:
            try:
                data = read(event)
                at = datetime.fromisoformat(event["time"])
            except (PermanentEventError, ValueError) as exc:  # this event alone: dead letter
                outcomes.append(exc if isinstance(exc, PermanentEventError)
                                else PermanentEventError(str(exc)))
                continue
            changes.extend((change, at) for change in changes_for(source, event_type, data, at))
            outcomes.append(None)
        inbox.apply(self.store.db, changes)
        if settings.SMTP_HOST():
            for change, at in changes:
                if isinstance(change, Raise):
                    queue_mail(self.store.db, change.id, "raised-%d" % change.raised, at)
        return outcomes
    handle.__name__ = "notify_on_%s_%s" % (source, event_type)
    return event_handler(source, event_type, batched=True)(handle)


def queue_mail(db, notification_id, telling, now, reminder=False):
    """E-mail of one telling of a notification still open (gateway.mail)."""
    notification = db[inbox.COLLECTION].find_one({"_id": notification_id})
    if notification and not notification.get("done"):
        mail.enqueue(db, notification, telling, now, reminder=reminder)


def smtp_settings():
    return mail.SmtpSettings(
        host=settings.SMTP_HOST(), port=settings.SMTP_PORT(), username=settings.SMTP_USERNAME(),
        password=mail.checked_password(settings.SMTP_PASSWORD()), sender=settings.SMTP_FROM(),
        starttls=settings.SMTP_STARTTLS())


def audiences(request):
    principal = request.principal
    return audiences_of(principal.role, principal.enterprise_id, principal.student_id,
                        principal.mentor_id)


class InboxRoutes:

    # one handler per event that notifies or settles (gateway.notifications.RULES)
    notify_on_timesheet_submitted = notifies("mentors", "timesheet_submitted")
    notify_on_timesheet_decided = notifies("mentors", "timesheet_decided")
    notify_on_checkin_missed = notifies("projects", "checkin_missed")
    notify_on_checkin_logged = notifies("projects", "checkin_logged")
    notify_on_checkin_confirmed = notifies("projects", "checkin_confirmed")
    notify_on_clause_at_risk = notifies("enrollment", "clause_at_risk")
    notify_on_offer_decision_recorded = notifies("enrollment", "offer_decision_recorded")
    notify_on_contribution_declared = notifies("enrollment", "contribution_declared")
    notify_on_declaration_decided = notifies("enrollment", "declaration_decided")
    notify_on_employer_survey_reminder = notifies("enrollment", "employer_survey_reminder")
    notify_on_employer_survey_answered = notifies("enrollment", "employer_survey_answered")

    @configured_timer(settings.NOTIFICATION_SWEEP_SECONDS)
    def remind_before_due(self):
        """Each open notification, once, ``NOTIFICATION_REMINDER_HOURS`` before its due time."""
        now = current_time()
        reminded = inbox.remind(self.store.db, now, settings.NOTIFICATION_REMINDER_HOURS())
        if reminded:
            log.info("reminded of %d notifications due soon", len(reminded))
        if settings.SMTP_HOST():
            for notification_id in reminded:
                queue_mail(self.store.db, notification_id, "reminder", now, reminder=True)

    @configured_timer(settings.MAIL_SEND_INTERVAL_SECONDS)
    def send_mail(self):
        """Send the queued e-mail that is due; a failure waits and is retried,
        then given up with its reason (``GET /v1/outgoing-mail``)."""
        if not settings.SMTP_HOST():
            return
        smtp = smtp_settings()
        db = self.store.db
        for message in mail.claim(db, utcnow(), settings.MAIL_BATCH()):
            notification = db[inbox.COLLECTION].find_one({"_id": message["notification_id"]}) \
                or {"_id": message["notification_id"]}
            error = None
            try:
                mail.send(smtp, mail.compose(notification, message["to"], smtp.sender,
                                             settings.CONSOLE_URL(), message.get("reminder")))
            except Exception as exc:  # the server refused, is away or timed out: retry
                error = "%s: %s" % (type(exc).__name__, exc)
            outcome = mail.settle(db, message, error, utcnow(), settings.MAIL_MAX_ATTEMPTS(),
                                  settings.MAIL_RETRY_SECONDS())
            if error:
                log.warning("e-mail %s not sent (%s): %s", message["_id"], outcome, error[:200])

    # the caller's own address, of nobody else: not masked (gateway.privacy)
    @route("GET", "/v1/me/notifications", roles=ROLES, response=MailPreferencesSchema,
           personal_data=False,
           summary="Your e-mail address and whether your notifications are e-mailed to it")
    def my_mail_preferences(self, request):
        user = users.get_user(self.store.db, request.principal.subject)
        return json_response(200, MailPreferencesSchema().dump(
            {"email": user.get("email"),
             "email_notifications": bool(user.get("email_notifications"))}))

    @route("PUT", "/v1/me/notifications", roles=ROLES, audit="account",
           body=MailPreferencesSchema, response=MailPreferencesSchema, personal_data=False,
           summary="Set your e-mail address and whether your notifications are e-mailed")
    def set_my_mail_preferences(self, request):
        """{"email": "zhang.wei@example.cn", "email_notifications": true}"""
        request.audit_details = {"action": "mail_preferences"}
        fields = load(MailPreferencesSchema(), request.json_body)
        user = users.set_mail_preferences(self.store.db, request.principal.subject, fields)
        return json_response(200, MailPreferencesSchema().dump(
            {"email": user.get("email"),
             "email_notifications": bool(user.get("email_notifications"))}))

    @route("GET", "/v1/outgoing-mail", roles=(ADMIN,), query=OutgoingMailQuerySchema,
           summary="The e-mail of notifications: queued, sent and given up, with the reason",
           response=Page(OutgoingMailSchema))
    def list_outgoing_mail(self, request):
        params = load(OutgoingMailQuerySchema(), dict(request.args))
        query = {"status": params["status"]} if "status" in params else {}
        found = page(self.store.db[mail.COLLECTION], query, params["offset"], params["limit"])
        found["items"] = OutgoingMailSchema().dump(found["items"], many=True)
        return json_response(200, found)

    @route("GET", "/v1/inbox", roles=ROLES, query=InboxQuerySchema,
           summary="Your notifications, the most recently raised first (filters: unread, open)",
           response=Page(NotificationSchema))
    def list_inbox(self, request):
        params = load(InboxQuerySchema(), dict(request.args))
        found = inbox.page(self.store.db, audiences(request), request.principal.subject, params)
        found["items"] = notification_view.dump(found["items"], many=True)
        return json_response(200, found)

    @route("GET", "/v1/inbox/unread-count", roles=ROLES, response=UnreadCountSchema,
           summary="How many of your notifications you have not read")
    def inbox_unread_count(self, request):
        return json_response(200, {"unread": inbox.unread_count(
            self.store.db, audiences(request), request.principal.subject)})

    @route("POST", "/v1/inbox/<notification_id>/read", roles=ROLES,
           response=NotificationSchema, summary="Mark one of your notifications read")
    def mark_notification_read(self, request, notification_id):
        return json_response(200, notification_view.dump(inbox.mark(
            self.store.db, audiences(request), request.principal.subject, notification_id,
            read=True)))

    @route("POST", "/v1/inbox/<notification_id>/unread", roles=ROLES,
           response=NotificationSchema, summary="Mark one of your notifications unread")
    def mark_notification_unread(self, request, notification_id):
        return json_response(200, notification_view.dump(inbox.mark(
            self.store.db, audiences(request), request.principal.subject, notification_id,
            read=False)))

    @route("POST", "/v1/inbox/read-all", roles=ROLES, response=MarkedCountSchema,
           summary="Mark all your notifications read")
    def mark_inbox_read(self, request):
        return json_response(200, {"marked": inbox.mark_all_read(
            self.store.db, audiences(request), request.principal.subject)})

