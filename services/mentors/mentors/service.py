"""Mentors service entrypoints: mentors, secondments both ways, the
dual-mentor assignments, double-qualified teachers and the contribution
ledger. Each entrypoint loads its input with the declared schema, runs a use
case of ``workflows`` (in a unit of work when it writes) and dumps the answer
with the declared response schema; rules live in ``domain``, the collections
behind ``records``.

Scoping: the entrypoints that read or change one party's object take an
optional ``actor`` from the gateway ({"kind": "enterprise" | "teacher" |
"student" | "staff", "enterprise_id", "student_id", "mentor_id", ...}); what
the actor may not see does not exist for it (NotFound). Calls without an
actor are trusted (staff or system).

The entrypoints are grouped by sub-domain in ``mentors.entrypoints``, combined
here with the store, the clock and the double-qualified rule."""
from pymongo import ASCENDING, DESCENDING, IndexModel

from college_platform.clock import Clock
from college_platform.mongo import MongoStore
from college_platform.repository import RECENT_FIRST, ascending
from college_platform.service import PlatformService
from mentors import settings
from mentors.domain import DoubleQualifiedRule
from mentors.entrypoints.assignments import AssignmentsEntrypoints
from mentors.entrypoints.calendar import CalendarEntrypoints
from mentors.entrypoints.copies import CopiesEntrypoints
from mentors.entrypoints.mentors import MentorsEntrypoints
from mentors.entrypoints.read_models import ReadModelEntrypoints
from mentors.entrypoints.secondments import SecondmentsEntrypoints
from mentors.entrypoints.timesheets import TimesheetsEntrypoints
from mentors.records import MentorsRecords


class MentorsService(MentorsEntrypoints, SecondmentsEntrypoints, TimesheetsEntrypoints,
                     AssignmentsEntrypoints, CalendarEntrypoints, ReadModelEntrypoints,
                     CopiesEntrypoints, PlatformService):
    name = "mentors"

    store = MongoStore(indexes={
        "mentors": [RECENT_FIRST, IndexModel("enterprise_id", name="by_enterprise"),
                    ascending("host_enterprise_ids", name="by_host"),
                    IndexModel([("kind", ASCENDING), ("status", ASCENDING),
                                ("enterprise_id", ASCENDING), ("spare_load", DESCENDING)],
                               name="candidates"),
                    ascending("double_qualified_review_on", name="review_due")],
        "secondments": [RECENT_FIRST, ascending("mentor_id", "status", name="by_mentor"),
                        ascending("enterprise_id", name="by_enterprise"),
                        ascending("status", "starts_on", name="to_start"),
                        ascending("status", "ends_on", name="to_end")],
        "timesheets": [RECENT_FIRST, ascending("secondment_id", name="by_secondment"),
                       ascending("status", "direction", name="by_status_direction")],
        "slots": [RECENT_FIRST, ascending("status", "role", "enterprise_id", name="open_by_role"),
                  ascending("student_id", name="by_student")],
        "assignments": [RECENT_FIRST, ascending("mentor_id", "status", name="by_mentor"),
                        ascending("student_id", name="by_student"),
                        ascending("team_id", name="by_team"),
                        ascending("enterprise_id", name="by_enterprise"),
                        ascending("secondment_id", name="by_secondment")],
        "apprentices": [],
        "certificates": [ascending("candidate_id", name="by_candidate")],
        "ledger": [IndexModel([("enterprise_id", ASCENDING), ("term", DESCENDING)],
                              name="by_enterprise_term")],
        "double_qualified_history": [
            IndexModel([("mentor_id", ASCENDING), ("changed_at", DESCENDING)], name="by_mentor")],
        "partners": [],
    }, records=MentorsRecords)
    clock = Clock()

    @property
    def rule(self):
        return DoubleQualifiedRule.from_config(settings.DOUBLE_QUALIFIED_RULE())

    @property
    def records(self):
        """The records outside any transaction, for the read-only entrypoints."""
        return self.store.reading().records
