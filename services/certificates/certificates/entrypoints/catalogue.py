"""The 1+X catalogue and its exam sessions."""
from certificates import workflows
from certificates.schemas import (
    CertificateSchema,
    NewCertificateSchema,
    NewSessionSchema,
    SessionQuerySchema,
    SessionSchema,
)
from college_platform.envelope import utcnow
from college_platform.errors import Conflict
from college_platform.repository import new_id
from college_platform.rpc import rpc
from college_platform.validation import PageQuerySchema, load

certificate_view = CertificateSchema()
session_view = SessionSchema()


class CatalogueEntrypoints:

    @rpc
    def add_certificate(self, payload):
        """Add an X certificate to the catalogue; announces ``certificate_catalogued``.

        payload: {"code": "1X-IOT-01", "title": "物联网安装调试与运维",
                  "organisation": "新大陆教育", "levels": ["junior", "intermediate"],
                  "alignment": {"programmes": ["IOT-2027"], "courses": [], "competitions": []},
                  "pass_rule": {"theory_min": 60, "practical_min": 60},
                  "prerequisites": [{"level": "intermediate",
                                     "requires": {"code": "1X-IOT-01", "level": "junior"}}]}
        """
        fields = load(NewCertificateSchema(), payload)
        certificate = {"_id": new_id(), **fields, "created_at": utcnow()}
        self.store.transact(
            lambda uow: workflows.add_certificate(uow, certificate),
            on_duplicate=Conflict("certificate code %s is already in the catalogue"
                                  % certificate["code"], field="code"))
        return certificate_view.dump(certificate)

    @rpc
    def get_certificate(self, code):
        return certificate_view.dump(self.store.reading().records.certificate(
            str(code).upper()))

    @rpc
    def list_certificates(self, query=None):
        params = load(PageQuerySchema(), query or {})
        return self.store.reading().records.catalogue_page(params, certificate_view)

    # exam sessions -----------------------------------------------------------------

    @rpc
    def create_session(self, payload):
        """Schedule an exam session.

        payload: {"certificate_code": "1X-IOT-01", "level": "junior", "site": "实训楼 A302",
                  "exam_date": "2027-06-12", "registration_deadline": "2027-05-31",
                  "capacity": 40}
        """
        fields = load(NewSessionSchema(), payload)
        return session_view.dump(self.store.transact(
            lambda uow: workflows.schedule_session(uow, fields)))

    @rpc
    def get_session(self, session_id):
        return session_view.dump(self.store.reading().records.exam_session(session_id))

    @rpc
    def list_sessions(self, query=None):
        params = load(SessionQuerySchema(), query or {})
        criteria = {key: params[key] for key in ("certificate_code", "level") if params[key]}
        return self.store.reading().records.sessions_page(criteria, params, session_view)
