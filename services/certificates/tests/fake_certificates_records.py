"""An in-memory ``CertificatesRecords``: the same domain verbs on dicts, so
the workflows are tested with ``FakeUnitOfWork`` and no database. The pages
and read-model reads, which no workflow makes, are left out."""
import copy

from college_platform.errors import NotFound

COLLECTIONS = ("catalogue", "sessions", "candidates", "programmes", "evidence",
               "registrations", "issued", "counters", "credit_rules", "grants",
               "competitions", "competition_entries", "awards", "award_rules")


class FakeCertificatesRecords:
    def __init__(self):
        self.data = {name: {} for name in COLLECTIONS}
        self.ledger = []

    # catalogue -----------------------------------------------------------------------

    def add_certificate(self, certificate):
        self.data["catalogue"][certificate["code"]] = copy.deepcopy(certificate)

    def certificate(self, code):
        if code not in self.data["catalogue"]:
            raise NotFound("certificate %s is not in the catalogue" % code, code=code)
        return copy.deepcopy(self.data["catalogue"][code])

    def find_certificate(self, code):
        return copy.deepcopy(self.data["catalogue"].get(code))

    def certificates_with_codes(self, codes):
        return {code: copy.deepcopy(c) for code, c in self.data["catalogue"].items()
                if code in set(codes)}

    # exam sessions ---------------------------------------------------------------------

    def add_session(self, exam_session):
        self.data["sessions"][exam_session["_id"]] = copy.deepcopy(exam_session)

    def exam_session(self, session_id):
        return copy.deepcopy(self._get(self.data["sessions"], session_id, "exam session"))

    def take_seat(self, session_id, capacity):
        exam_session = self.data["sessions"][session_id]
        if exam_session["seats_taken"] >= capacity:
            return False
        exam_session["seats_taken"] += 1
        return True

    def next_waitlist_position(self, session_id):
        self.data["sessions"][session_id]["waitlist_seq"] += 1
        return self.data["sessions"][session_id]["waitlist_seq"]

    def claim_seats(self, exam_session, seated, waitlist_seq):
        stored = self.data["sessions"][exam_session["_id"]]
        if (stored["seats_taken"], stored["waitlist_seq"]) != \
                (exam_session["seats_taken"], exam_session["waitlist_seq"]):
            return False
        stored["seats_taken"] += seated
        stored["waitlist_seq"] = waitlist_seq
        return True

    def seat_freed(self, session_id, taken_again):
        if not taken_again:
            self.data["sessions"][session_id]["seats_taken"] -= 1

    # candidates and programmes ---------------------------------------------------------

    def candidate(self, candidate_id):
        return copy.deepcopy(self.data["candidates"].get(candidate_id))

    def candidates(self, candidate_ids):
        return {c: copy.deepcopy(self.data["candidates"][c]) for c in candidate_ids
                if c in self.data["candidates"]}

    def partner_of(self, candidate_id):
        return (self.data["candidates"].get(candidate_id) or {}).get("partner_id")

    def programme(self, programme_id):
        return copy.deepcopy(self.data["programmes"].get(programme_id))

    def programme_students(self, programme_id):
        return [id_ for id_, c in self.data["candidates"].items()
                if c.get("programme_id") == programme_id and c["kind"] == "student"]

    def remember(self, collection, id_, fields):
        self.data[collection].setdefault(id_, {"_id": id_}).update(copy.deepcopy(fields))

    def evidence_of(self, student_id, limit):
        found = [e for e in self.data["evidence"].values() if e["student_id"] == student_id]
        return sorted(found, key=lambda e: e["created_at"])[:limit]

    def evidence_of_students(self, student_ids, limit):
        return {s: found for s in student_ids if (found := self.evidence_of(s, limit))}

    # registrations ---------------------------------------------------------------------

    def registration(self, registration_id):
        return copy.deepcopy(self._get(self.data["registrations"], registration_id, "registration"))

    def registration_for_seat(self, seat_key):
        found = [r for r in self.data["registrations"].values() if r["seat_key"] == seat_key]
        return copy.deepcopy(found[0]) if found else None

    def registrations_for_seats(self, seat_keys):
        return {r["candidate_id"]: {key: r.get(key) for key in (
            "_id", "candidate_id", "status", "waitlist_position")}
            for r in self.data["registrations"].values() if r["seat_key"] in seat_keys}

    def registrations_with_seats(self, seat_keys):
        return {r["seat_key"]: copy.deepcopy(r) for r in self.data["registrations"].values()
                if r["seat_key"] in seat_keys}

    def add_registration(self, registration):
        if self.registration_for_seat(registration["seat_key"]):
            raise AssertionError("seat_key_unique: %s" % registration["seat_key"])
        self.data["registrations"][registration["_id"]] = copy.deepcopy(registration)

    def add_registrations(self, registrations):
        for registration in registrations:
            self.add_registration(registration)

    def cancel_registration(self, registration_id, seat_key, at):
        self.data["registrations"][registration_id].update(
            status="cancelled", waitlist_position=None, cancelled_at=at, seat_key=seat_key)

    def promote_first_waitlisted(self, session_id):
        waiting = sorted((r for r in self.data["registrations"].values()
                          if r["session_id"] == session_id and r["status"] == "waitlisted"),
                         key=lambda r: r["waitlist_position"])
        if not waiting:
            return None
        waiting[0].update(status="registered", waitlist_position=None)
        return copy.deepcopy(waiting[0])

    def set_result(self, registration_id, changes):
        self.data["registrations"][registration_id].update(copy.deepcopy(changes))

    def set_results(self, changes):
        written = 0
        for registration_id, fields in changes:
            registration = self.data["registrations"][registration_id]
            if registration["status"] == "registered" and registration["result"] is None:
                registration.update(copy.deepcopy(fields))
                written += 1
        return written

    # issued certificates ---------------------------------------------------------------

    def next_count(self, counter):
        return self.reserve_counts(counter, 1)

    def reserve_counts(self, counter, count):
        self.data["counters"][counter] = self.data["counters"].get(counter, 0) + count
        return self.data["counters"][counter] - count + 1

    def held(self, candidate_id):
        return {(i["certificate_code"], i["level"]) for i in self.data["issued"].values()
                if i["candidate_id"] == candidate_id and not i["revoked"]}

    def held_by(self, candidate_ids):
        held = {}
        for item in self.data["issued"].values():
            if item["candidate_id"] in candidate_ids and not item["revoked"]:
                held.setdefault(item["candidate_id"], set()).add(
                    (item["certificate_code"], item["level"]))
        return held

    def issued(self, number):
        return copy.deepcopy(self._get(self.data["issued"], number, "certificate"))

    def find_issued(self, number):
        return copy.deepcopy(self.data["issued"].get(number))

    def add_issued(self, issued):
        self.data["issued"][issued["_id"]] = copy.deepcopy(issued)

    def add_issued_many(self, issued):
        for document in issued:
            self.add_issued(document)

    def revoke(self, number, reason, at):
        self.data["issued"][number].update(revoked=True, revocation_reason=reason, revoked_at=at)

    def revoked_status_indexes(self, limit):
        return [i["status_index"] for i in self.data["issued"].values() if i["revoked"]][:limit]

    def holders(self, student_ids, certificate_code, level, limit):
        return [{"student_id": i["candidate_id"], "certificate_number": i["_id"]}
                for i in self.data["issued"].values()
                if i["candidate_id"] in student_ids and i["certificate_code"] == certificate_code
                and i["level"] == level and not i["revoked"]][:limit]

    # credit bank -------------------------------------------------------------------------

    def credit_rule(self, rule_id):
        return copy.deepcopy(self.data["credit_rules"].get(rule_id))

    def save_credit_rule(self, rule):
        self.data["credit_rules"][rule["_id"]] = copy.deepcopy(rule)

    def grant(self, grant_id):
        return copy.deepcopy(self.data["grants"].get(grant_id))

    def grants_of_certificate(self, number):
        return [copy.deepcopy(g) for g in self.data["grants"].values()
                if g["certificate_number"] == number]

    def grants_in_programme(self, numbers, programme_id):
        numbers = list(numbers)
        return {g["certificate_number"]: copy.deepcopy(g) for g in self.data["grants"].values()
                if g["certificate_number"] in numbers and g["programme_id"] == programme_id}

    def grants_of_student(self, student_id):
        return [copy.deepcopy(g) for g in self.data["grants"].values()
                if g["student_id"] == student_id]

    def add_grant(self, grant):
        if grant["_id"] in self.data["grants"]:
            raise AssertionError("duplicate grant %s" % grant["_id"])
        self.data["grants"][grant["_id"]] = copy.deepcopy(grant)

    def remove_grant(self, grant_id):
        del self.data["grants"][grant_id]

    def add_ledger_entry(self, entry):
        self.ledger.append(copy.deepcopy(entry))

    def ledger_page(self, student_id, params, view):
        items = [e for e in reversed(self.ledger) if e["student_id"] == student_id]
        offset, limit = params.get("offset", 0), params.get("limit", 20)
        return {"items": view.dump(items[offset:offset + limit], many=True),
                "total": len(items), "offset": offset, "limit": limit}

    def grants_of_award(self, award_id):
        return [copy.deepcopy(g) for g in self.data["grants"].values()
                if g.get("award_id") == award_id]

    def grants_of_awards(self, award_ids, programme_id):
        award_ids = list(award_ids)
        return {g["award_id"]: copy.deepcopy(g) for g in self.data["grants"].values()
                if g.get("award_id") in award_ids and g["programme_id"] == programme_id}

    # skills competitions -------------------------------------------------------------------

    def add_competition(self, competition):
        self.data["competitions"][competition["_id"]] = copy.deepcopy(competition)

    def competition(self, competition_id):
        return copy.deepcopy(self._get(self.data["competitions"], competition_id,
                                       "competition"))

    def count_entry(self, competition_id):
        competition = self.data["competitions"][competition_id]
        if competition["status"] != "open":
            return False
        competition["entries"] += 1
        return True

    def results_recorded(self, competition_id):
        self.data["competitions"][competition_id]["status"] = "results_recorded"

    def entered(self, competition_id, student_ids):
        return {s: e["_id"] for e in self.data["competition_entries"].values()
                if e["competition_id"] == competition_id
                for s in e["student_ids"] if s in student_ids}

    def add_entry(self, entry):
        self.data["competition_entries"][entry["_id"]] = copy.deepcopy(entry)

    def find_entry(self, entry_id):
        return copy.deepcopy(self.data["competition_entries"].get(entry_id))

    def set_entry_result(self, entry_id, result):
        self.data["competition_entries"][entry_id]["result"] = copy.deepcopy(result)

    def award(self, award_id):
        return copy.deepcopy(self._get(self.data["awards"], award_id, "award"))

    def awards_of_entry(self, entry_id):
        return {id_: copy.deepcopy(a) for id_, a in self.data["awards"].items()
                if a["entry_id"] == entry_id}

    def save_award(self, award):
        self.data["awards"][award["_id"]] = copy.deepcopy(award)

    def withdraw_award(self, award_id, reason, at):
        self.data["awards"][award_id].update(status="withdrawn", withdrawal_reason=reason,
                                             withdrawn_at=at)

    def set_award_certificate(self, award_id, number):
        self.data["awards"][award_id]["certificate_number"] = number

    def awards_in_force(self, student_id, limit):
        found = [a for a in self.data["awards"].values()
                 if a["student_id"] == student_id and a["status"] == "awarded"]
        return copy.deepcopy(sorted(found, key=lambda a: (a["held_on"], a["_id"]))[:limit])

    def awards_in_force_of(self, student_ids, limit):
        return {s: found for s in student_ids if (found := self.awards_in_force(s, limit))}

    def awards_for_rule(self, programme_id, level, award, limit):
        return [{"student_id": a["student_id"], "award_id": a["_id"]}
                for a in self.data["awards"].values()
                if (a["programme_id"], a["level"], a["award"], a["status"]) ==
                (programme_id, level, award, "awarded")][:limit]

    def award_rule(self, rule_id):
        return copy.deepcopy(self.data["award_rules"].get(rule_id))

    def save_award_rule(self, rule):
        self.data["award_rules"][rule["_id"]] = copy.deepcopy(rule)

    # -----------------------------------------------------------------------------------

    @staticmethod
    def _get(collection, id_, what):
        if id_ not in collection:
            raise NotFound("%s %s does not exist" % (what, id_), id=id_)
        return collection[id_]
