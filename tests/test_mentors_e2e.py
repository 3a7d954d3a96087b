"""The mentors service behind the gateway, with the whole system running as
processes. Partners are registered through the API (enrollment announces
them); enrolment events and certificates are published here as enrollment and
certificates publish them (on their exchanges, in their contracts), so these
tests do not depend on those services' workflows."""
from datetime import date, timedelta

import pytest
import requests

from college_platform.envelope import new_event
from gateway.api import route_table
from gateway.routes.mentors import MentorsRoutes
from testkit.amqp import publish_event
from testkit.servers import wait_until

pytestmark = pytest.mark.e2e

PARTNERS = ({"legal_name": "深圳智造科技有限公司", "credit_code": "91350100M000100Y43",
             "industry": "智能制造"},
            {"legal_name": "Hangzhou Robotics Co., Ltd.", "credit_code": "91110000100000000R",
             "industry": "robotics"})


def publish(system, source, event_type, data):
    event = new_event(event_type, source, data)
    publish_event(system.amqp_uri, source, event)
    return event


@pytest.fixture(scope="module")
def api(system):
    admin = system.user("admin", "admin")
    partner_ids = []
    for partner in PARTNERS:
        response = requests.post(system.url("gateway", "/v1/partners"), json=partner,
                                 headers=admin, timeout=10)
        assert response.status_code == 201, response.text
        partner_ids.append(response.json()["id"])
    wait_until(lambda: system.db("mentors").partners.count_documents({}) == 2, timeout=30,
               message="mentors to learn of the partners")

    class Api:
        coordinator = system.user("coordinator.liu", "mentor_coordinator")
        zhizao, robotics = partner_ids

        def url(self, path):
            return system.url("gateway", path)

        def get(self, path, headers=None, **params):
            return requests.get(self.url(path), headers=headers or self.coordinator,
                                params=params, timeout=10)

        def post(self, path, body, headers=None):
            return requests.post(self.url(path), json=body,
                                 headers=headers or self.coordinator, timeout=10)

        def created(self, path, body):
            response = self.post(path, body)
            assert response.status_code == 201, response.text
            assert response.headers["Location"].endswith(response.json()["id"])
            return response.json()

    return Api()


def test_an_enrolled_apprentice_gets_both_mentors_without_manual_work(system, api):
    tutor = api.created("/v1/mentors", {"name": "张伟", "kind": "teacher",
                                        "expertise": ["机电一体化"], "load_limit": 8})
    expert = api.created("/v1/mentors", {"name": "李强", "kind": "industry",
                                         "enterprise_id": api.zhizao, "expertise": ["PLC"]})

    # enrollment announces the apprentice and, separately, the apprentice contract
    publish(system, "enrollment", "student_enrolled", {
        "student_id": "stu-2027-0042", "student_number": "20270042", "name": "王小明",
        "programme_id": "prog-mech-app", "programme_code": "MECH-APP-2027",
        "programme_kind": "apprenticeship", "partner_id": api.zhizao, "intake_year": 2027})
    publish(system, "enrollment", "apprentice_contract_signed", {
        "contract_id": "ac-0042", "student_id": "stu-2027-0042", "partner_id": api.zhizao,
        "programme_id": "prog-mech-app", "starts_on": "2027-09-01", "ends_on": "2030-06-30"})

    def both_assigned():
        response = api.get("/v1/apprentices/stu-2027-0042/mentors")
        view = response.json() if response.status_code == 200 else {}
        slots = (view.get("college_tutor"), view.get("enterprise_mentor"))
        return all(slot and slot["status"] == "filled" for slot in slots) and view
    view = wait_until(both_assigned, timeout=30, message="both mentors assigned")
    assert view["college_tutor"]["mentor_id"] == tutor["id"]
    assert view["enterprise_mentor"]["mentor_id"] == expert["id"]
    assert view["name"] == "王小明"

    # the apprentice and their enterprise see it too; other students and enterprises do not
    student = system.user("stu.wang", "student", student_id="stu-2027-0042")
    assert api.get("/v1/apprentices/stu-2027-0042/mentors", student).json() == view
    other_student = system.user("stu.chen", "student", student_id="stu-2027-0043")
    assert api.get("/v1/apprentices/stu-2027-0042/mentors",
                   other_student).status_code == 404
    hr = system.user("hr.zhizao", "enterprise_user", enterprise_id=api.zhizao)
    assert api.get("/v1/apprentices/stu-2027-0042/mentors", hr).status_code == 200
    robotics = system.user("hr.robotics", "enterprise_user", enterprise_id=api.robotics)
    assert api.get("/v1/apprentices/stu-2027-0042/mentors", robotics).status_code == 404

    listed = api.get("/v1/assignments", student_id="stu-2027-0042").json()
    assert {a["role"] for a in listed["items"]} == {"college_tutor", "enterprise_mentor"}
    assert api.get("/v1/mentor-vacancies", kind="apprentice").json()["total"] == 0


def test_a_teacher_sees_their_double_qualified_status_and_why(system, api):
    wu = api.created("/v1/mentors", {"name": "吴芳", "kind": "teacher",
                                     "expertise": ["工业机器人"]})
    today = date.today()
    secondment = api.created("/v1/secondments", {
        "mentor_id": wu["id"], "direction": "outward", "enterprise_id": api.zhizao,
        "role": "工艺工程师", "starts_on": (today - timedelta(days=200)).isoformat(),
        "ends_on": (today - timedelta(days=10)).isoformat(), "agreed_hours": 900})
    assert secondment["status"] == "completed"
    publish(system, "certificates", "certificate_issued", {
        "certificate_number": "X-2027-000777", "candidate_id": wu["id"],
        "candidate_kind": "teacher", "certificate_code": "1X-ROBOT-02",
        "level": "intermediate", "issued_on": today.isoformat()})

    teacher = system.user("wu.fang", "teacher", mentor_id=wu["id"])
    path = "/v1/mentors/%s/double-qualified" % wu["id"]
    status = wait_until(lambda: api.get(path, teacher).json()["double_qualified"]
                        and api.get(path, teacher).json(), timeout=30,
                        message="double-qualified")
    assert "191 days of completed outward secondment" in status["reason"]
    assert "intermediate certificate 1X-ROBOT-02" in status["reason"]
    assert status["history"][0]["trigger"] == "intermediate certificate X-2027-000777 issued"

    colleague = system.user("zhao.lei", "teacher", mentor_id="someone-else")
    assert api.get(path, colleague).status_code == 404
    assert "double_qualified" not in api.get("/v1/mentors/%s" % wu["id"], colleague).json()
    # the host enterprise sees the teacher it hosts; another enterprise does not
    hr = system.user("hr2.zhizao", "enterprise_user", enterprise_id=api.zhizao)
    assert api.get(path, hr).json()["double_qualified"] is True
    assert wu["id"] in {m["id"] for m in api.get("/v1/mentors", hr).json()["items"]}
    robotics = system.user("hr2.robotics", "enterprise_user", enterprise_id=api.robotics)
    assert api.get(path, robotics).status_code == 404
    assert api.get("/v1/mentors/%s" % wu["id"], robotics).status_code == 404
    assert api.get("/v1/enterprises/%s/contribution" % api.zhizao, robotics).status_code == 404
    ledger = api.get("/v1/enterprises/%s/contribution" % api.zhizao, hr).json()["items"]
    assert sum(entry["teacher_placements_hosted"] for entry in ledger) == 1


def test_timesheets_are_approved_by_the_host(system, api):
    huang = api.created("/v1/mentors", {"name": "黄磊", "kind": "teacher"})
    today = date.today()
    secondment = api.created("/v1/secondments", {
        "mentor_id": huang["id"], "direction": "outward", "enterprise_id": api.robotics,
        "starts_on": (today - timedelta(days=5)).isoformat(),
        "ends_on": (today + timedelta(days=60)).isoformat(), "agreed_hours": 300})
    assert secondment["status"] == "active"
    teacher = system.user("huang.lei", "teacher", mentor_id=huang["id"])
    timesheet = api.post("/v1/secondments/%s/timesheets" % secondment["id"], {
        "work_date": (today - timedelta(days=1)).isoformat(), "hours": 7.5,
        "activity": "Robot cell commissioning"}, teacher)
    assert timesheet.status_code == 201, timesheet.text
    decision = "/v1/timesheets/%s/decision" % timesheet.json()["id"]

    # the coordinator is not the host of an outward secondment; the other enterprise
    # cannot see it; the host approves
    assert api.post(decision, {"decision": "approved"}).status_code == 403
    zhizao = system.user("hr3.zhizao", "enterprise_user", enterprise_id=api.zhizao)
    assert api.post(decision, {"decision": "approved"}, zhizao).status_code == 404
    host = system.user("hr3.robotics", "enterprise_user", enterprise_id=api.robotics)
    # the host sees the secondment, but only the seconded teacher logs hours on it
    assert api.post("/v1/secondments/%s/timesheets" % secondment["id"], {
        "work_date": today.isoformat(), "hours": 2, "activity": "代填"},
        host).status_code == 403
    approved = api.post(decision, {"decision": "approved"}, host)
    assert approved.json()["status"] == "approved", approved.text
    assert api.post(decision, {"decision": "approved"}, host).status_code == 409


MENTOR_ROUTES = [r for r in route_table(MentorsRoutes)]


def test_invalid_input_at_every_mentors_endpoint_is_a_4xx_with_field_errors(system, api):
    teacher = api.created("/v1/mentors", {"name": "Sun Li", "kind": "teacher"})
    secondment = api.created("/v1/secondments", {
        "mentor_id": teacher["id"], "direction": "outward", "enterprise_id": api.zhizao,
        "starts_on": "2020-03-01", "ends_on": "2020-04-30", "agreed_hours": 100})
    timesheet = api.created("/v1/secondments/%s/timesheets" % secondment["id"], {
        "work_date": "2020-03-02", "hours": 4, "activity": "试产线巡检"})
    ids = {"mentor_id": teacher["id"], "secondment_id": secondment["id"],
           "timesheet_id": timesheet["id"], "assignment_id": "no-such-assignment",
           "student_id": "no-such-student", "enterprise_id": api.zhizao}
    admin = system.user("admin.invalid", "admin")
    host = system.user("hr.invalid", "enterprise_user", enterprise_id=api.zhizao)
    posts = [r for r in MENTOR_ROUTES if r["method"] == "POST"]
    assert len(posts) >= 9

    for route in posts:
        path = route["url"].replace("<", "{").replace(">", "}").format(**ids)
        headers = host if path.endswith("/decision") else admin
        for body in ({}, {"hours": "many", "starts_on": "someday", "load_limit": -1}, [1]):
            response = api.post(path, body, headers)
            assert response.status_code == 400, (path, body, response.text)
            assert response.headers["Content-Type"] == "application/problem+json"
            assert response.json()["errors"], (path, body)
        assert api.post(path, None, headers).status_code == 400  # no body at all

    for route in (r for r in MENTOR_ROUTES if r["method"] == "GET"):
        listing = route["handler"].startswith("list_") or route["url"].endswith(
            ("/contribution", "/timesheets"))
        if listing:
            path = route["url"].replace("<", "{").replace(">", "}").format(**ids)
            response = api.get(path, admin, limit="lots", status="lost", kind="alien",
                               term="x")
            assert response.status_code == 400, (path, response.text)
            assert "limit" in response.json()["errors"], path
        else:
            path = route["url"].replace("<", "{").replace(">", "}").format(
                **{key: "no-such-id" for key in ids})
            response = api.get(path, admin)
            assert response.status_code == 404, (path, response.text)
