"""The mentors service's state changes, each a function of one unit of work
(``uow``: a transaction with its outbox). Entrypoints in ``service.py`` only
validate input and call these inside ``store.transact``/``handle_once``."""
import hashlib

from pymongo import ASCENDING, DESCENDING

from college_contracts import emitter
from college_platform.envelope import utcnow
from college_platform.errors import Conflict
from college_platform.repository import get_or_raise, new_id
from mentors.domain import (
    ACTIVE,
    CANCELLED,
    CLOSED,
    COMPLETED,
    FILLED,
    NEEDS_REASSIGNMENT,
    ROLE_MENTOR_KIND,
    VACANT,
    apprentice_slots,
    as_date,
    check_mentor_fits,
    check_secondment_move,
    secondment_moves_due,
    term_of,
)

emit = emitter("mentors")


def find_one(uow, collection, query, **kwargs):
    return uow.db[collection].find_one(query, session=uow.session, **kwargs)


def find(uow, collection, query, **kwargs):
    return list(uow.db[collection].find(query, session=uow.session, **kwargs))


# load ---------------------------------------------------------------------

def take_load(uow, mentor_id):
    """One more assignment for the mentor, only if under their load limit.
    The conditional update runs inside the transaction: two concurrent
    assignments of the last place conflict and one of them retries, sees
    no spare load and fails."""
    result = uow.db.mentors.update_one(
        {"_id": mentor_id, "status": "active", "spare_load": {"$gt": 0}},
        {"$inc": {"spare_load": -1, "active_load": 1}}, session=uow.session)
    return result.modified_count == 1


def give_back_load(uow, mentor_id):
    uow.db.mentors.update_one({"_id": mentor_id, "active_load": {"$gt": 0}},
                              {"$inc": {"spare_load": 1, "active_load": -1}},
                              session=uow.session)


# assignments --------------------------------------------------------------

def assignment_event(assignment, reason=None):
    return {"assignment_id": assignment["_id"], "mentor_id": assignment["mentor_id"],
            "role": assignment["role"], "student_id": assignment.get("student_id"),
            "project_id": assignment.get("project_id"), "team_id": assignment.get("team_id"),
            "reason": reason}


def assign(uow, slot, mentor, reason):
    """Give ``slot`` to ``mentor`` (who has already taken the load); the
    slot's previous assignment, if any, is released."""
    current = slot.get("assignment_id")
    if current:
        release(uow, get_or_raise(uow.db.assignments, current, "assignment", uow.session),
                "reassigned to %s" % mentor["name"], free_slot=False)
    secondment = find_one(uow, "secondments", {"mentor_id": mentor["_id"], "status": ACTIVE,
                                               "direction": "inward"})
    assignment = {
        "_id": new_id(), "slot_id": slot["_id"], "mentor_id": mentor["_id"],
        "mentor_name": mentor["name"], "role": slot["role"],
        "student_id": slot.get("student_id"), "project_id": slot.get("project_id"),
        "team_id": slot.get("team_id"), "enterprise_id": slot.get("enterprise_id"),
        # an expert mentoring while seconded to the college: revisited when that ends
        "secondment_id": secondment["_id"] if secondment else None,
        "status": "active", "reason": reason, "created_at": utcnow(),
    }
    uow.db.assignments.insert_one(assignment, session=uow.session)
    uow.db.slots.update_one({"_id": slot["_id"]}, {"$set": {
        "status": FILLED, "mentor_id": mentor["_id"], "assignment_id": assignment["_id"],
        "updated_at": utcnow()}}, session=uow.session)
    emit(uow, "mentor_assigned", assignment_event(assignment, reason))
    return assignment


def release(uow, assignment, reason, free_slot=True):
    if assignment["status"] == "released":
        raise Conflict("assignment %s is already released" % assignment["_id"])
    uow.db.assignments.update_one({"_id": assignment["_id"]}, {"$set": {
        "status": "released", "reason": reason, "released_at": utcnow()}}, session=uow.session)
    give_back_load(uow, assignment["mentor_id"])
    if free_slot:
        uow.db.slots.update_one({"_id": assignment["slot_id"]}, {"$set": {
            "status": VACANT, "mentor_id": None, "assignment_id": None,
            "updated_at": utcnow()}}, session=uow.session)
    emit(uow, "mentor_released", assignment_event(assignment, reason))


def flag_for_reassignment(uow, assignment, reason):
    uow.db.assignments.update_one({"_id": assignment["_id"]}, {"$set": {
        "status": NEEDS_REASSIGNMENT, "reason": reason}}, session=uow.session)
    uow.db.slots.update_one({"_id": assignment["slot_id"]}, {"$set": {
        "status": NEEDS_REASSIGNMENT, "updated_at": utcnow()}}, session=uow.session)
    emit(uow, "assignment_needs_reassignment", assignment_event(assignment, reason))


def candidates_for(uow, slot, limit=5, among=50):
    """Active mentors of the right kind (and enterprise) with spare load,
    least loaded first; equally loaded ones in an order of the slot's own,
    so that the apprentices of one intake, assigned at the same moment, do
    not all reach for the same mentor (and conflict over their load)."""
    kind = ROLE_MENTOR_KIND[slot["role"]]
    query = {"kind": kind, "status": "active", "spare_load": {"$gt": 0}}
    if kind == "industry":
        query["enterprise_id"] = slot.get("enterprise_id")
    found = find(uow, "mentors", query, sort=[("spare_load", DESCENDING), ("_id", ASCENDING)],
                 limit=among)
    return least_loaded_first(found, slot["_id"])[:limit]


def least_loaded_first(mentors, slot_id):
    """Most spare load first; ties in an order that depends on the slot."""
    def spread(mentor):
        return hashlib.blake2b(("%s/%s" % (slot_id, mentor["_id"])).encode(),
                               digest_size=8).digest()
    return sorted(mentors, key=lambda mentor: (-mentor["spare_load"], spread(mentor)))


def fill_slot(uow, slot, reason="assigned automatically"):
    """Assign the preferred mentor if they fit, else the least-loaded
    candidate; None when nobody can take the slot (it stays listed)."""
    if slot["status"] == FILLED:
        return None
    preferred = slot.get("preferred_mentor_id")
    candidates = []
    if preferred:
        mentor = find_one(uow, "mentors", {"_id": preferred})
        if mentor and _fits(mentor, slot):
            candidates.append(mentor)
    candidates += [m for m in candidates_for(uow, slot) if m["_id"] != preferred]
    for mentor in candidates:
        if mentor["_id"] == slot.get("mentor_id"):
            continue  # the mentor being replaced
        if take_load(uow, mentor["_id"]):
            return assign(uow, slot, mentor, reason)
    return None


def _fits(mentor, slot):
    try:
        check_mentor_fits(mentor, slot)
    except Conflict:
        return False
    return True


def assign_by_hand(uow, slot_id, mentor_id):
    slot = get_or_raise(uow.db.slots, slot_id, "slot", uow.session)
    mentor = get_or_raise(uow.db.mentors, mentor_id, "mentor", uow.session)
    if slot["status"] == CLOSED:
        raise Conflict("slot %s is closed: the apprentice has left" % slot_id)
    if slot["status"] == FILLED and slot.get("mentor_id") == mentor_id:
        raise Conflict("mentor %s already holds this slot" % mentor_id)
    check_mentor_fits(mentor, slot)
    if not take_load(uow, mentor_id):
        raise Conflict("mentor %s is at their load limit (%d)" % (mentor_id, mentor["load_limit"]),
                       load_limit=mentor["load_limit"])
    return assign(uow, slot, mentor, "assigned by the mentor coordinator")


def ensure_slot(uow, slot):
    """Create the slot if new (vacant); return the stored one."""
    now = utcnow()
    uow.db.slots.update_one({"_id": slot["_id"]}, {
        "$setOnInsert": {"status": VACANT, "mentor_id": None, "assignment_id": None,
                         "created_at": now},
        "$set": {key: value for key, value in slot.items() if key != "_id"}},
        upsert=True, session=uow.session)
    return find_one(uow, "slots", {"_id": slot["_id"]})


def provide_apprentice_mentors(uow, apprentice):
    """Every enrolled apprentice gets a college tutor and, once their
    enterprise is known, an enterprise mentor from it."""
    for wanted in apprentice_slots(apprentice):
        slot = ensure_slot(uow, {**wanted, "kind": "apprentice",
                                 "student_id": apprentice["_id"],
                                 "student_name": apprentice.get("name")})
        current = slot.get("assignment_id")
        if current and wanted["enterprise_id"] and slot.get("mentor_id"):
            mentor = find_one(uow, "mentors", {"_id": slot["mentor_id"]})
            if mentor and mentor.get("enterprise_id") != wanted["enterprise_id"]:
                # the contract named another employer: its own mentor takes over
                release(uow, find_one(uow, "assignments", {"_id": current}),
                        "the apprentice's employer is %s" % wanted["enterprise_id"])
                slot = find_one(uow, "slots", {"_id": slot["_id"]})
        if slot["status"] == CLOSED:  # enrolled again after leaving
            uow.db.slots.update_one({"_id": slot["_id"]}, {"$set": {"status": VACANT}},
                                    session=uow.session)
            slot["status"] = VACANT
        if slot["status"] == VACANT:
            fill_slot(uow, slot)


def close_apprentice_slots(uow, student_id, reason):
    """An apprentice who leaves (withdrawn, graduated) frees their mentors;
    their slots close rather than being listed as vacancies."""
    uow.db.apprentices.update_one({"_id": student_id}, {"$set": {"enrolled": False}},
                                  session=uow.session)
    for slot in find(uow, "slots", {"student_id": student_id}):
        if slot.get("assignment_id") and slot["status"] in (FILLED, NEEDS_REASSIGNMENT):
            release(uow, find_one(uow, "assignments", {"_id": slot["assignment_id"]}), reason)
        uow.db.slots.update_one({"_id": slot["_id"]}, {"$set": {
            "status": CLOSED, "mentor_id": None, "assignment_id": None,
            "updated_at": utcnow()}}, session=uow.session)


def fill_vacancies_for(uow, mentor):
    """A new mentor takes vacant slots they fit, up to their load limit."""
    roles = [role for role, kind in ROLE_MENTOR_KIND.items() if kind == mentor["kind"]]
    query = {"status": VACANT, "role": {"$in": roles}}
    if mentor["kind"] == "industry":
        query["enterprise_id"] = mentor["enterprise_id"]
    for slot in find(uow, "slots", query, sort=[("created_at", ASCENDING)],
                     limit=mentor["load_limit"]):
        if not take_load(uow, mentor["_id"]):
            break
        mentor = find_one(uow, "mentors", {"_id": mentor["_id"]})
        assign(uow, slot, mentor, "assigned automatically")


def mentor_leaves(uow, mentor_id, reason):
    mentor = get_or_raise(uow.db.mentors, mentor_id, "mentor", uow.session)
    if mentor["status"] != "active":
        raise Conflict("mentor %s has already left" % mentor_id)
    uow.db.mentors.update_one({"_id": mentor_id}, {"$set": {
        "status": "left", "left_reason": reason, "spare_load": 0}}, session=uow.session)
    for assignment in find(uow, "assignments", {"mentor_id": mentor_id,
                                                "status": "active"}):
        flag_for_reassignment(uow, assignment, "mentor %s left: %s" % (mentor["name"], reason))
    emit(uow, "mentor_left", {"mentor_id": mentor_id, "kind": mentor["kind"],
                              "enterprise_id": mentor.get("enterprise_id"), "reason": reason})
    return find_one(uow, "mentors", {"_id": mentor_id})


# secondments --------------------------------------------------------------

def secondment_event(secondment):
    return {"secondment_id": secondment["_id"], "mentor_id": secondment["mentor_id"],
            "direction": secondment["direction"], "enterprise_id": secondment["enterprise_id"],
            "starts_on": secondment["starts_on"], "ends_on": secondment["ends_on"],
            "approved_hours": float(secondment.get("approved_hours", 0.0))}


def add_to_ledger(uow, enterprise_id, term, **increments):
    uow.db.ledger.update_one(
        {"_id": "%s:%s" % (enterprise_id, term)},
        {"$inc": increments,
         "$setOnInsert": {"enterprise_id": enterprise_id, "term": term,
                          "created_at": utcnow()}},
        upsert=True, session=uow.session)


def advance_secondment(uow, secondment_id, today, rule):
    """Apply the moves the calendar owes the secondment and return them;
    idempotent: the status read in this transaction decides, so a second run
    (or a second instance, whose concurrent write conflicts and retries)
    finds nothing due."""
    secondment = find_one(uow, "secondments", {"_id": secondment_id})
    moves = secondment_moves_due(secondment, today) if secondment else []
    for target in moves:
        uow.db.secondments.update_one(
            {"_id": secondment_id, "status": secondment["status"]},
            {"$set": {"status": target, "%s_on" % target: today.isoformat()}},
            session=uow.session)
        secondment["status"] = target
        if target == ACTIVE:
            emit(uow, "secondment_started", secondment_event(secondment))
            if secondment["direction"] == "outward":
                add_to_ledger(uow, secondment["enterprise_id"],
                              term_of(as_date(secondment["starts_on"])),
                              teacher_placements_hosted=1)
        else:
            emit(uow, "secondment_completed", secondment_event(secondment))
            secondment_ended(uow, secondment, "completed", today, rule)
    return moves


def cancel_secondment(uow, secondment_id, reason, today, rule):
    secondment = get_or_raise(uow.db.secondments, secondment_id, "secondment", uow.session)
    check_secondment_move(secondment["status"], CANCELLED)
    uow.db.secondments.update_one({"_id": secondment_id}, {"$set": {
        "status": CANCELLED, "cancel_reason": reason, "cancelled_on": today.isoformat()}},
        session=uow.session)
    secondment_ended(uow, {**secondment, "status": CANCELLED}, "cancelled", today, rule)
    emit(uow, "secondment_cancelled", secondment_event(secondment))
    if secondment["direction"] == "outward" and not find_one(uow, "secondments", {
            "mentor_id": secondment["mentor_id"], "enterprise_id": secondment["enterprise_id"],
            "status": {"$ne": CANCELLED}}):
        # an enterprise sees the teachers it hosts: one whose visit was called off, no longer
        uow.db.mentors.update_one({"_id": secondment["mentor_id"]}, {"$pull": {
            "host_enterprise_ids": secondment["enterprise_id"]}}, session=uow.session)
    return find_one(uow, "secondments", {"_id": secondment_id})


def secondment_ended(uow, secondment, how, today, rule):
    for assignment in find(uow, "assignments", {"secondment_id": secondment["_id"],
                                                "status": "active"}):
        flag_for_reassignment(uow, assignment, "secondment %s %s on %s" % (
            secondment["_id"], how, today.isoformat()))
    if secondment["direction"] == "outward":
        mentor = find_one(uow, "mentors", {"_id": secondment["mentor_id"]})
        recompute_double_qualified(uow, mentor, today, rule,
                                   "secondment %s %s" % (secondment["_id"], how))


# double-qualified ---------------------------------------------------------

def recompute_double_qualified(uow, mentor, today, rule, trigger):
    """Derive the teacher's status from the facts; a change is kept in the
    history with its reason and announced."""
    if mentor is None or mentor["kind"] != "teacher":
        return None
    secondments = find(uow, "secondments", {"mentor_id": mentor["_id"],
                                            "direction": "outward", "status": COMPLETED})
    certificates = find(uow, "certificates", {"candidate_id": mentor["_id"]})
    qualified, reason, review_on = rule.evaluate(
        secondments, certificates, mentor.get("industry_qualifications", []), today)
    uow.db.mentors.update_one({"_id": mentor["_id"]}, {"$set": {
        "double_qualified": qualified, "double_qualified_reason": reason,
        # only a qualified teacher can lose the status as the window slides
        "double_qualified_review_on": review_on.isoformat() if qualified and review_on
        else None}}, session=uow.session)
    if qualified != bool(mentor.get("double_qualified")):
        changed_at = utcnow()
        uow.db.double_qualified_history.insert_one({
            "_id": new_id(), "mentor_id": mentor["_id"], "double_qualified": qualified,
            "reason": reason, "trigger": trigger, "changed_at": changed_at,
            "created_at": changed_at}, session=uow.session)
        emit(uow, "double_qualified_changed", {
            "mentor_id": mentor["_id"], "double_qualified": qualified, "reason": reason,
            "changed_at": changed_at.isoformat()})
    return qualified

