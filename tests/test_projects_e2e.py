"""Projects through the gateway, with every component running as a process:
an enterprise posts and publishes a project, a coordinator forms a team of
enrolled students, students submit, the enterprise and the tutor review, the
project is evaluated, grades show their lineage and ``project_completed``
reaches a consumer outside the service. Also: a withdrawn student leaves
their team by event, scoping of enterprise users and students, and invalid
input at every projects endpoint answering 4xx with field errors."""
import hashlib
import uuid

import pytest
import requests

from college_platform.envelope import new_event
from gateway.api import route_table
from gateway.routes.projects import ProjectsRoutes
from gateway.service import GatewayService
from testkit.amqp import bind_probe_queue, drain, publish_event
from testkit.metrics import metric_value, scrape
from testkit.servers import wait_until

pytestmark = pytest.mark.e2e

TIMEOUT = 30  # cross-process waits on a shared two-core machine


def students_ids():
    suffix = uuid.uuid4().hex[:6]
    return {name: "stu-%s-%s" % (key, suffix) for key, name in
            (("zw", "张伟"), ("ln", "李娜"), ("ec", "Emily Chen"), ("wf", "王芳"))}


@pytest.fixture(scope="module")
def world(system):
    """Accounts and the other services' announcements the projects need."""
    admin = system.user("proj.admin", "admin")
    partner = requests.post(system.url("gateway", "/v1/partners"), headers=admin, timeout=10,
                            json={"legal_name": "苏州精工智能装备有限公司",
                                  "credit_code": "91350100M000100Y43",
                                  "industry": "智能制造"}).json()
    other = requests.post(system.url("gateway", "/v1/partners"), headers=admin, timeout=10,
                          json={"legal_name": "Hangzhou Robotics Co., Ltd.",
                                "credit_code": "91110000100000000R",
                                "industry": "robotics"}).json()
    students = students_ids()
    for name, student_id in students.items():
        publish_event(system.amqp_uri, "enrollment", new_event("student_enrolled", "enrollment", {
            "student_id": student_id, "student_number": "2027" + student_id[-4:], "name": name,
            "programme_id": "prog-mv", "programme_code": "MV-2027",
            "programme_kind": "order_class", "partner_id": partner["id"],
            "intake_year": 2027}))
    tutor, mentor = "tutor-%s" % uuid.uuid4().hex[:6], "mentor-%s" % uuid.uuid4().hex[:6]
    for mentor_id, name, kind, enterprise in ((tutor, "王老师", "teacher", None),
                                              (mentor, "陈工程师", "industry", partner["id"])):
        publish_event(system.amqp_uri, "mentors", new_event("mentor_registered", "mentors", {
            "mentor_id": mentor_id, "name": name, "kind": kind, "enterprise_id": enterprise}))
    db = system.db("projects")
    wait_until(lambda: db.students.count_documents({"_id": {"$in": list(students.values())}})
               == 4 and db.mentors.count_documents({"_id": {"$in": [tutor, mentor]}}) == 2
               and db.partners.count_documents({"_id": {"$in": [partner["id"], other["id"]]}})
               == 2, timeout=TIMEOUT, message="the projects service's local copies")
    ids = students
    return {
        "admin": admin,
        "partner": partner, "other": other, "students": ids, "tutor": tutor, "mentor": mentor,
        "hr": system.user("hr.jinggong", "enterprise_user", enterprise_id=partner["id"]),
        "other_hr": system.user("hr.hangzhou", "enterprise_user", enterprise_id=other["id"]),
        "coordinator": system.user("coord.liu", "project_coordinator"),
        "teacher": system.user("teacher.wang", "teacher", mentor_id=tutor),
        "zhang": system.user("zhangwei", "student", student_id=ids["张伟"]),
        "li": system.user("lina", "student", student_id=ids["李娜"]),
        "wang": system.user("wangfang", "student", student_id=ids["王芳"]),
    }


def api(system, method, path, who, **kwargs):
    return requests.request(method, system.url("gateway", path), headers=who, timeout=15,
                            **kwargs)


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


PROJECT = {
    "title": "产线视觉质检系统", "team_size": 3, "course_code": "MV301", "credit_weight": 2,
    "brief": "为电机装配线开发基于机器视觉的缺陷检测工位，替代人工目检。",
    "required_competencies": ["OpenCV", "PLC", "Python"],
    "ip_terms": "成果知识产权归企业所有，学生享有署名权", "confidential": True,
    "start_date": "2026-09-01", "end_date": "2027-06-30",
    "milestones": [{"title": "方案设计", "due_date": "2026-10-15", "weight": 30},
                   {"title": "Final delivery", "due_date": "2027-06-20", "weight": 70}],
}


def test_a_project_runs_from_publication_to_grades_with_lineage(system, world):
    w = world
    completed = bind_probe_queue(system.amqp_uri, "projects", "project_completed",
                                 "certificates-probe-project-completed").name
    project = ok(api(system, "POST", "/v1/projects", w["hr"], json=PROJECT), 201)
    assert project["enterprise_id"] == w["partner"]["id"]
    path = "/v1/projects/%s" % project["id"]
    assert ok(api(system, "POST", path + "/transitions", w["hr"],
                  json={"status": "published"}))["status"] == "published"
    assert api(system, "GET", path, w["other_hr"]).status_code == 404

    students = w["students"]
    team = ok(api(system, "POST", path + "/teams", w["coordinator"], json={
        "student_ids": [students["张伟"], students["李娜"]], "tutor_id": w["tutor"],
        "mentor_id": w["mentor"], "name": "视觉一组"}), 201)
    ok(api(system, "POST", path + "/transitions", w["hr"], json={"status": "in_progress"}))

    first, final = project["milestones"]
    team_path = "/v1/teams/%s" % team["id"]
    submissions = {}
    for milestone, title in ((first, "方案说明书"), (final, "Vision cell source and report")):
        body = {"milestone_id": milestone["id"], "title": title,
                "url": "https://git.example.cn/vision-1/%s" % milestone["id"],
                "content_hash": hashlib.sha256(title.encode()).hexdigest(),
                "metadata": {"format": "pdf"}}
        response = api(system, "POST", team_path + "/deliverables", w["zhang"], json=body)
        submissions[milestone["id"]] = ok(response, 201)
        # a student outside the team cannot see it, let alone submit to it
        assert api(system, "POST", team_path + "/deliverables", w["wang"],
                   json=body).status_code == 404
    assert submissions[first["id"]]["late"] is True  # handed in after 15 October
    assert submissions[final["id"]]["late"] is False

    for milestone_id, enterprise_score, tutor_score in ((first["id"], 80, 90),
                                                        (final["id"], 70, 76)):
        deliverable = "/v1/deliverables/%s/reviews" % submissions[milestone_id]["id"]
        review = ok(api(system, "POST", deliverable, w["hr"], json={
            "rubric": [{"criterion": "功能完整性", "score": enterprise_score, "weight": 2},
                       {"criterion": "现场可用性", "score": enterprise_score}]}), 201)
        assert review["reviewer_kind"] == "enterprise"
        assert api(system, "POST", deliverable, w["other_hr"], json={
            "rubric": [{"criterion": "x", "score": 1}]}).status_code == 404
        assert ok(api(system, "POST", deliverable, w["teacher"], json={
            "rubric": [{"criterion": "文档质量", "score": tutor_score}],
            "comment": "结构清晰"}), 201)["reviewer_kind"] == "tutor"

    ok(api(system, "POST", path + "/transitions", w["hr"], json={"status": "delivered"}))
    assert api(system, "POST", path + "/transitions", w["hr"],
               json={"status": "evaluated"}).status_code == 403  # the college grades
    evaluated = ok(api(system, "POST", path + "/transitions", w["coordinator"],
                       json={"status": "evaluated"}))
    assert [h["status"] for h in evaluated["status_history"]] == [
        "draft", "published", "in_progress", "delivered", "evaluated"]

    grades = ok(api(system, "GET", path + "/grades", w["hr"]))
    assert sorted((g["student_id"], g["grade"]) for g in grades["items"]) == sorted(
        [(students["张伟"], 76.6), (students["李娜"], 76.6)])  # 0.3 x 85 + 0.7 x 73 = 25.5 + 51.1
    lineage = grades["items"][0]["milestones"]
    assert [m["score"] for m in lineage] == [85, 73]
    for milestone in lineage:
        shown = ok(api(system, "GET", "/v1/deliverables/%s" % milestone["deliverable_id"],
                       w["coordinator"]))
        assert {r["id"]: r["score"] for r in shown["reviews"]} == {
            r["review_id"]: r["score"] for r in milestone["reviews"]}
    assert api(system, "GET", path + "/grades", w["other_hr"]).status_code == 404
    own = ok(api(system, "GET", "/v1/grades?student_id=%s" % students["李娜"], w["zhang"]))
    assert [g["student_id"] for g in own["items"]] == [students["张伟"]]

    def received():
        return drain(system.amqp_uri, completed)

    events = wait_until(received, timeout=TIMEOUT, message="project_completed downstream")
    data = events[0][0]["data"]
    assert data["project_id"] == project["id"] and data["on_time"] is True
    assert {g["student_id"]: g["grade"] for g in data["grades"]} == {
        students["张伟"]: 76.6, students["李娜"]: 76.6}
    assert len(data["evidence"]) == 4
    metrics = scrape(system.url("projects", ""))
    assert metric_value(metrics, "projects_projects_completed_total", on_time="true") == 1


def test_a_withdrawn_student_leaves_the_team_by_event(system, world):
    w = world
    project = ok(api(system, "POST", "/v1/projects", w["coordinator"],
                     json={**PROJECT, "enterprise_id": w["partner"]["id"],
                           "title": "AGV 调度优化"}), 201)
    path = "/v1/projects/%s" % project["id"]
    ok(api(system, "POST", path + "/transitions", w["coordinator"], json={"status": "published"}))
    leaving = w["students"]["Emily Chen"]
    team = ok(api(system, "POST", path + "/teams", w["coordinator"], json={
        "student_ids": [leaving, w["students"]["王芳"]], "tutor_id": w["tutor"],
        "mentor_id": w["mentor"]}), 201)

    publish_event(system.amqp_uri, "enrollment", new_event(
        "enrolment_status_changed", "enrollment", {
            "student_id": leaving, "programme_id": "prog-mv", "previous_status": "active",
            "status": "withdrawn", "reason": "Left the college"}))

    def left():
        shown = ok(api(system, "GET", "/v1/teams/%s" % team["id"], w["coordinator"]))
        return shown if shown["student_ids"] == [w["students"]["王芳"]] else None

    shown = wait_until(left, timeout=TIMEOUT, message="the withdrawn student to leave")
    assert shown["removed"][0]["student_id"] == leaving
    refused = api(system, "POST", path + "/teams", w["coordinator"], json={
        "student_ids": [leaving], "tutor_id": w["tutor"], "mentor_id": w["mentor"]})
    assert refused.status_code == 400 and "student_ids" in refused.json()["errors"]


def test_placements_check_ins_and_feedback_are_scoped(system, world):
    w = world
    zhang = w["students"]["张伟"]
    placement = ok(api(system, "POST", "/v1/placements", w["hr"], json={
        "student_id": zhang, "site": "苏州工业园区二号厂房", "supervisor_name": "王建国",
        "starts_on": "2026-09-07", "ends_on": "2027-01-29"}), 201)
    path = "/v1/placements/%s" % placement["id"]
    assert api(system, "GET", path, w["other_hr"]).status_code == 404
    assert api(system, "GET", path, w["li"]).status_code == 404
    assert ok(api(system, "GET", "/v1/placements", w["zhang"]))["total"] == 1
    assert ok(api(system, "GET", "/v1/placements", w["li"]))["total"] == 0

    ok(api(system, "POST", path + "/checkins", w["zhang"], json={
        "week_starting": "2026-09-07", "hours": 38, "summary": "入职安全培训与工位点检"}), 201)
    assert api(system, "POST", path + "/checkins", w["li"], json={
        "week_starting": "2026-09-14", "hours": 1, "summary": "x"}).status_code == 404
    assert api(system, "POST", path + "/checkins/2026-09-07/confirmation", w["other_hr"],
               json={}).status_code == 404
    ok(api(system, "POST", path + "/checkins/2026-09-07/confirmation", w["hr"],
           json={"comment": "属实"}))
    assert ok(api(system, "GET", path, w["zhang"]))["hours"] == 38

    ok(api(system, "POST", "/v1/feedback", w["zhang"], json={
        "subject_kind": "placement", "subject_id": placement["id"],
        "ratings": {"learning_value": 5, "safety": 4, "mentoring": 5}}), 201)
    ok(api(system, "POST", "/v1/feedback", w["hr"], json={
        "subject_kind": "placement", "subject_id": placement["id"],
        "ratings": {"competencies": 4, "conduct": 5}}), 201)
    assert api(system, "POST", "/v1/feedback", w["hr"], json={
        "subject_kind": "placement", "subject_id": placement["id"],
        "ratings": {"competencies": 1, "conduct": 1}}).status_code == 409
    summary = ok(api(system, "GET", "/v1/feedback/summary", w["hr"]))
    assert (summary["enterprise_id"], summary["count"]) == (w["partner"]["id"], 1)
    mine = ok(api(system, "GET", "/v1/feedback/summary", w["zhang"]))
    assert (mine["student_id"], mine["average"]) == (zhang, 4.5)

    ended = ok(api(system, "POST", path + "/end", w["hr"], json={
        "ended_on": "2026-11-06", "reason": "企业停产整顿"}))
    assert (ended["status"], ended["end_reason"]) == ("ended", "企业停产整顿")


PROJECT_HANDLERS = sorted(name for name in vars(ProjectsRoutes) if not name.startswith("_"))


def projects_routes():
    return [r for r in route_table(GatewayService) if r["handler"] in PROJECT_HANDLERS]


def caller_for(route, world):
    for who, role in (("admin", "admin"), ("hr", "enterprise_user"), ("zhang", "student")):
        if role in route["roles"]:
            return world[who]


def test_invalid_input_at_every_projects_endpoint_is_a_4xx_with_field_errors(system, world):
    routes = projects_routes()
    assert len(routes) == len(PROJECT_HANDLERS)
    for route in routes:
        url = (route["url"].replace("<week_starting>", "not-a-date")
               .replace("<project_id>", "no-such").replace("<team_id>", "no-such")
               .replace("<deliverable_id>", "no-such").replace("<placement_id>", "no-such"))
        who = caller_for(route, world)
        if route["method"] == "GET":
            response = api(system, "GET", url + "?limit=0&status=nonsense", who)
            assert 400 <= response.status_code < 500, (route, response.text)
            if "<" not in route["url"] and route["url"] != "/v1/feedback/summary":
                assert response.json()["errors"]["limit"], route
            continue
        for body in ({"unexpected": "字段"}, ["not", "an", "object"]):
            response = api(system, route["method"], url, who, json=body)
            assert response.status_code == 400, (route, body, response.text)
            assert response.json()["errors"], (route, body)
