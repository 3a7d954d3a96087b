"""The mentors service's use cases, each a function of one unit of work
(``uow``: a transaction with its outbox) that reads and writes only through
``uow.records`` (``records.MentorsRecords``), checks the rules of ``domain``
and announces what happened (``emit``). The read-only ones take ``records``
alone (read outside a transaction). Entrypoints in ``service.py`` only
validate input and call these inside ``store.transact``/``handle_once``."""
from datetime import date
from typing import Any, Mapping, Optional, Protocol

from college_contracts import emitter
from college_platform.envelope import utcnow
from college_platform.repository import new_id
from mentors import domain, summaries
from mentors.domain import (
    ACTIVE,
    CANCELLED,
    CLOSED,
    OUTWARD,
    PLANNED,
    ROLE_MENTOR_KIND,
    VACANT,
    Actor,
    DoubleQualifiedRule,
    as_date,
    term_of,
)
from mentors.records import MentorsRecords

Document = dict[str, Any]
Fields = Mapping[str, Any]

emit = emitter("mentors")


class Work(Protocol):
    """What a workflow needs of a unit of work (``UnitOfWork`` or ``FakeUnitOfWork``)."""

    records: MentorsRecords

    def emit(self, event_type: str, data: dict[str, Any], schema_version: int = 1) -> Any:
        ...


# mentors ------------------------------------------------------------------

def register_mentor(uow: Work, fields: Fields, today: date,
                    rule: DoubleQualifiedRule) -> Optional[Document]:
    """A new industry mentor (from a known partner) or teacher; they take
    vacant assignments they fit, up to their load limit."""
    records = uow.records
    mentor = {"_id": new_id(), **fields, "status": "active", "active_load": 0,
              "spare_load": fields["load_limit"], "industry_qualifications": [],
              "host_enterprise_ids": [], "double_qualified": None,
              "double_qualified_reason": None, "created_at": utcnow()}
    domain.check_mentor_enterprise(mentor["enterprise_id"], bool(
        mentor["enterprise_id"]) and records.is_partner(mentor["enterprise_id"]))
    records.add_mentor(mentor)
    emit(uow, "mentor_registered", {
        "mentor_id": mentor["_id"], "name": mentor["name"], "kind": mentor["kind"],
        "enterprise_id": mentor["enterprise_id"],
    })
    recompute_double_qualified(uow, mentor, today, rule, "registered")
    fill_vacancies_for(uow, mentor)
    return records.find_mentor(mentor["_id"])


def visible_mentor(records: MentorsRecords, mentor_id: str, actor: Actor = None) -> Document:
    mentor = records.mentor(mentor_id)
    domain.check_mentor_visible(actor, mentor)
    return mentor


def mentors_page(records: MentorsRecords, params: Fields) -> dict[str, Any]:
    criteria = {key: params[key] for key in ("enterprise_id", "kind") if params[key]}
    return records.mentors_page(criteria, dict(params),
                                visible_to_enterprise=params["visible_to_enterprise"])


def record_industry_qualification(uow: Work, mentor_id: str, qualification: str,
                                  today: date, rule: DoubleQualifiedRule) -> Optional[Document]:
    """A teacher's industry qualification (one input of the double-qualified rule)."""
    records = uow.records
    mentor = records.mentor(mentor_id)
    domain.check_industry_qualification(mentor, qualification)
    records.add_industry_qualification(mentor_id, qualification)
    mentor["industry_qualifications"].append(qualification)
    recompute_double_qualified(uow, mentor, today, rule,
                               "industry qualification %s recorded" % qualification)
    return records.find_mentor(mentor_id)


def mentor_leaves(uow: Work, mentor_id: str, reason: str) -> Optional[Document]:
    """The mentor leaves: their assignments are flagged for reassignment."""
    records = uow.records
    mentor = records.mentor(mentor_id)
    domain.check_mentor_active(mentor)
    records.mentor_left(mentor_id, reason)
    for assignment in records.active_assignments_of_mentor(mentor_id):
        flag_for_reassignment(uow, assignment, "mentor %s left: %s" % (mentor["name"], reason))
    emit(uow, "mentor_left", {"mentor_id": mentor_id, "kind": mentor["kind"],
                              "enterprise_id": mentor.get("enterprise_id"), "reason": reason})
    return records.find_mentor(mentor_id)


def double_qualified_status(records: MentorsRecords, mentor_id: str, today: date,
                            rule: DoubleQualifiedRule, actor: Actor = None) -> Document:
    """The teacher's status, why, the practice days counted and the history."""
    domain.check_own_teacher(actor, mentor_id)
    mentor = records.mentor(mentor_id)
    domain.check_teacher_visible(actor, mentor)
    domain.check_teacher(mentor)
    history = records.double_qualified_history(mentor_id)
    secondments = records.completed_outward_secondments(mentor_id)
    return {"mentor_id": mentor_id, "name": mentor["name"],
            "double_qualified": bool(mentor.get("double_qualified")),
            "reason": mentor.get("double_qualified_reason"),
            "practice_days": rule.practice_days(secondments, today),
            "history": history}


# load and assignments -----------------------------------------------------

def assignment_event(assignment: Mapping[str, Any], reason: Optional[str] = None) -> Document:
    return {"assignment_id": assignment["_id"], "mentor_id": assignment["mentor_id"],
            "role": assignment["role"], "student_id": assignment.get("student_id"),
            "project_id": assignment.get("project_id"), "team_id": assignment.get("team_id"),
            "reason": reason}


def assign(uow: Work, slot: Mapping[str, Any], mentor: Mapping[str, Any],
           reason: str) -> Document:
    """Give ``slot`` to ``mentor`` (who has already taken the load); the
    slot's previous assignment, if any, is released."""
    records = uow.records
    current = slot.get("assignment_id")
    if current:
        release(uow, records.assignment(current), "reassigned to %s" % mentor["name"],
                free_slot=False)
    secondment = records.active_inward_secondment(mentor["_id"])
    assignment = {
        "_id": new_id(), "slot_id": slot["_id"], "mentor_id": mentor["_id"],
        "mentor_name": mentor["name"], "role": slot["role"],
        "student_id": slot.get("student_id"), "project_id": slot.get("project_id"),
        "team_id": slot.get("team_id"), "enterprise_id": slot.get("enterprise_id"),
        # an expert mentoring while seconded to the college: revisited when that ends
        "secondment_id": secondment["_id"] if secondment else None,
        "status": "active", "reason": reason, "created_at": utcnow(),
    }
    records.add_assignment(assignment)
    records.fill_slot(slot["_id"], mentor["_id"], assignment["_id"])
    emit(uow, "mentor_assigned", assignment_event(assignment, reason))
    return assignment


def release(uow: Work, assignment: Mapping[str, Any], reason: str,
            free_slot: bool = True) -> None:
    """The mentor gives the assignment back (and the load); the slot becomes
    vacant unless ``free_slot`` is False (it is being reassigned)."""
    records = uow.records
    domain.check_releasable(assignment)
    records.release_assignment(assignment["_id"], reason)
    records.give_back_load(assignment["mentor_id"])
    if free_slot:
        records.vacate_slot(assignment["slot_id"])
    emit(uow, "mentor_released", assignment_event(assignment, reason))


def release_assignment(uow: Work, assignment_id: str, reason: str) -> Optional[Document]:
    release(uow, uow.records.assignment(assignment_id), reason)
    return uow.records.find_assignment(assignment_id)


def flag_for_reassignment(uow: Work, assignment: Mapping[str, Any], reason: str) -> None:
    uow.records.flag_assignment(assignment["_id"], reason)
    uow.records.flag_slot(assignment["slot_id"])
    emit(uow, "assignment_needs_reassignment", assignment_event(assignment, reason))


def candidates_for(uow: Work, slot: Mapping[str, Any], limit: int = 5,
                   among: int = 50) -> list[Document]:
    """Active mentors of the right kind (and enterprise) with spare load,
    least loaded first; equally loaded ones in an order of the slot's own
    (``domain.least_loaded_first``)."""
    found = uow.records.candidates(ROLE_MENTOR_KIND[slot["role"]], slot.get("enterprise_id"),
                                   among)
    return domain.least_loaded_first(found, slot["_id"])[:limit]


def fill_slot(uow: Work, slot: Optional[Mapping[str, Any]],
              reason: str = "assigned automatically") -> Optional[Document]:
    """Assign the preferred mentor if they fit, else the least-loaded
    candidate; None when nobody can take the slot (it stays listed)."""
    if slot is None or slot["status"] == domain.FILLED:
        return None
    preferred = slot.get("preferred_mentor_id")
    candidates = []
    if preferred:
        mentor = uow.records.find_mentor(preferred)
        if mentor and domain.mentor_fits(mentor, slot):
            candidates.append(mentor)
    candidates += [m for m in candidates_for(uow, slot) if m["_id"] != preferred]
    for mentor in candidates:
        if mentor["_id"] == slot.get("mentor_id"):
            continue  # the mentor being replaced
        if uow.records.take_load(mentor["_id"]):
            return assign(uow, slot, mentor, reason)
    return None


def fill_vacant_slot(uow: Work, slot_id: str) -> Optional[Document]:
    """The calendar's retry of a vacant slot."""
    return fill_slot(uow, uow.records.find_slot(slot_id))


def assignments_page(records: MentorsRecords, params: Fields) -> dict[str, Any]:
    criteria = {key: params[key] for key in
                ("mentor_id", "student_id", "team_id", "enterprise_id", "status")
                if params[key]}
    return records.assignments_page(criteria, dict(params))


def vacancies_page(records: MentorsRecords, params: Fields) -> dict[str, Any]:
    """Apprentices and teams still missing a mentor (vacant or flagged for reassignment)."""
    criteria = {key: params[key] for key in ("kind", "enterprise_id") if params[key]}
    return records.vacancies_page(criteria, dict(params))


def assign_by_hand(uow: Work, slot_id: str, mentor_id: str) -> Document:
    """The mentor coordinator assigns (or reassigns) a slot; the load limit holds."""
    records = uow.records
    slot = records.slot(slot_id)
    mentor = records.mentor(mentor_id)
    domain.check_assignable(slot, mentor)
    if not records.take_load(mentor_id):
        raise domain.at_load_limit(mentor)
    return assign(uow, slot, mentor, "assigned by the mentor coordinator")


def ensure_slot(uow: Work, slot: Document) -> Optional[Document]:
    """Create the slot if new (vacant); return the stored one."""
    return uow.records.ensure_slot(slot)


def provide_apprentice_mentors(uow: Work, apprentice: Optional[Mapping[str, Any]]) -> None:
    """Every enrolled apprentice gets a college tutor and, once their
    enterprise is known, an enterprise mentor from it."""
    records = uow.records
    assert apprentice is not None  # remembered just before
    for wanted in domain.apprentice_slots(apprentice):
        slot = ensure_slot(uow, {**wanted, "kind": "apprentice",
                                 "student_id": apprentice["_id"],
                                 "student_name": apprentice.get("name")})
        assert slot is not None
        current = slot.get("assignment_id")
        if current and wanted["enterprise_id"] and slot.get("mentor_id"):
            mentor = records.find_mentor(slot["mentor_id"])
            if domain.from_another_employer(mentor, wanted["enterprise_id"]):
                # the contract named another employer: its own mentor takes over
                release(uow, records.assignment(current),
                        "the apprentice's employer is %s" % wanted["enterprise_id"])
                slot = records.find_slot(slot["_id"])
                assert slot is not None
        if slot["status"] == CLOSED:  # enrolled again after leaving
            records.reopen_slot(slot["_id"])
            slot["status"] = VACANT
        if slot["status"] == VACANT:
            fill_slot(uow, slot)


def close_apprentice_slots(uow: Work, student_id: str, reason: str) -> None:
    """An apprentice who leaves (withdrawn, graduated) frees their mentors;
    their slots close rather than being listed as vacancies."""
    records = uow.records
    records.apprentice_left(student_id)
    for slot in records.slots_of_student(student_id):
        if domain.holds_assignment(slot):
            release(uow, records.assignment(slot["assignment_id"]), reason)
        records.close_slot(slot["_id"])


def fill_vacancies_for(uow: Work, mentor: Mapping[str, Any]) -> None:
    """A new mentor takes vacant slots they fit, up to their load limit."""
    records = uow.records
    for slot in records.vacant_slots(mentor["kind"], domain.roles_of_kind(mentor["kind"]),
                                     mentor.get("enterprise_id"), mentor["load_limit"]):
        if not records.take_load(mentor["_id"]):
            break
        current = records.find_mentor(mentor["_id"])
        assert current is not None
        mentor = current
        assign(uow, slot, mentor, "assigned automatically")


def apprentice_mentors(records: MentorsRecords, student_id: str,
                       actor: Actor = None) -> Document:
    """The apprentice's two mentors (their slots)."""
    domain.check_student_visible(actor, student_id)
    apprentice = records.apprentice(student_id)
    enterprise_id = domain.apprentice_enterprise(apprentice)
    domain.check_apprentice_visible(actor, student_id, enterprise_id)
    slots = {slot["role"]: slot for slot in records.slots_of_student(student_id)}
    return {"student_id": student_id, "name": apprentice.get("name"),
            "enrolled": bool(apprentice.get("enrolled")), "enterprise_id": enterprise_id,
            "college_tutor": slots.get("college_tutor"),
            "enterprise_mentor": slots.get("enterprise_mentor")}


# secondments --------------------------------------------------------------

def secondment_event(secondment: Mapping[str, Any]) -> Document:
    return {"secondment_id": secondment["_id"], "mentor_id": secondment["mentor_id"],
            "direction": secondment["direction"], "enterprise_id": secondment["enterprise_id"],
            "starts_on": secondment["starts_on"], "ends_on": secondment["ends_on"],
            "approved_hours": float(secondment.get("approved_hours", 0.0))}


def plan_secondment(uow: Work, fields: Fields, today: date,
                    rule: DoubleQualifiedRule) -> Optional[Document]:
    """Plan a secondment, inward or outward; it starts and completes on its
    dates (a period already past is recorded completed)."""
    records = uow.records
    secondment = {"_id": new_id(), **fields, "starts_on": fields["starts_on"].isoformat(),
                  "ends_on": fields["ends_on"].isoformat(), "status": PLANNED,
                  "approved_hours": 0.0, "cancel_reason": None, "created_at": utcnow()}
    enterprise_known = records.is_partner(fields["enterprise_id"])
    mentor = records.find_mentor(fields["mentor_id"]) if enterprise_known else None
    domain.check_secondment_parties(fields, enterprise_known, mentor)
    assert mentor is not None
    domain.check_no_overlap(records.overlapping_secondment(
        mentor["_id"], secondment["starts_on"], secondment["ends_on"]))
    secondment["mentor_name"] = mentor["name"]
    records.add_secondment(secondment)
    # writing the mentor makes two concurrent secondments of one mentor conflict,
    # so the overlap check above cannot be passed by both
    records.count_secondment_planned(mentor["_id"], domain.host_enterprise(secondment))
    emit(uow, "secondment_planned", secondment_event(secondment))
    advance_secondment(uow, secondment["_id"], today, rule)
    return records.find_secondment(secondment["_id"])


def visible_secondment(records: MentorsRecords, secondment_id: str,
                       actor: Actor = None) -> Document:
    secondment = records.secondment(secondment_id)
    domain.check_secondment_visible(actor, secondment)
    return secondment


def secondments_page(records: MentorsRecords, params: Fields) -> dict[str, Any]:
    criteria = {key: params[key] for key in ("enterprise_id", "mentor_id", "status")
                if params[key]}
    return records.secondments_page(criteria, dict(params))


def advance_secondment(uow: Work, secondment_id: str, today: date,
                       rule: DoubleQualifiedRule) -> list[str]:
    """Apply the moves the calendar owes the secondment and return them;
    idempotent: the status read in this transaction decides, so a second run
    (or a second instance, whose concurrent write conflicts and retries)
    finds nothing due."""
    records = uow.records
    secondment = records.find_secondment(secondment_id)
    moves = domain.secondment_moves_due(secondment, today) if secondment else []
    assert secondment is not None or not moves
    for target in moves:
        assert secondment is not None
        records.move_secondment(secondment_id, secondment["status"], target,
                                today.isoformat())
        secondment["status"] = target
        if target == ACTIVE:
            emit(uow, "secondment_started", secondment_event(secondment))
            if secondment["direction"] == OUTWARD:
                records.add_to_ledger(secondment["enterprise_id"],
                                      term_of(as_date(secondment["starts_on"])),
                                      teacher_placements_hosted=1)
        else:
            emit(uow, "secondment_completed", secondment_event(secondment))
            secondment_ended(uow, secondment, "completed", today, rule)
    return moves


def cancel_secondment(uow: Work, secondment_id: str, reason: str, today: date,
                      rule: DoubleQualifiedRule) -> Optional[Document]:
    records = uow.records
    secondment = records.secondment(secondment_id)
    domain.check_secondment_move(secondment["status"], CANCELLED)
    records.cancel_secondment(secondment_id, reason, today.isoformat())
    secondment_ended(uow, {**secondment, "status": CANCELLED}, "cancelled", today, rule)
    emit(uow, "secondment_cancelled", secondment_event(secondment))
    host = domain.host_enterprise(secondment)
    if host and not records.hosts(host, secondment["mentor_id"]):
        # an enterprise sees the teachers it hosts: one whose visit was called off, no longer
        records.stop_hosting(secondment["mentor_id"], host)
    return records.find_secondment(secondment_id)


def secondment_ended(uow: Work, secondment: Mapping[str, Any], how: str, today: date,
                     rule: DoubleQualifiedRule) -> None:
    for assignment in uow.records.active_assignments_of_secondment(secondment["_id"]):
        flag_for_reassignment(uow, assignment, "secondment %s %s on %s" % (
            secondment["_id"], how, today.isoformat()))
    if secondment["direction"] == OUTWARD:
        mentor = uow.records.find_mentor(secondment["mentor_id"])
        recompute_double_qualified(uow, mentor, today, rule,
                                   "secondment %s %s" % (secondment["_id"], how))


# timesheets ---------------------------------------------------------------

def log_timesheet(uow: Work, secondment_id: str, fields: Fields,
                  actor: Actor = None) -> Document:
    """The seconded mentor logs hours within the secondment's period."""
    secondment = may_log_hours(uow.records, secondment_id, actor)
    domain.check_timesheet_date(secondment, fields["work_date"])
    timesheet = {"_id": new_id(), "secondment_id": secondment_id,
                 "mentor_id": secondment["mentor_id"],
                 "enterprise_id": secondment["enterprise_id"],
                 "direction": secondment["direction"],
                 "work_date": fields["work_date"].isoformat(),
                 "term": term_of(fields["work_date"]), "hours": fields["hours"],
                 "activity": fields["activity"], "status": "submitted",
                 "reason": None, "decided_by": None, "created_at": utcnow()}
    uow.records.add_timesheet(timesheet)
    emit(uow, "timesheet_submitted", {
        "timesheet_id": timesheet["_id"], "secondment_id": secondment_id,
        "mentor_id": timesheet["mentor_id"], "enterprise_id": timesheet["enterprise_id"],
        "direction": timesheet["direction"], "work_date": timesheet["work_date"],
        "hours": float(timesheet["hours"])})
    return timesheet


def may_log_hours(records: MentorsRecords, secondment_id: str,
                  actor: Actor = None) -> Document:
    """The secondment, if the actor sees it (else NotFound) and may log hours
    on it (else Forbidden)."""
    secondment = visible_secondment(records, secondment_id, actor)
    domain.check_logs_own_hours(actor, secondment)
    return secondment


def may_decide(records: MentorsRecords, timesheet_id: str, actor: Actor = None) -> Document:
    """The timesheet, if the actor sees it (else NotFound) and hosts the
    work (else Forbidden)."""
    timesheet = visible_timesheet(records, timesheet_id, actor)
    domain.check_host_decides(actor, timesheet)
    return timesheet


def visible_timesheet(records: MentorsRecords, timesheet_id: str,
                      actor: Actor = None) -> Document:
    timesheet = records.timesheet(timesheet_id)
    domain.check_secondment_visible(actor, timesheet, "timesheet")
    return timesheet


def timesheets_page(records: MentorsRecords, secondment_id: str,
                    params: Fields) -> dict[str, Any]:
    criteria = {"secondment_id": secondment_id}
    if params["status"]:
        criteria["status"] = params["status"]
    return records.timesheets_page(criteria, dict(params))


def decide_timesheet(uow: Work, timesheet_id: str, fields: Fields,
                     decided_by: Optional[str] = None,
                     actor: Actor = None) -> Optional[Document]:
    """The host's decision; approved hours count on the secondment and in
    the enterprise's contribution ledger."""
    records = uow.records
    timesheet = may_decide(records, timesheet_id, actor)
    if not records.decide_timesheet(timesheet_id, fields["decision"], fields["reason"],
                                    decided_by):
        raise domain.timesheet_decided_already(timesheet)
    if fields["decision"] == "approved":
        records.add_approved_hours(timesheet["secondment_id"], timesheet["hours"])
        records.add_to_ledger(timesheet["enterprise_id"], timesheet["term"],
                              **{domain.hours_counter(timesheet["direction"]):
                                 timesheet["hours"]})
    emit(uow, "timesheet_decided", {
        "timesheet_id": timesheet_id, "secondment_id": timesheet["secondment_id"],
        "mentor_id": timesheet["mentor_id"], "enterprise_id": timesheet["enterprise_id"],
        "direction": timesheet["direction"], "work_date": timesheet["work_date"],
        "hours": float(timesheet["hours"]), "decision": fields["decision"]})
    return records.find_timesheet(timesheet_id)


def contribution_ledger(records: MentorsRecords, enterprise_id: str, params: Fields,
                        actor: Actor = None) -> dict[str, Any]:
    """Per term, what the enterprise gave and hosted (counters not counted yet at zero)."""
    domain.check_enterprise_visible(actor, enterprise_id)
    entries, total = records.ledger_entries(enterprise_id, params["term"], params["offset"],
                                            params["limit"])
    return {"items": [domain.ledger_entry(entry) for entry in entries],
            "offset": params["offset"], "limit": params["limit"], "total": total}


# double-qualified ---------------------------------------------------------

def recompute_double_qualified(uow: Work, mentor: Optional[Mapping[str, Any]], today: date,
                               rule: DoubleQualifiedRule, trigger: str) -> Optional[bool]:
    """Derive the teacher's status from the facts; a change is kept in the
    history with its reason and announced."""
    if mentor is None or mentor["kind"] != "teacher":
        return None
    records = uow.records
    secondments = records.completed_outward_secondments(mentor["_id"])
    certificates = records.certificates_of(mentor["_id"])
    qualified, reason, review_on = rule.evaluate(
        secondments, certificates, mentor.get("industry_qualifications", []), today)
    records.set_double_qualified(mentor["_id"], qualified, reason,
                                 domain.review_day(qualified, review_on))
    if qualified != bool(mentor.get("double_qualified")):
        changed_at = utcnow()
        records.add_double_qualified_change({
            "_id": new_id(), "mentor_id": mentor["_id"], "double_qualified": qualified,
            "reason": reason, "trigger": trigger, "changed_at": changed_at,
            "created_at": changed_at})
        emit(uow, "double_qualified_changed", {
            "mentor_id": mentor["_id"], "double_qualified": qualified, "reason": reason,
            "changed_at": changed_at.isoformat()})
    return qualified


def review_double_qualified(uow: Work, mentor_id: str, today: date,
                            rule: DoubleQualifiedRule) -> Optional[bool]:
    """The calendar's look at a teacher whose window has slid."""
    return recompute_double_qualified(
        uow, uow.records.find_mentor(mentor_id), today, rule,
        "the %d-year window moved to %s" % (rule.window_years, today.isoformat()))


# what other services tell us ----------------------------------------------

def partner_registered(uow: Work, data: Fields) -> None:
    uow.records.remember_partner(data["partner_id"], {"legal_name": data["legal_name"]})


def apprentice_enrolled(uow: Work, data: Fields) -> None:
    """An apprenticeship's student enrolled: remembered, and given mentors."""
    uow.records.remember_apprentice(data["student_id"], {
        "name": data["name"], "student_number": data["student_number"],
        "programme_id": data["programme_id"], "sponsor_partner_id": data["partner_id"],
        "enrolled": True})
    provide_apprentice_mentors(uow, uow.records.find_apprentice(data["student_id"]))


def apprentice_contract_signed(uow: Work, data: Fields) -> None:
    """The contract names the employer, whose own mentor the apprentice gets;
    it may arrive before the enrolment: remembered until then."""
    uow.records.remember_apprentice(data["student_id"], {
        "contract_partner_id": data["partner_id"], "contract_id": data["contract_id"]})
    provide_apprentice_mentors(uow, uow.records.find_apprentice(data["student_id"]))


def apprenticeship_ended(uow: Work, student_id: str, reason: str) -> None:
    if uow.records.find_apprentice(student_id):
        close_apprentice_slots(uow, student_id, reason)


def team_formed(uow: Work, data: Fields) -> None:
    """A team formed on a project gets a team mentor (the project's preferred one if they fit)."""
    fill_slot(uow, ensure_slot(uow, domain.team_slot(data)))


def certificate_issued(uow: Work, data: Fields, today: date,
                       rule: DoubleQualifiedRule) -> None:
    uow.records.remember_certificate(data["certificate_number"], {
        "candidate_id": data["candidate_id"], "certificate_code": data["certificate_code"],
        "certificate_number": data["certificate_number"], "level": data["level"],
        "issued_on": data["issued_on"].isoformat()})  # a revocation may have come first
    recompute_double_qualified(
        uow, uow.records.find_mentor(data["candidate_id"]), today, rule,
        "%s certificate %s issued" % (data["level"], data["certificate_number"]))


def certificate_revoked(uow: Work, data: Fields, today: date,
                        rule: DoubleQualifiedRule) -> None:
    # upserted: the revocation may overtake the issue on its own queue
    uow.records.remember_certificate(data["certificate_number"], {
        "candidate_id": data["candidate_id"], "revoked": True,
        "revoked_reason": data["reason"]})
    recompute_double_qualified(
        uow, uow.records.find_mentor(data["candidate_id"]), today, rule,
        "certificate %s revoked: %s" % (data["certificate_number"], data["reason"]))


# the aggregated views' read models (docs/views.md) -------------------------

def student_summaries(records: MentorsRecords, student_ids: list[str]) -> dict[str, Any]:
    """{student_id: {"mentors": ...}}; {} for a student who is no apprentice here."""
    known = records.known_apprentice_ids(student_ids)
    slots: dict[str, list[Document]] = {}
    for slot in records.slots_of_students(student_ids):
        slots.setdefault(slot["student_id"], []).append(slot)
    assignments = records.assignments_by_id(
        [s["assignment_id"] for held in slots.values() for s in held if s.get("assignment_id")])
    return {student_id: summaries.student_part(slots.get(student_id, []), assignments)
            if student_id in known or student_id in slots else {}
            for student_id in student_ids}


def enterprise_summaries(records: MentorsRecords, enterprise_ids: list[str]) -> dict[str, Any]:
    """{enterprise_id: {"mentors", "hosted_teachers", "contribution"}}; {} for
    an enterprise this service does not know."""
    known = records.known_partner_ids(enterprise_ids)
    mentors: dict[str, list[Document]] = {}
    secondments: dict[str, list[Document]] = {}
    for mentor in records.mentors_of_enterprises(enterprise_ids):
        mentors.setdefault(mentor["enterprise_id"], []).append(mentor)
    for secondment in records.secondments_of_enterprises(enterprise_ids):
        secondments.setdefault(secondment["enterprise_id"], []).append(secondment)
    return {enterprise_id: summaries.enterprise_part(mentors.get(enterprise_id, []),
                                                     secondments.get(enterprise_id, []))
            if enterprise_id in known | set(mentors) | set(secondments) else {}
            for enterprise_id in enterprise_ids}


def indicator_facts(records: MentorsRecords) -> Any:
    """The mentors service's contribution to the dashboard."""
    teachers = records.active_teachers()
    held = records.held_slots(summaries.HELD, summaries.SLOT_PART)
    apprentices = records.apprentices_by_id({s["student_id"] for s in held})
    return summaries.indicator_facts(teachers, held, apprentices,
                                     records.approved_inward_timesheets())
