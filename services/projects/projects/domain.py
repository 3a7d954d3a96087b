"""The projects domain as plain Python: lifecycle, grading, check-in rules,
visibility and feedback. No broker, no database; the current time is always
a parameter, so every rule is unit-tested directly."""
import re
from datetime import date, datetime, timedelta

from college_contracts.projects import PROJECT_STATUSES, REVIEWER_KINDS
from college_platform.errors import Conflict, InvalidInput, NotFound

# -- finding projects ---------------------------------------------------------


def title_search(text):
    """The selector that finds projects by any part of their title, whatever
    its case; the text is matched literally, never as a pattern."""
    return {"title": {"$regex": re.escape(text.strip()), "$options": "i"}}


# -- project lifecycle --------------------------------------------------------

DRAFT, PUBLISHED, IN_PROGRESS, DELIVERED, EVALUATED, CLOSED, CANCELLED = (
    "draft", "published", "in_progress", "delivered", "evaluated", "closed", "cancelled")
STATUSES = PROJECT_STATUSES

TRANSITIONS = {
    DRAFT: (PUBLISHED, CANCELLED),
    PUBLISHED: (IN_PROGRESS, CANCELLED),
    IN_PROGRESS: (DELIVERED, CANCELLED),
    DELIVERED: (EVALUATED,),
    EVALUATED: (CLOSED,),
    CLOSED: (),
    CANCELLED: (),
}
# teams may change while the work has not been handed in
TEAM_STATUSES = (PUBLISHED, IN_PROGRESS)
# deliverables are submitted and reviewed while the work is under way or just delivered
SUBMISSION_STATUSES = (IN_PROGRESS,)
REVIEW_STATUSES = (IN_PROGRESS, DELIVERED)


def check_transition(project, target):
    """Raise Conflict unless ``project`` may move to ``target``; the
    preconditions of each step are checked here too."""
    current = project["status"]
    if target not in TRANSITIONS.get(current, ()):
        raise Conflict("a %s project cannot become %s" % (current, target),
                       status=current, allowed=list(TRANSITIONS.get(current, ())))
    if target == PUBLISHED:
        check_milestones(project.get("milestones") or [], project["start_date"],
                         project["end_date"], required=True)


def check_milestones(milestones, start_date, end_date, required=False):
    """Weights are whole percentages summing to 100; due dates fall inside
    the project's period. Raises InvalidInput with field errors."""
    if not milestones:
        if required:
            raise Conflict("a project needs milestones whose weights sum to 100 to be published",
                           errors={"milestones": ["At least one milestone is required."]})
        return
    problems = []
    total = sum(m["weight"] for m in milestones)
    if abs(total - 100) > 1e-9:
        problems.append("Milestone weights must sum to 100, not %g." % total)
    start, end = _as_date(start_date), _as_date(end_date)
    for milestone in milestones:
        if not start <= _as_date(milestone["due_date"]) <= end:
            problems.append("Milestone %r is due outside the project (%s to %s)."
                            % (milestone["title"], start, end))
    titles = [m["title"] for m in milestones]
    if len(set(titles)) != len(titles):
        problems.append("Milestone titles must be unique.")
    if problems:
        raise InvalidInput("the milestones are invalid", errors={"milestones": problems})


# -- deliverables and grades --------------------------------------------------

ENTERPRISE, TUTOR = "enterprise", "tutor"
# a milestone score is the mean of the enterprise's and the tutor's review
REVIEW_SHARES = {ENTERPRISE: 0.5, TUTOR: 0.5}


def is_late(submitted_on, due_date):
    return _as_date(submitted_on) > _as_date(due_date)


def rubric_score(rubric):
    """The weighted mean of the rubric's criterion scores (each 0..100)."""
    total_weight = sum(item["weight"] for item in rubric)
    return round(sum(item["score"] * item["weight"] for item in rubric) / total_weight, 2)


def latest_by(items, key, order="created_at"):
    latest = {}
    for item in sorted(items, key=lambda i: i[order]):
        latest[item[key]] = item
    return latest


def team_grade(milestones, deliverables, reviews):
    """The team's final grade and its lineage.

    For each milestone the graded submission is the latest version; its
    score is ``0.5 x enterprise review + 0.5 x tutor review`` (the latest
    review of each kind on that version); the final grade is the sum of
    ``weight / 100 x milestone score``, rounded to 2 places. Lateness is
    recorded in the lineage but does not change the score. Raises Conflict
    listing what is missing when a milestone lacks a submission or a review.
    """
    latest_version = {}
    for deliverable in deliverables:
        current = latest_version.get(deliverable["milestone_id"])
        if current is None or deliverable["version"] > current["version"]:
            latest_version[deliverable["milestone_id"]] = deliverable
    missing, lineage, grade = [], [], 0.0
    for milestone in milestones:
        deliverable = latest_version.get(milestone["id"])
        if deliverable is None:
            missing.append({"milestone_id": milestone["id"], "missing": "deliverable"})
            continue
        on_version = [r for r in reviews if r["deliverable_id"] == deliverable["_id"]]
        by_kind = latest_by(on_version, "reviewer_kind")
        absent = [kind for kind in REVIEWER_KINDS if kind not in by_kind]
        if absent:
            missing.extend({"milestone_id": milestone["id"], "missing": "%s review" % kind}
                           for kind in absent)
            continue
        score = round(sum(REVIEW_SHARES[k] * by_kind[k]["score"] for k in REVIEWER_KINDS), 2)
        contribution = milestone["weight"] * score / 100
        grade += contribution
        lineage.append({
            "milestone_id": milestone["id"], "title": milestone["title"],
            "weight": milestone["weight"], "score": score,
            "contribution": round(contribution, 2),
            "deliverable_id": deliverable["_id"], "version": deliverable["version"],
            "late": deliverable["late"],
            "reviews": [{"review_id": by_kind[k]["_id"], "reviewer_kind": k,
                         "reviewer": by_kind[k]["reviewer"], "score": by_kind[k]["score"]}
                        for k in REVIEWER_KINDS],
        })
    if missing:
        raise Conflict("the project cannot be evaluated before every milestone is reviewed",
                       missing=missing)
    return {"grade": round(grade, 2), "milestones": lineage}


def on_time(project, delivered_on):
    return _as_date(delivered_on) <= _as_date(project["end_date"])


# -- placements and check-ins -------------------------------------------------

NOT_LOGGED, NOT_CONFIRMED = "not_logged", "not_confirmed"


def week_of(day):
    """The Monday of ``day``'s week: weeks run Monday to Sunday."""
    day = _as_date(day)
    return day - timedelta(days=day.weekday())


def placement_weeks(starts_on, last_day):
    week, last = week_of(starts_on), _as_date(last_day)
    while week <= last:
        yield week
        week += timedelta(days=7)


def last_day(placement):
    return _as_date(placement.get("ended_on") or placement["ends_on"])


def sweep_until(placement, grace_days):
    """The last day on which a sweep can still find a missed week."""
    return week_of(last_day(placement)) + timedelta(days=6 + grace_days)


def missed_checkins(placement, checkins, today, grace_days):
    """The weeks whose check-in is missing or unconfirmed once the grace
    period after the week has passed: ``[(monday, kind)]``.

    A week is due by its Sunday; the grace period gives the student and the
    supervisor ``grace_days`` more days. On the day after that the week is
    missed: ``not_logged`` without a check-in, ``not_confirmed`` with one the
    supervisor has not confirmed.
    """
    today = _as_date(today)
    by_week = {_as_date(c["week_starting"]): c for c in checkins}
    missed = []
    for week in placement_weeks(placement["starts_on"], last_day(placement)):
        if today <= week + timedelta(days=6 + grace_days):
            break
        checkin = by_week.get(week)
        if checkin is None:
            missed.append((week, NOT_LOGGED))
        elif checkin["status"] != "confirmed":
            missed.append((week, NOT_CONFIRMED))
    return missed


def check_checkin_week(placement, week_starting, today):
    week = _as_date(week_starting)
    if week.weekday() != 0:
        raise InvalidInput("a check-in is for a week starting on a Monday",
                           errors={"week_starting": ["Must be a Monday."]})
    if week not in set(placement_weeks(placement["starts_on"], last_day(placement))):
        raise InvalidInput("the week is outside the placement", errors={
            "week_starting": ["The placement runs from %s to %s."
                              % (placement["starts_on"], last_day(placement))]})
    if week > _as_date(today):
        raise InvalidInput("a week cannot be logged before it starts",
                           errors={"week_starting": ["This week has not started yet."]})


def check_end(placement, ended_on, reason):
    if placement["status"] != "active":
        raise Conflict("the placement has already ended", status=placement["status"])
    ended, ends = _as_date(ended_on), _as_date(placement["ends_on"])
    if ended < _as_date(placement["starts_on"]) or ended > ends:
        raise InvalidInput("the end date is outside the placement",
                           errors={"ended_on": ["Must be between %s and %s."
                                                % (placement["starts_on"], ends)]})
    early = ended < ends
    if early and not reason:
        raise InvalidInput("ending a placement early needs a reason",
                           errors={"reason": ["Required when ending before %s." % ends]})
    return early


# -- who may see and act ------------------------------------------------------

def check_visible(actor, what, object_id, enterprise_id=None, student_ids=()):
    """Enterprise users reach their own enterprise's objects only; students
    only objects they belong to. Anyone else is told the object does not
    exist (404), so nothing leaks about other enterprises or students."""
    actor = actor or {}
    hidden = (
        (actor.get("kind") == "enterprise"
         and (not actor.get("enterprise_id") or actor["enterprise_id"] != enterprise_id))
        or (actor.get("kind") == "student"
            and (not actor.get("student_id") or actor["student_id"] not in student_ids))
    )
    if hidden:
        raise NotFound("%s %s does not exist" % (what, object_id))


def check_may_place(actor, student_id, sponsor_id, assigned_by_college):
    """Whom an enterprise may place: a student it sponsors (order class,
    apprenticeship), or one the college already assigned to it (on a team of
    one of its projects, or placed with it before). Any other student does not
    exist for it (404), so a placement can never create the relation that would
    show it the student. The college's own staff place any active student."""
    actor = actor or {}
    if actor.get("kind") != "enterprise":
        return
    enterprise_id = actor.get("enterprise_id")
    if not enterprise_id or not (sponsor_id == enterprise_id or assigned_by_college):
        raise NotFound("student %s does not exist" % student_id)


# -- two-way feedback ---------------------------------------------------------

ENTERPRISE_TO_STUDENT, STUDENT_TO_ENTERPRISE = "enterprise_to_student", "student_to_enterprise"
RATING_KEYS = {
    ENTERPRISE_TO_STUDENT: ("competencies", "conduct"),
    STUDENT_TO_ENTERPRISE: ("learning_value", "safety", "mentoring"),
}


def check_ratings(direction, ratings):
    expected = set(RATING_KEYS[direction])
    errors = {}
    for key in expected - set(ratings):
        errors[key] = ["Missing rating."]
    for key in set(ratings) - expected:
        errors[key] = ["Not rated in this direction; expected %s." % ", ".join(
            sorted(expected))]
    if errors:
        raise InvalidInput("the ratings do not match the feedback direction",
                           errors={"ratings": errors})
    return round(sum(ratings.values()) / len(ratings), 2)


def as_date(value):
    """A date from a date, a datetime or an ISO string."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


_as_date = as_date
