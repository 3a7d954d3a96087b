"""The calendar: secondments starting and completing on their dates,
double-qualified reviews as the window slides, and vacant slots retried."""
import logging

from college_platform.clock import configured_timer
from college_platform.rpc import rpc
from college_platform.validation import load
from mentors import settings, workflows
from mentors.domain import ACTIVE, COMPLETED
from mentors.schemas import SweepSchema

log = logging.getLogger("mentors.service")

SWEEP_BATCH = 200  # per kind of work and tick; the next tick takes the rest


class CalendarEntrypoints:

    @configured_timer(settings.SWEEP_INTERVAL_SECONDS)
    def calendar_tick(self):
        self._sweep(self.clock.today())

    @rpc
    def run_sweep(self, payload=None):
        """Run the calendar sweep now, or "as of" a date (operations and
        tests): {"as_of": "2032-03-01"} -> counts of what changed."""
        fields = load(SweepSchema(), payload or {})
        return self._sweep(fields["as_of"] or self.clock.today())

    def _sweep(self, today):
        """Start and complete secondments on their dates, recompute the
        teachers whose window has slid, and retry vacant slots. Each item is
        its own idempotent transaction, so two instances may sweep at once."""
        records, rule, day = self.records, self.rule, today.isoformat()
        counts = {"started": 0, "completed": 0, "reviewed": 0, "filled": 0}
        for secondment_id in records.secondment_ids_due(day, SWEEP_BATCH):
            moves = self.store.transact(lambda uow, sid=secondment_id:
                                        workflows.advance_secondment(uow, sid, today, rule))
            counts["started"] += ACTIVE in moves
            counts["completed"] += COMPLETED in moves
        for mentor_id in records.mentor_ids_due_for_review(day, SWEEP_BATCH):
            self.store.transact(lambda uow, mid=mentor_id: workflows.review_double_qualified(
                uow, mid, today, rule))
            counts["reviewed"] += 1
        for slot_id in records.vacant_slot_ids(SWEEP_BATCH):
            if self.store.transact(lambda uow, sid=slot_id: workflows.fill_vacant_slot(uow, sid)):
                counts["filled"] += 1
        if any(counts.values()):
            log.info("calendar sweep as of %s: %s", day, counts)
        return counts
