from datetime import date

import pytest

from certificates import domain

CERTIFICATE = {
    "code": "1X-IOT-01", "levels": ["junior", "intermediate"],
    "alignment": {"programmes": ["IOT-2027"], "courses": [], "competitions": []},
    "prerequisites": [{"level": "intermediate",
                       "requires": {"code": "1X-IOT-01", "level": "junior"}}],
}
STUDENT = {"kind": "student", "status": "active", "programme_code": "IOT-2027"}
TODAY = date(2027, 5, 1)
DEADLINE = date(2027, 5, 31)


def check(candidate=STUDENT, level="junior", held=(), today=TODAY):
    domain.check_eligibility(candidate=candidate, certificate=CERTIFICATE, level=level,
                             held=set(held), today=today, deadline=DEADLINE)


def test_an_active_student_of_an_aligned_programme_and_a_teacher_are_eligible():
    check()
    check(candidate={"kind": "teacher"})
    check(level="intermediate", held={("1X-IOT-01", "junior")})


@pytest.mark.parametrize("candidate, level, held, today, fragment", [
    (None, "junior", (), TODAY, "not a known"),
    ({**STUDENT, "status": "suspended"}, "junior", (), TODAY, "suspended"),
    ({**STUDENT, "programme_code": "ACC-2027"}, "junior", (), TODAY, "not aligned"),
    (STUDENT, "junior", {("1X-IOT-01", "junior")}, TODAY, "already holds"),
    (STUDENT, "intermediate", (), TODAY, "needs 1X-IOT-01 at junior"),
    (STUDENT, "junior", (), date(2027, 6, 1), "registration closed"),
])
def test_ineligible_candidates_are_told_why(candidate, level, held, today, fragment):
    with pytest.raises(domain.Ineligible) as caught:
        check(candidate, level, held, today)
    assert fragment in str(caught.value)


def test_both_parts_must_reach_their_minimum():
    rule = {"theory_min": 60, "practical_min": 70}
    assert domain.passed(rule, 60, 70)
    assert not domain.passed(rule, 59.5, 100)
    assert not domain.passed(rule, 100, 69)


def test_certificate_numbers_carry_code_level_year_and_sequence():
    assert domain.certificate_number("1X-IOT-01", "intermediate", 2027, 42) == \
        "1X-IOT-01-I-2027-000042"


def test_a_results_csv_is_read_row_by_row_with_problems_reported():
    rows, problems = domain.parse_results_csv(
        "\ufeffcandidate_id, theory ,practical\nstu-1,78.5,85\n,50,50\nstu-3,abc,101\n")
    assert rows == [{"row": 2, "candidate_id": "stu-1", "theory": 78.5, "practical": 85.0}]
    assert problems == [
        {"row": 3, "candidate_id": None, "status": "rejected",
         "errors": {"candidate_id": ["Missing data for required field."]}},
        {"row": 4, "candidate_id": "stu-3", "status": "rejected",
         "errors": {"theory": ["Must be a number from 0 to 100."],
                    "practical": ["Must be a number from 0 to 100."]}}]
    with pytest.raises(ValueError, match="missing practical"):
        domain.parse_results_csv("candidate_id,theory\nstu-1,80\n")
    with pytest.raises(ValueError, match="not readable as CSV"):
        domain.parse_results_csv('candidate_id,theory,practical\nstu-1,"%s",80\n' % ("9" * 200000))
    with pytest.raises(ValueError, match="at most 2 rows"):
        domain.parse_results_csv("candidate_id,theory,practical\n" + "s,1,1\n" * 3, max_rows=2)


def test_a_rule_change_lists_grants_adjustments_and_reversals():
    holders = [{"student_id": "s1", "certificate_number": "N1"},
               {"student_id": "s2", "certificate_number": "N2"},
               {"student_id": "s3", "certificate_number": "N3"}]
    grants = {"N1": {"credits": 2.0, "course_exemptions": []},
              "N2": {"credits": 4.0, "course_exemptions": ["IOT101"]}}
    rule = {"credits": 4.0, "course_exemptions": ["IOT101"]}
    assert [(c["student_id"], c["change"]) for c in
            domain.credit_changes(holders, grants, rule)] == [("s1", "adjust"), ("s3", "grant")]
    withdrawn = {"credits": 0, "course_exemptions": []}
    assert [(c["student_id"], c["change"], c["proposed"]) for c in
            domain.credit_changes(holders, grants, withdrawn)] == [
        ("s1", "reverse", None), ("s2", "reverse", None)]
