"""Enrollment's parts of the aggregated views and its indicator facts
(docs/views.md), shaped from stored documents; no broker, no database."""
from collections import Counter
from datetime import date, datetime

from college_platform.summaries import Facts, put_capped
from college_platform.terms import term_of
from enrollment.commitments import STATUSES
from enrollment.destinations import hires_kept
from enrollment.surveys import results as survey_results

# students who still hold their seat: counted as apprentices
CURRENT_STUDENT = ("active", "suspended")


def iso(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def as_day(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def newest_first(items, key):
    return sorted(items, key=lambda item: iso(item.get(key)) or "", reverse=True)


# -- the student 360 --------------------------------------------------------------------------

def programme_ref(programme, student):
    if programme is None:  # kept on the student even if the programme were gone
        return {"programme_id": student["programme_id"], "code": student.get("programme_code"),
                "name": None, "kind": student.get("programme_kind")}
    return {"programme_id": programme["_id"], "code": programme["code"],
            "name": programme["name"], "kind": programme["kind"]}


def contract_part(contract):
    if not contract:
        return None
    return {"contract_id": contract["_id"], "partner_id": contract["partner_id"],
            "programme_id": contract.get("programme_id"),
            "starts_on": iso(contract["starts_on"]), "ends_on": iso(contract["ends_on"]),
            "position": contract.get("position"), "monthly_wage": contract.get("monthly_wage")}


def tripartite_part(agreement, partner_id):
    signed_at = [s["signed_at"] for s in agreement.get("signatures", {}).values()]
    return {"agreement_id": agreement["_id"], "kind": "tripartite",
            "version": agreement.get("version"), "status": agreement["status"],
            "partner_id": partner_id,
            "signed_at": iso(max(signed_at)) if agreement["status"] == "signed" and signed_at
            else None}


def personal_part(applicant):
    """The applicant's identity and contact data, unmasked: the gateway masks it."""
    if applicant is None:
        return {"resident_id": None, "phone": None, "address": None, "passport": None}
    passport = applicant.get("passport")
    return {"resident_id": applicant.get("resident_id"), "phone": applicant.get("phone"),
            "address": applicant.get("address"),
            "passport": {"number": passport["number"], "country": passport["country"]}
            if passport else None}


def survey_part(survey):
    """One employer survey of a graduate as their view shows it: when it falls
    due, whether answered, and the ratings with their mean (not the comment,
    which the employer wrote to the college)."""
    ratings = survey.get("ratings") or {}
    return {"survey_id": survey["_id"], "enterprise_id": survey["enterprise_id"],
            "months": survey["months"], "due_on": survey["due_on"],
            "status": survey["status"], "answered_at": iso(survey.get("answered_at")),
            "ratings": dict(ratings),
            "mean": round(sum(ratings.values()) / len(ratings), 2) if ratings else None}


def graduation_part(student, check, surveys=()):
    """Progress towards graduation: each requirement met or missing, or the day
    the student graduated; then the destination, retention and employers' surveys."""
    destination = student.get("destination")
    return {"graduated_on": student.get("graduated_on"), "eligible": check["eligible"],
            "requirements_version": check["requirements_version"],
            "requirements": check["requirements"], "missing": check["missing"],
            "destination": {key: iso(value) for key, value in destination.items()}
            if destination else None,
            "retention": {months: {"still_employed": check_["still_employed"],
                                   "checked_on": check_["checked_on"]}
                          for months, check_ in (student.get("retention") or {}).items()},
            "surveys": [survey_part(survey) for survey in
                        sorted(surveys, key=lambda survey: (survey["due_on"], survey["_id"]))]}


def student_part(student, programme, applicant, tripartite_agreements, graduation_check,
                 surveys=()):
    """A student's part: ``student``, ``apprenticeship``, ``personal`` and
    ``graduation``."""
    history = [{"status": entry["status"], "at": iso(entry.get("at")),
                "reason": entry.get("reason")} for entry in student.get("history", [])]
    summary = {
        "student_id": student["_id"], "student_number": student["student_number"],
        "name": student["name"], "status": student["status"],
        "intake_year": student["intake_year"], "enrolled_at": iso(student.get("enrolled_on")),
        "programme": programme_ref(programme, student), "partner_id": student.get("partner_id"),
    }
    put_capped(summary, "history", list(reversed(history)))
    apprenticeship = {"contract": contract_part(student.get("apprentice_contract"))}
    put_capped(apprenticeship, "agreements", [
        tripartite_part(agreement, student.get("partner_id"))
        for agreement in sorted(tripartite_agreements, key=lambda a: a.get("version", 0),
                                reverse=True)])
    return {"student": summary, "apprenticeship": apprenticeship,
            "personal": personal_part(applicant),
            "graduation": graduation_part(student, graduation_check, surveys)}


# -- the enterprise partner view --------------------------------------------------------------

# The view names the newest few and counts the rest, so that its size (and the cost of
# every read) stays the same as a partner sponsors more students; the full list is the
# paginated GET /v1/students?partner_id=.
ENTERPRISE_LIST_ITEMS = 20


def enterprise_part(partner, agreements, quotas, programmes, students, contracts,
                    students_by_id, answered_surveys=(), commitments=()):
    """A partner's part. ``quotas`` are the partner's, ``programmes`` maps
    ids to the programmes they name, ``students`` the students it sponsors,
    ``contracts`` the apprentice contracts it employs under, whose students
    ``students_by_id`` holds, ``commitments`` the progress of its active or
    suspended agreements' clauses (``enrollment.commitments.commitments``)."""
    part = {"partner": {"partner_id": partner["_id"], "legal_name": partner["legal_name"],
                        "credit_code": partner.get("credit_code"),
                        "industry": partner.get("industry"),
                        "contacts": partner.get("contacts", []),
                        "registered_at": iso(partner.get("created_at"))}}
    put_capped(part, "agreements", [
        {"agreement_id": a["_id"], "kind": "cooperation", "title": a.get("title"),
         "status": a["status"], "starts_on": a["starts_on"], "ends_on": a["ends_on"],
         "programme_codes": a.get("programme_codes", [])}
        for a in newest_first(agreements, "created_at")])
    seats = []
    for quota in quotas:
        programme = programmes.get(quota["programme_id"])
        if programme is None:
            continue
        seats.append({"programme_id": programme["_id"], "code": programme["code"],
                      "name": programme["name"], "kind": programme["kind"],
                      "intake_year": programme.get("intake_year"),
                      "offered": quota["seats"], "filled": quota.get("consumed", 0)})
    put_capped(part, "seats", sorted(seats, key=lambda s: (-(s["intake_year"] or 0), s["code"])))
    put_capped(part, "students", [
        {"student_id": s["_id"], "name": s["name"], "programme_id": s["programme_id"],
         "status": s["status"]}
        for s in newest_first(students, "created_at")], cap=ENTERPRISE_LIST_ITEMS)
    part["student_counts"] = {
        "total": len(students),
        "by_status": dict(Counter(s["status"] for s in students)),
        "by_programme": dict(Counter(s["programme_id"] for s in students))}
    apprentices = []
    for contract in newest_first(contracts, "starts_on"):
        student = students_by_id.get(contract["student_id"])
        if student is None or student["status"] not in CURRENT_STUDENT:
            continue
        apprentices.append({"student_id": student["_id"], "name": student["name"],
                            "contract_id": contract["_id"],
                            "starts_on": iso(contract["starts_on"]),
                            "ends_on": iso(contract["ends_on"])})
    put_capped(part, "apprentices", apprentices, cap=ENTERPRISE_LIST_ITEMS)
    part["apprentice_count"] = len(apprentices)
    part["contribution"] = {"seats_offered": sum(s["offered"] for s in seats),
                            "seats_filled": sum(s["filled"] for s in seats)}
    part["hires"] = hires_part(students, partner["_id"])
    part["contribution"].update(graduates=part["hires"]["graduates"],
                                hires_kept=part["hires"]["kept_12_months"])
    part["satisfaction"] = survey_results(answered_surveys)
    part["commitments"] = commitments_part(commitments)
    return part


# the clauses the enterprise view lists first: those that need someone to act
BEHIND = ("missed", "at_risk")


def commitments_part(progresses):
    """Per agreement in force (active or suspended): each party's fulfilment
    and its clauses counted by status; then the clauses at risk or missed,
    missed first, the soonest due first, capped like the other lists."""
    agreements, behind = [], []
    for found in sorted(progresses, key=lambda found: found["agreement_id"]):
        clauses = found["clauses"]
        agreements.append({"agreement_id": found["agreement_id"],
                           "fulfilment": found["fulfilment"],
                           "clauses_by_status": {status: sum(
                               1 for c in clauses if c["status"] == status)
                               for status in STATUSES}})
        behind += [{"agreement_id": found["agreement_id"], "clause_id": c["id"],
                    "party": c["party"], "description": c["description"],
                    "metric": c["metric"], "target": c["target"], "progress": c["progress"],
                    "due_on": c["due_on"], "status": c["status"]}
                   for c in clauses if c["status"] in BEHIND]
    part = {"agreements": agreements}
    put_capped(part, "clauses_behind", sorted(behind, key=lambda c: (
        BEHIND.index(c["status"]), c["due_on"], c["agreement_id"], c["clause_id"])),
        cap=ENTERPRISE_LIST_ITEMS)
    return part


def hires_part(students, partner_id):
    """Of the graduates the partner sponsored: how many it hired, and how many
    are still with it 12 months on (the "hires kept" ratio's numerator)."""
    graduates = [s for s in students if s["status"] == "graduated"
                 and s.get("partner_id") == partner_id]
    hired = sum(1 for s in graduates
                if (s.get("destination") or {}).get("outcome") == "hired_by_sponsor")
    kept = sum(1 for s in graduates if hires_kept(s))
    return {"graduates": len(graduates), "hired": hired, "kept_12_months": kept,
            "hires_kept_ratio": round(kept / len(graduates), 4) if graduates else None}


# -- the dashboard ----------------------------------------------------------------------------

def term_starts(day):
    """The first day of the academic term ``day`` falls in."""
    if 3 <= day.month <= 8:
        return date(day.year, 3, 1)
    return date(day.year if day.month >= 9 else day.year - 1, 9, 1)


def terms_between(first, last):
    """Every academic term from the one holding ``first`` to the one holding ``last``."""
    terms, start = [], term_starts(first)
    while start <= last:
        terms.append(term_of(start))
        start = date(start.year, 9, 1) if start.month == 3 else date(start.year + 1, 3, 1)
    return terms


def active_periods(agreement, today):
    """The (first, last) days an agreement was active, from its status history,
    within its term and not after today."""
    term_start, term_end = as_day(agreement["starts_on"]), as_day(agreement["ends_on"])
    periods, opened = [], None
    for entry in agreement.get("history", []):
        at = as_day(entry["at"])
        if entry["status"] == "active" and opened is None:
            opened = at
        elif entry["status"] != "active" and opened is not None:
            periods.append((opened, at))
            opened = None
    if opened is not None:
        periods.append((opened, today))
    clipped = [(max(first, term_start), min(last, term_end, today)) for first, last in periods]
    return [(first, last) for first, last in clipped if first <= last]


def indicator_facts(agreements, programmes, quotas, students, today, answered_surveys=(),
                    commitments=()):
    """Enrollment's facts. Counts as of now (``agreements_active``,
    ``apprentices``) have no term; ``partners_active`` is per term in which
    the partner had an active agreement; seats count in their intake's term
    (autumn of the intake year), per programme and partner, broken down by
    programme kind; a programme's seats outside any quota have no enterprise.
    ``students`` are every student, whatever their status; each answered
    employer survey adds its ratings per competency (the breakdown), counted
    for the employer in the graduate's intake term; each clause of an agreement
    in force counts by its status (``commitments``, see ``add_commitment_facts``)."""
    facts = Facts()
    partner_terms = set()
    for agreement in agreements:
        if agreement["status"] == "active":
            facts.add("agreements_active", enterprise_id=agreement["partner_id"])
        for first, last in active_periods(agreement, today):
            partner_terms.update((agreement["partner_id"], term)
                                 for term in terms_between(first, last))
    for partner_id, term in partner_terms:
        facts.add("partners_active", term=term, enterprise_id=partner_id)
    quotas_by_programme = {}
    for quota in quotas:
        quotas_by_programme.setdefault(quota["programme_id"], []).append(quota)
    for programme in programmes:
        term = term_of(date(programme["intake_year"], 9, 1))
        dimensions = {"term": term, "programme_id": programme["_id"],
                      "breakdown": programme["kind"]}
        held = quotas_by_programme.get(programme["_id"], [])
        for quota in held:
            facts.add("seats_offered", quota["seats"], enterprise_id=quota["partner_id"],
                      **dimensions)
            facts.add("seats_filled", quota.get("consumed", 0),
                      enterprise_id=quota["partner_id"], **dimensions)
        open_seats = programme["capacity"] - sum(q["seats"] for q in held)
        open_filled = programme.get("consumed", 0) - sum(q.get("consumed", 0) for q in held)
        if open_seats > 0 or open_filled > 0:
            facts.add("seats_offered", max(open_seats, 0), **dimensions)
            facts.add("seats_filled", max(open_filled, 0), **dimensions)
    for student in students:
        contract = student.get("apprentice_contract")
        if contract and student["status"] in CURRENT_STUDENT:
            facts.add("apprentices", programme_id=student["programme_id"],
                      enterprise_id=contract["partner_id"])
        add_cohort_facts(facts, student)
    for survey in answered_surveys:
        for competency, rating in survey["ratings"].items():
            dimensions = {"term": term_of(date(survey["intake_year"], 9, 1))
                          if survey.get("intake_year") else None,
                          "programme_id": survey["programme_id"],
                          "enterprise_id": survey["enterprise_id"], "breakdown": competency}
            facts.add("survey_rating_sum", rating, **dimensions)
            facts.add("survey_rating_count", **dimensions)
    for found in commitments:
        add_commitment_facts(facts, found)
    return facts.rows()


def add_commitment_facts(facts, found):
    """One agreement's clauses (``enrollment.commitments.commitments``), each in
    the term of its due date, for the agreement's partner: ``clauses`` (the
    breakdown: its status), and the fulfilment score's numerator and
    denominator (``fulfilment_delivered``: min(done, elapsed);
    ``fulfilment_due``: elapsed; the breakdown: the party bound), so that
    the dashboard divides their sums under any filter."""
    for clause in found["clauses"]:
        dimensions = {"term": term_of(date.fromisoformat(clause["due_on"])),
                      "enterprise_id": found["partner_id"]}
        facts.add("clauses", breakdown=clause["status"], **dimensions)
        facts.add("fulfilment_delivered", min(clause["done"], clause["elapsed"]),
                  breakdown=clause["party"], **dimensions)
        facts.add("fulfilment_due", clause["elapsed"], breakdown=clause["party"], **dimensions)


def add_cohort_facts(facts, student):
    """A student counts in their intake's cohort (``cohort_students``), and as
    one of its ``graduates`` once graduated: the graduation rate is the one over
    the other, for the cohorts the filters select. A graduate counts by their
    first destination (employed, further study, hired by the sponsor) and as a
    hire kept when still with the sponsor after 12 months."""
    dimensions = {"term": term_of(date(student["intake_year"], 9, 1)),
                  "programme_id": student["programme_id"],
                  "enterprise_id": student.get("partner_id"),
                  "breakdown": student.get("programme_kind")}
    facts.add("cohort_students", **dimensions)
    if student["status"] != "graduated":
        return
    facts.add("graduates", **dimensions)
    outcome = (student.get("destination") or {}).get("outcome")
    if outcome in ("hired_by_sponsor", "hired_by_other"):
        facts.add("graduates_employed", **dimensions)
    if outcome == "further_study":
        facts.add("graduates_further_study", **dimensions)
    if outcome == "hired_by_sponsor":
        facts.add("sponsor_hires", **dimensions)
    if hires_kept(student):
        facts.add("sponsor_hires_kept", **dimensions)
