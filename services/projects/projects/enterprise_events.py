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
from college_platform.errors import NotFound, ServiceError
from college_platform.repository import derived_id
from college_platform.validation import load
from projects import domain, workflows
from projects.domain import Document, iso
from projects.schemas import NewProjectSchema
from projects.workflows import UnitOfWork

UPDATABLE_WHILE_DRAFT = domain.UPDATABLE_WHILE_DRAFT
UPDATABLE_LATER = domain.UPDATABLE_LATER
Event = dict[str, Any]
NEW_PROJECT = NewProjectSchema()


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


def _draft_fields(event: Event) -> Document:
    data = event["data"]
    return {"title": data["title"], "enterprise_id": event["enterprise_id"],
            "brief": data["brief"], "required_competencies": data["required_competencies"],
            "team_size": data["team_size"], "start_date": _iso(data["start_date"]),
            "end_date": _iso(data["end_date"]), "confidential": data["confidential"],
            "milestones": [{**m, "due_date": _iso(m["due_date"])} for m in data["milestones"]]}


def _draft_posted(uow: UnitOfWork, events: list[Event], now: datetime) -> list[Document]:
    """Draft the projects that ``project.posted`` events announce for the
    first time, in the unit of work's transaction, each with its reference."""
    projects = workflows.draft_projects(
        uow, [(load(NEW_PROJECT, _draft_fields(event)), actor_for(event),
               event["data"]["external_ref"], event["data"]["revision"]) for event in events],
        now)
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


def graduate_hired(uow: UnitOfWork, event: Event, now: datetime) -> None:
    """Passed on to enrollment, which records the graduate's destination."""
    data, enterprise_id = event["data"], event["enterprise_id"]
    student_id = data["student_id"]
    domain.check_may_report_hire(uow.records.student(student_id), student_id, enterprise_id,
                                 uow.records.has_placed(student_id, enterprise_id))
    workflows.emit(uow, "graduate_hire_reported", {
        "student_id": student_id, "enterprise_id": enterprise_id,
        "started_on": _iso(data["started_on"]), "position": data["position"]})


def graduate_departed(uow: UnitOfWork, event: Event, now: datetime) -> None:
    data, enterprise_id = event["data"], event["enterprise_id"]
    student_id = data["student_id"]
    domain.check_may_report_departure(uow.records.student(student_id), student_id,
                                      enterprise_id)
    workflows.emit(uow, "graduate_departure_reported", {
        "student_id": student_id, "enterprise_id": enterprise_id,
        "left_on": _iso(data["left_on"]), "reason": data["reason"]})


APPLY: dict[str, Callable[[UnitOfWork, Event, datetime], Optional[Document]]] = {
    PREFIX + "project.posted.v1": project_posted,
    PREFIX + "project.updated.v1": project_updated,
    PREFIX + "project.cancelled.v1": project_cancelled,
    PREFIX + "milestone.accepted.v1": milestone_accepted,
    PREFIX + "deliverable.reviewed.v1": deliverable_reviewed,
    PREFIX + "placement.checkin_confirmed.v1": checkin_confirmed,
    PREFIX + "feedback.submitted.v1": feedback_submitted,
    PREFIX + "graduate.hired.v1": graduate_hired,
    PREFIX + "graduate.departed.v1": graduate_departed,
}


def apply(uow: UnitOfWork, event: Event, now: datetime) -> Optional[Document]:
    return APPLY[event["type"]](uow, event, now)


def handle(store: Any, events: list[Event], now: datetime) -> list[Optional[Exception]]:
    """Apply a batch of events in the order sent; one outcome per event (None,
    or the exception that failed it).

    The projects posted for the first time (a steady stream of new projects
    is most of what enterprise systems send) are drafted together with no
    transaction, a few statements for a whole run of them
    (``Store.handle_in_bulk``): each project's id is derived from the event
    that posts it, so an event delivered again finds its project, reference
    and announcement already written. Every other event is applied alone in a
    transaction of its own, as through the API."""
    refs = store.read(lambda reading: reading.records.refs_of(
        {_external_ref_id(event) for event in events if event["type"] == POSTED}))
    outcomes: list[Optional[Exception]] = [None] * len(events)
    first_posts: list[int] = []

    def draft_first_posts() -> None:
        if first_posts:
            drafted = store.handle_in_bulk([events[index] for index in first_posts],
                                           lambda unit, fresh: draft_once(unit, fresh, now))
            for index, outcome in zip(first_posts, drafted):
                outcomes[index] = outcome
            first_posts.clear()

    for index, event in enumerate(events):
        if event["type"] == POSTED:
            ref, project_id = _external_ref_id(event), project_id_posted_by(event)
            # a new reference, or one this very event took in an earlier, unfinished run
            if refs.setdefault(ref, project_id) == project_id:
                first_posts.append(index)
                continue
        draft_first_posts()  # what came before this event, first
        outcomes[index] = store.handle_batch(
            [event], lambda uow, fresh: apply(uow, fresh[0], now))[0]
    draft_first_posts()
    return outcomes


POSTED = PREFIX + "project.posted.v1"


class ReferenceTakenMeanwhile(Exception):
    """Another event drafted a project under the same reference between this
    batch's look-up and its write (two consumers at once): delivered again,
    this post is applied as an update of that project."""


def project_id_posted_by(event: Event) -> str:
    """The id of the project a first ``project.posted`` drafts, the same at
    every delivery of the event (its id is unique to the enterprise)."""
    return derived_id("projects.project", event["id"])


def draft_once(uow: Any, events: list[Event], now: datetime) -> list[Optional[Exception]]:
    """Draft the projects first posted by ``events``, with no transaction
    (``Store.handle_in_bulk``): the references, then the projects, each
    written once whatever runs before; one outcome per event."""
    outcomes: list[Optional[Exception]] = [None] * len(events)
    drafts: dict[int, Document] = {}
    for index, event in enumerate(events):
        data = event["data"]
        try:
            drafts[index] = workflows.new_draft(
                project_id_posted_by(event), load(NEW_PROJECT, _draft_fields(event)),
                actor_for(event), data["external_ref"], data["revision"], now)
        except ServiceError as exc:
            outcomes[index] = exc
    for position, refusal in workflows.unknown_partners(uow, list(drafts.values())):
        index = list(drafts)[position]
        outcomes[index] = refusal
    claims = {_external_ref_id(events[index]): project["_id"]
              for index, project in drafts.items() if outcomes[index] is None}
    taken = uow.records.claim_refs(list(claims.items()))
    for index in list(drafts):
        ref = _external_ref_id(events[index])
        if outcomes[index] is None and taken.get(ref, claims[ref]) != claims[ref]:
            outcomes[index] = ReferenceTakenMeanwhile(
                "project %s was posted under %s meanwhile" % (taken[ref], ref))
    written = [index for index in drafts if outcomes[index] is None]
    workflows.add_drafts_once(uow, [drafts[index] for index in written],
                              [events[index]["id"] for index in written])
    return outcomes
