"""The aggregated views: student 360, enterprise partner view, dashboard.

Reads come from the gateway's read models (``gateway.readmodels``), kept
current by the event handlers and the refresher below; a part the read model
lacks is fetched at request time within a deadline, and a service that does
not answer makes the response partial. See docs/views.md."""
import logging
import time

from eventlet.greenpool import GreenPool

from college_contracts import read
from college_platform.clock import configured_timer
from college_platform.envelope import utcnow
from college_platform.errors import NotFound, PermanentEventError
from college_platform.events import event_handler
from college_platform.http import JSON, dumps, json_response
from gateway import settings
from gateway.api import route
from gateway.auth import ENTERPRISE_USER, STAFF, STUDENT
from gateway.schemas import (
    DashboardQuerySchema,
    DashboardSchema,
    EnterpriseViewSchema,
    StudentViewSchema,
)
from gateway.views import (
    ENTERPRISE_VIEW,
    FACTS,
    SERVICES,
    STUDENT_VIEW,
    SweepRound,
    contribution_of,
    dashboard,
    enterprise_known,
    enterprise_view,
    facts_wait_seconds,
    stale_views,
    student_360,
    student_360_for_enterprise,
    student_known,
    student_related_to,
    time_marks,
)

log = logging.getLogger(__name__)

# whether the parts describe an object that exists (its owner, enrollment, knows it)
VIEW_EXISTS = {STUDENT_VIEW: student_known, ENTERPRISE_VIEW: enterprise_known}
SUMMARY_METHODS = {STUDENT_VIEW: "student_summaries", ENTERPRISE_VIEW: "enterprise_summaries"}
BATCH = 200  # the services' limit per summaries call
DASHBOARD_FILTERS = ("term", "programme_id", "enterprise_id")
# the parts of a student's view the sweep (a safety net) re-reads, as before events
# named every view: projects and mentors; every part of an enterprise's view
SWEPT_SERVICES = ("projects", "mentors")


def marks_stale(source, event_type):
    """An event handler that records which view parts the events made stale,
    a batch of events at a time: the marks of the whole batch are written
    together (marking twice is harmless, so a redelivered event needs no inbox)."""
    def handle(self, events):
        outcomes, marks = [], []
        for event in events:
            try:
                data = read(event)
            except PermanentEventError as exc:  # this event alone is dead-lettered
                outcomes.append(exc)
                continue
            team_members = ()
            if event_type == "team_formed":
                self.read_models.remember_team(data["team_id"], data["student_ids"])
            elif event_type == "deliverable_reviewed":
                team_members = self.read_models.team_students(data["team_id"])
            marks.extend(stale_views(source, event_type, data, team_members))
            outcomes.append(None)
        self.read_models.mark(marks, settings.VIEW_PART_MIN_INTERVAL_SECONDS())
        return outcomes
    handle.__name__ = "on_%s_%s" % (source, event_type)
    return event_handler(source, event_type, batched=True)(handle)


class ViewRoutes:

    # event handlers: one per event that changes a view ---------------------------

    on_partner_registered = marks_stale("enrollment", "partner_registered")
    on_agreement_activated = marks_stale("enrollment", "agreement_activated")
    on_agreement_changed = marks_stale("enrollment", "agreement_changed")
    on_programme_created = marks_stale("enrollment", "programme_created")
    on_quota_set = marks_stale("enrollment", "quota_set")
    on_application_offered = marks_stale("enrollment", "application_offered")
    on_student_enrolled = marks_stale("enrollment", "student_enrolled")
    on_apprentice_contract_signed = marks_stale("enrollment", "apprentice_contract_signed")
    on_tripartite_agreement_changed = marks_stale("enrollment", "tripartite_agreement_changed")
    on_enrolment_status_changed = marks_stale("enrollment", "enrolment_status_changed")
    on_graduation_requirements_set = marks_stale("enrollment", "graduation_requirements_set")
    on_destination_recorded = marks_stale("enrollment", "destination_recorded")
    on_retention_recorded = marks_stale("enrollment", "retention_recorded")
    on_employer_survey_answered = marks_stale("enrollment", "employer_survey_answered")
    on_clause_at_risk = marks_stale("enrollment", "clause_at_risk")
    on_contribution_declared = marks_stale("enrollment", "contribution_declared")
    on_valuation_rate_set = marks_stale("enrollment", "valuation_rate_set")
    on_declaration_decided = marks_stale("enrollment", "declaration_decided")
    on_project_drafted = marks_stale("projects", "project_drafted")
    on_project_published = marks_stale("projects", "project_published")
    on_project_updated = marks_stale("projects", "project_updated")
    on_team_formed = marks_stale("projects", "team_formed")
    on_team_member_removed = marks_stale("projects", "team_member_removed")
    on_deliverable_reviewed = marks_stale("projects", "deliverable_reviewed")
    on_project_completed = marks_stale("projects", "project_completed")
    on_project_status_changed = marks_stale("projects", "project_status_changed")
    on_checkin_logged = marks_stale("projects", "checkin_logged")
    on_checkin_confirmed = marks_stale("projects", "checkin_confirmed")
    on_placement_started = marks_stale("projects", "placement_started")
    on_placement_ended = marks_stale("projects", "placement_ended")
    on_checkin_missed = marks_stale("projects", "checkin_missed")
    on_feedback_submitted = marks_stale("projects", "feedback_submitted")
    on_mentor_registered = marks_stale("mentors", "mentor_registered")
    on_mentor_left = marks_stale("mentors", "mentor_left")
    on_secondment_planned = marks_stale("mentors", "secondment_planned")
    on_secondment_started = marks_stale("mentors", "secondment_started")
    on_secondment_completed = marks_stale("mentors", "secondment_completed")
    on_secondment_cancelled = marks_stale("mentors", "secondment_cancelled")
    on_timesheet_decided = marks_stale("mentors", "timesheet_decided")
    on_mentor_assigned = marks_stale("mentors", "mentor_assigned")
    on_mentor_released = marks_stale("mentors", "mentor_released")
    on_assignment_needs_reassignment = marks_stale("mentors", "assignment_needs_reassignment")
    on_double_qualified_changed = marks_stale("mentors", "double_qualified_changed")
    on_exam_registered = marks_stale("certificates", "exam_registered")
    on_registration_cancelled = marks_stale("certificates", "registration_cancelled")
    on_result_recorded = marks_stale("certificates", "result_recorded")
    on_certificate_issued = marks_stale("certificates", "certificate_issued")
    on_certificate_revoked = marks_stale("certificates", "certificate_revoked")
    on_credits_granted = marks_stale("certificates", "credits_granted")
    on_credits_reversed = marks_stale("certificates", "credits_reversed")
    on_award_granted = marks_stale("certificates", "award_granted")
    on_award_withdrawn = marks_stale("certificates", "award_withdrawn")

    # keeping the read models current -------------------------------------------------

    @configured_timer(settings.VIEW_REFRESH_INTERVAL_SECONDS)
    def refresh_views(self):
        """Refresh the stale parts, up to one batch per service and kind per tick."""
        groups = self.read_models.due(limit=4 * BATCH)
        for (kind, service), keys in sorted(groups.items()):
            if kind == FACTS:
                self._refresh_facts(service)
            else:
                self._refresh_parts(kind, service, keys[:BATCH])

    def _refresh_parts(self, kind, service, keys):
        claim = self.read_models.claim(kind, service, keys, lease_seconds=30)
        if not claim.keys:
            return
        fetched_at = utcnow()
        try:
            parts = self.call(service, SUMMARY_METHODS[kind], claim.keys,
                              deadline=settings.VIEW_REFRESH_TIMEOUT_SECONDS)
        except Exception as exc:  # the service is away or failing: try again later
            log.warning("cannot refresh %s views from %s (%s); will retry",
                        kind, service, str(exc)[:200])
            self.read_models.postpone(claim.token, settings.VIEW_RETRY_SECONDS())
            return
        self.read_models.save_parts(kind, service, parts, fetched_at)
        self.read_models.schedule(time_marks(kind, service, parts, fetched_at), claim.token)
        self.read_models.release(claim.token)
        if claim.by_time:
            self.read_models.mark([(FACTS, "all", service)])

    def _refresh_facts(self, service):
        """Facts are whole-service aggregates: refreshed at most every few
        seconds, and less often when they take long to read (``facts_wait_seconds``)."""
        last, read_seconds = self.read_models.facts_checked(service)
        wait = facts_wait_seconds(read_seconds, settings.FACTS_MIN_INTERVAL_SECONDS(),
                                  settings.FACTS_MAX_SHARE())
        if last is not None and (utcnow() - last).total_seconds() < wait:
            return
        claim = self.read_models.claim(FACTS, service, ["all"], lease_seconds=60)
        if not claim.keys:
            return
        fetched_at, started = utcnow(), time.monotonic()
        try:
            rows = self.call(service, "indicator_facts",
                             deadline=settings.VIEW_REFRESH_TIMEOUT_SECONDS)
        except Exception as exc:
            log.warning("cannot refresh %s indicator facts (%s); will retry",
                        service, str(exc)[:200])
            self.read_models.postpone(claim.token, settings.VIEW_RETRY_SECONDS())
            return
        self.read_models.save_facts(service, rows, fetched_at, time.monotonic() - started)
        self.read_models.release(claim.token)

    @configured_timer(settings.VIEW_SWEEP_INTERVAL_SECONDS)
    def sweep_views(self):
        """A slow round of the stored views and the facts: a safety net, since
        every change is announced by an event naming the views it changes, and
        a part that changes with time alone is read again when it does
        (``time_marks``). A lost marker or a missed event still reaches the
        views within a bounded time, as do the parts of a refresh whose
        gateway died before storing them (its lease expired)."""
        self.read_models.recover_leases()
        marks = [(FACTS, "all", service) for service in SERVICES]
        batch = settings.VIEW_SWEEP_BATCH()
        interval = settings.VIEW_SWEEP_INTERVAL_SECONDS()
        round_seconds = settings.VIEW_SWEEP_ROUND_SECONDS()
        for kind in (STUDENT_VIEW, ENTERPRISE_VIEW):
            sweep = self.read_models.sweeps.setdefault(kind, SweepRound())
            keys = sweep.next_keys(lambda: self.read_models.all_keys(kind),
                                   lambda chosen: self.read_models.existing_keys(kind, chosen),
                                   interval, round_seconds, batch)
            services = SWEPT_SERVICES if kind == STUDENT_VIEW else SERVICES
            marks.extend((kind, key, service) for key in keys for service in services)
        self.read_models.mark(marks)

    # reading -----------------------------------------------------------------------

    def _view_parts(self, kind, key, stored):
        """The stored parts, completed at request time for the services whose
        part the read model lacks: ``(parts, as_of, missing)``. What was
        fetched is stored only for a view that exists: a read of an unknown id
        leaves nothing behind (nothing the sweep would refresh forever)."""
        parts, as_of = dict(stored["parts"]), dict(stored["as_of"])
        lacking = [service for service in SERVICES if service not in parts]
        missing, fetched = [], []
        if lacking:
            def fetch(service):
                fetched_at = utcnow()
                try:
                    answer = self.call(service, SUMMARY_METHODS[kind], [key],
                                       deadline=settings.VIEW_LIVE_TIMEOUT_SECONDS)
                    return service, fetched_at, answer.get(key, {})
                except Exception as exc:  # a slow, dead or failing service
                    log.info("view %s %s: %s part unavailable (%s)", kind, key, service, exc)
                    return service, fetched_at, None
            for service, fetched_at, part in GreenPool(len(lacking)).imap(fetch, lacking):
                if part is None:
                    missing.append(service)
                    continue
                parts[service] = part
                as_of[service] = fetched_at.isoformat()
                fetched.append((service, part, fetched_at))
        if fetched and VIEW_EXISTS[kind](parts):
            for service, part, fetched_at in fetched:
                self.read_models.save_parts(kind, service, {key: part}, fetched_at)
                self.read_models.schedule(time_marks(kind, service, {key: part}, fetched_at))
        return parts, as_of, missing

    @route("GET", "/v1/students/<student_id>/360", roles=STAFF + (STUDENT, ENTERPRISE_USER),
           summary="Student 360: everything about one student, with a risk flag",
           response=StudentViewSchema)
    def student_360(self, request, student_id):
        """Staff see the whole view; a student their own; an enterprise the
        part that concerns it, of a student it sponsors or hosts
        (``student_360_for_enterprise``). Who may read is decided before any
        service is asked: an enterprise from the read model alone."""
        principal = request.principal
        if principal.role == STUDENT and principal.student_id != student_id:
            raise NotFound("student %s does not exist" % student_id)
        stored = self.read_models.view(STUDENT_VIEW, student_id)
        if principal.is_enterprise and \
                not student_related_to(stored["parts"], principal.enterprise_id):
            raise NotFound("student %s does not exist" % student_id)
        parts, as_of, missing = self._view_parts(STUDENT_VIEW, student_id, stored)
        if "enrollment" not in missing and not student_known(parts):
            raise NotFound("student %s does not exist" % student_id)
        view = student_360(student_id, parts, as_of, missing)
        if principal.is_enterprise:
            view = student_360_for_enterprise(view, principal.enterprise_id)
        return json_response(200, view)

    @route("GET", "/v1/enterprises/<enterprise_id>/view", roles=STAFF + (ENTERPRISE_USER,),
           summary="Enterprise partner view, with its contribution index",
           response=EnterpriseViewSchema)
    def enterprise_view(self, request, enterprise_id):
        principal = request.principal
        if principal.is_enterprise and principal.enterprise_id != enterprise_id:
            raise NotFound("enterprise %s does not exist" % enterprise_id)
        parts, as_of, missing = self._view_parts(
            ENTERPRISE_VIEW, enterprise_id, self.read_models.view(ENTERPRISE_VIEW, enterprise_id))
        if "enrollment" not in missing and not enterprise_known(parts):
            raise NotFound("enterprise %s does not exist" % enterprise_id)
        contribution = contribution_of(self._dashboard({})[0], enterprise_id)
        return json_response(200, enterprise_view(enterprise_id, parts, as_of, missing,
                                                  contribution))

    @route("GET", "/v1/dashboard", roles=STAFF,
           summary="College dashboard of integration indicators (filters: term, "
                   "programme_id, enterprise_id)",
           query=DashboardQuerySchema, response=DashboardSchema)
    def college_dashboard(self, request):
        filters = {name: request.args[name] for name in DASHBOARD_FILTERS if request.args.get(name)}
        _, body = self._dashboard(filters)
        return 200, {"Content-Type": JSON}, body

    def _dashboard(self, filters):
        """``(view, its JSON)``, computed once per filters and version of the
        facts: the dashboard is read far more often than the facts change."""
        facts, fetched = self.read_models.facts()
        key = (tuple(sorted(filters.items())), tuple(sorted(fetched.items())))
        memo = self.read_models.dashboards
        cached = memo.get(key)
        if cached is None:
            cached = dashboard(facts, filters)
            names = self.read_models.names_of(row["enterprise_id"]
                                              for row in cached["contribution"])
            for row in cached["contribution"]:
                row["name"] = names.get(row["enterprise_id"])
            missing = [service for service in SERVICES if service not in facts]
            cached.update(partial=bool(missing), missing=missing, as_of=fetched)
            if len(memo) > 1024:
                memo.clear()
            memo[key] = cached = (cached, dumps(cached))
        return cached
