"""The gateway's audit trail, personal data handling and protective headers
with every component running as its own process."""
import time

import pytest
import requests

from testkit.servers import wait_until

pytestmark = pytest.mark.e2e

PARTNER = {"legal_name": "苏州精工机械有限公司", "credit_code": "91350100M000100Y43",
           "industry": "装备制造"}
APPLICANTS_CSV = ("name,resident_id,phone\n"
                  "李明,110105200503010016,13800138000\n")


@pytest.fixture(scope="module")
def admin(system):
    return system.user("root", "admin")


@pytest.fixture(scope="module")
def officer(system):
    return system.user("zhou.admissions", "admissions_officer")


def audit_events(system, headers, **filters):
    response = requests.get(system.url("gateway", "/v1/audit-events"), params=filters,
                            headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_a_state_change_is_in_the_trail_for_admins_only(system, admin):
    response = requests.post(system.url("gateway", "/v1/partners"), json=PARTNER, timeout=10,
                             headers={**admin, "X-Request-Id": "e2e-partner-1"})
    assert response.status_code == 201, response.text
    assert response.headers["X-Request-Id"] == "e2e-partner-1"

    event = wait_until(lambda: audit_events(system, admin, path_prefix="/v1/partners",
                                            method="POST"),
                       message="the audit writer to store the record")[0]
    assert (event["username"], event["role"], event["route"], event["status"],
            event["outcome"], event["request_id"]) == \
        ("root", "admin", "/v1/partners", 201, "success", "e2e-partner-1")
    assert system.db("gateway").audit_log.count_documents({}) >= 1
    assert "credit_code" not in str(event), "the body itself is not in the trail"

    teacher = system.user("wang.teacher", "teacher")
    refused = requests.get(system.url("gateway", "/v1/audit-events"), headers=teacher, timeout=10)
    assert refused.status_code == 403


def test_an_unmasked_read_of_personal_data_is_audited(system, admin, officer):
    report = requests.post(system.url("gateway", "/v1/applicant-imports"), headers=officer,
                           json={"filename": "intake.csv", "csv": APPLICANTS_CSV}, timeout=30)
    assert report.status_code == 200, report.text
    listed = requests.get(system.url("gateway", "/v1/applicants"), headers=officer,
                          timeout=10).json()
    applicant = listed["items"][0]
    assert (applicant["resident_id"], applicant["phone"]) == \
        ("110105200503010016", "13800138000"), "the admissions office needs them in full"

    reads = wait_until(lambda: audit_events(system, admin, kind="personal_data_read",
                                            username="zhou.admissions"),
                       message="the personal data read in the trail")
    assert reads[0]["path"] == "/v1/applicants"
    assert applicant["id"] in reads[0]["subject_ids"]


def test_an_export_of_an_unknown_student_is_404_and_audited(system, admin):
    response = requests.get(system.url("gateway", "/v1/students/nobody/personal-data-export"),
                            headers=admin, timeout=10)
    assert response.status_code == 404
    exports = wait_until(lambda: audit_events(system, admin, kind="personal_data_export"),
                         message="the export attempt in the trail")
    assert (exports[0]["status"], exports[0]["object_ids"]) == (404, {"student_id": "nobody"})


def test_headers_and_cors_without_configured_origins(system):
    for response in (requests.get(system.url("gateway", "/live"), timeout=10),
                     requests.get(system.url("gateway", "/v1/nope"), timeout=10)):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Request-Id"]
    preflight = requests.options(system.url("gateway", "/v1/partners"), timeout=10, headers={
        "Origin": "https://console.example.edu", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403, "no origin is allowed unless configured"
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_a_call_the_gateway_gave_up_on_is_not_carried_out_later(system, admin):
    """The gateway answers 503 when a service does not answer within its deadline;
    the request then expires in the service's queue, so the client that was told
    it failed can send it again without finding it done twice."""
    system.processes["certificates"].stop()
    try:
        response = requests.post(system.url("gateway", "/v1/certificates"), headers=admin,
                                 json={"code": "1X-LATE-01", "title": "迟到的证书",
                                       "organisation": "新大陆教育", "levels": ["junior"],
                                       "pass_rule": {"theory_min": 60, "practical_min": 60}},
                                 timeout=30)
        assert response.status_code == 503, response.text
        assert response.headers.get("Retry-After")
    finally:
        system.start("certificates")
        wait_until(lambda: system.healthy("certificates"), timeout=60, interval=0.5,
                   message="certificates to be back")
    # what the queue held has been consumed (or expired) by now
    time.sleep(2)
    catalogue = requests.get(system.url("gateway", "/v1/certificates"), headers=admin,
                             timeout=10)
    assert catalogue.status_code == 200
    assert "1X-LATE-01" not in [item["code"] for item in catalogue.json()["items"]]
