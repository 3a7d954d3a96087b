"""The certificates service's read-model parts and dashboard facts, shaped
from stored documents without broker or database."""
from datetime import datetime

from certificates import summaries


def at(day):
    return datetime.fromisoformat(day + "T09:00:00+00:00")


def registration(id_, status="registered", result=None, number=None, level="junior",
                 created="2027-05-01"):
    return {"_id": id_, "session_id": "sess-" + level, "candidate_id": "stu-1",
            "certificate_code": "1X-IOT-01", "level": level, "status": status,
            "waitlist_position": None, "result": result, "certificate_number": number,
            "created_at": at(created)}


PASSED = {"theory": 78.5, "practical": 85.0, "passed": True, "recorded_at": at("2027-06-20")}
FAILED = {"theory": 40.0, "practical": 85.0, "passed": False, "recorded_at": at("2027-06-21")}
ISSUED = {"_id": "1X-IOT-01-J-2027-000001", "candidate_id": "stu-1",
          "certificate_code": "1X-IOT-01", "level": "junior", "issued_on": "2027-06-20",
          "revoked": False, "created_at": at("2027-06-20")}
GRANT = {"_id": "1X-IOT-01-J-2027-000001:prog-1", "student_id": "stu-1",
         "certificate_number": "1X-IOT-01-J-2027-000001", "programme_id": "prog-1",
         "credits": 4.0, "course_exemptions": ["IOT101"], "created_at": at("2027-06-20")}


def test_a_students_part_lists_registrations_results_certificates_and_credits():
    part = summaries.student_part(
        {"_id": "stu-1", "kind": "student"},
        [registration("r-1", result=PASSED, number=ISSUED["_id"]),
         registration("r-2", status="cancelled", level="intermediate", created="2027-05-03")],
        [ISSUED], [GRANT])
    assert [r["registration_id"] for r in part["registrations"]] == ["r-2", "r-1"]
    assert part["results"] == [{
        "registration_id": "r-1", "certificate_code": "1X-IOT-01", "level": "junior",
        "theory": 78.5, "practical": 85.0, "passed": True,
        "recorded_at": "2027-06-20T09:00:00+00:00", "certificate_number": ISSUED["_id"]}]
    assert part["certificates"] == [{
        "certificate_id": ISSUED["_id"], "number": ISSUED["_id"],
        "certificate_code": "1X-IOT-01", "level": "junior", "issued_on": "2027-06-20",
        "status": "valid"}]
    assert part["credits"] == {"total": 4.0, "grants": [{
        "certificate_number": ISSUED["_id"], "award_id": None, "programme_id": "prog-1",
        "credits": 4.0, "course_exemptions": ["IOT101"]}]}
    assert part["awards"] == []


def test_a_revoked_certificate_shows_revoked_and_its_reversed_credits_are_gone():
    part = summaries.student_part({"_id": "stu-1"}, [], [{**ISSUED, "revoked": True}], [])
    assert part["certificates"][0]["status"] == "revoked"
    assert part["credits"] == {"total": 0, "grants": []}


def test_an_unknown_candidate_is_an_empty_part():
    assert summaries.student_part(None, [], [], []) == {}


def test_an_enterprise_counts_its_students_valid_certificates():
    students = [{"_id": "stu-1"}, {"_id": "stu-2"}, {"_id": "stu-3"}]
    issued = [ISSUED, {**ISSUED, "_id": "n-2", "level": "intermediate"},
              {**ISSUED, "_id": "n-3", "candidate_id": "stu-2", "revoked": True},
              {**ISSUED, "_id": "n-4", "candidate_id": "stu-9"}]
    assert summaries.enterprise_part(students, issued) == {
        "students_certified": 1, "certificates_issued": 2}
    assert summaries.enterprise_part([], issued) == {}


def test_facts_count_live_registrations_and_results_per_certificate_and_level_in_the_exam_term():
    rows = summaries.indicator_facts(
        [registration("r-1", result=PASSED), {**registration("r-2", result=FAILED),
                                              "candidate_id": "stu-2"},
         registration("r-3", status="cancelled"),
         {**registration("r-4", level="intermediate"), "candidate_id": "teacher-1"}],
        {"sess-junior": "2027-06-12", "sess-intermediate": "2027-09-20"},
        {"stu-1": {"programme_id": "prog-1", "partner_id": "p-1"},
         "stu-2": {"programme_id": "prog-1", "partner_id": "p-1"},
         "teacher-1": {}},
        [GRANT, {**GRANT, "_id": "g-2", "credits": 2.0}])
    facts = {(r["metric"], r["term"], r["programme_id"], r["enterprise_id"], r["breakdown"]):
             r["value"] for r in rows}
    assert facts == {
        ("registrations", "2027-spring", "prog-1", "p-1", "1X-IOT-01/junior"): 2,
        ("results_total", "2027-spring", "prog-1", "p-1", "1X-IOT-01/junior"): 2,
        ("results_passed", "2027-spring", "prog-1", "p-1", "1X-IOT-01/junior"): 1,
        ("registrations", "2027-autumn", None, None, "1X-IOT-01/intermediate"): 1,
        ("credits_converted", "2027-spring", "prog-1", "p-1", None): 6.0,
    }


def award(id_, held_on="2027-05-20", level="provincial", status="awarded", **fields):
    return {"_id": id_, "student_id": "stu-1", "programme_id": "prog-1", "partner_id": "p-1",
            "competition_id": "comp-" + id_, "competition_name": "技能大赛 " + id_,
            "level": level, "award": "first", "held_on": held_on, "status": status,
            "certificate_number": None, "created_at": at("2027-06-01"), **fields}


def test_a_students_part_lists_their_awards_newest_first_and_award_grants_name_the_award():
    grant = {**GRANT, "_id": "award:e-1:stu-1:prog-1", "certificate_number": None,
             "award_id": "e-1:stu-1", "credits": 2.0, "course_exemptions": []}
    part = summaries.student_part(None, [], [], [grant], [
        award("e-1:stu-1", certificate_number="N-9"),
        award("e-2:stu-1", held_on="2027-11-02", level="national", status="withdrawn")])
    assert part["awards"] == [
        {"award_id": "e-2:stu-1", "competition_id": "comp-e-2:stu-1",
         "competition_name": "技能大赛 e-2:stu-1", "level": "national", "award": "first",
         "held_on": "2027-11-02", "status": "withdrawn", "certificate_number": None},
        {"award_id": "e-1:stu-1", "competition_id": "comp-e-1:stu-1",
         "competition_name": "技能大赛 e-1:stu-1", "level": "provincial", "award": "first",
         "held_on": "2027-05-20", "status": "awarded", "certificate_number": "N-9"}]
    assert part["credits"]["grants"] == [{
        "certificate_number": None, "award_id": "e-1:stu-1", "programme_id": "prog-1",
        "credits": 2.0, "course_exemptions": []}]
    # only awards: the student is known
    assert summaries.student_part(None, [], [], [], [award("e-1:stu-1")]) != {}


def test_facts_count_awards_in_force_per_level_in_the_term_the_competition_was_held():
    rows = summaries.indicator_facts(
        [], {}, {"stu-1": {"programme_id": "prog-1", "partner_id": "p-1"}}, [],
        [award("e-1:stu-1"), award("e-2:stu-1", level="national"),
         award("e-3:stu-1", held_on="2027-10-01"),
         award("e-4:stu-1", status="withdrawn"),
         {**award("e-5:stu-2"), "student_id": "stu-2", "programme_id": "prog-2",
          "partner_id": None}])
    facts = {(r["metric"], r["term"], r["programme_id"], r["enterprise_id"], r["breakdown"]):
             r["value"] for r in rows}
    assert facts == {
        ("awards", "2027-spring", "prog-1", "p-1", "provincial"): 1,
        ("awards", "2027-spring", "prog-1", "p-1", "national"): 1,
        ("awards", "2027-autumn", "prog-1", "p-1", "provincial"): 1,
        # a student the service no longer knows counts under the award's programme
        ("awards", "2027-spring", "prog-2", None, "provincial"): 1,
    }
