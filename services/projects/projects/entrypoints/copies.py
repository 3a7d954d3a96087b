"""Local copies of other services' records, learnt from their events."""
from college_contracts import read
from college_platform.events import event_handler
from projects import domain, workflows
from projects.entrypoints import grace_days


class CopiesEntrypoints:

    @event_handler("enrollment", "partner_registered")
    def on_partner_registered(self, event):
        data = read(event)

        self.store.handle_once(event, lambda uow: uow.records.remember(
            "partners", data["partner_id"], {"legal_name": data["legal_name"]}))

    @event_handler("enrollment", "student_enrolled", batched=True)
    def on_student_enrolled(self, events):
        """A batch at a time: a province's admission list enrols thousands at once."""
        return self.store.remember_in_bulk(
            events, read, lambda records, enrolled: records.remember_enrolments(enrolled))

    @event_handler("enrollment", "enrolment_status_changed")
    def on_enrolment_status_changed(self, event):
        data = read(event)
        now = self.clock()

        self.store.handle_once(event, lambda uow: workflows.enrolment_status_changed(
            uow, data, now, grace_days()))

    @event_handler("enrollment", "destination_recorded")
    def on_destination_recorded(self, event):
        """Who employs a graduate: the one enterprise that may report them leaving."""
        data = read(event)

        self.store.handle_once(event, lambda uow: uow.records.remember(
            "students", data["student_id"], {"employer_id": domain.employer_of(data)}))

    @event_handler("mentors", "mentor_registered")
    def on_mentor_registered(self, event):
        data = read(event)

        self.store.handle_once(event, lambda uow: uow.records.remember(
            "mentors", data["mentor_id"], {"name": data["name"], "kind": data["kind"],
                                           "enterprise_id": data["enterprise_id"]}))

    @event_handler("mentors", "mentor_assigned")
    def on_mentor_assigned(self, event):
        data = read(event)
        if not domain.is_team_mentor_assignment(data["role"], data["team_id"]):
            return

        self.store.handle_once(event, lambda uow: workflows.assign_team_mentor(
            uow, data["team_id"], data["mentor_id"]))
