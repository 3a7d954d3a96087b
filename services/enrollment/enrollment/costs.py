"""Each enterprise's costs and returns per calendar year, free of broker and database.

What an enterprise put into the partnership in a year (its inputs) and what it
got back (its returns) are counted from the commitments' fact store
(``enrollment.commitments``: one fact per thing, keyed by an id from the
thing itself), never typed in where an event exists. This module adds the
facts the commitments do not need, and the yearly account of both.

A fact falls in the calendar year of its day (``on``): 31 December in that
year, 1 January in the next. The college sets the value of a mentor's hour
per year (a *valuation rate*, in CNY); without one, the hours are counted and
their value is left unknown, never guessed.

Inputs: mentor hours (approved timesheets of the enterprise's mentors at the
college) and their value at the year's rate; equipment and funds the
enterprise declared and the college confirmed (their declared value);
placements it hosted (started that year); college teachers it hosted (their
secondment started that year); projects it posted (published that year).

Returns: graduates it hired (first destination a hire by it, starting that
year) and of them those still there at the 6- and 12-month checks; its
projects' deliverables accepted (each deliverable a completed project's final
grade rests on, counted once in the year the project completed: projects
announces no acceptance of its own, and a deliverable that made the grade of a
completed project is what the enterprise received); its interns' hours
(confirmed weekly check-ins, each week once, in the year the week starts; a
placement's ``placement_ended`` total is the same hours and is not added);
certificates its staff earned (its apprentices are its employees: the X
certificates issued to the students it sponsors in an apprenticeship, a
revoked one no longer counted).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from college_platform.errors import InvalidInput
from enrollment.commitments import declared_facts, fact

Document = dict[str, Any]

FIRST_YEAR, LAST_YEAR = 2000, 2100
RATE_FIELDS = ("mentor_hour_cny",)

# what each figure counts (the evidence pack prints these, translated)
INPUTS = ("mentor_hours", "mentor_hours_value_cny", "equipment_value_cny", "funds_value_cny",
          "placements_hosted", "teachers_hosted", "projects_posted", "total_value_cny")
RETURNS = ("hires", "hires_checked_6_months", "hires_retained_6_months",
           "hires_checked_12_months", "hires_retained_12_months", "deliverables_accepted",
           "intern_hours", "certificates_earned")
RULES = {
    "mentor_hours": "approved timesheet hours of the enterprise's mentors on inward "
                    "secondments, by the day worked (mentors: timesheet_decided)",
    "mentor_hours_value_cny": "mentor hours x the year's rate of a mentor hour set by the "
                              "college; unknown while no rate is set",
    "equipment_value_cny": "equipment the enterprise declared toward an agreement's clause "
                           "and the college confirmed, by the day given",
    "funds_value_cny": "funds the enterprise declared toward an agreement's clause and the "
                       "college confirmed, by the day given",
    "placements_hosted": "placements at the enterprise, by their first day "
                         "(projects: placement_started)",
    "teachers_hosted": "college teachers seconded to the enterprise, by the secondment's "
                       "first day (mentors: secondment_started / secondment_completed)",
    "projects_posted": "projects the enterprise published (projects: project_published)",
    "total_value_cny": "mentor hours' value + equipment + funds (the known values)",
    "hires": "graduates whose first destination is a hire by the enterprise, by the day "
             "they started (enrollment's destinations)",
    "hires_checked_6_months": "those hires whose 6-month retention check is recorded",
    "hires_retained_6_months": "those hires still employed by it at the 6-month check",
    "hires_checked_12_months": "those hires whose 12-month retention check is recorded",
    "hires_retained_12_months": "those hires still employed by it at the 12-month check",
    "deliverables_accepted": "deliverables a completed project of the enterprise graded its "
                             "students on, each once, by the day the project completed "
                             "(projects: project_completed's evidence)",
    "intern_hours": "hours of interns' weekly check-ins the enterprise confirmed, each week "
                    "once, by the week's first day (projects: checkin_confirmed)",
    "certificates_earned": "X certificates issued to students the enterprise sponsors as "
                           "apprentices (its employees), by the day issued, not revoked "
                           "(certificates: certificate_issued / certificate_revoked)",
}


# -- the valuation rates --------------------------------------------------------------------

def check_year(year: Any, field: str = "year") -> int:
    """A calendar year as the routes take it (a path part or a query value)."""
    try:
        value = int(str(year))
    except ValueError:
        value = None
    if value is None or not FIRST_YEAR <= value <= LAST_YEAR:
        raise InvalidInput("not a year", errors={
            field: ["Must be a year from %d to %d." % (FIRST_YEAR, LAST_YEAR)]})
    return value


def new_rate(year: int, fields: Document, set_by: str, now: Any,
             current: Document | None) -> Document | None:
    """The year's rate as set now, the earlier one kept in ``history``; None
    when nothing changes (setting the same rate again changes nothing)."""
    values = {name: float(fields[name]) for name in RATE_FIELDS if fields.get(name) is not None}
    if current is not None and all(current.get(name) == value
                                   for name, value in values.items()):
        return None
    history = list((current or {}).get("history", []))
    if current is not None:
        history.append({**{name: current.get(name) for name in RATE_FIELDS},
                        "set_by": current["set_by"], "set_at": current["set_at"]})
    return {"_id": str(year), "year": year,
            **{name: (current or {}).get(name) for name in RATE_FIELDS}, **values,
            "set_by": set_by, "set_at": now, "history": history}


# -- the facts the commitments do not count -------------------------------------------------

def intern_hours(data: Document) -> list[Document]:
    """A confirmed week of an intern's check-in, its hours."""
    return [fact("intern_hours", "%s:%s" % (data["placement_id"], data["week_starting"]),
                 data["enterprise_id"], data["week_starting"].isoformat(), data["hours"])]


def deliverables_accepted(data: Document, time: str) -> list[Document]:
    """The deliverables a completed project's grades rest on, each once
    (a team's deliverable is cited once per member)."""
    keys = dict.fromkeys(item["deliverable_id"] for item in data.get("evidence") or []
                         if item.get("deliverable_id"))
    return [{**fact("deliverables_accepted", key, data["enterprise_id"], time),
             "project_id": data["project_id"]} for key in keys]


def certificate_earned(data: Document) -> list[Document]:
    """A certificate of a student an enterprise sponsors; whether the student
    is its apprentice is read when the year is accounted."""
    if data["candidate_kind"] != "student" or not data.get("partner_id"):
        return []
    return [{**fact("certificates_earned", data["certificate_number"], data["partner_id"],
                    data["issued_on"].isoformat()), "student_id": data["candidate_id"]}]


def certificate_revoked(data: Document) -> list[Document]:
    """The certificate's fact, no longer counted (kept, so that its issue
    delivered late does not count it again)."""
    if data["candidate_kind"] != "student" or not data.get("partner_id"):
        return []
    return [{"_id": "certificates_earned:%s" % data["certificate_number"],
             "enterprise_id": data["partner_id"], "metric": "certificates_earned",
             "student_id": data["candidate_id"]}]


# -- the year's account ---------------------------------------------------------------------

def in_year(day: str | None, year: int) -> bool:
    return bool(day) and str(day)[:4] == str(year)


def year_bounds(year: int) -> tuple[str, str]:
    return "%04d-01-01" % year, "%04d-12-31" % year


def declared(agreements: Iterable[Document], year: int) -> list[Document]:
    """Confirmed declarations of equipment and funds in the year, as facts."""
    return [f for agreement in agreements for f in declared_facts(agreement)
            if in_year(f["on"], year)]


def hires_of(partner_id: str, students: Iterable[Document], year: int) -> Document:
    """The graduates the enterprise hired that year and their retention checks."""
    hired = [s for s in students
             if (s.get("destination") or {}).get("enterprise_id") == partner_id
             and (s.get("destination") or {}).get("outcome", "").startswith("hired")
             and in_year((s.get("destination") or {}).get("started_on"), year)]
    counts: Document = {"hires": len(hired)}
    for months in (6, 12):
        checks = [(s.get("retention") or {}).get(str(months)) for s in hired]
        counts["hires_checked_%d_months" % months] = sum(1 for c in checks if c)
        counts["hires_retained_%d_months" % months] = sum(
            1 for c in checks if c and c.get("still_employed"))
    return counts


def account(partner_id: str, year: int, facts: Iterable[Document],
            agreements: Iterable[Document], students: Iterable[Document],
            apprentice_ids: Iterable[str], rate: Document | None) -> Document:
    """The enterprise's inputs and returns in ``year``, with the rate used and
    how each figure was counted."""
    counted = [f for f in list(facts) + declared(agreements, year)
               if f["enterprise_id"] == partner_id and in_year(f.get("on"), year)
               and not f.get("withdrawn")]
    apprentices = set(apprentice_ids)

    def total(metric: str) -> float:
        return round(sum(f["amount"] for f in counted if f["metric"] == metric), 2)

    def number(metric: str) -> int:
        return sum(1 for f in counted if f["metric"] == metric)

    hour_rate = (rate or {}).get("mentor_hour_cny")
    hours = total("mentor_hours")
    value = round(hours * hour_rate, 2) if hour_rate is not None else None
    equipment, funds = total("equipment_value"), total("funds_value")
    inputs = {"mentor_hours": hours, "mentor_hours_value_cny": value,
              "equipment_value_cny": equipment, "funds_value_cny": funds,
              "placements_hosted": number("placements_hosted"),
              "teachers_hosted": number("teachers_hosted"),
              "projects_posted": number("projects_posted"),
              "total_value_cny": round((value or 0) + equipment + funds, 2)}
    returns = {**hires_of(partner_id, students, year),
               "deliverables_accepted": number("deliverables_accepted"),
               "intern_hours": total("intern_hours"),
               "certificates_earned": sum(1 for f in counted
                                          if f["metric"] == "certificates_earned"
                                          and f.get("student_id") in apprentices)}
    return {"partner_id": partner_id, "year": year,
            "rate": {"mentor_hour_cny": hour_rate, "set": hour_rate is not None},
            "inputs": inputs, "returns": returns, "rules": dict(RULES)}


# the dashboard's figures: those the fact store and the rate give, summed over enterprises
DASHBOARD = ("mentor_hours", "mentor_hours_value_cny", "equipment_value_cny", "funds_value_cny",
             "total_value_cny", "placements_hosted", "teachers_hosted", "projects_posted",
             "deliverables_accepted", "intern_hours", "certificates_earned")


def indicator_rows(year: int, facts: Iterable[Document], agreements: Iterable[Document],
                   students: Iterable[Document], rate: Document | None) -> list[Document]:
    """The dashboard's additive rows of the year's costs and returns: one per
    enterprise and figure (``costs``, the breakdown naming the figure), and the
    year itself (``costs_year``) with whether its rate is set (``costs_rate_set``)."""
    facts_by: dict[str, list[Document]] = {}
    agreements_by: dict[str, list[Document]] = {}
    apprentices_by: dict[str, list[str]] = {}
    for f in facts:
        facts_by.setdefault(f["enterprise_id"], []).append(f)
    for agreement in agreements:
        agreements_by.setdefault(agreement["partner_id"], []).append(agreement)
    for student in students:
        if student.get("programme_kind") == "apprenticeship" and student.get("partner_id"):
            apprentices_by.setdefault(student["partner_id"], []).append(student["_id"])
    found: list[Document] = [
        {"metric": "costs_year", "value": year, "term": None, "programme_id": None,
         "enterprise_id": None, "breakdown": None},
        {"metric": "costs_rate_set", "value": 1 if (rate or {}).get("mentor_hour_cny")
         is not None else 0, "term": None, "programme_id": None, "enterprise_id": None,
         "breakdown": None}]
    for enterprise_id in sorted(set(facts_by) | set(agreements_by)):
        counted = account(enterprise_id, year, facts_by.get(enterprise_id, []),
                          agreements_by.get(enterprise_id, []), [],
                          apprentices_by.get(enterprise_id, []), rate)
        figures = {**counted["inputs"], **counted["returns"]}
        found += [{"metric": "costs", "value": figures[name] or 0, "term": None,
                   "programme_id": None, "enterprise_id": enterprise_id, "breakdown": name}
                  for name in DASHBOARD if figures[name]]
    return found


def rows(found: Document) -> list[Document]:
    """The account as one row per figure (CSV, the evidence pack)."""
    return [{"year": found["year"], "section": section, "measure": name,
             "value": found[section][name], "rule": RULES[name]}
            for section, names in (("inputs", INPUTS), ("returns", RETURNS)) for name in names]
