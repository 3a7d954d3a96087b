from datetime import date

import pytest

from college_platform.errors import Conflict, InvalidInput, NotFound
from mentors.domain import (
    OCCUPYING,
    DoubleQualifiedRule,
    apprentice_slots,
    apprenticeship_end,
    at_load_limit,
    check_apprentice_visible,
    check_assignable,
    check_enterprise_visible,
    check_industry_qualification,
    check_mentor_active,
    check_mentor_enterprise,
    check_mentor_fits,
    check_mentor_visible,
    check_no_overlap,
    check_own_teacher,
    check_releasable,
    check_secondment_move,
    check_secondment_parties,
    check_secondment_visible,
    check_student_visible,
    check_teacher,
    check_teacher_visible,
    check_timesheet_date,
    from_another_employer,
    holds_assignment,
    host_enterprise,
    hours_counter,
    is_apprenticeship_enrolment,
    is_teachers_certificate,
    least_loaded_first,
    ledger_entry,
    mentor_fits,
    review_day,
    roles_of_kind,
    secondment_moves_due,
    team_slot,
    term_of,
    timesheet_decided_already,
)

RULE = DoubleQualifiedRule()
INTERMEDIATE = {"certificate_number": "X-2027-000123", "certificate_code": "1X-IOT-01",
                "level": "intermediate"}


def outward(starts_on, ends_on, status="completed"):
    return {"direction": "outward", "status": status, "starts_on": starts_on,
            "ends_on": ends_on}


def test_six_months_of_outward_secondment_and_an_intermediate_certificate_qualify():
    secondments = [outward("2027-03-01", "2027-08-30")]  # 183 days
    qualified, reason, _ = RULE.evaluate(secondments, [INTERMEDIATE], [], date(2027, 9, 1))
    assert qualified
    assert "183 days of completed outward secondment" in reason
    assert "intermediate certificate 1X-IOT-01 (no. X-2027-000123)" in reason


def test_one_day_short_of_six_months_is_not_enough():
    qualified, reason, _ = RULE.evaluate([outward("2027-03-01", "2027-08-29")], [INTERMEDIATE],
                                         [], date(2027, 9, 1))
    assert not qualified
    assert "only 182 days" in reason


def test_practice_without_a_certificate_or_qualification_is_not_enough():
    qualified, reason, _ = RULE.evaluate([outward("2027-03-01", "2027-08-30")], [], [],
                                         date(2027, 9, 1))
    assert not qualified
    assert "no intermediate-or-higher certificate" in reason


def test_a_junior_certificate_does_not_count_but_an_industry_qualification_does():
    secondments = [outward("2027-03-01", "2027-08-30")]
    junior = dict(INTERMEDIATE, level="junior")
    assert not RULE.evaluate(secondments, [junior], [], date(2027, 9, 1))[0]
    qualified, reason, _ = RULE.evaluate(secondments, [junior], ["注册电气工程师"],
                                         date(2027, 9, 1))
    assert qualified and "industry qualification 注册电气工程师" in reason


def test_a_revoked_certificate_does_not_count():
    revoked = dict(INTERMEDIATE, revoked=True)
    assert not RULE.evaluate([outward("2027-03-01", "2027-08-30")], [revoked], [],
                             date(2027, 9, 1))[0]


def test_inward_active_and_cancelled_secondments_do_not_count():
    secondments = [
        {"direction": "inward", "status": "completed", "starts_on": "2027-01-01",
         "ends_on": "2027-12-31"},
        outward("2027-01-01", "2027-12-31", status="active"),
        outward("2026-01-01", "2026-12-31", status="cancelled"),
    ]
    assert RULE.practice_days(secondments, date(2028, 1, 1)) == 0


def test_overlapping_secondments_count_each_day_once():
    secondments = [outward("2027-03-01", "2027-05-31"), outward("2027-05-01", "2027-08-30")]
    assert RULE.practice_days(secondments, date(2027, 9, 1)) == 183


def test_several_shorter_secondments_add_up():
    secondments = [outward("2024-03-01", "2024-05-31"), outward("2026-09-01", "2026-11-30")]
    assert RULE.practice_days(secondments, date(2027, 1, 1)) == 92 + 91


def test_the_five_year_window_slides_past_an_old_secondment():
    secondments = [outward("2022-03-01", "2022-08-30")]  # exactly 183 days
    qualified, _, review_on = RULE.evaluate(secondments, [INTERMEDIATE], [], date(2027, 2, 28))
    assert qualified
    assert review_on == date(2027, 3, 1), "the day 2022-03-01 leaves the window then"

    # on 2027-03-01 the window is 2022-03-02..2027-03-01: the first day has slid out
    qualified, reason, _ = RULE.evaluate(secondments, [INTERMEDIATE], [], date(2027, 3, 1))
    assert not qualified
    assert "only 182 days" in reason and "the 5 years to 2027-03-01" in reason

    # a newer secondment restores the status; once the old one has slid out entirely
    # only the newer one counts
    secondments.append(outward("2026-09-01", "2026-09-30"))
    assert RULE.evaluate(secondments, [INTERMEDIATE], [], date(2027, 3, 1))[0]
    assert RULE.practice_days(secondments, date(2027, 9, 1)) == 30


def test_the_rule_parameters_come_from_configuration():
    rule = DoubleQualifiedRule.from_config({"min_days": 90, "window_years": 3,
                                            "min_certificate_level": "senior"})
    secondments = [outward("2027-03-01", "2027-05-29")]  # 90 days
    assert not rule.evaluate(secondments, [INTERMEDIATE], [], date(2027, 9, 1))[0]
    assert rule.evaluate(secondments, [dict(INTERMEDIATE, level="senior")], [],
                         date(2027, 9, 1))[0]
    assert rule.window_start(date(2027, 9, 1)) == date(2024, 9, 2)
    with pytest.raises(ValueError):
        DoubleQualifiedRule.from_config({"min_certificate_level": "expert"})


def test_the_calendar_starts_and_completes_a_secondment_on_its_dates():
    planned = {"status": "planned", "starts_on": "2027-03-01", "ends_on": "2027-08-30"}
    assert secondment_moves_due(planned, date(2027, 2, 28)) == []
    assert secondment_moves_due(planned, date(2027, 3, 1)) == ["active"]
    assert secondment_moves_due(planned, date(2027, 8, 30)) == ["active", "completed"]
    assert secondment_moves_due(dict(planned, status="cancelled"), date(2028, 1, 1)) == []


def test_a_completed_secondment_cannot_be_cancelled():
    check_secondment_move("planned", "cancelled")
    with pytest.raises(Conflict):
        check_secondment_move("completed", "cancelled")


@pytest.mark.parametrize("day, term", [
    (date(2027, 1, 15), "2026-autumn"), (date(2027, 3, 1), "2027-spring"),
    (date(2027, 7, 31), "2027-spring"), (date(2027, 9, 1), "2027-autumn")])
def test_terms(day, term):
    assert term_of(day) == term


def test_an_apprentice_needs_an_enterprise_mentor_from_the_contract_employer():
    assert apprentice_slots({"_id": "s1", "contract_partner_id": "p1"}) == [], "not enrolled"
    slots = apprentice_slots({"_id": "s1", "enrolled": True})
    assert [s["role"] for s in slots] == ["college_tutor"]
    slots = apprentice_slots({"_id": "s1", "enrolled": True, "sponsor_partner_id": "p0",
                              "contract_partner_id": "p1"})
    assert [(s["role"], s["enterprise_id"]) for s in slots] == [
        ("college_tutor", None), ("enterprise_mentor", "p1")]


def test_an_enterprise_mentor_comes_from_the_apprentice_enterprise():
    slot = {"role": "enterprise_mentor", "enterprise_id": "p1"}
    check_mentor_fits({"_id": "m1", "kind": "industry", "enterprise_id": "p1"}, slot)
    with pytest.raises(Conflict):
        check_mentor_fits({"_id": "m2", "kind": "industry", "enterprise_id": "p2"}, slot)
    with pytest.raises(Conflict):
        check_mentor_fits({"_id": "m3", "kind": "teacher"}, slot)
    with pytest.raises(Conflict):
        check_mentor_fits({"_id": "m1", "kind": "industry", "enterprise_id": "p1",
                           "status": "left"}, slot)


def test_hours_are_logged_within_the_period_of_a_running_or_finished_secondment():
    secondment = {"status": "active", "starts_on": "2027-03-01", "ends_on": "2027-08-30"}
    check_timesheet_date(secondment, date(2027, 3, 1))
    check_timesheet_date(dict(secondment, status="completed"), date(2027, 8, 30))
    with pytest.raises(Conflict):
        check_timesheet_date(secondment, date(2027, 8, 31))
    with pytest.raises(Conflict):
        check_timesheet_date(dict(secondment, status="planned"), date(2027, 3, 2))


def test_the_least_loaded_mentor_comes_first_and_ties_are_spread_over_slots():
    busy = {"_id": "t-busy", "spare_load": 1}
    equals = [{"_id": "t-%02d" % n, "spare_load": 5} for n in range(10)]
    firsts = {least_loaded_first([busy, *equals], "apprentice:s%d:college_tutor" % n)[0]["_id"]
              for n in range(20)}
    assert "t-busy" not in firsts
    # twenty apprentices assigned at once reach for several mentors, not one
    assert len(firsts) >= 5
    assert least_loaded_first([busy, *equals], "slot-a") == \
        least_loaded_first([busy, *equals], "slot-a")


# mentors ------------------------------------------------------------------

def test_an_industry_mentor_comes_from_a_known_partner():
    check_mentor_enterprise(None, False)  # a teacher
    check_mentor_enterprise("p1", True)
    with pytest.raises(InvalidInput) as caught:
        check_mentor_enterprise("p9", False)
    assert caught.value.errors == {"enterprise_id": ["Unknown partner enterprise p9."]}


def test_a_mentor_leaves_once():
    check_mentor_active({"_id": "m1", "status": "active"})
    with pytest.raises(Conflict, match="already left"):
        check_mentor_active({"_id": "m1", "status": "left"})


def test_industry_qualifications_are_a_teachers_each_recorded_once():
    teacher = {"_id": "t1", "kind": "teacher", "industry_qualifications": ["注册电气工程师"]}
    check_industry_qualification(teacher, "高级技师")
    with pytest.raises(Conflict, match="already recorded"):
        check_industry_qualification(teacher, "注册电气工程师")
    with pytest.raises(Conflict, match="for teachers"):
        check_industry_qualification({"_id": "m1", "kind": "industry",
                                      "industry_qualifications": []}, "高级技师")


def test_only_a_teacher_has_a_double_qualified_status():
    check_teacher({"_id": "t1", "kind": "teacher"})
    with pytest.raises(NotFound, match="teacher m1 does not exist"):
        check_teacher({"_id": "m1", "kind": "industry"})


# secondments --------------------------------------------------------------

TEACHER = {"_id": "t1", "kind": "teacher", "status": "active", "enterprise_id": None}
EXPERT = {"_id": "m1", "kind": "industry", "status": "active", "enterprise_id": "p1"}


def secondment_fields(direction, mentor_id, enterprise_id="p1"):
    return {"direction": direction, "mentor_id": mentor_id, "enterprise_id": enterprise_id}


def test_a_secondment_is_between_a_known_partner_and_an_active_mentor():
    check_secondment_parties(secondment_fields("outward", "t1"), True, TEACHER)
    check_secondment_parties(secondment_fields("inward", "m1"), True, EXPERT)
    with pytest.raises(InvalidInput) as caught:
        check_secondment_parties(secondment_fields("outward", "t1", "p9"), False, TEACHER)
    assert "enterprise_id" in caught.value.errors
    with pytest.raises(InvalidInput) as caught:
        check_secondment_parties(secondment_fields("outward", "t9"), True, None)
    assert caught.value.errors == {"mentor_id": ["Unknown mentor t9."]}
    with pytest.raises(Conflict, match="has left"):
        check_secondment_parties(secondment_fields("outward", "t1"), True,
                                 dict(TEACHER, status="left"))


def test_an_outward_secondment_sends_a_teacher_an_inward_one_the_enterprises_own_expert():
    with pytest.raises(InvalidInput) as caught:
        check_secondment_parties(secondment_fields("outward", "m1"), True, EXPERT)
    assert "direction" in caught.value.errors
    with pytest.raises(InvalidInput) as caught:
        check_secondment_parties(secondment_fields("inward", "t1"), True, TEACHER)
    assert "mentor_id" in caught.value.errors
    with pytest.raises(InvalidInput) as caught:
        check_secondment_parties(secondment_fields("inward", "m1", "p2"), True, EXPERT)
    assert caught.value.errors == {"mentor_id": ["Not an industry mentor of p2."]}


def test_a_mentor_is_on_one_secondment_at_a_time():
    check_no_overlap(None)
    with pytest.raises(Conflict) as caught:
        check_no_overlap({"_id": "s1"})
    assert caught.value.extra == {"secondment_id": "s1"}
    assert OCCUPYING == ("planned", "active", "completed")  # a cancelled one frees the period


def test_an_outward_secondment_makes_the_enterprise_a_host_of_the_teacher():
    assert host_enterprise({"direction": "outward", "enterprise_id": "p1"}) == "p1"
    assert host_enterprise({"direction": "inward", "enterprise_id": "p1"}) is None


# timesheets and the ledger ------------------------------------------------

def test_a_timesheet_is_decided_once():
    conflict = timesheet_decided_already({"_id": "ts1", "status": "approved"})
    assert conflict.detail == "timesheet ts1 is already approved"
    assert conflict.extra == {"current_status": "approved"}


def test_approved_hours_count_as_given_for_an_inward_secondment_hosted_for_an_outward_one():
    assert hours_counter("inward") == "mentor_hours_given"
    assert hours_counter("outward") == "teacher_hours_hosted"


def test_a_ledger_entry_shows_every_counter():
    assert ledger_entry({"term": "2027-spring", "mentor_hours_given": 12.0}) == {
        "term": "2027-spring", "mentor_hours_given": 12.0, "teacher_placements_hosted": 0,
        "teacher_hours_hosted": 0.0}


# the double-qualified rule ------------------------------------------------

def test_only_a_qualified_teacher_is_reviewed_as_the_window_slides():
    assert review_day(True, date(2032, 3, 1)) == "2032-03-01"
    assert review_day(False, date(2032, 3, 1)) is None
    assert review_day(True, None) is None


def test_only_a_teachers_certificates_count():
    assert is_teachers_certificate({"candidate_kind": "teacher"})
    assert not is_teachers_certificate({"candidate_kind": "student"})


# apprentices and assignments ----------------------------------------------

def status_change(status="active", from_programme_id=None, programme_kind="apprenticeship"):
    return {"status": status, "from_programme_id": from_programme_id,
            "programme_kind": programme_kind}


def test_only_an_apprenticeships_students_need_mentors():
    assert is_apprenticeship_enrolment({"programme_kind": "apprenticeship"})
    assert not is_apprenticeship_enrolment({"programme_kind": "order_class"})


def test_an_apprenticeship_ends_by_withdrawal_graduation_or_transfer_out():
    assert apprenticeship_end(status_change()) is None
    assert apprenticeship_end(status_change("suspended")) is None
    assert apprenticeship_end(status_change("withdrawn")) == "the apprentice withdrew"
    assert apprenticeship_end(status_change("graduated")) == "the apprentice graduated"
    assert apprenticeship_end(status_change("active", "prog-a", "order_class")) == \
        "the apprentice transferred out of the apprenticeship"
    # a transfer between apprenticeships, or one whose new kind is unknown, does not end it
    assert apprenticeship_end(status_change("active", "prog-a", "apprenticeship")) is None
    assert apprenticeship_end(status_change("active", "prog-a", None)) is None


def test_a_team_gets_one_team_mentor_the_project_prefers():
    assert team_slot({"team_id": "tm1", "project_id": "pr1", "enterprise_id": "p1",
                      "mentor_id": "m1"}) == {
        "_id": "team:tm1:team_mentor", "kind": "team", "role": "team_mentor",
        "project_id": "pr1", "team_id": "tm1", "enterprise_id": "p1",
        "preferred_mentor_id": "m1"}


def test_roles_of_a_kind_of_mentor():
    assert roles_of_kind("teacher") == ["college_tutor"]
    assert roles_of_kind("industry") == ["enterprise_mentor", "team_mentor"]


def test_a_mentor_from_another_employer_gives_way_to_the_employers_own():
    assert from_another_employer({"enterprise_id": "p1"}, "p2")
    assert not from_another_employer({"enterprise_id": "p2"}, "p2")
    assert not from_another_employer(None, "p2")


def test_a_slot_holding_an_assignment_releases_it_when_it_closes():
    assert holds_assignment({"assignment_id": "a1", "status": "filled"})
    assert holds_assignment({"assignment_id": "a1", "status": "needs_reassignment"})
    assert not holds_assignment({"assignment_id": None, "status": "filled"})
    assert not holds_assignment({"assignment_id": "a1", "status": "vacant"})


def test_a_slot_is_assigned_by_hand_to_a_mentor_who_fits_and_does_not_hold_it():
    slot = {"_id": "apprentice:s1:enterprise_mentor", "role": "enterprise_mentor",
            "enterprise_id": "p1", "status": "vacant"}
    check_assignable(slot, EXPERT)
    assert mentor_fits(EXPERT, slot)
    assert not mentor_fits(TEACHER, slot)
    with pytest.raises(Conflict, match="already holds"):
        check_assignable(dict(slot, status="filled", mentor_id="m1"), EXPERT)
    check_assignable(dict(slot, status="filled", mentor_id="m2"), EXPERT)
    with pytest.raises(Conflict, match="closed"):
        check_assignable(dict(slot, status="closed"), EXPERT)
    with pytest.raises(Conflict, match="must come from enterprise p1"):
        check_assignable(slot, dict(EXPERT, enterprise_id="p2"))
    limit = at_load_limit(dict(EXPERT, load_limit=4))
    assert limit.detail == "mentor m1 is at their load limit (4)"
    assert limit.extra == {"load_limit": 4}


def test_an_assignment_is_released_once():
    check_releasable({"_id": "a1", "status": "active"})
    with pytest.raises(Conflict, match="already released"):
        check_releasable({"_id": "a1", "status": "released"})


# who sees what ------------------------------------------------------------

ENTERPRISE = {"kind": "enterprise", "enterprise_id": "p1"}
OWN_TEACHER = {"kind": "teacher", "mentor_id": "t1"}
STAFF = {"kind": "staff"}


def hidden(check, *args):
    with pytest.raises(NotFound) as caught:
        check(*args)
    return caught.value.detail


def test_a_secondment_and_its_timesheets_are_seen_by_its_enterprise_and_its_teacher():
    secondment = {"_id": "s1", "enterprise_id": "p1", "mentor_id": "t1"}
    for actor in (None, STAFF, ENTERPRISE, OWN_TEACHER):
        check_secondment_visible(actor, secondment)
    assert hidden(check_secondment_visible, dict(ENTERPRISE, enterprise_id="p2"),
                  secondment) == "secondment s1 does not exist"
    assert hidden(check_secondment_visible, dict(OWN_TEACHER, mentor_id="t2"),
                  secondment) == "secondment s1 does not exist"
    assert hidden(check_secondment_visible, {"kind": "teacher", "mentor_id": None},
                  secondment) == "secondment s1 does not exist"
    assert hidden(check_secondment_visible, dict(ENTERPRISE, enterprise_id="p2"),
                  dict(secondment, _id="ts1"), "timesheet") == "timesheet ts1 does not exist"


def test_an_enterprise_sees_its_own_experts_and_the_teachers_it_hosts():
    hosted = dict(TEACHER, host_enterprise_ids=["p1"])
    for mentor in (EXPERT, hosted):
        check_mentor_visible(ENTERPRISE, mentor)
        check_teacher_visible(ENTERPRISE, mentor)
    check_mentor_visible(STAFF, TEACHER)
    assert hidden(check_mentor_visible, ENTERPRISE, TEACHER) == "mentor t1 does not exist"
    assert hidden(check_teacher_visible, ENTERPRISE, TEACHER) == "teacher t1 does not exist"


def test_a_teacher_sees_their_own_double_qualified_status_only():
    check_own_teacher(OWN_TEACHER, "t1")
    check_own_teacher(STAFF, "t2")
    check_own_teacher(ENTERPRISE, "t2")  # decided by whom it hosts
    assert hidden(check_own_teacher, OWN_TEACHER, "t2") == "teacher t2 does not exist"


def test_an_apprentices_mentors_are_seen_by_the_apprentice_and_their_employer():
    student = {"kind": "student", "student_id": "s1"}
    check_student_visible(student, "s1")
    check_student_visible(ENTERPRISE, "s2")
    assert hidden(check_student_visible, student, "s2") == "apprentice s2 does not exist"
    check_apprentice_visible(ENTERPRISE, "s1", "p1")
    check_apprentice_visible(OWN_TEACHER, "s1", "p2")
    assert hidden(check_apprentice_visible, ENTERPRISE, "s1", "p2") == \
        "apprentice s1 does not exist"
    assert hidden(check_apprentice_visible, ENTERPRISE, "s1", None) == \
        "apprentice s1 does not exist"


def test_an_enterprise_sees_its_own_contribution():
    check_enterprise_visible(ENTERPRISE, "p1")
    check_enterprise_visible(STAFF, "p2")
    check_enterprise_visible(None, "p2")
    assert hidden(check_enterprise_visible, ENTERPRISE, "p2") == "enterprise p2 does not exist"
