"""The read-model RPCs (docs/views.md) of the projects service in a container
on the real broker and database, over data made through its own RPCs with a
pinned clock moved forward: a placement with missed weeks, a project graded
with a late deliverable, feedback owed and given."""
from datetime import datetime, timedelta, timezone

import pytest
from nameko import config
from nameko.standalone.rpc import ServiceRpcClient
from test_projects_entrypoints import running_project, seed, sha

from college_platform.errors import InvalidInput
from projects.records import ProjectsRecords, tallies_count_every_project
from projects.service import ProjectsService
from testkit.calls import call

STUDENT = {"kind": "student", "student_id": "s-1", "username": "zhangwei"}
HR = {"kind": "enterprise", "enterprise_id": "p-1", "username": "chen.hr"}
TEACHER = {"kind": "teacher", "username": "wang.teacher", "mentor_id": "t-1"}
CHECKIN = {"hours": 40, "summary": "视觉标定与点检"}


@pytest.fixture
def projects(start_service, service_config, database):
    container = start_service(ProjectsService)
    seed(service_config["AMQP_URI"], database)
    return container


def read_model(method, *args):
    # through the broker, as the gateway asks: the answer must be plain JSON
    with ServiceRpcClient("projects") as client:
        return getattr(client, method)(*args)


def graded_with_a_late_first_milestone(projects):
    project, team = running_project(projects)
    config["CLOCK_NOW"] = "2027-04-05T09:00:00+08:00"  # after the first milestone's due date
    for milestone in project["milestones"]:
        submitted = call(projects, "submit_deliverable", team["id"], {
            "milestone_id": milestone["id"], "title": milestone["title"],
            "url": "https://git.example.cn/t1/%s" % milestone["id"],
            "content_hash": sha(milestone["id"])}, STUDENT)
        call(projects, "review_deliverable", submitted["id"], {
            "reviewer_kind": "enterprise", "rubric": [{"criterion": "功能完整性", "score": 80}]},
            HR)
        call(projects, "review_deliverable", submitted["id"], {
            "reviewer_kind": "tutor", "rubric": [{"criterion": "文档质量", "score": 90}]},
            TEACHER)
    for status in ("delivered", "evaluated"):
        call(projects, "transition_project", project["id"], {"status": status})
    return project, team


def test_a_students_part_shows_missed_weeks_late_work_grades_and_feedback_owed(projects):
    with config.patch({"CLOCK_NOW": "2027-03-24T09:00:00+08:00", "CHECKIN_GRACE_DAYS": 2}):
        placement = call(projects, "start_placement", {
            "student_id": "s-1", "enterprise_id": "p-1", "site": "苏州工业园区二号厂房",
            "supervisor_name": "王建国", "starts_on": "2027-03-01", "ends_on": "2027-06-30"})
        for week in ("2027-03-01", "2027-03-08"):
            call(projects, "log_checkin", placement["id"], {"week_starting": week, **CHECKIN},
                 STUDENT)
        call(projects, "confirm_checkin", placement["id"], "2027-03-01", {})
        # week 2 logged but not confirmed, week 3 never logged
        assert call(projects, "sweep_checkins")["alerts"] == 2
        project, team = graded_with_a_late_first_milestone(projects)

        answer = read_model("student_summaries", ["s-1", "s-3", "nobody"])
        assert set(answer) == {"s-1", "s-3", "nobody"}
        assert answer["nobody"] == {}
        assert answer["s-3"] == {  # enrolled, but nothing here yet
            "projects": [], "placements": [],
            "feedback": {"overdue": [], "received": [], "received_average": None},
            "risk_signals": {"missed_checkins": 0, "open_alerts": 0, "late_deliverables": 0,
                             "overdue_feedback": 0}}
        part = answer["s-1"]
        grade = call(projects, "list_grades", {"student_id": "s-1"})["items"][0]
        assert part["projects"] == [{
            "project_id": project["id"], "title": project["title"], "enterprise_id": "p-1",
            "status": "evaluated", "team_id": team["id"], "grade": grade["grade"],
            "grade_lineage": grade["milestones"], "late_deliverables": 1}]
        assert grade["grade"] == 85.0
        # on 5 April the weeks of 1, 8, 15 and 22 March are past their grace period; the
        # sweep of 24 March alerted two, the third is missed by the same rule before any sweep
        assert part["placements"] == [{
            "placement_id": placement["id"], "enterprise_id": "p-1", "starts_on": "2027-03-01",
            "ends_on": "2027-06-30", "status": "active",
            "checkins": {"expected": 4, "logged": 2, "confirmed": 1, "missed": 3},
            "compliance": 0.25,
            "open_alerts": [{"week_starting": "2027-03-22", "kind": "not_logged"},
                            {"week_starting": "2027-03-15", "kind": "not_logged"},
                            {"week_starting": "2027-03-08", "kind": "not_confirmed"}]}]
        assert part["risk_signals"] == {"missed_checkins": 3, "open_alerts": 3,
                                        "late_deliverables": 1, "overdue_feedback": 0}
        # the week of 29 March falls due at midnight on 7 April, 39 hours on
        assert part["changes_in_seconds"] == 39 * 3600

        # a late confirmation closes its alert but the week stays missed
        call(projects, "confirm_checkin", placement["id"], "2027-03-08", {})
        call(projects, "end_placement", placement["id"],
             {"ended_on": "2027-04-02", "reason": "项目结束提前离岗"})
        config["CLOCK_NOW"] = "2027-04-20T09:00:00+08:00"
        part = read_model("student_summaries", ["s-1"])["s-1"]
        assert part["placements"][0]["open_alerts"] == [
            {"week_starting": "2027-03-29", "kind": "not_logged"},
            {"week_starting": "2027-03-22", "kind": "not_logged"},
            {"week_starting": "2027-03-15", "kind": "not_logged"}]
        assert part["placements"][0]["checkins"]["missed"] == 4
        # the placement ended on 2 April, the project was delivered on 5 April: two weeks on,
        # the student owes feedback on both
        assert part["feedback"]["overdue"] == [
            {"subject_kind": "project", "subject_id": project["id"], "due_on": "2027-04-19"},
            {"subject_kind": "placement", "subject_id": placement["id"],
             "due_on": "2027-04-16"}]
        assert part["risk_signals"]["overdue_feedback"] == 2

        call(projects, "submit_feedback", {
            "subject_kind": "project", "subject_id": project["id"],
            "direction": "student_to_enterprise",
            "ratings": {"learning_value": 5, "safety": 4, "mentoring": 3}}, STUDENT)
        call(projects, "submit_feedback", {
            "subject_kind": "placement", "subject_id": placement["id"],
            "direction": "enterprise_to_student",
            "ratings": {"competencies": 4, "conduct": 5}}, HR)
        part = read_model("student_summaries", ["s-1"])["s-1"]
        assert part["feedback"]["overdue"] == [{
            "subject_kind": "placement", "subject_id": placement["id"],
            "due_on": "2027-04-16"}]
        assert part["feedback"]["received_average"] == 4.5
        assert [(f["enterprise_id"], f["subject_id"], f["average"])
                for f in part["feedback"]["received"]] == [("p-1", placement["id"], 4.5)]


def test_an_enterprise_part_and_the_dashboard_facts(projects):
    with config.patch({"CLOCK_NOW": "2027-03-24T09:00:00+08:00", "CHECKIN_GRACE_DAYS": 2}):
        placement = call(projects, "start_placement", {
            "student_id": "s-2", "enterprise_id": "p-1", "site": "苏州工业园区二号厂房",
            "supervisor_name": "王建国", "starts_on": "2027-03-01", "ends_on": "2027-06-30"})
        call(projects, "log_checkin", placement["id"],
             {"week_starting": "2027-03-01", **CHECKIN}, {**STUDENT, "student_id": "s-2"})
        call(projects, "confirm_checkin", placement["id"], "2027-03-01", {})
        call(projects, "sweep_checkins")  # weeks of 8 and 15 March never logged
        project, _ = graded_with_a_late_first_milestone(projects)
        config["CLOCK_NOW"] = "2027-04-15T09:00:00+08:00"
        call(projects, "create_project", {
            "title": "仓储机器人调度", "enterprise_id": "p-1", "team_size": 2,
            "brief": "为立体仓库设计多机器人调度算法。", "start_date": "2027-03-01",
            "end_date": "2027-06-30"})
        call(projects, "submit_feedback", {
            "subject_kind": "project", "subject_id": project["id"], "student_id": "s-1",
            "direction": "enterprise_to_student",
            "ratings": {"competencies": 4, "conduct": 3}}, HR)

        answer = read_model("enterprise_summaries", ["p-1", "p-9"])
        assert answer["p-9"] == {}
        part = answer["p-1"]
        assert [(p["title"], p["status"]) for p in part["projects"]] == [
            ("仓储机器人调度", "draft"), (project["title"], "evaluated")]
        assert part["projects"][0]["published_at"] is None
        assert part["projects"][1]["published_at"].startswith("2027-03-24")
        assert part["projects_by_status"] == {"evaluated": 1, "draft": 1}
        assert part["feedback_given"] == {"count": 1, "average": 3.5}
        assert part["feedback_received"] == {"count": 0, "average": None}
        # delivered on 5 April, rated on 15 April
        assert part["contribution"] == {"projects_posted": 1, "feedback_turnaround_days": 10.0}

        rows = read_model("indicator_facts")
        assert all(set(row) == {"metric", "value", "term", "programme_id", "enterprise_id",
                                "breakdown"} for row in rows)
        facts = {(r["metric"], r["term"], r["programme_id"], r["enterprise_id"]): r["value"]
                 for r in rows}
        spring = "2027-spring"
        assert facts[("projects_published", spring, None, "p-1")] == 1
        assert facts[("projects_completed", spring, None, "p-1")] == 1
        assert facts[("projects_completed_on_time", spring, None, "p-1")] == 1
        assert facts[("student_rating_sum", spring, "prog-1", "p-1")] == 3.5
        assert facts[("student_rating_count", spring, "prog-1", "p-1")] == 1
        assert facts[("feedback_turnaround_days_sum", spring, "prog-1", "p-1")] == 10
        assert facts[("feedback_turnaround_count", spring, "prog-1", "p-1")] == 1
        # on 15 April six weeks are due (1 March to 5 April); one was confirmed, the
        # other five are missed (two alerted by the sweep of 24 March)
        assert facts[("checkins_expected", spring, "prog-1", "p-1")] == 6
        assert facts[("checkins_done", spring, "prog-1", "p-1")] == 1
        assert facts[("alerts_open", spring, "prog-1", "p-1")] == 5
        assert ("enterprise_rating_count", spring, "prog-1", "p-1") not in facts


def drafts(first, last, enterprise_id="p-1"):
    """Drafts as the inbound contract stores them, one a minute from 1 March."""
    start = datetime(2027, 3, 1, tzinfo=timezone.utc)
    return [{"_id": "d-%03d" % n, "enterprise_id": enterprise_id, "title": "项目 %d" % n,
             "status": "draft", "created_at": start + timedelta(minutes=n),
             "status_history": [{"status": "draft", "at": start}]}
            for n in range(first, last)]


def shown(part):
    return [p["project_id"] for p in part["projects"]]


def test_projects_posted_in_bulk_are_counted_once_whatever_is_run_again(projects, database):
    records = ProjectsRecords(database("projects"))
    batch = drafts(0, 3)
    records.add_new_projects(batch)
    records.add_new_projects(batch)  # the same batch redelivered
    # a run that counted its projects and died before storing them, then redelivered
    # in a batch with a project never seen
    lost = drafts(3, 5)
    records.add_new_projects(lost)
    database("projects").projects.delete_many({"_id": {"$in": ["d-003", "d-004"]}})
    records.add_new_projects(lost[:1] + drafts(5, 6) + lost[1:])

    part = read_model("enterprise_summaries", ["p-1"])["p-1"]
    assert part["projects_by_status"] == {"draft": 6}
    assert shown(part) == ["d-005", "d-004", "d-003", "d-002", "d-001", "d-000"]
    # cancelled through the service, the tally moves it
    call(projects, "transition_project", "d-005", {"status": "cancelled"})
    part = read_model("enterprise_summaries", ["p-1"])["p-1"]
    assert part["projects_by_status"] == {"draft": 5, "cancelled": 1}


def test_an_enterprise_part_reads_its_newest_hundred_and_a_lost_tally_is_counted_at_start(
        projects, database):
    db = database("projects")
    ProjectsRecords(db).add_new_projects(drafts(0, 150) + drafts(150, 152, "p-2"))
    part = read_model("enterprise_summaries", ["p-1"])["p-1"]
    assert shown(part) == ["d-%03d" % n for n in range(149, 49, -1)]
    assert part["projects_truncated"] is True
    assert part["projects_by_status"] == {"draft": 150}

    # projects stored before tallies were kept: the start counts them once
    db.enterprise_tallies.delete_many({"_id": "p-1"})
    db.migrations.delete_many({})
    tallies_count_every_project(db)
    tallies_count_every_project(db)
    assert read_model("enterprise_summaries", ["p-1", "p-2"]) == {
        "p-1": part, "p-2": read_model("enterprise_summaries", ["p-2"])["p-2"]}
    assert read_model("enterprise_summaries", ["p-2"])["p-2"]["projects_by_status"] == {
        "draft": 2}


def test_at_most_200_ids_are_answered_each_one_a_key(projects):
    ids = ["s-1"] + ["unknown-%d" % i for i in range(199)]
    for method in ("student_summaries", "enterprise_summaries"):
        answer = call(projects, method, ids)
        assert sorted(answer) == sorted(ids)
        assert all(answer[id_] == {} for id_ in ids[1:])
        with pytest.raises(InvalidInput):
            call(projects, method, ids + ["one-too-many"])
        with pytest.raises(InvalidInput):
            call(projects, method, "s-1")
