"""Local copies of other services' data, learnt from their events: programmes
and students (enrollment), teachers (mentors), project deliverables as
evidence (projects)."""
from certificates import workflows
from college_contracts import read
from college_platform.events import event_handler


class LocalCopiesEntrypoints:

    @event_handler("enrollment", "programme_created")
    def on_programme_created(self, event):
        data = read(event)
        self.store.handle_once(event, lambda uow: workflows.remember_programme(uow, data))

    @event_handler("enrollment", "student_enrolled", batched=True)
    def on_student_enrolled(self, events):
        """A batch at a time: a province's admission list enrols thousands at once."""
        return self.store.remember_in_bulk(
            events, read, lambda records, enrolled: records.remember_students(enrolled))

    @event_handler("enrollment", "enrolment_status_changed")
    def on_enrolment_status_changed(self, event):
        data = read(event)
        self.store.handle_once(event, lambda uow: workflows.change_enrolment(uow, data))

    @event_handler("mentors", "mentor_registered")
    def on_mentor_registered(self, event):
        data = read(event)
        if data["kind"] != "teacher":
            return
        self.store.handle_once(event, lambda uow: workflows.remember_teacher(uow, data))

    @event_handler("projects", "project_completed")
    def on_project_completed(self, event):
        data = read(event)
        self.store.handle_once(event, lambda uow: workflows.remember_evidence(uow, data))
