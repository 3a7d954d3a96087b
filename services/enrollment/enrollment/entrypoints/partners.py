"""Partner enterprises and their cooperation agreements."""
from college_platform.errors import Conflict
from college_platform.repository import filters, paged_view
from college_platform.rpc import rpc
from college_platform.validation import PageQuerySchema, load
from enrollment import settings
from enrollment.entrypoints.base import agreement_view, partner_view
from enrollment.schemas import (
    AgreementAmendmentSchema,
    AgreementQuerySchema,
    AgreementStatusSchema,
    NewAgreementSchema,
    NewPartnerSchema,
)
from enrollment.workflows import agreements, commitments, partners


class PartnerEntrypoints:

    # partners ----------------------------------------------------------------------------

    @rpc
    def register_partner(self, payload):
        """Register a partner enterprise; announces ``partner_registered``.

        payload: {"legal_name": "深圳智造科技有限公司", "credit_code": "91350100M000100Y43",
                  "industry": "smart manufacturing", "contacts": [{"name": "王芳"}]}
        """
        partner = partners.new_partner(load(NewPartnerSchema(), payload))
        self.store.transact(lambda uow: partners.register_partner(uow, partner),
                            on_duplicate=Conflict(
                                "a partner with credit code %s is already registered"
                                % partner["credit_code"], field="credit_code"))
        return partner_view.dump(partner)

    @rpc
    def get_partner(self, partner_id, actor=None):
        return partner_view.dump(self.store.read(
            lambda uow: partners.partner(uow, partner_id, actor)))

    @rpc
    def list_partners(self, query=None):
        params = load(PageQuerySchema(), query or {})
        return paged_view(self.store.db.partners, {}, params, partner_view)

    # cooperation agreements --------------------------------------------------------------

    @rpc
    def create_agreement(self, payload):
        """A draft cooperation agreement; announces ``agreement_changed``.

        payload: {"partner_id": "<id>", "title": "数控技术现代学徒制合作协议",
                  "starts_on": "2027-01-01", "ends_on": "2029-12-31",
                  "programme_codes": ["2027-MA-CNC"]}
        """
        agreement = agreements.new_agreement(load(NewAgreementSchema(), payload))
        self.store.transact(lambda uow: agreements.create_agreement(uow, agreement))
        return agreement_view.dump(agreement)

    @rpc
    def change_agreement_status(self, agreement_id, payload):
        """Activate, suspend, resume (activate again) or terminate an agreement;
        announces ``agreement_activated`` or ``agreement_changed``.

        payload: {"status": "active"} or {"status": "terminated", "reason": "合作终止"}
        """
        fields = load(AgreementStatusSchema(), payload)
        today = self.clock.today()
        return agreement_view.dump(self.store.transact(
            lambda uow: agreements.change_agreement_status(
                uow, agreement_id, fields["status"], fields["reason"], today)))

    @rpc
    def amend_agreement(self, agreement_id, payload):
        """Change a draft, active or suspended agreement's title, end date or
        scope; announces ``agreement_changed``. The previous terms are kept in
        ``amendments``.

        payload: {"ends_on": "2030-12-31", "programme_codes": ["2027-MA-CNC", "2028-MA-CNC"],
                  "clauses": [{"id": "seats", "party": "enterprise", "metric": "seats_filled",
                               "target": 30, "due_on": "2027-09-30",
                               "description": "招收学徒30名"}],
                  "reason": "续签两年"}
        """
        fields = load(AgreementAmendmentSchema(), payload)
        return agreement_view.dump(self.store.transact(
            lambda uow: agreements.amend_agreement(uow, agreement_id, fields)))

    @rpc
    def get_agreement(self, agreement_id, actor=None):
        """The agreement, with each party's fulfilment of its clauses as of today."""
        today = self.clock.today()
        return agreement_view.dump(self.store.read(
            lambda uow: commitments.with_fulfilment(
                uow, agreements.agreement(uow, agreement_id, actor), today,
                settings.CLAUSE_AT_RISK_TOLERANCE())))

    @rpc
    def list_agreements(self, query=None):
        """query: {"partner_id": "<id>", "status": "active", "offset": 0, "limit": 20}"""
        params = load(AgreementQuerySchema(), query or {})
        return paged_view(self.store.db.agreements, filters(params, "partner_id", "status"),
                          params, agreement_view)
