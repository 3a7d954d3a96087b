"""The mentors service's collections in domain verbs: what the workflows
read and write, and nothing else touches the database (``MongoStore(
records=MentorsRecords)`` gives every unit of work one, as ``uow.records``).
Built without a session it reads outside any transaction, as the read-only
entrypoints do. ``tests/fake_mentors_records.py`` implements the same verbs on dicts."""
from typing import Any, Iterable, Optional

from pymongo import ASCENDING, DESCENDING
from pymongo.client_session import ClientSession
from pymongo.database import Database

from college_platform.envelope import utcnow
from college_platform.repository import get_or_raise, page, remember_copy
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

Document = dict[str, Any]
Page = dict[str, Any]


class MentorsRecords:
    """Mentors, secondments, timesheets, slots, assignments, the local copies
    of apprentices, certificates and partners, the contribution ledger and
    the double-qualified history."""

    def __init__(self, db: Database, session: Optional[ClientSession] = None) -> None:
        self.db = db
        self.session = session

    def _one(self, collection: str, query: dict[str, Any],
             **options: Any) -> Optional[Document]:
        found: Optional[Document] = self.db[collection].find_one(
            query, session=self.session, **options)
        return found

    def _all(self, collection: str, query: dict[str, Any], **options: Any) -> list[Document]:
        return list(self.db[collection].find(query, session=self.session, **options))

    def _set(self, collection: str, id_: str, fields: dict[str, Any]) -> None:
        self.db[collection].update_one({"_id": id_}, {"$set": fields}, session=self.session)

    def _remember(self, collection: str, id_: str, fields: dict[str, Any]) -> None:
        """Upsert a local copy of another service's record (``remember_copy``,
        which takes anything with ``db`` and ``session``)."""
        remember_copy(self, collection, id_, fields)

    def _page(self, collection: str, criteria: dict[str, Any], params: dict[str, Any]) -> Page:
        return page(self.db[collection], criteria, params["offset"], params["limit"],
                    params.get("sort"))

    # partners (copies of enrollment's) ----------------------------------------------

    def remember_partner(self, partner_id: str, fields: dict[str, Any]) -> None:
        self._remember("partners", partner_id, fields)

    def partner(self, partner_id: str) -> Document:
        return get_or_raise(self.db.partners, partner_id, "partner", self.session)

    def is_partner(self, partner_id: str) -> bool:
        return self._one("partners", {"_id": partner_id}) is not None

    # mentors ------------------------------------------------------------------------

    def add_mentor(self, mentor: Document) -> None:
        self.db.mentors.insert_one(mentor, session=self.session)

    def mentor(self, mentor_id: str) -> Document:
        """The mentor, or NotFound."""
        return get_or_raise(self.db.mentors, mentor_id, "mentor", self.session)

    def find_mentor(self, mentor_id: str) -> Optional[Document]:
        return self._one("mentors", {"_id": mentor_id})

    def mentors_page(self, criteria: dict[str, Any], params: dict[str, Any],
                     visible_to_enterprise: Optional[str] = None) -> Page:
        """Those of an enterprise: its own experts and the teachers it hosts."""
        criteria = dict(criteria)
        if visible_to_enterprise:
            criteria["$or"] = [{"enterprise_id": visible_to_enterprise},
                               {"host_enterprise_ids": visible_to_enterprise}]
        return self._page("mentors", criteria, params)

    def add_industry_qualification(self, mentor_id: str, qualification: str) -> None:
        self.db.mentors.update_one({"_id": mentor_id}, {"$push": {
            "industry_qualifications": qualification}}, session=self.session)

    def take_load(self, mentor_id: str) -> bool:
        """One more assignment for the mentor, only if under their load limit.
        The conditional update runs inside the transaction: two concurrent
        assignments of the last place conflict and one of them retries, sees
        no spare load and fails."""
        result = self.db.mentors.update_one(
            {"_id": mentor_id, "status": "active", "spare_load": {"$gt": 0}},
            {"$inc": {"spare_load": -1, "active_load": 1}}, session=self.session)
        return result.modified_count == 1

    def give_back_load(self, mentor_id: str) -> None:
        self.db.mentors.update_one({"_id": mentor_id, "active_load": {"$gt": 0}},
                                   {"$inc": {"spare_load": 1, "active_load": -1}},
                                   session=self.session)

    def mentor_left(self, mentor_id: str, reason: str) -> None:
        self._set("mentors", mentor_id, {"status": "left", "left_reason": reason,
                                         "spare_load": 0})

    def count_secondment_planned(self, mentor_id: str, host_enterprise_id: Optional[str]) -> None:
        """Writing the mentor makes two concurrent secondments of one mentor
        conflict, so an overlap check cannot be passed by both; an outward
        one makes the enterprise a host of the teacher."""
        change: dict[str, Any] = {"$inc": {"secondments_planned": 1}}
        if host_enterprise_id:
            change["$addToSet"] = {"host_enterprise_ids": host_enterprise_id}
        self.db.mentors.update_one({"_id": mentor_id}, change, session=self.session)

    def stop_hosting(self, mentor_id: str, enterprise_id: str) -> None:
        self.db.mentors.update_one({"_id": mentor_id}, {"$pull": {
            "host_enterprise_ids": enterprise_id}}, session=self.session)

    def set_double_qualified(self, mentor_id: str, qualified: bool, reason: str,
                             review_on: Optional[str]) -> None:
        self._set("mentors", mentor_id, {"double_qualified": qualified,
                                         "double_qualified_reason": reason,
                                         "double_qualified_review_on": review_on})

    def candidates(self, kind: str, enterprise_id: Optional[str], among: int) -> list[Document]:
        """Active mentors of ``kind`` with spare load (of the enterprise, for
        an industry mentor), most spare load first."""
        query: dict[str, Any] = {"kind": kind, "status": "active", "spare_load": {"$gt": 0}}
        if kind == "industry":
            query["enterprise_id"] = enterprise_id
        return self._all("mentors", query, sort=[("spare_load", DESCENDING), ("_id", ASCENDING)],
                         limit=among)

    def mentor_ids_due_for_review(self, day: str, limit: int) -> list[str]:
        return [mentor["_id"] for mentor in self._all(
            "mentors", {"double_qualified_review_on": {"$lte": day}}, projection={"_id": 1},
            limit=limit)]

    # secondments --------------------------------------------------------------------

    def add_secondment(self, secondment: Document) -> None:
        self.db.secondments.insert_one(secondment, session=self.session)

    def secondment(self, secondment_id: str) -> Document:
        """The secondment, or NotFound."""
        return get_or_raise(self.db.secondments, secondment_id, "secondment", self.session)

    def find_secondment(self, secondment_id: str) -> Optional[Document]:
        return self._one("secondments", {"_id": secondment_id})

    def secondments_page(self, criteria: dict[str, Any], params: dict[str, Any]) -> Page:
        return self._page("secondments", criteria, params)

    def overlapping_secondment(self, mentor_id: str, starts_on: str,
                               ends_on: str) -> Optional[Document]:
        """One of the mentor's secondments (not cancelled) in that period."""
        return self._one("secondments", {
            "mentor_id": mentor_id, "status": {"$in": list(OCCUPYING)},
            "starts_on": {"$lte": ends_on}, "ends_on": {"$gte": starts_on}})

    def move_secondment(self, secondment_id: str, current: str, target: str, day: str) -> None:
        self.db.secondments.update_one(
            {"_id": secondment_id, "status": current},
            {"$set": {"status": target, "%s_on" % target: day}}, session=self.session)

    def cancel_secondment(self, secondment_id: str, reason: str, day: str) -> None:
        self._set("secondments", secondment_id, {"status": CANCELLED, "cancel_reason": reason,
                                                 "cancelled_on": day})

    def add_approved_hours(self, secondment_id: str, hours: float) -> None:
        self.db.secondments.update_one({"_id": secondment_id}, {
            "$inc": {"approved_hours": hours}}, session=self.session)

    def active_inward_secondment(self, mentor_id: str) -> Optional[Document]:
        return self._one("secondments", {"mentor_id": mentor_id, "status": ACTIVE,
                                          "direction": "inward"})

    def hosts(self, enterprise_id: str, mentor_id: str) -> bool:
        """Whether the enterprise has a secondment of the mentor not cancelled."""
        return self._one("secondments", {"mentor_id": mentor_id, "enterprise_id": enterprise_id,
                                          "status": {"$ne": CANCELLED}}) is not None

    def completed_outward_secondments(self, mentor_id: str) -> list[Document]:
        return self._all("secondments", {"mentor_id": mentor_id, "direction": "outward",
                                         "status": COMPLETED})

    def secondment_ids_due(self, day: str, limit: int) -> list[str]:
        """Planned ones whose first day has come, then active ones whose last has."""
        due = self._all("secondments", {"status": PLANNED, "starts_on": {"$lte": day}},
                        projection={"_id": 1}, limit=limit)
        due += self._all("secondments", {"status": ACTIVE, "ends_on": {"$lte": day}},
                         projection={"_id": 1}, limit=limit)
        return [secondment["_id"] for secondment in due]

    # timesheets ---------------------------------------------------------------------

    def add_timesheet(self, timesheet: Document) -> None:
        self.db.timesheets.insert_one(timesheet, session=self.session)

    def timesheet(self, timesheet_id: str) -> Document:
        """The timesheet, or NotFound."""
        return get_or_raise(self.db.timesheets, timesheet_id, "timesheet", self.session)

    def find_timesheet(self, timesheet_id: str) -> Optional[Document]:
        return self._one("timesheets", {"_id": timesheet_id})

    def timesheets_page(self, criteria: dict[str, Any], params: dict[str, Any]) -> Page:
        return self._page("timesheets", criteria, params)

    def decide_timesheet(self, timesheet_id: str, decision: str, reason: Optional[str],
                         decided_by: Optional[str]) -> bool:
        """Record the decision on a submitted timesheet; False if it was decided."""
        result = self.db.timesheets.update_one(
            {"_id": timesheet_id, "status": "submitted"},
            {"$set": {"status": decision, "reason": reason, "decided_by": decided_by,
                      "decided_at": utcnow()}}, session=self.session)
        return result.modified_count == 1

    # slots --------------------------------------------------------------------------

    def slot(self, slot_id: str) -> Document:
        """The slot, or NotFound."""
        return get_or_raise(self.db.slots, slot_id, "slot", self.session)

    def find_slot(self, slot_id: str) -> Optional[Document]:
        return self._one("slots", {"_id": slot_id})

    def vacancies_page(self, criteria: dict[str, Any], params: dict[str, Any]) -> Page:
        return self._page("slots", {"status": {"$in": [VACANT, NEEDS_REASSIGNMENT]},
                                    **criteria}, params)

    def ensure_slot(self, slot: Document) -> Optional[Document]:
        """Create the slot if new (vacant), else update what it says; the stored one."""
        self.db.slots.update_one({"_id": slot["_id"]}, {
            "$setOnInsert": {"status": VACANT, "mentor_id": None, "assignment_id": None,
                             "created_at": utcnow()},
            "$set": {key: value for key, value in slot.items() if key != "_id"}},
            upsert=True, session=self.session)
        return self.find_slot(slot["_id"])

    def fill_slot(self, slot_id: str, mentor_id: str, assignment_id: str) -> None:
        self._set("slots", slot_id, {"status": FILLED, "mentor_id": mentor_id,
                                     "assignment_id": assignment_id, "updated_at": utcnow()})

    def vacate_slot(self, slot_id: str) -> None:
        self._set("slots", slot_id, {"status": VACANT, "mentor_id": None, "assignment_id": None,
                                     "updated_at": utcnow()})

    def flag_slot(self, slot_id: str) -> None:
        self._set("slots", slot_id, {"status": NEEDS_REASSIGNMENT, "updated_at": utcnow()})

    def reopen_slot(self, slot_id: str) -> None:
        """A closed slot listed again (its apprentice enrolled again)."""
        self._set("slots", slot_id, {"status": VACANT})

    def close_slot(self, slot_id: str) -> None:
        self._set("slots", slot_id, {"status": CLOSED, "mentor_id": None, "assignment_id": None,
                                     "updated_at": utcnow()})

    def slots_of_student(self, student_id: str) -> list[Document]:
        return self._all("slots", {"student_id": student_id})

    def vacant_slots(self, kind: str, roles: Iterable[str], enterprise_id: Optional[str],
                     limit: int) -> list[Document]:
        """Vacant slots of ``roles``, oldest first (of the enterprise, for an
        industry mentor)."""
        query: dict[str, Any] = {"status": VACANT, "role": {"$in": list(roles)}}
        if kind == "industry":
            query["enterprise_id"] = enterprise_id
        return self._all("slots", query, sort=[("created_at", ASCENDING)], limit=limit)

    def vacant_slot_ids(self, limit: int) -> list[str]:
        return [slot["_id"] for slot in self._all("slots", {"status": VACANT},
                                                  projection={"_id": 1}, limit=limit)]

    # assignments --------------------------------------------------------------------

    def add_assignment(self, assignment: Document) -> None:
        self.db.assignments.insert_one(assignment, session=self.session)

    def assignment(self, assignment_id: str) -> Document:
        """The assignment, or NotFound."""
        return get_or_raise(self.db.assignments, assignment_id, "assignment", self.session)

    def find_assignment(self, assignment_id: str) -> Optional[Document]:
        return self._one("assignments", {"_id": assignment_id})

    def assignments_page(self, criteria: dict[str, Any], params: dict[str, Any]) -> Page:
        return self._page("assignments", criteria, params)

    def release_assignment(self, assignment_id: str, reason: str) -> None:
        self._set("assignments", assignment_id, {"status": "released", "reason": reason,
                                                 "released_at": utcnow()})

    def flag_assignment(self, assignment_id: str, reason: str) -> None:
        self._set("assignments", assignment_id, {"status": NEEDS_REASSIGNMENT,
                                                 "reason": reason})

    def active_assignments_of_mentor(self, mentor_id: str) -> list[Document]:
        return self._all("assignments", {"mentor_id": mentor_id, "status": "active"})

    def active_assignments_of_secondment(self, secondment_id: str) -> list[Document]:
        return self._all("assignments", {"secondment_id": secondment_id, "status": "active"})

    # apprentices (copies of enrollment's) -------------------------------------------

    def remember_apprentice(self, student_id: str, fields: dict[str, Any]) -> None:
        self._remember("apprentices", student_id, fields)

    def apprentice(self, student_id: str) -> Document:
        """The apprentice, or NotFound."""
        return get_or_raise(self.db.apprentices, student_id, "apprentice", self.session)

    def find_apprentice(self, student_id: str) -> Optional[Document]:
        return self._one("apprentices", {"_id": student_id})

    def apprentice_left(self, student_id: str) -> None:
        self._set("apprentices", student_id, {"enrolled": False})

    # certificates (copies of certificates') -----------------------------------------

    def remember_certificate(self, certificate_number: str, fields: dict[str, Any]) -> None:
        self._remember("certificates", certificate_number, fields)

    def certificates_of(self, candidate_id: str) -> list[Document]:
        return self._all("certificates", {"candidate_id": candidate_id})

    # the contribution ledger --------------------------------------------------------

    def add_to_ledger(self, enterprise_id: str, term: str, **increments: float) -> None:
        self.db.ledger.update_one(
            {"_id": "%s:%s" % (enterprise_id, term)},
            {"$inc": increments,
             "$setOnInsert": {"enterprise_id": enterprise_id, "term": term,
                              "created_at": utcnow()}},
            upsert=True, session=self.session)

    def ledger_entries(self, enterprise_id: str, term: Optional[str], offset: int,
                       limit: int) -> tuple[list[Document], int]:
        """One page of the enterprise's terms, the latest first, and their total."""
        criteria: dict[str, Any] = {"enterprise_id": enterprise_id}
        if term:
            criteria["term"] = term
        entries = list(self.db.ledger.find(criteria, session=self.session)
                       .sort("term", DESCENDING).skip(offset).limit(limit))
        return entries, self.db.ledger.count_documents(criteria, session=self.session)

    # the double-qualified history ---------------------------------------------------

    def add_double_qualified_change(self, change: Document) -> None:
        self.db.double_qualified_history.insert_one(change, session=self.session)

    def double_qualified_history(self, mentor_id: str, limit: int = 50) -> list[Document]:
        return list(self.db.double_qualified_history.find(
            {"mentor_id": mentor_id}, session=self.session)
            .sort("changed_at", DESCENDING).limit(limit))

    # the aggregated views' read models ----------------------------------------------

    def known_apprentice_ids(self, student_ids: list[str]) -> set[str]:
        return {a["_id"] for a in self._all("apprentices", {"_id": {"$in": student_ids}},
                                            projection={"_id": 1})}

    def slots_of_students(self, student_ids: list[str]) -> list[Document]:
        return self._all("slots", {"student_id": {"$in": student_ids}})

    def assignments_by_id(self, assignment_ids: list[str]) -> dict[str, Document]:
        return {a["_id"]: a for a in self._all("assignments", {"_id": {"$in": assignment_ids}})}

    def known_partner_ids(self, partner_ids: list[str]) -> set[str]:
        return {p["_id"] for p in self._all("partners", {"_id": {"$in": partner_ids}},
                                            projection={"_id": 1})}

    def mentors_of_enterprises(self, enterprise_ids: list[str]) -> list[Document]:
        return self._all("mentors", {"enterprise_id": {"$in": enterprise_ids}},
                         projection={"name": 1, "status": 1, "enterprise_id": 1,
                                     "created_at": 1})

    def secondments_of_enterprises(self, enterprise_ids: list[str]) -> list[Document]:
        return self._all("secondments", {"enterprise_id": {"$in": enterprise_ids}})

    def active_teachers(self) -> list[Document]:
        return self._all("mentors", {"kind": "teacher", "status": "active"},
                         projection={"double_qualified": 1})

    def held_slots(self, statuses: Iterable[str], roles: Iterable[str]) -> list[Document]:
        return self._all("slots", {"status": {"$in": list(statuses)},
                                   "role": {"$in": list(roles)}},
                         projection={"student_id": 1, "role": 1, "status": 1,
                                     "enterprise_id": 1})

    def apprentices_by_id(self, student_ids: Iterable[str]) -> dict[str, Document]:
        return {a["_id"]: a for a in self._all(
            "apprentices", {"_id": {"$in": list(student_ids)}},
            projection={"programme_id": 1, "enrolled": 1})}

    def approved_inward_timesheets(self) -> Iterable[Document]:
        return self.db.timesheets.find({"status": "approved", "direction": "inward"},
                                       {"hours": 1, "work_date": 1, "enterprise_id": 1},
                                       session=self.session)
