"""The mentors domain as plain Python: secondment lifecycle, the
double-qualified rule, terms, assignment slots. No broker, no database; every
function that depends on time takes ``today``."""
from dataclasses import dataclass
from datetime import date, timedelta

from college_platform.errors import Conflict

# secondments --------------------------------------------------------------

PLANNED, ACTIVE, COMPLETED, CANCELLED = "planned", "active", "completed", "cancelled"
SECONDMENT_MOVES = {
    PLANNED: {ACTIVE, CANCELLED},
    ACTIVE: {COMPLETED, CANCELLED},
    COMPLETED: set(),
    CANCELLED: set(),
}


def check_secondment_move(current, target):
    if target not in SECONDMENT_MOVES[current]:
        raise Conflict("a %s secondment cannot become %s" % (current, target),
                       current_status=current)


def secondment_status_on(secondment, today):
    """Where the calendar puts a secondment: it starts on its first day and
    completes on its last; a cancelled one stays cancelled."""
    status = secondment["status"]
    if status in (COMPLETED, CANCELLED):
        return status
    if today >= as_date(secondment["ends_on"]):
        return COMPLETED
    if today >= as_date(secondment["starts_on"]):
        return ACTIVE
    return PLANNED


def secondment_moves_due(secondment, today):
    """The transitions the calendar owes this secondment, in order (a planned
    one whose whole period has passed starts and then completes)."""
    target = secondment_status_on(secondment, today)
    order = [PLANNED, ACTIVE, COMPLETED]
    if secondment["status"] not in order or target not in order:
        return []
    return order[order.index(secondment["status"]) + 1: order.index(target) + 1]


def check_timesheet_date(secondment, work_date):
    if secondment["status"] not in (ACTIVE, COMPLETED):
        raise Conflict("timesheets are logged on an active or completed secondment, "
                       "not a %s one" % secondment["status"], current_status=secondment["status"])
    if not as_date(secondment["starts_on"]) <= work_date <= as_date(secondment["ends_on"]):
        raise Conflict("the work date %s is outside the secondment (%s to %s)"
                       % (work_date.isoformat(), secondment["starts_on"], secondment["ends_on"]))


# terms --------------------------------------------------------------------

def term_of(day):
    """The academic term a date falls in: the autumn term runs August to
    January (so January belongs to the previous year's autumn), the spring
    term February to July. '2027-spring', '2026-autumn'."""
    if day.month == 1:
        return "%d-autumn" % (day.year - 1)
    return "%d-%s" % (day.year, "spring" if day.month <= 7 else "autumn")


# the double-qualified rule ------------------------------------------------

LEVEL_RANK = {"junior": 1, "intermediate": 2, "senior": 3}


@dataclass(frozen=True)
class DoubleQualifiedRule:
    """Policy: enough completed outward secondment (enterprise practice)
    within a sliding window, plus a certificate at a minimum level or a
    recorded industry qualification. Parameters come from configuration."""
    min_days: int = 183
    window_years: int = 5
    min_certificate_level: str = "intermediate"

    @classmethod
    def from_config(cls, values):
        values = values or {}
        rule = cls(min_days=int(values.get("min_days", cls.min_days)),
                   window_years=int(values.get("window_years", cls.window_years)),
                   min_certificate_level=values.get("min_certificate_level",
                                                    cls.min_certificate_level))
        if rule.min_certificate_level not in LEVEL_RANK or rule.min_days < 1 \
                or rule.window_years < 1:
            raise ValueError("invalid double-qualified rule: %r" % (rule,))
        return rule

    def window_start(self, today):
        return add_years(today, -self.window_years) + timedelta(days=1)

    def practice_days(self, secondments, today):
        """Days of completed outward secondment inside the window ending today
        (overlapping secondments count each day once)."""
        return len(self._counted_days(secondments, today))

    def _counted_days(self, secondments, today):
        start = self.window_start(today)
        days = set()
        for secondment in secondments:
            if secondment["direction"] != "outward" or secondment["status"] != COMPLETED:
                continue
            first = max(as_date(secondment["starts_on"]), start)
            last = min(as_date(secondment["ends_on"]), today)
            days.update(first + timedelta(days=n) for n in range((last - first).days + 1))
        return days

    def qualifying_certificates(self, certificates):
        floor = LEVEL_RANK[self.min_certificate_level]
        return [c for c in certificates
                if not c.get("revoked") and LEVEL_RANK.get(c.get("level"), 0) >= floor]

    def evaluate(self, secondments, certificates, industry_qualifications, today):
        """(double_qualified, reason, review_on): the reason says why in
        words; ``review_on`` is the first day the window could drop a counted
        day (when to look again even if nothing else happens), or None."""
        counted = self._counted_days(secondments, today)
        days = len(counted)
        window = "the %d years to %s" % (self.window_years, today.isoformat())
        practice_ok = days >= self.min_days
        practice = "%d days of completed outward secondment within %s (%d required)" % (
            days, window, self.min_days)
        certificates_ok = self.qualifying_certificates(certificates)
        if certificates_ok:
            best = max(certificates_ok, key=lambda c: LEVEL_RANK[c["level"]])
            credential = "%s certificate %s (no. %s)" % (
                best["level"], best["certificate_code"], best["certificate_number"])
        elif industry_qualifications:
            credential = "industry qualification %s" % industry_qualifications[0]
        else:
            credential = None
        qualified = practice_ok and credential is not None
        if qualified:
            reason = "double-qualified: %s and the %s" % (practice, credential)
        else:
            missing = []
            if not practice_ok:
                missing.append("only " + practice)
            if credential is None:
                missing.append("no %s-or-higher certificate and no recorded industry "
                               "qualification" % self.min_certificate_level)
            reason = "not double-qualified: %s" % "; ".join(missing)
        review_on = add_years(min(counted), self.window_years) if counted else None
        return qualified, reason, review_on


# assignments --------------------------------------------------------------

ROLES = ("college_tutor", "enterprise_mentor", "team_mentor")
ROLE_MENTOR_KIND = {"college_tutor": "teacher", "enterprise_mentor": "industry",
                    "team_mentor": "industry"}
VACANT, FILLED, NEEDS_REASSIGNMENT, CLOSED = "vacant", "filled", "needs_reassignment", "closed"
# an apprentice who has left the programme no longer needs mentors
ENROLMENT_ENDED = ("withdrawn", "graduated")


def apprentice_slot_id(student_id, role):
    return "apprentice:%s:%s" % (student_id, role)


def team_slot_id(team_id):
    return "team:%s:team_mentor" % team_id


def apprentice_slots(apprentice):
    """The slots an apprentice needs now: a college tutor once enrolled, an
    enterprise mentor once enrolled and their enterprise is known."""
    if not apprentice.get("enrolled"):
        return []
    slots = [{"_id": apprentice_slot_id(apprentice["_id"], "college_tutor"),
              "role": "college_tutor", "enterprise_id": None}]
    enterprise_id = apprentice_enterprise(apprentice)
    if enterprise_id:
        slots.append({"_id": apprentice_slot_id(apprentice["_id"], "enterprise_mentor"),
                      "role": "enterprise_mentor", "enterprise_id": enterprise_id})
    return slots


def apprentice_enterprise(apprentice):
    """The apprentice contract names the employer; the sponsoring partner
    from enrolment is the fallback until the contract is known."""
    return apprentice.get("contract_partner_id") or apprentice.get("sponsor_partner_id")


def check_mentor_fits(mentor, slot):
    """Why this mentor cannot take this slot (Conflict), or nothing."""
    if mentor.get("status", "active") != "active":
        raise Conflict("mentor %s has left" % mentor["_id"])
    kind = ROLE_MENTOR_KIND[slot["role"]]
    if mentor["kind"] != kind:
        raise Conflict("a %s needs a mentor of kind %s" % (slot["role"], kind))
    if slot.get("enterprise_id") and kind == "industry" \
            and mentor.get("enterprise_id") != slot["enterprise_id"]:
        raise Conflict("the mentor must come from enterprise %s" % slot["enterprise_id"])


# dates --------------------------------------------------------------------

def as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(value)


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)
