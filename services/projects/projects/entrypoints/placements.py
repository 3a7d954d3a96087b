"""Placements, their weekly check-ins, and the alerts of missed ones."""
import logging

from pymongo.errors import DuplicateKeyError

from college_platform.clock import configured_timer
from college_platform.errors import Conflict
from college_platform.repository import filters
from college_platform.rpc import rpc
from college_platform.validation import PageQuerySchema, load
from projects import settings, workflows
from projects.entrypoints import grace_days, paged
from projects.schemas import (
    AlertQuerySchema,
    AlertSchema,
    CheckinSchema,
    CheckinViewSchema,
    ConfirmationSchema,
    EndPlacementSchema,
    NewPlacementSchema,
    PlacementQuerySchema,
    PlacementSchema,
    SweepSchema,
)

log = logging.getLogger("projects.service")

placement_view = PlacementSchema()
checkin_view = CheckinViewSchema()
alert_view = AlertSchema()


class PlacementsEntrypoints:

    @rpc
    def start_placement(self, payload, actor=None):
        """Place an active student at a partner enterprise; announces
        ``placement_started``.

        payload: {"student_id": "...", "enterprise_id": "...", "site": "苏州工业园区二号厂房",
                  "supervisor_name": "王建国", "starts_on": "2027-03-01",
                  "ends_on": "2027-06-30", "kind": "internship"}
        """
        fields = load(NewPlacementSchema(), payload)
        now = self.clock()
        placement = self.store.transact(
            lambda uow: workflows.start_placement(uow, fields, now, grace_days(), actor))
        return placement_view.dump(placement)

    @rpc
    def get_placement(self, placement_id, actor=None):
        return placement_view.dump(self.store.transact(
            lambda uow: workflows.visible_placement(uow, placement_id, actor)))

    @rpc
    def list_placements(self, query=None):
        """query: {"student_id": "...", "enterprise_id": "...", "status": "active"}"""
        params = load(PlacementQuerySchema(), query or {})
        return paged(self.store, "placements",
                     filters(params, "student_id", "enterprise_id", "status"),
                     params, placement_view)

    @rpc
    def log_checkin(self, placement_id, payload, actor=None):
        """The student's weekly check-in (week starting on a Monday).

        payload: {"week_starting": "2027-03-08", "hours": 38.5,
                  "summary": "完成工位点检与视觉标定"}
        """
        fields = load(CheckinSchema(), payload)
        now = self.clock()
        checkin = self.store.transact(
            lambda uow: workflows.log_checkin(uow, placement_id, fields, actor, now),
            on_duplicate=Conflict("this week is already logged", field="week_starting"))
        return checkin_view.dump(checkin)

    @rpc
    def confirm_checkin(self, placement_id, week_starting, payload=None, actor=None):
        """The supervisor confirms a logged week; its hours count towards the
        placement. payload: {"comment": "属实"}"""
        load(ConfirmationSchema(), payload if payload is not None else {})
        week = load(CheckinSchema(only=("week_starting",)), {"week_starting": week_starting})
        now = self.clock()
        checkin = self.store.transact(lambda uow: workflows.confirm_checkin(
            uow, placement_id, str(week["week_starting"]), actor, now))
        return checkin_view.dump(checkin)

    @rpc
    def list_checkins(self, placement_id, query=None, actor=None):
        params = load(PageQuerySchema(), query or {})
        self.store.transact(lambda uow: workflows.visible_placement(uow, placement_id, actor))
        return paged(self.store, "checkins", {"placement_id": placement_id}, params,
                     checkin_view)

    @rpc
    def end_placement(self, placement_id, payload, actor=None):
        """End a placement; before its planned end it needs a reason.
        Announces ``placement_ended`` with the confirmed hours.

        payload: {"ended_on": "2027-05-14", "reason": "学生因病休学"}
        """
        fields = load(EndPlacementSchema(), payload)
        now = self.clock()
        placement = self.store.transact(lambda uow: workflows.end_placement(
            uow, placement_id, fields["ended_on"], fields["reason"], actor, now, grace_days()))
        return placement_view.dump(placement)

    @rpc
    def list_checkin_alerts(self, query=None):
        """query: {"placement_id": "...", "student_id": "...", "enterprise_id": "..."}"""
        params = load(AlertQuerySchema(), query or {})
        return paged(self.store, "checkin_alerts",
                     filters(params, "placement_id", "student_id", "enterprise_id"),
                     params, alert_view)

    # eager: a service that starts after an outage judges the weeks it missed at once
    @configured_timer(settings.CHECKIN_SWEEP_SECONDS, eager=True)
    def sweep_checkins_on_timer(self):
        self._sweep(self.clock())

    @rpc
    def sweep_checkins(self, payload=None):
        """Raise the missed check-ins as of now (or ``as_of``); safe to run
        any number of times. payload: {"as_of": "2027-04-01T09:00:00+08:00"}
        -> {"alerts": 2}"""
        fields = load(SweepSchema(), payload or {})
        return {"alerts": self._sweep(fields["as_of"] or self.clock())}

    def _sweep(self, now):
        today = now.date()
        grace = grace_days()
        raised = 0
        # placements with weeks still to judge, however long the sweeps were stopped
        for placement_id in self.store.reading().records.placements_to_sweep():
            try:
                raised += len(self.store.transact(lambda uow: workflows.raise_missed_checkins(
                    uow, placement_id, today, grace, now)))
            except DuplicateKeyError:  # another instance raised it first: nothing to add
                continue
        if raised:
            log.info("raised %d missed check-in alert(s) as of %s", raised, today)
        return raised
