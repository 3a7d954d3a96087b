"""Enrollment's domain rules, free of broker and database."""
import re

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
from college_platform.errors import Conflict


def age_on(birth_date, day):
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def is_minor(birth_date, day):
    """Under 18 on ``day``: a minor needs a guardian on the tripartite agreement."""
    return age_on(birth_date, day) < 18


def identity_key(applicant):
    """The one key that names a person, whichever document they hold."""
    if applicant.get("resident_id"):
        return "cn:" + applicant["resident_id"]
    passport = applicant["passport"]
    return "passport:%s:%s" % (passport["country"].upper(), passport["number"].upper())


# -- state machines ---------------------------------------------------------------------------

def check_transition(transitions, what, current, target):
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


def agreement_transition(current, target):
    check_transition(AGREEMENT_TRANSITIONS, "cooperation agreement", current, target)
    return target


def agreement_has_ended(agreement, today):
    """An active or suspended agreement expires the day after its term ends."""
    return (agreement["status"] in ("active", "suspended")
            and agreement["ends_on"] < today.isoformat())


def agreement_covers(agreement, programme_code, today):
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


def application_transition(current, target):
    check_transition(APPLICATION_TRANSITIONS, "application", current, target)
    return target


def offer_decision(application, party, approve):
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


def offer_has_lapsed(application, now):
    return application["status"] == "offered" and application["offer_expires_at"] < now


ENROLMENT_TRANSITIONS = {
    "suspend": ({"active"}, "suspended"),
    "resume": ({"suspended"}, "active"),
    "withdraw": ({"active", "suspended"}, "withdrawn"),
    "transfer": ({"active"}, "active"),
}
# what each status change does to the seat the student holds
SEAT_EFFECT = {"suspend": "keep", "resume": "keep", "withdraw": "release", "transfer": "move"}


def enrolment_change(status, action):
    """The student's status after ``action``; Conflict when it is not allowed now."""
    allowed_from, result = ENROLMENT_TRANSITIONS[action]
    if status not in allowed_from:
        raise Conflict("cannot %s a student who is %s" % (action, status),
                       current_status=status, requested_status=result, action=action)
    return result


# -- tripartite agreements --------------------------------------------------------------------

def required_signatories(minor):
    parties = ["college", "enterprise", "student"]
    return parties + ["guardian"] if minor else parties


def sign(agreement, party, signer, at):
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

def quota_problem(programme, partner_id, seats):
    """Why ``seats`` for a partner would not fit the programme, else None."""
    others = sum(q["seats"] for q in programme.get("quotas", []) if q["partner_id"] != partner_id)
    if others + seats > programme["capacity"]:
        return "the partners' quotas would total %d, above the programme's capacity of %d" % (
            others + seats, programme["capacity"])
    return None


def student_number(intake_year, programme_code, sequence):
    """e.g. 2027-MA-CNC-0001: intake year, programme and an order of enrolment."""
    return "%s-%04d" % (programme_code if programme_code.startswith(str(intake_year))
                        else "%d-%s" % (intake_year, programme_code), sequence)


def student_search(text):
    """The selector that finds students by what staff type in a search box: the
    start of a student number (anchored, so the unique index serves it) or any
    part of a name, Chinese or Latin, whatever its case. The text is matched
    literally, never as a pattern."""
    text = text.strip()
    literal = re.escape(text)
    return {"$or": [{"student_number": {"$regex": "^" + literal}},
                    {"name": {"$regex": literal, "$options": "i"}}]}
