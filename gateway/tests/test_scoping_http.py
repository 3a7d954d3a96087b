"""Scopes and downloads through real HTTP: an enterprise account without an
enterprise and an empty enterprise filter fail closed, a teacher reads no
application, and CSV exports and credentials are never kept in a cache. The
gateway runs for real; stand-in services answer its RPCs and note what they
were asked."""
import pytest
from nameko.rpc import rpc
from test_gateway_protection_http import sign_in

from gateway.service import GatewayService

ASKED = []
STUDENTS = [{"id": "stu-1", "name": "李明", "partner_id": "p-1"},
            {"id": "stu-2", "name": "王芳", "partner_id": "p-2"}]


def page(items, query):
    ASKED.append(query)
    return {"items": items, "total": len(items), "offset": 0, "limit": 20}


class StandInEnrollment:
    name = "enrollment"

    @rpc
    def list_students(self, query, actor=None):
        return page(STUDENTS, query)

    @rpc
    def list_applications(self, query):
        return page([{"id": "a-1", "applicant_name": "李明", "partner_id": "p-1"}], query)

    @rpc
    def get_application(self, application_id, actor=None):
        return {"id": application_id, "applicant_name": "李明", "partner_id": "p-1",
                "statement": "我想学数控", "status": "interviewed"}


class StandInProjects:
    name = "projects"

    @rpc
    def list_projects(self, query):
        return page([{"id": "pr-1", "enterprise_id": "p-1"},
                     {"id": "pr-2", "enterprise_id": "p-2"}], query)


class StandInCertificates:
    name = "certificates"

    @rpc
    def get_issued(self, number):
        return {"certificate_number": number, "candidate_id": "stu-1"}

    @rpc
    def get_credential(self, number, actor=None):
        return {"type": ["VerifiableCredential"], "credentialSubject": {"name": "李明"}}


@pytest.fixture
def gateway(web_session, start_service):
    ASKED.clear()
    for stand_in in (StandInEnrollment, StandInProjects, StandInCertificates):
        start_service(stand_in)
    return start_service(GatewayService)


@pytest.fixture
def db(gateway, database):
    return database("gateway")


def test_an_enterprise_account_without_an_enterprise_gets_403_not_every_student(
        web_session, gateway, db):
    orphan = sign_in(web_session, db, "hr.nobody", "enterprise_user")
    for path in ("/v1/students", "/v1/projects", "/v1/applications"):
        response = web_session.get(path, headers=orphan)
        assert response.status_code == 403, (path, response.text)
    assert ASKED == [], "no service was asked for anyone's data"


def test_an_empty_enterprise_filter_is_a_400_naming_it(web_session, gateway, db):
    coordinator = sign_in(web_session, db, "zhou", "project_coordinator")
    response = web_session.get("/v1/projects?enterprise_id=", headers=coordinator)
    assert response.status_code == 400, response.text
    assert "enterprise_id" in response.json()["errors"]
    assert ASKED == []


def test_a_teacher_reads_no_application(web_session, gateway, db):
    teacher = sign_in(web_session, db, "wang.teacher", "teacher")
    for path in ("/v1/applications", "/v1/applications/a-1"):
        assert web_session.get(path, headers=teacher).status_code == 403, path
    admissions = sign_in(web_session, db, "li.admissions", "admissions_officer")
    assert web_session.get("/v1/applications/a-1", headers=admissions).status_code == 200


def test_exports_and_credentials_are_never_stored_but_the_console_is_cached(
        web_session, gateway, db):
    admin = sign_in(web_session, db, "root", "admin")
    export = web_session.get("/v1/students?format=csv", headers=admin)
    credential = web_session.get("/v1/issued-certificates/X-1/credential", headers=admin)
    listed = web_session.get("/v1/students", headers=admin)
    for response in (export, credential, listed):
        assert response.status_code == 200, response.text
        assert response.headers["Cache-Control"] == "no-store", response.request.url
    assert "李明" in export.content.decode("utf-8-sig")
    script = web_session.get("/console/js/app.js")
    assert script.headers["Cache-Control"] == "public, max-age=300, must-revalidate"
