"""The certificates workflows over an in-memory store (``fake_certificates_records``) and
``FakeUnitOfWork``: no database, no broker."""
import secrets
from datetime import date, datetime, timezone

import pytest
from fake_certificates_records import FakeCertificatesRecords

from certificates import credentials, domain, workflows
from certificates.credentials import KeyRing
from certificates.dependencies import Issuer
from college_platform.errors import Conflict, InvalidInput, NotFound
from college_platform.fakes import FakeUnitOfWork

TODAY = date(2027, 5, 10)
NOW = datetime(2027, 5, 10, 1, 0, tzinfo=timezone.utc)
IOT = {"_id": "cert-1", "code": "1X-IOT-01", "title": "物联网安装调试与运维",
       "organisation": "新大陆教育", "levels": ["junior", "intermediate"],
       "alignment": {"programmes": ["IOT-2027"], "courses": ["IOT101"], "competitions": []},
       "pass_rule": {"theory_min": 60, "practical_min": 70}, "prerequisites": [],
       "created_at": NOW}
SESSION = {"certificate_code": "1X-IOT-01", "level": "junior", "site": "实训楼 A302",
           "exam_date": date(2027, 6, 12), "registration_deadline": date(2027, 5, 31),
           "capacity": 2}
PROGRAMME = "prog-iot"
STUDENTS = ["stu-%d" % n for n in range(1, 6)]
ISSUER = Issuer(KeyRing("2027-01:" + secrets.token_urlsafe(32)),
                "https://college.example.edu", "Modern Industrial College",
                "https://api.college.example.edu")


@pytest.fixture
def uow():
    records = FakeCertificatesRecords()
    unit = FakeUnitOfWork(records)
    workflows.add_certificate(unit, dict(IOT))
    workflows.remember_programme(unit, {"programme_id": PROGRAMME, "code": "IOT-2027",
                                        "name": "物联网应用技术"})
    for number, student_id in enumerate(STUDENTS, start=1):
        workflows.remember_student(unit, {
            "student_id": student_id, "name": "学生%d" % number,
            "student_number": "2027%04d" % number, "programme_id": PROGRAMME,
            "programme_code": "IOT-2027", "partner_id": "ent-1"})
    workflows.remember_teacher(unit, {"mentor_id": "m-1", "name": "王老师"})
    unit.emitted.clear()
    return unit


@pytest.fixture
def exam(uow):
    return workflows.schedule_session(uow, dict(SESSION))


def register(uow, exam, candidate_id, kind=None):
    return workflows.register(uow, exam["_id"], {"candidate_id": candidate_id,
                                                 "candidate_kind": kind}, TODAY)


def test_a_session_is_scheduled_at_a_level_of_a_catalogued_certificate(uow, exam):
    assert exam["seats_taken"] == 0 and exam["exam_date"] == "2027-06-12"
    with pytest.raises(InvalidInput):
        workflows.schedule_session(uow, {**SESSION, "level": "senior"})
    with pytest.raises(NotFound):
        workflows.schedule_session(uow, {**SESSION, "certificate_code": "NOPE"})


def test_seats_go_first_then_the_waiting_list_each_registration_announced(uow, exam):
    statuses = [register(uow, exam, s)["status"] for s in STUDENTS[:3]]
    assert statuses == ["registered", "registered", "waitlisted"]
    assert uow.records.exam_session(exam["_id"])["seats_taken"] == 2
    waiting = uow.records.registration_for_seat(domain.seat_key(exam["_id"], STUDENTS[2]))
    assert waiting["waitlist_position"] == 1
    assert [(e["candidate_id"], e["status"]) for e in uow.events("exam_registered")] == [
        (STUDENTS[0], "registered"), (STUDENTS[1], "registered"), (STUDENTS[2], "waitlisted")]


def test_a_candidate_registers_once_and_only_as_what_they_are(uow, exam):
    register(uow, exam, STUDENTS[0])
    with pytest.raises(Conflict, match="already registered"):
        register(uow, exam, STUDENTS[0])
    with pytest.raises(InvalidInput, match="not a known student or teacher"):
        register(uow, exam, "m-1", kind="student")
    assert register(uow, exam, "m-1", kind="teacher")["candidate_kind"] == "teacher"
    with pytest.raises(InvalidInput, match="not a known"):
        register(uow, exam, "nobody")


def test_a_cancelled_seat_goes_to_the_first_on_the_waiting_list(uow, exam):
    first, _, third, fourth = [register(uow, exam, s) for s in STUDENTS[:4]]
    uow.emitted.clear()
    promoted = workflows.cancel_registration(uow, first["_id"])
    assert promoted["_id"] == third["_id"] and promoted["status"] == "registered"
    assert uow.records.registration(first["_id"])["status"] == "cancelled"
    assert uow.records.registration(fourth["_id"])["waitlist_position"] == 2
    assert uow.records.exam_session(exam["_id"])["seats_taken"] == 2
    assert [e["registration_id"] for e in uow.events("registration_cancelled")] == [first["_id"]]
    assert [e["registration_id"] for e in uow.events("exam_registered")] == [third["_id"]]
    # the seat key is free again: the candidate may register anew
    assert register(uow, exam, STUDENTS[0])["status"] == "waitlisted"
    with pytest.raises(Conflict, match="cancelled registration cannot"):
        workflows.cancel_registration(uow, first["_id"])


def test_a_waitlisted_cancellation_frees_no_seat(uow, exam):
    registered = [register(uow, exam, s) for s in STUDENTS[:3]]
    assert workflows.cancel_registration(uow, registered[2]["_id"]) is None
    assert uow.records.exam_session(exam["_id"])["seats_taken"] == 2


def test_a_candidate_cancels_only_their_own_registration(uow, exam):
    mine = register(uow, exam, STUDENTS[0])
    with pytest.raises(NotFound, match="registration %s does not exist" % mine["_id"]):
        workflows.cancel_registration(uow, mine["_id"],
                                      {"kind": "student", "student_id": STUDENTS[1]})
    assert uow.records.registration(mine["_id"])["status"] == "registered"
    workflows.cancel_registration(uow, mine["_id"],
                                  {"kind": "student", "student_id": STUDENTS[0]})
    assert uow.records.registration(mine["_id"])["status"] == "cancelled"


def test_a_class_registered_at_once_fills_the_seats_then_the_waiting_list(uow, exam):
    register(uow, exam, STUDENTS[0])
    uow.emitted.clear()
    report = workflows.register_group(
        uow, exam["_id"], [STUDENTS[0], STUDENTS[1], STUDENTS[2], "nobody", STUDENTS[2]],
        TODAY)
    assert [(r["candidate_id"], r["status"]) for r in report] == [
        (STUDENTS[0], "duplicate"), (STUDENTS[1], "registered"), (STUDENTS[2], "waitlisted"),
        ("nobody", "rejected"), (STUDENTS[2], "duplicate")]
    stored = uow.records.exam_session(exam["_id"])
    assert (stored["seats_taken"], stored["waitlist_seq"]) == (2, 1)
    assert [e["candidate_id"] for e in uow.events("exam_registered")] == STUDENTS[1:3]


def test_a_group_registration_racing_another_is_tried_again(uow, exam):
    records = uow.records
    claim = records.claim_seats
    records.claim_seats = lambda exam_session, *rest: claim(
        {**exam_session, "seats_taken": exam_session["seats_taken"] + 1}, *rest)
    with pytest.raises(Conflict, match="seats changed meanwhile"):
        workflows.register_group(uow, exam["_id"], STUDENTS[:2], TODAY)


def test_a_pass_issues_a_signed_certificate_and_a_fail_does_not(uow, exam):
    passing, failing = register(uow, exam, STUDENTS[0]), register(uow, exam, STUDENTS[1])
    uow.emitted.clear()
    result = workflows.record_result(uow, passing["_id"], {"theory": 80, "practical": 75},
                                     NOW, ISSUER)
    assert result["passed"]
    number = uow.records.registration(passing["_id"])["certificate_number"]
    issued = uow.records.issued(number)
    assert (issued["candidate_id"], issued["revoked"], issued["status_index"]) == (
        STUDENTS[0], False, 1)
    assert issued["holder_name"] == "学生1"
    assert credentials.verify_proof(issued["credential"], ISSUER.key_ring) == []
    assert uow.events("certificate_issued") == [{
        "certificate_number": number, "candidate_id": STUDENTS[0],
        "candidate_kind": "student", "certificate_code": "1X-IOT-01", "level": "junior",
        "issued_on": "2027-05-10", "partner_id": "ent-1"}]
    assert uow.counted == [("certificates_issued", {"level": "junior"})]
    assert not workflows.record_result(uow, failing["_id"], {"theory": 80, "practical": 69},
                                       NOW, ISSUER)["passed"]
    assert uow.records.registration(failing["_id"])["certificate_number"] is None
    assert [e["passed"] for e in uow.events("result_recorded")] == [True, False]
    with pytest.raises(Conflict, match="already recorded"):
        workflows.record_result(uow, passing["_id"], {"theory": 90, "practical": 90}, NOW,
                                ISSUER)


def test_without_a_signing_key_nothing_is_issued(uow, exam):
    registration = register(uow, exam, STUDENTS[0])
    unkeyed = Issuer(KeyRing(""), "https://college.example.edu", "College", "http://x")
    with pytest.raises(Conflict, match="no credential signing key"):
        workflows.record_result(uow, registration["_id"], {"theory": 80, "practical": 80},
                                NOW, unkeyed)


def rows_of(*scores):
    """Parsed CSV rows ``(candidate, theory, practical)``, numbered from 2."""
    return [{"row": number, "candidate_id": candidate, "theory": theory,
             "practical": practical}
            for number, (candidate, theory, practical) in enumerate(scores, start=2)]


class CountedRecords:
    """The fake records, counting the calls of each verb: a statement each."""

    def __init__(self, records):
        self.records, self.calls = records, {}

    def __getattr__(self, name):
        verb = getattr(self.records, name)

        def counted(*args, **kwargs):
            self.calls[name] = self.calls.get(name, 0) + 1
            return verb(*args, **kwargs)
        return counted


def test_results_imported_at_once_are_each_checked_and_each_pass_issued(uow, exam):
    workflows.remember_evidence(uow, {"project_id": "p-1", "evidence": [
        {"student_id": STUDENTS[0], "deliverable_id": "d-1", "url": "https://x/1"}]})
    first, second, _ = [register(uow, exam, s) for s in STUDENTS[:3]]  # the third waits
    teacher = register(uow, exam, "m-1", kind="teacher")
    uow.records.data["sessions"][exam["_id"]]["seats_taken"] = 1  # a seat for the teacher
    uow.records.data["registrations"][teacher["_id"]].update(status="registered",
                                                             waitlist_position=None)
    uow.emitted.clear()
    counted = CountedRecords(uow.records)
    uow.records = counted
    report = workflows.record_results(uow, exam["_id"], rows_of(
        (STUDENTS[0], 80, 75), (STUDENTS[1], 80, 69), ("nobody", 90, 90),
        (STUDENTS[2], 90, 90), (STUDENTS[0], 99, 99), ("m-1", 70, 70)), NOW, ISSUER)
    uow.records = counted.records

    assert [(r["row"], r["status"]) for r in report] == [
        (2, "recorded"), (3, "recorded"), (4, "rejected"), (5, "rejected"), (6, "rejected"),
        (7, "recorded")]
    assert report[2]["errors"] == {"candidate_id": ["Not registered for this session."]}
    assert "this one is waitlisted" in report[3]["errors"]["_row"][0]
    assert "already recorded" in report[4]["errors"]["_row"][0]  # the first row counts
    assert [r["passed"] for r in report if r["status"] == "recorded"] == [True, False, True]
    assert report[1]["certificate_number"] is None
    stored = uow.records.registration(first["_id"])
    assert (stored["result"]["theory"], stored["certificate_number"]) == (
        80, report[0]["certificate_number"])
    assert uow.records.registration(second["_id"])["result"]["passed"] is False
    student, teachers = (uow.records.issued(report[i]["certificate_number"]) for i in (0, 5))
    assert (student["status_index"], teachers["status_index"]) == (1, 2)
    assert (student["registration_id"], student["holder_name"]) == (first["_id"], "学生1")
    assert credentials.verify_proof(student["credential"], ISSUER.key_ring) == []
    assert credentials.verify_proof(teachers["credential"], ISSUER.key_ring) == []
    assert student["credential"]["evidence"][0]["id"] == "https://x/1"
    assert uow.events("certificate_issued") == [{
        "certificate_number": student["_id"], "candidate_id": STUDENTS[0],
        "candidate_kind": "student", "certificate_code": "1X-IOT-01", "level": "junior",
        "issued_on": "2027-05-10", "partner_id": "ent-1"}, {
        "certificate_number": teachers["_id"], "candidate_id": "m-1",
        "candidate_kind": "teacher", "certificate_code": "1X-IOT-01", "level": "junior",
        "issued_on": "2027-05-10", "partner_id": None}]
    assert [(e["candidate_id"], e["passed"]) for e in uow.events("result_recorded")] == [
        (STUDENTS[0], True), (STUDENTS[1], False), ("m-1", True)]
    assert uow.counted == [("certificates_issued", {"level": "junior"})] * 2
    # a statement per collection for all the rows, none per row
    assert counted.calls == {
        "registrations_with_seats": 1, "certificate": 1, "reserve_counts": 1,
        "candidates": 1, "evidence_of_students": 1, "awards_in_force_of": 1,
        "add_issued_many": 1, "set_results": 1}


def test_results_imported_again_record_nobody_twice(uow, exam):
    registrations = [register(uow, exam, s) for s in STUDENTS[:2]]
    rows = rows_of((STUDENTS[0], 80, 75), (STUDENTS[1], 50, 90))
    first = workflows.record_results(uow, exam["_id"], rows, NOW, ISSUER)
    uow.emitted.clear()
    again = workflows.record_results(uow, exam["_id"], rows, NOW, ISSUER)
    assert [r["status"] for r in first] == ["recorded", "recorded"]
    assert [r["status"] for r in again] == ["rejected", "rejected"]
    assert all("already recorded" in r["errors"]["_row"][0] for r in again)
    assert uow.emitted == [] and len(uow.records.data["issued"]) == 1
    assert uow.records.registration(registrations[0]["_id"])["certificate_number"] == \
        first[0]["certificate_number"]


def test_results_imported_without_a_signing_key_record_the_fails_only(uow, exam):
    for student in STUDENTS[:2]:
        register(uow, exam, student)
    unkeyed = Issuer(KeyRing(""), "https://college.example.edu", "College", "http://x")
    report = workflows.record_results(uow, exam["_id"], rows_of(
        (STUDENTS[0], 80, 80), (STUDENTS[1], 80, 50)), NOW, unkeyed)
    assert [r["status"] for r in report] == ["rejected", "recorded"]
    assert "no credential signing key" in report[0]["errors"]["_row"][0]
    assert uow.records.data["issued"] == {} and uow.events("certificate_issued") == []


def test_results_imported_past_the_end_of_the_status_list_are_refused(uow, exam):
    for student in STUDENTS[:2]:
        register(uow, exam, student)
    uow.records.data["counters"]["status_index"] = credentials.STATUS_LIST_SIZE - 2
    report = workflows.record_results(uow, exam["_id"], rows_of(
        (STUDENTS[0], 80, 80), (STUDENTS[1], 80, 80)), NOW, ISSUER)
    assert [r["status"] for r in report] == ["recorded", "rejected"]
    assert report[1]["errors"] == {"_row": ["the revocation status list is full"]}
    assert [e["candidate_id"] for e in uow.events("result_recorded")] == [STUDENTS[0]]


def test_results_recorded_by_a_concurrent_import_refuse_the_batch(uow, exam):
    register(uow, exam, STUDENTS[0])
    uow.records.set_results = lambda changes: 0  # another import wrote them first
    with pytest.raises(Conflict, match="recorded meanwhile"):
        workflows.record_results(uow, exam["_id"], rows_of((STUDENTS[0], 80, 80)), NOW,
                                 ISSUER)


def issue_to(uow, exam, student_id):
    registration = register(uow, exam, student_id)
    workflows.record_result(uow, registration["_id"], {"theory": 80, "practical": 80}, NOW,
                            ISSUER)
    return uow.records.registration(registration["_id"])["certificate_number"]


RULE = {"programme_id": PROGRAMME, "certificate_code": "1X-IOT-01", "level": "junior",
        "credits": 4.0, "course_exemptions": ["IOT101"]}


def test_a_rule_grants_credits_to_every_holder_and_an_issue_after_it_too(uow, exam):
    number = issue_to(uow, exam, STUDENTS[0])
    uow.emitted.clear()
    assert workflows.preview_credit_rule(uow, dict(RULE))[0]["change"] == "grant"
    assert uow.records.grants_of_student(STUDENTS[0]) == [] and uow.emitted == []
    rule, changes = workflows.set_credit_rule(uow, dict(RULE))
    assert rule["version"] == 1 and [c["change"] for c in changes] == ["grant"]
    assert [e["certificate_number"] for e in uow.events("credits_granted")] == [number]
    later = issue_to(uow, exam, STUDENTS[1])
    workflows.grant_on_issue(uow, uow.events("certificate_issued")[-1])
    workflows.grant_on_issue(uow, uow.events("certificate_issued")[-1])  # once only
    assert [e["certificate_number"] for e in uow.events("credits_granted")] == [number, later]
    account = workflows.credit_account(uow, {"student_id": STUDENTS[1], "offset": 0,
                                             "limit": 20}, LedgerView())
    assert (account["total_credits"], account["course_exemptions"]) == (4.0, ["IOT101"])
    assert [entry["kind"] for entry in account["ledger"]["items"]] == ["grant"]


def test_a_changed_rule_reverses_and_grants_anew_and_a_withdrawn_one_reverses(uow, exam):
    number = issue_to(uow, exam, STUDENTS[0])
    workflows.set_credit_rule(uow, dict(RULE))
    uow.emitted.clear()
    rule, changes = workflows.set_credit_rule(uow, {**RULE, "credits": 2.0})
    assert rule["version"] == 2 and [c["change"] for c in changes] == ["adjust"]
    assert [e["reason"] for e in uow.events("credits_reversed")] == [
        "conversion rule changed (version 2)"]
    assert [e["credits"] for e in uow.events("credits_granted")] == [2.0]
    workflows.set_credit_rule(uow, {**RULE, "credits": 0, "course_exemptions": []})
    assert uow.records.grant(domain.grant_id(number, PROGRAMME)) is None
    assert [entry["kind"] for entry in uow.records.ledger] == [
        "grant", "reversal", "grant", "reversal"]


def test_a_rule_names_a_known_programme_and_a_level_of_its_certificate(uow):
    with pytest.raises(InvalidInput, match="unknown programme"):
        workflows.set_credit_rule(uow, {**RULE, "programme_id": "nope"})
    with pytest.raises(InvalidInput, match="no such level"):
        workflows.preview_credit_rule(uow, {**RULE, "level": "senior"})


def test_a_revocation_reverses_the_credits_and_happens_once(uow, exam):
    number = issue_to(uow, exam, STUDENTS[0])
    workflows.set_credit_rule(uow, dict(RULE))
    uow.emitted.clear()
    workflows.revoke(uow, number, "考试作弊")
    issued = uow.records.issued(number)
    assert (issued["revoked"], issued["revocation_reason"]) == (True, "考试作弊")
    assert uow.events("certificate_revoked") == [{
        "certificate_number": number, "candidate_id": STUDENTS[0],
        "candidate_kind": "student", "reason": "考试作弊", "partner_id": "ent-1"}]
    assert [e["reason"] for e in uow.events("credits_reversed")] == [
        "certificate revoked: 考试作弊"]
    assert uow.records.grants_of_student(STUDENTS[0]) == []
    with pytest.raises(Conflict, match="already revoked"):
        workflows.revoke(uow, number, "again")
    assert uow.records.held(STUDENTS[0]) == set()


def test_a_candidate_sees_only_their_own_certificate(uow, exam):
    number = issue_to(uow, exam, STUDENTS[0])
    assert workflows.visible_issued(uow, number, {"kind": "student",
                                                  "student_id": STUDENTS[0]})["_id"] == number
    assert workflows.visible_issued(uow, number, {"kind": "staff"})["_id"] == number
    for actor in ({"kind": "student", "student_id": STUDENTS[1]},
                  {"kind": "teacher", "mentor_id": "m-1"}):
        with pytest.raises(NotFound, match="certificate %s does not exist" % number):
            workflows.visible_issued(uow, number, actor)


def test_a_completed_projects_usable_deliverables_become_evidence(uow):
    workflows.remember_evidence(uow, {"project_id": "p-1", "evidence": [
        {"student_id": STUDENTS[0], "deliverable_id": "d-1", "url": "https://x/1",
         "name": "报告"},
        {"student_id": STUDENTS[0], "deliverable_id": "d-2", "url": ""}]})
    evidence = uow.records.evidence_of(STUDENTS[0], 20)
    assert [(e["_id"], e["name"]) for e in evidence] == [("p-1:d-1:%s" % STUDENTS[0], "报告")]


def test_an_enrolment_change_follows_the_programme_code(uow):
    workflows.remember_programme(uow, {"programme_id": "prog-acc", "code": "ACC-2027",
                                       "name": "会计"})
    workflows.change_enrolment(uow, {"student_id": STUDENTS[0], "status": "suspended",
                                     "programme_id": "prog-acc", "partner_id": None})
    candidate = uow.records.candidate(STUDENTS[0])
    assert (candidate["status"], candidate["programme_code"]) == ("suspended", "ACC-2027")


class LedgerView:
    def dump(self, items, many=False):
        return [{"kind": item["kind"], "credits": item["credits"]} for item in items]


# skills competitions ------------------------------------------------------------------------

COMPETITION = {"name": "全省职业院校技能大赛 物联网技术应用", "level": "provincial",
               "organiser": "省教育厅", "held_on": date(2027, 5, 20), "courses": ["IOT101"],
               "certificates": [{"code": "1X-IOT-01", "level": "intermediate"}]}
AWARD_RULE = {"programme_id": PROGRAMME, "competition_level": "provincial", "award": "first",
              "credits": 4.0, "course_exemptions": ["IOT201"], "exam_stand_in": None}
STAND_IN = {"certificate_code": "1X-IOT-01", "level": "junior"}


@pytest.fixture
def competition(uow):
    return workflows.create_competition(uow, dict(COMPETITION))


def enter(uow, competition, student_ids, tutor_ids=(), team_name="物联网一队"):
    kind = "team" if len(student_ids) > 1 else "individual"
    return workflows.enter(uow, competition["_id"], {
        "kind": kind, "team_name": team_name if kind == "team" else None,
        "student_ids": list(student_ids), "tutor_ids": list(tutor_ids)})


def record(uow, competition, entry, award, rank=None, issuer=ISSUER):
    return workflows.record_competition_result(
        uow, competition["_id"], {"entry_id": entry["_id"], "award": award, "rank": rank},
        NOW, issuer)


def test_a_competition_is_aligned_with_catalogued_certificates_at_their_levels(uow, competition):
    assert (competition["status"], competition["entries"], competition["held_on"]) == (
        "open", 0, "2027-05-20")
    with pytest.raises(InvalidInput) as caught:
        workflows.create_competition(uow, {**COMPETITION, "certificates": [
            {"code": "1X-IOT-01", "level": "senior"}]})
    assert caught.value.errors == {"certificates": {"0": {"level": [
        "1X-IOT-01 is offered at junior, intermediate."]}}}


def test_students_enter_once_with_teachers_as_tutors_until_results_are_recorded(
        uow, competition):
    team = enter(uow, competition, STUDENTS[:2], ["m-1"])
    assert (team["kind"], team["team_name"], team["tutor_ids"]) == ("team", "物联网一队", ["m-1"])
    assert uow.records.competition(competition["_id"])["entries"] == 1
    with pytest.raises(Conflict, match="%s already entered" % STUDENTS[1]):
        enter(uow, competition, [STUDENTS[1]])
    with pytest.raises(InvalidInput) as caught:
        enter(uow, competition, [STUDENTS[2], "nobody"], ["stu-1"])
    assert caught.value.errors == {"student_ids": ["Not a known active student: nobody."],
                                   "tutor_ids": ["Not a known teacher: stu-1."]}
    workflows.change_enrolment(uow, {"student_id": STUDENTS[3], "status": "suspended",
                                     "programme_id": PROGRAMME, "partner_id": None})
    with pytest.raises(InvalidInput, match="not a known active student"):
        enter(uow, competition, [STUDENTS[3]])
    record(uow, competition, team, "second", 2)
    with pytest.raises(Conflict, match="no more entries"):
        enter(uow, competition, [STUDENTS[4]])
    assert uow.records.competition(competition["_id"])["entries"] == 1


def test_recording_the_same_results_twice_grants_each_member_one_award(uow, competition):
    team = enter(uow, competition, STUDENTS[:2], ["m-1"])
    solo = enter(uow, competition, [STUDENTS[2]])
    uow.emitted.clear()
    assert record(uow, competition, team, "first", 1) == {
        "entry_id": team["_id"], "outcome": "awarded",
        "award_ids": ["%s:%s" % (team["_id"], s) for s in STUDENTS[:2]]}
    assert record(uow, competition, solo, "none") == {
        "entry_id": solo["_id"], "outcome": "no award", "award_ids": []}
    assert uow.records.competition(competition["_id"])["status"] == "results_recorded"
    granted = uow.events("award_granted")
    assert [e["student_id"] for e in granted] == STUDENTS[:2]
    assert granted[0] == {
        "award_id": "%s:%s" % (team["_id"], STUDENTS[0]), "student_id": STUDENTS[0],
        "programme_id": PROGRAMME, "partner_id": "ent-1", "competition_id": competition["_id"],
        "competition_name": COMPETITION["name"], "level": "provincial", "award": "first",
        "held_on": "2027-05-20"}
    uow.emitted.clear()
    assert record(uow, competition, team, "first", 1)["outcome"] == "unchanged"
    assert record(uow, competition, solo, "none")["outcome"] == "unchanged"
    assert uow.emitted == []
    assert len(uow.records.data["awards"]) == 2


def test_a_correction_withdraws_the_changed_awards_and_grants_the_new_ones(uow, competition):
    workflows.set_award_rule(uow, dict(AWARD_RULE))
    team = enter(uow, competition, STUDENTS[:2])
    record(uow, competition, team, "first", 1)
    uow.emitted.clear()
    assert record(uow, competition, team, "second", 2)["outcome"] == "corrected"
    assert [(e["award"], e["reason"]) for e in uow.events("award_withdrawn")] == [
        ("first", "result corrected")] * 2
    assert [e["award"] for e in uow.events("award_granted")] == ["second"] * 2
    assert [e["reason"] for e in uow.events("credits_reversed")] == [
        "award withdrawn: result corrected"] * 2
    assert uow.events("credits_granted") == []  # no rule for a second award
    award = uow.records.award("%s:%s" % (team["_id"], STUDENTS[0]))
    assert (award["award"], award["status"], award["withdrawal_reason"]) == (
        "second", "awarded", None)
    assert uow.records.find_entry(team["_id"])["result"]["award"] == "second"
    # corrected to first again: the first award's credits come back
    record(uow, competition, team, "first", 1)
    assert len(uow.records.grants_of_student(STUDENTS[0])) == 1


def test_a_correction_does_not_restore_a_disqualified_members_award(uow, competition):
    team = enter(uow, competition, STUDENTS[:2])
    record(uow, competition, team, "first", 1)
    disqualified = "%s:%s" % (team["_id"], STUDENTS[1])
    workflows.withdraw(uow, disqualified, "违规使用外部设备", NOW)
    uow.emitted.clear()
    assert record(uow, competition, team, "second", 2)["award_ids"] == [
        "%s:%s" % (team["_id"], STUDENTS[0])]
    assert uow.records.award(disqualified)["status"] == "withdrawn"


def test_an_award_earns_the_programmes_credits_and_a_certificate_without_an_exam(
        uow, competition):
    rule, changes = workflows.set_award_rule(uow, {**AWARD_RULE, "exam_stand_in": STAND_IN})
    assert (rule["_id"], rule["version"], changes) == (
        "%s:provincial:first" % PROGRAMME, 1, [])
    solo = enter(uow, competition, [STUDENTS[0]])
    uow.emitted.clear()
    award_id = record(uow, competition, solo, "first", 1)["award_ids"][0]
    grant = uow.records.grant(domain.award_grant_id(award_id, PROGRAMME))
    assert (grant["credits"], grant["certificate_number"], grant["award_id"]) == (
        4.0, None, award_id)
    assert uow.events("credits_granted")[0]["award_id"] == award_id
    number = uow.records.award(award_id)["certificate_number"]
    issued = uow.records.issued(number)
    assert (issued["level"], issued["registration_id"], issued["basis"]) == (
        "junior", None, {"kind": "award", "award_id": award_id})
    subject = issued["credential"]["credentialSubject"]
    assert subject["result"][0]["value"] == "first"
    assert "replaced by a first award" in subject["achievement"]["criteria"]["narrative"]
    assert issued["credential"]["evidence"][-1]["id"] == "urn:college:award:%s" % award_id
    assert credentials.verify_proof(issued["credential"], ISSUER.key_ring) == []
    assert [e["certificate_number"] for e in uow.events("certificate_issued")] == [number]


def test_no_certificate_stands_in_for_one_the_student_holds_at_that_level_or_higher(
        uow, competition, exam):
    held = issue_to(uow, exam, STUDENTS[0])  # junior, by exam
    workflows.set_award_rule(uow, {**AWARD_RULE, "exam_stand_in": STAND_IN})
    solo = enter(uow, competition, [STUDENTS[0]])
    uow.emitted.clear()
    award_id = record(uow, competition, solo, "first")["award_ids"][0]
    assert uow.records.award(award_id)["certificate_number"] is None
    assert uow.events("certificate_issued") == []
    assert uow.records.grant(domain.award_grant_id(award_id, PROGRAMME))  # credits still
    assert uow.records.held(STUDENTS[0]) == {("1X-IOT-01", "junior")}
    assert held


def test_withdrawing_an_award_reverses_its_credits_and_revokes_its_certificate_once(
        uow, competition):
    workflows.set_award_rule(uow, {**AWARD_RULE, "exam_stand_in": STAND_IN})
    solo = enter(uow, competition, [STUDENTS[0]])
    award_id = record(uow, competition, solo, "first")["award_ids"][0]
    number = uow.records.award(award_id)["certificate_number"]
    uow.emitted.clear()
    award = workflows.withdraw(uow, award_id, "违规使用外部设备", NOW)
    assert (award["status"], award["withdrawal_reason"]) == ("withdrawn", "违规使用外部设备")
    assert uow.events("award_withdrawn")[0]["reason"] == "违规使用外部设备"
    assert [e["award_id"] for e in uow.events("credits_reversed")] == [award_id]
    assert uow.records.grants_of_student(STUDENTS[0]) == []
    issued = uow.records.issued(number)
    assert (issued["revoked"], issued["revocation_reason"]) == (
        True, "award withdrawn: 违规使用外部设备")
    with pytest.raises(Conflict, match="already withdrawn"):
        workflows.withdraw(uow, award_id, "again", NOW)
    with pytest.raises(NotFound):
        workflows.withdraw(uow, "no-such-award", "reason", NOW)


def test_a_correction_revokes_the_certificate_the_changed_award_stood_in_for(
        uow, competition):
    workflows.set_award_rule(uow, {**AWARD_RULE, "exam_stand_in": STAND_IN})
    solo = enter(uow, competition, [STUDENTS[0]])
    award_id = record(uow, competition, solo, "first")["award_ids"][0]
    number = uow.records.award(award_id)["certificate_number"]
    record(uow, competition, solo, "third")
    assert uow.records.issued(number)["revocation_reason"] == \
        "award withdrawn: result corrected"
    assert uow.records.award(award_id)["certificate_number"] is None


def test_a_changed_award_rule_re_evaluates_the_credits_of_existing_awards_only(
        uow, competition):
    team = enter(uow, competition, STUDENTS[:2])
    solo = enter(uow, competition, [STUDENTS[2]])
    record(uow, competition, team, "first")
    record(uow, competition, solo, "second")
    uow.emitted.clear()
    rule, changes = workflows.set_award_rule(uow, {**AWARD_RULE, "exam_stand_in": STAND_IN})
    assert sorted((c["student_id"], c["change"]) for c in changes) == [
        (STUDENTS[0], "grant"), (STUDENTS[1], "grant")]
    # the stand-in is not retroactive: no certificate for awards recorded before
    assert uow.events("certificate_issued") == []
    uow.emitted.clear()
    rule, changes = workflows.set_award_rule(uow, {**AWARD_RULE, "credits": 2.0})
    assert rule["version"] == 2 and [c["change"] for c in changes] == ["adjust", "adjust"]
    assert [e["reason"] for e in uow.events("credits_reversed")] == [
        "award rule changed (version 2)"] * 2
    assert [e["credits"] for e in uow.events("credits_granted")] == [2.0, 2.0]
    uow.emitted.clear()
    assert workflows.set_award_rule(uow, {**AWARD_RULE, "credits": 2.0})[1] == []
    assert uow.emitted == []
    account = workflows.credit_account(uow, {"student_id": STUDENTS[0], "offset": 0,
                                             "limit": 20}, LedgerView())
    assert (account["total_credits"], account["grants"][0]["award_id"]) == (
        2.0, "%s:%s" % (team["_id"], STUDENTS[0]))


def test_an_award_rule_names_a_known_programme_and_a_catalogued_stand_in(uow):
    with pytest.raises(InvalidInput, match="unknown programme"):
        workflows.set_award_rule(uow, {**AWARD_RULE, "programme_id": "nope"})
    with pytest.raises(InvalidInput) as caught:
        workflows.set_award_rule(uow, {**AWARD_RULE, "exam_stand_in": {
            "certificate_code": "1X-NOPE", "level": "junior"}})
    assert "certificate_code" in caught.value.errors["exam_stand_in"]
    with pytest.raises(InvalidInput, match="no such level"):
        workflows.set_award_rule(uow, {**AWARD_RULE, "exam_stand_in": {
            "certificate_code": "1X-IOT-01", "level": "senior"}})


def test_a_result_names_an_entry_of_the_competition(uow, competition):
    other = workflows.create_competition(uow, dict(COMPETITION))
    foreign = enter(uow, other, [STUDENTS[0]])
    with pytest.raises(InvalidInput, match="no such entry"):
        record(uow, competition, foreign, "first")
    assert uow.records.competition(competition["_id"])["status"] == "open"
