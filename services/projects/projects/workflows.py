"""Every state change of the projects service, as functions of one unit of
work (``uow``: database, session and outbox). The service's entrypoints call
them inside ``store.transact``; so can any other entrypoint that needs the
same change (an inbound enterprise-system contract, for example).

Each function validates against the stored state with ``projects.domain``,
writes with the transaction's session and emits the event that announces the
change, so the write and its event commit together.
"""
from datetime import date

from college_contracts import checked, emitter
from college_platform.errors import Conflict, InvalidInput
from college_platform.repository import get_or_raise, new_id
from projects import domain

emit = emitter("projects")


def _find(uow, collection, id_, what):
    return get_or_raise(uow.db[collection], id_, what, session=uow.session)


def visible_project(uow, project_id, actor):
    project = _find(uow, "projects", project_id, "project")
    domain.check_visible(actor, "project", project_id, enterprise_id=project["enterprise_id"],
                         student_ids=_member_ids_of_project(uow, project_id))
    return project


def announce_update(uow, project, changed, revision=None):
    """``project_updated`` when some of its terms changed: the views show its
    title, and its dates decide when feedback on it falls due."""
    if changed:
        emit(uow, "project_updated", {
            "project_id": project["_id"], "enterprise_id": project["enterprise_id"],
            "revision": revision, "changed": changed,
            "student_ids": _member_ids_of_project(uow, project["_id"])})


def _member_ids_of_project(uow, project_id):
    return [m["student_id"] for m in uow.db.memberships.find(
        {"project_id": project_id}, {"student_id": 1}, session=uow.session)]


# -- projects -----------------------------------------------------------------

def draft_project(uow, fields, now, actor, external_ref=None, revision=None):
    """A new draft posted by a known partner (through the API, or by the
    enterprise's own system with its reference and revision)."""
    return draft_projects(uow, [(fields, actor, external_ref, revision)], now)[0]


def draft_projects(uow, drafts, now):
    """``draft_project`` for many drafts, written with one statement per
    collection: ``drafts`` is ``[(fields, actor, external_ref, revision)]``.
    Returns the projects in the same order; any refused draft refuses all."""
    projects = []
    for fields, actor, external_ref, revision in drafts:
        project = {"_id": new_id(), **fields, "status": domain.DRAFT, "created_at": now,
                   "start_date": str(fields["start_date"]), "end_date": str(fields["end_date"]),
                   "milestones": milestone_records(fields.get("milestones", [])),
                   "status_history": [{"status": domain.DRAFT, "at": now,
                                       "by": (actor or {}).get("username"), "reason": None}]}
        if external_ref is not None:
            project.update(external_ref=external_ref, revision=revision)
        domain.check_milestones(project["milestones"], project["start_date"],
                                project["end_date"])
        domain.check_visible(actor, "enterprise", project["enterprise_id"],
                             enterprise_id=project["enterprise_id"])
        projects.append(project)
    partners = {partner["_id"] for partner in uow.db.partners.find(
        {"_id": {"$in": sorted({project["enterprise_id"] for project in projects})}},
        {"_id": 1}, session=uow.session)}
    for project in projects:
        if project["enterprise_id"] not in partners:
            raise InvalidInput("the posting enterprise is not a known partner", errors={
                "enterprise_id": ["Unknown partner enterprise %s." % project["enterprise_id"]]})
    uow.db.projects.insert_many(projects, session=uow.session)
    uow.emit_many("project_drafted", [checked("projects", "project_drafted", {
        "project_id": project["_id"], "enterprise_id": project["enterprise_id"],
        "title": project["title"], "team_size": project["team_size"]})
        for project in projects])
    return projects


def set_milestones(uow, project_id, milestones, actor):
    project = visible_project(uow, project_id, actor)
    if project["status"] != domain.DRAFT:
        raise Conflict("milestones are fixed once a project is published",
                       status=project["status"])
    stored = milestone_records(milestones)
    domain.check_milestones(stored, project["start_date"], project["end_date"])
    uow.db.projects.update_one({"_id": project_id}, {"$set": {"milestones": stored}},
                               session=uow.session)
    return {**project, "milestones": stored}


def milestone_records(milestones):
    return [{"id": new_id(), "title": m["title"], "due_date": str(m["due_date"]),
             "weight": m["weight"], "description": m.get("description")} for m in milestones]


def transition_project(uow, project_id, target, actor, now, reason=None, delivered_on=None):
    """Move a project along its lifecycle. ``evaluated`` computes and stores
    each team member's grade and announces ``project_completed``."""
    project = visible_project(uow, project_id, actor)
    domain.check_transition(project, target)
    previous_status = project["status"]
    changes = {"status": target}
    history = {"status": target, "at": now, "by": (actor or {}).get("username"),
               "reason": reason}
    if target == domain.DELIVERED:
        changes["delivered_on"] = str(delivered_on or now.date())
        changes["on_time"] = domain.on_time(project, changes["delivered_on"])
    if target == domain.EVALUATED:
        _evaluate(uow, project, now)
    # the status guard makes a concurrent transition of the same project fail
    result = uow.db.projects.update_one(
        {"_id": project_id, "status": project["status"]},
        {"$set": changes, "$push": {"status_history": history}}, session=uow.session)
    if result.modified_count != 1:
        raise Conflict("the project changed meanwhile; reload and retry")
    project = {**project, **changes,
               "status_history": project.get("status_history", []) + [history]}
    emit(uow, "project_status_changed", {
        "project_id": project_id, "enterprise_id": project["enterprise_id"],
        "previous_status": previous_status, "status": target,
        "student_ids": _member_ids_of_project(uow, project_id)})
    if target == domain.PUBLISHED:
        emit(uow, "project_published", {
            "project_id": project_id, "enterprise_id": project["enterprise_id"],
            "title": project["title"], "course_code": project.get("course_code"),
            "credit_weight": project.get("credit_weight", 0.0)})
    return project


def _evaluate(uow, project, now):
    teams = list(uow.db.teams.find({"project_id": project["_id"]}, session=uow.session))
    if not any(team["student_ids"] for team in teams):
        raise Conflict("a project without team members cannot be evaluated")
    grades, evidence = [], []
    for team in teams:
        if not team["student_ids"]:
            continue
        deliverables = list(uow.db.deliverables.find({"team_id": team["_id"]},
                                                     session=uow.session))
        reviews = list(uow.db.reviews.find({"team_id": team["_id"]}, session=uow.session))
        try:
            result = domain.team_grade(project["milestones"], deliverables, reviews)
        except Conflict as exc:
            raise Conflict("team %s: %s" % (team.get("name") or team["_id"], exc.detail),
                           team_id=team["_id"], **exc.extra)
        urls = {d["_id"]: d["url"] for d in deliverables}
        for student_id in team["student_ids"]:
            uow.db.grades.insert_one({
                "_id": "%s:%s" % (project["_id"], student_id), "project_id": project["_id"],
                "enterprise_id": project["enterprise_id"], "team_id": team["_id"],
                "student_id": student_id, "grade": result["grade"],
                "rule": GRADE_RULE, "milestones": result["milestones"], "created_at": now,
            }, session=uow.session)
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


GRADE_RULE = ("milestone score = 0.5 x enterprise review + 0.5 x tutor review (latest review of "
              "each kind on the latest version); grade = sum of weight/100 x milestone score")


# -- teams --------------------------------------------------------------------

def form_team(uow, project_id, student_ids, tutor_id, mentor_id, now, name=None, actor=None):
    project = visible_project(uow, project_id, actor)
    if project["status"] not in domain.TEAM_STATUSES:
        raise Conflict("teams are formed while a project is published or in progress",
                       status=project["status"])
    if len(student_ids) > project["team_size"]:
        raise InvalidInput("the team is too large", errors={
            "student_ids": ["At most %d students per team." % project["team_size"]]})
    errors = {}
    known = {s["_id"]: s for s in uow.db.students.find({"_id": {"$in": student_ids}},
                                                        session=uow.session)}
    inactive = [s for s in student_ids if known.get(s, {}).get("status") != "active"]
    if inactive:
        errors["student_ids"] = ["Not an enrolled, active student: %s." % ", ".join(inactive)]
    tutor = uow.db.mentors.find_one({"_id": tutor_id}, session=uow.session)
    if not tutor or tutor["kind"] != "teacher":
        errors["tutor_id"] = ["Not a known college teacher."]
    mentor = uow.db.mentors.find_one({"_id": mentor_id}, session=uow.session)
    if not mentor or mentor["kind"] != "industry" or \
            mentor.get("enterprise_id") != project["enterprise_id"]:
        errors["mentor_id"] = ["Not a known industry mentor of the posting enterprise."]
    if errors:
        raise InvalidInput("the team cannot be formed", errors=errors)
    team = {"_id": new_id(), "project_id": project_id, "enterprise_id": project["enterprise_id"],
            "name": name, "student_ids": list(student_ids), "removed": [],
            "tutor_id": tutor_id, "mentor_id": mentor_id, "created_at": now}
    taken = [m["student_id"] for m in uow.db.memberships.find(
        {"project_id": project_id, "student_id": {"$in": student_ids}}, session=uow.session)]
    if taken:
        raise Conflict("a student is already on a team of this project", student_ids=taken)
    uow.db.teams.insert_one(team, session=uow.session)
    # one membership per student and project: the unique _id also refuses a
    # concurrent second team
    for student_id in student_ids:
        uow.db.memberships.insert_one(
            {"_id": "%s:%s" % (project_id, student_id), "project_id": project_id,
             "team_id": team["_id"], "student_id": student_id, "created_at": now},
            session=uow.session)
    emit(uow, "team_formed", {
        "project_id": project_id, "team_id": team["_id"],
        "enterprise_id": project["enterprise_id"], "student_ids": list(student_ids),
        "tutor_id": tutor_id, "mentor_id": mentor_id})
    return team


def remove_student_from_active_teams(uow, student_id, reason, now):
    """Take a student off every team whose project is still under way."""
    removed = []
    for membership in list(uow.db.memberships.find({"student_id": student_id},
                                                    session=uow.session)):
        project = uow.db.projects.find_one({"_id": membership["project_id"]},
                                           session=uow.session)
        if not project or project["status"] not in (domain.PUBLISHED, domain.IN_PROGRESS,
                                                    domain.DELIVERED):
            continue
        uow.db.teams.update_one(
            {"_id": membership["team_id"]},
            {"$pull": {"student_ids": student_id},
             "$push": {"removed": {"student_id": student_id, "reason": reason, "at": now}}},
            session=uow.session)
        uow.db.memberships.delete_one({"_id": membership["_id"]}, session=uow.session)
        emit(uow, "team_member_removed", {
            "project_id": membership["project_id"], "team_id": membership["team_id"],
            "student_id": student_id, "reason": reason})
        removed.append(membership["team_id"])
    return removed


def visible_team(uow, team_id, actor):
    team = _find(uow, "teams", team_id, "team")
    domain.check_visible(actor, "team", team_id, enterprise_id=team["enterprise_id"],
                         student_ids=team["student_ids"])
    return team


# -- deliverables and reviews -------------------------------------------------

def submit_deliverable(uow, team_id, fields, actor, now):
    team = visible_team(uow, team_id, actor)
    project = _find(uow, "projects", team["project_id"], "project")
    if project["status"] not in domain.SUBMISSION_STATUSES:
        raise Conflict("deliverables are submitted while a project is in progress",
                       status=project["status"])
    milestone = next((m for m in project["milestones"] if m["id"] == fields["milestone_id"]),
                     None)
    if milestone is None:
        raise InvalidInput("no such milestone", errors={
            "milestone_id": ["Not a milestone of project %s." % project["_id"]]})
    previous = uow.db.deliverables.find_one(
        {"team_id": team_id, "milestone_id": milestone["id"]}, sort=[("version", -1)],
        session=uow.session)
    deliverable = {
        "_id": new_id(), "project_id": project["_id"], "team_id": team_id,
        "milestone_id": milestone["id"], "version": (previous["version"] + 1) if previous else 1,
        "title": fields["title"], "url": fields["url"], "content_hash": fields["content_hash"],
        "metadata": fields["metadata"], "submitted_by": (actor or {}).get("username"),
        "submitted_on": str(now.date()), "late": domain.is_late(now, milestone["due_date"]),
        "created_at": now,
    }
    # (team, milestone, version) is unique: a concurrent submission of the same version fails
    uow.db.deliverables.insert_one(deliverable, session=uow.session)
    return deliverable


def visible_deliverable(uow, deliverable_id, actor):
    deliverable = _find(uow, "deliverables", deliverable_id, "deliverable")
    team = _find(uow, "teams", deliverable["team_id"], "team")
    domain.check_visible(actor, "deliverable", deliverable_id,
                         enterprise_id=team["enterprise_id"], student_ids=team["student_ids"])
    return deliverable, team


def review_deliverable(uow, deliverable_id, fields, actor, now):
    deliverable, team = visible_deliverable(uow, deliverable_id, actor)
    project = _find(uow, "projects", deliverable["project_id"], "project")
    if project["status"] not in domain.REVIEW_STATUSES:
        raise Conflict("deliverables are reviewed while a project is in progress or delivered",
                       status=project["status"])
    actor = actor or {}
    # a teacher account not linked to a mentor record is nobody's tutor
    if fields["reviewer_kind"] == domain.TUTOR and actor.get("kind") == "teacher" and \
            actor.get("mentor_id") != team["tutor_id"]:
        raise Conflict("only the team's tutor reviews as its tutor", tutor_id=team["tutor_id"])
    review = {
        "_id": new_id(), "deliverable_id": deliverable_id, "team_id": team["_id"],
        "project_id": project["_id"], "milestone_id": deliverable["milestone_id"],
        "version": deliverable["version"], "reviewer_kind": fields["reviewer_kind"],
        "reviewer": actor.get("username"), "rubric": fields["rubric"],
        "score": domain.rubric_score(fields["rubric"]), "comment": fields.get("comment"),
        "created_at": now,
    }
    uow.db.reviews.insert_one(review, session=uow.session)
    emit(uow, "deliverable_reviewed", {
        "project_id": project["_id"], "team_id": team["_id"],
        "milestone_id": deliverable["milestone_id"], "deliverable_id": deliverable_id,
        "version": deliverable["version"], "reviewer_kind": review["reviewer_kind"],
        "score": review["score"], "late": deliverable["late"]})
    return review


# -- placements ---------------------------------------------------------------

def start_placement(uow, fields, now, grace_days, actor=None):
    domain.check_visible(actor, "enterprise", fields["enterprise_id"],
                         enterprise_id=fields["enterprise_id"])
    student = uow.db.students.find_one({"_id": fields["student_id"]}, session=uow.session)
    domain.check_may_place(actor, fields["student_id"], (student or {}).get("partner_id"),
                           assigned_by_college=(actor or {}).get("kind") == "enterprise"
                           and assigned_to(uow, fields["student_id"], fields["enterprise_id"]))
    errors = {}
    if not student or student.get("status") != "active":
        errors["student_id"] = ["Not an enrolled, active student."]
    if not uow.db.partners.find_one({"_id": fields["enterprise_id"]}, session=uow.session):
        errors["enterprise_id"] = ["Not a known partner enterprise."]
    if errors:
        raise InvalidInput("the placement cannot start", errors=errors)
    placement = {"_id": new_id(), **fields, "starts_on": str(fields["starts_on"]),
                 "ends_on": str(fields["ends_on"]), "ended_on": None, "end_reason": None,
                 "status": "active", "hours": 0.0, "created_at": now}
    placement["sweep_until"] = str(domain.sweep_until(placement, grace_days))
    placement["sweep_done"] = False
    uow.db.placements.insert_one(placement, session=uow.session)
    emit(uow, "placement_started", {
        "placement_id": placement["_id"], "student_id": placement["student_id"],
        "enterprise_id": placement["enterprise_id"], "starts_on": placement["starts_on"],
        "ends_on": placement["ends_on"]})
    return placement


def assigned_to(uow, student_id, enterprise_id):
    """Whether the college put the student on a team of one of the enterprise's
    projects or placed the student with it before."""
    where = {"enterprise_id": enterprise_id}
    return bool(uow.db.teams.find_one({"student_ids": student_id, **where}, {"_id": 1},
                                      session=uow.session)
                or uow.db.placements.find_one({"student_id": student_id, **where}, {"_id": 1},
                                              session=uow.session))


def visible_placement(uow, placement_id, actor):
    placement = _find(uow, "placements", placement_id, "placement")
    domain.check_visible(actor, "placement", placement_id,
                         enterprise_id=placement["enterprise_id"],
                         student_ids=[placement["student_id"]])
    return placement


def log_checkin(uow, placement_id, fields, actor, now):
    placement = visible_placement(uow, placement_id, actor)
    if placement["status"] != "active":
        raise Conflict("check-ins are logged on an active placement", status=placement["status"])
    domain.check_checkin_week(placement, fields["week_starting"], now.date())
    checkin = {"_id": "%s:%s" % (placement_id, fields["week_starting"]),
               "placement_id": placement_id, "week_starting": str(fields["week_starting"]),
               "hours": fields["hours"], "summary": fields["summary"], "status": "logged",
               "confirmed_by": None, "confirmed_at": None, "created_at": now}
    uow.db.checkins.insert_one(checkin, session=uow.session)
    announce_checkin(uow, "checkin_logged", placement, checkin)
    return checkin


def announce_checkin(uow, event_type, placement, checkin):
    emit(uow, event_type, {
        "placement_id": placement["_id"], "student_id": placement["student_id"],
        "enterprise_id": placement["enterprise_id"], "week_starting": checkin["week_starting"],
        "hours": checkin["hours"]})


def confirm_checkin(uow, placement_id, week_starting, actor, now):
    placement = visible_placement(uow, placement_id, actor)
    checkin_id = "%s:%s" % (placement_id, week_starting)
    # only a logged check-in turns confirmed, so its hours count once
    result = uow.db.checkins.update_one(
        {"_id": checkin_id, "status": "logged"},
        {"$set": {"status": "confirmed", "confirmed_by": (actor or {}).get("username"),
                  "confirmed_at": now}}, session=uow.session)
    checkin = _find(uow, "checkins", checkin_id, "check-in")
    if result.modified_count != 1:
        raise Conflict("the check-in is already confirmed")
    uow.db.placements.update_one({"_id": placement["_id"]}, {"$inc": {"hours": checkin["hours"]}},
                                 session=uow.session)
    announce_checkin(uow, "checkin_confirmed", placement, checkin)
    return checkin


def end_placement(uow, placement_id, ended_on, reason, actor, now, grace_days):
    placement = visible_placement(uow, placement_id, actor)
    early = domain.check_end(placement, ended_on, reason)
    changes = {"status": "ended", "ended_on": str(ended_on), "end_reason": reason}
    changes["sweep_until"] = str(domain.sweep_until({**placement, **changes}, grace_days))
    result = uow.db.placements.update_one({"_id": placement_id, "status": "active"},
                                          {"$set": changes}, session=uow.session)
    if result.modified_count != 1:
        raise Conflict("the placement has already ended")
    placement = {**placement, **changes}
    emit(uow, "placement_ended", {
        "placement_id": placement_id, "student_id": placement["student_id"],
        "enterprise_id": placement["enterprise_id"], "ended_on": placement["ended_on"],
        "early": early, "reason": reason, "hours": placement["hours"]})
    return placement


def raise_missed_checkins(uow, placement_id, today, grace_days, now):
    """One alert, and one ``checkin_missed``, per missed week: the alert's id
    is the placement and week, so a second sweep (or instance) adds nothing.
    The placement is read inside the transaction: an early end committed
    meanwhile shortens the weeks judged."""
    placement = _find(uow, "placements", placement_id, "placement")
    checkins = list(uow.db.checkins.find({"placement_id": placement["_id"]},
                                         session=uow.session))
    raised = []
    for week, kind in domain.missed_checkins(placement, checkins, today, grace_days):
        alert_id = "%s:%s" % (placement["_id"], week)
        if uow.db.checkin_alerts.find_one({"_id": alert_id}, session=uow.session):
            continue
        alert = {"_id": alert_id, "placement_id": placement["_id"],
                 "student_id": placement["student_id"],
                 "enterprise_id": placement["enterprise_id"], "week_starting": str(week),
                 "kind": kind, "created_at": now}
        uow.db.checkin_alerts.insert_one(alert, session=uow.session)
        uow.count("checkins_missed", "Weekly check-ins missed or left unconfirmed.", kind=kind)
        emit(uow, "checkin_missed", {
            "placement_id": placement["_id"], "student_id": placement["student_id"],
            "enterprise_id": placement["enterprise_id"], "week_starting": str(week),
            "kind": kind})
        raised.append(alert)
    if today > date.fromisoformat(placement["sweep_until"]):
        # every week has been judged: later sweeps can skip this placement
        uow.db.placements.update_one({"_id": placement["_id"]}, {"$set": {"sweep_done": True}},
                                     session=uow.session)
    return raised


# -- feedback -----------------------------------------------------------------

def submit_feedback(uow, fields, actor, now):
    """One feedback per direction, subject and student."""
    actor = actor or {}
    direction = fields["direction"]
    if fields["subject_kind"] == "placement":
        subject = visible_placement(uow, fields["subject_id"], actor)
        enterprise_id, student_id = subject["enterprise_id"], subject["student_id"]
        if fields.get("student_id") not in (None, student_id):
            raise InvalidInput("the student is not the placement's", errors={
                "student_id": ["Placement %s is student %s's." % (subject["_id"], student_id)]})
    else:
        project = visible_project(uow, fields["subject_id"], actor)
        enterprise_id = project["enterprise_id"]
        student_id = actor.get("student_id") if actor.get("kind") == "student" \
            else fields.get("student_id")
        if not student_id:
            raise InvalidInput("name the student rated", errors={
                "student_id": ["Required for feedback on a project."]})
        if not uow.db.memberships.find_one({"project_id": project["_id"],
                                            "student_id": student_id}, session=uow.session):
            raise InvalidInput("the student is not on the project", errors={
                "student_id": ["Not a member of a team of project %s." % project["_id"]]})
    if actor.get("kind") == "student" and direction != domain.STUDENT_TO_ENTERPRISE:
        raise InvalidInput("a student rates the enterprise", errors={
            "direction": ["Students give student_to_enterprise feedback."]})
    if actor.get("kind") == "enterprise" and direction != domain.ENTERPRISE_TO_STUDENT:
        raise InvalidInput("an enterprise rates the student", errors={
            "direction": ["Enterprises give enterprise_to_student feedback."]})
    average = domain.check_ratings(direction, fields["ratings"])
    feedback = {
        "_id": "%s:%s:%s:%s" % (fields["subject_kind"], fields["subject_id"], direction,
                                student_id),
        "direction": direction, "subject_kind": fields["subject_kind"],
        "subject_id": fields["subject_id"], "enterprise_id": enterprise_id,
        "student_id": student_id, "ratings": fields["ratings"], "average": average,
        "comment": fields.get("comment"), "submitted_by": actor.get("username"),
        "created_at": now,
    }
    if uow.db.feedback.find_one({"_id": feedback["_id"]}, session=uow.session):
        raise Conflict("this feedback has already been given", feedback_id=feedback["_id"])
    uow.db.feedback.insert_one(feedback, session=uow.session)
    emit(uow, "feedback_submitted", {
        "feedback_id": feedback["_id"], "direction": direction, "enterprise_id": enterprise_id,
        "student_id": student_id, "subject_kind": feedback["subject_kind"],
        "subject_id": feedback["subject_id"], "ratings": feedback["ratings"],
        "average": average, "submitted_at": now.isoformat()})
    return feedback

