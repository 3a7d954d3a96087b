"""The projects service's parts of the aggregated views and its dashboard
facts (docs/views.md), shaped from stored documents by plain functions; the
date ``today`` is a parameter, so every rule is tested without a database.

Definitions (also in docs/projects.md):

- a placement's **expected** weeks are the weeks whose check-in is due and
  whose grace period has passed (the weeks the missed check-in rule judges);
  **compliance** = confirmed check-ins of those weeks / expected weeks;
- a **missed** check-in is a week the missed check-in rule judges missed now
  (``domain.missed_checkins``, the sweep's rule) or that the sweep alerted
  earlier (late confirmation does not undo it), so the view and its risk agree
  at every read, before the sweep has run; an alert stays **open** while its
  week is still not confirmed;
- a **late deliverable** is a milestone whose latest submission came after its
  due date, or, while the project is in progress, a milestone past its due
  date with no submission;
- feedback on a subject is **due** ``FEEDBACK_DUE_DAYS`` after the subject's
  end: a placement's last day once it has ended (or its planned end has
  passed), a project's delivery day (its end date when it has none) once it is
  delivered, evaluated or closed. The student's part lists the feedback the
  student owes (``student_to_enterprise``) past that day.

A student's part changes with time alone (a week's grace period ending, a
milestone or feedback falling due): ``changes_on`` is the first day it will,
so that the gateway reads it again then (docs/views.md).
"""
from datetime import timedelta

from college_platform.summaries import MAX_PART_ITEMS, Facts, put_capped
from college_platform.terms import term_of
from projects import domain
from projects.domain import as_date

FEEDBACK_DUE_DAYS = 14
FEEDBACK_STATUSES = (domain.DELIVERED, domain.EVALUATED, domain.CLOSED)
COMPLETED_STATUSES = (domain.EVALUATED, domain.CLOSED)


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _newest_first(items, key="created_at"):
    return sorted(items, key=lambda item: (_iso(item.get(key)) or "", item["_id"]),
                  reverse=True)


def _mean(values):
    values = list(values)
    return round(sum(values) / len(values), 2) if values else None


def _status_at(project, status):
    """When ``project`` last entered ``status`` (a datetime), or None."""
    moments = [h["at"] for h in project.get("status_history", []) if h["status"] == status]
    return moments[-1] if moments else None


# -- projects -----------------------------------------------------------------

def late_milestones(project, deliverables, today):
    """The milestones of one team's work that are late as of ``today``."""
    latest = {}
    for deliverable in deliverables:
        current = latest.get(deliverable["milestone_id"])
        if current is None or deliverable["version"] > current["version"]:
            latest[deliverable["milestone_id"]] = deliverable
    late = []
    for milestone in project.get("milestones") or []:
        submitted = latest.get(milestone["id"])
        if submitted is not None:
            if submitted["late"]:
                late.append(milestone["id"])
        elif project["status"] == domain.IN_PROGRESS and \
                as_date(milestone["due_date"]) < as_date(today):
            late.append(milestone["id"])
    return late


def project_item(project, team_id, grade, deliverables, today):
    return {"project_id": project["_id"], "title": project["title"],
            "enterprise_id": project["enterprise_id"], "status": project["status"],
            "team_id": team_id, "grade": grade["grade"] if grade else None,
            "grade_lineage": grade["milestones"] if grade else [],
            "late_deliverables": len(late_milestones(project, deliverables, today))}


# -- placements ---------------------------------------------------------------

def expected_weeks(placement, today, grace_days):
    """The weeks due by ``today``: their Sunday plus the grace period has passed."""
    today = as_date(today)
    return [week for week in domain.placement_weeks(placement["starts_on"],
                                                    domain.last_day(placement))
            if today > week + timedelta(days=6 + grace_days)]


def missed_weeks(placement, checkins, alerts, today, grace_days):
    """``[{week_starting, kind}]``, oldest first: the weeks alerted by a sweep
    and those the same rule judges missed today, which the next sweep will alert."""
    missed = {a["week_starting"]: a.get("kind") for a in alerts}  # the facts read no kind
    for week, kind in domain.missed_checkins(placement, checkins, today, grace_days):
        missed.setdefault(str(week), kind)
    return [{"week_starting": week, "kind": missed[week]} for week in sorted(missed)]


def open_alerts(missed, checkins):
    """The missed weeks still not confirmed."""
    confirmed = {c["week_starting"] for c in checkins if c["status"] == "confirmed"}
    return [a for a in missed if a["week_starting"] not in confirmed]


def placement_item(placement, checkins, alerts, today, grace_days):
    expected = {str(week) for week in expected_weeks(placement, today, grace_days)}
    confirmed = [c for c in checkins if c["status"] == "confirmed"]
    confirmed_due = sum(1 for c in confirmed if c["week_starting"] in expected)
    missed = missed_weeks(placement, checkins, alerts, today, grace_days)
    return {"placement_id": placement["_id"], "enterprise_id": placement["enterprise_id"],
            "starts_on": placement["starts_on"], "ends_on": placement["ends_on"],
            "status": placement["status"],
            "checkins": {"expected": len(expected), "logged": len(checkins),
                         "confirmed": len(confirmed), "missed": len(missed)},
            "compliance": round(confirmed_due / len(expected), 2) if expected else None,
            "open_alerts": list(reversed(open_alerts(missed, checkins)))}


# -- feedback -----------------------------------------------------------------

def subject_end(subject_kind, subject):
    """The day a placement or a project ends, as feedback counts it: the
    placement's last day, the project's delivery day (its end date until then)."""
    if subject_kind == "placement":
        return domain.last_day(subject)
    return as_date(subject.get("delivered_on") or subject["end_date"])


def feedback_due_on(subject_kind, subject, today):
    """The day feedback on ``subject`` falls due; None while it is not owed
    yet (a placement still running, a project not handed in)."""
    end = subject_end(subject_kind, subject)
    if subject_kind == "placement":
        if subject["status"] == "active" and end >= as_date(today):
            return None
    elif subject["status"] not in FEEDBACK_STATUSES:
        return None
    return end + timedelta(days=FEEDBACK_DUE_DAYS)


def overdue_feedback(subjects, given, today):
    """``subjects``: [(subject_kind, subject)]; ``given``: {(kind, id)} already
    given. -> [{subject_kind, subject_id, due_on}] due before ``today``, newest first."""
    today = as_date(today)
    overdue = []
    for kind, subject in subjects:
        due_on = feedback_due_on(kind, subject, today)
        if due_on is not None and due_on < today and (kind, subject["_id"]) not in given:
            overdue.append({"subject_kind": kind, "subject_id": subject["_id"],
                            "due_on": str(due_on)})
    return sorted(overdue, key=lambda item: item["due_on"], reverse=True)


def days_to_feedback(item, subjects):
    """Days from the end of the feedback's subject to the feedback (0 when
    given before the end); None when the subject is not known.
    ``subjects``: {(kind, id): subject}."""
    subject = subjects.get((item["subject_kind"], item["subject_id"]))
    if subject is None:
        return None
    return max(0, (as_date(item["created_at"]) - subject_end(item["subject_kind"], subject)).days)


def turnaround_days(feedback, subjects):
    """Mean days from each subject's end to the enterprise's feedback on it;
    None without any."""
    return _mean(days for days in (days_to_feedback(item, subjects) for item in feedback)
                 if days is not None)


# -- the parts ----------------------------------------------------------------

def student_part(*, student, memberships, grades, projects, deliverables, placements,
                 checkins, alerts, feedback, today, grace_days):
    """One student's projects, placements, feedback and risk signals; ``{}``
    when the service knows nothing of the student.

    ``memberships`` and ``grades`` are the student's; ``projects``: {id:
    document}; ``deliverables``: {team_id: [...]}; ``checkins``, ``alerts``:
    {placement_id: [...]}; ``feedback``: everything given on or by the student."""
    if student is None and not (memberships or grades or placements or feedback):
        return {}
    team_of = {m["project_id"]: m["team_id"] for m in memberships}
    grade_of = {g["project_id"]: g for g in grades}
    for project_id, grade in grade_of.items():
        team_of.setdefault(project_id, grade["team_id"])
    items = [project_item(projects[project_id], team_id, grade_of.get(project_id),
                          deliverables.get(team_id, []), today)
             for project_id, team_id in team_of.items() if project_id in projects]
    items.sort(key=lambda item: (_iso(projects[item["project_id"]]["created_at"]),
                                 item["project_id"]), reverse=True)
    placement_items = [placement_item(p, checkins.get(p["_id"], []), alerts.get(p["_id"], []),
                                      today, grace_days) for p in _newest_first(placements)]
    given = {(f["subject_kind"], f["subject_id"]) for f in feedback
             if f["direction"] == domain.STUDENT_TO_ENTERPRISE}
    subjects = [("placement", p) for p in placements] + \
        [("project", projects[project_id]) for project_id in team_of if project_id in projects]
    overdue = overdue_feedback(subjects, given, today)
    received = _newest_first(f for f in feedback
                             if f["direction"] == domain.ENTERPRISE_TO_STUDENT)
    part = {}
    put_capped(part, "projects", items)
    put_capped(part, "placements", placement_items)
    part["feedback"] = put_capped({}, "overdue", overdue)
    # each rating names its enterprise, so that an enterprise is shown its own only
    put_capped(part["feedback"], "received", [
        {"enterprise_id": f["enterprise_id"], "subject_kind": f["subject_kind"],
         "subject_id": f["subject_id"], "average": f["average"],
         "given_at": _iso(f["created_at"])} for f in received])
    part["feedback"]["received_average"] = _mean(f["average"] for f in received)
    # the signals are what the placements above show, so the flag agrees with them
    part["risk_signals"] = {
        "missed_checkins": sum(p["checkins"]["missed"] for p in placement_items),
        "open_alerts": sum(len(p["open_alerts"]) for p in placement_items),
        "late_deliverables": sum(item["late_deliverables"] for item in items),
        "overdue_feedback": len(overdue),
    }
    changes_on = next_change_on(placements, [projects[project_id] for project_id in team_of
                                             if project_id in projects],
                                deliverables, team_of, given, today, grace_days)
    if changes_on is not None:
        part["changes_on"] = str(changes_on)
    return part


def next_change_on(placements, projects, deliverables, team_of, given, today, grace_days):
    """The first day after ``today`` on which the student's part changes with
    time alone, or None: a placement's next week past its grace period, a
    milestone under way falling due with nothing handed in, feedback the
    student owes falling overdue."""
    days = []
    for placement in placements:
        days.extend(week + timedelta(days=7 + grace_days) for week in domain.placement_weeks(
            placement["starts_on"], domain.last_day(placement)))
    for project in projects:
        if project["status"] == domain.IN_PROGRESS:
            handed_in = {d["milestone_id"] for d in deliverables.get(team_of[project["_id"]], [])}
            days.extend(as_date(m["due_date"]) + timedelta(days=1)
                        for m in project.get("milestones") or () if m["id"] not in handed_in)
    owed = [("placement", p) for p in placements] + \
        [("project", p) for p in projects if p["status"] in FEEDBACK_STATUSES]
    days.extend(subject_end(kind, subject) + timedelta(days=FEEDBACK_DUE_DAYS + 1)
                for kind, subject in owed if (kind, subject["_id"]) not in given)
    return min((day for day in days if day > as_date(today)), default=None)


def enterprise_part(*, partner, tally, projects, feedback, subjects):
    """An enterprise's projects, the feedback it gave and received, and its
    contribution; ``{}`` when the service knows nothing of it.
    ``tally``: its ``project_tally`` as kept with the writes (None for none);
    ``projects``: the newest of its projects (those the tally lists);
    ``subjects``: {(kind, id): placement or project} the feedback is about."""
    tally = tally or project_tally([])
    by_status = {status: count for status, count in tally["by_status"].items() if count}
    if partner is None and not (by_status or feedback):
        return {}
    given = [f for f in feedback if f["direction"] == domain.ENTERPRISE_TO_STUDENT]
    received = [f for f in feedback if f["direction"] == domain.STUDENT_TO_ENTERPRISE]
    part = {}
    put_capped(part, "projects", [{
        "project_id": p["_id"], "title": p["title"], "status": p["status"],
        "published_at": _iso(_status_at(p, domain.PUBLISHED))} for p in _newest_first(projects)])
    if sum(by_status.values()) > len(part["projects"]):
        part["projects_truncated"] = True
    part["projects_by_status"] = by_status
    part["feedback_given"] = {"count": len(given), "average": _mean(f["average"] for f in given)}
    part["feedback_received"] = {"count": len(received),
                                 "average": _mean(f["average"] for f in received)}
    part["contribution"] = {"projects_posted": tally["projects_posted"],
                            "feedback_turnaround_days": turnaround_days(given, subjects)}
    return part


# -- each enterprise's tally of its projects ------------------------------------
# Kept with every write of a project and read by id, so that an enterprise's
# part costs the same with 20 projects stored or 20,000 (docs/projects.md).

def project_tally(projects):
    """``{"by_status": {status: count}, "projects_posted", "newest": [{"id",
    "at"}]}`` of one enterprise's ``projects``: newest first, at most
    ``MAX_PART_ITEMS`` listed (what its part shows)."""
    by_status = {}
    for project in projects:
        by_status[project["status"]] = by_status.get(project["status"], 0) + 1
    return {"by_status": by_status,
            "projects_posted": sum(1 for p in projects
                                   if _status_at(p, domain.PUBLISHED) is not None),
            "newest": [{"id": p["_id"], "at": p["created_at"]}
                       for p in _newest_first(projects)[:MAX_PART_ITEMS]]}


def tally_added(projects):
    """The update that adds ``projects`` (new ones, of one enterprise) to its tally."""
    tally = project_tally(projects)
    return {"$inc": {"projects_posted": tally["projects_posted"],
                     **{"by_status." + status: count
                        for status, count in tally["by_status"].items()}},
            "$push": {"newest": {"$each": tally["newest"], "$sort": {"at": -1, "id": -1},
                                 "$slice": MAX_PART_ITEMS}}}


def tally_moved(previous_status, status):
    """The update of a tally when one of its projects moves to ``status``."""
    counts = {"by_status." + previous_status: -1, "by_status." + status: 1}
    if status == domain.PUBLISHED:  # a project is published once (domain.TRANSITIONS)
        counts["projects_posted"] = 1
    return {"$inc": counts}


# -- dashboard facts ----------------------------------------------------------

def indicator_facts(*, projects, feedback, placements, checkins, alerts, programmes, today,
                    grace_days):
    """The projects service's dashboard facts.

    - ``projects_published`` in the term it was published;
    - ``projects_completed``, ``projects_completed_on_time`` in the term it was evaluated;
    - ``student_rating_sum``/``_count`` (enterprises rating students) and
      ``enterprise_rating_sum``/``_count`` (students rating enterprises), in the
      term the feedback was given, with the student's programme;
    - ``feedback_turnaround_days_sum``/``feedback_turnaround_count``: days from
      a subject's end to the enterprise's feedback on it, in the term the
      feedback was given (the contribution index divides them);
    - ``checkins_expected``, ``checkins_done`` (confirmed ones among them) and
      ``alerts_open``, in the term of the week, with the student's programme.

    ``checkins``, ``alerts``: {placement_id: [...]}; ``programmes``: {student_id: programme_id}.
    """
    facts = Facts()
    subjects = {("project", p["_id"]): p for p in projects}
    subjects.update({("placement", p["_id"]): p for p in placements})
    for project in projects:
        published = _status_at(project, domain.PUBLISHED)
        if published is not None:
            facts.add("projects_published", 1, term=term_of(published),
                      enterprise_id=project["enterprise_id"])
        evaluated = _status_at(project, domain.EVALUATED)
        if project["status"] in COMPLETED_STATUSES and evaluated is not None:
            where = {"term": term_of(evaluated), "enterprise_id": project["enterprise_id"]}
            facts.add("projects_completed", 1, **where)
            facts.add("projects_completed_on_time", 1 if project.get("on_time") else 0, **where)
    for item in feedback:
        prefix = "student_rating" if item["direction"] == domain.ENTERPRISE_TO_STUDENT \
            else "enterprise_rating"
        where = {"term": term_of(item["created_at"]), "enterprise_id": item["enterprise_id"],
                 "programme_id": programmes.get(item["student_id"])}
        facts.add(prefix + "_sum", item["average"], **where)
        facts.add(prefix + "_count", 1, **where)
        days = days_to_feedback(item, subjects) \
            if item["direction"] == domain.ENTERPRISE_TO_STUDENT else None
        if days is not None:
            facts.add("feedback_turnaround_days_sum", days, **where)
            facts.add("feedback_turnaround_count", 1, **where)
    for placement in placements:
        where = {"enterprise_id": placement["enterprise_id"],
                 "programme_id": programmes.get(placement["student_id"])}
        weeks = checkins.get(placement["_id"], [])
        confirmed = {c["week_starting"] for c in weeks if c["status"] == "confirmed"}
        for week in expected_weeks(placement, today, grace_days):
            facts.add("checkins_expected", 1, term=term_of(week), **where)
            facts.add("checkins_done", 1 if str(week) in confirmed else 0,
                      term=term_of(week), **where)
        missed = missed_weeks(placement, weeks, alerts.get(placement["_id"], []), today,
                              grace_days)
        for alert in open_alerts(missed, weeks):
            facts.add("alerts_open", 1, term=term_of(alert["week_starting"]), **where)
    return facts.rows()
