"""Scopes fail closed: an enterprise account without an enterprise, or an
enterprise filter given empty, never turns into "every enterprise's data";
and a teacher (a college tutor) reads no applicant's file."""
import json
import re
import subprocess
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from college_platform.errors import InvalidInput
from gateway.api import route_table
from gateway.auth import ENTERPRISE_USER, ROLES, TEACHER, Forbidden, Principal, authorize
from gateway.scoping import enterprise_filter
from gateway.service import GatewayService

WEB = Path(__file__).resolve().parents[1] / "web"
# an applicant's file: identity, contact, statement, interview, offer, signatures
APPLICANT_FILES = ("/v1/applicants", "/v1/applications", "/v1/tripartite-agreements")


def request_for(principal, query=None):
    request = Request(EnvironBuilder(path="/v1/projects", query_string=query).get_environ())
    request.principal = principal
    return request


def test_an_enterprise_account_without_an_enterprise_may_use_no_route():
    orphan = Principal("hr.nobody", ENTERPRISE_USER)
    with pytest.raises(Forbidden):
        authorize(orphan, ROLES)
    authorize(Principal("hr.zhizao", ENTERPRISE_USER, enterprise_id="p-1"), ROLES)


def test_an_enterprise_is_scoped_to_itself_whatever_it_asks():
    own = Principal("hr.zhizao", ENTERPRISE_USER, enterprise_id="p-1")
    assert enterprise_filter(request_for(own, "enterprise_id=p-2")) == {"enterprise_id": "p-1"}
    with pytest.raises(Forbidden):
        enterprise_filter(request_for(Principal("hr.nobody", ENTERPRISE_USER)))


def test_an_empty_enterprise_filter_is_a_field_error_not_every_enterprise():
    staff = Principal("coordinator", "project_coordinator")
    with pytest.raises(InvalidInput) as raised:
        enterprise_filter(request_for(staff, "enterprise_id="))
    assert "enterprise_id" in raised.value.errors
    assert enterprise_filter(request_for(staff, "enterprise_id=p-2")) == {"enterprise_id": "p-2"}
    assert enterprise_filter(request_for(staff)) == {}


def applicant_file_routes():
    return [route for route in route_table(GatewayService)
            if route["url"].startswith(APPLICANT_FILES) and not route["public"]]


def test_a_teacher_reads_no_application_applicant_or_tripartite_agreement():
    routes = applicant_file_routes()
    assert len(routes) >= 10
    admitted = ["%s %s" % (route["method"], route["url"]) for route in routes
                if TEACHER in route["roles"]]
    assert admitted == []


def console_roles():
    script = "import {ROLES} from %s; console.log(JSON.stringify(ROLES));" % json.dumps(
        (WEB / "js/roles.js").as_uri())
    result = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True,
                            text=True, timeout=30, check=True)
    return json.loads(result.stdout)


def test_the_console_shows_applications_to_the_roles_the_api_admits():
    readers = next(route["roles"] for route in route_table(GatewayService)
                   if (route["method"], route["url"]) ==
                   ("GET", "/v1/applications/<application_id>"))
    assert sorted(console_roles()["applicationReaders"]) == sorted(readers)
    app = (WEB / "js/app.js").read_text(encoding="utf-8")
    assert re.search(r'\["/applications/:id", \w+, ROLES\.applicationReaders\]', app)
    programmes = (WEB / "js/screens/programmes.js").read_text(encoding="utf-8")
    assert "can(user, ROLES.applicationReaders)" in programmes, \
        "a programme's page lists its applications only to those who may read them"
