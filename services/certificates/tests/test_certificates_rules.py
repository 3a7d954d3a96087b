import json
import re
from datetime import date, datetime, timezone

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
    grant = domain.new_grant("stu-1", "N-1", RULE,
                             datetime(2027, 6, 1, 8, 0, 0, 123456, tzinfo=timezone.utc))
    assert grant["_id"] == domain.grant_id("N-1", "p-1") == "N-1:p-1"
    assert grant["rule_version"] == 2 and grant["credits"] == 4.0
    entry = domain.ledger_entry("l-1", "reversal", grant, "why", "now")
    assert (entry["kind"], entry["grant_id"], entry["reason"]) == ("reversal", "N-1:p-1", "why")
    assert domain.credit_event(grant, None) == {
        "grant_id": "N-1:p-1", "student_id": "stu-1", "certificate_number": "N-1",
        "granted_at": "2027-06-01T08:00:00.123Z",
        "award_id": None, "programme_id": "p-1", "credits": 4.0,
        "course_exemptions": ["IOT101"], "reason": None}
    other = {**grant, "certificate_number": "N-2", "credits": 1.5,
             "course_exemptions": ["IOT102", "IOT101"]}
    assert domain.credit_totals("stu-1", [grant, other]) == {
        "student_id": "stu-1", "total_credits": 5.5,
        "course_exemptions": ["IOT101", "IOT102"],
        "grants": [{"certificate_number": "N-1", "award_id": None, "programme_id": "p-1",
                    "credits": 4.0, "course_exemptions": ["IOT101"]},
                   {"certificate_number": "N-2", "award_id": None, "programme_id": "p-1",
                    "credits": 1.5, "course_exemptions": ["IOT102", "IOT101"]}]}


# skills competitions -------------------------------------------------------------------

COMPETITION = {"_id": "comp-1", "name": "全省职业院校技能大赛 物联网技术应用",
               "level": "provincial", "held_on": "2027-05-20", "status": "open"}
TEAM = {"_id": "e-1", "competition_id": "comp-1", "kind": "team", "team_name": "物联网一队",
        "student_ids": ["stu-1", "stu-2"], "tutor_ids": ["m-1"], "result": None}


def test_a_competition_names_certificates_catalogued_at_the_level_given():
    catalogue = {"1X-IOT-01": {"code": "1X-IOT-01", "levels": ["junior", "intermediate"]}}
    domain.check_competition_certificates(
        [{"code": "1X-IOT-01", "level": "intermediate"}], catalogue)
    with pytest.raises(InvalidInput) as caught:
        domain.check_competition_certificates(
            [{"code": "1X-IOT-01", "level": "junior"}, {"code": "1X-IOT-01", "level": "senior"},
             {"code": "1X-NOPE", "level": "junior"}], catalogue)
    assert caught.value.errors == {"certificates": {
        "1": {"level": ["1X-IOT-01 is offered at junior, intermediate."]},
        "2": {"code": ["Unknown certificate 1X-NOPE: not in the catalogue."]}}}


def test_entrants_are_known_active_students_and_tutors_known_teachers_each_named():
    candidates = {"stu-1": {"kind": "student", "status": "active"},
                  "stu-2": {"kind": "student", "status": "suspended"},
                  "m-1": {"kind": "teacher"}}
    domain.check_entrants(["stu-1"], ["m-1"], candidates)
    with pytest.raises(InvalidInput) as caught:
        domain.check_entrants(["stu-1", "stu-2", "m-1"], ["stu-1", "m-9"], candidates)
    assert caught.value.errors == {
        "student_ids": ["Not a known active student: stu-2.", "Not a known active student: m-1."],
        "tutor_ids": ["Not a known teacher: stu-1.", "Not a known teacher: m-9."]}


def test_a_student_enters_a_competition_once_and_only_while_it_is_open():
    domain.check_not_entered(["stu-3"], {})
    with pytest.raises(Conflict, match="stu-2 already entered this competition .entry e-1"):
        domain.check_not_entered(["stu-3", "stu-2"], {"stu-2": "e-1"})
    domain.check_entries_open(COMPETITION)
    with pytest.raises(Conflict, match="no more entries"):
        domain.check_entries_open({**COMPETITION, "status": "results_recorded"})


def test_an_individual_entry_has_no_team_name_whatever_was_sent():
    entry = domain.new_entry("e-2", "comp-1", {"kind": "individual", "team_name": None,
                                               "student_ids": ["stu-3"], "tutor_ids": []}, "now")
    assert (entry["team_name"], entry["result"], entry["student_ids"]) == (None, None, ["stu-3"])


def test_a_result_row_names_an_entry_of_that_competition():
    assert domain.check_entry_of(TEAM, "e-1", "comp-1") is TEAM
    for entry in (None, {**TEAM, "competition_id": "comp-2"}):
        with pytest.raises(InvalidInput) as caught:
            domain.check_entry_of(entry, "e-1", "comp-1")
        assert caught.value.errors == {
            "entry_id": ["No entry e-1 is known in this competition."]}


@pytest.mark.parametrize("previous, award, rank, outcome", [
    (None, "first", 1, "awarded"),
    (None, "none", None, "no award"),
    ({"award": "first", "rank": 1}, "first", 1, "unchanged"),
    ({"award": "none", "rank": None}, "none", None, "unchanged"),
    ({"award": "first", "rank": 1}, "second", 2, "corrected"),
    ({"award": "first", "rank": 1}, "first", 2, "corrected"),
    ({"award": "none", "rank": None}, "third", None, "corrected"),
])
def test_a_result_is_new_the_same_as_before_or_a_correction(previous, award, rank, outcome):
    assert domain.result_outcome(previous, award, rank) == outcome


def awarded(student_id, award="first", status="awarded", reason=None):
    return {"_id": domain.award_id("e-1", student_id), "award": award, "status": status,
            "withdrawal_reason": reason}


def test_an_award_goes_to_every_member_once_a_changed_one_is_replaced():
    assert domain.award_id("e-1", "stu-1") == "e-1:stu-1"
    assert domain.award_changes(TEAM, "first", {}) == ([], ["stu-1", "stu-2"])
    assert domain.award_changes(TEAM, "none", {}) == ([], [])
    existing = {a["_id"]: a for a in (awarded("stu-1"), awarded("stu-2"))}
    assert domain.award_changes(TEAM, "first", existing) == ([], [])  # the same: left alone
    withdraw, grant = domain.award_changes(TEAM, "second", existing)
    assert ([a["_id"] for a in withdraw], grant) == (["e-1:stu-1", "e-1:stu-2"],
                                                     ["stu-1", "stu-2"])
    withdraw, grant = domain.award_changes(TEAM, "none", existing)
    assert (len(withdraw), grant) == (2, [])


def test_a_correction_restores_an_award_it_withdrew_but_not_a_disqualification():
    existing = {a["_id"]: a for a in (
        awarded("stu-1", status="withdrawn", reason=domain.RESULT_CORRECTED),
        awarded("stu-2", status="withdrawn", reason="违规使用外部设备"))}
    assert domain.award_changes(TEAM, "first", existing) == ([], ["stu-1"])


def test_an_award_copies_the_competition_the_entry_and_the_students_programme():
    award = domain.new_award(COMPETITION, TEAM, "stu-2",
                             {"programme_id": "prog-1", "partner_id": "p-1"}, "second", "now")
    assert award == {
        "_id": "e-1:stu-2", "student_id": "stu-2", "programme_id": "prog-1",
        "partner_id": "p-1", "competition_id": "comp-1",
        "competition_name": "全省职业院校技能大赛 物联网技术应用", "level": "provincial",
        "award": "second", "held_on": "2027-05-20", "entry_id": "e-1",
        "team_name": "物联网一队", "tutor_ids": ["m-1"], "status": "awarded",
        "withdrawal_reason": None, "withdrawn_at": None, "certificate_number": None,
        "created_at": "now"}
    assert domain.award_event(award) == {
        "award_id": "e-1:stu-2", "student_id": "stu-2", "programme_id": "prog-1",
        "partner_id": "p-1", "competition_id": "comp-1",
        "competition_name": "全省职业院校技能大赛 物联网技术应用", "level": "provincial",
        "award": "second", "held_on": "2027-05-20"}


def test_an_award_is_withdrawn_once_its_credits_and_certificate_told_why():
    domain.check_withdrawable(awarded("stu-1"))
    with pytest.raises(Conflict, match="already withdrawn"):
        domain.check_withdrawable(awarded("stu-1", status="withdrawn"))
    assert domain.award_withdrawal_reason("作弊") == "award withdrawn: 作弊"


def test_an_award_grant_is_keyed_by_award_and_programme_and_names_no_certificate():
    rule = {"programme_id": "prog-1", "credits": 3.0, "course_exemptions": ["IOT201"],
            "version": 2}
    grant = domain.new_award_grant({"_id": "e-1:stu-1", "student_id": "stu-1"}, rule,
                                   datetime(2027, 6, 1, tzinfo=timezone.utc))
    assert grant["_id"] == domain.award_grant_id("e-1:stu-1", "prog-1") == \
        "award:e-1:stu-1:prog-1"
    assert (grant["certificate_number"], grant["award_id"], grant["credits"]) == \
        (None, "e-1:stu-1", 3.0)
    assert domain.credit_event(grant, "why")["award_id"] == "e-1:stu-1"
    # as the database gives it back (naive UTC, to the millisecond): the same time
    stored = {**grant, "created_at": datetime(2027, 6, 1)}
    assert domain.credit_event(stored, "why")["granted_at"] == \
        domain.credit_event(grant, None)["granted_at"] == "2027-06-01T00:00:00.000Z"
    assert domain.ledger_entry("l-1", "grant", grant, None, "now")["award_id"] == "e-1:stu-1"
    assert domain.award_rule_id("prog-1", "provincial", "first") == "prog-1:provincial:first"


def test_an_award_rule_re_evaluates_each_award_as_a_certificate_rule_does_its_holders():
    awards = [{"student_id": "stu-1", "award_id": "e-1:stu-1"},
              {"student_id": "stu-2", "award_id": "e-1:stu-2"}]
    grants = {"e-1:stu-1": {"credits": 2.0, "course_exemptions": []}}
    changes = domain.credit_changes(awards, grants, {"credits": 3.0, "course_exemptions": []},
                                    key="award_id")
    assert [(c["award_id"], c["change"]) for c in changes] == [
        ("e-1:stu-1", "adjust"), ("e-1:stu-2", "grant")]
    assert "certificate_number" not in changes[0]


def test_an_exam_stand_in_is_a_catalogued_certificate_at_one_of_its_levels():
    stand_in = {"certificate_code": "1X-IOT-01", "level": "intermediate"}
    domain.check_stand_in(None, None)
    domain.check_stand_in(stand_in, CERTIFICATE)
    with pytest.raises(InvalidInput) as caught:
        domain.check_stand_in({**stand_in, "level": "senior"}, CERTIFICATE)
    assert caught.value.errors == {"exam_stand_in": {
        "level": ["1X-IOT-01 is offered at junior, intermediate."]}}
    with pytest.raises(InvalidInput) as caught:
        domain.check_stand_in(stand_in, None)
    assert "certificate_code" in caught.value.errors["exam_stand_in"]


@pytest.mark.parametrize("held, issued", [
    (set(), True),
    ({("1X-IOT-01", "junior")}, True),  # a lower level is no reason not to
    ({("1X-IOT-01", "intermediate")}, False),
    ({("1X-IOT-01", "senior")}, False),  # a higher one is
    ({("1X-CAD-01", "senior")}, True),
])
def test_an_award_stands_in_for_an_exam_unless_the_certificate_is_held_at_that_level_or_higher(
        held, issued):
    rule = {"exam_stand_in": {"certificate_code": "1X-IOT-01", "level": "intermediate"}}
    expected = rule["exam_stand_in"] if issued else None
    assert domain.stand_in_to_issue(rule, held) == expected
    assert domain.stand_in_to_issue({"exam_stand_in": None}, set()) is None
    assert domain.stand_in_to_issue(None, set()) is None


def test_staff_see_every_entry_and_award_a_student_their_own_a_teacher_those_they_tutor():
    staff, nobody = {"kind": "staff"}, {"kind": "enterprise", "enterprise_id": "p-1"}
    student, other = {"kind": "student", "student_id": "stu-1"}, \
        {"kind": "student", "student_id": "stu-9"}
    tutor, other_teacher = {"kind": "teacher", "mentor_id": "m-1"}, \
        {"kind": "teacher", "mentor_id": "m-9"}
    award = {**awarded("stu-1"), "student_id": "stu-1", "tutor_ids": ["m-1"]}
    for actor in (None, staff, student, tutor):
        domain.check_entry_visible(actor, TEAM)
        domain.check_award_visible(actor, award)
    for actor in (other, other_teacher, nobody, {"kind": "student", "student_id": None}):
        with pytest.raises(NotFound, match="entry e-1 does not exist"):
            domain.check_entry_visible(actor, TEAM)
        with pytest.raises(NotFound, match="award e-1:stu-1 does not exist"):
            domain.check_award_visible(actor, award)
    # a teammate sees the entry, not the other member's award
    with pytest.raises(NotFound):
        domain.check_award_visible({"kind": "student", "student_id": "stu-2"}, award)
    assert domain.entry_scope(student) == {"student_ids": "stu-1"}
    assert domain.award_scope(student) == {"student_id": "stu-1"}
    assert domain.award_scope(tutor) == domain.entry_scope(tutor) == {"tutor_ids": "m-1"}
    assert domain.entry_scope(staff) == {} and domain.entry_scope(nobody) is None


def test_a_filter_is_narrowed_to_the_callers_scope_and_one_outside_it_finds_nothing():
    assert domain.within_scope({"level": "world"}, {}) == {"level": "world"}
    assert domain.within_scope({"student_id": "stu-1"}, {"student_id": "stu-1"}) == \
        {"student_id": "stu-1"}
    assert domain.within_scope({}, {"student_id": "stu-1"}) == {"student_id": "stu-1"}
    assert domain.within_scope({"student_id": "stu-9"}, {"student_id": "stu-1"}) is None
    assert domain.within_scope({}, None) is None


def test_a_students_awards_in_force_are_a_credentials_evidence():
    awards = [{**awarded("stu-1"), "competition_name": "全国技能大赛", "level": "national",
               "held_on": "2027-05-20"},
              {**awarded("stu-2"), "status": "withdrawn", "competition_name": "x",
               "level": "college", "held_on": "2027-01-01"}]
    assert domain.award_evidence(awards) == [{
        "id": "urn:college:award:e-1:stu-1", "type": ["Evidence"], "name": "全国技能大赛",
        "description": "first award, national skills competition, 2027-05-20"}]
