"""An in-memory ``EnrollmentRecords``: the same domain verbs over dicts, so the
workflows are tested with ``FakeUnitOfWork`` and no database or broker.

The quota ledger keeps the same counters (``free``, ``reserved``,
``consumed``) on programmes and quotas, refuses a seat that is not there with
the same Conflict, and records each movement in ``ledger``."""
import copy

from college_platform.errors import Conflict, NotFound
from enrollment import ledger
from enrollment.domain import ACTIVE_APPLICATION


def _set_path(document, path, value):
    *parents, last = path.split(".")
    for key in parents:
        document = document.setdefault(key, {})
    document[last] = value


class FakeEnrollmentRecords:

    def __init__(self):
        self.partners, self.agreements, self.programmes, self.quotas = {}, {}, {}, {}
        self.applicants, self.applications, self.tripartites, self.students = {}, {}, {}, {}
        self.apprentice_contracts = {}
        self.facts = {}  # commitment_facts
        self.rates = {}  # valuation_rates
        self.ledger = []
        self.sequences = {}

    # helpers ----------------------------------------------------------------------------------

    @staticmethod
    def _get(collection, id_, what):
        if id_ not in collection:
            raise NotFound("%s %s does not exist" % (what, id_), id=id_)
        return copy.deepcopy(collection[id_])

    @staticmethod
    def _add(collection, document):
        if document["_id"] in collection:
            raise Conflict("duplicate %s" % document["_id"])
        collection[document["_id"]] = copy.deepcopy(document)

    # partners -------------------------------------------------------------------------------

    def add_partner(self, partner):
        if any(p["credit_code"] == partner["credit_code"] for p in self.partners.values()):
            raise Conflict("duplicate credit code")
        self._add(self.partners, partner)

    def partner(self, partner_id):
        return self._get(self.partners, partner_id, "partner")

    def is_partner(self, partner_id):
        return partner_id in self.partners

    # agreements -----------------------------------------------------------------------------

    def add_agreement(self, agreement):
        self._add(self.agreements, agreement)

    def agreement(self, agreement_id):
        return self._get(self.agreements, agreement_id, "agreement")

    def find_agreement(self, agreement_id):
        return copy.deepcopy(self.agreements.get(agreement_id))

    def agreements_of(self, partner_id):
        return [copy.deepcopy(a) for a in self.agreements.values()
                if a["partner_id"] == partner_id]

    def _guard(self, collection, document, what, **fields):
        stored = collection.get(document["_id"])
        if stored is None or any(stored.get(k) != v for k, v in fields.items()):
            raise Conflict("%s changed meanwhile; try again" % what)
        return stored

    def set_agreement_status(self, agreement, target, reason, at):
        stored = self._guard(self.agreements, agreement, "the agreement",
                             status=agreement["status"])
        stored["status"] = target
        stored.setdefault("history", []).append({"status": target, "reason": reason, "at": at})
        return self.agreement(agreement["_id"])

    def amend_agreement(self, agreement, changes, reason, at):
        stored = self._guard(self.agreements, agreement, "the agreement",
                             status=agreement["status"])
        previous = {key: agreement.get(key) for key in changes}
        stored.update(copy.deepcopy(changes))
        stored["clauses_checked_on"] = None
        stored.setdefault("amendments", []).append(
            {"previous": previous, "reason": reason, "at": at})
        return self.agreement(agreement["_id"])

    def agreements_past_term(self, today, limit):
        return [copy.deepcopy(a) for a in self.agreements.values()
                if a["status"] in ("active", "suspended") and a["ends_on"] < today][:limit]

    # commitments ------------------------------------------------------------------------------

    def agreements_to_check(self, today, limit):
        return [{"_id": a["_id"]} for a in self.agreements.values()
                if a["status"] in ("active", "suspended") and a.get("clauses")
                and a.get("clauses_checked_on") != today][:limit]

    def record_clause_check(self, agreement, states, today, at):
        stored = self._guard(self.agreements, agreement, "the agreement's clauses",
                             clauses_checked_at=agreement.get("clauses_checked_at"))
        stored.update({"clause_states": dict(states), "clauses_checked_on": today,
                       "clauses_checked_at": at})

    def commitment_facts(self, enterprise_id, since, until):
        return [copy.deepcopy(f) for f in self.facts.values()
                if f["enterprise_id"] == enterprise_id and since <= f["on"] <= until]

    def remember_commitment_facts(self, facts):
        for fact in facts:
            self.facts.setdefault(fact["_id"], copy.deepcopy(fact))

    def students_counting_for(self, partner_id):
        return [copy.deepcopy(s) for s in self.students.values()
                if s.get("partner_id") == partner_id
                or (s.get("destination") or {}).get("enterprise_id") == partner_id]

    def withdraw_commitment_facts(self, facts):
        for fact in facts:
            self.facts.setdefault(fact["_id"], copy.deepcopy(fact))["withdrawn"] = True

    # costs and returns ------------------------------------------------------------------------

    def valuation_rate(self, year):
        return copy.deepcopy(self.rates.get(str(year)))

    def valuation_rates(self):
        return [copy.deepcopy(r) for r in sorted(self.rates.values(), key=lambda r: r["year"])]

    def set_valuation_rate(self, rate, current):
        stored = self.rates.get(rate["_id"])
        if (stored or {}).get("set_at") != (current or {}).get("set_at"):
            raise Conflict("the year's rate changed meanwhile; try again")
        self.rates[rate["_id"]] = copy.deepcopy(rate)

    def hires_by(self, partner_id):
        return [copy.deepcopy(s) for s in self.students.values()
                if (s.get("destination") or {}).get("enterprise_id") == partner_id]

    def apprentice_ids(self, partner_id):
        return [s["_id"] for s in self.students.values()
                if s.get("partner_id") == partner_id
                and s.get("programme_kind") == "apprenticeship"]

    def add_declaration(self, agreement, declaration):
        stored = self._guard(self.agreements, agreement, "the agreement",
                             status=agreement["status"])
        stored.setdefault("declarations", []).append(copy.deepcopy(declaration))

    def decide_declaration(self, agreement_id, decided):
        stored = self.agreements.get(agreement_id) or {}
        for position, declaration in enumerate(stored.get("declarations", [])):
            if declaration["id"] == decided["id"] and declaration["status"] == "declared":
                stored["declarations"][position] = copy.deepcopy(decided)
                stored["clauses_checked_on"] = None
                return
        raise Conflict("the declaration changed meanwhile; try again")

    # programmes and the quota ledger --------------------------------------------------------

    def add_programme(self, programme):
        if any(p["code"] == programme["code"] for p in self.programmes.values()):
            raise Conflict("duplicate code")
        self._add(self.programmes, programme)

    def programme(self, programme_id):
        return self._get(self.programmes, programme_id, "programme")

    def find_programme(self, programme_id):
        return copy.deepcopy(self.programmes.get(programme_id))

    def programme_ids_with_codes(self, codes):
        return [p["_id"] for p in self.programmes.values() if p["code"] in codes]

    def programme_with_quotas(self, programme_id):
        return {**self.programme(programme_id), "quotas": self.quotas_of(programme_id)}

    def quotas_of(self, programme_id):
        return [copy.deepcopy(q) for q in self.quotas.values()
                if q["programme_id"] == programme_id]

    def set_quota(self, programme, partner_id, seats):
        key = ledger.quota_id(programme["_id"], partner_id)
        quota = self.quotas.get(key) or {"_id": key, "programme_id": programme["_id"],
                                         "partner_id": partner_id, "reserved": 0,
                                         "consumed": 0}
        held = quota["reserved"] + quota["consumed"]
        if seats < held:
            raise Conflict("the partner already holds %d seats; the quota cannot be %d"
                           % (held, seats))
        self.quotas[key] = {**quota, "seats": seats, "free": seats - held}
        members = self.programmes[programme["_id"]].setdefault("quota_partner_ids", [])
        if seats > 0 and partner_id not in members:
            members.append(partner_id)
        elif seats == 0 and partner_id in members:
            members.remove(partner_id)
        self._record(programme["_id"], partner_id, "quota_set", seats=seats)

    def _counters(self, programme_id, partner_id):
        yield self.programmes[programme_id]
        if partner_id is not None:
            yield self.quotas.get(ledger.quota_id(programme_id, partner_id), {})

    def _take(self, programme_id, partner_id, into, what):
        programme, *quota = self._counters(programme_id, partner_id)
        if programme["free"] <= 0:
            raise Conflict("no seat is left in the programme for this %s" % what,
                           reason="programme_full")
        if quota and quota[0].get("free", 0) <= 0:
            raise Conflict("the partner's quota in this programme is used up",
                           reason="quota_full")
        for counters in (programme, *quota):
            counters["free"] -= 1
            counters[into] += 1

    def _move(self, programme_id, partner_id, source, target):
        for counters in self._counters(programme_id, partner_id):
            if counters.get(source, 0) <= 0:
                raise Conflict("the ledger holds no %s seat to move" % source)
            counters[source] -= 1
            counters[target] += 1

    def _record(self, programme_id, partner_id, movement, **details):
        self.ledger.append({"programme_id": programme_id, "partner_id": partner_id,
                            "movement": movement, **details})

    def reserve_seat(self, application):
        self._take(application["programme_id"], application["partner_id"], "reserved", "offer")
        self._record(application["programme_id"], application["partner_id"], "reserve",
                     application_id=application["_id"])

    def consume_seat(self, application, student_id):
        self._move(application["programme_id"], application["partner_id"], "reserved",
                   "consumed")
        self._record(application["programme_id"], application["partner_id"], "consume",
                     application_id=application["_id"], student_id=student_id)

    def release_seat(self, application, held, reason):
        self._move(application["programme_id"], application["partner_id"], held, "free")
        self._record(application["programme_id"], application["partner_id"], "release",
                     application_id=application["_id"], reason=reason)

    def release_student_seat(self, student, reason):
        self._move(student["programme_id"], student["partner_id"], "consumed", "free")
        self._record(student["programme_id"], student["partner_id"], "release",
                     application_id=student["application_id"], student_id=student["_id"],
                     reason=reason)

    def consume_seat_directly(self, programme, partner_id, student_id):
        self._take(programme["_id"], partner_id, "consumed", "transfer")
        self._record(programme["_id"], partner_id, "consume", student_id=student_id,
                     reason="transfer")

    def consume_admitted_seats(self, programme_id, partner_id, admissions):
        count = len(admissions)
        if not count:
            return
        counters = list(self._counters(programme_id, partner_id))
        if any(c.get("free", 0) < count for c in counters):
            raise Conflict("the seats were taken meanwhile; try again", reason="programme_full")
        for c in counters:
            c["free"] -= count
            c["consumed"] += count
        for application_id, student_id in admissions:
            self._record(programme_id, partner_id, "consume", application_id=application_id,
                         student_id=student_id, reason="admission_list")

    def seats_left(self, programme_id, partner_id):
        return max(0, min(c.get("free", 0) for c in self._counters(programme_id, partner_id)))

    # applicants -----------------------------------------------------------------------------

    def add_applicant(self, applicant):
        if self.applicant_with_identity(applicant["identity_key"]):
            raise Conflict("duplicate identity")
        self._add(self.applicants, applicant)

    def add_applicants(self, applicants):
        for applicant in applicants:
            self.add_applicant(applicant)

    def applicant(self, applicant_id):
        return self._get(self.applicants, applicant_id, "applicant")

    def applicant_with_identity(self, identity_key):
        return next((copy.deepcopy(a) for a in self.applicants.values()
                     if a["identity_key"] == identity_key), None)

    def applicants_with_identities(self, identity_keys):
        return [copy.deepcopy(a) for a in self.applicants.values()
                if a["identity_key"] in identity_keys]

    # applications ---------------------------------------------------------------------------

    def add_application(self, application):
        self._add(self.applications, application)

    def applicant_applying(self, applicant):
        stored = self.applicant_with_identity(applicant["identity_key"])
        if stored is None:
            self._add(self.applicants, applicant)
            stored = applicant
        return copy.deepcopy(self.applicants[stored["_id"]])

    def add_active_application(self, application):
        if any(a.get("active_key") == application["active_key"]
               for a in self.applications.values()):
            return False
        self._add(self.applications, application)
        return True

    def add_applications(self, applications):
        for application in applications:
            self.add_application(application)

    def application(self, application_id):
        return self._get(self.applications, application_id, "application")

    def find_application(self, application_id):
        return copy.deepcopy(self.applications.get(application_id))

    def update_application(self, application, status, updates, history=None):
        stored = self._guard(self.applications, application, "the application",
                             status=application["status"])
        stored["status"] = status
        if status not in ACTIVE_APPLICATION:
            stored.pop("active_key", None)
        for path, value in updates.items():
            _set_path(stored, path, copy.deepcopy(value))
        if history is not None:
            stored.setdefault("history", []).append(history)

    def admitted_with_numbers(self, programme_id, admission_numbers):
        return {a["admission_number"]: copy.deepcopy(a) for a in self.applications.values()
                if a.get("admission_number") in admission_numbers
                and a["programme_id"] == programme_id}

    def applications_holding(self, programme_id, applicant_ids, statuses):
        return {a["applicant_id"]: copy.deepcopy(a) for a in self.applications.values()
                if a["applicant_id"] in applicant_ids and a["programme_id"] == programme_id
                and a["status"] in statuses}

    def lapsed_offers(self, now, limit):
        return [copy.deepcopy(a) for a in self.applications.values()
                if a["status"] == "offered" and a["offer_expires_at"] < now][:limit]

    # tripartite agreements ------------------------------------------------------------------

    def add_tripartite(self, agreement):
        if any(t["application_id"] == agreement["application_id"]
               and t["version"] == agreement["version"] for t in self.tripartites.values()):
            raise Conflict("duplicate version")
        self._add(self.tripartites, agreement)

    def tripartite(self, agreement_id):
        return self._get(self.tripartites, agreement_id, "tripartite agreement")

    def latest_tripartite(self, application_id):
        versions = [t for t in self.tripartites.values() if t["application_id"] == application_id]
        return copy.deepcopy(max(versions, key=lambda t: t["version"])) if versions else None

    def supersede_tripartites(self, application_id):
        for t in self.tripartites.values():
            if t["application_id"] == application_id:
                t["status"] = "superseded"

    def signed_tripartite(self, application_id):
        return next((copy.deepcopy(t) for t in self.tripartites.values()
                     if t["application_id"] == application_id and t["status"] == "signed"),
                    None)

    def record_signature(self, agreement_id, party, signature, status):
        stored = self.tripartites.get(agreement_id)
        if stored is None or stored["status"] != "awaiting_signatures" or \
                party in stored["signatures"]:
            raise Conflict("the agreement changed meanwhile; try again")
        stored["signatures"][party] = copy.deepcopy(signature)
        stored["status"] = status

    def link_tripartites_to_student(self, application_id, student_id):
        for t in self.tripartites.values():
            if t["application_id"] == application_id:
                t["student_id"] = student_id

    # students -------------------------------------------------------------------------------

    def student_sequences(self, programme, count):
        last = self.sequences.get(programme["_id"], 0) + count
        self.sequences[programme["_id"]] = last
        return list(range(last - count + 1, last + 1))

    def add_student(self, student):
        if any(s["application_id"] == student["application_id"]
               for s in self.students.values()):
            raise Conflict("duplicate application")
        self._add(self.students, student)

    def add_students(self, students):
        for student in students:
            self.add_student(student)

    def student(self, student_id):
        return self._get(self.students, student_id, "student")

    def student_numbers(self, student_ids):
        return {s["_id"]: s["student_number"] for s in self.students.values()
                if s["_id"] in student_ids}

    def add_apprentice_contract(self, contract):
        self._add(self.apprentice_contracts, contract)
        self.students[contract["student_id"]]["apprentice_contract"] = copy.deepcopy(contract)

    def change_student(self, student, updates, history):
        stored = self._guard(self.students, student, "the student's record",
                             status=student["status"], programme_id=student["programme_id"])
        stored.update(copy.deepcopy(updates))
        stored.setdefault("history", []).append(history)
        return self.student(student["_id"])
