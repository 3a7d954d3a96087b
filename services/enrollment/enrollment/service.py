"""Enrollment service entrypoints: joint school–enterprise enrolment."""
from nameko.rpc import rpc
from pymongo import IndexModel

from college_contracts import checked
from college_platform.envelope import utcnow
from college_platform.errors import Conflict
from college_platform.mongo import MongoStore
from college_platform.repository import RECENT_FIRST, get_or_raise, new_id, paged_view
from college_platform.service import PlatformService
from college_platform.validation import PageQuerySchema, load
from enrollment.schemas import NewPartnerSchema, PartnerSchema

partner_view = PartnerSchema()


class EnrollmentService(PlatformService):
    name = "enrollment"

    store = MongoStore(indexes={
        "partners": [IndexModel("credit_code", unique=True, name="credit_code_unique"),
                     RECENT_FIRST],
    })

    @rpc
    def register_partner(self, payload):
        """Register a partner enterprise; announces ``partner_registered``.

        payload: {"legal_name": "深圳智造科技有限公司", "credit_code": "91350100M000100Y43",
                  "industry": "smart manufacturing", "contacts": [{"name": "王芳"}]}
        """
        fields = load(NewPartnerSchema(), payload)
        partner = {"_id": new_id(), **fields, "created_at": utcnow()}

        def register(uow):
            uow.db.partners.insert_one(partner, session=uow.session)
            uow.emit("partner_registered", checked("enrollment", "partner_registered", {
                "partner_id": partner["_id"], "legal_name": partner["legal_name"],
                "credit_code": partner["credit_code"], "industry": partner["industry"],
            }))

        self.store.transact(register, on_duplicate=Conflict(
            "a partner with credit code %s is already registered" % partner["credit_code"],
            field="credit_code"))
        return partner_view.dump(partner)

    @rpc
    def get_partner(self, partner_id):
        return partner_view.dump(get_or_raise(self.store.db.partners, partner_id, "partner"))

    @rpc
    def list_partners(self, query=None):
        params = load(PageQuerySchema(), query or {})
        return paged_view(self.store.db.partners, {}, params, partner_view)
