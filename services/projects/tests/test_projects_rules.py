"""The projects rules without broker or database: lifecycle, grades,
missed check-ins, visibility, feedback and title search."""
import re
from datetime import date

import pytest

from college_platform.errors import Conflict, InvalidInput, NotFound
from projects import domain

MILESTONES = [
    {"id": "m1", "title": "需求分析与方案", "due_date": "2027-03-31", "weight": 20},
    {"id": "m2", "title": "Prototype vision cell", "due_date": "2027-05-15", "weight": 30},
    {"id": "m3", "title": "验收交付", "due_date": "2027-06-25", "weight": 50},
]
PROJECT = {"status": "draft", "start_date": "2027-03-01", "end_date": "2027-06-30",
           "milestones": MILESTONES}


# -- lifecycle ----------------------------------------------------------------

@pytest.mark.parametrize("path", [
    ["published", "in_progress", "delivered", "evaluated", "closed"],
    ["cancelled"],
    ["published", "cancelled"],
    ["published", "in_progress", "cancelled"],
])
def test_a_project_follows_its_lifecycle(path):
    project = dict(PROJECT)
    for target in path:
        domain.check_transition(project, target)
        project["status"] = target


@pytest.mark.parametrize("current,target", [
    ("draft", "in_progress"), ("draft", "evaluated"), ("published", "delivered"),
    ("in_progress", "evaluated"), ("delivered", "cancelled"), ("evaluated", "published"),
    ("closed", "cancelled"), ("cancelled", "published"), ("delivered", "delivered"),
])
def test_an_illegal_transition_is_a_conflict_naming_the_legal_ones(current, target):
    with pytest.raises(Conflict) as caught:
        domain.check_transition({**PROJECT, "status": current}, target)
    assert caught.value.extra["allowed"] == list(domain.TRANSITIONS[current])


def test_a_project_without_milestones_cannot_be_published():
    with pytest.raises(Conflict) as caught:
        domain.check_transition({**PROJECT, "milestones": []}, "published")
    assert "milestones" in caught.value.extra["errors"]


def test_milestone_weights_must_sum_to_100():
    domain.check_milestones(MILESTONES, "2027-03-01", "2027-06-30")
    with pytest.raises(InvalidInput) as caught:
        domain.check_milestones(MILESTONES[:2], "2027-03-01", "2027-06-30")
    assert "not 50" in caught.value.errors["milestones"][0]


def test_a_milestone_is_due_within_the_project():
    late = [{**MILESTONES[0], "due_date": "2027-07-15"}, *MILESTONES[1:]]
    with pytest.raises(InvalidInput) as caught:
        domain.check_milestones(late, "2027-03-01", "2027-06-30")
    assert "需求分析与方案" in caught.value.errors["milestones"][0]


# -- grades -------------------------------------------------------------------

def _deliverable(id_, milestone, version, late=False):
    return {"_id": id_, "milestone_id": milestone, "version": version, "late": late}


def _review(id_, deliverable, kind, score, minute=0):
    return {"_id": id_, "deliverable_id": deliverable, "reviewer_kind": kind, "score": score,
            "reviewer": "%s-reviewer" % kind, "created_at": minute}


DELIVERABLES = [_deliverable("d1", "m1", 1), _deliverable("d2", "m2", 1),
                _deliverable("d3", "m3", 1, late=True)]
REVIEWS = [
    _review("r1", "d1", "enterprise", 80), _review("r2", "d1", "tutor", 90),
    _review("r3", "d2", "enterprise", 70), _review("r4", "d2", "tutor", 60),
    _review("r5", "d3", "enterprise", 95), _review("r6", "d3", "tutor", 85),
]


def test_the_grade_is_the_weighted_sum_of_milestone_scores():
    result = domain.team_grade(MILESTONES, DELIVERABLES, REVIEWS)
    # m1 (80+90)/2 = 85, m2 65, m3 90: 0.2*85 + 0.3*65 + 0.5*90 = 17 + 19.5 + 45
    assert result["grade"] == 81.5
    assert [m["score"] for m in result["milestones"]] == [85, 65, 90]
    assert [m["contribution"] for m in result["milestones"]] == [17, 19.5, 45]


def test_every_milestone_score_names_the_reviews_and_version_it_came_from():
    lineage = domain.team_grade(MILESTONES, DELIVERABLES, REVIEWS)["milestones"]
    assert [r["review_id"] for r in lineage[0]["reviews"]] == ["r1", "r2"]
    assert lineage[2]["deliverable_id"] == "d3" and lineage[2]["late"] is True


def test_the_latest_version_and_the_latest_review_of_each_kind_count():
    deliverables = DELIVERABLES + [_deliverable("d1b", "m1", 2)]
    reviews = REVIEWS + [
        _review("r7", "d1b", "enterprise", 60, minute=1),
        _review("r8", "d1b", "tutor", 70, minute=1),
        _review("r9", "d1b", "tutor", 100, minute=2),  # the tutor revised their review
    ]
    lineage = domain.team_grade(MILESTONES, deliverables, reviews)["milestones"]
    assert lineage[0]["version"] == 2
    assert lineage[0]["score"] == 80
    assert [r["review_id"] for r in lineage[0]["reviews"]] == ["r7", "r9"]


def test_grading_needs_a_submission_and_both_reviews_per_milestone():
    with pytest.raises(Conflict) as caught:
        domain.team_grade(MILESTONES, DELIVERABLES[:2], [r for r in REVIEWS if r["_id"] != "r4"])
    assert caught.value.extra["missing"] == [
        {"milestone_id": "m2", "missing": "tutor review"},
        {"milestone_id": "m3", "missing": "deliverable"},
    ]


def test_a_rubric_score_is_the_weighted_mean_of_its_criteria():
    assert domain.rubric_score([{"criterion": "功能完整性", "score": 90, "weight": 3},
                                {"criterion": "Documentation", "score": 70, "weight": 1}]) == 85


def test_a_submission_after_the_due_date_is_late():
    assert not domain.is_late("2027-03-31", "2027-03-31")
    assert domain.is_late("2027-04-01", "2027-03-31")


# -- placements and check-ins -------------------------------------------------

PLACEMENT = {"starts_on": "2027-03-03", "ends_on": "2027-04-30", "status": "active"}


def _checkin(week, status="confirmed"):
    return {"week_starting": week, "status": status}


def test_a_week_is_missed_only_after_its_grace_period():
    # the week of Monday 1 March is due by Sunday 7 March, with 2 grace days to Tuesday 9
    assert domain.missed_checkins(PLACEMENT, [], date(2027, 3, 9), grace_days=2) == []
    assert domain.missed_checkins(PLACEMENT, [], date(2027, 3, 10), grace_days=2) == [
        (date(2027, 3, 1), "not_logged")]


def test_missed_weeks_distinguish_not_logged_from_not_confirmed():
    checkins = [_checkin("2027-03-01"), _checkin("2027-03-08", "logged")]
    missed = domain.missed_checkins(PLACEMENT, checkins, date(2027, 3, 30), grace_days=2)
    assert missed == [(date(2027, 3, 8), "not_confirmed"), (date(2027, 3, 15), "not_logged")]


def test_no_week_after_an_early_end_is_missed():
    ended = {**PLACEMENT, "ended_on": "2027-03-10", "status": "ended"}
    assert domain.missed_checkins(ended, [], date(2027, 6, 1), grace_days=2) == [
        (date(2027, 3, 1), "not_logged"), (date(2027, 3, 8), "not_logged")]
    assert domain.sweep_until(ended, 2) == date(2027, 3, 16)


def test_a_checkin_is_for_a_monday_inside_the_placement_that_has_started():
    domain.check_checkin_week(PLACEMENT, date(2027, 3, 1), today=date(2027, 3, 5))
    for week, today, field_message in [
        (date(2027, 3, 2), date(2027, 3, 5), "Monday"),
        (date(2027, 5, 3), date(2027, 6, 5), "runs from"),
        (date(2027, 3, 8), date(2027, 3, 5), "not started"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            domain.check_checkin_week(PLACEMENT, week, today)
        assert field_message in caught.value.errors["week_starting"][0]


def test_ending_a_placement_early_needs_a_reason():
    assert domain.check_end(PLACEMENT, date(2027, 4, 30), None) is False
    assert domain.check_end(PLACEMENT, date(2027, 4, 2), "学生转岗") is True
    with pytest.raises(InvalidInput) as caught:
        domain.check_end(PLACEMENT, date(2027, 4, 2), None)
    assert "reason" in caught.value.errors
    with pytest.raises(Conflict):
        domain.check_end({**PLACEMENT, "status": "ended"}, date(2027, 4, 30), None)


# -- visibility and feedback --------------------------------------------------

def test_enterprise_users_and_students_reach_only_their_own_objects():
    domain.check_visible(None, "placement", "p1", enterprise_id="e1", student_ids=["s1"])
    domain.check_visible({"kind": "staff"}, "placement", "p1", "e1", ["s1"])
    domain.check_visible({"kind": "enterprise", "enterprise_id": "e1"}, "placement", "p1", "e1")
    domain.check_visible({"kind": "student", "student_id": "s1"}, "placement", "p1", "e1",
                         ["s1"])
    with pytest.raises(NotFound):
        domain.check_visible({"kind": "enterprise", "enterprise_id": "e2"}, "placement", "p1",
                             "e1")
    with pytest.raises(NotFound):
        domain.check_visible({"kind": "student", "student_id": "s2"}, "placement", "p1", "e1",
                             ["s1"])
    with pytest.raises(NotFound):  # an enterprise account without an enterprise sees nothing
        domain.check_visible({"kind": "enterprise", "enterprise_id": None}, "placement", "p1",
                             "e1")


def test_ratings_match_their_direction():
    assert domain.check_ratings("student_to_enterprise",
                                {"learning_value": 5, "safety": 4, "mentoring": 3}) == 4
    with pytest.raises(InvalidInput) as caught:
        domain.check_ratings("enterprise_to_student", {"competencies": 4, "safety": 5})
    assert set(caught.value.errors["ratings"]) == {"conduct", "safety"}


def test_an_enterprise_places_only_students_it_sponsors_or_the_college_assigned_to_it():
    enterprise = {"kind": "enterprise", "enterprise_id": "e1"}
    domain.check_may_place(enterprise, "s1", "e1", assigned_by_college=False)
    domain.check_may_place(enterprise, "s1", "e2", assigned_by_college=True)
    for sponsor in ("e2", None):
        with pytest.raises(NotFound) as refused:
            domain.check_may_place(enterprise, "s1", sponsor, assigned_by_college=False)
        assert str(refused.value.detail) == "student s1 does not exist"
    with pytest.raises(NotFound):  # an account without an enterprise places nobody
        domain.check_may_place({"kind": "enterprise", "enterprise_id": None}, "s1", None,
                               assigned_by_college=False)
    domain.check_may_place({"kind": "staff"}, "s1", "e2", assigned_by_college=False)


# -- rules the workflows used to state inline ---------------------------------

TEAM_PROJECT = {"_id": "p1", "status": "published", "team_size": 2, "enterprise_id": "e1",
                "milestones": MILESTONES}


def test_milestones_change_only_while_a_draft():
    domain.check_milestones_editable(PROJECT)
    with pytest.raises(Conflict):
        domain.check_milestones_editable({**PROJECT, "status": "published"})


def test_a_withdrawn_student_leaves_only_teams_of_projects_under_way():
    for status in ("published", "in_progress", "delivered"):
        assert domain.is_under_way({"status": status})
    for status in ("draft", "evaluated", "closed", "cancelled"):
        assert not domain.is_under_way({"status": status})
    assert not domain.is_under_way(None)


def test_teams_form_while_published_or_in_progress_and_no_larger_than_the_team_size():
    domain.check_team_formable(TEAM_PROJECT, ["s1", "s2"])
    domain.check_team_formable({**TEAM_PROJECT, "status": "in_progress"}, ["s1"])
    with pytest.raises(Conflict):
        domain.check_team_formable({**TEAM_PROJECT, "status": "delivered"}, ["s1"])
    with pytest.raises(InvalidInput) as caught:
        domain.check_team_formable(TEAM_PROJECT, ["s1", "s2", "s3"])
    assert caught.value.errors == {"student_ids": ["At most 2 students per team."]}


def test_a_team_is_active_students_a_teacher_and_the_posting_enterprises_mentor():
    students = {"s1": {"status": "active"}, "s2": {"status": "suspended"}}
    teacher = {"kind": "teacher"}
    mentor = {"kind": "industry", "enterprise_id": "e1"}
    domain.check_team_members(TEAM_PROJECT, ["s1"], students, teacher, mentor)
    with pytest.raises(InvalidInput) as caught:
        domain.check_team_members(TEAM_PROJECT, ["s1", "s2", "s3"], students, mentor,
                                  {**mentor, "enterprise_id": "e2"})
    assert caught.value.errors == {
        "student_ids": ["Not an enrolled, active student: s2, s3."],
        "tutor_id": ["Not a known college teacher."],
        "mentor_id": ["Not a known industry mentor of the posting enterprise."]}
    with pytest.raises(InvalidInput):
        domain.check_team_members(TEAM_PROJECT, ["s1"], students, None, None)


def test_a_student_is_on_one_team_of_a_project():
    domain.check_one_team_per_project([])
    with pytest.raises(Conflict) as caught:
        domain.check_one_team_per_project(["s2"])
    assert caught.value.extra["student_ids"] == ["s2"]


def test_deliverables_are_submitted_in_progress_and_reviewed_until_evaluated():
    domain.check_submission_open({"status": "in_progress"})
    with pytest.raises(Conflict):
        domain.check_submission_open({"status": "delivered"})
    for status in ("in_progress", "delivered"):
        domain.check_review_open({"status": status})
    with pytest.raises(Conflict):
        domain.check_review_open({"status": "evaluated"})


def test_a_deliverable_is_for_one_of_the_projects_milestones():
    assert domain.milestone_of(TEAM_PROJECT, "m2")["title"] == "Prototype vision cell"
    with pytest.raises(InvalidInput) as caught:
        domain.milestone_of(TEAM_PROJECT, "m9")
    assert caught.value.errors == {"milestone_id": ["Not a milestone of project p1."]}


def test_only_the_teams_tutor_reviews_as_its_tutor():
    team = {"tutor_id": "t1"}
    domain.check_reviewer("tutor", {"kind": "teacher", "mentor_id": "t1"}, team)
    domain.check_reviewer("tutor", {"kind": "staff"}, team)  # a coordinator on its behalf
    domain.check_reviewer("enterprise", {"kind": "teacher", "mentor_id": "t2"}, team)
    for teacher in ({"kind": "teacher", "mentor_id": "t2"}, {"kind": "teacher"}):
        with pytest.raises(Conflict):
            domain.check_reviewer("tutor", teacher, team)


def test_a_placement_is_of_an_active_student_with_a_known_partner():
    domain.check_placement({"status": "active"}, {"_id": "e1"})
    with pytest.raises(InvalidInput) as caught:
        domain.check_placement({"status": "withdrawn"}, None)
    assert set(caught.value.errors) == {"student_id", "enterprise_id"}
    with pytest.raises(InvalidInput):
        domain.check_placement(None, {"_id": "e1"})


def test_checkins_are_logged_on_an_active_placement():
    domain.check_checkin_open({"status": "active"})
    with pytest.raises(Conflict):
        domain.check_checkin_open({"status": "ended"})


def test_a_graduates_placement_ends_on_the_day_given_or_the_nearest_day_of_its_period():
    placement = {"starts_on": "2027-03-01", "ends_on": "2027-06-30"}
    assert domain.end_date_within(placement, date(2027, 5, 14)) == date(2027, 5, 14)
    assert domain.end_date_within(placement, date(2027, 7, 2)) == date(2027, 6, 30)
    assert domain.end_date_within(placement, date(2027, 2, 20)) == date(2027, 3, 1)
    # whichever day it is, the normal end rules accept it; early only before the planned end
    assert domain.check_end({**placement, "status": "active"},
                            domain.end_date_within(placement, date(2027, 7, 2)),
                            "graduated") is False


def test_feedback_directions_and_whom_it_rates():
    student = {"kind": "student", "student_id": "s1"}
    enterprise = {"kind": "enterprise", "enterprise_id": "e1"}
    domain.check_feedback_direction(student, domain.STUDENT_TO_ENTERPRISE)
    domain.check_feedback_direction(enterprise, domain.ENTERPRISE_TO_STUDENT)
    domain.check_feedback_direction(None, domain.STUDENT_TO_ENTERPRISE)
    with pytest.raises(InvalidInput):
        domain.check_feedback_direction(student, domain.ENTERPRISE_TO_STUDENT)
    with pytest.raises(InvalidInput):
        domain.check_feedback_direction(enterprise, domain.STUDENT_TO_ENTERPRISE)
    # a student rates as themselves, whatever the body names
    assert domain.rated_student(student, "s2") == "s1"
    assert domain.rated_student(enterprise, "s2") == "s2"
    with pytest.raises(InvalidInput):
        domain.rated_student(enterprise, None)
    placement = {"_id": "pl1", "student_id": "s1"}
    domain.check_placement_student(placement, None)
    domain.check_placement_student(placement, "s1")
    with pytest.raises(InvalidInput):
        domain.check_placement_student(placement, "s2")
    domain.check_project_member(TEAM_PROJECT, True)
    with pytest.raises(InvalidInput):
        domain.check_project_member(TEAM_PROJECT, False)
    assert domain.feedback_id("placement", "pl1", domain.ENTERPRISE_TO_STUDENT, "s1") == \
        "placement:pl1:enterprise_to_student:s1"


def test_a_summary_averages_what_an_enterprise_or_a_student_received():
    assert domain.received_feedback("e1", None) == ({"enterprise_id": "e1"},
                                                    domain.STUDENT_TO_ENTERPRISE)
    assert domain.received_feedback(None, "s1") == ({"student_id": "s1"},
                                                    domain.ENTERPRISE_TO_STUDENT)


def test_an_enterprises_revision_changes_title_and_brief_once_published():
    draft = {**PROJECT, "_id": "p1", "title": "旧", "brief": "旧", "team_size": 3,
             "revision": 2}
    assert domain.is_older_revision(draft, 2) and not domain.is_older_revision(draft, 3)
    assert domain.revised_terms(draft, {"title": "新", "end_date": date(2027, 7, 31)}) == {
        "title": "新", "end_date": "2027-07-31"}
    published = {**draft, "status": "published"}
    # a re-post repeats every field: an unchanged one is not refused
    assert domain.revised_terms(published, {"title": "新", "team_size": 3}) == {"title": "新"}
    with pytest.raises(Conflict):
        domain.revised_terms(published, {"team_size": 4})
    with pytest.raises(InvalidInput):
        domain.revised_terms(draft, {"end_date": "2027-02-01"})
    with pytest.raises(InvalidInput):  # a draft's milestones still fall inside it
        domain.revised_terms(draft, {"end_date": "2027-05-01"})


def test_an_accepted_milestone_is_one_of_the_project():
    domain.check_milestone_titled({**PROJECT, "_id": "p1"}, "验收交付")
    with pytest.raises(InvalidInput):
        domain.check_milestone_titled({**PROJECT, "_id": "p1"}, "other")


def test_only_a_team_mentor_assignment_names_a_teams_mentor():
    assert domain.is_team_mentor_assignment("team_mentor", "t1")
    assert not domain.is_team_mentor_assignment("team_mentor", None)
    assert not domain.is_team_mentor_assignment("student_mentor", "t1")


# -- finding projects by a part of their title, as staff type it in the console --
def matches(text, title):
    pattern = domain.title_search(text)["title"]
    return re.search(pattern["$regex"], title, re.IGNORECASE) is not None


def test_any_part_of_a_title_finds_it_whatever_its_case():
    assert matches("视觉", "产线视觉质检系统")
    assert matches(" vision ", "Line Vision QC")
    assert not matches("视觉", "数控车间排产")


def test_the_text_is_matched_literally_never_as_a_pattern():
    assert not matches(".*", "产线视觉质检系统")
    assert matches("(二期)", "质检系统(二期)")


def test_an_enterprise_reports_hiring_only_a_graduate_it_sponsored_or_hosted():
    graduate = {"status": "graduated", "partner_id": "acme"}
    domain.check_may_report_hire(graduate, "s1", "acme", hosted=False)
    domain.check_may_report_hire(graduate, "s1", "host", hosted=True)
    with pytest.raises(NotFound):
        domain.check_may_report_hire(graduate, "s1", "rival", hosted=False)
    with pytest.raises(NotFound):
        domain.check_may_report_hire(None, "s1", "acme", hosted=False)
    with pytest.raises(Conflict):
        domain.check_may_report_hire({**graduate, "status": "active"}, "s1", "acme", False)


def test_only_the_recorded_employer_reports_a_departure():
    employed = {"employer_id": domain.employer_of({"outcome": "hired_by_other",
                                                   "enterprise_id": "host"})}
    domain.check_may_report_departure(employed, "s1", "host")
    with pytest.raises(NotFound):
        domain.check_may_report_departure(employed, "s1", "acme")
    assert domain.employer_of({"outcome": "further_study", "enterprise_id": None}) is None
