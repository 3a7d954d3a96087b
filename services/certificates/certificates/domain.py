"""Rules of the 1+X certificates: eligibility, registration deadlines, the
pass rule, certificate numbers, CSV results and credit-rule re-evaluation.

Plain Python with the date passed in, so every rule is unit-tested without a
broker or a database.
"""
import csv
import io

LEVELS = ("junior", "intermediate", "senior")
LEVEL_INITIAL = {"junior": "J", "intermediate": "I", "senior": "S"}
MAX_CSV_ROWS = 2000
CSV_COLUMNS = ("candidate_id", "theory", "practical")


class Ineligible(Exception):
    """The candidate may not register; ``field`` names what is wrong."""

    def __init__(self, message, field="candidate_id"):
        super().__init__(message)
        self.field = field


def check_eligibility(*, candidate, certificate, level, held, today, deadline):
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


def prerequisites_for(certificate, level):
    return [item["requires"] for item in certificate.get("prerequisites", [])
            if item["level"] == level]


def passed(pass_rule, theory, practical):
    """Both parts must reach their minimum (the usual 1+X rule: 60 and 60)."""
    return theory >= pass_rule["theory_min"] and practical >= pass_rule["practical_min"]


def certificate_number(code, level, year, sequence):
    """``1X-IOT-01-I-2027-000042``: readable, and unique through ``sequence``."""
    return "%s-%s-%d-%06d" % (code, LEVEL_INITIAL[level], year, sequence)


def parse_results_csv(text, max_rows=MAX_CSV_ROWS):
    """(rows, problems): rows as {"row", "candidate_id", "theory", "practical"}
    with numbers parsed; problems as {"row", "errors"} for unreadable rows.
    Row numbers count the header as row 1, as a spreadsheet shows them.
    A text that is not CSV at all raises ``ValueError``."""
    try:
        return _parse_results_csv(text, max_rows)
    except csv.Error as exc:
        raise ValueError("not readable as CSV: %s" % exc)


def _parse_results_csv(text, max_rows):
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


def credit_changes(holders, current_grants, rule):
    """What applying ``rule`` would change, per holder of the certificate.

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
        current = current_grants.get(holder["certificate_number"])
        if current is not None:
            current = {"credits": current["credits"],
                       "course_exemptions": sorted(current["course_exemptions"])}
        if current == proposed:
            continue
        change = "grant" if current is None else "reverse" if proposed is None else "adjust"
        changes.append({"student_id": holder["student_id"],
                        "certificate_number": holder["certificate_number"],
                        "change": change, "current": current, "proposed": proposed})
    return changes
