"""Projects service entrypoints: enterprise projects used as teaching vehicles,
teams, deliverables and grades, placements with weekly check-ins, and two-way
feedback.

Every mutating RPC takes an optional ``actor`` from the gateway:
``{"kind": "staff"|"teacher"|"enterprise"|"student", "username": "...",
"enterprise_id": "...", "student_id": "..."}``. An enterprise actor reaches
only its own enterprise's objects and a student only their own; anything else
is NotFound. Calls without an actor are trusted (staff or system).

The entrypoints are grouped by sub-domain in ``projects.entrypoints``; the
use cases are ``projects.workflows``, the rules ``projects.domain``, the
collections ``projects.records``.
"""
from pymongo import IndexModel

from college_platform.clock import Clock
from college_platform.mongo import MongoStore
from college_platform.repository import RECENT_FIRST, ascending, recent
from college_platform.service import PlatformService
from projects.entrypoints import grace_days
from projects.entrypoints.copies import CopiesEntrypoints
from projects.entrypoints.deliverables import DeliverablesEntrypoints
from projects.entrypoints.feedback import FeedbackEntrypoints
from projects.entrypoints.inbound import INBOUND_DEAD_QUEUE, INBOUND_QUEUE, InboundEntrypoints
from projects.entrypoints.outbound import OutboundEntrypoints
from projects.entrypoints.placements import PlacementsEntrypoints
from projects.entrypoints.projects import ProjectsEntrypoints
from projects.entrypoints.read_models import ReadModelEntrypoints
from projects.outbound_records import INDEXES as OUTBOUND_INDEXES
from projects.outbound_records import queues_get_tokens
from projects.records import ProjectsRecords, tallies_count_every_project

__all__ = ["ProjectsService", "INBOUND_QUEUE", "INBOUND_DEAD_QUEUE", "grace_days"]


class ProjectsService(ProjectsEntrypoints, DeliverablesEntrypoints, PlacementsEntrypoints,
                      FeedbackEntrypoints, ReadModelEntrypoints, CopiesEntrypoints,
                      InboundEntrypoints, OutboundEntrypoints, PlatformService):
    name = "projects"

    store = MongoStore(indexes={
        "projects": [RECENT_FIRST, IndexModel("enterprise_id", name="by_enterprise"),
                     recent("enterprise_id"), recent("status")],
        "teams": [RECENT_FIRST, recent("project_id"), recent("student_ids"),
                  recent("enterprise_id")],
        # _id is "project:student": one team per student and project
        "memberships": [ascending("student_id", name="by_student"),
                        ascending("project_id", "student_id", name="by_project")],
        "deliverables": [recent("team_id"), recent("team_id", "milestone_id"),
                         ascending("team_id", "milestone_id", "version", unique=True,
                                name="one_version")],
        "reviews": [ascending("deliverable_id", name="by_deliverable"),
                    ascending("team_id", name="by_team")],
        "grades": [RECENT_FIRST, recent("project_id"), recent("student_id"),
                   recent("enterprise_id")],
        "placements": [RECENT_FIRST, recent("student_id"), recent("enterprise_id"),
                       recent("status"), ascending("sweep_done", name="still_to_sweep")],
        "checkins": [recent("placement_id")],
        "checkin_alerts": [RECENT_FIRST, recent("placement_id"), recent("student_id"),
                           recent("enterprise_id")],
        "feedback": [RECENT_FIRST, recent("enterprise_id"), recent("student_id"),
                     recent("enterprise_id", "direction"), recent("student_id", "direction")],
        "students": [], "mentors": [], "partners": [], "enterprise_tallies": [],
        **OUTBOUND_INDEXES,
    }, records=ProjectsRecords, prepare=[tallies_count_every_project, queues_get_tokens])
    clock = Clock()
