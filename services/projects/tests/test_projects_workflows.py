"""The projects workflows over an in-memory fake of the records
(fake_projects_records.py) and ``FakeUnitOfWork``: no database, no broker. The
container on the real broker and database is test_projects_entrypoints*.py."""
import inspect
from datetime import date, datetime, timedelta, timezone

import pytest
from fake_projects_records import FakeProjectsRecords

from college_platform.errors import Conflict, InvalidInput, NotFound
from college_platform.fakes import FakeUnitOfWork
from projects import enterprise_events, workflows
from projects.records import ProjectsRecords

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=timezone.utc)
STAFF = {"kind": "staff", "username": "coordinator"}
ENTERPRISE = {"kind": "enterprise", "username": "hr@p-1", "enterprise_id": "p-1"}
OTHER_ENTERPRISE = {"kind": "enterprise", "username": "hr@p-2", "enterprise_id": "p-2"}
TUTOR = {"kind": "teacher", "username": "wang", "mentor_id": "t-1"}
PROJECT = {"title": "产线视觉质检系统", "enterprise_id": "p-1", "team_size": 3, "brief": "...",
           "course_code": "MV301", "credit_weight": 2.0, "start_date": date(2027, 3, 1),
           "end_date": date(2027, 6, 30),
           "milestones": [{"title": "方案设计", "due_date": date(2027, 4, 1), "weight": 40},
                          {"title": "交付", "due_date": date(2027, 6, 25), "weight": 60}]}
PLACEMENT = {"student_id": "s-1", "enterprise_id": "p-1", "site": "二号厂房",
             "supervisor_name": "王建国", "starts_on": date(2027, 3, 1),
             "ends_on": date(2027, 3, 28), "kind": "internship"}
# verbs the entrypoints read outside a transaction, which no workflow uses
ENTRYPOINT_READS = {"page", "feedback_means", "student_summary_sources",
                    "enterprise_summary_sources", "indicator_sources"}


@pytest.fixture
def uow():
    records = FakeProjectsRecords()
    records.remember("partners", "p-1", {"legal_name": "苏州精工"})
    records.remember("partners", "p-2", {"legal_name": "无锡机电"})
    for student_id in ("s-1", "s-2", "s-3"):
        records.remember_enrolment(student_id, {"name": student_id, "partner_id": "p-1",
                                                "programme_id": "prog-1"})
    records.remember("mentors", "t-1", {"kind": "teacher", "enterprise_id": None})
    records.remember("mentors", "m-1", {"kind": "industry", "enterprise_id": "p-1"})
    records.remember("mentors", "m-2", {"kind": "industry", "enterprise_id": "p-2"})
    return FakeUnitOfWork(records)


def published(uow):
    project = workflows.draft_project(uow, dict(PROJECT), NOW, STAFF)
    return workflows.transition_project(uow, project["_id"], "published", STAFF, NOW)


def in_progress(uow, students=("s-1", "s-2")):
    project = published(uow)
    team = workflows.form_team(uow, project["_id"], list(students), "t-1", "m-1", NOW,
                               name="第一组", actor=STAFF)
    project = workflows.transition_project(uow, project["_id"], "in_progress", STAFF, NOW)
    return project, team


def submit(uow, team, milestone, version_title="v1", at=NOW):
    return workflows.submit_deliverable(uow, team["_id"], {
        "milestone_id": milestone["id"], "title": version_title,
        "url": "https://git.example.com/%s" % version_title, "content_hash": "0" * 64,
        "metadata": {}}, {"kind": "student", "username": "s-1", "student_id": "s-1"}, at)


def review(uow, deliverable, kind, score, actor):
    return workflows.review_deliverable(uow, deliverable["_id"], {
        "reviewer_kind": kind, "rubric": [{"criterion": "质量", "score": score, "weight": 1}],
        "comment": None}, actor, NOW)


def test_the_fake_records_have_every_verb_the_workflows_use():
    verbs = {name for name, _ in inspect.getmembers(ProjectsRecords, inspect.isfunction)
             if not name.startswith("_")}
    faked = {name for name, _ in inspect.getmembers(FakeProjectsRecords, inspect.isfunction)
             if not name.startswith("_")}
    assert verbs - ENTRYPOINT_READS <= faked


# -- projects -----------------------------------------------------------------

def test_a_draft_is_announced_with_its_milestones_stored(uow):
    project = workflows.draft_project(uow, dict(PROJECT), NOW, ENTERPRISE)
    assert project["status"] == "draft"
    assert [m["due_date"] for m in project["milestones"]] == ["2027-04-01", "2027-06-25"]
    assert uow.records.project(project["_id"])["status_history"][0]["by"] == "hr@p-1"
    assert uow.events("project_drafted") == [{
        "project_id": project["_id"], "enterprise_id": "p-1", "title": PROJECT["title"],
        "team_size": 3}]


def test_a_draft_for_an_unknown_partner_or_another_enterprise_is_refused(uow):
    with pytest.raises(InvalidInput) as caught:
        workflows.draft_project(uow, {**PROJECT, "enterprise_id": "p-9"}, NOW, STAFF)
    assert "enterprise_id" in caught.value.errors
    with pytest.raises(NotFound):
        workflows.draft_project(uow, dict(PROJECT), NOW, OTHER_ENTERPRISE)
    assert uow.records.data["projects"] == {} and uow.emitted == []


def test_publishing_announces_the_project_and_its_status(uow):
    project = published(uow)
    assert project["status"] == "published"
    assert uow.records.project(project["_id"])["status"] == "published"
    assert uow.events("project_status_changed")[-1]["previous_status"] == "draft"
    assert uow.events("project_published") == [{
        "project_id": project["_id"], "enterprise_id": "p-1", "title": PROJECT["title"],
        "course_code": "MV301", "credit_weight": 2.0}]


def test_an_illegal_transition_or_another_enterprises_project_changes_nothing(uow):
    project = workflows.draft_project(uow, dict(PROJECT), NOW, STAFF)
    with pytest.raises(Conflict):
        workflows.transition_project(uow, project["_id"], "delivered", STAFF, NOW)
    with pytest.raises(NotFound):
        workflows.transition_project(uow, project["_id"], "published", OTHER_ENTERPRISE, NOW)
    assert uow.records.project(project["_id"])["status"] == "draft"
    assert uow.events("project_status_changed") == []


def test_milestones_are_fixed_once_published(uow):
    project = published(uow)
    with pytest.raises(Conflict):
        workflows.set_milestones(uow, project["_id"], PROJECT["milestones"], STAFF)


def test_delivery_records_whether_it_was_on_time(uow):
    project, _ = in_progress(uow)
    delivered = workflows.transition_project(uow, project["_id"], "delivered", STAFF, NOW,
                                             delivered_on=date(2027, 7, 2))
    assert delivered["delivered_on"] == "2027-07-02" and delivered["on_time"] is False
    assert uow.records.project(project["_id"])["on_time"] is False


# -- teams --------------------------------------------------------------------

def test_a_team_is_formed_with_one_membership_per_student(uow):
    project = published(uow)
    team = workflows.form_team(uow, project["_id"], ["s-1", "s-2"], "t-1", "m-1", NOW,
                               actor=STAFF)
    assert uow.records.member_ids(project["_id"]) == ["s-1", "s-2"]
    assert uow.events("team_formed")[0]["student_ids"] == ["s-1", "s-2"]
    with pytest.raises(Conflict):  # one team per student and project
        workflows.form_team(uow, project["_id"], ["s-2", "s-3"], "t-1", "m-1", NOW)
    assert uow.records.team(team["_id"])["tutor_id"] == "t-1"


def test_a_team_needs_active_students_a_teacher_and_the_enterprises_mentor(uow):
    project = published(uow)
    with pytest.raises(InvalidInput) as caught:
        workflows.form_team(uow, project["_id"], ["s-1", "s-9"], "m-1", "m-2", NOW)
    assert set(caught.value.errors) == {"student_ids", "tutor_id", "mentor_id"}
    with pytest.raises(InvalidInput):  # too large
        workflows.form_team(uow, project["_id"], ["s-1", "s-2", "s-3", "s-4"], "t-1", "m-1",
                            NOW)
    assert uow.records.data["teams"] == {}


def test_a_withdrawn_student_leaves_the_teams_under_way(uow):
    project, team = in_progress(uow)
    workflows.enrolment_status_changed(uow, {
        "student_id": "s-1", "status": "withdrawn", "programme_id": "prog-1",
        "partner_id": "p-1", "reason": None}, NOW, 2)
    assert uow.records.team(team["_id"])["student_ids"] == ["s-2"]
    assert uow.records.member_ids(project["_id"]) == ["s-2"]
    assert uow.events("team_member_removed") == [{
        "project_id": project["_id"], "team_id": team["_id"], "student_id": "s-1",
        "reason": "withdrawn from the college"}]


# -- deliverables, reviews and grades -----------------------------------------

def test_submissions_are_versioned_and_flagged_late_after_the_due_date(uow):
    project, team = in_progress(uow)
    first, second = project["milestones"]
    assert submit(uow, team, first)["version"] == 1
    late = submit(uow, team, first, "v2", at=datetime(2027, 4, 2, tzinfo=timezone.utc))
    assert (late["version"], late["late"]) == (2, True)
    with pytest.raises(InvalidInput):
        submit(uow, team, {"id": "nope"})


def test_only_the_teams_tutor_reviews_as_its_tutor(uow):
    project, team = in_progress(uow)
    deliverable = submit(uow, team, project["milestones"][0])
    with pytest.raises(Conflict):
        review(uow, deliverable, "tutor", 80, {**TUTOR, "mentor_id": "t-2"})
    done = review(uow, deliverable, "tutor", 80, TUTOR)
    assert done["score"] == 80
    assert uow.events("deliverable_reviewed")[0]["reviewer_kind"] == "tutor"


def test_a_review_reaches_only_a_deliverable_the_reviewer_sees(uow):
    project, team = in_progress(uow)
    deliverable = submit(uow, team, project["milestones"][0])
    for outsider in (OTHER_ENTERPRISE, {"kind": "student", "student_id": "s-3",
                                        "username": "s-3"}):
        with pytest.raises(NotFound):
            review(uow, deliverable, "enterprise", 80, outsider)
    with pytest.raises(NotFound):
        review(uow, {"_id": "nope"}, "enterprise", 80, ENTERPRISE)
    assert uow.records.data["reviews"] == {} and uow.events("deliverable_reviewed") == []
    done = review(uow, deliverable, "enterprise", 80, ENTERPRISE)
    assert (done["team_id"], done["project_id"], done["reviewer"]) == (
        team["_id"], project["_id"], "hr@p-1")


def test_evaluation_grades_every_member_from_the_reviews(uow):
    project, team = in_progress(uow)
    for milestone, (enterprise, tutor) in zip(project["milestones"], [(90, 70), (80, 60)]):
        deliverable = submit(uow, team, milestone)
        review(uow, deliverable, "enterprise", enterprise, ENTERPRISE)
        review(uow, deliverable, "tutor", tutor, TUTOR)
    workflows.transition_project(uow, project["_id"], "delivered", STAFF, NOW)
    workflows.transition_project(uow, project["_id"], "evaluated", STAFF, NOW)
    # 0.4 x 80 + 0.6 x 70
    assert {g["student_id"]: g["grade"] for g in uow.records.data["grades"].values()} == {
        "s-1": 74.0, "s-2": 74.0}
    completed, = uow.events("project_completed")
    assert completed["grades"] == [{"student_id": "s-1", "grade": 74.0},
                                   {"student_id": "s-2", "grade": 74.0}]
    assert len(completed["evidence"]) == 4
    assert uow.counted == [("projects_completed", {"on_time": "true"})]


def test_a_project_is_not_evaluated_before_every_milestone_is_reviewed(uow):
    project, team = in_progress(uow)
    submit(uow, team, project["milestones"][0])
    workflows.transition_project(uow, project["_id"], "delivered", STAFF, NOW)
    with pytest.raises(Conflict):
        workflows.transition_project(uow, project["_id"], "evaluated", STAFF, NOW)
    assert uow.records.data["grades"] == {}


# -- placements and check-ins -------------------------------------------------

def test_a_placement_starts_for_an_active_student_with_a_partner(uow):
    placement = workflows.start_placement(uow, dict(PLACEMENT), NOW, 2, ENTERPRISE)
    assert placement["status"] == "active" and placement["sweep_until"] == "2027-03-30"
    assert uow.events("placement_started")[0]["placement_id"] == placement["_id"]
    with pytest.raises(NotFound):  # an enterprise places only students related to it
        workflows.start_placement(uow, {**PLACEMENT, "enterprise_id": "p-2"}, NOW, 2,
                                  OTHER_ENTERPRISE)
    with pytest.raises(InvalidInput):
        workflows.start_placement(uow, {**PLACEMENT, "student_id": "s-9"}, NOW, 2, STAFF)


def test_ending_a_placement_early_announces_its_confirmed_hours(uow):
    placement = workflows.start_placement(uow, dict(PLACEMENT), NOW, 2, STAFF)
    workflows.log_checkin(uow, placement["_id"], {"week_starting": date(2027, 3, 1),
                                                  "hours": 38.5, "summary": "点检"}, None, NOW)
    workflows.confirm_checkin(uow, placement["_id"], "2027-03-01", ENTERPRISE, NOW)
    with pytest.raises(Conflict):  # its hours count once
        workflows.confirm_checkin(uow, placement["_id"], "2027-03-01", ENTERPRISE, NOW)
    with pytest.raises(InvalidInput):  # early, without a reason
        workflows.end_placement(uow, placement["_id"], date(2027, 3, 12), None, STAFF, NOW, 2)
    ended = workflows.end_placement(uow, placement["_id"], date(2027, 3, 12), "休学", STAFF,
                                    NOW, 2)
    assert (ended["status"], ended["sweep_until"]) == ("ended", "2027-03-16")
    assert uow.events("placement_ended") == [{
        "placement_id": placement["_id"], "student_id": "s-1", "enterprise_id": "p-1",
        "ended_on": "2027-03-12", "early": True, "reason": "休学", "hours": 38.5}]
    with pytest.raises(Conflict):
        workflows.end_placement(uow, placement["_id"], date(2027, 3, 12), "休学", STAFF, NOW, 2)


def test_a_week_is_confirmed_once_by_whoever_sees_the_placement(uow):
    placement = workflows.start_placement(uow, dict(PLACEMENT), NOW, 2, STAFF)
    workflows.log_checkin(uow, placement["_id"], {"week_starting": date(2027, 3, 1),
                                                  "hours": 38.5, "summary": "点检"}, None, NOW)
    with pytest.raises(NotFound):  # another enterprise learns nothing, not even the week
        workflows.confirm_checkin(uow, placement["_id"], "2027-03-01", OTHER_ENTERPRISE, NOW)
    with pytest.raises(NotFound):  # a week not logged
        workflows.confirm_checkin(uow, placement["_id"], "2027-03-08", ENTERPRISE, NOW)
    assert uow.events("checkin_confirmed") == []

    confirmed = workflows.confirm_checkin(uow, placement["_id"], "2027-03-01", ENTERPRISE, NOW)
    assert confirmed == uow.records.data["checkins"]["%s:2027-03-01" % placement["_id"]]
    assert (confirmed["status"], confirmed["confirmed_by"], confirmed["confirmed_at"]) == (
        "confirmed", "hr@p-1", NOW)
    with pytest.raises(Conflict):
        workflows.confirm_checkin(uow, placement["_id"], "2027-03-01", ENTERPRISE, NOW)
    assert uow.records.placement(placement["_id"])["hours"] == 38.5
    assert uow.events("checkin_confirmed") == [{
        "placement_id": placement["_id"], "student_id": "s-1", "enterprise_id": "p-1",
        "week_starting": "2027-03-01", "hours": 38.5}]


def test_a_graduated_students_open_placements_end_and_they_leave_the_teams_under_way(uow):
    project, team = in_progress(uow)
    finished = workflows.start_placement(uow, {**PLACEMENT, "starts_on": date(2027, 1, 4),
                                               "ends_on": date(2027, 2, 26)}, NOW, 2, STAFF)
    finished = workflows.end_placement(uow, finished["_id"], date(2027, 2, 26), None, STAFF,
                                       NOW, 2)
    ongoing = workflows.start_placement(uow, dict(PLACEMENT), NOW, 2, STAFF)
    workflows.log_checkin(uow, ongoing["_id"], {"week_starting": date(2027, 3, 1),
                                                "hours": 38.5, "summary": "点检"}, None, NOW)
    workflows.confirm_checkin(uow, ongoing["_id"], "2027-03-01", ENTERPRISE, NOW)
    graduated = {"student_id": "s-1", "status": "graduated", "programme_id": "prog-1",
                 "partner_id": "p-1", "reason": "graduated"}

    workflows.enrolment_status_changed(uow, graduated, NOW, 2)
    workflows.enrolment_status_changed(uow, graduated, NOW, 2)  # announced again: no effect

    assert uow.events("placement_ended")[1:] == [{
        "placement_id": ongoing["_id"], "student_id": "s-1", "enterprise_id": "p-1",
        "ended_on": "2027-03-10", "early": True, "reason": "graduated", "hours": 38.5}]
    assert uow.records.placement(ongoing["_id"])["end_reason"] == "graduated"
    assert uow.records.placement(finished["_id"]) == finished
    assert uow.records.member_ids(project["_id"]) == ["s-2"]
    assert uow.events("team_member_removed") == [{
        "project_id": project["_id"], "team_id": team["_id"], "student_id": "s-1",
        "reason": "graduated"}]
    assert uow.records.student("s-1")["status"] == "graduated"


def test_a_missed_checkin_raises_one_alert_however_often_the_sweep_runs(uow):
    placement = workflows.start_placement(uow, dict(PLACEMENT), NOW, 2, STAFF)
    workflows.log_checkin(uow, placement["_id"], {"week_starting": date(2027, 3, 8),
                                                  "hours": 40, "summary": "标定"}, None, NOW)
    today = date(2027, 3, 17)  # the week of 1 March is past its grace; of 8 March too
    raised = workflows.raise_missed_checkins(uow, placement["_id"], today, 2, NOW)
    assert [(a["week_starting"], a["kind"]) for a in raised] == [
        ("2027-03-01", "not_logged"), ("2027-03-08", "not_confirmed")]
    assert workflows.raise_missed_checkins(uow, placement["_id"], today, 2, NOW) == []
    assert [e["week_starting"] for e in uow.events("checkin_missed")] == [
        "2027-03-01", "2027-03-08"]
    assert uow.records.placements_to_sweep() == [placement["_id"]]
    workflows.raise_missed_checkins(uow, placement["_id"], date(2027, 3, 31), 2, NOW)
    assert uow.records.placements_to_sweep() == []  # every week judged


# -- feedback -----------------------------------------------------------------

def test_feedback_is_given_once_per_direction_and_student(uow):
    placement = workflows.start_placement(uow, dict(PLACEMENT), NOW, 2, STAFF)
    fields = {"subject_kind": "placement", "subject_id": placement["_id"],
              "direction": "enterprise_to_student", "student_id": None,
              "ratings": {"competencies": 5, "conduct": 4}, "comment": "认真"}
    feedback = workflows.submit_feedback(uow, dict(fields), ENTERPRISE, NOW)
    assert feedback["_id"] == "placement:%s:enterprise_to_student:s-1" % placement["_id"]
    assert feedback["average"] == 4.5
    assert uow.events("feedback_submitted")[0]["submitted_at"] == NOW.isoformat()
    with pytest.raises(Conflict):
        workflows.submit_feedback(uow, dict(fields), ENTERPRISE, NOW + timedelta(days=1))
    with pytest.raises(InvalidInput):  # an enterprise rates the student
        workflows.submit_feedback(uow, {**fields, "direction": "student_to_enterprise",
                                        "ratings": {"learning_value": 5, "safety": 5,
                                                    "mentoring": 5}}, ENTERPRISE, NOW)
    with pytest.raises(NotFound):
        workflows.submit_feedback(uow, dict(fields), OTHER_ENTERPRISE, NOW)


def test_feedback_on_a_project_is_about_a_member(uow):
    project, _ = in_progress(uow)
    fields = {"subject_kind": "project", "subject_id": project["_id"],
              "direction": "enterprise_to_student", "ratings": {"competencies": 3,
                                                                "conduct": 4}}
    with pytest.raises(InvalidInput):  # whom?
        workflows.submit_feedback(uow, dict(fields), ENTERPRISE, NOW)
    with pytest.raises(InvalidInput):  # not on the project
        workflows.submit_feedback(uow, {**fields, "student_id": "s-3"}, ENTERPRISE, NOW)
    assert workflows.submit_feedback(uow, {**fields, "student_id": "s-2"}, ENTERPRISE,
                                     NOW)["student_id"] == "s-2"


# -- enterprise systems' events -----------------------------------------------

def posted(revision, **data):
    return {"id": "e-%d" % revision, "type": "college.inbound.project.posted.v1",
            "enterprise_id": "p-1", "data": {
                "external_ref": "ERP-7", "revision": revision, "title": "视觉质检",
                "brief": "为电机装配线开发视觉检测工位。", "required_competencies": [],
                "team_size": 3,
                "start_date": date(2027, 3, 1), "end_date": date(2027, 6, 30),
                "confidential": False, "milestones": [], **data}}


def test_an_enterprises_revisions_apply_in_order_and_older_ones_change_nothing(uow):
    project = enterprise_events.project_posted(uow, posted(1), NOW)
    assert uow.records.project_id_for_ref("p-1:ERP-7") == project["_id"]
    enterprise_events.project_posted(uow, posted(3, title="视觉质检二期"), NOW)
    enterprise_events.project_posted(uow, posted(2, title="旧标题"), NOW)
    stored = uow.records.project(project["_id"])
    assert (stored["title"], stored["revision"]) == ("视觉质检二期", 3)
    assert [e["changed"] for e in uow.events("project_updated")] == [["title"]]
    assert len(uow.records.data["superseded_updates"]) == 1


def test_first_posts_are_drafted_once_with_ids_derived_from_their_events(uow):
    events = [{**posted(1), "id": "acme#1"},
              {**posted(1, external_ref="ERP-8"), "id": "acme#2"}]
    assert enterprise_events.draft_once(uow, events, NOW) == [None, None]
    first = uow.records.project_id_for_ref("p-1:ERP-7")
    assert first == enterprise_events.project_id_posted_by(events[0])
    assert uow.causes == ["acme#1", "acme#2"]
    # delivered again (the process died before acknowledging): the same ids, nothing new
    assert enterprise_events.draft_once(uow, events, NOW) == [None, None]
    assert len(uow.records.data["projects"]) == 2
    assert uow.records.project_id_for_ref("p-1:ERP-7") == first
    assert enterprise_events.project_id_posted_by({**events[0], "id": "acme#3"}) != first


def test_a_refused_first_post_is_refused_alone_and_writes_nothing(uow):
    events = [{**posted(1), "enterprise_id": "p-9", "id": "x#1"},
              {**posted(1, external_ref="ERP-8", start_date=date(2027, 7, 1)), "id": "acme#2"},
              {**posted(1, external_ref="ERP-9"), "id": "acme#3"}]
    outcomes = enterprise_events.draft_once(uow, events, NOW)
    assert isinstance(outcomes[0], InvalidInput) and "enterprise_id" in outcomes[0].errors
    assert isinstance(outcomes[1], InvalidInput)
    assert outcomes[2] is None
    assert set(uow.records.data["external_refs"]) == {"p-1:ERP-9"}
    assert [e["project_id"] for e in uow.events("project_drafted")] == [
        enterprise_events.project_id_posted_by(events[2])]


def test_a_reference_another_event_took_meanwhile_is_not_drafted_twice(uow):
    uow.records.add_refs([("p-1:ERP-7", "project-posted-by-another-consumer")])
    (outcome,) = enterprise_events.draft_once(uow, [{**posted(1), "id": "acme#1"}], NOW)
    assert isinstance(outcome, enterprise_events.ReferenceTakenMeanwhile)
    assert uow.records.data["projects"] == {} and uow.emitted == []
