"""Graduation through the gateway, every component a process of its own: what
a student achieves in the projects and certificates services reaches the
enrollment service as events, the registrar sees the cohort's check and
confirms it, and the other services react to the graduation."""
import secrets
from datetime import date, timedelta

import pytest
import requests

from college_contracts.identifiers import resident_id_check_character
from testkit.servers import wait_until
from testkit.system import System

pytestmark = pytest.mark.e2e

PARTNER = {"legal_name": "苏州精工装备有限公司", "credit_code": "91350100M000100Y43",
           "industry": "装备制造"}
RIVAL_CODE = "91110000100000000R"
CODE = "2027-OC-CNC"
CERTIFICATE = {"code": "1X-CNC-09", "title": "数控设备维护与维修", "organisation": "机械工业教育",
               "levels": ["junior", "intermediate"], "alignment": {"programmes": [CODE]},
               "pass_rule": {"theory_min": 60, "practical_min": 60}}
REQUIREMENTS = {"credits": 4, "placement_hours": 30, "projects": {"count": 0, "min_grade": 0},
                "certificates": [{"code": "1X-CNC-09", "level": "junior"}]}


@pytest.fixture(scope="module")
def system(module_vhost, mongo_uri):
    running = System(module_vhost, mongo_uri, extra_env={
        "CERTIFICATE_SIGNING_KEYS": "2027-01:" + secrets.token_urlsafe(32)})
    yield running
    running.stop()


class Caller:
    def __init__(self, system, headers):
        self.system, self.headers = system, headers

    def send(self, method, path, body=None, expect=200, **params):
        response = requests.request(method, self.system.url("gateway", path), json=body,
                                    params=params, headers=self.headers, timeout=30)
        assert response.status_code == expect, (path, response.status_code, response.text)
        return response.json()

    def eventually(self, method, path, body=None, expect=201):
        """A call that waits for another service to learn of an object by event."""
        def attempt():
            response = requests.request(method, self.system.url("gateway", path), json=body,
                                        headers=self.headers, timeout=30)
            return response.json() if response.status_code == expect else None
        return wait_until(attempt, timeout=30, message="%s %s" % (method, path))


def resident_id(serial):
    first_17 = "11010520050301%03d" % serial
    return first_17 + resident_id_check_character(first_17)


def monday(day):
    return day - timedelta(days=day.weekday())


def test_a_cohort_graduates_on_what_its_students_achieved_and_every_service_reacts(system):
    admin = Caller(system, system.user("admin.graduation", "admin"))
    registrar = Caller(system, system.user("li.registrar", "admissions_officer"))
    partner = admin.send("POST", "/v1/partners", PARTNER, expect=201)
    hr = Caller(system, system.user("hr.jinggong", "enterprise_user",
                                    enterprise_id=partner["id"]))
    agreement = admin.send("POST", "/v1/partners/%s/agreements" % partner["id"], {
        "title": "数控订单班合作协议", "starts_on": "2020-01-01", "ends_on": "2099-12-31",
        "programme_codes": [CODE]}, expect=201)
    admin.send("POST", "/v1/agreements/%s/status" % agreement["id"], {"status": "active"})
    programme = admin.send("POST", "/v1/programmes", {
        "code": CODE, "name": "数控技术订单班", "kind": "order_class", "intake_year": 2027,
        "capacity": 10, "quotas": [{"partner_id": partner["id"], "seats": 10}]}, expect=201)
    imported = registrar.send("POST", "/v1/admission-imports", {
        "programme_id": programme["id"], "rows": [
            {"name": name, "resident_id": resident_id(serial), "phone": "1380013800%d" % serial,
             "admission_number": "273301000000%d" % serial}
            for serial, name in ((1, "李明"), (2, "张伟"))]})
    ready, short = sorted((row["student_number"], row["student_id"])
                          for row in imported["report"])
    ready, short = ready[1], short[1]
    registrar.send("POST", "/v1/programmes/%s/graduation-requirements" % programme["id"],
                   REQUIREMENTS, expect=201)

    # a finished placement with a confirmed week, and one still under way
    today = date.today()
    start = monday(today) - timedelta(weeks=6)
    finished = hr.eventually("POST", "/v1/placements", {
        "student_id": ready, "site": "一号车间", "supervisor_name": "陈工",
        "starts_on": start.isoformat(), "ends_on": (start + timedelta(weeks=16)).isoformat()})
    student = Caller(system, system.user("student.liming", "student", student_id=ready))
    student.send("POST", "/v1/placements/%s/checkins" % finished["id"], {
        "week_starting": start.isoformat(), "hours": 38.5, "summary": "设备点检与保养"},
        expect=201)
    hr.send("POST", "/v1/placements/%s/checkins/%s/confirmation" % (
        finished["id"], start.isoformat()), {"comment": "属实"})
    hr.send("POST", "/v1/placements/%s/end" % finished["id"], {
        "ended_on": (start + timedelta(weeks=2)).isoformat(), "reason": "转入二号车间"})
    under_way = hr.send("POST", "/v1/placements", {
        "student_id": ready, "site": "二号车间", "supervisor_name": "陈工",
        "starts_on": (start + timedelta(weeks=3)).isoformat(),
        "ends_on": (today + timedelta(weeks=10)).isoformat()}, expect=201)

    # a certificate passed, which the credit bank converts to credits
    officer = Caller(system, system.user("zhao.certificates", "certificate_officer"))
    officer.send("POST", "/v1/certificates", CERTIFICATE, expect=201)
    officer.eventually("POST", "/v1/credit-rules", {
        "programme_id": programme["id"], "certificate_code": "1X-CNC-09", "level": "junior",
        "credits": 4, "course_exemptions": []}, expect=200)
    session = officer.send("POST", "/v1/exam-sessions", {
        "certificate_code": "1X-CNC-09", "level": "junior", "site": "实训楼 A302",
        "exam_date": (today + timedelta(days=30)).isoformat(),
        "registration_deadline": (today + timedelta(days=20)).isoformat(), "capacity": 30},
        expect=201)
    registration = officer.eventually(
        "POST", "/v1/exam-sessions/%s/registrations" % session["id"], {"candidate_id": ready})
    officer.send("POST", "/v1/registrations/%s/result" % registration["id"],
                 {"theory": 78, "practical": 85})

    check_path = "/v1/programmes/%s/graduation-check" % programme["id"]
    checks = wait_until(lambda: (lambda page: page if page["eligible"] == 1 else None)(
        registrar.send("GET", check_path)), timeout=60, message="the achievements reach enrollment")
    by_student = {check["student_id"]: check for check in checks["items"]}
    assert {r["requirement"]: r["has"] for r in by_student[ready]["requirements"]} == {
        "credits": 4, "placement_hours": 38.5, "certificate": "junior", "projects": 0}
    assert by_student[short]["missing"] == [
        "4 more credits", "30 more placement hours", "the certificate 1X-CNC-09 (junior)"]
    exported = requests.get(system.url("gateway", check_path), params={"format": "csv"},
                            headers=registrar.headers, timeout=30)
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert "4 more credits" in exported.text and exported.text.count("\n") == 3
    # a student reads their own progress, never a classmate's; an enterprise reads neither
    assert student.send("GET", "/v1/students/%s/graduation-check" % ready)["eligible"]
    student.send("GET", "/v1/students/%s/graduation-check" % short, expect=404)
    hr.send("GET", "/v1/students/%s/graduation-check" % ready, expect=403)
    hr.send("POST", "/v1/programmes/%s/graduations" % programme["id"],
            {"student_ids": [ready]}, expect=403)

    report = registrar.send("POST", "/v1/programmes/%s/graduations" % programme["id"],
                            {"student_ids": [ready, short]})
    assert (report["graduated"], report["not_graduated"]) == (1, 1)
    graduate = registrar.send("GET", "/v1/students/%s" % ready)
    assert (graduate["status"], graduate["graduated_on"]) == ("graduated", today.isoformat())
    assert registrar.send("GET", "/v1/students/%s" % short)["status"] == "active"

    # projects ends the placement under way; the 360 shows the graduation to staff only
    ended = wait_until(lambda: (lambda p: p if p["status"] != "active" else None)(
        admin.send("GET", "/v1/placements/%s" % under_way["id"])), timeout=30,
        message="the open placement is ended")
    assert ended["end_reason"] == "graduated"
    view = wait_until(lambda: (lambda v: v if (v.get("graduation") or {}).get("graduated_on")
                               else None)(admin.send("GET", "/v1/students/%s/360" % ready)),
                      timeout=60, message="the 360 shows the graduation")
    assert view["graduation"]["requirements_version"] == 1
    assert hr.send("GET", "/v1/students/%s/360" % ready)["graduation"] is None

    # the first destination: hired by the sponsor; a rival never learns where
    rival = admin.send("POST", "/v1/partners", {
        "legal_name": "无锡精密机床有限公司", "credit_code": RIVAL_CODE, "industry": "机床"},
        expect=201)
    rival_hr = Caller(system, system.user("hr.wuxi", "enterprise_user",
                                          enterprise_id=rival["id"]))
    hired = registrar.send("PUT", "/v1/students/%s/destination" % ready, {
        "kind": "hired", "enterprise_id": partner["id"], "position": "数控工艺员",
        "started_on": today.isoformat()})
    assert hired["destination"]["outcome"] == "hired_by_sponsor"
    registrar.send("PUT", "/v1/students/%s/destination" % short, {"kind": "not_yet_placed"},
                   expect=409)
    early = registrar.send("POST", "/v1/students/%s/retention-checks" % ready,
                           {"months": 6, "still_employed": True}, expect=409)
    assert "falls due" in early["detail"]
    assert hr.send("GET", "/v1/students/%s" % ready)["destination"]["enterprise_id"] == \
        partner["id"]
    moved = registrar.send("PUT", "/v1/students/%s/destination" % ready, {
        "kind": "hired", "enterprise_id": rival["id"], "started_on": today.isoformat()})
    assert moved["destination"]["outcome"] == "hired_by_other"
    assert "destination" not in hr.send("GET", "/v1/students/%s" % ready), \
        "the sponsor is not told which rival hired its student"
    assert [s.get("destination") for s in hr.send("GET", "/v1/students")["items"]] == [None, None]
    rival_hr.send("GET", "/v1/students/%s" % ready, expect=404)
    dashboard = wait_until(lambda: (lambda d: d if d["indicators"]["graduation"]["employed"]
                                    else None)(admin.send("GET", "/v1/dashboard")),
                           timeout=60, message="the dashboard counts the hire")
    assert dashboard["indicators"]["graduation"]["employment_rate"] == 1.0
    assert dashboard["indicators"]["graduation"]["sponsor_hires"] == 0

    # the employer is surveyed on the programme's competencies once due; a rival never is
    registrar.send("PUT", "/v1/programmes/%s/competencies" % programme["id"],
                   {"competencies": ["数控编程", "设备维护"]})
    registrar.send("PUT", "/v1/students/%s/destination" % ready, {
        "kind": "hired", "enterprise_id": partner["id"], "started_on": "2020-07-01"})
    surveys = hr.send("GET", "/v1/employer-surveys")["items"]
    assert [(s["months"], s["competencies"]) for s in surveys] == [
        (6, ["数控编程", "设备维护"]), (12, ["数控编程", "设备维护"])]
    assert rival_hr.send("GET", "/v1/employer-surveys")["total"] == 0
    rival_hr.send("POST", "/v1/employer-surveys/%s/answers" % surveys[0]["id"],
                  {"ratings": {"数控编程": 1, "设备维护": 1}}, expect=404)
    refused = hr.send("POST", "/v1/employer-surveys/%s/answers" % surveys[0]["id"],
                      {"ratings": {"数控编程": 6}}, expect=400)
    assert "ratings" in refused["errors"]
    hr.send("POST", "/v1/employer-surveys/%s/answers" % surveys[0]["id"],
            {"ratings": {"数控编程": 4, "设备维护": 2}, "comment": "设备维护需加强"})
    results = registrar.send("GET", "/v1/employer-survey-results",
                             programme_id=programme["id"])
    assert (results["answered"], results["lowest"]) == (1, ["设备维护", "数控编程"])
    satisfaction = wait_until(lambda: admin.send("GET", "/v1/dashboard")["indicators"][
        "satisfaction"]["by_competency"] or None, timeout=60,
        message="the dashboard shows the ratings")
    assert satisfaction[0] == {"competency": "设备维护", "ratings": 1, "mean": 2.0}
