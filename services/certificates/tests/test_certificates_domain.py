import json
import re
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


# public verification (issue 26, hole 4) ---------------------------------------------------

NEW_NUMBER = re.compile(r"^1X-IOT-01-I-2027-(?:[0-9A-HJKMNP-TV-Z]{4}-){3}[0-9A-HJKMNP-TV-Z]{4}$")


def test_new_certificate_numbers_carry_64_random_bits_and_a_check_character():
    numbers = [domain.certificate_number("1X-IOT-01", "intermediate", 2027) for _ in range(50)]
    assert all(NEW_NUMBER.match(number) for number in numbers), numbers[:2]
    assert len(set(numbers)) == 50
    assert domain.NUMBER_RANDOM_BITS >= 64
    # the token is the randomness, written out: two tokens a counter apart share no suffix
    first = domain.certificate_number("1X-IOT-01", "intermediate", 2027, token=41)
    second = domain.certificate_number("1X-IOT-01", "intermediate", 2027, token=42)
    assert first != second and domain.canonical_number(first) == first
    assert domain.certificate_number("1X-IOT-01", "intermediate", 2027,
                                     token=2 ** domain.NUMBER_RANDOM_BITS - 1) \
        .startswith("1X-IOT-01-I-2027-ZZZZ-ZZZZ-ZZZZ-ZZZ")


def test_a_number_is_read_leniently_and_a_mistyped_or_malformed_one_is_none():
    number = domain.certificate_number("1X-IOT-01", "junior", 2027, token=123456789)
    token = number[len("1X-IOT-01-J-2027-"):]
    # lower case, no hyphens in the token, and O/I/L read as 0/1, as Crockford's base32 does
    assert domain.canonical_number(" %s " % number.lower()) == number
    assert domain.canonical_number("1X-IOT-01-J-2027-" + token.replace("-", "")) == number
    zero = domain.certificate_number("1X-IOT-01", "junior", 2027, token=0)
    assert domain.canonical_number(zero[:17] + zero[17:].replace("0", "o")) == zero
    # every single mistyped character of the token is caught by the check character
    for position, char in enumerate(token):
        if char == "-":
            continue
        for other in domain.CROCKFORD:
            if other != char:
                mistyped = number[:len(number) - len(token) + position] + other + \
                    number[len(number) - len(token) + position + 1:]
                assert domain.canonical_number(mistyped) is None, mistyped
    # the numbers issued before stay readable: they are stored ids
    assert domain.canonical_number("1x-iot-01-j-2027-000042") == "1X-IOT-01-J-2027-000042"
    for malformed in ("", "nope", "../../etc", "1X-IOT-01-J-2027-00004", "x" * 500,
                      "1X-IOT-01-Q-2027-000001", None, 42):
        assert domain.canonical_number(malformed) is None, malformed


ISSUED = {"_id": "1X-IOT-01-J-2027-000042", "certificate_code": "1X-IOT-01",
          "title": "物联网安装调试与运维", "level": "junior", "candidate_id": "stu-1",
          "candidate_kind": "student", "holder_name": "王小明", "issued_on": "2027-06-20",
          "valid_until": None, "revoked": True, "revocation_reason": "考试作弊，成绩取消",
          "credential": {"issuer": {"id": "https://college.example.edu", "type": ["Profile"],
                                    "name": "Modern Industrial College"},
                         "credentialSubject": {"achievement": {"creator": {
                             "name": "新大陆教育"}}}}}


def test_the_public_answer_says_what_and_by_whom_never_who_or_why():
    answer = domain.public_answer(ISSUED, today=date(2027, 7, 1), proof_problems=[])
    assert answer == {
        "certificate_number": "1X-IOT-01-J-2027-000042", "status": "revoked",
        "certificate_code": "1X-IOT-01", "title": "物联网安装调试与运维", "level": "junior",
        "issuer": {"id": "https://college.example.edu", "name": "Modern Industrial College"},
        "organisation": "新大陆教育", "issued_on": "2027-06-20", "valid_until": None,
        "proof_verified": True, "problems": [], "holder_name_matches": None}
    text = json.dumps(answer, ensure_ascii=False)
    assert "王小明" not in text and "作弊" not in text and "stu-1" not in text


def test_the_holder_name_is_confirmed_only_when_supplied_and_matching():
    def matches(name, issued=ISSUED):
        return domain.public_answer(issued, today=date(2027, 7, 1), proof_problems=[],
                                    holder_name=name)["holder_name_matches"]

    assert matches(None) is None
    assert matches("王小明") is True
    assert matches(" 王 小明 ") is True  # spacing and width do not matter
    assert matches("王小") is False and matches("李华") is False
    assert matches("Emily  CHEN", {**ISSUED, "holder_name": "Emily Chen"}) is True
    assert matches("王小明", {**ISSUED, "holder_name": None}) is False


def test_a_certificate_past_its_validity_is_expired_and_a_revoked_one_stays_revoked():
    current = {**ISSUED, "revoked": False, "valid_until": "2030-06-20"}
    assert domain.public_status(current, date(2030, 6, 20)) == "valid"
    assert domain.public_status(current, date(2030, 6, 21)) == "expired"
    assert domain.public_status({**current, "revoked": True}, date(2030, 6, 21)) == "revoked"
    assert domain.public_status({**current, "valid_until": None}, date(2099, 1, 1)) == "valid"
    assert domain.valid_until(date(2028, 2, 29), 3) == date(2031, 2, 28)
    assert domain.valid_until(date(2027, 6, 20), None) is None


def test_a_presented_credential_is_confirmed_with_its_holder_only_when_it_holds():
    today = date(2027, 7, 1)
    forged = domain.credential_verdict(ISSUED, today=today, proof_problems=["altered"])
    assert (forged["status"], forged["holder_name"], forged["title"]) == (
        "invalid", None, None)
    unknown = domain.credential_verdict(None, today=today, proof_problems=[])
    assert (unknown["status"], unknown["holder_name"]) == ("unknown", None)
    revoked = domain.credential_verdict(ISSUED, today=today, proof_problems=[])
    assert (revoked["verified"], revoked["status"], revoked["holder_name"]) == (
        False, "revoked", "王小明")
    assert revoked["problems"] == ["the certificate was revoked"]
    assert "作弊" not in json.dumps(revoked, ensure_ascii=False)
    valid = domain.credential_verdict({**ISSUED, "revoked": False}, today=today,
                                      proof_problems=[])
    assert (valid["verified"], valid["status"], valid["problems"]) == (True, "valid", [])
    assert set(forged) == set(valid)
