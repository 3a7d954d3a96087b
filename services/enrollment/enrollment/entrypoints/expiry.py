"""What happens on its own: students numbered in the list of all students,
agreements and offers expiring, employer surveys reminded, clauses falling
behind announced."""
import logging

from nameko.timer import timer

from college_platform.clock import configured_timer
from college_platform.errors import Conflict
from college_platform.repository import position_pending
from college_platform.rpc import rpc
from enrollment import settings
from enrollment.entrypoints.enrolment import STUDENT_POSITIONS
from enrollment.workflows import commitments, expiry

log = logging.getLogger("enrollment.service")

EXPIRY_SWEEP_SECONDS = 60
SWEEP_BATCH = 500


class ExpiryEntrypoints:

    @configured_timer(settings.LIST_POSITION_SECONDS)
    def position_students(self):
        """Number the students enrolled since the last tick in the list of all
        students (they are listed, as the newest, meanwhile)."""
        return position_pending(self.store.db, "students", STUDENT_POSITIONS)

    @timer(interval=EXPIRY_SWEEP_SECONDS)
    def expire_due(self):
        """Agreements past their term and offers left unanswered expire on their
        own; employer surveys due and unanswered are reminded; clauses that fell
        behind are announced."""
        return self._sweep(self.clock.now())

    @rpc
    def run_expiry_sweep(self):
        """The timer's sweep on demand (operations, tests):
        {"agreements": 1, "offers": 2, "survey_reminders": 0, "clauses_at_risk": 1}"""
        return self._sweep(self.clock.now())

    def _sweep(self, now):
        expired = {"agreements": 0, "offers": 0,
                   "survey_reminders": self.remind_surveys(now.date(),
                                                           settings.SURVEY_REMINDER_DAYS())}
        today = now.date().isoformat()
        # before expiry: a clause due on the term's last day is missed the day after it
        expired["clauses_at_risk"] = self._check_clauses(now)
        # bounded per run: a backlog larger than this is finished by the next runs
        for agreement in self.store.read(
                lambda uow: uow.records.agreements_past_term(today, SWEEP_BATCH)):
            expired["agreements"] += self._sweep_one(
                lambda uow, agreement_id=agreement["_id"]: expiry.expire_agreement(
                    uow, agreement_id, now))
        for application in self.store.read(lambda uow: uow.records.lapsed_offers(now, SWEEP_BATCH)):
            expired["offers"] += self._sweep_one(
                lambda uow, application_id=application["_id"]: expiry.expire_offer(
                    uow, application_id, now))
        if any(expired.values()):
            log.info("expiry sweep as of %s: %s", now.isoformat(), expired)
        return expired

    def _check_clauses(self, now):
        """Each agreement's clauses once a day (and again after an amendment or a
        declaration's decision): ``clause_at_risk`` for each that fell behind."""
        tolerance = settings.CLAUSE_AT_RISK_TOLERANCE()
        return sum(self._sweep_one(
            lambda uow, agreement_id=agreement["_id"]: commitments.check_clauses(
                uow, agreement_id, now.date(), tolerance, now))
            for agreement in self.store.read(lambda uow: uow.records.agreements_to_check(
                now.date().isoformat(), SWEEP_BATCH)))

    def _sweep_one(self, work):
        try:
            return self.store.transact(work)
        except Conflict:  # another instance got there first
            return 0
