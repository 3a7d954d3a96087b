"""Every user's inbox: notifications made from the services' events
(``gateway.notifications`` decides who is told what, ``gateway.inbox`` keeps
them), the routes that read them and mark them read or unread, and the sweep
that reminds before a due time. See docs/notifications.md."""
import logging
from datetime import datetime

from college_contracts import read
from college_platform.clock import configured_timer, current_time
from college_platform.errors import PermanentEventError
from college_platform.events import event_handler
from college_platform.http import json_response
from college_platform.validation import load
from gateway import inbox, settings
from gateway.api import Page, route
from gateway.auth import ROLES
from gateway.notifications import audiences_of, changes_for
from gateway.schemas import (
    InboxQuerySchema,
    MarkedCountSchema,
    NotificationSchema,
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
        return outcomes
    handle.__name__ = "notify_on_%s_%s" % (source, event_type)
    return event_handler(source, event_type, batched=True)(handle)


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
    notify_on_employer_survey_reminder = notifies("enrollment", "employer_survey_reminder")
    notify_on_employer_survey_answered = notifies("enrollment", "employer_survey_answered")

    @configured_timer(settings.NOTIFICATION_SWEEP_SECONDS)
    def remind_before_due(self):
        """Each open notification, once, ``NOTIFICATION_REMINDER_HOURS`` before its due time."""
        reminded = inbox.remind(self.store.db, current_time(),
                                settings.NOTIFICATION_REMINDER_HOURS())
        if reminded:
            log.info("reminded of %d notifications due soon", len(reminded))

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

