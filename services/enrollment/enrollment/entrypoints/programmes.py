"""Programmes, their partners' seat quotas and the quota ledger."""
from college_platform.errors import Conflict
from college_platform.repository import paged_view
from college_platform.rpc import rpc
from college_platform.validation import PageQuerySchema, load
from enrollment.entrypoints.base import ledger_view, programme_view
from enrollment.schemas import (
    CompetenciesSchema,
    NewProgrammeSchema,
    ProgrammeQuerySchema,
    SetQuotaSchema,
)
from enrollment.workflows import programmes


class ProgrammeEntrypoints:

    @rpc
    def create_programme(self, payload):
        """A programme with its seat quotas per partner; announces ``programme_created``.
        A partner's quota needs an active agreement that covers the programme's code.

        payload: {"code": "2027-MA-CNC", "name": "数控技术现代学徒制班",
                  "kind": "apprenticeship", "intake_year": 2027, "capacity": 40,
                  "quotas": [{"partner_id": "<id>", "seats": 30}],
                  "selection_criteria": "高中毕业，数学成绩良好",
                  "courses": [{"code": "CNC101", "name": "数控编程", "credits": 4}]}
        """
        programme, quotas = programmes.new_programme(load(NewProgrammeSchema(), payload))
        today = self.clock.today()
        self.store.transact(
            lambda uow: programmes.create_programme(uow, programme, quotas, today),
            on_duplicate=Conflict("a programme with code %s exists" % programme["code"],
                                  field="code"))
        return self.get_programme(programme["_id"])

    @rpc
    def set_quota(self, programme_id, partner_id, payload):
        """Set a partner's seat quota in a programme (never below the seats it
        already holds). payload: {"seats": 25}"""
        seats = load(SetQuotaSchema(), payload)["seats"]
        today = self.clock.today()
        self.store.transact(
            lambda uow: programmes.set_quota(uow, programme_id, partner_id, seats, today))
        return self.get_programme(programme_id)

    @rpc
    def set_competencies(self, programme_id, payload):
        """What employers rate the programme's graduates on; surveys already
        scheduled keep the competencies they were made with.
        payload: {"competencies": ["数控编程", "设备维护", "职业素养"]}"""
        competencies = load(CompetenciesSchema(), payload)["competencies"]
        self.store.transact(lambda uow: uow.records.set_competencies(programme_id,
                                                                     competencies))
        return self.get_programme(programme_id)

    @rpc
    def get_programme(self, programme_id, actor=None):
        """The programme with its quotas and seat ledger figures (an enterprise
        user's: a programme it holds a quota in, with its own quota only)."""
        return programme_view.dump(self.store.read(
            lambda uow: programmes.programme(uow, programme_id, actor)))

    @rpc
    def list_programmes(self, query=None, actor=None):
        """query: {"kind": "apprenticeship", "intake_year": 2027, "partner_id": "<id>"}"""
        params = load(ProgrammeQuerySchema(), query or {})
        listed = self.store.read(lambda uow: programmes.programmes_page(uow, params, actor))
        listed["items"] = programme_view.dump(listed["items"], many=True)
        return listed

    @rpc
    def list_ledger_entries(self, programme_id, query=None):
        """Every seat movement of a programme: reserve, consume, release."""
        params = load(PageQuerySchema(), query or {})
        self.store.read(lambda uow: uow.records.programme(programme_id))
        return paged_view(self.store.db.ledger, {"programme_id": programme_id}, params, ledger_view)
