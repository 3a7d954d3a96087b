"""An in-memory ``MentorsRecords``: the same domain verbs on dicts, so that
the workflows are unit-tested with ``FakeUnitOfWork`` and no database.
Documents go in and come out as copies, as they do from a database."""
import copy
from datetime import datetime, timezone

from college_platform.errors import NotFound
from mentors.domain import (
    ACTIVE,
    CANCELLED,
    CLOSED,
    COMPLETED,
    FILLED,
    NEEDS_REASSIGNMENT,
    OCCUPYING,
    PLANNED,
    VACANT,
)

COLLECTIONS = ("mentors", "secondments", "timesheets", "slots", "assignments", "apprentices",
               "certificates", "ledger", "double_qualified_history", "partners")
# a collection is an attribute of the same name, but for one a verb is named after
ATTRIBUTE = {"double_qualified_history": "double_qualified_changes"}


def now():
    return datetime.now(timezone.utc)


def matches(document, criteria):
    """The part of Mongo's query language the verbs use."""
    for key, wanted in criteria.items():
        if key == "$or":
            if not any(matches(document, branch) for branch in wanted):
                return False
            continue
        value = document.get(key)
        if isinstance(wanted, dict):
            for operator, operand in wanted.items():
                if operator == "$in" and value not in operand:
                    return False
                if operator == "$ne" and value == operand:
                    return False
                if operator == "$lte" and not (value is not None and value <= operand):
                    return False
                if operator == "$gte" and not (value is not None and value >= operand):
                    return False
                if operator == "$gt" and not (value is not None and value > operand):
                    return False
        elif isinstance(value, list):
            if wanted not in value:
                return False
        elif value != wanted:
            return False
    return True


class FakeMentorsRecords:

    def __init__(self):
        for name in COLLECTIONS:
            setattr(self, ATTRIBUTE.get(name, name), {})

    def _collection(self, name):
        return getattr(self, ATTRIBUTE.get(name, name))

    # helpers ------------------------------------------------------------------------

    def _all(self, collection, criteria=None, sort=None, limit=None):
        found = [copy.deepcopy(d) for d in self._collection(collection).values()
                 if matches(d, criteria or {})]
        for key, direction in reversed(sort or []):
            found.sort(key=lambda d: d.get(key), reverse=direction < 0)
        return found[:limit] if limit else found

    def _one(self, collection, criteria):
        found = self._all(collection, criteria, limit=1)
        return found[0] if found else None

    def _get(self, collection, id_, what):
        document = self._collection(collection).get(id_)
        if document is None:
            raise NotFound("%s %s does not exist" % (what, id_), id=id_)
        return copy.deepcopy(document)

    def _add(self, collection, document):
        self._collection(collection)[document["_id"]] = copy.deepcopy(document)

    def _set(self, collection, id_, fields):
        if id_ in self._collection(collection):
            self._collection(collection)[id_].update(copy.deepcopy(fields))

    def _remember(self, collection, id_, fields):
        stored = self._collection(collection).setdefault(id_, {"_id": id_})
        stored.update(copy.deepcopy(fields), updated_at=now())

    def _page(self, collection, criteria, params):
        found = self._all(collection, criteria, sort=[("created_at", -1), ("_id", 1)])
        offset, limit = params["offset"], params["limit"]
        return {"items": found[offset:offset + limit], "offset": offset, "limit": limit,
                "total": len(found)}

    # partners -----------------------------------------------------------------------

    def remember_partner(self, partner_id, fields):
        self._remember("partners", partner_id, fields)

    def partner(self, partner_id):
        return self._get("partners", partner_id, "partner")

    def is_partner(self, partner_id):
        return partner_id in self.partners

    # mentors ------------------------------------------------------------------------

    def add_mentor(self, mentor):
        self._add("mentors", mentor)

    def mentor(self, mentor_id):
        return self._get("mentors", mentor_id, "mentor")

    def find_mentor(self, mentor_id):
        return copy.deepcopy(self.mentors.get(mentor_id))

    def mentors_page(self, criteria, params, visible_to_enterprise=None):
        criteria = dict(criteria)
        if visible_to_enterprise:
            criteria["$or"] = [{"enterprise_id": visible_to_enterprise},
                               {"host_enterprise_ids": visible_to_enterprise}]
        return self._page("mentors", criteria, params)

    def add_industry_qualification(self, mentor_id, qualification):
        self.mentors[mentor_id]["industry_qualifications"].append(qualification)

    def take_load(self, mentor_id):
        mentor = self.mentors.get(mentor_id)
        if not mentor or mentor["status"] != "active" or mentor["spare_load"] <= 0:
            return False
        mentor["spare_load"] -= 1
        mentor["active_load"] += 1
        return True

    def give_back_load(self, mentor_id):
        mentor = self.mentors.get(mentor_id)
        if mentor and mentor["active_load"] > 0:
            mentor["spare_load"] += 1
            mentor["active_load"] -= 1

    def mentor_left(self, mentor_id, reason):
        self._set("mentors", mentor_id, {"status": "left", "left_reason": reason,
                                         "spare_load": 0})

    def count_secondment_planned(self, mentor_id, host_enterprise_id):
        mentor = self.mentors[mentor_id]
        mentor["secondments_planned"] = mentor.get("secondments_planned", 0) + 1
        if host_enterprise_id and host_enterprise_id not in mentor["host_enterprise_ids"]:
            mentor["host_enterprise_ids"].append(host_enterprise_id)

    def stop_hosting(self, mentor_id, enterprise_id):
        hosts = self.mentors[mentor_id]["host_enterprise_ids"]
        hosts[:] = [host for host in hosts if host != enterprise_id]

    def set_double_qualified(self, mentor_id, qualified, reason, review_on):
        self._set("mentors", mentor_id, {"double_qualified": qualified,
                                         "double_qualified_reason": reason,
                                         "double_qualified_review_on": review_on})

    def candidates(self, kind, enterprise_id, among):
        criteria = {"kind": kind, "status": "active", "spare_load": {"$gt": 0}}
        if kind == "industry":
            criteria["enterprise_id"] = enterprise_id
        return self._all("mentors", criteria, sort=[("spare_load", -1), ("_id", 1)],
                         limit=among)

    def mentor_ids_due_for_review(self, day, limit):
        return [m["_id"] for m in self._all(
            "mentors", {"double_qualified_review_on": {"$lte": day}}, limit=limit)]

    # secondments --------------------------------------------------------------------

    def add_secondment(self, secondment):
        self._add("secondments", secondment)

    def secondment(self, secondment_id):
        return self._get("secondments", secondment_id, "secondment")

    def find_secondment(self, secondment_id):
        return copy.deepcopy(self.secondments.get(secondment_id))

    def secondments_page(self, criteria, params):
        return self._page("secondments", criteria, params)

    def overlapping_secondment(self, mentor_id, starts_on, ends_on):
        return self._one("secondments", {
            "mentor_id": mentor_id, "status": {"$in": list(OCCUPYING)},
            "starts_on": {"$lte": ends_on}, "ends_on": {"$gte": starts_on}})

    def move_secondment(self, secondment_id, current, target, day):
        secondment = self.secondments.get(secondment_id)
        if secondment and secondment["status"] == current:
            secondment.update({"status": target, "%s_on" % target: day})

    def cancel_secondment(self, secondment_id, reason, day):
        self._set("secondments", secondment_id, {"status": CANCELLED, "cancel_reason": reason,
                                                 "cancelled_on": day})

    def add_approved_hours(self, secondment_id, hours):
        self.secondments[secondment_id]["approved_hours"] += hours

    def active_inward_secondment(self, mentor_id):
        return self._one("secondments", {"mentor_id": mentor_id, "status": ACTIVE,
                                         "direction": "inward"})

    def hosts(self, enterprise_id, mentor_id):
        return self._one("secondments", {"mentor_id": mentor_id, "enterprise_id": enterprise_id,
                                         "status": {"$ne": CANCELLED}}) is not None

    def completed_outward_secondments(self, mentor_id):
        return self._all("secondments", {"mentor_id": mentor_id, "direction": "outward",
                                         "status": COMPLETED})

    def secondment_ids_due(self, day, limit):
        due = self._all("secondments", {"status": PLANNED, "starts_on": {"$lte": day}},
                        limit=limit)
        due += self._all("secondments", {"status": ACTIVE, "ends_on": {"$lte": day}},
                         limit=limit)
        return [s["_id"] for s in due]

    # timesheets ---------------------------------------------------------------------

    def add_timesheet(self, timesheet):
        self._add("timesheets", timesheet)

    def timesheet(self, timesheet_id):
        return self._get("timesheets", timesheet_id, "timesheet")

    def find_timesheet(self, timesheet_id):
        return copy.deepcopy(self.timesheets.get(timesheet_id))

    def timesheets_page(self, criteria, params):
        return self._page("timesheets", criteria, params)

    def decide_timesheet(self, timesheet_id, decision, reason, decided_by):
        timesheet = self.timesheets.get(timesheet_id)
        if not timesheet or timesheet["status"] != "submitted":
            return False
        timesheet.update(status=decision, reason=reason, decided_by=decided_by,
                         decided_at=now())
        return True

    # slots --------------------------------------------------------------------------

    def slot(self, slot_id):
        return self._get("slots", slot_id, "slot")

    def find_slot(self, slot_id):
        return copy.deepcopy(self.slots.get(slot_id))

    def vacancies_page(self, criteria, params):
        return self._page("slots", {"status": {"$in": [VACANT, NEEDS_REASSIGNMENT]},
                                    **criteria}, params)

    def ensure_slot(self, slot):
        stored = self.slots.setdefault(slot["_id"], {
            "_id": slot["_id"], "status": VACANT, "mentor_id": None, "assignment_id": None,
            "created_at": now()})
        stored.update(copy.deepcopy({k: v for k, v in slot.items() if k != "_id"}))
        return self.find_slot(slot["_id"])

    def fill_slot(self, slot_id, mentor_id, assignment_id):
        self._set("slots", slot_id, {"status": FILLED, "mentor_id": mentor_id,
                                     "assignment_id": assignment_id, "updated_at": now()})

    def vacate_slot(self, slot_id):
        self._set("slots", slot_id, {"status": VACANT, "mentor_id": None, "assignment_id": None,
                                     "updated_at": now()})

    def flag_slot(self, slot_id):
        self._set("slots", slot_id, {"status": NEEDS_REASSIGNMENT, "updated_at": now()})

    def reopen_slot(self, slot_id):
        self._set("slots", slot_id, {"status": VACANT})

    def close_slot(self, slot_id):
        self._set("slots", slot_id, {"status": CLOSED, "mentor_id": None, "assignment_id": None,
                                     "updated_at": now()})

    def slots_of_student(self, student_id):
        return self._all("slots", {"student_id": student_id})

    def vacant_slots(self, kind, roles, enterprise_id, limit):
        criteria = {"status": VACANT, "role": {"$in": list(roles)}}
        if kind == "industry":
            criteria["enterprise_id"] = enterprise_id
        return self._all("slots", criteria, sort=[("created_at", 1)], limit=limit)

    def vacant_slot_ids(self, limit):
        return [s["_id"] for s in self._all("slots", {"status": VACANT}, limit=limit)]

    # assignments --------------------------------------------------------------------

    def add_assignment(self, assignment):
        self._add("assignments", assignment)

    def assignment(self, assignment_id):
        return self._get("assignments", assignment_id, "assignment")

    def find_assignment(self, assignment_id):
        return copy.deepcopy(self.assignments.get(assignment_id))

    def assignments_page(self, criteria, params):
        return self._page("assignments", criteria, params)

    def release_assignment(self, assignment_id, reason):
        self._set("assignments", assignment_id, {"status": "released", "reason": reason,
                                                 "released_at": now()})

    def flag_assignment(self, assignment_id, reason):
        self._set("assignments", assignment_id, {"status": NEEDS_REASSIGNMENT,
                                                 "reason": reason})

    def active_assignments_of_mentor(self, mentor_id):
        return self._all("assignments", {"mentor_id": mentor_id, "status": "active"})

    def active_assignments_of_secondment(self, secondment_id):
        return self._all("assignments", {"secondment_id": secondment_id, "status": "active"})

    # apprentices and certificates ---------------------------------------------------

    def remember_apprentice(self, student_id, fields):
        self._remember("apprentices", student_id, fields)

    def apprentice(self, student_id):
        return self._get("apprentices", student_id, "apprentice")

    def find_apprentice(self, student_id):
        return copy.deepcopy(self.apprentices.get(student_id))

    def apprentice_left(self, student_id):
        self._set("apprentices", student_id, {"enrolled": False})

    def remember_certificate(self, certificate_number, fields):
        self._remember("certificates", certificate_number, fields)

    def certificates_of(self, candidate_id):
        return self._all("certificates", {"candidate_id": candidate_id})

    # the ledger and the history -----------------------------------------------------

    def add_to_ledger(self, enterprise_id, term, **increments):
        entry = self.ledger.setdefault("%s:%s" % (enterprise_id, term), {
            "_id": "%s:%s" % (enterprise_id, term), "enterprise_id": enterprise_id,
            "term": term, "created_at": now()})
        for counter, amount in increments.items():
            entry[counter] = entry.get(counter, 0) + amount

    def ledger_entries(self, enterprise_id, term, offset, limit):
        criteria = {"enterprise_id": enterprise_id}
        if term:
            criteria["term"] = term
        found = self._all("ledger", criteria, sort=[("term", -1)])
        return found[offset:offset + limit], len(found)

    def add_double_qualified_change(self, change):
        self._add("double_qualified_history", change)

    def double_qualified_history(self, mentor_id, limit=50):
        return self._all("double_qualified_history", {"mentor_id": mentor_id},
                         sort=[("changed_at", -1)], limit=limit)

    # the aggregated views' read models ----------------------------------------------

    def known_apprentice_ids(self, student_ids):
        return {i for i in student_ids if i in self.apprentices}

    def slots_of_students(self, student_ids):
        return self._all("slots", {"student_id": {"$in": list(student_ids)}})

    def assignments_by_id(self, assignment_ids):
        return {i: self.find_assignment(i) for i in assignment_ids if i in self.assignments}

    def known_partner_ids(self, partner_ids):
        return {i for i in partner_ids if i in self.partners}

    def mentors_of_enterprises(self, enterprise_ids):
        return self._all("mentors", {"enterprise_id": {"$in": list(enterprise_ids)}})

    def secondments_of_enterprises(self, enterprise_ids):
        return self._all("secondments", {"enterprise_id": {"$in": list(enterprise_ids)}})

    def active_teachers(self):
        return self._all("mentors", {"kind": "teacher", "status": "active"})

    def held_slots(self, statuses, roles):
        return self._all("slots", {"status": {"$in": list(statuses)},
                                   "role": {"$in": list(roles)}})

    def apprentices_by_id(self, student_ids):
        return {i: self.find_apprentice(i) for i in student_ids if i in self.apprentices}

    def approved_inward_timesheets(self):
        return self._all("timesheets", {"status": "approved", "direction": "inward"})
