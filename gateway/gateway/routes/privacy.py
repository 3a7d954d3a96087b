"""The audit trail for administrators and a student's personal data export."""
import logging

from eventlet.greenpool import GreenPool

from college_platform.envelope import utcnow
from college_platform.errors import NotFound
from college_platform.http import json_response
from college_platform.validation import load
from gateway.api import Page, ServiceUnavailable, route
from gateway.audit import AuditEventSchema, AuditQuerySchema
from gateway.auth import ADMIN, STUDENT
from gateway.schemas import PersonalDataExportSchema

log = logging.getLogger(__name__)

MAX_EXPORT_PAGES = 20  # a hundred items a page: far beyond one student's records
PAGE = 100


class PrivacyRoutes:

    @route("GET", "/v1/audit-events", roles=(ADMIN,),
           summary="The audit trail, newest first (filters: username, role, enterprise_id, "
                   "method, path_prefix, outcome, kind, subject_id, since, until)",
           query=AuditQuerySchema, response=Page(AuditEventSchema))
    def list_audit_events(self, request):
        params = load(AuditQuerySchema(), dict(request.args.items()))
        return json_response(200, self.audit.find(params))

    @route("GET", "/v1/students/<student_id>/personal-data-export", roles=(ADMIN, STUDENT),
           audit="personal_data_export",
           summary="Everything the system holds about a student, as a JSON download",
           response=PersonalDataExportSchema)
    def export_personal_data(self, request, student_id):
        """The student themself or an administrator. Each service is asked with
        the usual deadline; a service that does not answer is listed in
        ``missing`` and the export is marked ``partial``."""
        principal = request.principal
        if principal.role == STUDENT and principal.student_id != student_id:
            raise NotFound("student %s does not exist" % student_id)
        export = {"student_id": student_id, "exported_at": utcnow().isoformat(),
                  "partial": False, "missing": []}
        try:
            student = self.call("enrollment", "get_student", student_id)
        except ServiceUnavailable:
            student = None
            export["missing"].append("enrollment")
        export["enrollment"] = {"student": student}
        parts = self._export_parts(student_id, student)
        pool = GreenPool(len(parts))
        for (section, name), value in zip(parts, pool.imap(self._export_part, parts.values())):
            if value is _MISSING:
                export["missing"].append("%s.%s" % (section, name))
            else:
                export.setdefault(section, {})[name] = value
        export["partial"] = bool(export["missing"])
        return json_response(200, export, {
            "Content-Disposition": 'attachment; filename="student-%s-personal-data.json"'
                                   % student_id})

    def _export_parts(self, student_id, student):
        """Each part of the export: a call to a service's own get or list RPC."""
        def every(service, method, **query):
            return lambda: self._every_page(service, method, query)

        def one(service, method, *args):
            return lambda: self.call(service, method, *args)

        parts = {
            ("projects", "teams"): every("projects", "list_teams", student_id=student_id),
            ("projects", "grades"): every("projects", "list_grades", student_id=student_id),
            ("projects", "placements"): every("projects", "list_placements",
                                              student_id=student_id),
            ("projects", "checkin_alerts"): every("projects", "list_checkin_alerts",
                                                  student_id=student_id),
            ("projects", "feedback"): every("projects", "list_feedback", student_id=student_id),
            ("mentors", "assignments"): every("mentors", "list_assignments",
                                              student_id=student_id),
            ("certificates", "registrations"): every("certificates", "list_registrations",
                                                     candidate_id=student_id),
            ("certificates", "certificates"): every("certificates", "list_issued",
                                                    candidate_id=student_id),
            ("certificates", "credits"): one("certificates", "credit_account",
                                             {"student_id": student_id}),
        }
        if student is not None:
            parts[("enrollment", "applicant")] = one("enrollment", "get_applicant",
                                                     student["applicant_id"])
            parts[("enrollment", "application")] = one("enrollment", "get_application",
                                                       student["application_id"])
        return parts

    @staticmethod
    def _export_part(fetch):
        try:
            return fetch()
        except NotFound:
            return None
        except Exception as exc:  # a slow, dead or failing service: that part is missing
            log.warning("personal data export: a part is missing (%s: %s)",
                        type(exc).__name__, exc)
            return _MISSING

    def _every_page(self, service, method, query):
        items = []
        for page_number in range(MAX_EXPORT_PAGES):
            page = self.call(service, method, {**query, "offset": page_number * PAGE,
                                               "limit": PAGE})
            items.extend(page["items"])
            if len(items) >= page["total"] or not page["items"]:
                break
        return items


_MISSING = object()
