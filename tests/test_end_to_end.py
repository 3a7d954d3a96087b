"""Through the gateway's HTTP API into a service, out as an event, into
another service's local copy: the whole system as it runs in production."""
import pytest
import requests

from testkit.servers import wait_until
from testkit.system import METRICS_TOKEN

pytestmark = pytest.mark.e2e

PARTNER = {"legal_name": "深圳智造科技有限公司", "credit_code": "91350100M000100Y43",
           "industry": "智能制造"}
OTHER_PARTNER = {"legal_name": "Hangzhou Robotics Co., Ltd.", "credit_code": "91110000100000000R",
                 "industry": "robotics"}


@pytest.fixture(scope="module")
def admin(system):
    return system.user("admin", "admin")


@pytest.fixture(scope="module")
def partners(system, admin):
    created = []
    for payload in (PARTNER, OTHER_PARTNER):
        response = requests.post(system.url("gateway", "/v1/partners"), json=payload,
                                 headers=admin, timeout=10)
        assert response.status_code == 201, response.text
        created.append(response.json())
    return created


def test_the_gateway_reports_every_service_up(system):
    # the system is started when each component says it is up; the gateway hears
    # from the services a moment later (on a loaded machine, a few seconds)
    response = wait_until(lambda: (lambda answer: answer if answer.status_code == 200 else None)(
        requests.get(system.url("gateway", "/health"), timeout=10)), timeout=30,
        message="the gateway to report every service up")
    health = response.json()
    assert health["status"] == "up"
    assert health["gateway"]["broker"]["status"] == "up"
    assert health["gateway"]["database"]["status"] == "up"
    assert health["gateway"]["consumers"]["status"] == "up"
    assert set(health["services"]) == {"enrollment", "projects", "mentors", "certificates"}
    for report in health["services"].values():
        assert (report["status"], report["broker"]["status"], report["database"]["status"],
                report["consumers"]["status"]) == ("up", "up", "up", "up")


def test_a_partner_registered_through_the_api_reaches_other_services(system, admin, partners):
    partner = partners[0]
    assert requests.get(system.url("gateway", "/v1/partners/%s" % partner["id"]),
                        headers=admin, timeout=10).json() == partner

    # mentors only accepts an industry mentor from a partner it learnt of by event
    def register_mentor():
        response = requests.post(system.url("gateway", "/v1/mentors"), headers=admin, timeout=10,
                                 json={"name": "李强", "kind": "industry",
                                       "enterprise_id": partner["id"]})
        return response if response.status_code == 201 else None

    mentor = wait_until(register_mentor, timeout=15, message="mentors to learn of the partner")
    assert mentor.headers["Location"] == "/v1/mentors/%s" % mentor.json()["id"]
    copy = system.db("mentors").partners.find_one({"_id": partner["id"]})
    assert copy["legal_name"] == PARTNER["legal_name"]
    wait_until(lambda: system.db("projects").partners.find_one({"_id": partner["id"]}),
               message="projects' local copy")


def test_each_service_seeds_its_first_entity_through_the_api(system, admin, partners):
    project = requests.post(system.url("gateway", "/v1/projects"), headers=admin, timeout=10, json={
        "title": "产线视觉质检", "enterprise_id": partners[0]["id"],
        "brief": "Build a vision quality-control cell", "team_size": 4,
        "start_date": "2027-03-01", "end_date": "2027-06-30"})
    assert project.status_code == 201, project.text
    certificate = requests.post(
        system.url("gateway", "/v1/certificates"), headers=admin, timeout=10,
        json={"code": "1X-IOT-01", "title": "物联网安装调试与运维", "organisation": "新大陆教育",
              "levels": ["junior", "intermediate"]})
    assert certificate.status_code == 201, certificate.text
    listed = requests.get(system.url("gateway", "/v1/certificates"), headers=admin, timeout=10)
    assert [c["code"] for c in listed.json()["items"]] == ["1X-IOT-01"]


def test_every_component_answers_liveness_without_its_dependencies(system):
    for name in ("enrollment", "projects", "mentors", "certificates", "gateway"):
        response = requests.get(system.url(name, "/live"), timeout=10)
        assert response.status_code == 200
        assert response.json() == {"service": name, "status": "alive"}


def test_no_token_is_401_and_a_bad_token_is_401(system):
    for headers in ({}, {"Authorization": "Bearer not.a.token"}):
        response = requests.get(system.url("gateway", "/v1/partners"), headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 401


def test_the_wrong_role_is_403(system):
    teacher = system.user("teacher1", "teacher")
    response = requests.post(system.url("gateway", "/v1/partners"), json=PARTNER,
                             headers=teacher, timeout=10)
    assert response.status_code == 403
    assert "teacher" in response.json()["detail"]


def test_a_malformed_body_is_400_with_field_errors(system, admin):
    response = requests.post(system.url("gateway", "/v1/partners"), headers=admin, timeout=10,
                             json={"legal_name": "", "credit_code": "91350100M000100Y44"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"legal_name", "credit_code", "industry"}
    assert "expected 3" in errors["credit_code"][0]

    not_json = requests.post(system.url("gateway", "/v1/partners"), headers=admin, timeout=10,
                             data="{oops")
    assert not_json.status_code == 400
    assert not_json.json()["title"] == "Malformed body"
    too_deep = requests.post(system.url("gateway", "/v1/partners"), headers=admin, timeout=10,
                             data="[" * 100000 + "]" * 100000)
    assert too_deep.status_code == 400
    assert too_deep.json()["detail"] == "the body nests too deeply"


def test_an_enterprise_user_sees_only_its_own_enterprise(system, partners):
    own, other = partners
    hr = system.user("hr.%s" % own["id"][:8], "enterprise_user", enterprise_id=own["id"])
    assert requests.get(system.url("gateway", "/v1/partners/%s" % own["id"]), headers=hr,
                        timeout=10).status_code == 200
    assert requests.get(system.url("gateway", "/v1/partners/%s" % other["id"]), headers=hr,
                        timeout=10).status_code == 404
    assert requests.get(system.url("gateway", "/v1/partners"), headers=hr,
                        timeout=10).status_code == 403


def test_only_administrators_see_refused_enterprise_events(system, admin):
    listed = requests.get(system.url("gateway", "/v1/admin/inbound/dead-letters"),
                          headers=admin, timeout=10)
    assert listed.status_code == 200 and listed.json() == {"items": [], "total": 0}
    teacher = system.user("teacher.dl", "teacher")
    assert requests.get(system.url("gateway", "/v1/admin/inbound/dead-letters"),
                        headers=teacher, timeout=10).status_code == 403
    missing = requests.get(system.url("gateway", "/v1/admin/inbound/dead-letters/nope"),
                           headers=admin, timeout=10)
    assert missing.status_code == 404


def test_unknown_routes_answer_problem_json(system):
    response = requests.get(system.url("gateway", "/v1/nothing-here"), timeout=10)
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_every_service_exposes_metrics_per_entrypoint(system, admin, partners):
    body = requests.get(system.url("enrollment", "/metrics"), timeout=10).text
    assert 'enrollment_entrypoint_calls_total{entrypoint="register_partner",kind="rpc"}' in body
    assert "enrollment_entrypoint_latency_seconds_bucket" in body
    assert "enrollment_outbox_pending_events" in body


def test_the_gateway_shows_its_metrics_only_to_the_scraper(system, admin, partners):
    assert requests.get(system.url("gateway", "/metrics"), timeout=10).status_code == 401
    assert requests.get(system.url("gateway", "/metrics"), headers=admin,
                        timeout=10).status_code == 401, "a user token is not the scrape token"
    scraper = {"Authorization": "Bearer %s" % METRICS_TOKEN}
    gateway = requests.get(system.url("gateway", "/metrics"), headers=scraper, timeout=10).text
    assert 'gateway_entrypoint_calls_total{entrypoint="register_partner",kind="http"}' in gateway
