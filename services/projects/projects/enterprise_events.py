"""What an enterprise system's events do (the inbound contract,
``college_contracts.inbound``). Each function runs in one unit of work and
changes state only through ``workflows``, exactly as the same change made
through the API would. The enterprise acts only on its own projects and
placements: anything else is "not found", as in the API.

Order: ``project.posted`` and ``project.updated`` carry the enterprise's
``revision`` of the project; one whose revision is not above the last applied
is older news and changes nothing.
"""
from college_contracts.inbound import PREFIX
from college_platform.errors import Conflict, InvalidInput, NotFound
from college_platform.validation import load
from projects import domain, workflows
from projects.schemas import NewProjectSchema

UPDATABLE_WHILE_DRAFT = ("title", "brief", "team_size", "start_date", "end_date")
UPDATABLE_LATER = ("title", "brief")


def actor_for(event):
    return {"kind": "enterprise", "role": "enterprise_user",
            "enterprise_id": event["enterprise_id"],
            "username": "enterprise-system:%s" % event["enterprise_id"]}


def _external_ref_id(event):
    return "%s:%s" % (event["enterprise_id"], event["data"]["external_ref"])


def _project_by_ref(uow, event):
    ref = uow.db.external_refs.find_one({"_id": _external_ref_id(event)}, session=uow.session)
    if ref is None:
        raise NotFound("the enterprise has posted no project %s" % event["data"]["external_ref"])
    return workflows.visible_project(uow, ref["project_id"], actor_for(event))


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def project_posted(uow, event, now):
    if uow.db.external_refs.find_one({"_id": _external_ref_id(event)}, session=uow.session):
        # posted again: applied as an update (title, brief, team size, dates) if newer
        return project_updated(uow, event, now)
    return _draft_posted(uow, [event], now)[0]


def _draft_posted(uow, events, now):
    """Draft the projects that ``project.posted`` events announce for the
    first time, together, each with its enterprise reference."""
    if not events:
        return []
    drafts = []
    for event in events:
        data = event["data"]
        payload = {"title": data["title"], "enterprise_id": event["enterprise_id"],
                   "brief": data["brief"], "required_competencies": data["required_competencies"],
                   "team_size": data["team_size"], "start_date": _iso(data["start_date"]),
                   "end_date": _iso(data["end_date"]), "confidential": data["confidential"],
                   "milestones": [{**m, "due_date": _iso(m["due_date"])}
                                  for m in data["milestones"]]}
        drafts.append((load(NewProjectSchema(), payload), actor_for(event),
                       data["external_ref"], data["revision"]))
    projects = workflows.draft_projects(uow, drafts, now)
    uow.db.external_refs.insert_many([
        {"_id": _external_ref_id(event), "project_id": project["_id"]}
        for event, project in zip(events, projects)], session=uow.session)
    return projects


def project_updated(uow, event, now):
    data = event["data"]
    project = _project_by_ref(uow, event)
    if data["revision"] <= (project.get("revision") or 0):
        uow.db.superseded_updates.insert_one({
            "event_id": event["id"], "project_id": project["_id"], "revision": data["revision"],
            "applied_revision": project.get("revision"), "at": now}, session=uow.session)
        return project
    allowed = UPDATABLE_WHILE_DRAFT if project["status"] == domain.DRAFT else UPDATABLE_LATER
    # a re-post repeats every field: only a value that would change is refused
    refused = [key for key in UPDATABLE_WHILE_DRAFT if key in data and key not in allowed
               and _iso(data[key]) != project.get(key)]
    if refused:
        raise Conflict("%s can change only while the project is a draft (it is %s)"
                       % (", ".join(refused), project["status"]))
    changes = {key: _iso(data[key]) for key in allowed if key in data}
    changed = {**project, **changes}
    if changed["end_date"] < changed["start_date"]:
        raise InvalidInput("the project would end before it starts", errors={
            "end_date": ["%s is before the start, %s." % (changed["end_date"],
                                                          changed["start_date"])]})
    if project["status"] == domain.DRAFT:
        domain.check_milestones(changed["milestones"], changed["start_date"], changed["end_date"])
    uow.db.projects.update_one({"_id": project["_id"]},
                               {"$set": {**changes, "revision": data["revision"]}},
                               session=uow.session)
    workflows.announce_update(uow, project, [key for key in sorted(changes)
                                             if changes[key] != project.get(key)],
                              data["revision"])
    return changed


def project_cancelled(uow, event, now):
    project = _project_by_ref(uow, event)
    return workflows.transition_project(uow, project["_id"], domain.CANCELLED,
                                        actor_for(event), now, reason=event["data"]["reason"])


def milestone_accepted(uow, event, now):
    data = event["data"]
    project = _project_by_ref(uow, event)
    if not any(m["title"] == data["milestone_title"] for m in project["milestones"]):
        raise InvalidInput("the project has no such milestone", errors={
            "milestone_title": ["No milestone %s in project %s."
                                % (data["milestone_title"], project["_id"])]})
    uow.db.projects.update_one(
        {"_id": project["_id"], "milestones.title": data["milestone_title"]},
        {"$set": {"milestones.$.accepted_on": _iso(data["accepted_on"]),
                  "milestones.$.acceptance_comment": data["comment"]}}, session=uow.session)


def deliverable_reviewed(uow, event, now):
    data = event["data"]
    actor = {**actor_for(event), "username": data["reviewer"]}
    return workflows.review_deliverable(
        uow, data["deliverable_id"],
        {"reviewer_kind": domain.ENTERPRISE, "rubric": data["rubric"],
         "comment": data["comment"]}, actor, now)


def checkin_confirmed(uow, event, now):
    data = event["data"]
    actor = {**actor_for(event), "username": data["supervisor"]}
    return workflows.confirm_checkin(uow, data["placement_id"], _iso(data["week_starting"]),
                                     actor, now)


def feedback_submitted(uow, event, now):
    fields = {**event["data"], "direction": domain.ENTERPRISE_TO_STUDENT}
    return workflows.submit_feedback(uow, fields, actor_for(event), now)


APPLY = {
    PREFIX + "project.posted.v1": project_posted,
    PREFIX + "project.updated.v1": project_updated,
    PREFIX + "project.cancelled.v1": project_cancelled,
    PREFIX + "milestone.accepted.v1": milestone_accepted,
    PREFIX + "deliverable.reviewed.v1": deliverable_reviewed,
    PREFIX + "placement.checkin_confirmed.v1": checkin_confirmed,
    PREFIX + "feedback.submitted.v1": feedback_submitted,
}


def apply(uow, event, now):
    return APPLY[event["type"]](uow, event, now)


def apply_batch(uow, events, now):
    """``apply`` each event in order, in one unit of work. The projects posted
    for the first time are drafted together (a steady stream of new projects is
    most of what enterprise systems send): one write per collection for a run
    of them instead of several per project."""
    posted = PREFIX + "project.posted.v1"
    known = {ref["_id"] for ref in uow.db.external_refs.find(
        {"_id": {"$in": [_external_ref_id(event) for event in events
                         if event["type"] == posted]}}, {"_id": 1}, session=uow.session)}
    first_posts = []
    for event in events:
        if event["type"] == posted and _external_ref_id(event) not in known:
            # a second post of the same reference in this batch updates this draft
            known.add(_external_ref_id(event))
            first_posts.append(event)
            continue
        _draft_posted(uow, first_posts, now)  # what came before this event, first
        first_posts = []
        apply(uow, event, now)
    _draft_posted(uow, first_posts, now)
