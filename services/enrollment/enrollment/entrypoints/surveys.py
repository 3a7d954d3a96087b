"""Employer surveys: the employer's answers, the college's closing and
results, and the reminders the expiry sweep sends (``enrollment.surveys``)."""
from college_platform.repository import filters, paged_view
from college_platform.rpc import rpc
from college_platform.validation import load
from enrollment.entrypoints.base import survey_view
from enrollment.entrypoints.graduation import require_actor
from enrollment.schemas import (
    SurveyAnswerSchema,
    SurveyCloseSchema,
    SurveyQuerySchema,
    SurveyResultsQuerySchema,
)
from enrollment.workflows import surveys

REMINDER_BATCH = 500


class SurveyEntrypoints:

    @rpc
    def list_surveys(self, query=None, actor=None):
        """query: {"status": "open", "programme_id", "enterprise_id", "student_id"}; an
        enterprise's user lists its own, once they fall due."""
        params = load(SurveyQuerySchema(), query or {})
        selector = filters(params, "status", "programme_id", "enterprise_id", "student_id")
        if (actor or {}).get("kind") == "enterprise":
            selector.update(enterprise_id=actor.get("enterprise_id"),
                            due_on={"$lte": self.clock.today().isoformat()})
        return paged_view(self.store.db.employer_surveys, selector,
                          {**params, "sort": params.get("sort") or "due_on"}, survey_view)

    @rpc
    def get_survey(self, survey_id, actor=None):
        today = self.clock.today()
        return survey_view.dump(self.store.read(
            lambda uow: surveys.survey(uow, survey_id, actor, today)))

    @rpc
    def answer_survey(self, survey_id, payload, actor=None):
        """The employer rates the graduate on each competency, 1 to 5; announces
        ``employer_survey_answered``.
        payload: {"ratings": {"专业技能": 4, "职业素养": 5}, "comment": "...",
                  "actor": "hr.wang"}"""
        today = self.clock.today()
        if actor is not None:  # an object the caller may not see is missing, before the body
            self.store.read(lambda uow: surveys.survey(uow, survey_id, actor, today))
        fields = require_actor(load(SurveyAnswerSchema(), payload))
        now = self.clock()
        return survey_view.dump(self.store.transact(
            lambda uow: surveys.answer(uow, survey_id, fields, actor, today, now)))

    @rpc
    def close_survey(self, survey_id, payload):
        """The college stops asking: payload {"reason": "企业已注销", "actor": "li.registrar"}"""
        fields = require_actor(load(SurveyCloseSchema(), payload))
        now = self.clock()
        return survey_view.dump(self.store.transact(
            lambda uow: surveys.close(uow, survey_id, fields, now.date(), now)))

    @rpc
    def survey_results(self, query=None):
        """Mean rating per competency over the answered surveys of a programme,
        an enterprise or all, and the competencies rated lowest."""
        params = load(SurveyResultsQuerySchema(), query or {})
        return self.store.read(lambda uow: surveys.results(uow, params))

    def remind_surveys(self, today, every_days):
        """The reminders due (the expiry sweep calls it): how many were sent."""
        due = self.store.read(lambda uow: uow.records.surveys_due(today.isoformat(),
                                                                  REMINDER_BATCH))
        return sum(self._sweep_one(lambda uow, survey_id=survey["_id"]: surveys.remind(
            uow, survey_id, today, every_days)) for survey in due)
