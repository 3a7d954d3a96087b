from datetime import date

import pytest

from college_platform.errors import Conflict
from mentors.domain import (
    DoubleQualifiedRule,
    apprentice_slots,
    check_mentor_fits,
    check_secondment_move,
    check_timesheet_date,
    least_loaded_first,
    secondment_moves_due,
    term_of,
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
