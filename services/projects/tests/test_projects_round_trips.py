"""How many statements the busiest commands on check-ins and reviews send the
real database, counted with a command listener on the store's client: each is
one transaction (its reads, its writes with their announcement, the commit),
and a round trip that creeps back fails here. Their rates are measured by
bench/round_trips.py (docs/benchmarks.md), not here."""
from datetime import datetime, timezone

import pytest
from nameko.testing.services import worker_factory
from pymongo import MongoClient

from college_platform.errors import Conflict, NotFound
from projects.service import ProjectsService
from testkit.stores import Statements, store_on

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=timezone.utc)
STUDENT = {"kind": "student", "student_id": "s-1", "username": "zhangwei"}
ENTERPRISE = {"kind": "enterprise", "enterprise_id": "p-1", "username": "chen.hr"}
OTHER_ENTERPRISE = {"kind": "enterprise", "enterprise_id": "p-2", "username": "li.hr"}
TUTOR = {"kind": "teacher", "username": "wang.teacher", "mentor_id": "t-1"}
CHECKIN = {"hours": 40, "summary": "视觉标定与点检"}
RUBRIC = {"reviewer_kind": "enterprise", "rubric": [{"criterion": "功能完整性", "score": 80}]}


class FixedClock:
    def __call__(self):
        return NOW


@pytest.fixture
def statements():
    return Statements()


@pytest.fixture
def projects(mongo_uri, database_prefix, statements):
    """The service's entrypoints over a store whose every command is listed."""
    client = MongoClient(mongo_uri, tz_aware=True, event_listeners=[statements])
    store = store_on(client, database_prefix + "projects", ProjectsService.store, "projects")

    def copies(uow):
        for partner_id in ("p-1", "p-2"):
            uow.records.remember("partners", partner_id, {"legal_name": partner_id})
        for student_id in ("s-1", "s-2"):
            uow.records.remember_enrolment(student_id, {
                "name": student_id, "partner_id": "p-1", "programme_id": "prog-1"})
        uow.records.remember("mentors", "t-1", {"kind": "teacher", "enterprise_id": None})
        uow.records.remember("mentors", "m-1", {"kind": "industry", "enterprise_id": "p-1"})

    store.transact(copies)
    yield worker_factory(ProjectsService, store=store, clock=FixedClock())
    client.close()


def a_reviewable_deliverable(projects):
    project = projects.create_project({
        "title": "产线视觉质检系统", "enterprise_id": "p-1", "team_size": 2,
        "brief": "为电机装配线开发基于机器视觉的缺陷检测工位。",
        "start_date": "2027-03-01", "end_date": "2027-06-30",
        "milestones": [{"title": "方案设计", "due_date": "2027-04-01", "weight": 100}]})
    projects.transition_project(project["id"], {"status": "published"})
    team = projects.form_team(project["id"], {"student_ids": ["s-1", "s-2"], "tutor_id": "t-1",
                                              "mentor_id": "m-1"})
    projects.transition_project(project["id"], {"status": "in_progress"})
    return projects.submit_deliverable(team["id"], {
        "milestone_id": project["milestones"][0]["id"], "title": "方案说明书",
        "url": "https://git.example.cn/t1/a.pdf", "content_hash": "a" * 64}, STUDENT)


def a_placement(projects):
    return projects.start_placement({
        "student_id": "s-1", "enterprise_id": "p-1", "site": "苏州工业园区二号厂房",
        "supervisor_name": "王建国", "starts_on": "2027-03-01", "ends_on": "2027-06-30"})


def test_a_review_is_one_read_two_inserts_and_the_commit(projects, statements):
    deliverable = a_reviewable_deliverable(projects)

    sent = statements.during(lambda: projects.review_deliverable(
        deliverable["id"], RUBRIC, ENTERPRISE))
    assert sent == [("aggregate", "deliverables"), ("insert", "reviews"),
                    ("insert", "outbox"), ("commitTransaction", None)]

    sent = statements.during(lambda: projects.review_deliverable(
        deliverable["id"], {**RUBRIC, "reviewer_kind": "tutor"}, TUTOR))
    assert len(sent) == 4
    for refused in (OTHER_ENTERPRISE, {**STUDENT, "student_id": "s-9"}):
        with pytest.raises(NotFound):
            projects.review_deliverable(deliverable["id"], RUBRIC, refused)
    reviews = projects.get_deliverable(deliverable["id"])["reviews"]
    assert [(r["reviewer_kind"], r["reviewer"]) for r in reviews] == [
        ("enterprise", "chen.hr"), ("tutor", "wang.teacher")]


def test_logging_a_week_is_one_read_two_inserts_and_the_commit(projects, statements):
    placement = a_placement(projects)

    sent = statements.during(lambda: projects.log_checkin(
        placement["id"], {"week_starting": "2027-03-01", **CHECKIN}, STUDENT))
    assert sent == [("find", "placements"), ("insert", "checkins"),
                    ("insert", "outbox"), ("commitTransaction", None)]


def test_confirming_a_week_is_one_read_three_writes_and_the_commit(projects, statements):
    placement = a_placement(projects)
    projects.log_checkin(placement["id"], {"week_starting": "2027-03-01", **CHECKIN}, STUDENT)

    confirmed = {}
    sent = statements.during(lambda: confirmed.update(projects.confirm_checkin(
        placement["id"], "2027-03-01", {}, ENTERPRISE)))
    assert sent == [("aggregate", "placements"), ("update", "checkins"),
                    ("update", "placements"), ("insert", "outbox"),
                    ("commitTransaction", None)]
    assert (confirmed["status"], confirmed["confirmed_by"], confirmed["hours"]) == (
        "confirmed", "chen.hr", 40)

    with pytest.raises(Conflict):  # its hours count once
        projects.confirm_checkin(placement["id"], "2027-03-01", {}, ENTERPRISE)
    with pytest.raises(NotFound):  # another enterprise learns nothing of it
        projects.confirm_checkin(placement["id"], "2027-03-01", {}, OTHER_ENTERPRISE)
    with pytest.raises(NotFound):
        projects.confirm_checkin(placement["id"], "2027-03-08", {}, ENTERPRISE)
    assert projects.get_placement(placement["id"])["hours"] == 40
    stored = projects.list_checkins(placement["id"])["items"]
    assert [(c["status"], c["confirmed_by"]) for c in stored] == [("confirmed", "chen.hr")]
