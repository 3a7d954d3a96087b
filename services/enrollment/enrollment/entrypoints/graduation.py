"""Graduation: requirements, the check, the registrar's confirmation, and
what students achieved, learnt from the certificates and projects services'
events (each fact an upsert keyed by its own id, so a batch needs no
transaction and a redelivery changes nothing)."""
from college_contracts import read
from college_platform.errors import InvalidInput
from college_platform.events import event_handler
from college_platform.rpc import rpc
from college_platform.validation import load
from enrollment import graduation as rules
from enrollment.entrypoints.base import requirements_view, student_view
from enrollment.schemas import (
    DestinationSchema,
    GraduationCheckQuerySchema,
    GraduationConfirmationSchema,
    GraduationRequirementsSchema,
    RetentionSchema,
)
from enrollment.workflows import destinations, graduation


def require_actor(fields):
    """Who did it: the gateway gives the signed-in user."""
    if not fields["actor"]:
        raise InvalidInput("who did it is missing",
                           errors={"actor": ["Missing data for required field."]})
    return fields


class GraduationEntrypoints:

    @rpc
    def set_graduation_requirements(self, programme_id, payload):
        """A new version of the programme's completion requirements.
        payload: {"effective_from": "2027-09-01", "credits": 120, "placement_hours": 480,
                  "certificates": [{"code": "CNC-1X", "level": "intermediate"}],
                  "projects": {"count": 2, "min_grade": 60}, "actor": "registrar.li"}"""
        fields = require_actor(load(GraduationRequirementsSchema(), payload))
        today = self.clock.today()
        return requirements_view.dump(self.store.transact(
            lambda uow: graduation.set_requirements(uow, programme_id, fields, fields["actor"],
                                                    today)))

    @rpc
    def list_graduation_requirements(self, programme_id):
        """Every version, newest first."""
        return requirements_view.dump(self.store.read(
            lambda uow: graduation.requirement_versions(uow, programme_id)), many=True)

    @rpc
    def graduation_check(self, programme_id, query=None):
        """Each student of the programme with what they meet and what is missing.
        query: {"intake_year": 2027, "status": "active", "eligible": true}"""
        params = load(GraduationCheckQuerySchema(), query or {})
        return self.store.read(lambda uow: graduation.programme_check(uow, programme_id, params))

    @rpc
    def student_graduation_check(self, student_id, actor=None):
        return self.store.read(lambda uow: graduation.student_check(uow, student_id, actor))

    @rpc
    def confirm_graduation(self, programme_id, payload):
        """The registrar graduates the listed students: each is checked again
        and graduated in a transaction of its own (announcing
        ``enrolment_status_changed`` to ``graduated``), or reported with what
        is missing. payload: {"student_ids": ["<id>", ...], "actor": "registrar.li"}"""
        fields = require_actor(load(GraduationConfirmationSchema(), payload))
        self.store.read(lambda uow: uow.records.programme(programme_id))
        now = self.clock()
        outcomes = [self.store.transact(lambda uow: graduation.graduate(
            uow, programme_id, student_id, fields["actor"], now))
            for student_id in dict.fromkeys(fields["student_ids"])]
        graduated = sum(1 for outcome in outcomes if outcome["graduated"])
        return {"programme_id": programme_id, "graduated": graduated,
                "not_graduated": len(outcomes) - graduated, "students": outcomes}

    # after graduation --------------------------------------------------------------------

    @rpc
    def record_destination(self, student_id, payload):
        """A graduate's first destination (a correction keeps the earlier one);
        announces ``destination_recorded``.
        payload: {"kind": "hired", "enterprise_id": "<partner id>", "position": "数控工艺员",
                  "started_on": "2030-07-01", "actor": "li.registrar"}"""
        fields = require_actor(load(DestinationSchema(), payload))
        now = self.clock()
        return student_view.dump(self.store.transact(
            lambda uow: destinations.record_destination(uow, student_id, fields, now)))

    @rpc
    def record_retention(self, student_id, payload):
        """Whether a hired graduate is still employed there 6 or 12 months on;
        announces ``retention_recorded``.
        payload: {"months": 12, "still_employed": true, "actor": "li.registrar"}"""
        fields = require_actor(load(RetentionSchema(), payload))
        now = self.clock()
        return student_view.dump(self.store.transact(
            lambda uow: destinations.record_retention(uow, student_id, fields, now.date(), now)))

    @event_handler("projects", "graduate_hire_reported")
    def on_graduate_hire_reported(self, event):
        data, now = read(event), self.clock()
        self.store.handle_once(event, lambda uow: destinations.reported_hire(uow, data, now))

    @event_handler("projects", "graduate_departure_reported")
    def on_graduate_departure_reported(self, event):
        data, now = read(event), self.clock()
        self.store.handle_once(event, lambda uow: destinations.reported_departure(uow, data,
                                                                                  now))

    # what students achieved --------------------------------------------------------------

    def _remember(self, events, facts, write):
        return self.store.remember_in_bulk(
            events, read, lambda records, loaded: write(records, [
                fact for data in loaded for fact in facts(data)]))

    @event_handler("certificates", "credits_granted", batched=True)
    def on_credits_granted(self, events):
        return self._remember(events, lambda data: [rules.credit_grant(data)],
                              graduation.remember)

    @event_handler("certificates", "credits_reversed", batched=True)
    def on_credits_reversed(self, events):
        return self._remember(events, lambda data: [rules.credit_grant(data)],
                              graduation.withdraw)

    @event_handler("certificates", "certificate_issued", batched=True)
    def on_certificate_issued(self, events):
        return self._remember(events, lambda data: [
            rules.certificate_held(d) for d in graduation.students_only([data])],
            graduation.remember)

    @event_handler("certificates", "certificate_revoked", batched=True)
    def on_certificate_revoked(self, events):
        return self._remember(events, lambda data: [
            rules.certificate_held({**d, "certificate_code": None, "level": None})
            for d in graduation.students_only([data])], graduation.withdraw)

    @event_handler("projects", "placement_ended", batched=True)
    def on_placement_ended(self, events):
        return self._remember(events, lambda data: [rules.placement_finished(data)],
                              graduation.remember)

    @event_handler("projects", "project_completed", batched=True)
    def on_project_completed(self, events):
        return self._remember(events, rules.project_grades, graduation.remember)
