"""What other services tell us: local copies of partners, apprentices,
teams and teachers' certificates, learnt from enrollment's, projects' and
certificates' events."""
from college_contracts import read
from college_platform.events import event_handler
from college_platform.rpc import rpc
from mentors import workflows
from mentors.domain import apprenticeship_end, is_apprenticeship_enrolment, is_teachers_certificate


class CopiesEntrypoints:

    @rpc
    def get_partner(self, partner_id):
        """The local copy of a partner, as learnt from enrollment's events."""
        return self.records.partner(partner_id)

    @event_handler("enrollment", "partner_registered")
    def on_partner_registered(self, event):
        data = read(event)
        self.store.handle_once(event, lambda uow: workflows.partner_registered(uow, data))

    @event_handler("enrollment", "student_enrolled")
    def on_student_enrolled(self, event):
        data = read(event)
        if not is_apprenticeship_enrolment(data):
            return
        self.store.handle_once(event, lambda uow: workflows.apprentice_enrolled(uow, data))

    @event_handler("enrollment", "apprentice_contract_signed")
    def on_apprentice_contract_signed(self, event):
        data = read(event)
        self.store.handle_once(event, lambda uow: workflows.apprentice_contract_signed(uow, data))

    @event_handler("enrollment", "enrolment_status_changed")
    def on_enrolment_status_changed(self, event):
        data = read(event)
        reason = apprenticeship_end(data)
        if reason is None:
            return
        self.store.handle_once(event, lambda uow: workflows.apprenticeship_ended(
            uow, data["student_id"], reason))

    @event_handler("projects", "team_formed")
    def on_team_formed(self, event):
        data = read(event)
        self.store.handle_once(event, lambda uow: workflows.team_formed(uow, data))

    @event_handler("certificates", "certificate_issued")
    def on_certificate_issued(self, event):
        data = read(event)
        if not is_teachers_certificate(data):
            return
        today, rule = self.clock.today(), self.rule
        self.store.handle_once(event, lambda uow: workflows.certificate_issued(
            uow, data, today, rule))

    @event_handler("certificates", "certificate_revoked")
    def on_certificate_revoked(self, event):
        data = read(event)
        if not is_teachers_certificate(data):
            return
        today, rule = self.clock.today(), self.rule
        self.store.handle_once(event, lambda uow: workflows.certificate_revoked(
            uow, data, today, rule))
