"""Rules of the 1+X certificates: who may see what, eligibility,
registration deadlines, seats and the waiting list, group registration,
cancellation, the pass rule, issuance, revocation, certificate numbers, what
public verification may tell, CSV results, conversion rules and credit grants;
skills competitions: entries, results and their corrections, awards, their
withdrawal, award credit rules and the exam an award stands in for.

Plain Python with the date passed in, so every rule is unit-tested without a
broker or a database.
"""
import csv
import hmac
import io
import re
import secrets
import unicodedata
from datetime import date, timezone
from typing import AbstractSet, Any, Callable, Mapping, Optional, Sequence, Sized

from college_platform.actors import STAFF, STUDENT, TEACHER, Actor, kind_of, not_found, owns
from college_platform.errors import Conflict, InvalidInput

Document = dict[str, Any]
# (certificate code, level) a candidate holds, unrevoked
Held = AbstractSet[tuple[str, str]]

LEVELS = ("junior", "intermediate", "senior")
LEVEL_INITIAL = {"junior": "J", "intermediate": "I", "senior": "S"}
MAX_CSV_ROWS = 2000
CSV_COLUMNS = ("candidate_id", "theory", "practical")


class Ineligible(Exception):
    """The candidate may not register; ``field`` names what is wrong."""

    def __init__(self, message: str, field: str = "candidate_id") -> None:
        super().__init__(message)
        self.field = field


def check_eligibility(*, candidate: Optional[Document], certificate: Document, level: str,
                      held: Held, today: date, deadline: date) -> None:
    """Raise ``Ineligible`` unless ``candidate`` may sit ``certificate`` at
    ``level`` on a session whose registration closes on ``deadline``.

    ``candidate``: the local copy ({"kind", "status", "programme_code"}) or None;
    ``held``: {(certificate_code, level)} the candidate holds, unrevoked.
    """
    if today > deadline:
        raise Ineligible("registration closed on %s" % deadline.isoformat(), "session_id")
    if candidate is None:
        raise Ineligible("the candidate is not a known student or teacher")
    if candidate["kind"] == "student":
        if candidate.get("status") != "active":
            raise Ineligible("the student's enrolment is %s, not active"
                             % candidate.get("status"))
        aligned = certificate["alignment"]["programmes"]
        if candidate.get("programme_code") not in aligned:
            raise Ineligible("the student's programme %s is not aligned with %s"
                             % (candidate.get("programme_code"), certificate["code"]))
    elif candidate["kind"] != "teacher":
        raise Ineligible("only students and teachers sit certificate exams")
    if (certificate["code"], level) in held:
        raise Ineligible("the candidate already holds %s at %s level"
                         % (certificate["code"], level))
    for required in prerequisites_for(certificate, level):
        if (required["code"], required["level"]) not in held:
            raise Ineligible("%s at %s level needs %s at %s level first" % (
                certificate["code"], level, required["code"], required["level"]))


def prerequisites_for(certificate: Document, level: str) -> list[Document]:
    return [item["requires"] for item in certificate.get("prerequisites", [])
            if item["level"] == level]


def passed(pass_rule: Document, theory: float, practical: float) -> bool:
    """Both parts must reach their minimum (the usual 1+X rule: 60 and 60)."""
    return theory >= pass_rule["theory_min"] and practical >= pass_rule["practical_min"]


# certificate numbers ------------------------------------------------------------------

# Crockford's base32: no I, L, O or U, so a number read aloud or retyped is not misread
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_RANDOM_CHARS = 15
NUMBER_RANDOM_BITS = 5 * NUMBER_RANDOM_CHARS  # 75: guessing another number is infeasible
MAX_NUMBER_CHARS = 80
_PREFIX = r"[A-Z0-9][A-Z0-9-]{1,39}-[JIS]-\d{4}"
_RANDOM_NUMBER = re.compile(r"^(%s)-((?:[0-9A-Z]{4}-?){3}[0-9A-Z]{4})$" % _PREFIX)
# the sequential numbers issued before: stored ids that keep verifying
_SEQUENTIAL_NUMBER = re.compile(r"^%s-\d{6}$" % _PREFIX)
_MISREAD = str.maketrans("IL", "11", "-")
_MISREAD_ZERO = str.maketrans("O", "0")


def certificate_number(code: str, level: str, year: int, token: Optional[int] = None) -> str:
    """``1X-IOT-01-I-2027-7K3M-Q9TR-WX2A-H5NC``: code, level initial and year,
    then ``token`` (75 random bits unless given) as 15 base32 characters and a
    check character, in groups of four. One number says nothing of another."""
    if token is None:
        token = secrets.randbits(NUMBER_RANDOM_BITS)
    chars = "".join(CROCKFORD[(token >> (5 * shift)) & 31]
                    for shift in reversed(range(NUMBER_RANDOM_CHARS)))
    chars += _check_character(chars)
    return "%s-%s-%d-%s" % (code, LEVEL_INITIAL[level], year,
                            "-".join(chars[i:i + 4] for i in range(0, len(chars), 4)))


def _check_character(chars: str) -> str:
    """Luhn mod 32: catches every single mistyped character and most swaps of
    two neighbours."""
    total, factor = 0, 2
    for char in reversed(chars):
        addend = factor * CROCKFORD.index(char)
        total += addend // 32 + addend % 32
        factor = 3 - factor
    return CROCKFORD[-total % 32]


def canonical_number(text: object) -> Optional[str]:
    """The stored form of a number as a person may type it (any case, spaces
    around, the random groups with or without hyphens, O for 0, I or L for 1),
    or None when it cannot be a number: malformed, or its check character is
    wrong. A None needs no lookup and is answered as an unknown number."""
    if not isinstance(text, str) or len(text) > MAX_NUMBER_CHARS:
        return None
    text = text.strip().upper()
    if _SEQUENTIAL_NUMBER.match(text):
        return text
    found = _RANDOM_NUMBER.match(text)
    if not found:
        return None
    chars = found.group(2).translate(_MISREAD).translate(_MISREAD_ZERO)
    if any(char not in CROCKFORD for char in chars) or \
            _check_character(chars[:-1]) != chars[-1]:
        return None
    return "%s-%s" % (found.group(1), "-".join(chars[i:i + 4] for i in range(0, 16, 4)))


# public verification ----------------------------------------------------------------------

def valid_until(issued_on: date, validity_years: Optional[int]) -> Optional[date]:
    """The last day a certificate with ``validity_years`` is valid; None: for life.
    One issued on 29 February runs to 28 February."""
    if not validity_years:
        return None
    try:
        return issued_on.replace(year=issued_on.year + validity_years)
    except ValueError:
        return issued_on.replace(year=issued_on.year + validity_years, day=28)


def public_status(issued: Document, today: date) -> str:
    """``revoked``, ``expired`` or ``valid``: a revocation outranks an expiry."""
    if issued["revoked"]:
        return "revoked"
    until = issued.get("valid_until")
    if until and today > date.fromisoformat(until):
        return "expired"
    return "valid"


def _comparable_name(name: str) -> str:
    # full-width letters, case and spacing (王 小明, Emily  CHEN) are the same name
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


def holder_name_matches(supplied: str, on_record: Optional[str]) -> bool:
    """Whether the name a verifier typed is the holder's; in constant time, so
    how long the answer takes tells nothing of how much of a name was right."""
    if not on_record:
        return False
    return hmac.compare_digest(_comparable_name(supplied).encode(),
                               _comparable_name(on_record).encode())


def public_answer(issued: Document, *, today: date, proof_problems: Sequence[str],
                  holder_name: Optional[str] = None) -> Document:
    """What anyone may learn of an issued certificate: its status, what it
    certifies, who issued it and when. Never the holder, nor a revocation's
    reason; ``holder_name_matches`` answers a name the verifier supplied
    (None when none was)."""
    credential = issued.get("credential") or {}
    issuer = credential.get("issuer") or {}
    creator = ((credential.get("credentialSubject") or {}).get("achievement") or {}) \
        .get("creator") or {}
    return {
        "certificate_number": issued["_id"],
        "status": public_status(issued, today),
        "certificate_code": issued["certificate_code"],
        "title": issued["title"],
        "level": issued["level"],
        "issuer": {"id": issuer.get("id"), "name": issuer.get("name")},
        "organisation": creator.get("name"),
        "issued_on": issued["issued_on"],
        "valid_until": issued.get("valid_until"),
        "proof_verified": not proof_problems,
        "problems": list(proof_problems),
        "holder_name_matches": None if holder_name is None
        else holder_name_matches(holder_name, issued.get("holder_name")),
    }


def credential_verdict(issued: Optional[Document], *, today: date,
                       proof_problems: Sequence[str]) -> Document:
    """The verdict on a credential a verifier presents. Its proof failing, or
    the issuer knowing no such credential, the verdict says only that. Else
    the public answer, with the holder's name: who presents a credential holds
    its subject already."""
    verdict = {"verified": False, "status": "invalid", "problems": list(proof_problems),
               "certificate_number": None, "certificate_code": None, "title": None,
               "level": None, "issuer": None, "organisation": None, "issued_on": None,
               "valid_until": None, "holder_name": None}
    if proof_problems:
        return verdict
    if issued is None:
        return {**verdict, "status": "unknown",
                "problems": ["the issuer has no record of this credential"]}
    answer = public_answer(issued, today=today, proof_problems=[])
    status = answer["status"]
    problems = {"revoked": ["the certificate was revoked"],
                "expired": ["the certificate expired after %s" % answer["valid_until"]]}
    return {**verdict, **{key: answer[key] for key in verdict if key in answer},
            "verified": status == "valid", "status": status,
            "problems": problems.get(status, []), "holder_name": issued.get("holder_name")}


def parse_results_csv(text: str,
                      max_rows: int = MAX_CSV_ROWS) -> tuple[list[Document], list[Document]]:
    """(rows, problems): rows as {"row", "candidate_id", "theory", "practical"}
    with numbers parsed; problems as {"row", "errors"} for unreadable rows.
    Row numbers count the header as row 1, as a spreadsheet shows them.
    A text that is not CSV at all raises ``ValueError``."""
    try:
        return _parse_results_csv(text, max_rows)
    except csv.Error as exc:
        raise ValueError("not readable as CSV: %s" % exc)


def _parse_results_csv(text: str, max_rows: int) -> tuple[list[Document], list[Document]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        raise ValueError("the header must name %s; missing %s"
                         % (", ".join(CSV_COLUMNS), ", ".join(missing)))
    reader.fieldnames = header
    rows, problems = [], []
    for number, record in enumerate(reader, start=2):
        if number - 1 > max_rows:
            raise ValueError("at most %d rows per import" % max_rows)
        errors = {}
        candidate_id = (record.get("candidate_id") or "").strip()
        if not candidate_id:
            errors["candidate_id"] = ["Missing data for required field."]
        scores = {}
        for part in ("theory", "practical"):
            try:
                scores[part] = float((record.get(part) or "").strip())
                if not 0 <= scores[part] <= 100:
                    raise ValueError
            except ValueError:
                errors[part] = ["Must be a number from 0 to 100."]
        if errors:
            problems.append({"row": number, "candidate_id": candidate_id or None,
                             "status": "rejected", "errors": errors})
        else:
            rows.append({"row": number, "candidate_id": candidate_id, **scores})
    return rows, problems


def credit_changes(holders: Sequence[Document], current_grants: Mapping[str, Document],
                   rule: Optional[Document], key: str = "certificate_number") -> list[Document]:
    """What applying ``rule`` would change, per holder of the certificate (or,
    with ``key="award_id"``, per award an award rule is for).

    ``holders``: [{"student_id", "certificate_number"}] in the rule's programme;
    ``current_grants``: {certificate_number: {"credits", "course_exemptions"}};
    ``rule``: {"credits", "course_exemptions"}, or None when it is withdrawn.
    Returns [{"student_id", "certificate_number", "change", "current", "proposed"}]
    for holders whose grant would differ.
    """
    proposed = None
    if rule is not None and (rule["credits"] or rule["course_exemptions"]):
        proposed = {"credits": rule["credits"],
                    "course_exemptions": sorted(rule["course_exemptions"])}
    changes = []
    for holder in holders:
        current = current_grants.get(holder[key])
        if current is not None:
            current = {"credits": current["credits"],
                       "course_exemptions": sorted(current["course_exemptions"])}
        if current == proposed:
            continue
        change = "grant" if current is None else "reverse" if proposed is None else "adjust"
        changes.append({"student_id": holder["student_id"], key: holder[key],
                        "change": change, "current": current, "proposed": proposed})
    return changes


# who may see what ------------------------------------------------------------------------

def check_visible(actor: Actor, what: str, object_id: object,
                  candidate_id: Optional[str]) -> None:
    """A student reaches only their own registrations, certificates and
    credits, a teacher their own as a candidate; the college's staff (and a
    call without an actor, from another service) reach any. Anyone else is
    told the object does not exist (404), as for a missing one."""
    kind = kind_of(actor)
    if kind in (None, STAFF):
        return
    own_key = {STUDENT: "student_id", TEACHER: "mentor_id"}.get(kind or "")
    if own_key is None or not owns(actor, own_key, candidate_id):
        raise not_found(what, object_id)


# catalogue and sessions ------------------------------------------------------------------

def check_session_level(certificate: Document, level: str) -> None:
    """An exam session is held at one of the certificate's levels."""
    if level not in certificate["levels"]:
        raise InvalidInput("the certificate has no such level", errors={
            "level": ["%s is offered at %s." % (certificate["code"],
                                                ", ".join(certificate["levels"]))]})


# registrations ---------------------------------------------------------------------------

def ineligible(exc: Ineligible) -> InvalidInput:
    """The ``InvalidInput`` an ``Ineligible`` candidate is refused with."""
    return InvalidInput(str(exc), errors={exc.field: [str(exc)]})


def claimed_candidate(candidate: Optional[Document], kind: Optional[str]) -> Optional[Document]:
    """The candidate as registered: unknown (None) when the kind claimed for
    it is not the kind on record."""
    if candidate and kind and candidate["kind"] != kind:
        return None
    return candidate


def seat_key(session_id: str, candidate_id: str) -> str:
    """One live registration per candidate and session (a unique key); a
    cancelled registration frees it (``cancelled_seat_key``)."""
    return "%s:%s" % (session_id, candidate_id)


def cancelled_seat_key(registration_id: str) -> str:
    return "cancelled:%s" % registration_id


def new_registration(registration_id: str, exam_session: Document, certificate: Document,
                     candidate: Document, now: Any) -> Document:
    """A registered candidate's registration, before a seat or the waiting list."""
    return {
        "_id": registration_id, "session_id": exam_session["_id"],
        "seat_key": seat_key(exam_session["_id"], candidate["_id"]),
        "certificate_code": certificate["code"], "level": exam_session["level"],
        "candidate_id": candidate["_id"], "candidate_kind": candidate["kind"],
        "status": "registered", "waitlist_position": None, "result": None,
        "certificate_number": None, "created_at": now}


def waitlisted(registration: Document, position: int) -> Document:
    """The registration put on the waiting list at ``position``."""
    registration.update(status="waitlisted", waitlist_position=position)
    return registration


def seats_left(exam_session: Document) -> int:
    return max(0, exam_session["capacity"] - exam_session["seats_taken"])


def group_registration(candidate_ids: list[str], *, exam_session: Document,
                       certificate: Document, candidates: Mapping[str, Document],
                       held: Mapping[str, Held], taken: Mapping[str, Document], today: date,
                       new_id: Callable[[], str],
                       now: Callable[[], Any]) -> tuple[list[Document], list[Document], int]:
    """A class registered at once: each candidate checked as one is
    (``check_eligibility``); seats in the list's order while there are any,
    then the waiting list. A candidate registered already (``taken``: by
    candidate id, or earlier in the list) is a duplicate, an ineligible one is
    rejected with the reason; the others are kept. ``new_id()`` and ``now()``
    give each registration its id and time.

    Returns (report, registrations, waitlist_seq): the report in the list's
    order, the new registrations, the session's last waiting-list position."""
    taken = dict(taken)
    seats = seats_left(exam_session)
    waitlist = exam_session["waitlist_seq"]
    deadline = date.fromisoformat(exam_session["registration_deadline"])
    report, registrations = [], []
    for candidate_id in candidate_ids:
        if candidate_id in taken:
            earlier = taken[candidate_id]
            report.append({"candidate_id": candidate_id, "status": "duplicate",
                           "registration_id": earlier["_id"],
                           "waitlist_position": earlier.get("waitlist_position")})
            continue
        try:
            check_eligibility(candidate=candidates.get(candidate_id), certificate=certificate,
                              level=exam_session["level"],
                              held=held.get(candidate_id, set()), today=today,
                              deadline=deadline)
        except Ineligible as exc:
            report.append({"candidate_id": candidate_id, "status": "rejected",
                           "errors": ineligible(exc).errors})
            continue
        registration = new_registration(new_id(), exam_session, certificate,
                                        candidates[candidate_id], now())
        if seats > 0:
            seats -= 1
        else:
            waitlist += 1
            waitlisted(registration, waitlist)
        taken[candidate_id] = registration  # the same candidate twice in the list
        registrations.append(registration)
        report.append({"candidate_id": candidate_id, "status": registration["status"],
                       "registration_id": registration["_id"],
                       "waitlist_position": registration["waitlist_position"]})
    return report, registrations, waitlist


GROUP_OUTCOMES = ("registered", "waitlisted", "duplicate", "rejected")


def group_report(session_id: str, report: list[Document]) -> Document:
    """The answer to a group registration: the report with its counts."""
    counts = {status: sum(1 for r in report if r["status"] == status)
              for status in GROUP_OUTCOMES}
    return {"session_id": session_id, "candidates": len(report),
            "registered": counts["registered"], "waitlisted": counts["waitlisted"],
            "duplicates": counts["duplicate"], "rejected": counts["rejected"],
            "report": report}


def check_cancellable(registration: Document) -> None:
    """Only a registered or waitlisted registration without a result is cancelled."""
    if registration["status"] not in ("registered", "waitlisted") or registration["result"]:
        raise Conflict("a %s registration%s cannot be cancelled" % (
            registration["status"], " with a result" if registration["result"] else ""))


def frees_a_seat(registration: Document) -> bool:
    """Cancelling a registration with a seat frees it for the waiting list's first."""
    return registration["status"] == "registered"


# results and issuance --------------------------------------------------------------------

MAX_EVIDENCE = 20


def check_result_recordable(registration: Document, recorded_above: bool = False) -> None:
    """A result is recorded once, for a candidate with a seat.
    ``recorded_above``: an earlier row of the same import recorded it."""
    if registration["status"] != "registered":
        raise Conflict("only a registered candidate has a result; this one is %s"
                       % registration["status"])
    if registration["result"] or recorded_above:
        raise Conflict("the result of registration %s is already recorded"
                       % registration["_id"])


def result_of(pass_rule: Document, scores: Document, now: Any) -> Document:
    return {**scores, "passed": passed(pass_rule, **scores), "recorded_at": now}


def check_signing_key(key: object) -> None:
    if key is None:
        raise Conflict("no credential signing key is configured; the certificate "
                       "cannot be issued (set CERTIFICATE_SIGNING_KEYS)")


def check_status_index(status_index: int, size: int) -> None:
    """Status list entries are handed out in order; index 0 stays unused."""
    if status_index >= size:
        raise Conflict("the revocation status list is full")


def has_evidence(candidate_kind: str) -> bool:
    """A student's credential links their project deliverables; a teacher's none."""
    return candidate_kind == "student"


def usable_evidence(items: list[Document], limit: int = 100) -> list[Document]:
    """The project deliverables a completed project reports that a credential
    may link: the first ``limit``, each with a student, a deliverable and a URL."""
    return [item for item in items[:limit]
            if all(isinstance(item.get(key), str) and item.get(key)
                   for key in ("student_id", "deliverable_id", "url"))]


def check_revocable(issued: Document) -> None:
    if issued["revoked"]:
        raise Conflict("certificate %s is already revoked" % issued["_id"])


def revocation_reason(reason: str) -> str:
    """Why the credits of a revoked certificate are reversed."""
    return "certificate revoked: %s" % reason


# public verification ---------------------------------------------------------------------

# one answer for every number without a certificate, well-formed or not, echoing nothing
UNKNOWN_NUMBER = "no certificate has this number"


def presented_number(credential: Document) -> str:
    """The certificate number a presented credential names (its id's last part)."""
    return str(credential.get("id", "")).rsplit("/", 1)[-1]


# credit bank -----------------------------------------------------------------------------

MAX_REEVALUATED_HOLDERS = 2000


def credit_rule_id(programme_id: str, certificate_code: str, level: str) -> str:
    """One conversion rule per programme, certificate and level."""
    return "%s:%s:%s" % (programme_id, certificate_code, level)


def grant_id(certificate_number: str, programme_id: str) -> str:
    """One grant per certificate and programme."""
    return "%s:%s" % (certificate_number, programme_id)


def check_rule_level(certificate: Document, level: str) -> None:
    if level not in certificate["levels"]:
        raise InvalidInput("the certificate has no such level",
                           errors={"level": ["Not a level of %s." % certificate["code"]]})


def unknown_programme(programme_id: str) -> InvalidInput:
    return InvalidInput("unknown programme", errors={
        "programme_id": ["No programme %s is known from enrollment." % programme_id]})


def next_rule(fields: Document, rule_id: str, existing: Optional[Document],
              now: Any) -> Document:
    """The rule as set: its version counts the changes, its creation stays."""
    return {**fields, "_id": rule_id, "updated_at": now,
            "version": (existing["version"] + 1) if existing else 1,
            "created_at": existing["created_at"] if existing else now}


def check_holders_limit(holders: Sized, limit: Optional[int] = None) -> None:
    """A rule change re-evaluates every holder at once, or none: at most
    ``MAX_REEVALUATED_HOLDERS`` unless ``limit`` says otherwise."""
    if limit is None:
        limit = MAX_REEVALUATED_HOLDERS
    if len(holders) > limit:
        raise Conflict("the rule concerns more than %d holders, more than one change "
                       "may re-evaluate at once" % limit)


def grants_something(rule: Document) -> bool:
    """A rule with no credits and no course exemptions grants nothing."""
    return bool(rule["credits"] or rule["course_exemptions"])


def may_grant_on_issue(issued: Optional[Document], student: Optional[Document]) -> bool:
    """Credits follow an issued, unrevoked certificate of a student of a programme."""
    return bool(issued and not issued["revoked"] and student and student.get("programme_id"))


def rule_changed_reason(rule: Document) -> str:
    return "conversion rule changed (version %d)" % rule["version"]


def new_grant(student_id: str, number: str, rule: Document, now: Any) -> Document:
    return {"_id": grant_id(number, rule["programme_id"]), "student_id": student_id,
            "certificate_number": number, "programme_id": rule["programme_id"],
            "credits": rule["credits"], "course_exemptions": rule["course_exemptions"],
            "rule_version": rule["version"], "created_at": now}


def ledger_entry(entry_id: str, kind: str, grant: Document, reason: Optional[str],
                 now: Any) -> Document:
    """A ``grant`` or a ``reversal`` of one, as the credit ledger keeps it."""
    return {"_id": entry_id, "kind": kind, "grant_id": grant["_id"],
            "student_id": grant["student_id"], "programme_id": grant["programme_id"],
            "certificate_number": grant["certificate_number"],
            "award_id": grant.get("award_id"), "credits": grant["credits"],
            "course_exemptions": grant["course_exemptions"], "reason": reason,
            "created_at": now}


def granted_at(grant: Document) -> str:
    """When the grant was made, to the millisecond and in UTC, as the database
    keeps it: its reversal, read back from the store, names the same time, and
    a grant made again under the same id (a rule changed, an award corrected
    back) a later one, so a consumer tells the two grants apart."""
    moment = grant["created_at"]
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return "%s.%03dZ" % (moment.strftime("%Y-%m-%dT%H:%M:%S"), moment.microsecond // 1000)


def credit_event(grant: Document, reason: Optional[str]) -> Document:
    """The data of ``credits_granted`` and ``credits_reversed``."""
    return {"grant_id": grant["_id"], "student_id": grant["student_id"],
            "granted_at": granted_at(grant),
            "certificate_number": grant["certificate_number"],
            "award_id": grant.get("award_id"),
            "programme_id": grant["programme_id"], "credits": grant["credits"],
            "course_exemptions": grant["course_exemptions"], "reason": reason}


def credit_totals(student_id: str, grants: list[Document]) -> Document:
    """A student's credit account but its ledger: total credits, the
    courses exempted and each grant."""
    return {
        "student_id": student_id,
        "total_credits": sum(grant["credits"] for grant in grants),
        "course_exemptions": sorted({course for grant in grants
                                     for course in grant["course_exemptions"]}),
        "grants": [{"certificate_number": grant["certificate_number"],
                    "award_id": grant.get("award_id"), "programme_id": grant["programme_id"],
                    "credits": grant["credits"],
                    "course_exemptions": grant["course_exemptions"]} for grant in grants],
    }


# skills competitions ---------------------------------------------------------------------

NO_AWARD = "none"
OPEN, RESULTS_RECORDED = "open", "results_recorded"
AWARDED, WITHDRAWN = "awarded", "withdrawn"
RESULT_CORRECTED = "result corrected"
MAX_AWARD_EVIDENCE = 20
# how a result recorded compares with the entry's earlier one (the per-row report)
FIRST_AWARD, FIRST_NO_AWARD, UNCHANGED, CORRECTED = "awarded", "no award", "unchanged", \
    "corrected"


def check_competition_certificates(wanted: Sequence[Document],
                                   catalogue: Mapping[str, Document]) -> None:
    """Each certificate a competition is aligned with is catalogued, with the
    level named among its levels. ``catalogue``: {code: catalogue entry}."""
    errors: dict[str, Any] = {}
    for index, item in enumerate(wanted):
        certificate = catalogue.get(item["code"])
        if certificate is None:
            errors[str(index)] = {"code": ["Unknown certificate %s: not in the catalogue."
                                           % item["code"]]}
        elif item["level"] not in certificate["levels"]:
            errors[str(index)] = {"level": ["%s is offered at %s." % (
                certificate["code"], ", ".join(certificate["levels"]))]}
    if errors:
        raise InvalidInput("a certificate of the competition is not catalogued at that level",
                           errors={"certificates": errors})


def new_competition(competition_id: str, fields: Document, now: Any) -> Document:
    """A competition as created: open for entries, none yet."""
    return {**fields, "_id": competition_id, "held_on": fields["held_on"].isoformat(),
            "status": OPEN, "entries": 0, "created_at": now}


def check_entries_open(competition: Document) -> None:
    """Entries close once results are recorded."""
    if competition["status"] != OPEN:
        raise Conflict("the results of competition %s are recorded; it takes no more entries"
                       % competition["_id"], field="competition_id")


def check_entrants(student_ids: Sequence[str], tutor_ids: Sequence[str],
                   candidates: Mapping[str, Document]) -> None:
    """Each entrant is a known active student, each tutor a known teacher
    (``candidates``: the local copies by id); refused naming each one that is not."""
    errors: dict[str, list[str]] = {}
    for student_id in student_ids:
        known = candidates.get(student_id) or {}
        if known.get("kind") != "student" or known.get("status") != "active":
            errors.setdefault("student_ids", []).append(
                "Not a known active student: %s." % student_id)
    for tutor_id in tutor_ids:
        if (candidates.get(tutor_id) or {}).get("kind") != "teacher":
            errors.setdefault("tutor_ids", []).append("Not a known teacher: %s." % tutor_id)
    if errors:
        raise InvalidInput("an entrant is not a known active student, or a tutor not a "
                           "known teacher", errors=errors)


def check_not_entered(student_ids: Sequence[str], entered: Mapping[str, str]) -> None:
    """A student enters a competition once. ``entered``: {student id: entry id}
    of the competition's entries naming one of ``student_ids``."""
    already = [student_id for student_id in student_ids if student_id in entered]
    if already:
        raise Conflict("%s already entered this competition (entry %s)" % (
            ", ".join(already), ", ".join(sorted({entered[s] for s in already}))),
            field="student_ids")


def new_entry(entry_id: str, competition_id: str, fields: Document, now: Any) -> Document:
    return {"_id": entry_id, "competition_id": competition_id, "kind": fields["kind"],
            "team_name": fields["team_name"] if fields["kind"] == "team" else None,
            "student_ids": list(fields["student_ids"]), "tutor_ids": list(fields["tutor_ids"]),
            "result": None, "created_at": now}


def check_entry_of(entry: Optional[Document], entry_id: str, competition_id: str) -> Document:
    """The entry a result row names, which must be one of the competition's."""
    if entry is None or entry["competition_id"] != competition_id:
        raise InvalidInput("no such entry in this competition", errors={
            "entry_id": ["No entry %s is known in this competition." % entry_id]})
    return entry


def result_outcome(previous: Optional[Document], award: str, rank: Optional[int]) -> str:
    """How a result compares with the entry's earlier one: the same is
    ``unchanged`` (recording twice changes nothing), a different one
    ``corrected``; a first one is ``awarded`` or ``no award``."""
    if previous is not None:
        if previous["award"] == award and previous.get("rank") == rank:
            return UNCHANGED
        return CORRECTED
    return FIRST_NO_AWARD if award == NO_AWARD else FIRST_AWARD


def award_id(entry_id: str, student_id: str) -> str:
    """One award per entry and student: recording a result twice is one award."""
    return "%s:%s" % (entry_id, student_id)


def award_changes(entry: Document, award: str,
                  existing: Mapping[str, Document]) -> tuple[list[Document], list[str]]:
    """What a result means for each student of the entry: (the awards in force
    to withdraw, the students to grant ``award`` to). An award in force that is
    the same stays; a different one is withdrawn and the new one granted. A
    student whose award was withdrawn for another reason than a correction (a
    disqualification) gets no new one: correcting the team's result does not
    undo it. ``existing``: the entry's awards by id."""
    withdraw, grant = [], []
    for student_id in entry["student_ids"]:
        current = existing.get(award_id(entry["_id"], student_id))
        if current is not None:
            if current["status"] == AWARDED and current["award"] == award:
                continue
            if current["status"] == WITHDRAWN and \
                    current.get("withdrawal_reason") != RESULT_CORRECTED:
                continue
            if current["status"] == AWARDED:
                withdraw.append(current)
        if award != NO_AWARD:
            grant.append(student_id)
    return withdraw, grant


def new_award(competition: Document, entry: Document, student_id: str,
              student: Optional[Document], award: str, now: Any) -> Document:
    """A student's award; the programme and sponsor are the student's now."""
    student = student or {}
    return {"_id": award_id(entry["_id"], student_id), "student_id": student_id,
            "programme_id": student.get("programme_id"), "partner_id": student.get("partner_id"),
            "competition_id": competition["_id"], "competition_name": competition["name"],
            "level": competition["level"], "award": award, "held_on": competition["held_on"],
            "entry_id": entry["_id"], "team_name": entry.get("team_name"),
            "tutor_ids": list(entry.get("tutor_ids") or []), "status": AWARDED,
            "withdrawal_reason": None, "withdrawn_at": None, "certificate_number": None,
            "created_at": now}


def award_event(award: Document) -> Document:
    """The data of ``award_granted`` (``award_withdrawn`` adds the reason)."""
    return {"award_id": award["_id"], "student_id": award["student_id"],
            "programme_id": award["programme_id"], "partner_id": award.get("partner_id"),
            "competition_id": award["competition_id"],
            "competition_name": award["competition_name"], "level": award["level"],
            "award": award["award"], "held_on": award["held_on"]}


def check_withdrawable(award: Document) -> None:
    if award["status"] == WITHDRAWN:
        raise Conflict("award %s is already withdrawn" % award["_id"])


def award_withdrawal_reason(reason: str) -> str:
    """Why the credits of a withdrawn award are reversed and the certificate
    issued on it revoked."""
    return "award withdrawn: %s" % reason


def award_rule_id(programme_id: str, competition_level: str, award: str) -> str:
    """One award rule per programme, competition level and award."""
    return "%s:%s:%s" % (programme_id, competition_level, award)


def award_grant_id(award_id: str, programme_id: str) -> str:
    """One grant per award and programme, apart from certificates' grants."""
    return "award:%s:%s" % (award_id, programme_id)


def check_stand_in(stand_in: Optional[Document], certificate: Optional[Document]) -> None:
    """An award rule's exam stand-in is a catalogued certificate at one of its levels."""
    if stand_in is None:
        return
    if certificate is None:
        raise InvalidInput("unknown certificate", errors={"exam_stand_in": {
            "certificate_code": ["Unknown certificate %s: not in the catalogue."
                                 % stand_in["certificate_code"]]}})
    if stand_in["level"] not in certificate["levels"]:
        raise InvalidInput("the certificate has no such level", errors={"exam_stand_in": {
            "level": ["%s is offered at %s." % (certificate["code"],
                                                ", ".join(certificate["levels"]))]}})


def award_rule_changed_reason(rule: Document) -> str:
    return "award rule changed (version %d)" % rule["version"]


def new_award_grant(award: Document, rule: Document, now: Any) -> Document:
    return {"_id": award_grant_id(award["_id"], rule["programme_id"]),
            "student_id": award["student_id"], "certificate_number": None,
            "award_id": award["_id"], "programme_id": rule["programme_id"],
            "credits": rule["credits"], "course_exemptions": rule["course_exemptions"],
            "rule_version": rule["version"], "created_at": now}


def holds_at_least(held: Held, certificate_code: str, level: str) -> bool:
    """Whether ``held`` has the certificate at ``level`` or a higher one."""
    rank = LEVELS.index(level)
    return any(code == certificate_code and LEVELS.index(at) >= rank
               for code, at in held if at in LEVELS)


def stand_in_to_issue(rule: Optional[Document], held: Held) -> Optional[Document]:
    """The certificate an award earns without an exam under ``rule``, or None:
    none is set, or the student holds it at that level or higher already."""
    stand_in = (rule or {}).get("exam_stand_in")
    if not stand_in or holds_at_least(held, stand_in["certificate_code"], stand_in["level"]):
        return None
    return dict(stand_in)


def award_basis(award: Document) -> Document:
    """What a certificate issued without an exam was issued on."""
    return {"kind": "award", "award_id": award["_id"]}


def entry_scope(actor: Actor) -> Optional[Document]:
    """The competition entries ``actor`` may list, as criteria: staff (and a
    call without an actor) any, a student those they entered, a teacher those
    they tutor; None: none at all."""
    kind = kind_of(actor)
    if kind in (None, STAFF):
        return {}
    if kind == STUDENT and (actor or {}).get("student_id"):
        return {"student_ids": (actor or {})["student_id"]}
    if kind == TEACHER and (actor or {}).get("mentor_id"):
        return {"tutor_ids": (actor or {})["mentor_id"]}
    return None


def award_scope(actor: Actor) -> Optional[Document]:
    """The awards ``actor`` may list: staff any, a student their own, a teacher
    those of the entries they tutor; None: none at all."""
    scope = entry_scope(actor)
    if scope and "student_ids" in scope:
        return {"student_id": scope["student_ids"]}
    return scope


def within_scope(criteria: Document, scope: Optional[Document]) -> Optional[Document]:
    """``criteria`` narrowed to ``scope``; None when the two cannot both hold
    (a student filtering on another student: nothing, as for a missing one)."""
    if scope is None:
        return None
    narrowed = dict(criteria)
    for key, value in scope.items():
        if key in narrowed and narrowed[key] != value:
            return None
        narrowed[key] = value
    return narrowed


def _in_scope(document: Document, scope: Optional[Document]) -> bool:
    if scope is None:
        return False
    for key, value in scope.items():
        held = document.get(key)
        if not (value in held if isinstance(held, list) else held == value):
            return False
    return True


def check_entry_visible(actor: Actor, entry: Document) -> None:
    """Another's entry is answered as a missing one."""
    if not _in_scope(entry, entry_scope(actor)):
        raise not_found("entry", entry["_id"])


def check_award_visible(actor: Actor, award: Document) -> None:
    """Another's award is answered as a missing one."""
    if not _in_scope(award, award_scope(actor)):
        raise not_found("award", award["_id"])


def award_evidence(awards: Sequence[Document]) -> list[Document]:
    """A student's awards in force, as a credential's evidence."""
    return [{"id": "urn:college:award:%s" % award["_id"], "type": ["Evidence"],
             "name": award["competition_name"],
             "description": "%s award, %s skills competition, %s" % (
                 award["award"], award["level"], award["held_on"])}
            for award in awards if award["status"] == AWARDED][:MAX_AWARD_EVIDENCE]

