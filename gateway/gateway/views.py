"""The aggregated views as plain functions: which views an event makes stale,
how the services' parts combine into the student 360 and the enterprise
partner view, the risk flag, the contribution index and the dashboard's
indicators. No broker or database here; see docs/views.md for the design."""
from collections import defaultdict
from datetime import timedelta

from college_contracts.certificates import COMPETITION_LEVELS

SERVICES = ("enrollment", "projects", "mentors", "certificates")
STUDENT_VIEW, ENTERPRISE_VIEW, FACTS = "student", "enterprise", "facts"

# the events each service publishes that change one of the views; each names
# every student and enterprise whose view it changes (docs/views.md)
WATCHED_EVENTS = {
    "enrollment": ("partner_registered", "agreement_activated", "agreement_changed",
                   "programme_created", "quota_set", "application_offered",
                   "student_enrolled", "apprentice_contract_signed",
                   "tripartite_agreement_changed", "enrolment_status_changed",
                   "graduation_requirements_set", "destination_recorded", "retention_recorded",
                   "employer_survey_answered", "clause_at_risk", "contribution_declared",
                   "declaration_decided", "valuation_rate_set"),
    "projects": ("project_drafted", "project_published", "project_updated", "team_formed",
                 "team_member_removed", "deliverable_reviewed", "project_completed",
                 "project_status_changed", "placement_started", "placement_ended",
                 "checkin_logged", "checkin_confirmed", "checkin_missed", "feedback_submitted"),
    "mentors": ("mentor_registered", "mentor_left", "secondment_planned", "secondment_started",
                "secondment_completed", "secondment_cancelled", "timesheet_decided",
                "mentor_assigned", "mentor_released", "assignment_needs_reassignment",
                "double_qualified_changed"),
    "certificates": ("exam_registered", "registration_cancelled", "result_recorded",
                     "certificate_issued", "certificate_revoked", "credits_granted",
                     "credits_reversed", "award_granted", "award_withdrawn"),
}


def facts_wait_seconds(read_seconds, min_interval, max_share):
    """How long after a read of a service's dashboard facts the next may
    start: ``min_interval``, or longer when the read was slow. The facts read
    whole collections, so their cost grows with the data; spacing the reads
    by ``read_seconds / max_share`` keeps them to that share of the service's
    time (0.1: a read of 0.8 s, the next 8 s later) whatever it holds."""
    return max(min_interval, (read_seconds or 0.0) / max_share)


def sweep_size(round_size, interval_seconds, round_seconds, batch):
    """How many stored views of a kind one sweep tick re-reads: enough to go
    round all ``round_size`` of them (as counted when the round started) within
    ``round_seconds``, at most ``batch``, at least one. A few hundred enterprise
    views need not be re-read every 20 s, while ten thousand students are
    still rounded as fast as the batch allows."""
    return max(1, min(batch, -(-round_size * interval_seconds // round_seconds)))


class SweepRound:
    """The stored views of one kind still to re-read in the current round of
    the slow sweep. The round's keys are read once, when it starts, and handed
    out a few a tick: a database that reads every candidate of a sorted,
    limited query (SecantusDB) would otherwise read every stored view each tick."""

    def __init__(self):
        self.keys = []
        self.round_size = 0

    def next_keys(self, load_keys, keep_existing, interval_seconds, round_seconds, batch):
        """The keys to re-read this tick. ``load_keys()`` gives every stored
        key (read at the start of a round); ``keep_existing(keys)`` those of
        ``keys`` still stored, so a view removed during the round is not
        rebuilt by its refresh."""
        if not self.keys:
            self.keys = sorted(load_keys())
            self.round_size = len(self.keys)
        count = sweep_size(self.round_size, interval_seconds, round_seconds, batch)
        taken, self.keys = self.keys[:count], self.keys[count:]
        return keep_existing(taken) if taken else []


# events that change no dashboard fact: a draft counts nowhere until it is published.
# Refreshing a service's facts reads all its records, so an event stream that marked
# them (enterprise systems posting thousands of drafts) cost a growing scan per refresh.
COUNTED_BY_NO_FACT = {("projects", "project_drafted")}


# what a student achieves towards graduation: enrollment's part of their view
# (its ``graduation`` section) counts it, so it is read again too
GRADUATION_FACTS = {("certificates", "credits_granted"), ("certificates", "credits_reversed"),
                    ("certificates", "certificate_issued"),
                    ("certificates", "certificate_revoked"),
                    ("projects", "placement_ended"), ("projects", "project_completed")}


# what counts toward an agreement's clauses and an enterprise's costs and returns
# (enrollment learns it from these events): enrollment's part of the enterprise view and
# its facts show the clauses' progress and the year's figures
COMMITMENT_FACTS = {("projects", "placement_started"), ("projects", "project_published"),
                    ("projects", "project_completed"), ("mentors", "timesheet_decided"),
                    ("mentors", "secondment_started"), ("mentors", "secondment_completed"),
                    ("projects", "checkin_confirmed"), ("certificates", "certificate_issued"),
                    ("certificates", "certificate_revoked")}


def stale_views(source, event_type, data, team_members=()):
    """``[(kind, key, service)]``: the view parts this event makes stale. The
    part to refresh is the publisher's, except that a new student's view is
    filled from every service at once. ``team_members`` are the students of
    the event's team when the event names only the team."""
    marks = set() if (source, event_type) in COUNTED_BY_NO_FACT else {(FACTS, "all", source)}
    students = set()
    enterprises = set()
    if data.get("student_id"):
        students.add(data["student_id"])
    if data.get("candidate_kind") == "student" and data.get("candidate_id"):
        students.add(data["candidate_id"])
    students.update(data.get("student_ids") or ())
    students.update(grade["student_id"] for grade in data.get("grades") or ())
    students.update(team_members)
    for field in ("enterprise_id", "partner_id", "previous_partner_id"):
        if data.get(field):
            enterprises.add(data[field])
    enterprises.update(data.get("partner_ids") or ())
    for student in students:
        marks.add((STUDENT_VIEW, student, source))
        if (source, event_type) in GRADUATION_FACTS:
            marks.add((STUDENT_VIEW, student, "enrollment"))
    for enterprise in enterprises:
        marks.add((ENTERPRISE_VIEW, enterprise, source))
        if (source, event_type) in COMMITMENT_FACTS:
            marks.add((ENTERPRISE_VIEW, enterprise, "enrollment"))
    if (source, event_type) in COMMITMENT_FACTS:
        marks.add((FACTS, "all", "enrollment"))
    if source == "enrollment" and event_type == "student_enrolled":
        marks.update((STUDENT_VIEW, data["student_id"], service) for service in SERVICES)
    if source == "enrollment" and event_type == "partner_registered":
        marks.update((ENTERPRISE_VIEW, data["partner_id"], service) for service in SERVICES)
    return sorted(marks)


def time_marks(kind, service, parts, fetched_at):
    """``[(kind, key, service, due_at)]``: a part that changes with time alone
    (``changes_in_seconds``: a week's grace period ending, feedback falling
    due) is read again when it does."""
    return [(kind, key, service, fetched_at + timedelta(seconds=part["changes_in_seconds"]))
            for key, part in sorted(parts.items())
            if (part or {}).get("changes_in_seconds") is not None]


# the student 360 ---------------------------------------------------------------

RISK_RULES = (
    # (signal, threshold for "high", message)
    ("missed_checkins", 3, "missed weekly check-ins"),
    ("open_alerts", 2, "open placement alerts"),
    ("late_deliverables", 3, "late project deliverables"),
    ("overdue_feedback", 2, "overdue feedback"),
)


def risk_of(signals):
    """``{"level", "reasons"}``: no signal is "none"; one kind of signal is
    "low"; two kinds, or one at its high threshold, "medium"; three or more
    kinds, or two at their high thresholds, "high"."""
    reasons, severe = [], 0
    for code, high, message in RISK_RULES:
        count = int((signals or {}).get(code) or 0)
        if count > 0:
            reasons.append({"code": code, "count": count, "message": "%d %s" % (count, message)})
            severe += count >= high
    if not reasons:
        level = "none"
    elif len(reasons) >= 3 or severe >= 2:
        level = "high"
    elif len(reasons) == 2 or severe == 1:
        level = "medium"
    else:
        level = "low"
    return {"level": level, "reasons": reasons}


STUDENT_SECTIONS = {
    "enrollment": {"student": None, "apprenticeship": {"contract": None, "agreements": []},
                   "personal": None, "graduation": None},
    "projects": {"projects": [], "placements": [], "feedback": {"overdue": []}},
    "mentors": {"mentors": {"school": None, "industry": None}},
    "certificates": {"registrations": [], "results": [], "certificates": [],
                     "credits": {"total": 0, "grants": []}, "awards": []},
}


def student_360(student_id, parts, as_of, missing):
    """The student 360 from the services' parts; a missing service's sections
    keep their empty shape and are named in ``missing``."""
    view = {"student_id": student_id}
    for service, sections in STUDENT_SECTIONS.items():
        part = parts.get(service) or {}
        for section, empty in sections.items():
            view[section] = part.get(section, empty)
    view["risk"] = risk_of((parts.get("projects") or {}).get("risk_signals"))
    return finished(view, as_of, missing)


def finished(view, as_of, missing):
    view["partial"] = bool(missing)
    view["missing"] = sorted(missing)
    view["as_of"] = dict(as_of)
    return view


def student_known(parts):
    return bool((parts.get("enrollment") or {}).get("student"))


def student_related_to(parts, enterprise_id):
    """Whether an enterprise may see this student: it sponsors the student,
    or hosts or runs one of the student's placements or projects."""
    student = (parts.get("enrollment") or {}).get("student") or {}
    if student.get("partner_id") == enterprise_id:
        return True
    projects = parts.get("projects") or {}
    return any(item.get("enterprise_id") == enterprise_id
               for item in (projects.get("placements") or []) + (projects.get("projects") or []))


# what one enterprise sees of a student: its identity, never its sponsor or history
STUDENT_IDENTITY = ("student_id", "student_number", "name", "status", "intake_year",
                    "programme", "enrolled_at")


def student_360_for_enterprise(view, enterprise_id):
    """The part of a student 360 that concerns one enterprise ("Who may see
    what", docs/views.md): the student's identity, the enterprise's own
    placements, projects and mentors and the feedback on them, and the
    student's certificates. The sponsor also sees the enrolment it is a party
    to (status history, apprentice contract, tripartite agreements, the college
    tutor). Nothing another enterprise did or said, and no exams, results,
    credits, competition awards (enterprises have no access to competitions)
    or graduation progress (which counts other enterprises' work); the risk
    flag counts the enterprise's own placements and projects."""
    def own(items):
        return [item for item in items or () if item.get("enterprise_id") == enterprise_id]

    student = view.get("student") or None
    sponsor = bool(student) and student.get("partner_id") == enterprise_id
    if student and not sponsor:
        student = {key: student[key] for key in STUDENT_IDENTITY if key in student}
    placements, projects = own(view.get("placements")), own(view.get("projects"))
    subjects = {("placement", p["placement_id"]) for p in placements} | \
        {("project", p["project_id"]) for p in projects}
    feedback = view.get("feedback") or {}
    received = own(feedback.get("received"))
    overdue = [item for item in feedback.get("overdue") or ()
               if (item["subject_kind"], item["subject_id"]) in subjects]
    mentors = view.get("mentors") or {}
    industry = mentors.get("industry")
    scoped = dict(view, student=student, projects=projects, placements=placements,
                  registrations=[], results=[], credits={"total": 0, "grants": []},
                  awards=[], graduation=None)
    scoped["apprenticeship"] = view.get("apprenticeship") if sponsor else \
        {"contract": None, "agreements": []}
    scoped["personal"] = view.get("personal") if sponsor else None
    scoped["feedback"] = {"overdue": overdue, "received": received,
                          "received_average": ratio(sum(f["average"] for f in received),
                                                    len(received))}
    scoped["mentors"] = {
        "school": mentors.get("school") if sponsor else None,
        "industry": industry if (industry or {}).get("enterprise_id") == enterprise_id else None,
        "needs_reassignment": bool(mentors.get("needs_reassignment")) and sponsor}
    scoped["risk"] = risk_of({
        "missed_checkins": sum((p.get("checkins") or {}).get("missed") or 0 for p in placements),
        "open_alerts": sum(len(p.get("open_alerts") or ()) for p in placements),
        "late_deliverables": sum(p.get("late_deliverables") or 0 for p in projects),
        "overdue_feedback": len(overdue)})
    return scoped


# the enterprise partner view ---------------------------------------------------

ENTERPRISE_SECTIONS = {
    "enrollment": {"partner": None, "agreements": [], "seats": [], "students": [],
                   "student_counts": {"total": 0, "by_status": {}, "by_programme": {}},
                   "apprentices": [], "apprentice_count": 0,
                   "hires": {"graduates": 0, "hired": 0, "kept_12_months": 0,
                             "hires_kept_ratio": None},
                   "satisfaction": {"answered": 0, "competencies": [], "lowest": []},
                   "commitments": {"agreements": [], "clauses_behind": []},
                   "costs_and_returns": None},
    "projects": {"projects": [], "projects_by_status": {}, "feedback_given": None,
                 "feedback_received": None},
    "mentors": {"mentors": [], "hosted_teachers": []},
    "certificates": {"students_certified": 0, "certificates_issued": 0},
}


def enterprise_view(enterprise_id, parts, as_of, missing, contribution):
    view = {"enterprise_id": enterprise_id}
    for service, sections in ENTERPRISE_SECTIONS.items():
        part = parts.get(service) or {}
        for section, empty in sections.items():
            view[section] = part.get(section, empty)
    view["contribution"] = contribution or own_contribution(enterprise_id, parts)
    return finished(view, as_of, missing)


def enterprise_known(parts):
    return bool((parts.get("enrollment") or {}).get("partner"))


def own_contribution(enterprise_id, parts):
    """The contribution figures from the enterprise's own parts, for when the
    dashboard facts (which rank it among all enterprises) are not there yet."""
    figures = {}
    for service in SERVICES:
        figures.update((parts.get(service) or {}).get("contribution") or {})
    return contribution_row(enterprise_id, figures, None)


# contribution index ------------------------------------------------------------

def ratio(numerator, denominator):
    return round(numerator / denominator, 4) if denominator else None


def contribution_row(enterprise_id, figures, index):
    offered = figures.get("seats_offered") or 0
    filled = figures.get("seats_filled") or 0
    graduates = figures.get("graduates") or 0
    kept = figures.get("hires_kept") or 0
    return {"enterprise_id": enterprise_id,
            "projects_posted": figures.get("projects_posted") or 0,
            "mentor_hours": round(figures.get("mentor_hours") or 0, 1),
            "seats_offered": offered, "seats_filled": filled,
            "seats_honoured": ratio(filled, offered),
            "graduates": graduates, "hires_kept": kept,
            "hires_kept_ratio": ratio(kept, graduates),
            "feedback_turnaround_days": figures.get("feedback_turnaround_days"),
            "index": index}


def placement_outcome(row):
    """What the enterprise's sponsorship came to: the hires it kept, over its
    graduates, once it has graduates; until then the seats it honoured."""
    if row["hires_kept_ratio"] is not None:
        return row["hires_kept_ratio"]
    return min(row["seats_honoured"] or 0, 1.0)


def contribution_index(rows):
    """Each enterprise's index, 0 to 100: the mean of four components, each
    scaled to the best enterprise in the set: projects posted, mentor hours,
    hires kept (its graduates still with it 12 months after it hired them,
    over its graduates; seats honoured, filled / offered, until it has
    graduates), and feedback turnaround (the fastest scores 1, slower ones
    fastest / theirs). A component an enterprise has no figure for counts 0."""
    best_projects = max((row["projects_posted"] for row in rows), default=0)
    best_hours = max((row["mentor_hours"] for row in rows), default=0)
    turnarounds = [row["feedback_turnaround_days"] for row in rows
                   if row["feedback_turnaround_days"] is not None]
    fastest = min(turnarounds, default=None)
    for row in rows:
        components = [
            row["projects_posted"] / best_projects if best_projects else 0,
            row["mentor_hours"] / best_hours if best_hours else 0,
            placement_outcome(row),
            turnaround_score(row["feedback_turnaround_days"], fastest),
        ]
        row["index"] = round(100 * sum(components) / len(components), 1)
    return rows


def turnaround_score(days, fastest):
    if days is None or fastest is None:
        return 0
    return 1.0 if days <= 0 else min(1.0, max(fastest, 0.5) / max(days, 0.5))


# the dashboard -----------------------------------------------------------------

FILTERS = ("term", "programme_id", "enterprise_id")
# counted once per term: summed over terms they would count a partner many times,
# so without a term filter they show the latest term
PER_TERM_METRICS = ("partners_active",)


def matches(row, filters):
    """A filter applies to the facts that have that dimension; a fact without
    it (a teacher's qualification has no programme) counts college-wide."""
    return all(row.get(name) is None or row.get(name) == value
               for name, value in filters.items() if value)


def dashboard(facts_by_service, filters, names=None):
    """The integration indicators of docs/views.md from the services' facts."""
    filters = {name: filters.get(name) for name in FILTERS if filters.get(name)}
    latest_term = {}
    if not filters.get("term"):
        for rows in facts_by_service.values():
            for row in rows:
                if row["metric"] in PER_TERM_METRICS and row.get("term"):
                    latest_term[row["metric"]] = max(latest_term.get(row["metric"], ""),
                                                     row["term"])
    totals = defaultdict(float)
    by_breakdown = defaultdict(lambda: defaultdict(float))
    by_enterprise = defaultdict(lambda: defaultdict(float))
    terms = set()
    for rows in facts_by_service.values():
        for row in rows:
            if row.get("term"):
                terms.add(row["term"])
            if not matches(row, filters):
                continue
            metric, value = row["metric"], row.get("value") or 0
            if metric in latest_term and row.get("term") != latest_term[metric]:
                continue
            totals[metric] += value
            if row.get("breakdown"):
                by_breakdown[metric][row["breakdown"]] += value
            if row.get("enterprise_id"):
                by_enterprise[row["enterprise_id"]][metric] += value

    def total(metric):
        value = totals.get(metric, 0)
        return int(value) if float(value).is_integer() else round(value, 2)

    indicators = {
        "partners": {"agreements_active": total("agreements_active"),
                     "partners_active": total("partners_active")},
        "enrolment": {"seats_offered": total("seats_offered"),
                      "seats_filled": total("seats_filled"),
                      "fill_rate": ratio(totals["seats_filled"], totals["seats_offered"]),
                      "seats_by_kind": [
                          {"kind": kind, "offered": by_breakdown["seats_offered"][kind],
                           "filled": by_breakdown["seats_filled"].get(kind, 0)}
                          for kind in sorted(by_breakdown["seats_offered"])],
                      "apprentices": total("apprentices"),
                      "apprentices_with_both_mentors": total("apprentices_with_both_mentors"),
                      "both_mentors_ratio": ratio(totals["apprentices_with_both_mentors"],
                                                  totals["apprentices"])},
        "projects": {"published": total("projects_published"),
                     "completed": total("projects_completed"),
                     "completed_on_time": total("projects_completed_on_time"),
                     "on_time_rate": ratio(totals["projects_completed_on_time"],
                                           totals["projects_completed"]),
                     "mean_rating_of_students": ratio(totals["student_rating_sum"],
                                                      totals["student_rating_count"]),
                     "mean_rating_of_enterprises": ratio(totals["enterprise_rating_sum"],
                                                         totals["enterprise_rating_count"])},
        "graduation": {"cohort_students": total("cohort_students"),
                       "graduates": total("graduates"),
                       "graduation_rate": ratio(totals["graduates"], totals["cohort_students"]),
                       "employed": total("graduates_employed"),
                       "employment_rate": ratio(totals["graduates_employed"],
                                                totals["graduates"]),
                       "further_study": total("graduates_further_study"),
                       "sponsor_hires": total("sponsor_hires"),
                       "sponsor_hire_rate": ratio(totals["sponsor_hires"], totals["graduates"]),
                       "sponsor_hires_kept": total("sponsor_hires_kept"),
                       "hires_kept_ratio": ratio(totals["sponsor_hires_kept"],
                                                 totals["graduates"]),
                       "graduates_by_kind": [
                           {"kind": kind, "students": int(students),
                            "graduates": int(by_breakdown["graduates"].get(kind, 0))}
                           for kind, students in sorted(
                               by_breakdown["cohort_students"].items())]},
        "satisfaction": {"by_competency": satisfaction(by_breakdown)},
        "placements": {"checkin_compliance": ratio(totals["checkins_done"],
                                                   totals["checkins_expected"]),
                       "open_alerts": total("alerts_open")},
        "teachers": {"professional": total("teachers_professional"),
                     "double_qualified": total("teachers_double_qualified"),
                     "double_qualified_ratio": ratio(totals["teachers_double_qualified"],
                                                     totals["teachers_professional"]),
                     "target": 0.5},
        "certificates": {"registrations": total("registrations"),
                         "pass_rate": ratio(totals["results_passed"], totals["results_total"]),
                         "pass_rate_by_certificate": pass_rates(by_breakdown),
                         "credits_converted": total("credits_converted")},
        "awards": {"total": total("awards"), "by_level": awards_by_level(by_breakdown)},
        "commitments": commitments_indicators(by_breakdown),
        "costs_and_returns": costs_indicators(totals, by_breakdown),
    }
    rows = contribution_index([
        contribution_row(enterprise_id, enterprise_figures(figures), None)
        for enterprise_id, figures in sorted(by_enterprise.items())])
    for row in rows:
        row["name"] = (names or {}).get(row["enterprise_id"])
    rows.sort(key=lambda row: (-row["index"], row["enterprise_id"]))
    return {"filters": filters, "terms": sorted(terms, reverse=True),
            "indicators": indicators, "contribution": rows}


def enterprise_figures(metrics):
    turnaround = ratio(metrics.get("feedback_turnaround_days_sum", 0),
                       metrics.get("feedback_turnaround_count", 0))
    return {"projects_posted": metrics.get("projects_published", 0),
            "mentor_hours": metrics.get("mentor_hours", 0),
            "seats_offered": metrics.get("seats_offered", 0),
            "seats_filled": metrics.get("seats_filled", 0),
            "graduates": metrics.get("graduates", 0),
            "hires_kept": metrics.get("sponsor_hires_kept", 0),
            "feedback_turnaround_days": turnaround}


CLAUSE_STATUSES = ("on_track", "at_risk", "met", "missed")
# this calendar year's costs and returns (enrollment/costs.py), summed over enterprises
COST_FIGURES = ("mentor_hours", "mentor_hours_value_cny", "equipment_value_cny",
                "funds_value_cny", "total_value_cny", "placements_hosted", "teachers_hosted",
                "projects_posted", "deliverables_accepted", "intern_hours", "certificates_earned")


def costs_indicators(totals, by_breakdown):
    """This year's inputs and returns of the enterprises the filters select;
    the mentor hours' value is null while the year has no rate."""
    figures = by_breakdown["costs"]
    found = {name: (int(figures.get(name, 0)) if float(figures.get(name, 0)).is_integer()
                    else round(figures.get(name, 0), 2)) for name in COST_FIGURES}
    year = totals.get("costs_year")
    rate_set = bool(totals.get("costs_rate_set"))
    if not rate_set:
        found["mentor_hours_value_cny"] = None
    return {"year": int(year) if year else None, "rate_set": rate_set, **found}


def commitments_indicators(by_breakdown):
    """The agreements' clauses by status, and each party's fulfilment score:
    what it delivered of what was due by now, summed over the clauses the
    filters select (each weighted by how far it is due); null while none is due."""
    clauses = by_breakdown["clauses"]
    delivered, due = by_breakdown["fulfilment_delivered"], by_breakdown["fulfilment_due"]
    return {"clauses_by_status": {status: int(clauses.get(status, 0))
                                  for status in CLAUSE_STATUSES},
            "at_risk": int(clauses.get("at_risk", 0)), "missed": int(clauses.get("missed", 0)),
            "enterprise_fulfilment": ratio(delivered.get("enterprise", 0),
                                           due.get("enterprise", 0)),
            "college_fulfilment": ratio(delivered.get("college", 0), due.get("college", 0))}


def satisfaction(by_breakdown):
    """Employers' mean rating per competency, lowest first: where the programme
    most needs to change."""
    rated = [{"competency": competency, "ratings": int(count),
              "mean": ratio(by_breakdown["survey_rating_sum"][competency], count)}
             for competency, count in by_breakdown["survey_rating_count"].items()]
    return sorted(rated, key=lambda row: (row["mean"], row["competency"]))


def awards_by_level(by_breakdown):
    """Competition awards per level, lowest level first; a level with no award
    under the filters is left out."""
    counts = by_breakdown["awards"]
    order = {level: index for index, level in enumerate(COMPETITION_LEVELS)}
    return [{"level": level, "awards": int(counts[level])}
            for level in sorted(counts, key=lambda level: (order.get(level, len(order)), level))
            if counts[level]]


def pass_rates(by_breakdown):
    rates = []
    for breakdown, total in sorted(by_breakdown["results_total"].items()):
        certificate, _, level = breakdown.partition("/")
        passed = by_breakdown["results_passed"].get(breakdown, 0)
        rates.append({"certificate": certificate, "level": level or None,
                      "passed": int(passed), "total": int(total), "rate": ratio(passed, total)})
    return rates


def contribution_of(dashboard_view, enterprise_id):
    for row in dashboard_view["contribution"]:
        if row["enterprise_id"] == enterprise_id:
            return row
    return None
