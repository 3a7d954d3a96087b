"""The mentors domain as plain Python: secondment lifecycle, the
double-qualified rule, terms, assignment slots. No broker, no database; every
function that depends on time takes ``today``. Who may see what (the
``actor`` the gateway passes) is decided here too: an object another party
may not see does not exist for it (NotFound)."""
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable, Mapping, Optional, Union

from college_platform.actors import Actor, kind_of, not_found, owns
from college_platform.errors import Conflict, Forbidden, InvalidInput

Document = dict[str, Any]

# mentors ------------------------------------------------------------------

def check_mentor_enterprise(enterprise_id: Optional[str], known: bool) -> None:
    """An industry mentor comes from a partner enrollment has announced."""
    if enterprise_id and not known:
        raise InvalidInput("the mentor's enterprise is not a known partner", errors={
            "enterprise_id": ["Unknown partner enterprise %s." % enterprise_id]})


def check_mentor_active(mentor: Document) -> None:
    """A mentor leaves once."""
    if mentor["status"] != "active":
        raise Conflict("mentor %s has already left" % mentor["_id"])


def check_industry_qualification(mentor: Document, qualification: str) -> None:
    """Industry qualifications are a teacher's, each recorded once."""
    if mentor["kind"] != "teacher":
        raise Conflict("industry qualifications are recorded for teachers")
    if qualification in mentor["industry_qualifications"]:
        raise Conflict("this qualification is already recorded")


def check_teacher(mentor: Document) -> None:
    """Only a teacher has a double-qualified status: any other mentor is no teacher."""
    if mentor["kind"] != "teacher":
        raise not_found("teacher", mentor["_id"])


# secondments --------------------------------------------------------------

PLANNED, ACTIVE, COMPLETED, CANCELLED = "planned", "active", "completed", "cancelled"
INWARD, OUTWARD = "inward", "outward"
# the statuses in which a secondment occupies its mentor's period
OCCUPYING = (PLANNED, ACTIVE, COMPLETED)
SECONDMENT_MOVES = {
    PLANNED: {ACTIVE, CANCELLED},
    ACTIVE: {COMPLETED, CANCELLED},
    COMPLETED: set(),
    CANCELLED: set(),
}


def check_secondment_parties(fields: Mapping[str, Any], enterprise_known: bool,
                             mentor: Optional[Document]) -> None:
    """A secondment is between a known partner and an active mentor: an
    outward one sends a college teacher to the enterprise, an inward one
    brings the enterprise's own expert to the college."""
    if not enterprise_known:
        raise InvalidInput("unknown enterprise", errors={"enterprise_id": [
            "Unknown partner enterprise %s." % fields["enterprise_id"]]})
    if mentor is None:
        raise InvalidInput("unknown mentor", errors={"mentor_id": [
            "Unknown mentor %s." % fields["mentor_id"]]})
    if mentor["status"] != "active":
        raise Conflict("mentor %s has left" % mentor["_id"])
    if fields["direction"] == OUTWARD and mentor["kind"] != "teacher":
        raise InvalidInput("only a teacher goes on an outward secondment", errors={
            "direction": ["An outward secondment sends a college teacher."]})
    if fields["direction"] == INWARD and (
            mentor["kind"] != "industry" or mentor["enterprise_id"] != fields["enterprise_id"]):
        raise InvalidInput("an inward secondment brings the enterprise's own expert",
                           errors={"mentor_id": ["Not an industry mentor of %s."
                                                 % fields["enterprise_id"]]})


def check_no_overlap(overlapping: Optional[Document]) -> None:
    """A mentor is on one secondment at a time (``overlapping``: one of theirs,
    not cancelled, in the new one's period)."""
    if overlapping:
        raise Conflict("the mentor already has secondment %s in that period"
                       % overlapping["_id"], secondment_id=overlapping["_id"])


def host_enterprise(secondment: Mapping[str, Any]) -> Optional[str]:
    """The enterprise that hosts the mentor: an outward secondment's (an
    enterprise sees the teachers it hosts); None for an inward one."""
    return secondment["enterprise_id"] if secondment["direction"] == OUTWARD else None


def check_secondment_move(current: str, target: str) -> None:
    if target not in SECONDMENT_MOVES[current]:
        raise Conflict("a %s secondment cannot become %s" % (current, target),
                       current_status=current)


def secondment_status_on(secondment: Mapping[str, Any], today: date) -> str:
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


def secondment_moves_due(secondment: Mapping[str, Any], today: date) -> list[str]:
    """The transitions the calendar owes this secondment, in order (a planned
    one whose whole period has passed starts and then completes)."""
    target = secondment_status_on(secondment, today)
    order = [PLANNED, ACTIVE, COMPLETED]
    if secondment["status"] not in order or target not in order:
        return []
    return order[order.index(secondment["status"]) + 1: order.index(target) + 1]


def check_timesheet_date(secondment: Mapping[str, Any], work_date: date) -> None:
    if secondment["status"] not in (ACTIVE, COMPLETED):
        raise Conflict("timesheets are logged on an active or completed secondment, "
                       "not a %s one" % secondment["status"], current_status=secondment["status"])
    if not as_date(secondment["starts_on"]) <= work_date <= as_date(secondment["ends_on"]):
        raise Conflict("the work date %s is outside the secondment (%s to %s)"
                       % (work_date.isoformat(), secondment["starts_on"], secondment["ends_on"]))


def timesheet_decided_already(timesheet: Mapping[str, Any]) -> Conflict:
    """A timesheet is decided once: what a second decision is told."""
    return Conflict("timesheet %s is already %s" % (timesheet["_id"], timesheet["status"]),
                    current_status=timesheet["status"])


# the contribution ledger: what an enterprise gave and hosted, per term
LEDGER_COUNTERS = {"mentor_hours_given": 0.0, "teacher_placements_hosted": 0,
                   "teacher_hours_hosted": 0.0}


def hours_counter(direction: str) -> str:
    """Approved hours count as mentor hours the enterprise gave (an inward
    secondment) or teacher hours it hosted (an outward one)."""
    return "mentor_hours_given" if direction == INWARD else "teacher_hours_hosted"


def ledger_entry(entry: Mapping[str, Any]) -> Document:
    """A stored ledger entry with the counters it has not counted yet at zero."""
    return {**LEDGER_COUNTERS, **entry}


# terms --------------------------------------------------------------------

def term_of(day: date) -> str:
    """The academic term a date falls in: the autumn term runs August to
    January (so January belongs to the previous year's autumn), the spring
    term February to July. '2027-spring', '2026-autumn'."""
    if day.month == 1:
        return "%d-autumn" % (day.year - 1)
    return "%d-%s" % (day.year, "spring" if day.month <= 7 else "autumn")


# the double-qualified rule ------------------------------------------------

LEVEL_RANK: Mapping[Any, int] = {"junior": 1, "intermediate": 2, "senior": 3}


@dataclass(frozen=True)
class DoubleQualifiedRule:
    """Policy: enough completed outward secondment (enterprise practice)
    within a sliding window, plus a certificate at a minimum level or a
    recorded industry qualification. Parameters come from configuration."""
    min_days: int = 183
    window_years: int = 5
    min_certificate_level: str = "intermediate"

    @classmethod
    def from_config(cls, values: Optional[Mapping[str, Any]]) -> "DoubleQualifiedRule":
        values = values or {}
        rule = cls(min_days=int(values.get("min_days", cls.min_days)),
                   window_years=int(values.get("window_years", cls.window_years)),
                   min_certificate_level=values.get("min_certificate_level",
                                                    cls.min_certificate_level))
        if rule.min_certificate_level not in LEVEL_RANK or rule.min_days < 1 \
                or rule.window_years < 1:
            raise ValueError("invalid double-qualified rule: %r" % (rule,))
        return rule

    def window_start(self, today: date) -> date:
        return add_years(today, -self.window_years) + timedelta(days=1)

    def practice_days(self, secondments: Iterable[Mapping[str, Any]], today: date) -> int:
        """Days of completed outward secondment inside the window ending today
        (overlapping secondments count each day once)."""
        return len(self._counted_days(secondments, today))

    def _counted_days(self, secondments: Iterable[Mapping[str, Any]],
                      today: date) -> set[date]:
        start = self.window_start(today)
        days: set[date] = set()
        for secondment in secondments:
            if secondment["direction"] != "outward" or secondment["status"] != COMPLETED:
                continue
            first = max(as_date(secondment["starts_on"]), start)
            last = min(as_date(secondment["ends_on"]), today)
            days.update(first + timedelta(days=n) for n in range((last - first).days + 1))
        return days

    def qualifying_certificates(self, certificates: Iterable[Mapping[str, Any]]
                                ) -> list[Mapping[str, Any]]:
        floor = LEVEL_RANK[self.min_certificate_level]
        return [c for c in certificates
                if not c.get("revoked") and LEVEL_RANK.get(c.get("level"), 0) >= floor]

    def evaluate(self, secondments: Iterable[Mapping[str, Any]],
                 certificates: Iterable[Mapping[str, Any]],
                 industry_qualifications: list[str],
                 today: date) -> tuple[bool, str, Optional[date]]:
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


def review_day(qualified: bool, review_on: Optional[date]) -> Optional[str]:
    """When to look at a teacher's status again: only a qualified teacher can
    lose it as the window slides."""
    return review_on.isoformat() if qualified and review_on else None


def is_teachers_certificate(data: Mapping[str, Any]) -> bool:
    """Only a teacher's certificates count towards the double-qualified status."""
    return bool(data["candidate_kind"] == "teacher")


# assignments --------------------------------------------------------------

ROLES = ("college_tutor", "enterprise_mentor", "team_mentor")
ROLE_MENTOR_KIND = {"college_tutor": "teacher", "enterprise_mentor": "industry",
                    "team_mentor": "industry"}
VACANT, FILLED, NEEDS_REASSIGNMENT, CLOSED = "vacant", "filled", "needs_reassignment", "closed"
# an apprentice who has left the programme no longer needs mentors
ENROLMENT_ENDED = ("withdrawn", "graduated")
# a slot with an assignment someone must release when it closes
HOLDING = (FILLED, NEEDS_REASSIGNMENT)


def is_apprenticeship_enrolment(data: Mapping[str, Any]) -> bool:
    """Only an apprenticeship's students need mentors here."""
    return bool(data["programme_kind"] == "apprenticeship")


def apprenticeship_end(data: Mapping[str, Any]) -> Optional[str]:
    """Why a change of enrolment status ends an apprenticeship (withdrawn,
    graduated, transferred to a programme that is no apprenticeship), in
    words; None when it does not."""
    left_apprenticeship = data["from_programme_id"] and data["programme_kind"] not in (
        None, "apprenticeship")
    if data["status"] not in ENROLMENT_ENDED and not left_apprenticeship:
        return None
    return ("the apprentice transferred out of the apprenticeship" if left_apprenticeship
            else "the apprentice withdrew" if data["status"] == "withdrawn"
            else "the apprentice graduated")


def apprentice_slot_id(student_id: str, role: str) -> str:
    return "apprentice:%s:%s" % (student_id, role)


def team_slot_id(team_id: str) -> str:
    return "team:%s:team_mentor" % team_id


def team_slot(data: Mapping[str, Any]) -> Document:
    """The slot of a team formed on a project: one team mentor, the one the
    project named preferred."""
    return {"_id": team_slot_id(data["team_id"]), "kind": "team", "role": "team_mentor",
            "project_id": data["project_id"], "team_id": data["team_id"],
            "enterprise_id": data["enterprise_id"], "preferred_mentor_id": data["mentor_id"]}


def roles_of_kind(kind: str) -> list[str]:
    """The roles a mentor of ``kind`` takes."""
    return [role for role, role_kind in ROLE_MENTOR_KIND.items() if role_kind == kind]


def apprentice_slots(apprentice: Mapping[str, Any]) -> list[Document]:
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


def apprentice_enterprise(apprentice: Mapping[str, Any]) -> Optional[str]:
    """The apprentice contract names the employer; the sponsoring partner
    from enrolment is the fallback until the contract is known."""
    return apprentice.get("contract_partner_id") or apprentice.get("sponsor_partner_id")


def from_another_employer(mentor: Optional[Mapping[str, Any]], enterprise_id: str) -> bool:
    """Whether the apprentice's mentor comes from an enterprise other than
    their employer (the contract named another one: its own mentor takes over)."""
    return mentor is not None and mentor.get("enterprise_id") != enterprise_id


def holds_assignment(slot: Mapping[str, Any]) -> bool:
    """Whether the slot holds an assignment to release when it closes."""
    return bool(slot.get("assignment_id")) and slot["status"] in HOLDING


def check_mentor_fits(mentor: Mapping[str, Any], slot: Mapping[str, Any]) -> None:
    """Why this mentor cannot take this slot (Conflict), or nothing."""
    if mentor.get("status", "active") != "active":
        raise Conflict("mentor %s has left" % mentor["_id"])
    kind = ROLE_MENTOR_KIND[slot["role"]]
    if mentor["kind"] != kind:
        raise Conflict("a %s needs a mentor of kind %s" % (slot["role"], kind))
    if slot.get("enterprise_id") and kind == "industry" \
            and mentor.get("enterprise_id") != slot["enterprise_id"]:
        raise Conflict("the mentor must come from enterprise %s" % slot["enterprise_id"])


def mentor_fits(mentor: Mapping[str, Any], slot: Mapping[str, Any]) -> bool:
    try:
        check_mentor_fits(mentor, slot)
    except Conflict:
        return False
    return True


def check_assignable(slot: Mapping[str, Any], mentor: Mapping[str, Any]) -> None:
    """Whether the mentor coordinator may give the slot to the mentor by hand
    (the load limit is checked as the load is taken)."""
    if slot["status"] == CLOSED:
        raise Conflict("slot %s is closed: the apprentice has left" % slot["_id"])
    if slot["status"] == FILLED and slot.get("mentor_id") == mentor["_id"]:
        raise Conflict("mentor %s already holds this slot" % mentor["_id"])
    check_mentor_fits(mentor, slot)


def at_load_limit(mentor: Mapping[str, Any]) -> Conflict:
    """What an assignment by hand is told when the mentor has no spare load."""
    return Conflict("mentor %s is at their load limit (%d)" % (mentor["_id"],
                                                               mentor["load_limit"]),
                    load_limit=mentor["load_limit"])


def check_releasable(assignment: Mapping[str, Any]) -> None:
    if assignment["status"] == "released":
        raise Conflict("assignment %s is already released" % assignment["_id"])


def least_loaded_first(mentors: Iterable[Document], slot_id: str) -> list[Document]:
    """Most spare load first; ties in an order that depends on the slot, so
    that the apprentices of one intake, assigned at the same moment, do not
    all reach for the same mentor (and conflict over their load)."""
    def spread(mentor: Mapping[str, Any]) -> bytes:
        return hashlib.blake2b(("%s/%s" % (slot_id, mentor["_id"])).encode(),
                               digest_size=8).digest()
    return sorted(mentors, key=lambda mentor: (-mentor["spare_load"], spread(mentor)))


# who sees what ------------------------------------------------------------
#
# ``actor`` is who calls through the gateway: {"kind": "enterprise" | "teacher" |
# "student" | "staff", "enterprise_id", "student_id", "mentor_id", "username"};
# None for a trusted caller (another service, a test). What an actor may not
# see does not exist for it: NotFound, worded as for a missing object.

def check_logs_own_hours(actor: Actor, secondment: Mapping[str, Any]) -> None:
    """Only the seconded mentor logs hours on a secondment; the college's
    managers (a staff actor) may log them for anyone."""
    if actor and actor["kind"] != "staff" and (
            not actor.get("mentor_id") or actor["mentor_id"] != secondment["mentor_id"]):
        raise Forbidden("only the seconded mentor logs hours on this secondment")


def check_host_decides(actor: Actor, timesheet: Mapping[str, Any]) -> None:
    """The host decides a timesheet: the enterprise the hours were worked
    for (an outward secondment, a teacher at the enterprise), the college for
    an inward one (an industry mentor at the college)."""
    if not actor:
        return
    if actor["kind"] == "enterprise":
        if timesheet["direction"] != OUTWARD:
            raise Forbidden("the college approves hours its guests work for it")
    elif timesheet["direction"] != INWARD:
        raise Forbidden("the host enterprise approves a seconded teacher's hours")


def check_secondment_visible(actor: Actor, secondment: Mapping[str, Any],
                             what: str = "secondment") -> None:
    """An enterprise sees the secondments it is party to, a teacher their
    own; likewise their timesheets (``what="timesheet"``)."""
    if (kind_of(actor) == "enterprise"
            and secondment["enterprise_id"] != (actor or {}).get("enterprise_id")) \
            or (kind_of(actor) == "teacher" and not owns(actor, "mentor_id",
                                                     secondment["mentor_id"])):
        raise not_found(what, secondment["_id"])


def sees_mentor(actor: Actor, mentor: Mapping[str, Any]) -> bool:
    """An enterprise sees its own experts and the teachers it hosts."""
    if kind_of(actor) != "enterprise":
        return True
    enterprise_id = (actor or {}).get("enterprise_id")
    return bool(mentor.get("enterprise_id") == enterprise_id
                or enterprise_id in mentor.get("host_enterprise_ids", []))


def check_mentor_visible(actor: Actor, mentor: Mapping[str, Any]) -> None:
    if not sees_mentor(actor, mentor):
        raise not_found("mentor", mentor["_id"])


def check_own_teacher(actor: Actor, mentor_id: str) -> None:
    """A teacher's double-qualified status is theirs: another teacher is not
    told it exists."""
    if kind_of(actor) == "teacher" and not owns(actor, "mentor_id", mentor_id):
        raise not_found("teacher", mentor_id)


def check_teacher_visible(actor: Actor, mentor: Mapping[str, Any]) -> None:
    """The double-qualified status of a teacher an enterprise does not host
    does not exist for it."""
    if not sees_mentor(actor, mentor):
        raise not_found("teacher", mentor["_id"])


def check_student_visible(actor: Actor, student_id: str) -> None:
    """A student sees their own mentors only."""
    if kind_of(actor) == "student" and not owns(actor, "student_id", student_id):
        raise not_found("apprentice", student_id)


def check_apprentice_visible(actor: Actor, student_id: str,
                             enterprise_id: Optional[str]) -> None:
    """An enterprise sees the apprentices it employs."""
    if kind_of(actor) == "enterprise" and enterprise_id != (actor or {}).get("enterprise_id"):
        raise not_found("apprentice", student_id)


def check_enterprise_visible(actor: Actor, enterprise_id: str) -> None:
    """An enterprise sees its own contribution, not another's."""
    if kind_of(actor) == "enterprise" and enterprise_id != (actor or {}).get("enterprise_id"):
        raise not_found("enterprise", enterprise_id)


# dates --------------------------------------------------------------------

def as_date(value: Union[date, str]) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)
