"""The certificates service's collections in domain verbs: what the
workflows read and write, each within the unit of work's transaction
(``session``), or outside one when built with ``session=None`` (reads of the
entrypoints that answer without a transaction).

``INDEXES`` declares the collections and their indexes for ``MongoStore``."""
from typing import TYPE_CHECKING, Any, Iterable, Optional

from pymongo import ASCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from college_platform.errors import NotFound
from college_platform.repository import (
    DUPLICATE_KEY,
    RECENT_FIRST,
    find_in,
    get_or_raise,
    group_by,
    newest_first,
    paged_view,
    remember_copies,
    remember_copy,
)

if TYPE_CHECKING:
    pass

Document = dict[str, Any]

INDEXES = {
    "catalogue": [IndexModel("code", unique=True, name="code_unique"), RECENT_FIRST],
    "sessions": [RECENT_FIRST, IndexModel(newest_first("certificate_code", "level"),
                                          name="by_certificate")],
    "registrations": [
        RECENT_FIRST,
        # one live registration per candidate and session; a cancelled one frees the key
        IndexModel("seat_key", unique=True, name="seat_key_unique"),
        IndexModel(newest_first("session_id"), name="by_session"),
        IndexModel(newest_first("candidate_id"), name="by_candidate"),
        IndexModel([("session_id", ASCENDING), ("status", ASCENDING),
                    ("waitlist_position", ASCENDING)], name="waitlist"),
    ],
    "issued": [
        RECENT_FIRST,
        IndexModel(newest_first("candidate_id"), name="by_candidate"),
        IndexModel(newest_first("certificate_code"), name="by_certificate"),
        IndexModel([("certificate_code", ASCENDING), ("level", ASCENDING),
                    ("revoked", ASCENDING)], name="holders"),
        IndexModel([("revoked", ASCENDING), ("status_index", ASCENDING)],
                   name="revoked_status"),
        IndexModel("status_index", unique=True, name="status_index_unique"),
    ],
    "counters": [],
    "candidates": [IndexModel("programme_id", name="by_programme"),
                   IndexModel("partner_id", name="by_partner")],
    "programmes": [],
    "evidence": [IndexModel([("student_id", ASCENDING), ("created_at", ASCENDING)],
                            name="by_student")],
    "credit_rules": [RECENT_FIRST, IndexModel(newest_first("programme_id"),
                                              name="by_programme")],
    "grants": [IndexModel("certificate_number", name="by_certificate"),
               IndexModel("student_id", name="by_student"),
               IndexModel("award_id", name="by_award")],
    "ledger": [IndexModel(newest_first("student_id"), name="by_student")],
    "competitions": [RECENT_FIRST, IndexModel(newest_first("level"), name="by_level"),
                     IndexModel(newest_first("status"), name="by_status")],
    "competition_entries": [
        RECENT_FIRST,
        IndexModel(newest_first("competition_id"), name="by_competition"),
        # who entered already (one entry per student and competition) and a student's own
        IndexModel([("competition_id", ASCENDING), ("student_ids", ASCENDING)],
                   name="entrants"),
        IndexModel(newest_first("student_ids"), name="by_student"),
        IndexModel(newest_first("tutor_ids"), name="by_tutor"),
    ],
    "awards": [
        RECENT_FIRST,
        IndexModel(newest_first("student_id"), name="by_student"),
        IndexModel(newest_first("competition_id"), name="by_competition"),
        IndexModel(newest_first("tutor_ids"), name="by_tutor"),
        IndexModel("entry_id", name="by_entry"),
        # the awards an award rule is for
        IndexModel([("programme_id", ASCENDING), ("level", ASCENDING), ("award", ASCENDING),
                    ("status", ASCENDING)], name="by_rule"),
    ],
    "award_rules": [RECENT_FIRST, IndexModel(newest_first("programme_id"),
                                             name="by_programme")],
}

MAX_HELD = 500
MAX_ACCOUNT_GRANTS = 500
AWARD_FIELDS = {"_id": 1, "student_id": 1, "competition_id": 1, "competition_name": 1,
                "level": 1, "award": 1, "held_on": 1, "status": 1, "certificate_number": 1,
                "programme_id": 1, "partner_id": 1, "created_at": 1}


class CertificatesRecords:
    def __init__(self, db: Any, session: Any) -> None:
        self.db = db
        self.session = session

    # catalogue -----------------------------------------------------------------------

    def add_certificate(self, certificate: Document) -> None:
        self.db.catalogue.insert_one(certificate, session=self.session)

    def certificate(self, code: str) -> Document:
        certificate: Optional[Document] = self.db.catalogue.find_one(
            {"code": code}, session=self.session)
        if certificate is None:
            raise NotFound("certificate %s is not in the catalogue" % code, code=code)
        return certificate

    def catalogue_page(self, params: Document, view: Any) -> Document:
        return paged_view(self.db.catalogue, {}, params, view)

    def find_certificate(self, code: str) -> Optional[Document]:
        found: Optional[Document] = self.db.catalogue.find_one({"code": code},
                                                               session=self.session)
        return found

    def certificates_with_codes(self, codes: Iterable[str]) -> dict[str, Document]:
        return {c["code"]: c for c in self.db.catalogue.find(
            {"code": {"$in": list(codes)}}, {"code": 1, "levels": 1}, session=self.session)}

    # exam sessions ---------------------------------------------------------------------

    def add_session(self, exam_session: Document) -> None:
        self.db.sessions.insert_one(exam_session, session=self.session)

    def exam_session(self, session_id: str) -> Document:
        found: Document = get_or_raise(self.db.sessions, session_id, "exam session",
                                       session=self.session)
        return found

    def sessions_page(self, criteria: Document, params: Document, view: Any) -> Document:
        return paged_view(self.db.sessions, criteria, params, view)

    def take_seat(self, session_id: str, capacity: int) -> bool:
        """One more seat taken, unless the session is full. The conditional
        increment is the seat: it never passes capacity, and two registrations
        racing for the last seat conflict on this document."""
        taken = self.db.sessions.update_one(
            {"_id": session_id, "seats_taken": {"$lt": capacity}},
            {"$inc": {"seats_taken": 1}}, session=self.session)
        return bool(taken.modified_count)

    def next_waitlist_position(self, session_id: str) -> int:
        updated = self.db.sessions.find_one_and_update(
            {"_id": session_id}, {"$inc": {"waitlist_seq": 1}},
            return_document=ReturnDocument.AFTER, session=self.session)
        position: int = updated["waitlist_seq"]
        return position

    def claim_seats(self, exam_session: Document, seated: int, waitlist_seq: int) -> bool:
        """``seated`` more seats taken and the waiting list's last position set,
        conditional on the counters read in ``exam_session``: a concurrent
        registration makes this match nothing (False)."""
        changed = self.db.sessions.update_one(
            {"_id": exam_session["_id"], "seats_taken": exam_session["seats_taken"],
             "waitlist_seq": exam_session["waitlist_seq"]},
            {"$inc": {"seats_taken": seated}, "$set": {"waitlist_seq": waitlist_seq}},
            session=self.session)
        return bool(changed.modified_count)

    def seat_freed(self, session_id: str, taken_again: bool) -> None:
        """A seat freed, or passed on to the waiting list (``taken_again``);
        touching the session serialises this with registrations racing for it."""
        self.db.sessions.update_one({"_id": session_id}, {
            "$inc": {"seats_taken": 0 if taken_again else -1}}, session=self.session)

    # candidates and programmes (local copies) --------------------------------------------

    def candidate(self, candidate_id: str) -> Optional[Document]:
        found: Optional[Document] = self.db.candidates.find_one(
            {"_id": candidate_id}, session=self.session)
        return found

    def candidates(self, candidate_ids: list[str]) -> dict[str, Document]:
        return {c["_id"]: c for c in find_in(self.db.candidates, "_id", candidate_ids,
                                             session=self.session)}

    def partner_of(self, candidate_id: str) -> Optional[str]:
        candidate = self.db.candidates.find_one({"_id": candidate_id}, {"partner_id": 1},
                                                session=self.session)
        partner: Optional[str] = (candidate or {}).get("partner_id")
        return partner

    def programme(self, programme_id: str) -> Optional[Document]:
        found: Optional[Document] = self.db.programmes.find_one(
            {"_id": programme_id}, session=self.session)
        return found

    def programme_students(self, programme_id: str) -> list[str]:
        return [candidate["_id"] for candidate in self.db.candidates.find(
            {"programme_id": programme_id, "kind": "student"}, {"_id": 1},
            session=self.session)]

    def remember(self, collection: str, id_: str, fields: Document) -> None:
        """Upsert a local copy of another service's record (``remember_copy``)."""
        # what remember_copy uses of a unit of work is its db and session: the records have both
        remember_copy(self, collection, id_, fields)

    def remember_students(self, enrolled: list[Document]) -> None:
        """The candidates ``student_enrolled`` events name, at once; a status
        change that overtook the enrolment keeps its status."""
        remember_copies(self.db.candidates, [
            (data["student_id"], {
                "kind": "student", "name": data["name"],
                "student_number": data["student_number"], "programme_id": data["programme_id"],
                "programme_code": data["programme_code"], "partner_id": data["partner_id"]},
             {"status": "active"}) for data in enrolled], session=self.session)

    def evidence_of(self, student_id: str, limit: int) -> list[Document]:
        """The student's project deliverables, oldest first."""
        return list(self.db.evidence.find({"student_id": student_id}, session=self.session)
                    .sort("created_at", ASCENDING).limit(limit))

    def evidence_of_students(self, student_ids: list[str],
                             limit: int) -> dict[str, list[Document]]:
        """``evidence_of`` for many students in one read, by student."""
        found = group_by(find_in(self.db.evidence, "student_id", student_ids,
                                 sort=[("created_at", ASCENDING)], session=self.session),
                         "student_id")
        return {student_id: items[:limit] for student_id, items in found.items()}

    # registrations ---------------------------------------------------------------------

    def registration(self, registration_id: str) -> Document:
        found: Document = get_or_raise(self.db.registrations, registration_id, "registration",
                                       session=self.session)
        return found

    def registration_for_seat(self, seat_key: str) -> Optional[Document]:
        found: Optional[Document] = self.db.registrations.find_one(
            {"seat_key": seat_key}, session=self.session)
        return found

    def registrations_for_seats(self, seat_keys: list[str]) -> dict[str, Document]:
        """The live registrations holding ``seat_keys``, by candidate."""
        return {r["candidate_id"]: r for r in find_in(
            self.db.registrations, "seat_key", seat_keys,
            projection={"candidate_id": 1, "status": 1, "waitlist_position": 1},
            session=self.session)}

    def add_registration(self, registration: Document) -> None:
        self.db.registrations.insert_one(registration, session=self.session)

    def registrations_with_seats(self, seat_keys: list[str]) -> dict[str, Document]:
        """The live registrations holding ``seat_keys``, whole, by seat key."""
        return {r["seat_key"]: r for r in find_in(self.db.registrations, "seat_key", seat_keys,
                                                  session=self.session)}

    def add_registrations(self, registrations: list[Document]) -> None:
        self.db.registrations.insert_many(registrations, session=self.session)

    def cancel_registration(self, registration_id: str, seat_key: str, at: Any) -> None:
        self.db.registrations.update_one({"_id": registration_id}, {"$set": {
            "status": "cancelled", "waitlist_position": None, "cancelled_at": at,
            "seat_key": seat_key}}, session=self.session)

    def promote_first_waitlisted(self, session_id: str) -> Optional[Document]:
        """The first on the session's waiting list given the freed seat, or None."""
        promoted: Optional[Document] = self.db.registrations.find_one_and_update(
            {"session_id": session_id, "status": "waitlisted"},
            {"$set": {"status": "registered", "waitlist_position": None}},
            sort=[("waitlist_position", ASCENDING)],
            return_document=ReturnDocument.AFTER, session=self.session)
        return promoted

    def set_result(self, registration_id: str, changes: Document) -> None:
        self.db.registrations.update_one({"_id": registration_id}, {"$set": changes},
                                         session=self.session)

    def set_results(self, changes: list[tuple[str, Document]]) -> int:
        """``set_result`` for many registrations in one statement, each on
        condition that it still has a seat and no result. Returns how many were
        written: fewer when a result was recorded meanwhile."""
        written = self.db.registrations.bulk_write([
            UpdateOne({"_id": registration_id, "status": "registered", "result": None},
                      {"$set": fields}) for registration_id, fields in changes],
            ordered=False, session=self.session)
        return int(written.modified_count)

    def registrations_page(self, criteria: Document, params: Document, view: Any) -> Document:
        return paged_view(self.db.registrations, criteria, params, view)

    # issued certificates ---------------------------------------------------------------

    def next_count(self, counter: str) -> int:
        return self.reserve_counts(counter, 1)

    def reserve_counts(self, counter: str, count: int) -> int:
        """The first of ``count`` next values of ``counter``, taken at once."""
        value: int = self.db.counters.find_one_and_update(
            {"_id": counter}, {"$inc": {"value": count}}, upsert=True,
            return_document=ReturnDocument.AFTER, session=self.session)["value"]
        return value - count + 1

    def held(self, candidate_id: str) -> set[tuple[str, str]]:
        """(certificate code, level) of the candidate's unrevoked certificates."""
        return {(item["certificate_code"], item["level"]) for item in self.db.issued.find(
            {"candidate_id": candidate_id, "revoked": False},
            {"certificate_code": 1, "level": 1}, session=self.session).limit(MAX_HELD)}

    def held_by(self, candidate_ids: list[str]) -> dict[str, set[tuple[str, str]]]:
        """``held`` for many candidates, by candidate."""
        held: dict[str, set[tuple[str, str]]] = {}
        for item in find_in(self.db.issued, "candidate_id", candidate_ids, {"revoked": False},
                            {"candidate_id": 1, "certificate_code": 1, "level": 1},
                            session=self.session):
            held.setdefault(item["candidate_id"], set()).add(
                (item["certificate_code"], item["level"]))
        return held

    def issued(self, number: str) -> Document:
        found: Document = get_or_raise(self.db.issued, number, "certificate",
                                       session=self.session)
        return found

    def find_issued(self, number: str) -> Optional[Document]:
        found: Optional[Document] = self.db.issued.find_one({"_id": number},
                                                            session=self.session)
        return found

    def add_issued(self, issued: Document) -> None:
        self.db.issued.insert_one(issued, session=self.session)

    def add_issued_many(self, issued: list[Document]) -> None:
        """Many issued certificates in one statement; a number or status-list
        entry taken already raises ``DuplicateKeyError``, as ``add_issued``."""
        try:
            self.db.issued.insert_many(issued, session=self.session)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if errors and all(error.get("code") == DUPLICATE_KEY for error in errors):
                raise DuplicateKeyError(errors[0].get("errmsg", "duplicate key"),
                                        DUPLICATE_KEY, errors[0])
            raise

    def revoke(self, number: str, reason: str, at: Any) -> None:
        self.db.issued.update_one({"_id": number}, {"$set": {
            "revoked": True, "revocation_reason": reason, "revoked_at": at}},
            session=self.session)

    def revoked_status_indexes(self, limit: int) -> list[int]:
        return [item["status_index"] for item in self.db.issued.find(
            {"revoked": True}, {"status_index": 1}, session=self.session).limit(limit)]

    def holders(self, student_ids: list[str], certificate_code: str, level: str,
                limit: int) -> list[Document]:
        """At most ``limit`` unrevoked certificates of ``student_ids`` at the
        code and level, as {"student_id", "certificate_number"}."""
        issued = self.db.issued.find(
            {"candidate_id": {"$in": student_ids}, "certificate_code": certificate_code,
             "level": level, "revoked": False},
            {"candidate_id": 1}, session=self.session).limit(limit)
        return [{"student_id": item["candidate_id"], "certificate_number": item["_id"]}
                for item in issued]

    def issued_page(self, criteria: Document, params: Document, view: Any) -> Document:
        return paged_view(self.db.issued, criteria, params, view)

    # credit bank -------------------------------------------------------------------------

    def credit_rule(self, rule_id: str) -> Optional[Document]:
        found: Optional[Document] = self.db.credit_rules.find_one({"_id": rule_id},
                                                                  session=self.session)
        return found

    def save_credit_rule(self, rule: Document) -> None:
        self.db.credit_rules.replace_one({"_id": rule["_id"]}, rule, upsert=True,
                                         session=self.session)

    def credit_rules_page(self, criteria: Document, params: Document, view: Any) -> Document:
        return paged_view(self.db.credit_rules, criteria, params, view)

    def grant(self, grant_id: str) -> Optional[Document]:
        found: Optional[Document] = self.db.grants.find_one({"_id": grant_id},
                                                            session=self.session)
        return found

    def grants_of_certificate(self, number: str) -> list[Document]:
        return list(self.db.grants.find({"certificate_number": number}, session=self.session))

    def grants_in_programme(self, numbers: Iterable[str],
                            programme_id: str) -> dict[str, Document]:
        """The programme's grants of the certificates ``numbers``, by number."""
        return {grant["certificate_number"]: grant for grant in self.db.grants.find(
            {"certificate_number": {"$in": list(numbers)}, "programme_id": programme_id},
            session=self.session)}

    def grants_of_student(self, student_id: str) -> list[Document]:
        return list(self.db.grants.find({"student_id": student_id}, session=self.session)
                    .limit(MAX_ACCOUNT_GRANTS))

    def add_grant(self, grant: Document) -> None:
        self.db.grants.insert_one(grant, session=self.session)

    def remove_grant(self, grant_id: str) -> None:
        self.db.grants.delete_one({"_id": grant_id}, session=self.session)

    def add_ledger_entry(self, entry: Document) -> None:
        self.db.ledger.insert_one(entry, session=self.session)

    def ledger_page(self, student_id: str, params: Document, view: Any) -> Document:
        return paged_view(self.db.ledger, {"student_id": student_id}, params, view)

    def grants_of_award(self, award_id: str) -> list[Document]:
        return list(self.db.grants.find({"award_id": award_id}, session=self.session))

    def grants_of_awards(self, award_ids: Iterable[str],
                         programme_id: str) -> dict[str, Document]:
        """The programme's grants of the awards ``award_ids``, by award."""
        return {grant["award_id"]: grant for grant in self.db.grants.find(
            {"award_id": {"$in": list(award_ids)}, "programme_id": programme_id},
            session=self.session)}

    # skills competitions -------------------------------------------------------------------

    def add_competition(self, competition: Document) -> None:
        self.db.competitions.insert_one(competition, session=self.session)

    def competition(self, competition_id: str) -> Document:
        found: Document = get_or_raise(self.db.competitions, competition_id, "competition",
                                       session=self.session)
        return found

    def competitions_page(self, criteria: Document, params: Document, view: Any) -> Document:
        return paged_view(self.db.competitions, criteria, params, view)

    def count_entry(self, competition_id: str) -> bool:
        """One more entry, while the competition is open; False once its results
        are recorded. Writing the competition serialises entries with each
        other and with the results."""
        counted = self.db.competitions.update_one(
            {"_id": competition_id, "status": "open"}, {"$inc": {"entries": 1}},
            session=self.session)
        return bool(counted.modified_count)

    def results_recorded(self, competition_id: str) -> None:
        self.db.competitions.update_one({"_id": competition_id},
                                        {"$set": {"status": "results_recorded"}},
                                        session=self.session)

    def entered(self, competition_id: str, student_ids: list[str]) -> dict[str, str]:
        """{student id: entry id} of the competition's entries naming one of ``student_ids``."""
        entered: dict[str, str] = {}
        for entry in self.db.competition_entries.find(
                {"competition_id": competition_id, "student_ids": {"$in": student_ids}},
                {"student_ids": 1}, session=self.session):
            for student_id in entry["student_ids"]:
                if student_id in student_ids:
                    entered[student_id] = entry["_id"]
        return entered

    def add_entry(self, entry: Document) -> None:
        self.db.competition_entries.insert_one(entry, session=self.session)

    def find_entry(self, entry_id: str) -> Optional[Document]:
        found: Optional[Document] = self.db.competition_entries.find_one(
            {"_id": entry_id}, session=self.session)
        return found

    def set_entry_result(self, entry_id: str, result: Document) -> None:
        self.db.competition_entries.update_one({"_id": entry_id}, {"$set": {"result": result}},
                                               session=self.session)

    def entries_page(self, criteria: Document, params: Document, view: Any) -> Document:
        return paged_view(self.db.competition_entries, criteria, params, view)

    def award(self, award_id: str) -> Document:
        found: Document = get_or_raise(self.db.awards, award_id, "award", session=self.session)
        return found

    def awards_of_entry(self, entry_id: str) -> dict[str, Document]:
        return {a["_id"]: a for a in self.db.awards.find({"entry_id": entry_id},
                                                         session=self.session)}

    def save_award(self, award: Document) -> None:
        """The award as granted, replacing a withdrawn one of the same id (a
        corrected result): the ledger and the events keep the earlier one."""
        self.db.awards.replace_one({"_id": award["_id"]}, award, upsert=True,
                                   session=self.session)

    def withdraw_award(self, award_id: str, reason: str, at: Any) -> None:
        self.db.awards.update_one({"_id": award_id}, {"$set": {
            "status": "withdrawn", "withdrawal_reason": reason, "withdrawn_at": at}},
            session=self.session)

    def set_award_certificate(self, award_id: str, number: str) -> None:
        self.db.awards.update_one({"_id": award_id}, {"$set": {"certificate_number": number}},
                                  session=self.session)

    def awards_in_force(self, student_id: str, limit: int) -> list[Document]:
        """The student's awards not withdrawn, by the day held, oldest first."""
        return list(self.db.awards.find({"student_id": student_id, "status": "awarded"},
                                        session=self.session)
                    .sort([("held_on", ASCENDING), ("_id", ASCENDING)]).limit(limit))

    def awards_in_force_of(self, student_ids: list[str],
                           limit: int) -> dict[str, list[Document]]:
        """``awards_in_force`` for many students in one read, by student."""
        found = group_by(find_in(self.db.awards, "student_id", student_ids,
                                 {"status": "awarded"},
                                 sort=[("held_on", ASCENDING), ("_id", ASCENDING)],
                                 session=self.session), "student_id")
        return {student_id: items[:limit] for student_id, items in found.items()}

    def awards_for_rule(self, programme_id: str, level: str, award: str,
                        limit: int) -> list[Document]:
        """At most ``limit`` awards in force of the programme at that level and
        award, as {"student_id", "award_id"}."""
        return [{"student_id": a["student_id"], "award_id": a["_id"]}
                for a in self.db.awards.find(
                    {"programme_id": programme_id, "level": level, "award": award,
                     "status": "awarded"}, {"student_id": 1}, session=self.session)
                .limit(limit)]

    def awards_page(self, criteria: Document, params: Document, view: Any) -> Document:
        return paged_view(self.db.awards, criteria, params, view)

    def award_rule(self, rule_id: str) -> Optional[Document]:
        found: Optional[Document] = self.db.award_rules.find_one({"_id": rule_id},
                                                                 session=self.session)
        return found

    def save_award_rule(self, rule: Document) -> None:
        self.db.award_rules.replace_one({"_id": rule["_id"]}, rule, upsert=True,
                                        session=self.session)

    def award_rules_page(self, criteria: Document, params: Document, view: Any) -> Document:
        return paged_view(self.db.award_rules, criteria, params, view)

    # read models ---------------------------------------------------------------------------

    def student_parts(self, ids: list[str]) -> tuple[dict[str, Document],
                                                     dict[str, list[Document]],
                                                     dict[str, list[Document]],
                                                     dict[str, list[Document]],
                                                     dict[str, list[Document]]]:
        """What ``summaries.student_part`` takes for each of ``ids``: candidates
        by id, and registrations, certificates, grants and competition awards
        grouped by student."""
        asked = {"$in": ids}
        candidates = {c["_id"]: c for c in self.db.candidates.find({"_id": asked})}
        registrations = group_by(self.db.registrations.find(
            {"candidate_id": asked}, {"seat_key": 0}), "candidate_id")
        issued = group_by(self.db.issued.find({"candidate_id": asked}, {"credential": 0}),
                          "candidate_id")
        grants = group_by(self.db.grants.find({"student_id": asked}), "student_id")
        awards = group_by(self.db.awards.find({"student_id": asked}, AWARD_FIELDS),
                          "student_id")
        return candidates, registrations, issued, grants, awards

    def enterprise_parts(self, ids: list[str]) -> tuple[dict[str, list[Document]],
                                                        list[Document]]:
        """The sponsored students by enterprise, and their certificates."""
        students = group_by(self.db.candidates.find({"partner_id": {"$in": ids}},
                                                    {"partner_id": 1}), "partner_id")
        student_ids = [s["_id"] for group in students.values() for s in group]
        issued = list(self.db.issued.find({"candidate_id": {"$in": student_ids}},
                                          {"candidate_id": 1, "revoked": 1}))
        return students, issued

    def indicator_documents(self) -> tuple[list[Document], dict[str, str],
                                           dict[str, Document], list[Document],
                                           list[Document]]:
        """Registrations, their sessions' exam dates, candidates, grants and
        the awards in force, as ``summaries.indicator_facts`` takes them."""
        registrations = list(self.db.registrations.find({}, {
            "session_id": 1, "candidate_id": 1, "certificate_code": 1, "level": 1,
            "status": 1, "result.passed": 1}))
        exam_dates = {s["_id"]: s["exam_date"] for s in self.db.sessions.find(
            {"_id": {"$in": list({r["session_id"] for r in registrations})}},
            {"exam_date": 1})}
        candidates = {c["_id"]: c for c in self.db.candidates.find(
            {}, {"programme_id": 1, "partner_id": 1})}
        grants = list(self.db.grants.find({}, {"student_id": 1, "programme_id": 1,
                                               "credits": 1, "created_at": 1}))
        awards = list(self.db.awards.find({"status": "awarded"}, {
            "student_id": 1, "level": 1, "held_on": 1, "programme_id": 1, "partner_id": 1}))
        return registrations, exam_dates, candidates, grants, awards
