"""Enrollment's domain rules, free of broker and database."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from college_contracts.enrollment import OFFER_PARTIES
from college_contracts.identifiers import (  # noqa: F401 - the domain's names too
    birth_date_from_resident_id,
    credit_code_check_character,
    credit_code_problem,
    normalise_credit_code,
    normalise_resident_id,
    resident_id_check_character,
    resident_id_problem,
)
from college_platform.actors import ENTERPRISE, Actor, kind_of
from college_platform.actors import check_visible as check_visible
from college_platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from enrollment import commitments

Document = dict[str, Any]
# who acts, as the gateway passes it: {"kind": "staff" | "teacher" | "enterprise" |
# "student", "username", "enterprise_id", "student_id", ...}; None between services


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def is_minor(birth_date: date, day: date) -> bool:
    """Under 18 on ``day``: a minor needs a guardian on the tripartite agreement."""
    return age_on(birth_date, day) < 18


def identity_key(applicant: Document) -> str:
    """The one key that names a person, whichever document they hold."""
    if applicant.get("resident_id"):
        return "cn:" + applicant["resident_id"]
    passport = applicant["passport"]
    return "passport:%s:%s" % (passport["country"].upper(), passport["number"].upper())


# -- state machines ---------------------------------------------------------------------------

def check_transition(transitions: Mapping[str, Iterable[str]], what: str, current: str,
                     target: str) -> None:
    """Refuse an illegal transition with a message that says what is allowed."""
    allowed = transitions.get(current, ())
    if target not in allowed:
        raise Conflict("a %s cannot go from %s to %s (allowed: %s)"
                       % (what, current, target, ", ".join(sorted(allowed)) or "none"),
                       current_status=current, requested_status=target)


AGREEMENT_TRANSITIONS = {
    "draft": ("active", "terminated"),
    "active": ("suspended", "expired", "terminated"),
    "suspended": ("active", "expired", "terminated"),
    "expired": (),
    "terminated": (),
}


def agreement_transition(current: str, target: str) -> str:
    check_transition(AGREEMENT_TRANSITIONS, "cooperation agreement", current, target)
    return target


def agreement_has_ended(agreement: Document, today: date) -> bool:
    """An active or suspended agreement expires the day after its term ends."""
    return (agreement["status"] in ("active", "suspended")
            and agreement["ends_on"] < today.isoformat())


def agreement_covers(agreement: Document, programme_code: str, today: date) -> bool:
    return (agreement["status"] == "active" and programme_code in agreement["programme_codes"]
            and agreement["starts_on"] <= today.isoformat() <= agreement["ends_on"])


# the application pipeline; an offer needs both parties' approval while "interviewed"
APPLICATION_TRANSITIONS = {
    "submitted": ("screened", "rejected", "withdrawn"),
    "screened": ("interviewed", "rejected", "withdrawn"),
    "interviewed": ("offered", "rejected", "withdrawn"),
    "offered": ("accepted", "declined", "expired", "withdrawn"),
    "accepted": ("enrolled", "withdrawn"),
    "declined": (),
    "rejected": (),
    "withdrawn": (),
    "expired": (),
    "enrolled": (),
}
# states that still hold a seat reserved in the quota ledger
SEAT_HOLDING = ("offered", "accepted")
# states in which the applicant may not apply again for the same programme
ACTIVE_APPLICATION = ("submitted", "screened", "interviewed", "offered", "accepted")


def application_transition(current: str, target: str) -> str:
    check_transition(APPLICATION_TRANSITIONS, "application", current, target)
    return target


def offer_decision(application: Document, party: str, approve: bool) -> str:
    """The application's next status after one party's decision on an offer:
    "offered" once both approve, "rejected" as soon as one rejects, otherwise
    unchanged while waiting for the other party."""
    # an application without a partner enterprise (e.g. a joint major's open
    # seats) is the college's decision alone
    parties = OFFER_PARTIES if application.get("partner_id") else ("college",)
    if party not in parties:
        raise Conflict("the %s does not decide on this offer" % party)
    if application["status"] != "interviewed":
        raise Conflict("only an interviewed application can be offered (it is %s)"
                       % application["status"], current_status=application["status"])
    if party in application.get("offer_approvals", {}):
        raise Conflict("the %s has already approved this offer" % party)
    if not approve:
        return "rejected"
    others = set(parties) - {party} - set(application.get("offer_approvals", {}))
    return "interviewed" if others else "offered"


def offer_awaiting(application: Document, party: str) -> str | None:
    """The party whose approval an offer still awaits after ``party`` approved."""
    parties = OFFER_PARTIES if application.get("partner_id") else ("college",)
    others = [other for other in parties
              if other != party and other not in application.get("offer_approvals", {})]
    return others[0] if others else None


def offer_has_lapsed(application: Document, now: datetime) -> bool:
    return application["status"] == "offered" and application["offer_expires_at"] < now


ENROLMENT_TRANSITIONS = {
    "suspend": ({"active"}, "suspended"),
    "resume": ({"suspended"}, "active"),
    "withdraw": ({"active", "suspended"}, "withdrawn"),
    "transfer": ({"active"}, "active"),
}
# what each status change does to the seat the student holds
SEAT_EFFECT = {"suspend": "keep", "resume": "keep", "withdraw": "release", "transfer": "move"}


def enrolment_change(status: str, action: str) -> str:
    """The student's status after ``action``; Conflict when it is not allowed now."""
    allowed_from, result = ENROLMENT_TRANSITIONS[action]
    if status not in allowed_from:
        raise Conflict("cannot %s a student who is %s" % (action, status),
                       current_status=status, requested_status=result, action=action)
    return result


# -- tripartite agreements --------------------------------------------------------------------

def required_signatories(minor: bool) -> list[str]:
    parties = ["college", "enterprise", "student"]
    return parties + ["guardian"] if minor else parties


def sign(agreement: Document, party: str, signer: str, at: datetime) -> Document:
    """The agreement with ``party``'s signature recorded; Conflict if not expected."""
    if agreement["status"] != "awaiting_signatures":
        raise Conflict("version %d of this agreement is %s"
                       % (agreement["version"], agreement["status"]))
    if party not in agreement["required_parties"]:
        raise Conflict("a %s does not sign this agreement (parties: %s)"
                       % (party, ", ".join(agreement["required_parties"])))
    if party in agreement["signatures"]:
        raise Conflict("the %s has already signed version %d" % (party, agreement["version"]))
    signatures = {**agreement["signatures"], party: {"signer": signer, "signed_at": at}}
    complete = all(p in signatures for p in agreement["required_parties"])
    return {**agreement, "signatures": signatures,
            "status": "signed" if complete else "awaiting_signatures"}


# -- quota ledger -----------------------------------------------------------------------------

def quota_problem(programme: Document, partner_id: str | None, seats: int) -> str | None:
    """Why ``seats`` for a partner would not fit the programme, else None."""
    others = sum(q["seats"] for q in programme.get("quotas", []) if q["partner_id"] != partner_id)
    if others + seats > programme["capacity"]:
        return "the partners' quotas would total %d, above the programme's capacity of %d" % (
            others + seats, programme["capacity"])
    return None


def student_number(intake_year: int, programme_code: str, sequence: int) -> str:
    """e.g. 2027-MA-CNC-0001: intake year, programme and an order of enrolment."""
    return "%s-%04d" % (programme_code if programme_code.startswith(str(intake_year))
                        else "%d-%s" % (intake_year, programme_code), sequence)


def student_search(text: str) -> Document:
    """The selector that finds students by what staff type in a search box: the
    start of a student number (anchored, so the unique index serves it) or any
    part of a name, Chinese or Latin, whatever its case. The text is matched
    literally, never as a pattern."""
    text = text.strip()
    literal = re.escape(text)
    return {"$or": [{"student_number": {"$regex": "^" + literal}},
                    {"name": {"$regex": literal, "$options": "i"}}]}


# -- who sees what ------------------------------------------------------------------------------

def holds_a_quota(programme: Document, enterprise_id: str | None) -> bool:
    """Whether the enterprise holds seats in the programme (a quota set to 0
    no longer takes applications, nor shows the programme)."""
    return any(quota["partner_id"] == enterprise_id and quota["seats"] > 0
               for quota in programme["quotas"])


def programme_as_seen_by(actor: Actor, programme: Document) -> Document:
    """What the actor sees of a programme (with its ``quotas``): an enterprise
    user, only a programme it holds a quota in, and of it only its own quota,
    never which other enterprises hold one (404 otherwise)."""
    actor = actor or {}
    if actor.get("kind") != "enterprise":
        return programme
    enterprise_id = actor.get("enterprise_id")
    if not holds_a_quota(programme, enterprise_id):
        raise NotFound("programme %s does not exist" % programme["_id"])
    return {**programme, "quotas": [quota for quota in programme["quotas"]
                                    if quota["partner_id"] == enterprise_id]}


def programmes_as_seen_by(actor: Actor, programmes: list[Document]) -> list[Document]:
    """A list's programmes as the actor sees them (the list is already
    filtered to the enterprise's own): only its own quota of each."""
    actor = actor or {}
    if actor.get("kind") != "enterprise":
        return programmes
    return [{**programme, "quotas": [quota for quota in programme["quotas"]
                                     if quota["partner_id"] == actor.get("enterprise_id")]}
            for programme in programmes]


# -- cooperation agreements: term and amendments -------------------------------------------------

def check_within_term(agreement: Document, today: date) -> None:
    """An agreement is activated only within its term."""
    if not (agreement["starts_on"] <= today.isoformat() <= agreement["ends_on"]):
        raise Conflict("the agreement's term (%s to %s) does not include today"
                       % (agreement["starts_on"], agreement["ends_on"]))


def agreement_status_change(agreement: Document, target: str, today: date) -> str:
    """The agreement's next status: a legal transition, and activation (or
    resumption) only within the agreement's term."""
    target = agreement_transition(agreement["status"], target)
    if target == "active":
        check_within_term(agreement, today)
    return target


# an agreement past its term or ended is kept as it was
NOT_AMENDABLE = ("expired", "terminated")


def check_amendable(agreement: Document) -> None:
    if agreement["status"] in NOT_AMENDABLE:
        raise Conflict("an %s agreement cannot be amended" % agreement["status"],
                       current_status=agreement["status"])


def amendment(agreement: Document, fields: Document) -> Document:
    """The changes an amendment makes to the agreement's terms (title, scope,
    end date, clauses as stored); refused for an expired or terminated
    agreement, an end before the term starts, or a clause falling due outside
    the term as amended."""
    check_amendable(agreement)
    changes = {key: fields[key] for key in ("title", "programme_codes")
               if fields.get(key) is not None}
    if fields.get("ends_on") is not None:
        changes["ends_on"] = fields["ends_on"].isoformat()
        if changes["ends_on"] < agreement["starts_on"]:
            raise InvalidInput("the term would end before it starts", errors={
                "ends_on": ["Must be on or after %s." % agreement["starts_on"]]})
    ends_on: str = changes.get("ends_on") or agreement["ends_on"]
    if fields.get("clauses") is not None:
        changes["clauses"] = commitments.stored_clauses(fields["clauses"])
        commitments.check_clauses_within_term(changes["clauses"], agreement["starts_on"],
                                              ends_on)
    elif "ends_on" in changes:  # a shorter term must still hold the clauses already set
        commitments.check_clauses_within_term(agreement.get("clauses", []),
                                              agreement["starts_on"], ends_on, field="ends_on")
    return changes


def agreement_event(agreement: Document, force_changed: bool = False) -> str:
    """``agreement_activated`` when it becomes active, else ``agreement_changed``
    (an amendment is always a change)."""
    return "agreement_activated" if agreement["status"] == "active" and not force_changed \
        else "agreement_changed"


def check_partner_may_hold_quota(agreements: Iterable[Document], partner_id: str, code: str,
                                 today: date, field: str, position: int | None = None) -> None:
    """A partner's quota needs an active agreement of the partner's covering the
    programme's code today."""
    if not any(agreement_covers(a, code, today) for a in agreements):
        message = ("Partner %s has no active agreement covering programme %s."
                   % (partner_id, code))
        errors = {field: {position: {"partner_id": [message]}}} if position is not None \
            else {field: [message]}
        raise InvalidInput("a quota needs an active cooperation agreement", errors=errors)


def check_quotas_fit(capacity: int, quotas: list[Document]) -> None:
    """A new programme's quotas fit its capacity."""
    problem = quota_problem({"capacity": capacity, "quotas": quotas}, None, 0)
    if problem:
        raise InvalidInput("the quotas do not fit", errors={"quotas": [problem]})


def check_quota_fits(programme: Document, quotas: list[Document], partner_id: str,
                     seats: int) -> None:
    """One partner's new quota fits beside the others' (a Conflict with the stored state)."""
    problem = quota_problem({"capacity": programme["capacity"], "quotas": quotas},
                            partner_id, seats)
    if problem:
        raise Conflict(problem)


# -- applications ---------------------------------------------------------------------------------

def partner_for(programme: Document, partner_id: str | None) -> str | None:
    """Which partner an application goes to: the one named, if it holds a quota
    in the programme; without a name, the programme's only partner (None when
    it has none); several partners need a choice."""
    partners = programme.get("quota_partner_ids", [])
    if partner_id is None:
        if len(partners) > 1:
            raise InvalidInput("choose the partner", errors={"partner_id": [
                "Required: programme %s has quotas for several partners." % programme["code"]
            ]})
        return partners[0] if partners else None
    if partner_id not in partners:
        raise InvalidInput("no quota for that partner", errors={"partner_id": [
            "Partner %s has no quota in programme %s." % (partner_id, programme["code"])]})
    return partner_id


def check_known_programme(programme: Document | None, programme_id: str,
                          field: str = "programme_id") -> Document:
    """A programme named in the input must exist (a field error, not a 404)."""
    if programme is None:
        raise InvalidInput("unknown programme", errors={
            field: ["Unknown programme %s." % programme_id]})
    return programme


def active_key(applicant_id: str, programme_id: str) -> str:
    """What an active application holds, so that its applicant has one active
    application per programme (a unique index on it)."""
    return "%s:%s" % (applicant_id, programme_id)


def check_no_active_application(active: Document | None, applicant: Document,
                                programme: Document) -> None:
    """One active application per applicant and programme."""
    if active:
        raise Conflict("%s already has an active application for %s"
                       % (applicant["name"], programme["code"]), field="applicant")


def check_agreement_still_active(agreements: Iterable[Document], application: Document,
                                 today: date) -> None:
    """An offer with a partner needs the partner's agreement for the programme
    to be active still."""
    if not any(agreement_covers(a, application["programme_code"], today) for a in agreements):
        raise Conflict("the partner's cooperation agreement for %s is no longer active"
                       % application["programme_code"], reason="no_active_agreement")


def offer_expiry(now: datetime, respond_within_days: int) -> datetime:
    return now + timedelta(days=respond_within_days)


def check_offer_open(application: Document, target: str, now: datetime) -> None:
    """An offer is accepted only before it lapses, whether the expiry sweep has
    run yet or not."""
    if target == "accepted" and offer_has_lapsed(application, now):
        raise Conflict("the offer lapsed on %s" % application["offer_expires_at"],
                       current_status="offered")


def releases_seat(previous_status: str, target: str) -> bool:
    """An application that held a reserved seat gives it back when it leaves the
    seat-holding states other than by enrolment (decline, withdrawal, expiry...)."""
    return previous_status in SEAT_HOLDING and target not in SEAT_HOLDING + ("enrolled",)


# -- the provincial admission list ---------------------------------------------------------------

# an apprenticeship needs the tripartite agreement and contract of the full workflow
ADMISSION_LIST_KINDS = ("order_class", "joint_major")
# an applicant's application in one of these keeps them off the programme's admission list
HOLDING_A_PLACE = ACTIVE_APPLICATION + ("enrolled",)


def check_admission_list_kind(programme: Document) -> None:
    if programme["kind"] not in ADMISSION_LIST_KINDS:
        raise Conflict("programme %s is an apprenticeship: each apprentice needs the "
                       "tripartite agreement and the apprentice contract, so enrol them "
                       "through the application workflow, not the admission list"
                       % programme["code"], reason="apprenticeship")


def admission_holding_problem(status: str, programme_code: str) -> str:
    """Why a person with an application ``status`` is not enrolled from the list."""
    if status == "enrolled":
        return "This person is already a student of %s." % programme_code
    return ("This person has an application for %s that is %s: withdraw it before "
            "enrolling them from the admission list." % (programme_code, status))


def no_seat_problem(programme_code: str, partner_id: str | None) -> str:
    return "No seat is left: %s has no free seat%s for this student." % (
        programme_code, " in the partner's quota" if partner_id else "")


def admission_clash_problem(row: int, by_admission_number: bool) -> str:
    return "Row %d already holds this %s." % (
        row, "admission number" if by_admission_number else "person")


# -- tripartite agreements and enrolment ----------------------------------------------------------

def check_may_prepare_tripartite(application: Document) -> None:
    if application["status"] not in ("accepted", "enrolled"):
        raise Conflict("a tripartite agreement needs an accepted offer (it is %s)"
                       % application["status"])


def signing_party(actor: Actor, party: Any) -> Any:
    """The party whose signature the actor records: an enterprise user signs
    for its enterprise only (the party may be left out); the admissions
    officer records the other parties' signatures, never the enterprise's,
    which signs for itself. Forbidden otherwise."""
    if kind_of(actor) == ENTERPRISE:
        if party not in (None, "enterprise"):
            raise Forbidden("an enterprise user signs for its enterprise only")
        return "enterprise"
    if (actor or {}).get("role") == "admissions_officer" and party == "enterprise":
        raise Forbidden("the enterprise signs for itself")
    return party


def tripartite_signatories(minor: bool, partner_id: str | None) -> list[str]:
    """Who signs: the college, the enterprise and the student, a guardian for a
    minor; without a partner enterprise, no enterprise."""
    parties = required_signatories(minor)
    if partner_id is None:
        parties.remove("enterprise")
    return parties


def check_enrollable(application: Document) -> None:
    if application["status"] != "accepted":
        raise Conflict("only an accepted offer can be enrolled (it is %s)"
                       % application["status"], current_status=application["status"])


def check_contract_given(programme: Document, contract_terms: Document | None) -> None:
    """An apprenticeship's student needs the apprentice contract."""
    if programme["kind"] == "apprenticeship" and contract_terms is None:
        raise InvalidInput("an apprentice needs a contract", errors={
            "apprentice_contract": ["Required for an apprenticeship programme."]})


def check_tripartite_complete(agreement: Document | None, minor: bool) -> Document:
    """Enrolment needs the tripartite agreement signed by every party, a minor's
    guardian included; the signed agreement."""
    if agreement is None:
        raise Conflict("the tripartite agreement is not signed by every party yet")
    if minor and "guardian" not in agreement["signatures"]:
        raise Conflict("the student is a minor: the guardian must sign the agreement")
    return agreement


def check_contract_partner(application: Document) -> None:
    """An apprentice contract is signed with the application's partner enterprise."""
    if application["partner_id"] is None:
        raise InvalidInput("an apprentice contract needs a partner enterprise",
                           errors={"apprentice_contract": [
                               "The application has no partner enterprise."]})


def check_transfer_target(student: Document, target: Document) -> None:
    if target["_id"] == student["programme_id"]:
        raise Conflict("the student is already in programme %s" % target["code"])
