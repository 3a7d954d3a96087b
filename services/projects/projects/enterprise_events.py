"""What an enterprise system's events do (the inbound contract,
``college_contracts.inbound``). Each function runs in one unit of work and
changes state only through ``workflows``, exactly as the same change made
through the API would. The enterprise acts only on its own projects and
placements: anything else is "not found", as in the API.

Order: ``project.posted`` and ``project.updated`` carry the enterprise's
``revision`` of the project; one whose revision is not above the last applied
is older news and changes nothing.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Optional

from college_contracts.inbound import PREFIX
from college_platform.errors import NotFound
from college_platform.validation import load
from projects import domain, workflows
from projects.domain import Document, iso
from projects.schemas import NewProjectSchema
from projects.workflows import UnitOfWork

UPDATABLE_WHILE_DRAFT = domain.UPDATABLE_WHILE_DRAFT
UPDATABLE_LATER = domain.UPDATABLE_LATER
Event = dict[str, Any]


def actor_for(event: Event) -> Document:
    return {"kind": "enterprise", "role": "enterprise_user",
            "enterprise_id": event["enterprise_id"],
            "username": "enterprise-system:%s" % event["enterprise_id"]}


def _external_ref_id(event: Event) -> str:
    return "%s:%s" % (event["enterprise_id"], event["data"]["external_ref"])


def _project_by_ref(uow: UnitOfWork, event: Event) -> Document:
    project_id = uow.records.project_id_for_ref(_external_ref_id(event))
    if project_id is None:
        raise NotFound("the enterprise has posted no project %s" % event["data"]["external_ref"])
    return workflows.visible_project(uow, project_id, actor_for(event))


_iso = iso


def project_posted(uow: UnitOfWork, event: Event, now: datetime) -> Document:
    if uow.records.project_id_for_ref(_external_ref_id(event)) is not None:
        # posted again: applied as an update (title, brief, team size, dates) if newer
        return project_updated(uow, event, now)
    posted: Document = _draft_posted(uow, [event], now)[0]
    return posted


def _draft_posted(uow: UnitOfWork, events: list[Event], now: datetime) -> list[Document]:
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
    uow.records.add_refs([(_external_ref_id(event), project["_id"])
                          for event, project in zip(events, projects)])
    return projects


def project_updated(uow: UnitOfWork, event: Event, now: datetime) -> Document:
    data = event["data"]
    project = _project_by_ref(uow, event)
    if domain.is_older_revision(project, data["revision"]):
        uow.records.record_superseded({
            "event_id": event["id"], "project_id": project["_id"], "revision": data["revision"],
            "applied_revision": project.get("revision"), "at": now})
        return project
    changes = domain.revised_terms(project, data)
    changed = {**project, **changes}
    uow.records.revise_terms(project["_id"], changes, data["revision"])
    workflows.announce_update(uow, project, [key for key in sorted(changes)
                                             if changes[key] != project.get(key)],
                              data["revision"])
    return changed


def project_cancelled(uow: UnitOfWork, event: Event, now: datetime) -> Document:
    project = _project_by_ref(uow, event)
    return workflows.transition_project(uow, project["_id"], domain.CANCELLED,
                                        actor_for(event), now, reason=event["data"]["reason"])


def milestone_accepted(uow: UnitOfWork, event: Event, now: datetime) -> None:
    data = event["data"]
    project = _project_by_ref(uow, event)
    domain.check_milestone_titled(project, data["milestone_title"])
    uow.records.accept_milestone(project["_id"], data["milestone_title"],
                                 _iso(data["accepted_on"]), data["comment"])


def deliverable_reviewed(uow: UnitOfWork, event: Event, now: datetime) -> Document:
    data = event["data"]
    actor = {**actor_for(event), "username": data["reviewer"]}
    return workflows.review_deliverable(
        uow, data["deliverable_id"],
        {"reviewer_kind": domain.ENTERPRISE, "rubric": data["rubric"],
         "comment": data["comment"]}, actor, now)


def checkin_confirmed(uow: UnitOfWork, event: Event, now: datetime) -> Document:
    data = event["data"]
    actor = {**actor_for(event), "username": data["supervisor"]}
    return workflows.confirm_checkin(uow, data["placement_id"], _iso(data["week_starting"]),
                                     actor, now)


def feedback_submitted(uow: UnitOfWork, event: Event, now: datetime) -> Document:
    fields = {**event["data"], "direction": domain.ENTERPRISE_TO_STUDENT}
    return workflows.submit_feedback(uow, fields, actor_for(event), now)


APPLY: dict[str, Callable[[UnitOfWork, Event, datetime], Optional[Document]]] = {
    PREFIX + "project.posted.v1": project_posted,
    PREFIX + "project.updated.v1": project_updated,
    PREFIX + "project.cancelled.v1": project_cancelled,
    PREFIX + "milestone.accepted.v1": milestone_accepted,
    PREFIX + "deliverable.reviewed.v1": deliverable_reviewed,
    PREFIX + "placement.checkin_confirmed.v1": checkin_confirmed,
    PREFIX + "feedback.submitted.v1": feedback_submitted,
}


def apply(uow: UnitOfWork, event: Event, now: datetime) -> Optional[Document]:
    return APPLY[event["type"]](uow, event, now)


def apply_batch(uow: UnitOfWork, events: list[Event], now: datetime) -> None:
    """``apply`` each event in order, in one unit of work. The projects posted
    for the first time are drafted together (a steady stream of new projects is
    most of what enterprise systems send): one write per collection for a run
    of them instead of several per project."""
    posted = PREFIX + "project.posted.v1"
    known = uow.records.known_refs([_external_ref_id(event) for event in events
                                    if event["type"] == posted])
    first_posts: list[Event] = []
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
