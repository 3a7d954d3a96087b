"""Certificates service entrypoints: the 1+X certificate catalogue."""
from nameko.rpc import rpc
from pymongo import IndexModel

from certificates.schemas import CertificateSchema, NewCertificateSchema
from college_contracts import checked
from college_platform.envelope import utcnow
from college_platform.errors import Conflict, NotFound
from college_platform.mongo import MongoStore
from college_platform.repository import RECENT_FIRST, new_id, paged_view
from college_platform.service import PlatformService
from college_platform.validation import PageQuerySchema, load

certificate_view = CertificateSchema()


class CertificatesService(PlatformService):
    name = "certificates"

    store = MongoStore(indexes={
        "catalogue": [IndexModel("code", unique=True, name="code_unique"), RECENT_FIRST],
    })

    @rpc
    def add_certificate(self, payload):
        """Add an X certificate to the catalogue; announces ``certificate_catalogued``.

        payload: {"code": "1+X-IOT-01", "title": "物联网安装调试与运维",
                  "organisation": "...", "levels": ["junior", "intermediate"],
                  "alignment": {"programmes": ["IoT"], "courses": [], "competitions": []}}
        """
        fields = load(NewCertificateSchema(), payload)
        certificate = {"_id": new_id(), **fields, "created_at": utcnow()}

        def add(uow):
            uow.db.catalogue.insert_one(certificate, session=uow.session)
            uow.emit("certificate_catalogued", checked("certificates", "certificate_catalogued", {
                "certificate_id": certificate["_id"], "code": certificate["code"],
                "title": certificate["title"], "levels": certificate["levels"],
            }))

        self.store.transact(add, on_duplicate=Conflict(
            "certificate code %s is already in the catalogue" % certificate["code"],
            field="code"))
        return certificate_view.dump(certificate)

    @rpc
    def get_certificate(self, code):
        certificate = self.store.db.catalogue.find_one({"code": code.upper()})
        if certificate is None:
            raise NotFound("certificate %s is not in the catalogue" % code, code=code)
        return certificate_view.dump(certificate)

    @rpc
    def list_certificates(self, query=None):
        params = load(PageQuerySchema(), query or {})
        return paged_view(self.store.db.catalogue, {}, params, certificate_view)
