"""The projects service in a container on the real broker and database:
local copies from other services' events, the project workflow end to end,
a withdrawn student leaving their team, a graduated one's placement ending,
missed check-ins with a moving clock, and feedback."""
import hashlib
import uuid

import eventlet
import pytest
from nameko import config
from nameko.standalone.rpc import ServiceRpcClient

from college_platform.envelope import new_event
from college_platform.errors import Conflict, InvalidInput, NotFound
from projects.service import ProjectsService
from testkit.amqp import bind_probe_queue, drain, publish_event
from testkit.calls import call
from testkit.servers import wait_until

PARTNER = {"partner_id": "p-1", "legal_name": "苏州精工智能装备有限公司",
           "credit_code": "91350100M000100Y43", "industry": "智能制造"}
STUDENTS = [("s-1", "张伟"), ("s-2", "李娜"), ("s-3", "Emily Chen")]
TUTOR = {"mentor_id": "t-1", "name": "王老师", "kind": "teacher", "enterprise_id": None}
MENTOR = {"mentor_id": "m-1", "name": "陈工程师", "kind": "industry", "enterprise_id": "p-1"}
PROJECT = {
    "title": "产线视觉质检系统", "enterprise_id": "p-1", "team_size": 3,
    "brief": "为电机装配线开发基于机器视觉的缺陷检测工位。", "course_code": "MV301",
    "credit_weight": 2, "start_date": "2027-03-01", "end_date": "2027-06-30",
    "required_competencies": ["OpenCV", "PLC"],
    "milestones": [{"title": "方案设计", "due_date": "2027-04-01", "weight": 40},
                   {"title": "Final delivery", "due_date": "2027-06-25", "weight": 60}],
}


def enrolled(student_id, name):
    return new_event("student_enrolled", "enrollment", {
        "student_id": student_id, "student_number": "2027%s" % student_id[-1], "name": name,
        "programme_id": "prog-1", "programme_code": "MV-2027", "programme_kind": "order_class",
        "partner_id": "p-1", "intake_year": 2027})


def withdrawn(student_id):
    return new_event("enrolment_status_changed", "enrollment", {
        "student_id": student_id, "programme_id": "prog-1", "previous_status": "active",
        "status": "withdrawn", "reason": "本人申请退学"})


def graduated(student_id):
    return new_event("enrolment_status_changed", "enrollment", {
        "student_id": student_id, "programme_id": "prog-1", "previous_status": "active",
        "status": "graduated", "reason": "graduated"})


def seed(amqp_uri, database):
    """What enrollment and mentors would have announced."""
    publish_event(amqp_uri, "enrollment", new_event("partner_registered", "enrollment", PARTNER))
    for student_id, name in STUDENTS:
        publish_event(amqp_uri, "enrollment", enrolled(student_id, name))
    for mentor in (TUTOR, MENTOR):
        publish_event(amqp_uri, "mentors", new_event("mentor_registered", "mentors", mentor))
    db = database("projects")
    wait_until(lambda: db.students.count_documents({}) == 3 and db.mentors.count_documents({})
               == 2 and db.partners.count_documents({}) == 1, message="the local copies")


def probe(amqp_uri, event_type):
    return bind_probe_queue(amqp_uri, "projects", event_type, "probe-%s-%s" % (
        event_type, uuid.uuid4().hex[:6])).name


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def projects(start_service, service_config, database):
    container = start_service(ProjectsService)
    seed(service_config["AMQP_URI"], database)
    return container


def running_project(projects, team=("s-1", "s-2")):
    project = call(projects, "create_project", PROJECT)
    call(projects, "transition_project", project["id"], {"status": "published"})
    formed = call(projects, "form_team", project["id"], {
        "student_ids": list(team), "tutor_id": "t-1", "mentor_id": "m-1", "name": "第一组"})
    call(projects, "transition_project", project["id"], {"status": "in_progress"})
    return call(projects, "get_project", project["id"]), formed


def test_a_project_is_delivered_reviewed_and_graded_with_lineage(projects, service_config):
    completed = probe(service_config["AMQP_URI"], "project_completed")
    project, team = running_project(projects)
    first, final = project["milestones"]
    student = {"kind": "student", "student_id": "s-1", "username": "zhangwei"}

    v1 = call(projects, "submit_deliverable", team["id"], {
        "milestone_id": first["id"], "title": "方案说明书", "url": "https://git.example.cn/t1/a.pdf",
        "content_hash": sha("a1")}, student)
    v2 = call(projects, "submit_deliverable", team["id"], {
        "milestone_id": first["id"], "title": "方案说明书 v2",
        "url": "https://git.example.cn/t1/a2.pdf", "content_hash": sha("a2")}, student)
    assert (v1["version"], v2["version"]) == (1, 2)
    last = call(projects, "submit_deliverable", team["id"], {
        "milestone_id": final["id"], "title": "Vision cell source and report",
        "url": "https://git.example.cn/t1/final", "content_hash": sha("f")}, student)

    for deliverable, enterprise_score, tutor_score in ((v2, 80, 90), (last, 70, 76)):
        call(projects, "review_deliverable", deliverable["id"], {
            "reviewer_kind": "enterprise",
            "rubric": [{"criterion": "功能完整性", "score": enterprise_score}]},
            {"kind": "enterprise", "enterprise_id": "p-1", "username": "chen.hr"})
        call(projects, "review_deliverable", deliverable["id"], {
            "reviewer_kind": "tutor", "rubric": [{"criterion": "文档质量", "score": tutor_score}]},
            {"kind": "teacher", "username": "wang.teacher", "mentor_id": "t-1"})

    with pytest.raises(Conflict):  # a teacher who is not the team's tutor
        call(projects, "review_deliverable", last["id"], {
            "reviewer_kind": "tutor", "rubric": [{"criterion": "文档质量", "score": 10}]},
            {"kind": "teacher", "username": "li.teacher", "mentor_id": "t-9"})
    with pytest.raises(Conflict):  # a teacher account linked to no mentor record
        call(projects, "review_deliverable", last["id"], {
            "reviewer_kind": "tutor", "rubric": [{"criterion": "文档质量", "score": 10}]},
            {"kind": "teacher", "username": "zhao.teacher", "mentor_id": None})
    with pytest.raises(Conflict):  # delivered comes first
        call(projects, "transition_project", project["id"], {"status": "evaluated"})
    call(projects, "transition_project", project["id"],
         {"status": "delivered", "delivered_on": "2027-06-28"})
    evaluated = call(projects, "transition_project", project["id"], {"status": "evaluated"})
    assert evaluated["status"] == "evaluated" and evaluated["on_time"] is True

    grades = call(projects, "list_grades", {"project_id": project["id"]})["items"]
    # 0.4 x (80+90)/2 + 0.6 x (70+76)/2 = 34 + 43.8
    assert sorted((g["student_id"], g["grade"]) for g in grades) == [("s-1", 77.8),
                                                                      ("s-2", 77.8)]
    lineage = grades[0]["milestones"]
    assert lineage[0]["deliverable_id"] == v2["id"] and lineage[0]["version"] == 2
    reviewed = call(projects, "get_deliverable", v2["id"])["reviews"]
    assert {r["id"] for r in reviewed} == {r["review_id"] for r in lineage[0]["reviews"]}

    events = wait_until(lambda: drain(service_config["AMQP_URI"], completed),
                        message="project_completed")
    data = events[0][0]["data"]
    assert sorted(g["student_id"] for g in data["grades"]) == ["s-1", "s-2"]
    assert {e["deliverable_id"] for e in data["evidence"]} == {v2["id"], last["id"]}


def test_a_team_takes_only_active_students_each_on_one_team_of_a_project(projects):
    project, _ = running_project(projects, team=("s-1",))
    with pytest.raises(Conflict):
        call(projects, "form_team", project["id"], {
            "student_ids": ["s-2", "s-1"], "tutor_id": "t-1", "mentor_id": "m-1"})
    with pytest.raises(InvalidInput) as caught:
        call(projects, "form_team", project["id"], {
            "student_ids": ["s-9"], "tutor_id": "m-1", "mentor_id": "t-1"})
    assert set(caught.value.errors) == {"student_ids", "tutor_id", "mentor_id"}
    assert call(projects, "list_teams", {"student_id": "s-2"})["total"] == 0


def test_concurrent_teams_never_share_a_student(projects, service_config):
    project = call(projects, "create_project", {**PROJECT, "team_size": 2})
    call(projects, "transition_project", project["id"], {"status": "published"})

    def form(other):
        with ServiceRpcClient("projects", uri=service_config["AMQP_URI"]) as client:
            try:
                return client.form_team(project["id"], {
                    "student_ids": ["s-1", other], "tutor_id": "t-1", "mentor_id": "m-1"})
            except Conflict:
                return None

    pool = eventlet.GreenPool(4)
    formed = [team for team in pool.imap(form, ["s-2", "s-3", "s-2", "s-3"]) if team]
    assert len(formed) == 1
    assert call(projects, "list_teams", {"student_id": "s-1"})["total"] == 1
    assert call(projects, "list_teams", {"project_id": project["id"]})["total"] == 1


def test_a_withdrawn_student_leaves_their_active_team(projects, service_config, database):
    amqp_uri = service_config["AMQP_URI"]
    removed = probe(amqp_uri, "team_member_removed")
    _, team = running_project(projects)

    event = withdrawn("s-1")
    publish_event(amqp_uri, "enrollment", event)
    publish_event(amqp_uri, "enrollment", event)  # delivered twice: one effect
    wait_until(lambda: call(projects, "get_team", team["id"])["student_ids"] == ["s-2"],
               message="the withdrawn student to leave the team")
    events = wait_until(lambda: drain(amqp_uri, removed), message="team_member_removed")
    wait_until(lambda: database("projects").inbox.count_documents(
        {"event_id": event["id"], "consumer": "projects.on_enrolment_status_changed"}) == 1,
        message="the handled event")
    assert [e["data"]["student_id"] for e, _ in events] == ["s-1"]
    assert call(projects, "get_team", team["id"])["removed"][0]["reason"] == "本人申请退学"
    assert database("projects").students.find_one({"_id": "s-1"})["status"] == "withdrawn"


def test_a_graduated_students_open_placement_ends_once_and_they_leave_their_team(
        projects, service_config, database):
    amqp_uri, db = service_config["AMQP_URI"], database("projects")
    with config.patch({"CLOCK_NOW": "2027-05-14T09:00:00+08:00"}):  # graduation day
        _, team = running_project(projects)
        finished, ongoing = placements_of_a_graduate(projects)
        ended = probe(amqp_uri, "placement_ended")  # bound after the normal end
        removed = probe(amqp_uri, "team_member_removed")

        event, again = graduated("s-1"), graduated("s-1")  # ``again``: announced anew
        for delivered in (event, event, again):  # ``event`` delivered twice
            publish_event(amqp_uri, "enrollment", delivered)
        wait_until(lambda: db.inbox.count_documents(
            {"event_id": {"$in": [event["id"], again["id"]]},
             "consumer": "projects.on_enrolment_status_changed"}) == 2,
            message="both graduation events handled")

    events = wait_until(lambda: drain(amqp_uri, ended), message="placement_ended")
    assert [e["data"] for e, _ in events] == [{
        "placement_id": ongoing["id"], "student_id": "s-1", "enterprise_id": "p-1",
        "ended_on": "2027-05-14", "early": True, "reason": "graduated", "hours": 40}]
    assert db.outbox.count_documents({"event.type": "placement_ended",
                                      "event.data.placement_id": ongoing["id"]}) == 1
    assert call(projects, "get_placement", ongoing["id"])["status"] == "ended"
    assert call(projects, "get_placement", finished["id"]) == finished
    assert call(projects, "get_team", team["id"])["student_ids"] == ["s-2"]
    assert call(projects, "get_team", team["id"])["removed"][0]["reason"] == "graduated"
    events = wait_until(lambda: drain(amqp_uri, removed), message="team_member_removed")
    assert [e["data"]["student_id"] for e, _ in events] == ["s-1"]
    assert db.outbox.count_documents({"event.type": "team_member_removed"}) == 1


def placements_of_a_graduate(projects):
    """s-1's placement that ended as planned, and the one under way with 40 hours."""
    site = {"student_id": "s-1", "enterprise_id": "p-1", "site": "苏州工业园区二号厂房",
            "supervisor_name": "王建国"}
    finished = call(projects, "start_placement", {
        **site, "starts_on": "2026-09-07", "ends_on": "2027-01-29"})
    finished = call(projects, "end_placement", finished["id"], {"ended_on": "2027-01-29"})
    ongoing = call(projects, "start_placement", {
        **site, "starts_on": "2027-03-01", "ends_on": "2027-06-30"})
    call(projects, "log_checkin", ongoing["id"],
         {"week_starting": "2027-03-01", "hours": 40, "summary": "视觉标定与点检"})
    call(projects, "confirm_checkin", ongoing["id"], "2027-03-01")
    return finished, ongoing


def test_the_mentor_the_mentors_service_assigns_shows_on_the_team(projects, service_config):
    _, team = running_project(projects)
    publish_event(service_config["AMQP_URI"], "mentors", new_event("mentor_assigned", "mentors", {
        "assignment_id": "a-1", "mentor_id": "m-1", "role": "team_mentor",
        "project_id": team["project_id"], "team_id": team["id"]}))
    wait_until(lambda: call(projects, "get_team", team["id"])["team_mentor_id"] == "m-1",
               message="the team mentor recorded")


def test_each_missed_or_unconfirmed_week_raises_exactly_one_alert(
        start_service, service_config, database):
    """Time travel: the sweep's timer runs every 0.2 s against a pinned clock
    that the test moves forward week by week."""
    amqp_uri = service_config["AMQP_URI"]
    missed = probe(amqp_uri, "checkin_missed")
    with config.patch({"CLOCK_NOW": "2027-03-09T09:00:00+08:00", "CHECKIN_SWEEP_SECONDS": 0.2,
                       "CHECKIN_GRACE_DAYS": 2}):
        projects = start_service(ProjectsService)
        seed(amqp_uri, database)
        placement = call(projects, "start_placement", {
            "student_id": "s-1", "enterprise_id": "p-1", "site": "苏州工业园区二号厂房",
            "supervisor_name": "王建国", "starts_on": "2027-03-01", "ends_on": "2027-04-30"})
        student = {"kind": "student", "student_id": "s-1", "username": "zhangwei"}
        for week in ("2027-03-01", "2027-03-08"):
            call(projects, "log_checkin", placement["id"],
                 {"week_starting": week, "hours": 40, "summary": "视觉标定与点检"}, student)
        call(projects, "confirm_checkin", placement["id"], "2027-03-08", {})

        def alerts():
            return call(projects, "list_checkin_alerts", {"placement_id": placement["id"]})

        # two weeks on: week 1 logged but never confirmed, week 3 never logged
        config["CLOCK_NOW"] = "2027-03-24T09:00:00+08:00"
        wait_until(lambda: alerts()["total"] == 2, message="two alerts")
        call(projects, "sweep_checkins")  # a second instance sweeping too
        call(projects, "sweep_checkins", {"as_of": "2027-03-24T10:00:00+08:00"})
        assert sorted((a["week_starting"], a["kind"]) for a in alerts()["items"]) == [
            ("2027-03-01", "not_confirmed"), ("2027-03-15", "not_logged")]

        # confirming late does not retract the alert nor raise another
        call(projects, "confirm_checkin", placement["id"], "2027-03-01", {})
        config["CLOCK_NOW"] = "2027-03-31T09:00:00+08:00"
        wait_until(lambda: alerts()["total"] == 3, message="the third week's alert")
        call(projects, "sweep_checkins")
        events = wait_until(lambda: (lambda found: found if len(found) >= 3 else None)(
            drain(amqp_uri, missed)), message="three checkin_missed events")
        assert sorted(e["data"]["week_starting"] for e, _ in events) == [
            "2027-03-01", "2027-03-15", "2027-03-22"]
        assert call(projects, "sweep_checkins")["alerts"] == 0
        assert drain(amqp_uri, missed) == []
        assert call(projects, "get_placement", placement["id"])["hours"] == 80


def test_a_placement_ends_early_with_a_reason_and_its_hours(projects, service_config):
    ended = probe(service_config["AMQP_URI"], "placement_ended")
    placement = call(projects, "start_placement", {
        "student_id": "s-2", "enterprise_id": "p-1", "site": "Suzhou plant 2",
        "supervisor_name": "王建国", "starts_on": "2026-09-07", "ends_on": "2027-01-29"})
    call(projects, "log_checkin", placement["id"],
         {"week_starting": "2026-09-07", "hours": 32.5, "summary": "入职培训"})
    call(projects, "confirm_checkin", placement["id"], "2026-09-07")
    with pytest.raises(Conflict):
        call(projects, "confirm_checkin", placement["id"], "2026-09-07")
    with pytest.raises(InvalidInput) as caught:
        call(projects, "end_placement", placement["id"], {"ended_on": "2026-10-09"})
    assert "reason" in caught.value.errors
    call(projects, "end_placement", placement["id"],
         {"ended_on": "2026-10-09", "reason": "企业停产整顿"})
    data = wait_until(lambda: drain(service_config["AMQP_URI"], ended))[0][0]["data"]
    assert (data["early"], data["hours"], data["reason"]) == (True, 32.5, "企业停产整顿")


def test_feedback_goes_both_ways_once_each_and_is_aggregated(projects):
    placements = [call(projects, "start_placement", {
        "student_id": student_id, "enterprise_id": "p-1", "site": "苏州工厂",
        "supervisor_name": "王建国", "starts_on": "2026-09-07", "ends_on": "2027-01-29"})
        for student_id in ("s-1", "s-2")]
    hr = {"kind": "enterprise", "enterprise_id": "p-1", "username": "chen.hr"}
    for placement, ratings in zip(placements, ({"learning_value": 5, "safety": 4,
                                                "mentoring": 5},
                                               {"learning_value": 3, "safety": 4,
                                                "mentoring": 2})):
        student = {"kind": "student", "student_id": placement["student_id"], "username": "x"}
        call(projects, "submit_feedback", {
            "subject_kind": "placement", "subject_id": placement["id"],
            "direction": "student_to_enterprise", "ratings": ratings, "comment": "师傅带教认真"},
            student)
    call(projects, "submit_feedback", {
        "subject_kind": "placement", "subject_id": placements[0]["id"],
        "direction": "enterprise_to_student", "ratings": {"competencies": 4, "conduct": 5}}, hr)
    with pytest.raises(Conflict):
        call(projects, "submit_feedback", {
            "subject_kind": "placement", "subject_id": placements[0]["id"],
            "direction": "enterprise_to_student", "ratings": {"competencies": 1, "conduct": 1}},
            hr)
    with pytest.raises(NotFound):  # another student's placement
        call(projects, "submit_feedback", {
            "subject_kind": "placement", "subject_id": placements[0]["id"],
            "direction": "student_to_enterprise",
            "ratings": {"learning_value": 1, "safety": 1, "mentoring": 1}},
            {"kind": "student", "student_id": "s-2", "username": "lina"})

    enterprise = call(projects, "feedback_summary", {"enterprise_id": "p-1"})
    assert enterprise["count"] == 2
    assert enterprise["ratings"] == {"learning_value": 4, "safety": 4, "mentoring": 3.5}
    student = call(projects, "feedback_summary", {"student_id": "s-1"})
    assert (student["count"], student["average"]) == (1, 4.5)


def test_concurrent_sweeps_raise_each_missed_week_once(projects, service_config):
    placement = call(projects, "start_placement", {
        "student_id": "s-3", "enterprise_id": "p-1", "site": "Kunshan warehouse",
        "supervisor_name": "Zhou Min", "starts_on": "2026-09-07", "ends_on": "2027-01-29"})

    def sweep(_):
        with ServiceRpcClient("projects", uri=service_config["AMQP_URI"]) as client:
            return client.sweep_checkins({"as_of": "2026-09-30T12:00:00+08:00"})["alerts"]

    raised = list(eventlet.GreenPool(3).imap(sweep, range(3)))
    assert sum(raised) == 3  # weeks of 7, 14 and 21 September, whoever raised them
    alerts = call(projects, "list_checkin_alerts", {"placement_id": placement["id"]})
    assert sorted(a["week_starting"] for a in alerts["items"]) == [
        "2026-09-07", "2026-09-14", "2026-09-21"]
