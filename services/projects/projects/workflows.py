"""Every state change of the projects service, as functions of one unit of
work (``uow``: database, session and outbox). The service's entrypoints call
them inside ``store.transact``; so can any other entrypoint that needs the
same change (an inbound enterprise-system contract, for example).

Each function reads and writes only through ``uow.records`` (the
collections in domain verbs, ``projects.records``), checks the rules of
``projects.domain`` and emits the event that announces the change, so the
write and its event commit together. tests/test_projects_workflows.py runs
them over an in-memory fake of the records.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional, Sequence

from college_contracts import checked, emitter
from college_platform.errors import Conflict, InvalidInput, NotFound
from college_platform.repository import new_id
from projects import domain
from projects.domain import Actor, Document

UnitOfWork = Any  # college_platform.mongo.UnitOfWork[ProjectsRecords], or fakes.FakeUnitOfWork
emit = emitter("projects")
GRADE_RULE = domain.GRADE_RULE


# -- what an actor may see ----------------------------------------------------

def visible_project(uow: UnitOfWork, project_id: str, actor: Actor) -> Document:
    project = uow.records.project(project_id)
    domain.check_visible(actor, "project", project_id, enterprise_id=project["enterprise_id"],
                         student_ids=uow.records.member_ids(project_id))
    return project


def visible_team(uow: UnitOfWork, team_id: str, actor: Actor) -> Document:
    team = uow.records.team(team_id)
    domain.check_visible(actor, "team", team_id, enterprise_id=team["enterprise_id"],
                         student_ids=team["student_ids"])
    return team


def visible_deliverable(uow: UnitOfWork, deliverable_id: str, actor: Actor
                        ) -> tuple[Document, Document]:
    deliverable = uow.records.deliverable(deliverable_id)
    team = uow.records.team(deliverable["team_id"])
    check_deliverable_visible(actor, deliverable, team)
    return deliverable, team


def check_deliverable_visible(actor: Actor, deliverable: Document, team: Document) -> None:
    """A deliverable is seen by whoever sees its team."""
    domain.check_visible(actor, "deliverable", deliverable["_id"],
                         enterprise_id=team["enterprise_id"], student_ids=team["student_ids"])


def deliverable_with_reviews(uow: UnitOfWork, deliverable_id: str, actor: Actor) -> Document:
    """A deliverable the actor may see, with its first 100 reviews."""
    deliverable, _ = visible_deliverable(uow, deliverable_id, actor)
    return {**deliverable, "reviews": uow.records.reviews_of(deliverable_id)}


def visible_placement(uow: UnitOfWork, placement_id: str, actor: Actor) -> Document:
    placement = uow.records.placement(placement_id)
    check_placement_visible(actor, placement)
    return placement


def check_placement_visible(actor: Actor, placement: Document) -> None:
    """A placement is seen by its enterprise and its student (and the college)."""
    domain.check_visible(actor, "placement", placement["_id"],
                         enterprise_id=placement["enterprise_id"],
                         student_ids=[placement["student_id"]])


def announce_update(uow: UnitOfWork, project: Document, changed: Sequence[str],
                    revision: Optional[int] = None) -> None:
    """``project_updated`` when some of its terms changed: the views show its
    title, and its dates decide when feedback on it falls due."""
    if changed:
        emit(uow, "project_updated", {
            "project_id": project["_id"], "enterprise_id": project["enterprise_id"],
            "revision": revision, "changed": list(changed),
            "student_ids": uow.records.member_ids(project["_id"])})


# -- projects -----------------------------------------------------------------

def draft_project(uow: UnitOfWork, fields: Document, now: datetime, actor: Actor,
                  external_ref: Optional[str] = None, revision: Optional[int] = None) -> Document:
    """A new draft posted by a known partner (through the API, or by the
    enterprise's own system with its reference and revision)."""
    drafted: Document = draft_projects(uow, [(fields, actor, external_ref, revision)], now)[0]
    return drafted


def draft_projects(uow: UnitOfWork, drafts: Sequence[tuple[Document, Actor, Optional[str],
                                                    Optional[int]]],
                   now: datetime) -> list[Document]:
    """``draft_project`` for many drafts, written with one statement per
    collection: ``drafts`` is ``[(fields, actor, external_ref, revision)]``.
    Returns the projects in the same order; any refused draft refuses all."""
    projects = [new_draft(new_id(), fields, actor, external_ref, revision, now)
                for fields, actor, external_ref, revision in drafts]
    unknown = unknown_partners(uow, projects)
    if unknown:
        raise unknown[0][1]
    uow.records.add_projects(projects)
    uow.emit_many("project_drafted", [drafted(project) for project in projects])
    return projects


def new_draft(project_id: str, fields: Document, actor: Actor, external_ref: Optional[str],
              revision: Optional[int], now: datetime) -> Document:
    """The draft project as stored, once its milestones and poster are checked."""
    project = {"_id": project_id, **fields, "status": domain.DRAFT, "created_at": now,
               "start_date": str(fields["start_date"]), "end_date": str(fields["end_date"]),
               "milestones": milestone_records(fields.get("milestones", [])),
               "status_history": [{"status": domain.DRAFT, "at": now,
                                   "by": (actor or {}).get("username"), "reason": None}]}
    if external_ref is not None:
        project.update(external_ref=external_ref, revision=revision)
    domain.check_milestones(project["milestones"], project["start_date"], project["end_date"])
    domain.check_visible(actor, "enterprise", project["enterprise_id"],
                         enterprise_id=project["enterprise_id"])
    return project


def unknown_partners(uow: UnitOfWork, projects: Sequence[Document]
                     ) -> list[tuple[int, InvalidInput]]:
    """``[(position, refusal)]`` of the projects posted by no known partner."""
    partners = uow.records.known_partners({project["enterprise_id"] for project in projects})
    return [(index, InvalidInput("the posting enterprise is not a known partner", errors={
        "enterprise_id": ["Unknown partner enterprise %s." % project["enterprise_id"]]}))
        for index, project in enumerate(projects) if project["enterprise_id"] not in partners]


def drafted(project: Document) -> Document:
    return checked("projects", "project_drafted", {
        "project_id": project["_id"], "enterprise_id": project["enterprise_id"],
        "title": project["title"], "team_size": project["team_size"]})


def add_drafts_once(uow: UnitOfWork, projects: Sequence[Document],
                    caused_by: Sequence[str]) -> None:
    """Store and announce drafts whose ids are derived from the events that
    posted them (``caused_by``, one per project), with no transaction: a
    project already stored is an earlier run's, and its announcement is
    derived from the same event, so a second run adds nothing."""
    uow.records.add_new_projects(list(projects))
    uow.emit_many("project_drafted", [drafted(project) for project in projects],
                  caused_by=list(caused_by))


def set_milestones(uow: UnitOfWork, project_id: str, milestones: Sequence[Document],
                   actor: Actor) -> Document:
    project = visible_project(uow, project_id, actor)
    domain.check_milestones_editable(project)
    stored = milestone_records(milestones)
    domain.check_milestones(stored, project["start_date"], project["end_date"])
    uow.records.set_milestones(project_id, stored)
    return {**project, "milestones": stored}


def milestone_records(milestones: Sequence[Document]) -> list[Document]:
    return [{"id": new_id(), "title": m["title"], "due_date": str(m["due_date"]),
             "weight": m["weight"], "description": m.get("description")} for m in milestones]


def transition_project(uow: UnitOfWork, project_id: str, target: str, actor: Actor, now: datetime,
                       reason: Optional[str] = None,
                       delivered_on: Optional[date] = None) -> Document:
    """Move a project along its lifecycle. ``evaluated`` computes and stores
    each team member's grade and announces ``project_completed``."""
    project = visible_project(uow, project_id, actor)
    domain.check_transition(project, target)
    previous_status = project["status"]
    changes: Document = {"status": target}
    history = {"status": target, "at": now, "by": (actor or {}).get("username"),
               "reason": reason}
    if target == domain.DELIVERED:
        changes["delivered_on"] = str(delivered_on or now.date())
        changes["on_time"] = domain.on_time(project, changes["delivered_on"])
    if target == domain.EVALUATED:
        _evaluate(uow, project, now)
    # the status guard makes a concurrent transition of the same project fail
    if not uow.records.move_project(project, changes, history):
        raise Conflict("the project changed meanwhile; reload and retry")
    project = {**project, **changes,
               "status_history": project.get("status_history", []) + [history]}
    emit(uow, "project_status_changed", {
        "project_id": project_id, "enterprise_id": project["enterprise_id"],
        "previous_status": previous_status, "status": target,
        "student_ids": uow.records.member_ids(project_id)})
    if target == domain.PUBLISHED:
        emit(uow, "project_published", {
            "project_id": project_id, "enterprise_id": project["enterprise_id"],
            "title": project["title"], "course_code": project.get("course_code"),
            "credit_weight": project.get("credit_weight", 0.0)})
    return project


def _evaluate(uow: UnitOfWork, project: Document, now: datetime) -> None:
    teams = uow.records.teams_of(project["_id"])
    if not any(team["student_ids"] for team in teams):
        raise Conflict("a project without team members cannot be evaluated")
    grades: list[Document] = []
    evidence: list[Document] = []
    for team in teams:
        if not team["student_ids"]:
            continue
        deliverables = uow.records.deliverables_of(team["_id"])
        reviews = uow.records.reviews_of_team(team["_id"])
        try:
            result = domain.team_grade(project["milestones"], deliverables, reviews)
        except Conflict as exc:
            raise Conflict("team %s: %s" % (team.get("name") or team["_id"], exc.detail),
                           team_id=team["_id"], **exc.extra)
        urls = {d["_id"]: d["url"] for d in deliverables}
        for student_id in team["student_ids"]:
            uow.records.add_grade({
                "_id": "%s:%s" % (project["_id"], student_id), "project_id": project["_id"],
                "enterprise_id": project["enterprise_id"], "team_id": team["_id"],
                "student_id": student_id, "grade": result["grade"],
                "rule": GRADE_RULE, "milestones": result["milestones"], "created_at": now,
            })
            grades.append({"student_id": student_id, "grade": result["grade"]})
            evidence.extend({"student_id": student_id, "deliverable_id": m["deliverable_id"],
                             "url": urls[m["deliverable_id"]]} for m in result["milestones"])
    uow.count("projects_completed", "Projects completed, on time or late.",
              on_time=str(bool(project.get("on_time"))).lower())
    emit(uow, "project_completed", {
        "project_id": project["_id"], "enterprise_id": project["enterprise_id"],
        "course_code": project.get("course_code"),
        "credit_weight": project.get("credit_weight", 0.0),
        "on_time": bool(project.get("on_time")), "grades": grades, "evidence": evidence})


# -- teams --------------------------------------------------------------------

def form_team(uow: UnitOfWork, project_id: str, student_ids: Sequence[str], tutor_id: str,
              mentor_id: str, now: datetime, name: Optional[str] = None,
              actor: Actor = None) -> Document:
    project = visible_project(uow, project_id, actor)
    domain.check_team_formable(project, student_ids)
    domain.check_team_members(project, student_ids, uow.records.students(list(student_ids)),
                              uow.records.mentor(tutor_id), uow.records.mentor(mentor_id))
    team = {"_id": new_id(), "project_id": project_id, "enterprise_id": project["enterprise_id"],
            "name": name, "student_ids": list(student_ids), "removed": [],
            "tutor_id": tutor_id, "mentor_id": mentor_id, "created_at": now}
    domain.check_one_team_per_project(uow.records.members_among(project_id, list(student_ids)))
    uow.records.add_team(team, [
        {"_id": "%s:%s" % (project_id, student_id), "project_id": project_id,
         "team_id": team["_id"], "student_id": student_id, "created_at": now}
        for student_id in student_ids])
    emit(uow, "team_formed", {
        "project_id": project_id, "team_id": team["_id"],
        "enterprise_id": project["enterprise_id"], "student_ids": list(student_ids),
        "tutor_id": tutor_id, "mentor_id": mentor_id})
    return team


def remove_student_from_active_teams(uow: UnitOfWork, student_id: str, reason: str,
                                     now: datetime) -> list[str]:
    """Take a student off every team whose project is still under way."""
    removed = []
    for membership in uow.records.memberships_of(student_id):
        if not domain.is_under_way(uow.records.find_project(membership["project_id"])):
            continue
        uow.records.remove_member(membership, {"student_id": student_id, "reason": reason,
                                               "at": now})
        emit(uow, "team_member_removed", {
            "project_id": membership["project_id"], "team_id": membership["team_id"],
            "student_id": student_id, "reason": reason})
        removed.append(membership["team_id"])
    return removed


def assign_team_mentor(uow: UnitOfWork, team_id: str, mentor_id: str) -> None:
    """The mentors service assigned a team's mentor: the team remembers it."""
    uow.records.set_team_mentor(team_id, mentor_id)


# -- deliverables and reviews -------------------------------------------------

def submit_deliverable(uow: UnitOfWork, team_id: str, fields: Document, actor: Actor,
                       now: datetime) -> Document:
    team = visible_team(uow, team_id, actor)
    project = uow.records.project(team["project_id"])
    domain.check_submission_open(project)
    milestone = domain.milestone_of(project, fields["milestone_id"])
    previous = uow.records.latest_version(team_id, milestone["id"])
    deliverable = {
        "_id": new_id(), "project_id": project["_id"], "team_id": team_id,
        "milestone_id": milestone["id"], "version": (previous["version"] + 1) if previous else 1,
        "title": fields["title"], "url": fields["url"], "content_hash": fields["content_hash"],
        "metadata": fields["metadata"], "submitted_by": (actor or {}).get("username"),
        "submitted_on": str(now.date()), "late": domain.is_late(now, milestone["due_date"]),
        "created_at": now,
    }
    uow.records.add_deliverable(deliverable)
    return deliverable


def review_deliverable(uow: UnitOfWork, deliverable_id: str, fields: Document, actor: Actor,
                       now: datetime) -> Document:
    """Four statements: the deliverable read with its team and project at
    once, the review and its announcement inserted, the commit."""
    deliverable, team, project = uow.records.deliverable_in_context(deliverable_id)
    check_deliverable_visible(actor, deliverable, team)
    if project is None:
        raise NotFound("project %s does not exist" % deliverable["project_id"],
                       id=deliverable["project_id"])
    domain.check_review_open(project)
    domain.check_reviewer(fields["reviewer_kind"], actor, team)
    review = {
        "_id": new_id(), "deliverable_id": deliverable_id, "team_id": team["_id"],
        "project_id": project["_id"], "milestone_id": deliverable["milestone_id"],
        "version": deliverable["version"], "reviewer_kind": fields["reviewer_kind"],
        "reviewer": (actor or {}).get("username"), "rubric": fields["rubric"],
        "score": domain.rubric_score(fields["rubric"]), "comment": fields.get("comment"),
        "created_at": now,
    }
    uow.records.add_review(review)
    emit(uow, "deliverable_reviewed", {
        "project_id": project["_id"], "team_id": team["_id"],
        "milestone_id": deliverable["milestone_id"], "deliverable_id": deliverable_id,
        "version": deliverable["version"], "reviewer_kind": review["reviewer_kind"],
        "score": review["score"], "late": deliverable["late"]})
    return review


# -- placements ---------------------------------------------------------------

def start_placement(uow: UnitOfWork, fields: Document, now: datetime, grace_days: int,
                    actor: Actor = None) -> Document:
    domain.check_visible(actor, "enterprise", fields["enterprise_id"],
                         enterprise_id=fields["enterprise_id"])
    student = uow.records.student(fields["student_id"])
    domain.check_may_place(actor, fields["student_id"], (student or {}).get("partner_id"),
                           assigned_by_college=(actor or {}).get("kind") == "enterprise"
                           and uow.records.assigned_to(fields["student_id"],
                                                       fields["enterprise_id"]))
    domain.check_placement(student, uow.records.partner(fields["enterprise_id"]))
    placement = {"_id": new_id(), **fields, "starts_on": str(fields["starts_on"]),
                 "ends_on": str(fields["ends_on"]), "ended_on": None, "end_reason": None,
                 "status": "active", "hours": 0.0, "created_at": now}
    placement["sweep_until"] = str(domain.sweep_until(placement, grace_days))
    placement["sweep_done"] = False
    uow.records.add_placement(placement)
    emit(uow, "placement_started", {
        "placement_id": placement["_id"], "student_id": placement["student_id"],
        "enterprise_id": placement["enterprise_id"], "starts_on": placement["starts_on"],
        "ends_on": placement["ends_on"]})
    return placement


def log_checkin(uow: UnitOfWork, placement_id: str, fields: Document, actor: Actor,
                now: datetime) -> Document:
    """Four statements: the placement read, the check-in and its
    announcement inserted, the commit. The transaction stays: an API call
    that dies halfway is not reliably delivered again (its request expires
    with its deadline), so nothing would write an announcement left out."""
    placement = visible_placement(uow, placement_id, actor)
    domain.check_checkin_open(placement)
    domain.check_checkin_week(placement, fields["week_starting"], now.date())
    checkin = {"_id": "%s:%s" % (placement_id, fields["week_starting"]),
               "placement_id": placement_id, "week_starting": str(fields["week_starting"]),
               "hours": fields["hours"], "summary": fields["summary"], "status": "logged",
               "confirmed_by": None, "confirmed_at": None, "created_at": now}
    uow.records.add_checkin(checkin)
    announce_checkin(uow, "checkin_logged", placement, checkin)
    return checkin


def announce_checkin(uow: UnitOfWork, event_type: str, placement: Document,
                     checkin: Document) -> None:
    emit(uow, event_type, {
        "placement_id": placement["_id"], "student_id": placement["student_id"],
        "enterprise_id": placement["enterprise_id"], "week_starting": checkin["week_starting"],
        "hours": checkin["hours"]})


def confirm_checkin(uow: UnitOfWork, placement_id: str, week_starting: str, actor: Actor,
                    now: datetime) -> Document:
    """Five statements: the placement read with the check-in at once, the
    check-in confirmed, the hours added, the announcement, the commit."""
    checkin_id = "%s:%s" % (placement_id, week_starting)
    placement, checkin = uow.records.placement_and_checkin(placement_id, checkin_id)
    check_placement_visible(actor, placement)
    if checkin is None:
        raise NotFound("check-in %s does not exist" % checkin_id, id=checkin_id)
    confirmed_by = (actor or {}).get("username")
    # only a logged check-in turns confirmed, so its hours count once; the update
    # keeps the condition, as a concurrent confirmation may have committed since the read
    if checkin["status"] != "logged" or \
            not uow.records.confirm_checkin(checkin_id, confirmed_by, now):
        raise Conflict("the check-in is already confirmed")
    checkin = {**checkin, "status": "confirmed", "confirmed_by": confirmed_by,
               "confirmed_at": now}
    uow.records.add_hours(placement["_id"], checkin["hours"])
    announce_checkin(uow, "checkin_confirmed", placement, checkin)
    return checkin


def end_placement(uow: UnitOfWork, placement_id: str, ended_on: date, reason: Optional[str],
                  actor: Actor, now: datetime, grace_days: int) -> Document:
    placement = visible_placement(uow, placement_id, actor)
    early = domain.check_end(placement, ended_on, reason)
    changes = {"status": "ended", "ended_on": str(ended_on), "end_reason": reason}
    changes["sweep_until"] = str(domain.sweep_until({**placement, **changes}, grace_days))
    if not uow.records.end_placement(placement_id, changes):
        raise Conflict("the placement has already ended")
    placement = {**placement, **changes}
    emit(uow, "placement_ended", {
        "placement_id": placement_id, "student_id": placement["student_id"],
        "enterprise_id": placement["enterprise_id"], "ended_on": placement["ended_on"],
        "early": early, "reason": reason, "hours": placement["hours"]})
    return placement


def raise_missed_checkins(uow: UnitOfWork, placement_id: str, today: date, grace_days: int,
                          now: datetime) -> list[Document]:
    """One alert, and one ``checkin_missed``, per missed week: the alert's id
    is the placement and week, so a second sweep (or instance) adds nothing.
    The placement is read inside the transaction: an early end committed
    meanwhile shortens the weeks judged."""
    placement = uow.records.placement(placement_id)
    checkins = uow.records.checkins_of(placement["_id"])
    raised = []
    for week, kind in domain.missed_checkins(placement, checkins, today, grace_days):
        alert_id = "%s:%s" % (placement["_id"], week)
        if uow.records.has_alert(alert_id):
            continue
        alert = {"_id": alert_id, "placement_id": placement["_id"],
                 "student_id": placement["student_id"],
                 "enterprise_id": placement["enterprise_id"], "week_starting": str(week),
                 "kind": kind, "created_at": now}
        uow.records.add_alert(alert)
        uow.count("checkins_missed", "Weekly check-ins missed or left unconfirmed.", kind=kind)
        emit(uow, "checkin_missed", {
            "placement_id": placement["_id"], "student_id": placement["student_id"],
            "enterprise_id": placement["enterprise_id"], "week_starting": str(week),
            "kind": kind})
        raised.append(alert)
    if today > date.fromisoformat(placement["sweep_until"]):
        # every week has been judged: later sweeps can skip this placement
        uow.records.mark_swept(placement["_id"])
    return raised


# -- feedback -----------------------------------------------------------------

def submit_feedback(uow: UnitOfWork, fields: Document, actor: Actor, now: datetime) -> Document:
    """One feedback per direction, subject and student."""
    actor = actor or {}
    direction = fields["direction"]
    if fields["subject_kind"] == "placement":
        subject = visible_placement(uow, fields["subject_id"], actor)
        enterprise_id, student_id = subject["enterprise_id"], subject["student_id"]
        domain.check_placement_student(subject, fields.get("student_id"))
    else:
        project = visible_project(uow, fields["subject_id"], actor)
        enterprise_id = project["enterprise_id"]
        student_id = domain.rated_student(actor, fields.get("student_id"))
        domain.check_project_member(project, uow.records.is_member(project["_id"], student_id))
    domain.check_feedback_direction(actor, direction)
    average = domain.check_ratings(direction, fields["ratings"])
    feedback = {
        "_id": domain.feedback_id(fields["subject_kind"], fields["subject_id"], direction,
                                  student_id),
        "direction": direction, "subject_kind": fields["subject_kind"],
        "subject_id": fields["subject_id"], "enterprise_id": enterprise_id,
        "student_id": student_id, "ratings": fields["ratings"], "average": average,
        "comment": fields.get("comment"), "submitted_by": actor.get("username"),
        "created_at": now,
    }
    if uow.records.has_feedback(feedback["_id"]):
        raise Conflict("this feedback has already been given", feedback_id=feedback["_id"])
    uow.records.add_feedback(feedback)
    emit(uow, "feedback_submitted", {
        "feedback_id": feedback["_id"], "direction": direction, "enterprise_id": enterprise_id,
        "student_id": student_id, "subject_kind": feedback["subject_kind"],
        "subject_id": feedback["subject_id"], "ratings": feedback["ratings"],
        "average": average, "submitted_at": now.isoformat()})
    return feedback


# -- local copies of other services' records ----------------------------------

def enrolment_status_changed(uow: UnitOfWork, data: Document, now: datetime,
                             grace_days: int) -> None:
    """A student's status (a transfer may change the sponsor, which decides who
    may place the student); a withdrawn student leaves the teams under way, a
    graduated one leaves them too and their open placements end."""
    uow.records.remember("students", data["student_id"], {
        "status": data["status"], "programme_id": data["programme_id"],
        "partner_id": data["partner_id"]})
    if data["status"] == domain.WITHDRAWN:
        remove_student_from_active_teams(
            uow, data["student_id"], data["reason"] or "withdrawn from the college", now)
    elif data["status"] == domain.GRADUATED:
        release_graduated_student(uow, data["student_id"], now, grace_days)


def release_graduated_student(uow: UnitOfWork, student_id: str, now: datetime,
                              grace_days: int) -> None:
    """End the student's open placements on the day the graduation is handled
    (announced as any end is) and take the student off the teams under way.
    Only open placements and current memberships are touched, so a graduation
    announced again changes nothing."""
    for placement in uow.records.open_placements_of(student_id):
        end_placement(uow, placement["_id"], domain.end_date_within(placement, now.date()),
                      domain.GRADUATED, actor=None, now=now, grace_days=grace_days)
    remove_student_from_active_teams(uow, student_id, domain.GRADUATED, now)
