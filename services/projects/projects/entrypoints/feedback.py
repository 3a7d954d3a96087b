"""Two-way feedback between students and enterprises."""
from college_platform.errors import Conflict
from college_platform.repository import filters
from college_platform.rpc import rpc
from college_platform.validation import load
from projects import domain, workflows
from projects.entrypoints import paged
from projects.schemas import (
    FeedbackQuerySchema,
    FeedbackSchema,
    FeedbackSummaryQuerySchema,
    FeedbackSummarySchema,
    NewFeedbackSchema,
)

feedback_view = FeedbackSchema()
feedback_summary_view = FeedbackSummarySchema()


class FeedbackEntrypoints:

    @rpc
    def submit_feedback(self, payload, actor=None):
        """Two-way feedback, one of each direction per placement or per
        project and student; ratings are 1 to 5. Announces ``feedback_submitted``.

        payload: {"subject_kind": "placement", "subject_id": "...",
                  "direction": "student_to_enterprise",
                  "ratings": {"learning_value": 5, "safety": 4, "mentoring": 4},
                  "comment": "师傅带教认真"}
        """
        fields = load(NewFeedbackSchema(), payload)
        now = self.clock()
        feedback = self.store.transact(
            lambda uow: workflows.submit_feedback(uow, fields, actor, now),
            on_duplicate=Conflict("this feedback has already been given"))
        return feedback_view.dump(feedback)

    @rpc
    def list_feedback(self, query=None):
        """query: {"enterprise_id": "...", "student_id": "...", "direction": "..."}"""
        params = load(FeedbackQuerySchema(), query or {})
        return paged(self.store, "feedback",
                     filters(params, "enterprise_id", "student_id", "direction"),
                     params, feedback_view)

    @rpc
    def feedback_summary(self, query):
        """Mean ratings received, per enterprise (from students) or per student
        (from enterprises).

        query: {"enterprise_id": "..."} -> {"enterprise_id": "...",
        "direction": "student_to_enterprise", "count": 3, "average": 4.33,
        "ratings": {"learning_value": 4.67, "safety": 4.0, "mentoring": 4.33}}
        """
        params = load(FeedbackSummaryQuerySchema(), query or {})
        subject, direction = domain.received_feedback(params["enterprise_id"],
                                                      params["student_id"])
        keys = domain.RATING_KEYS[direction]
        row = self.store.reading().records.feedback_means(subject, direction, keys)
        return feedback_summary_view.dump({
            **subject, "direction": direction, "count": row["count"],
            "average": _rounded(row.get("average")),
            "ratings": {key: _rounded(row.get(key)) for key in keys}})


def _rounded(value):
    return None if value is None else round(value, 2)
