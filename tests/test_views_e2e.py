"""The aggregated views through the gateway, with every component running as
its own process and all data produced by the services' own workflows: an
apprentice enrolled, mentored, placed, put on a project and certified."""
import json
import time

import pytest
import requests

from gateway.schemas import DashboardSchema, EnterpriseViewSchema, StudentViewSchema
from testkit.servers import wait_until
from testkit.system import System

pytestmark = pytest.mark.e2e

SIGNING_KEYS = "2027-01:KQVcPK8dELS152T4A_WIMN0maeLdm126SZoIeQuiRvg"  # a test seed
LIVE_TIMEOUT = 2
PROGRAMME_CODE = "2027-MA-CNC"


@pytest.fixture(scope="module")
def system(module_vhost, mongo_uri):
    running = System(module_vhost, mongo_uri, extra_env={
        "CERTIFICATE_SIGNING_KEYS": SIGNING_KEYS,
        "VIEW_LIVE_TIMEOUT_SECONDS": str(LIVE_TIMEOUT), "VIEW_RETRY_SECONDS": "1",
        "FACTS_MIN_INTERVAL_SECONDS": "0.5"})
    yield running
    running.stop()


class Client:
    def __init__(self, system, headers):
        self.system, self.headers = system, headers

    def request(self, method, path, body=None, status=None):
        response = requests.request(method, self.system.url("gateway", path), json=body,
                                    headers=self.headers, timeout=15)
        if status is not None:
            assert response.status_code == status, "%s %s: %s" % (method, path, response.text)
        return response

    def get(self, path, status=200):
        return self.request("GET", path, status=status)

    def post(self, path, body, status=200):
        return self.request("POST", path, body, status).json()


def created(response):
    return response.status_code == 201 and response.json()


@pytest.fixture(scope="module")
def journey(system):
    """One apprentice's journey through the four services, and a rival enterprise."""
    user = lambda *args, **kwargs: Client(system, system.user(*args, **kwargs))  # noqa: E731
    officer = user("zhou.admissions", "admissions_officer")
    partner = officer.post("/v1/partners", {
        "legal_name": "深圳智造科技有限公司", "credit_code": "91350100M000100Y43",
        "industry": "智能制造"}, 201)
    rival = officer.post("/v1/partners", {
        "legal_name": "Hangzhou Robotics Co., Ltd.", "credit_code": "91110000100000000R",
        "industry": "robotics"}, 201)
    hr = user("wang.fang", "enterprise_user", enterprise_id=partner["id"])
    rival_hr = user("rival.hr", "enterprise_user", enterprise_id=rival["id"])
    coordinator = user("lin.mentors", "mentor_coordinator")
    expert = wait_until(lambda: created(coordinator.request("POST", "/v1/mentors", {
        "name": "陈工", "kind": "industry", "enterprise_id": partner["id"],
        "expertise": ["数控加工"]})), timeout=30, message="the partner's industry mentor")
    tutor = coordinator.post("/v1/mentors", {"name": "周老师", "kind": "teacher",
                                             "expertise": ["数控技术"]}, 201)
    agreement = officer.post("/v1/partners/%s/agreements" % partner["id"], {
        "title": "数控技术现代学徒制合作协议", "starts_on": "2020-01-01", "ends_on": "2099-12-31",
        "programme_codes": [PROGRAMME_CODE]}, 201)
    officer.post("/v1/agreements/%s/status" % agreement["id"], {"status": "active"})
    programme = officer.post("/v1/programmes", {
        "code": PROGRAMME_CODE, "name": "数控技术现代学徒制班", "kind": "apprenticeship",
        "intake_year": 2027, "capacity": 40,
        "quotas": [{"partner_id": partner["id"], "seats": 30}]}, 201)

    def enrol(name, resident_id):
        application = officer.post("/v1/applications", {
            "programme_id": programme["id"],
            "applicant": {"name": name, "resident_id": resident_id, "phone": "13800138000"}},
            201)
        path = "/v1/applications/%s" % application["id"]
        officer.post(path + "/screening", {"passed": True})
        hr.post(path + "/interview", {"passed": True, "score": 88})
        officer.post(path + "/offer-decisions", {"approve": True})
        hr.post(path + "/offer-decisions", {"approve": True})
        officer.post(path + "/offer-response", {"accept": True})
        terms = officer.post(path + "/tripartite-agreements",
                             {"terms": "学徒期三年，企业按月发放学徒津贴。"}, 201)
        signatures = "/v1/tripartite-agreements/%s/signatures" % terms["id"]
        officer.post(signatures, {"party": "college", "signer": "周老师"})
        hr.post(signatures, {"signer": "王芳"})
        officer.post(signatures, {"party": "student", "signer": name})
        return officer.post(path + "/enrolment", {"apprentice_contract": {
            "starts_on": "2027-09-01", "ends_on": "2030-06-30", "position": "数控学徒工"}}, 201)

    student = enrol("李明", "110105200503010016")
    me = user("li.ming", "student", student_id=student["id"])

    # a placement with the partner, one week logged, and the student's feedback
    placement = wait_until(lambda: created(hr.request("POST", "/v1/placements", {
        "student_id": student["id"], "site": "深圳南山二号厂房", "supervisor_name": "王建国",
        "starts_on": "2026-09-07", "ends_on": "2027-01-29"})), timeout=30,
        message="projects to know the student")
    me.post("/v1/placements/%s/checkins" % placement["id"], {
        "week_starting": "2026-09-07", "hours": 38, "summary": "入职安全培训"}, 201)
    # a published project with the student in its team
    project = hr.post("/v1/projects", {
        "title": "产线视觉质检系统", "team_size": 3, "course_code": "MV301", "credit_weight": 2,
        "brief": "为电机装配线开发基于机器视觉的缺陷检测工位。",
        "required_competencies": ["OpenCV"], "ip_terms": "成果归企业所有",
        "start_date": "2026-09-01", "end_date": "2027-06-30",
        "milestones": [{"title": "方案设计", "due_date": "2027-03-15", "weight": 100}]}, 201)
    hr.post("/v1/projects/%s/transitions" % project["id"], {"status": "published"})
    project_coordinator = user("coord.liu", "project_coordinator")
    project_coordinator.post("/v1/projects/%s/teams" % project["id"], {
        "student_ids": [student["id"]], "tutor_id": tutor["id"], "mentor_id": expert["id"],
        "name": "视觉一组"}, 201)
    # a 1+X certificate: catalogued, an exam session, registration and a passing result
    certificate_officer = user("zhao.officer", "certificate_officer")
    certificate_officer.post("/v1/certificates", {
        "code": "1X-CNC-01", "title": "数控车铣加工", "organisation": "武汉华中数控",
        "levels": ["junior"], "alignment": {"programmes": [PROGRAMME_CODE], "courses": []},
        "pass_rule": {"theory_min": 60, "practical_min": 60}}, 201)
    session = certificate_officer.post("/v1/exam-sessions", {
        "certificate_code": "1X-CNC-01", "level": "junior", "site": "实训楼 A302",
        "exam_date": "2099-06-12", "registration_deadline": "2099-05-31", "capacity": 30}, 201)
    registration = wait_until(lambda: created(certificate_officer.request(
        "POST", "/v1/exam-sessions/%s/registrations" % session["id"],
        {"candidate_id": student["id"]})), timeout=30, message="certificates to know the student")
    certificate_officer.post("/v1/registrations/%s/result" % registration["id"],
                             {"theory": 78.5, "practical": 85})
    return {"officer": officer, "hr": hr, "rival_hr": rival_hr, "me": me, "partner": partner,
            "rival": rival, "student": student, "placement": placement, "project": project,
            "expert": expert, "tutor": tutor, "enrol": enrol,
            "admin": user("root", "admin")}


def eventually(client, path, ready, message):
    def attempt():
        response = client.get(path, status=None)
        return response.status_code == 200 and ready(response.json()) and response.json()
    return wait_until(attempt, timeout=45, interval=0.5, message=message)


def test_the_student_360_brings_every_service_together(journey):
    j = journey
    path = "/v1/students/%s/360" % j["student"]["id"]
    view = eventually(j["officer"], path, lambda v: (
        v["mentors"]["school"] and v["mentors"]["industry"] and v["certificates"]
        and v["placements"] and v["projects"] and v["credits"] is not None),
        "a complete student 360")
    assert view["partial"] is False and view["missing"] == []
    assert StudentViewSchema().validate(view) == {}  # as the OpenAPI document says
    assert view["student"]["name"] == "李明"
    assert view["student"]["programme"]["code"] == PROGRAMME_CODE
    assert view["apprenticeship"]["contract"] is not None
    assert view["mentors"]["school"]["mentor_id"] == j["tutor"]["id"]
    assert view["mentors"]["industry"]["mentor_id"] == j["expert"]["id"]
    assert [p["placement_id"] for p in view["placements"]] == [j["placement"]["id"]]
    assert [p["project_id"] for p in view["projects"]] == [j["project"]["id"]]
    assert [c["certificate_code"] for c in view["certificates"]] == ["1X-CNC-01"]
    assert view["risk"]["level"] in ("none", "low", "medium", "high")
    assert set(view["as_of"]) == {"enrollment", "projects", "mentors", "certificates"}
    # the student sees their own 360, nobody else's
    assert j["me"].get(path).json()["student"]["name"] == "李明"
    j["me"].get("/v1/students/someone-else/360", status=404)


def test_the_risk_flag_and_the_alerts_agree_with_the_check_ins_the_360_shows(journey):
    """Issue 27, item 8: weeks past their grace period without a confirmed check-in
    showed as expected but not missed, with no alert and risk "none", until the
    hourly sweep ran. The journey's placement began in September with one week
    logged and none confirmed."""
    j = journey
    path = "/v1/students/%s/360" % j["student"]["id"]
    view = eventually(j["officer"], path, lambda v: v["placements"], "the placement in the 360")
    placement, = [p for p in view["placements"] if p["placement_id"] == j["placement"]["id"]]
    checkins = placement["checkins"]
    assert checkins["expected"] >= 5 and checkins["confirmed"] == 0
    assert checkins["missed"] == checkins["expected"]
    assert len(placement["open_alerts"]) == checkins["expected"]
    assert view["risk"]["level"] == "high"
    assert {"missed_checkins", "open_alerts"} <= {r["code"] for r in view["risk"]["reasons"]}
    sponsor = j["hr"].get(path).json()  # the sponsor's part counts the same weeks
    assert sponsor["risk"]["level"] == "high"
    dashboard = eventually(j["officer"], "/v1/dashboard", lambda d: d["indicators"][
        "placements"]["open_alerts"] >= checkins["expected"], "the open alerts on the dashboard")
    assert dashboard["indicators"]["placements"]["checkin_compliance"] == 0


def test_the_enterprise_view_shows_its_students_projects_and_mentors(journey):
    j = journey
    path = "/v1/enterprises/%s/view" % j["partner"]["id"]
    view = eventually(j["hr"], path, lambda v: v["students"] and v["projects"] and v["mentors"],
                      "the partner's view with students, projects and mentors")
    assert EnterpriseViewSchema().validate(view) == {}
    assert view["partner"]["legal_name"] == "深圳智造科技有限公司"
    assert j["student"]["id"] in [s["student_id"] for s in view["students"]]
    assert view["student_counts"]["total"] == len(view["students"])
    assert view["student_counts"]["by_status"]["active"] >= 1
    assert j["project"]["id"] in [p["project_id"] for p in view["projects"]]
    assert j["expert"]["id"] in [m["mentor_id"] for m in view["mentors"]]
    seats = {s["code"]: s for s in view["seats"]}
    assert seats[PROGRAMME_CODE]["filled"] >= 1
    assert view["contribution"]["projects_posted"] >= 1
    assert view["contribution"]["index"] is not None


def test_the_dashboard_counts_the_journey_and_filters_by_enterprise(journey):
    j = journey
    dashboard = eventually(j["officer"], "/v1/dashboard", lambda d: (
        d["indicators"]["projects"]["published"] >= 1
        and d["indicators"]["certificates"]["registrations"] >= 1
        # the result comes in its own event, after the registration's
        and d["indicators"]["certificates"]["pass_rate"] is not None
        and d["indicators"]["enrolment"]["apprentices"] >= 1), "the dashboard's indicators")
    assert DashboardSchema().validate(dashboard) == {}
    indicators = dashboard["indicators"]
    assert indicators["partners"]["agreements_active"] >= 1
    assert indicators["enrolment"]["seats_filled"] >= 1
    assert indicators["teachers"]["professional"] >= 1
    assert indicators["certificates"]["pass_rate"] == 1.0
    assert j["partner"]["id"] in [row["enterprise_id"] for row in dashboard["contribution"]]
    rival_only = j["officer"].get("/v1/dashboard?enterprise_id=%s" % j["rival"]["id"]).json()
    assert rival_only["indicators"]["projects"]["published"] == 0
    assert j["officer"].get("/v1/dashboard?colour=red", status=400).json()["errors"] == {
        "colour": ["Unknown field."]}
    j["hr"].get("/v1/dashboard", status=403)


def test_an_enterprise_user_cannot_read_another_enterprises_objects(journey):
    j = journey
    rival = j["rival_hr"]
    for path in ("/v1/students/%s/360" % j["student"]["id"],
                 "/v1/students/%s" % j["student"]["id"],
                 "/v1/enterprises/%s/view" % j["partner"]["id"],
                 "/v1/projects/%s" % j["project"]["id"],
                 "/v1/placements/%s" % j["placement"]["id"],
                 "/v1/mentors/%s" % j["expert"]["id"]):
        response = rival.get(path, status=None)
        assert response.status_code in (403, 404), (path, response.status_code)
        assert "深圳智造" not in response.text and "李明" not in response.text
    # and its own view still answers
    assert rival.get("/v1/enterprises/%s/view" % j["rival"]["id"], status=None).status_code \
        == 200


def test_an_enterprise_cannot_place_a_student_it_has_no_relation_with(journey):
    """Issue 26, hole 1: a placement would have made the student "related"."""
    j = journey
    student_path = "/v1/students/%s/360" % j["student"]["id"]
    j["rival_hr"].get(student_path, status=404)
    refused = j["rival_hr"].request("POST", "/v1/placements", {
        "student_id": j["student"]["id"], "site": "杭州滨江", "supervisor_name": "钱工",
        "starts_on": "2026-09-07", "ends_on": "2026-12-25"})
    assert refused.status_code == 404, refused.text
    assert "李明" not in refused.text and j["partner"]["id"] not in refused.text
    assert j["rival"]["id"] not in [p["enterprise_id"] for p in j["officer"].get(
        "/v1/placements?student_id=%s" % j["student"]["id"]).json()["items"]]
    j["rival_hr"].get(student_path, status=404)


def test_a_host_sees_only_its_own_part_of_the_360(system, journey):
    """Issue 26, hole 2: a placement the college arranged with the rival shows the
    rival the student, its own placement and the certificates; nothing the sponsor
    did or said, and no exams, results or credits."""
    j = journey
    coordinator = Client(system, system.user("coord.placements", "project_coordinator"))
    hosted = coordinator.post("/v1/placements", {
        "student_id": j["student"]["id"], "enterprise_id": j["rival"]["id"],
        "site": "杭州滨江", "supervisor_name": "钱工", "starts_on": "2026-09-07",
        "ends_on": "2026-12-25"}, 201)
    path = "/v1/students/%s/360" % j["student"]["id"]
    view = eventually(j["rival_hr"], path, lambda v: v["placements"] and v["certificates"],
                      "the host's view of the student")
    assert StudentViewSchema().validate(view) == {}
    assert view["student"]["name"] == "李明"
    assert [p["placement_id"] for p in view["placements"]] == [hosted["id"]]
    assert view["projects"] == [] and view["registrations"] == [] and view["results"] == []
    assert view["credits"]["grants"] == [] and view["apprenticeship"]["contract"] is None
    assert "history" not in view["student"]
    assert j["partner"]["id"] not in view_text(view)
    # the sponsor's own view of the student does not show the rival's placement
    sponsor_view = eventually(j["hr"], path, lambda v: v["placements"], "the sponsor's view")
    assert j["rival"]["id"] not in view_text(sponsor_view)
    assert [p["placement_id"] for p in sponsor_view["placements"]] == [j["placement"]["id"]]


def view_text(view):
    return json.dumps({key: value for key, value in view.items() if key != "as_of"},
                      ensure_ascii=False)


def test_reading_a_view_of_an_unknown_id_stores_nothing(system, journey):
    """Issue 26, hole 7: no stored view, and so no sweep refreshing it forever,
    whoever asks and whatever the answer."""
    j = journey
    for client, path in ((j["officer"], "/v1/students/no-such-student/360"),
                         (j["rival_hr"], "/v1/students/no-such-student-2/360"),
                         (j["rival_hr"], "/v1/students/%s/360" % j["placement"]["id"]),
                         (j["officer"], "/v1/enterprises/no-such-enterprise/view")):
        client.get(path, status=404)
    db = system.db("gateway")
    assert db.student_views.count_documents(
        {"_id": {"$in": ["no-such-student", "no-such-student-2", j["placement"]["id"]]}}) == 0
    assert db.enterprise_views.count_documents({"_id": "no-such-enterprise"}) == 0
    assert db.view_refresh.count_documents({"key": {"$regex": "^no-such"}}) == 0


def test_a_stopped_service_makes_the_360_partial_not_slow_and_it_heals(system, journey):
    j = journey
    system.processes["certificates"].stop()
    try:
        newcomer = j["enrol"]("Emily Chen", "11010519491231002X")
        path = "/v1/students/%s/360" % newcomer["id"]
        started = time.monotonic()
        view = j["officer"].get(path).json()
        elapsed = time.monotonic() - started
        assert view["partial"] is True and view["missing"] == ["certificates"]
        assert view["student"]["name"] == "Emily Chen"
        assert view["certificates"] == []
        assert elapsed < LIVE_TIMEOUT + 2.5, elapsed
    finally:
        system.start("certificates")
    eventually(j["officer"], path, lambda v: not v["partial"],
               "the 360 complete again once certificates is back")
