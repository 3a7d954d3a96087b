import json
import re
from datetime import date

import pytest

from certificates import domain
from college_platform.errors import Conflict, InvalidInput, NotFound

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


# who may see what ----------------------------------------------------------------------------

@pytest.mark.parametrize("actor", [
    None, {"kind": "staff"}, {"kind": "student", "student_id": "stu-1"},
    {"kind": "teacher", "mentor_id": "stu-1"}])
def test_staff_and_the_candidate_themselves_see_a_candidates_objects(actor):
    domain.check_visible(actor, "registration", "r-1", "stu-1")


@pytest.mark.parametrize("actor", [
    {"kind": "student", "student_id": "stu-2"}, {"kind": "student", "student_id": None},
    {"kind": "teacher", "mentor_id": "m-1"}, {"kind": "teacher", "mentor_id": None},
    {"kind": "enterprise", "enterprise_id": "ENT-A"}])
def test_anyone_else_is_told_the_object_does_not_exist(actor):
    with pytest.raises(NotFound) as caught:
        domain.check_visible(actor, "registration", "r-1", "stu-1")
    assert caught.value.detail == "registration r-1 does not exist"


# sessions, registrations and the waiting list -----------------------------------------------

SESSION = {"_id": "ses-1", "level": "junior", "capacity": 2, "seats_taken": 1,
           "waitlist_seq": 3, "registration_deadline": "2027-05-31"}


def test_a_session_is_held_at_one_of_the_certificates_levels():
    domain.check_session_level(CERTIFICATE, "junior")
    with pytest.raises(InvalidInput) as caught:
        domain.check_session_level(CERTIFICATE, "senior")
    assert caught.value.errors == {"level": ["1X-IOT-01 is offered at junior, intermediate."]}


def test_a_candidate_of_another_kind_than_claimed_is_unknown():
    teacher = {"_id": "m-1", "kind": "teacher"}
    assert domain.claimed_candidate(teacher, "teacher") is teacher
    assert domain.claimed_candidate(teacher, None) is teacher
    assert domain.claimed_candidate(teacher, "student") is None
    assert domain.claimed_candidate(None, "student") is None


def test_an_ineligible_candidate_is_refused_on_the_field_at_fault():
    refused = domain.ineligible(domain.Ineligible("registration closed", "session_id"))
    assert isinstance(refused, InvalidInput)
    assert refused.errors == {"session_id": ["registration closed"]}


def test_a_registration_holds_its_seat_key_until_cancelled():
    registration = domain.new_registration(
        "r-1", SESSION, CERTIFICATE, {"_id": "stu-1", "kind": "student"}, "now")
    assert registration["seat_key"] == domain.seat_key("ses-1", "stu-1") == "ses-1:stu-1"
    assert (registration["status"], registration["waitlist_position"]) == ("registered", None)
    assert registration["candidate_kind"] == "student" and registration["level"] == "junior"
    assert domain.waitlisted(registration, 4)["waitlist_position"] == 4
    assert registration["status"] == "waitlisted"
    assert domain.cancelled_seat_key("r-1") == "cancelled:r-1"
    assert domain.seats_left(SESSION) == 1
    assert domain.seats_left({**SESSION, "seats_taken": 5}) == 0


def test_a_class_takes_the_seats_in_order_then_the_waiting_list():
    ids = iter("r%d" % n for n in range(10))
    candidates = {c: {"_id": c, "kind": "student", "status": "active",
                      "programme_code": "IOT-2027"} for c in ("a", "b", "c", "d")}
    candidates["d"] = {**candidates["d"], "status": "suspended"}
    report, registrations, waitlist = domain.group_registration(
        ["a", "b", "c", "b", "d", "e", "x"], exam_session=SESSION, certificate=CERTIFICATE,
        candidates=candidates, held={}, taken={"x": {"_id": "r-x", "waitlist_position": 2}},
        today=TODAY, new_id=lambda: next(ids), now=lambda: "now")
    assert [(r["candidate_id"], r["status"]) for r in report] == [
        ("a", "registered"), ("b", "waitlisted"), ("c", "waitlisted"), ("b", "duplicate"),
        ("d", "rejected"), ("e", "rejected"), ("x", "duplicate")]
    assert [r["waitlist_position"] for r in report[:4]] == [None, 4, 5, 4]
    assert report[6] == {"candidate_id": "x", "status": "duplicate", "registration_id": "r-x",
                         "waitlist_position": 2}
    assert "suspended" in report[4]["errors"]["candidate_id"][0]
    assert [r["_id"] for r in registrations] == ["r0", "r1", "r2"] and waitlist == 5
    answer = domain.group_report("ses-1", report)
    assert (answer["candidates"], answer["registered"], answer["waitlisted"],
            answer["duplicates"], answer["rejected"]) == (7, 1, 2, 2, 2)


def test_a_registration_with_a_result_or_already_cancelled_stays():
    domain.check_cancellable({"status": "registered", "result": None})
    domain.check_cancellable({"status": "waitlisted", "result": None})
    with pytest.raises(Conflict, match="a registered registration with a result"):
        domain.check_cancellable({"status": "registered", "result": {"passed": False}})
    with pytest.raises(Conflict, match="a cancelled registration cannot"):
        domain.check_cancellable({"status": "cancelled", "result": None})
    assert domain.frees_a_seat({"status": "registered"})
    assert not domain.frees_a_seat({"status": "waitlisted"})


# results, issuance and revocation -------------------------------------------------------------

def test_a_result_is_recorded_once_and_only_with_a_seat():
    domain.check_result_recordable({"_id": "r-1", "status": "registered", "result": None})
    with pytest.raises(Conflict, match="this one is waitlisted"):
        domain.check_result_recordable({"_id": "r-1", "status": "waitlisted", "result": None})
    with pytest.raises(Conflict, match="r-1 is already recorded"):
        domain.check_result_recordable({"_id": "r-1", "status": "registered",
                                        "result": {"passed": True}})
    assert domain.result_of({"theory_min": 60, "practical_min": 60},
                            {"theory": 60, "practical": 59}, "now") == {
        "theory": 60, "practical": 59, "passed": False, "recorded_at": "now"}


def test_issuing_needs_a_signing_key_and_room_on_the_status_list():
    domain.check_signing_key(object())
    with pytest.raises(Conflict, match="CERTIFICATE_SIGNING_KEYS"):
        domain.check_signing_key(None)
    domain.check_status_index(9, 10)
    with pytest.raises(Conflict, match="status list is full"):
        domain.check_status_index(10, 10)


def test_a_students_credential_links_the_usable_deliverables_of_their_projects():
    assert domain.has_evidence("student") and not domain.has_evidence("teacher")
    good = {"student_id": "s", "deliverable_id": "d", "url": "https://x"}
    items = [good, {**good, "url": ""}, {**good, "student_id": 7}, {"student_id": "s"}]
    assert domain.usable_evidence(items) == [good]
    assert domain.usable_evidence([good] * 5, limit=2) == [good, good]


def test_a_certificate_is_revoked_once():
    domain.check_revocable({"_id": "N-1", "revoked": False})
    with pytest.raises(Conflict, match="N-1 is already revoked"):
        domain.check_revocable({"_id": "N-1", "revoked": True})
    assert domain.revocation_reason("作弊") == "certificate revoked: 作弊"


def test_a_presented_credential_names_its_number_last_in_its_id():
    assert domain.presented_number({"id": "https://c.example/credentials/N-1"}) == "N-1"
    assert domain.presented_number({}) == ""


# credit bank ---------------------------------------------------------------------------------

RULE = {"programme_id": "p-1", "certificate_code": "1X-IOT-01", "level": "junior",
        "credits": 4.0, "course_exemptions": ["IOT101"], "version": 2}


def test_a_rule_is_keyed_by_programme_certificate_and_level_and_counts_its_versions():
    assert domain.credit_rule_id("p-1", "1X-IOT-01", "junior") == "p-1:1X-IOT-01:junior"
    first = domain.next_rule({"credits": 1}, "id", None, "t1")
    assert (first["version"], first["created_at"], first["updated_at"]) == (1, "t1", "t1")
    second = domain.next_rule({"credits": 2}, "id", first, "t2")
    assert (second["version"], second["created_at"], second["updated_at"]) == (2, "t1", "t2")
    assert domain.rule_changed_reason(second) == "conversion rule changed (version 2)"


def test_a_rule_names_a_level_of_its_certificate_and_a_known_programme():
    domain.check_rule_level(CERTIFICATE, "junior")
    with pytest.raises(InvalidInput) as caught:
        domain.check_rule_level(CERTIFICATE, "senior")
    assert caught.value.errors == {"level": ["Not a level of 1X-IOT-01."]}
    assert domain.unknown_programme("p-9").errors == {
        "programme_id": ["No programme p-9 is known from enrollment."]}


def test_a_rule_change_re_evaluates_every_holder_or_none():
    domain.check_holders_limit([{}] * 3, limit=3)
    with pytest.raises(Conflict, match="more than 3 holders"):
        domain.check_holders_limit([{}] * 4, limit=3)


def test_credits_follow_an_unrevoked_certificate_of_a_students_programme():
    assert domain.grants_something(RULE)
    assert domain.grants_something({**RULE, "credits": 0})
    assert not domain.grants_something({**RULE, "credits": 0, "course_exemptions": []})
    student = {"programme_id": "p-1"}
    assert domain.may_grant_on_issue({"revoked": False}, student)
    assert not domain.may_grant_on_issue({"revoked": True}, student)
    assert not domain.may_grant_on_issue(None, student)
    assert not domain.may_grant_on_issue({"revoked": False}, {"programme_id": None})
    assert not domain.may_grant_on_issue({"revoked": False}, None)


def test_a_grant_its_ledger_entry_its_event_and_the_account_agree():
    grant = domain.new_grant("stu-1", "N-1", RULE, "now")
    assert grant["_id"] == domain.grant_id("N-1", "p-1") == "N-1:p-1"
    assert grant["rule_version"] == 2 and grant["credits"] == 4.0
    entry = domain.ledger_entry("l-1", "reversal", grant, "why", "now")
    assert (entry["kind"], entry["grant_id"], entry["reason"]) == ("reversal", "N-1:p-1", "why")
    assert domain.credit_event(grant, None) == {
        "grant_id": "N-1:p-1", "student_id": "stu-1", "certificate_number": "N-1",
        "programme_id": "p-1", "credits": 4.0, "course_exemptions": ["IOT101"],
        "reason": None}
    other = {**grant, "certificate_number": "N-2", "credits": 1.5,
             "course_exemptions": ["IOT102", "IOT101"]}
    assert domain.credit_totals("stu-1", [grant, other]) == {
        "student_id": "stu-1", "total_credits": 5.5,
        "course_exemptions": ["IOT101", "IOT102"],
        "grants": [{"certificate_number": "N-1", "programme_id": "p-1", "credits": 4.0,
                    "course_exemptions": ["IOT101"]},
                   {"certificate_number": "N-2", "programme_id": "p-1", "credits": 1.5,
                    "course_exemptions": ["IOT102", "IOT101"]}]}
