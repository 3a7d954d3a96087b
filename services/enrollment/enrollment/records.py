"""Enrollment's collections in domain verbs: what the workflows read and write,
inside one unit of work (``uow.records``, built ``EnrollmentRecords(db, session)``).

Every conditional update that guards against a concurrent change raises
Conflict when it matched nothing. The quota ledger's movements are the verbs
``reserve_seat``, ``consume_seat``, ``release_seat``... over ``ledger.py``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import DESCENDING, UpdateOne
from pymongo.errors import DuplicateKeyError

from college_platform.errors import Conflict
from college_platform.repository import claim_positions, get_or_raise, group_by, page
from enrollment import ledger
from enrollment.domain import ACTIVE_APPLICATION

Document = dict[str, Any]


class EnrollmentRecords:

    def __init__(self, db: Any, session: Any = None) -> None:
        self.db = db
        self.session = session

    def _get(self, collection: str, id_: str, what: str) -> Document:
        document: Document = get_or_raise(self.db[collection], id_, what, session=self.session)
        return document

    def _find_one(self, collection: str, selector: Document, *args: Any,
                  **options: Any) -> Document | None:
        found: Document | None = self.db[collection].find_one(selector, *args,
                                                              session=self.session, **options)
        return found

    def _find(self, collection: str, selector: Document, *args: Any) -> list[Document]:
        return list(self.db[collection].find(selector, *args, session=self.session))

    def _guarded_update(self, collection: str, guard: Document, change: Document,
                        what: str) -> None:
        result = self.db[collection].update_one(guard, change, session=self.session)
        if not result.modified_count:
            raise Conflict("%s changed meanwhile; try again" % what)

    # partners -------------------------------------------------------------------------------

    def add_partner(self, partner: Document) -> None:
        self.db.partners.insert_one(partner, session=self.session)

    def partner(self, partner_id: str) -> Document:
        return self._get("partners", partner_id, "partner")

    def is_partner(self, partner_id: str) -> bool:
        return self._find_one("partners", {"_id": partner_id}) is not None

    # cooperation agreements -----------------------------------------------------------------

    def add_agreement(self, agreement: Document) -> None:
        self.db.agreements.insert_one(agreement, session=self.session)

    def agreement(self, agreement_id: str) -> Document:
        return self._get("agreements", agreement_id, "agreement")

    def find_agreement(self, agreement_id: str) -> Document | None:
        return self._find_one("agreements", {"_id": agreement_id})

    def agreements_of(self, partner_id: str | None) -> list[Document]:
        return self._find("agreements", {"partner_id": partner_id})

    def set_agreement_status(self, agreement: Document, target: str, reason: str | None,
                             at: datetime) -> Document:
        """The agreement moved to ``target`` if it is still as read; the stored one."""
        self._guarded_update(
            "agreements", {"_id": agreement["_id"], "status": agreement["status"]},
            {"$set": {"status": target},
             "$push": {"history": {"status": target, "reason": reason, "at": at}}},
            "the agreement")
        return self.agreement(agreement["_id"])

    def amend_agreement(self, agreement: Document, changes: Document, reason: str | None,
                        at: datetime) -> Document:
        """The terms changed, the previous ones kept in ``amendments``; the stored one."""
        previous = {key: agreement.get(key) for key in changes}  # clauses: none at first
        self._guarded_update(
            "agreements", {"_id": agreement["_id"], "status": agreement["status"]},
            # the amended clauses or term are checked again by the next sweep
            {"$set": {**changes, "clauses_checked_on": None}, "$push": {"amendments": {
                "previous": previous, "reason": reason, "at": at}}},
            "the agreement")
        return self.agreement(agreement["_id"])

    def agreements_past_term(self, today: str, limit: int) -> list[Document]:
        """Active or suspended agreements whose term ended before ``today`` (ISO date)."""
        return list(self.db.agreements.find(
            {"status": {"$in": ["active", "suspended"]}, "ends_on": {"$lt": today}},
            session=self.session).limit(limit))

    # commitments: the clauses' facts, declarations and alerts ----------------------------------

    def agreements_to_check(self, today: str, limit: int) -> list[Document]:
        """Active or suspended agreements with clauses not yet checked today."""
        return list(self.db.agreements.find(
            {"status": {"$in": ["active", "suspended"]}, "clauses.0": {"$exists": True},
             "clauses_checked_on": {"$ne": today}}, {"_id": 1},
            session=self.session).limit(limit))

    def record_clause_check(self, agreement: Document, states: Document, today: str,
                            at: datetime) -> None:
        """The clauses' states as the sweep saw them, if no other sweep did meanwhile."""
        self._guarded_update(
            "agreements", {"_id": agreement["_id"],
                           "clauses_checked_at": agreement.get("clauses_checked_at")},
            {"$set": {"clause_states": states, "clauses_checked_on": today,
                      "clauses_checked_at": at}}, "the agreement's clauses")

    def commitment_facts(self, enterprise_id: str, since: str, until: str) -> list[Document]:
        return self._find("commitment_facts", {"enterprise_id": enterprise_id,
                                               "on": {"$gte": since, "$lte": until}})

    def remember_commitment_facts(self, facts: list[Document]) -> None:
        """Each fact once: a redelivery changes nothing."""
        self.db.commitment_facts.bulk_write(
            [UpdateOne({"_id": f["_id"]}, {"$setOnInsert": f}, upsert=True) for f in facts],
            ordered=False, session=self.session)

    def students_counting_for(self, partner_id: str) -> list[Document]:
        """The partner's students (seats filled) and the graduates it hired."""
        return self._find("students", {"$or": [{"partner_id": partner_id},
                                               {"destination.enterprise_id": partner_id}]},
                          {"partner_id": 1, "status": 1, "enrolled_on": 1,
                           "destination.outcome": 1, "destination.enterprise_id": 1,
                           "destination.started_on": 1})

    def withdraw_commitment_facts(self, facts: list[Document]) -> None:
        """Each fact no longer counted, kept so that a late delivery of what
        made it cannot count it again."""
        self.db.commitment_facts.bulk_write(
            [UpdateOne({"_id": f["_id"]}, {"$set": {"withdrawn": True}, "$setOnInsert": {
                key: value for key, value in f.items() if key not in ("_id", "withdrawn")}},
                upsert=True) for f in facts], ordered=False, session=self.session)

    # costs and returns -------------------------------------------------------------------------

    def valuation_rate(self, year: int) -> Document | None:
        return self._find_one("valuation_rates", {"_id": str(year)})

    def valuation_rates(self) -> list[Document]:
        return list(self.db.valuation_rates.find({}, session=self.session).sort("year", 1)
                    .limit(200))

    def set_valuation_rate(self, rate: Document, current: Document | None) -> None:
        """The year's rate, if no one set it meanwhile."""
        if current is None:
            try:
                self.db.valuation_rates.insert_one(rate, session=self.session)
            except DuplicateKeyError:
                raise Conflict("the year's rate changed meanwhile; try again")
            return
        self._guarded_update("valuation_rates", {"_id": rate["_id"],
                                                 "set_at": current["set_at"]},
                             {"$set": {key: value for key, value in rate.items()
                                       if key != "_id"}}, "the year's rate")

    def facts_between(self, since: str, until: str) -> list[Document]:
        """Every enterprise's facts of a period (the dashboard's year)."""
        return self._find("commitment_facts", {"on": {"$gte": since, "$lte": until}})

    def agreements_with_declarations(self) -> list[Document]:
        return self._find("agreements", {"declarations.0": {"$exists": True}},
                          {"partner_id": 1, "clauses": 1, "declarations": 1})

    def hires_by(self, partner_id: str) -> list[Document]:
        """The graduates the enterprise hired, with their retention checks."""
        return self._find("students", {"destination.enterprise_id": partner_id},
                          {"destination.outcome": 1, "destination.enterprise_id": 1,
                           "destination.started_on": 1, "retention": 1})

    def apprentice_ids(self, partner_id: str) -> list[str]:
        """The students the enterprise sponsors in an apprenticeship."""
        return [s["_id"] for s in self._find("students", {
            "partner_id": partner_id, "programme_kind": "apprenticeship"}, {"_id": 1})]

    def add_declaration(self, agreement: Document, declaration: Document) -> None:
        self._guarded_update(
            "agreements", {"_id": agreement["_id"], "status": agreement["status"]},
            {"$push": {"declarations": declaration}}, "the agreement")

    def decide_declaration(self, agreement_id: str, decided: Document) -> None:
        self._guarded_update(
            "agreements", {"_id": agreement_id, "declarations": {
                "$elemMatch": {"id": decided["id"], "status": "declared"}}},
            {"$set": {"declarations.$": decided, "clauses_checked_on": None}},
            "the declaration")

    # programmes and the quota ledger ----------------------------------------------------------

    def add_programme(self, programme: Document) -> None:
        self.db.programmes.insert_one(programme, session=self.session)

    def programme(self, programme_id: str) -> Document:
        return self._get("programmes", programme_id, "programme")

    def find_programme(self, programme_id: str) -> Document | None:
        return self._find_one("programmes", {"_id": programme_id})

    def set_competencies(self, programme_id: str, competencies: list[str]) -> None:
        self.programme(programme_id)
        self.db.programmes.update_one({"_id": programme_id},
                                      {"$set": {"competencies": competencies}},
                                      session=self.session)

    def programme_ids_with_codes(self, codes: list[str]) -> list[str]:
        return [p["_id"] for p in self._find("programmes", {"code": {"$in": codes}},
                                             {"_id": 1})]

    def programme_with_quotas(self, programme_id: str) -> Document:
        programme = self.programme(programme_id)
        return {**programme, "quotas": self.quotas_of(programme_id)}

    def programmes_page(self, criteria: Document, offset: int, limit: int) -> Document:
        """A page of programmes, each with its quotas."""
        listed: Document = page(self.db.programmes, criteria, offset, limit)
        quotas = group_by(self.db.quotas.find(
            {"programme_id": {"$in": [p["_id"] for p in listed["items"]]}},
            session=self.session), "programme_id")
        listed["items"] = [{**p, "quotas": quotas.get(p["_id"], [])} for p in listed["items"]]
        return listed

    def quotas_of(self, programme_id: str) -> list[Document]:
        return ledger.quotas_of(self, programme_id)

    def set_quota(self, programme: Document, partner_id: str, seats: int) -> None:
        ledger.set_quota(self, programme, partner_id, seats)

    def reserve_seat(self, application: Document) -> None:
        ledger.reserve(self, application)

    def consume_seat(self, application: Document, student_id: str) -> None:
        ledger.consume(self, application, student_id)

    def release_seat(self, application: Document, held: str, reason: str) -> None:
        ledger.release(self, application, held, reason)

    def release_student_seat(self, student: Document, reason: str) -> None:
        ledger.release_student(self, student, reason)

    def consume_seat_directly(self, programme: Document, partner_id: str | None,
                              student_id: str) -> None:
        ledger.consume_directly(self, programme, partner_id, student_id)

    def consume_admitted_seats(self, programme_id: str, partner_id: str | None,
                               admissions: list[tuple[str, str]]) -> None:
        ledger.consume_admitted(self, programme_id, partner_id, admissions)

    def seats_left(self, programme_id: str, partner_id: str | None) -> int:
        left: int = ledger.seats_left(self, programme_id, partner_id)
        return left

    # applicants -------------------------------------------------------------------------------

    def add_applicant(self, applicant: Document) -> None:
        self.db.applicants.insert_one(applicant, session=self.session)

    def add_applicants(self, applicants: list[Document]) -> None:
        self.db.applicants.insert_many(applicants, session=self.session)

    def applicant(self, applicant_id: str) -> Document:
        return self._get("applicants", applicant_id, "applicant")

    def applicant_with_identity(self, identity_key: str) -> Document | None:
        return self._find_one("applicants", {"identity_key": identity_key})

    def applicants_with_identities(self, identity_keys: list[str]) -> list[Document]:
        return self._find("applicants", {"identity_key": {"$in": identity_keys}})

    def applicant_applying(self, applicant: Document) -> Document:
        """The person on file with ``applicant``'s identity key, or ``applicant``
        added. A find, then an insert only for someone new (on SecantusDB a
        find-and-modify upsert waited hundreds of milliseconds behind ten
        concurrent ones); a concurrent insert of the same person is found."""
        stored = self.applicant_with_identity(applicant["identity_key"])
        if stored is not None:
            return stored
        try:
            self.add_applicant(applicant)
        except DuplicateKeyError:
            found = self.applicant_with_identity(applicant["identity_key"])
            if found is None:
                raise
            return found
        return applicant

    # applications -----------------------------------------------------------------------------

    def add_application(self, application: Document) -> None:
        self.db.applications.insert_one(application, session=self.session)

    def add_active_application(self, application: Document) -> bool:
        """Add an application that holds its ``active_key`` (its applicant and
        programme) while active; False, and nothing written, when another
        active application holds it (the unique index decides, not a read)."""
        try:
            self.db.applications.insert_one(application, session=self.session)
        except DuplicateKeyError as exc:
            if "active_key" not in ((exc.details or {}).get("keyPattern") or {}):
                raise
            return False
        return True

    def add_applications(self, applications: list[Document]) -> None:
        self.db.applications.insert_many(applications, session=self.session)

    def application(self, application_id: str) -> Document:
        return self._get("applications", application_id, "application")

    def find_application(self, application_id: str) -> Document | None:
        return self._find_one("applications", {"_id": application_id})

    def update_application(self, application: Document, status: str, updates: Document,
                           history: Document | None = None) -> None:
        """The application's ``status`` and ``updates`` (dotted paths allowed), a
        ``history`` entry if given, if the application is still as read."""
        change: Document = {"$set": {"status": status, **updates}}
        if status not in ACTIVE_APPLICATION:  # the applicant may apply to the programme again
            change["$unset"] = {"active_key": ""}
        if history is not None:
            change["$push"] = {"history": history}
        self._guarded_update(
            "applications", {"_id": application["_id"], "status": application["status"]},
            change, "the application")

    def admitted_with_numbers(self, programme_id: str,
                              admission_numbers: list[str]) -> dict[str, Document]:
        """The programme's applications by admission number."""
        # each look-up filters on one indexed field and leaves the programme to Python:
        # SecantusDB answers "programme and $in" by reading the whole programme, so an
        # import slowed as the programme grew
        return {a["admission_number"]: a for a in self._find(
            "applications", {"admission_number": {"$in": admission_numbers}},
            {"admission_number": 1, "applicant_id": 1, "student_id": 1, "programme_id": 1})
            if a["programme_id"] == programme_id}

    def applications_holding(self, programme_id: str, applicant_ids: list[str],
                             statuses: tuple[str, ...]) -> dict[str, Document]:
        """The applicants' applications for the programme in ``statuses``, by applicant."""
        return {a["applicant_id"]: a for a in self._find(
            "applications", {"applicant_id": {"$in": applicant_ids}},
            {"applicant_id": 1, "status": 1, "programme_id": 1})
            if a["programme_id"] == programme_id and a["status"] in statuses}

    def lapsed_offers(self, now: datetime, limit: int) -> list[Document]:
        return list(self.db.applications.find(
            {"status": "offered", "offer_expires_at": {"$lt": now}},
            session=self.session).limit(limit))

    # tripartite agreements --------------------------------------------------------------------

    def add_tripartite(self, agreement: Document) -> None:
        self.db.tripartite_agreements.insert_one(agreement, session=self.session)

    def tripartite(self, agreement_id: str) -> Document:
        return self._get("tripartite_agreements", agreement_id, "tripartite agreement")

    def latest_tripartite(self, application_id: str) -> Document | None:
        return self._find_one("tripartite_agreements", {"application_id": application_id},
                              sort=[("version", DESCENDING)])

    def supersede_tripartites(self, application_id: str) -> None:
        self.db.tripartite_agreements.update_many(
            {"application_id": application_id, "status": {"$ne": "superseded"}},
            {"$set": {"status": "superseded"}}, session=self.session)

    def signed_tripartite(self, application_id: str) -> Document | None:
        return self._find_one("tripartite_agreements",
                              {"application_id": application_id, "status": "signed"})

    def record_signature(self, agreement_id: str, party: str, signature: Document,
                         status: str) -> None:
        """One party's signature, if that party has not signed meanwhile."""
        self._guarded_update(
            "tripartite_agreements",
            {"_id": agreement_id, "status": "awaiting_signatures",
             "signatures.%s" % party: {"$exists": False}},
            {"$set": {"signatures.%s" % party: signature, "status": status}},
            "the agreement")

    def link_tripartites_to_student(self, application_id: str, student_id: str) -> None:
        self.db.tripartite_agreements.update_many(
            {"application_id": application_id}, {"$set": {"student_id": student_id}},
            session=self.session)

    # students ---------------------------------------------------------------------------------

    def student_sequences(self, programme: Document, count: int) -> list[int]:
        """``count`` consecutive places in the programme's order of enrolment."""
        # the counter is read and moved in this transaction: the records' db and session
        numbers: list[int] = claim_positions(self,
                                             "student_number:%s" % programme["_id"], count)
        return numbers

    def add_student(self, student: Document) -> None:
        self.db.students.insert_one(student, session=self.session)

    def add_students(self, students: list[Document]) -> None:
        self.db.students.insert_many(students, session=self.session)

    def student(self, student_id: str) -> Document:
        return self._get("students", student_id, "student")

    def student_numbers(self, student_ids: list[Any]) -> dict[Any, str]:
        return {s["_id"]: s["student_number"] for s in self._find(
            "students", {"_id": {"$in": student_ids}}, {"student_number": 1})}

    def add_apprentice_contract(self, contract: Document) -> None:
        """The contract, and on the student's record."""
        self.db.apprentice_contracts.insert_one(contract, session=self.session)
        self.db.students.update_one({"_id": contract["student_id"]}, {"$set": {
            "apprentice_contract": contract}}, session=self.session)

    def change_student(self, student: Document, updates: Document,
                       history: Document) -> Document:
        """``updates`` and a history entry if the student is still as read; the stored one."""
        self._guarded_update(
            "students", {"_id": student["_id"], "status": student["status"],
                         "programme_id": student["programme_id"]},
            {"$set": updates, "$push": {"history": history}}, "the student's record")
        return self.student(student["_id"])

    def students_of_programme(self, programme_id: str, intake_year: int | None = None,
                              status: str | None = None) -> list[Document]:
        selector: Document = {"programme_id": programme_id}
        if intake_year is not None:
            selector["intake_year"] = intake_year
        if status is not None:
            selector["status"] = status
        return sorted(self._find("students", selector, {"history": 0, "apprentice_contract": 0}),
                      key=lambda student: student["student_number"])

    def record_destination(self, student: Document, destination: Document) -> Document:
        """The graduate's first destination; the one it corrects kept in the history."""
        change: Document = {"$set": {"destination": destination}}
        if student.get("destination"):
            change["$push"] = {"destination_history": student["destination"]}
        self._guarded_update("students", {"_id": student["_id"], "status": "graduated"},
                             change, "the student's record")
        return self.student(student["_id"])

    def record_retention(self, student: Document, months: int, check: Document) -> Document:
        self._guarded_update("students", {"_id": student["_id"], "status": "graduated"},
                             {"$set": {"retention.%d" % months: check}}, "the student's record")
        return self.student(student["_id"])

    # employer surveys ---------------------------------------------------------------------------

    def add_surveys(self, surveys: list[Document]) -> None:
        """Each survey once: a hire recorded again finds its surveys there."""
        if surveys:
            self.db.employer_surveys.bulk_write(
                [UpdateOne({"_id": s["_id"]}, {"$setOnInsert": s}, upsert=True)
                 for s in surveys], ordered=False, session=self.session)

    def close_surveys_but(self, student_id: str, kept: list[str], reason: str,
                          at: datetime) -> None:
        """The student's open surveys other than ``kept``, closed with the reason."""
        self.db.employer_surveys.update_many(
            {"student_id": student_id, "status": "open", "_id": {"$nin": kept}},
            {"$set": {"status": "closed", "closed_reason": reason, "closed_at": at}},
            session=self.session)

    def survey(self, survey_id: str) -> Document | None:
        return self._find_one("employer_surveys", {"_id": survey_id})

    def settle_survey(self, survey: Document, changes: Document) -> None:
        """Answered or closed, if still open."""
        self._guarded_update("employer_surveys", {"_id": survey["_id"], "status": "open"},
                             {"$set": changes}, "the survey")

    def surveys_due(self, today: str, limit: int) -> list[Document]:
        return list(self.db.employer_surveys.find(
            {"status": "open", "due_on": {"$lte": today}}, session=self.session).limit(limit))

    def mark_reminded(self, survey: Document, today: str) -> None:
        self._guarded_update(
            "employer_surveys", {"_id": survey["_id"], "status": "open",
                                 "reminders": survey["reminders"]},
            {"$set": {"last_reminded_on": today}, "$inc": {"reminders": 1}}, "the survey")

    def surveys_of_students(self, student_ids: list[str]) -> list[Document]:
        """Every survey of these graduates, without the employer's comment."""
        return self._find("employer_surveys", {"student_id": {"$in": student_ids}},
                          {"student_id": 1, "enterprise_id": 1, "months": 1, "due_on": 1,
                           "status": 1, "answered_at": 1, "ratings": 1})

    def answered_surveys(self, selector: Document) -> list[Document]:
        return self._find("employer_surveys", {**selector, "status": "answered"},
                          {"ratings": 1, "programme_id": 1, "enterprise_id": 1,
                           "intake_year": 1})

    # graduation: requirements and what students achieved ---------------------------------------

    def graduation_requirements(self, programme_id: str) -> list[Document]:
        """Every version of the programme's requirements, oldest first."""
        return sorted(self._find("graduation_requirements", {"programme_id": programme_id}),
                      key=lambda version: version["version"])

    def requirements_of_programmes(self, programme_ids: list[str]) -> dict[str, list[Document]]:
        found: dict[str, list[Document]] = {}
        for version in self._find("graduation_requirements",
                                  {"programme_id": {"$in": programme_ids}}):
            found.setdefault(version["programme_id"], []).append(version)
        return found

    def add_graduation_requirements(self, requirements: Document) -> None:
        self.db.graduation_requirements.insert_one(requirements, session=self.session)

    def achievements_of(self, student_ids: list[str]) -> dict[str, list[Document]]:
        found: dict[str, list[Document]] = {student_id: [] for student_id in student_ids}
        for achievement in self._find("achievements", {"student_id": {"$in": student_ids}}):
            found.setdefault(achievement["student_id"], []).append(achievement)
        return found

    def remember_achievements(self, achievements: list[Document]) -> None:
        """Each fact once (a redelivery changes nothing), never over its withdrawal."""
        self.db.achievements.bulk_write(
            [UpdateOne({"_id": a["_id"]}, {"$setOnInsert": a}, upsert=True)
             for a in achievements], ordered=False, session=self.session)

    def withdraw_achievements(self, marks: list[Document]) -> None:
        self.db.achievements.bulk_write(
            [UpdateOne({"_id": mark["_id"]}, {"$set": mark}, upsert=True) for mark in marks],
            ordered=False, session=self.session)

    # what the read models read (docs/views.md) --------------------------------------------------

    def _with_ids(self, collection: str, ids: list[Any],
                  projection: Document | None = None) -> list[Document]:
        return self._find(collection, {"_id": {"$in": ids}}, projection)

    def students_with_ids(self, ids: list[Any],
                          projection: Document | None = None) -> list[Document]:
        return self._with_ids("students", ids, projection)

    def programmes_with_ids(self, ids: list[Any], projection: Document) -> dict[str, Document]:
        return {p["_id"]: p for p in self._with_ids("programmes", ids, projection)}

    def applicants_with_ids(self, ids: list[Any], projection: Document) -> dict[str, Document]:
        return {a["_id"]: a for a in self._with_ids("applicants", ids, projection)}

    def partners_with_ids(self, ids: list[Any]) -> list[Document]:
        return self._with_ids("partners", ids)

    def tripartites_of_students(self, student_ids: list[str]) -> dict[str, list[Document]]:
        """Every version of each student's agreement, without its terms."""
        agreements: dict[str, list[Document]] = {}
        for agreement in self._find("tripartite_agreements",
                                    {"student_id": {"$in": student_ids}}, {"terms": 0}):
            agreements.setdefault(agreement["student_id"], []).append(agreement)
        return agreements

    def of_partners(self, collection: str, partner_ids: list[str],
                    projection: Document | None = None) -> list[Document]:
        """The partners' agreements, quotas, students or apprentice contracts."""
        return self._find(collection, {"partner_id": {"$in": partner_ids}}, projection)

    def indicator_sources(self, programme_kinds: list[str]) -> tuple[list[Document], ...]:
        """What the dashboard's indicators count: agreements past their draft,
        programmes with their quotas, every student (the cohorts' graduation
        rate counts those who left too)."""
        agreements = self._find(
            "agreements", {"status": {"$in": ["active", "suspended", "expired", "terminated"]}},
            {"partner_id": 1, "status": 1, "starts_on": 1, "ends_on": 1, "history": 1})
        programmes = self._find(
            "programmes", {"kind": {"$in": programme_kinds}},
            {"intake_year": 1, "kind": 1, "capacity": 1, "consumed": 1})
        quotas = self._find(
            "quotas", {"programme_id": {"$in": [p["_id"] for p in programmes]}},
            {"programme_id": 1, "partner_id": 1, "seats": 1, "consumed": 1})
        students = self._find(
            "students", {}, {"programme_id": 1, "status": 1, "apprentice_contract.partner_id": 1,
                             "intake_year": 1, "partner_id": 1, "programme_kind": 1,
                             "destination.outcome": 1, "retention.12.still_employed": 1})
        return agreements, programmes, quotas, students, self.answered_surveys({})
