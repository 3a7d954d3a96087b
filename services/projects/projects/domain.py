"""The projects domain as plain Python: lifecycle, grading, check-in rules,
visibility and feedback. No broker, no database; the current time is always
a parameter, so every rule is unit-tested directly."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence

from college_contracts.projects import PROJECT_STATUSES, REVIEWER_KINDS
from college_platform.actors import Actor
from college_platform.actors import check_visible as check_visible
from college_platform.errors import Conflict, InvalidInput, NotFound

Document = dict[str, Any]

# -- finding projects ---------------------------------------------------------


def title_search(text: str) -> Document:
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


def check_transition(project: Document, target: str) -> None:
    """Raise Conflict unless ``project`` may move to ``target``; the
    preconditions of each step are checked here too."""
    current = project["status"]
    if target not in TRANSITIONS.get(current, ()):
        raise Conflict("a %s project cannot become %s" % (current, target),
                       status=current, allowed=list(TRANSITIONS.get(current, ())))
    if target == PUBLISHED:
        check_milestones(project.get("milestones") or [], project["start_date"],
                         project["end_date"], required=True)


def check_milestones(milestones: Sequence[Document], start_date: Any, end_date: Any,
                     required: bool = False) -> None:
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


def check_milestones_editable(project: Document) -> None:
    """A project's milestones change only while it is a draft."""
    if project["status"] != DRAFT:
        raise Conflict("milestones are fixed once a project is published",
                       status=project["status"])


# a student who leaves the college leaves the teams of the projects still under way
UNDER_WAY_STATUSES = (PUBLISHED, IN_PROGRESS, DELIVERED)


def is_under_way(project: Optional[Document]) -> bool:
    if not project:
        return False
    return project["status"] in UNDER_WAY_STATUSES


# -- teams --------------------------------------------------------------------


def check_team_formable(project: Document, student_ids: Sequence[str]) -> None:
    """Teams are formed while a project is published or in progress, no
    larger than its team size."""
    if project["status"] not in TEAM_STATUSES:
        raise Conflict("teams are formed while a project is published or in progress",
                       status=project["status"])
    if len(student_ids) > project["team_size"]:
        raise InvalidInput("the team is too large", errors={
            "student_ids": ["At most %d students per team." % project["team_size"]]})


def check_team_members(project: Document, student_ids: Sequence[str],
                       students: Mapping[str, Document], tutor: Optional[Document],
                       mentor: Optional[Document]) -> None:
    """A team is enrolled, active students (``students``: the known ones by
    id) with a college teacher as tutor and an industry mentor of the posting
    enterprise. Raises InvalidInput naming every field at fault."""
    errors = {}
    inactive = [s for s in student_ids if students.get(s, {}).get("status") != "active"]
    if inactive:
        errors["student_ids"] = ["Not an enrolled, active student: %s." % ", ".join(inactive)]
    if not tutor or tutor["kind"] != "teacher":
        errors["tutor_id"] = ["Not a known college teacher."]
    if not mentor or mentor["kind"] != "industry" or \
            mentor.get("enterprise_id") != project["enterprise_id"]:
        errors["mentor_id"] = ["Not a known industry mentor of the posting enterprise."]
    if errors:
        raise InvalidInput("the team cannot be formed", errors=errors)


def check_one_team_per_project(taken: Sequence[str]) -> None:
    """A student is on one team of a project at most (``taken``: those of the
    new team already on one)."""
    if taken:
        raise Conflict("a student is already on a team of this project", student_ids=list(taken))


# -- projects posted and revised by enterprise systems ------------------------

UPDATABLE_WHILE_DRAFT = ("title", "brief", "team_size", "start_date", "end_date")
UPDATABLE_LATER = ("title", "brief")


def iso(value: Any) -> Any:
    """A date as its ISO string; anything else as it is."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def is_older_revision(project: Document, revision: int) -> bool:
    """Whether an enterprise's revision is not above the one last applied."""
    return revision <= (project.get("revision") or 0)


def revised_terms(project: Document, data: Mapping[str, Any]) -> Document:
    """The changes an enterprise's revision of its project makes: title, brief,
    team size and dates while a draft, title and brief later (a re-post repeats
    every field: only a value that would change is refused). The changed
    project still ends after it starts, and a draft's milestones still fit."""
    allowed = UPDATABLE_WHILE_DRAFT if project["status"] == DRAFT else UPDATABLE_LATER
    refused = [key for key in UPDATABLE_WHILE_DRAFT if key in data and key not in allowed
               and iso(data[key]) != project.get(key)]
    if refused:
        raise Conflict("%s can change only while the project is a draft (it is %s)"
                       % (", ".join(refused), project["status"]))
    changes = {key: iso(data[key]) for key in allowed if key in data}
    changed = {**project, **changes}
    if changed["end_date"] < changed["start_date"]:
        raise InvalidInput("the project would end before it starts", errors={
            "end_date": ["%s is before the start, %s." % (changed["end_date"],
                                                          changed["start_date"])]})
    if project["status"] == DRAFT:
        check_milestones(changed["milestones"], changed["start_date"], changed["end_date"])
    return changes


def check_milestone_titled(project: Document, title: str) -> None:
    if not any(m["title"] == title for m in project["milestones"]):
        raise InvalidInput("the project has no such milestone", errors={
            "milestone_title": ["No milestone %s in project %s." % (title, project["_id"])]})


# -- deliverables and grades --------------------------------------------------

ENTERPRISE, TUTOR = "enterprise", "tutor"
# a milestone score is the mean of the enterprise's and the tutor's review
REVIEW_SHARES = {ENTERPRISE: 0.5, TUTOR: 0.5}
GRADE_RULE = ("milestone score = 0.5 x enterprise review + 0.5 x tutor review (latest review of "
              "each kind on the latest version); grade = sum of weight/100 x milestone score")


def check_submission_open(project: Document) -> None:
    if project["status"] not in SUBMISSION_STATUSES:
        raise Conflict("deliverables are submitted while a project is in progress",
                       status=project["status"])


def milestone_of(project: Document, milestone_id: str) -> Document:
    """The project's milestone ``milestone_id``, or InvalidInput."""
    milestone = next((m for m in project["milestones"] if m["id"] == milestone_id), None)
    if milestone is None:
        raise InvalidInput("no such milestone", errors={
            "milestone_id": ["Not a milestone of project %s." % project["_id"]]})
    return milestone


def check_review_open(project: Document) -> None:
    if project["status"] not in REVIEW_STATUSES:
        raise Conflict("deliverables are reviewed while a project is in progress or delivered",
                       status=project["status"])


def check_reviewer(reviewer_kind: str, actor: Actor, team: Document) -> None:
    """Only the team's tutor reviews as its tutor: a teacher account not
    linked to a mentor record is nobody's tutor."""
    actor = actor or {}
    if reviewer_kind == TUTOR and actor.get("kind") == "teacher" and \
            actor.get("mentor_id") != team["tutor_id"]:
        raise Conflict("only the team's tutor reviews as its tutor", tutor_id=team["tutor_id"])


def is_late(submitted_on: Any, due_date: Any) -> bool:
    return _as_date(submitted_on) > _as_date(due_date)


def rubric_score(rubric: Sequence[Document]) -> float:
    """The weighted mean of the rubric's criterion scores (each 0..100)."""
    total_weight = sum(item["weight"] for item in rubric)
    return round(sum(item["score"] * item["weight"] for item in rubric) / total_weight, 2)


def latest_by(items: Iterable[Document], key: str, order: str = "created_at"
              ) -> dict[Any, Document]:
    latest: dict[Any, Document] = {}
    for item in sorted(items, key=lambda i: i[order]):
        latest[item[key]] = item
    return latest


def team_grade(milestones: Sequence[Document], deliverables: Sequence[Document],
               reviews: Sequence[Document]) -> Document:
    """The team's final grade and its lineage.

    For each milestone the graded submission is the latest version; its
    score is ``0.5 x enterprise review + 0.5 x tutor review`` (the latest
    review of each kind on that version); the final grade is the sum of
    ``weight / 100 x milestone score``, rounded to 2 places. Lateness is
    recorded in the lineage but does not change the score. Raises Conflict
    listing what is missing when a milestone lacks a submission or a review.
    """
    latest_version: dict[str, Document] = {}
    for submitted in deliverables:
        current = latest_version.get(submitted["milestone_id"])
        if current is None or submitted["version"] > current["version"]:
            latest_version[submitted["milestone_id"]] = submitted
    missing: list[Document] = []
    lineage: list[Document] = []
    grade = 0.0
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


def on_time(project: Document, delivered_on: Any) -> bool:
    return _as_date(delivered_on) <= _as_date(project["end_date"])


# -- placements and check-ins -------------------------------------------------

NOT_LOGGED, NOT_CONFIRMED = "not_logged", "not_confirmed"


def check_placement(student: Optional[Document], partner: Optional[Document]) -> None:
    """A placement is of an enrolled, active student with a known partner."""
    errors = {}
    if not student or student.get("status") != "active":
        errors["student_id"] = ["Not an enrolled, active student."]
    if not partner:
        errors["enterprise_id"] = ["Not a known partner enterprise."]
    if errors:
        raise InvalidInput("the placement cannot start", errors=errors)


def check_checkin_open(placement: Document) -> None:
    if placement["status"] != "active":
        raise Conflict("check-ins are logged on an active placement", status=placement["status"])


def week_of(day: Any) -> date:
    """The Monday of ``day``'s week: weeks run Monday to Sunday."""
    day = _as_date(day)
    return day - timedelta(days=day.weekday())


def placement_weeks(starts_on: Any, last_day: Any) -> Iterator[date]:
    week, last = week_of(starts_on), _as_date(last_day)
    while week <= last:
        yield week
        week += timedelta(days=7)


def last_day(placement: Document) -> date:
    return _as_date(placement.get("ended_on") or placement["ends_on"])


def sweep_until(placement: Document, grace_days: int) -> date:
    """The last day on which a sweep can still find a missed week."""
    return week_of(last_day(placement)) + timedelta(days=6 + grace_days)


def missed_checkins(placement: Document, checkins: Iterable[Document], today: Any,
                    grace_days: int) -> list[tuple[date, str]]:
    """The weeks whose check-in is missing or unconfirmed once the grace
    period after the week has passed: ``[(monday, kind)]``.

    A week is due by its Sunday; the grace period gives the student and the
    supervisor ``grace_days`` more days. On the day after that the week is
    missed: ``not_logged`` without a check-in, ``not_confirmed`` with one the
    supervisor has not confirmed.
    """
    today = _as_date(today)
    by_week = {_as_date(c["week_starting"]): c for c in checkins}
    missed: list[tuple[date, str]] = []
    for week in placement_weeks(placement["starts_on"], last_day(placement)):
        if today <= week + timedelta(days=6 + grace_days):
            break
        checkin = by_week.get(week)
        if checkin is None:
            missed.append((week, NOT_LOGGED))
        elif checkin["status"] != "confirmed":
            missed.append((week, NOT_CONFIRMED))
    return missed


def check_checkin_week(placement: Document, week_starting: Any, today: Any) -> None:
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


def check_end(placement: Document, ended_on: Any, reason: Optional[str]) -> bool:
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


def end_date_within(placement: Document, day: Any) -> date:
    """``day``, or the nearest day of the placement's period: a placement that
    must end on a given day (its student graduated) can always end by the
    normal rules, even one past its planned end or not yet begun."""
    return min(max(_as_date(day), _as_date(placement["starts_on"])),
               _as_date(placement["ends_on"]))


# -- who may see and act ------------------------------------------------------

def check_may_place(actor: Actor, student_id: str, sponsor_id: Optional[str],
                    assigned_by_college: bool) -> None:
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


def check_ratings(direction: str, ratings: Mapping[str, float]) -> float:
    expected = set(RATING_KEYS[direction])
    errors: dict[str, list[str]] = {}
    for key in expected - set(ratings):
        errors[key] = ["Missing rating."]
    for key in set(ratings) - expected:
        errors[key] = ["Not rated in this direction; expected %s." % ", ".join(
            sorted(expected))]
    if errors:
        raise InvalidInput("the ratings do not match the feedback direction",
                           errors={"ratings": errors})
    return round(sum(ratings.values()) / len(ratings), 2)


def check_feedback_direction(actor: Actor, direction: str) -> None:
    """A student rates the enterprise, an enterprise the student."""
    actor = actor or {}
    if actor.get("kind") == "student" and direction != STUDENT_TO_ENTERPRISE:
        raise InvalidInput("a student rates the enterprise", errors={
            "direction": ["Students give student_to_enterprise feedback."]})
    if actor.get("kind") == "enterprise" and direction != ENTERPRISE_TO_STUDENT:
        raise InvalidInput("an enterprise rates the student", errors={
            "direction": ["Enterprises give enterprise_to_student feedback."]})


def check_placement_student(placement: Document, student_id: Optional[str]) -> None:
    """Feedback on a placement is about its student, if it names one."""
    if student_id not in (None, placement["student_id"]):
        raise InvalidInput("the student is not the placement's", errors={
            "student_id": ["Placement %s is student %s's." % (placement["_id"],
                                                              placement["student_id"])]})


def rated_student(actor: Actor, student_id: Optional[str]) -> str:
    """Whom feedback on a project is about: a student rates as themselves,
    anyone else names the student."""
    actor = actor or {}
    rated = actor.get("student_id") if actor.get("kind") == "student" else student_id
    if not rated:
        raise InvalidInput("name the student rated", errors={
            "student_id": ["Required for feedback on a project."]})
    return str(rated)


def check_project_member(project: Document, is_member: bool) -> None:
    if not is_member:
        raise InvalidInput("the student is not on the project", errors={
            "student_id": ["Not a member of a team of project %s." % project["_id"]]})


def feedback_id(subject_kind: str, subject_id: str, direction: str, student_id: str) -> str:
    """One feedback per direction, subject and student."""
    return "%s:%s:%s:%s" % (subject_kind, subject_id, direction, student_id)


def received_feedback(enterprise_id: Optional[str], student_id: Optional[str]
                      ) -> tuple[Document, str]:
    """Whose received feedback a summary averages: an enterprise's, from
    students, or a student's, from enterprises."""
    if enterprise_id:
        return {"enterprise_id": enterprise_id}, STUDENT_TO_ENTERPRISE
    return {"student_id": student_id}, ENTERPRISE_TO_STUDENT


# -- local copies of other services' records ----------------------------------

WITHDRAWN, GRADUATED = "withdrawn", "graduated"


def is_team_mentor_assignment(role: str, team_id: Optional[str]) -> bool:
    """A mentor assignment that names a team's mentor."""
    return role == "team_mentor" and bool(team_id)


def as_date(value: Any) -> date:
    """A date from a date, a datetime or an ISO string."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


_as_date = as_date


# -- graduates' employment reported by enterprise systems ------------------------------------

def check_may_report_hire(student: Optional[Document], student_id: str, enterprise_id: str,
                          hosted: bool) -> None:
    """An enterprise reports hiring only a graduate it is related to (it
    sponsored them, or hosted one of their placements): any other student is
    not its business, "not found" as in the API."""
    if student is None or not (student.get("partner_id") == enterprise_id or hosted):
        raise NotFound("the enterprise has no graduate %s" % student_id)
    if student.get("status") != GRADUATED:
        raise Conflict("student %s has not graduated" % student_id)


def check_may_report_departure(student: Optional[Document], student_id: str,
                               enterprise_id: str) -> None:
    """Only the employer the college recorded reports that a graduate left."""
    if student is None or student.get("employer_id") != enterprise_id:
        raise NotFound("the enterprise employs no graduate %s" % student_id)


def employer_of(destination: Document) -> Optional[str]:
    """The partner that employs a graduate, from enrollment's ``destination_recorded``."""
    if destination["outcome"] in ("hired_by_sponsor", "hired_by_other"):
        employer: Optional[str] = destination.get("enterprise_id")
        return employer
    return None
