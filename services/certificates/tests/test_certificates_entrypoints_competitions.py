"""Skills competitions in the certificates service, in a container against the
real broker and database: results recorded twice and corrected, withdrawal,
award rules and the exam an award stands in for, and who sees what."""
import pytest
from nameko import config
from test_certificates_credentials import independently_verified
from test_certificates_entrypoints import IOT, PROGRAMME_ID, SESSION, SIGNING_KEYS, STUDENTS, enrol

from certificates.service import CertificatesService
from college_platform.envelope import new_event
from college_platform.errors import Conflict, InvalidInput, NotFound
from testkit.amqp import bind_probe_queue, drain, publish_event
from testkit.calls import call
from testkit.servers import wait_until

COMPETITION = {"name": "全省职业院校技能大赛 物联网技术应用", "level": "provincial",
               "organiser": "省教育厅", "held_on": "2027-05-20", "courses": ["IOT101"],
               "certificates": [{"code": "1x-iot-01", "level": "junior"}]}
RULE = {"programme_id": PROGRAMME_ID, "competition_level": "provincial", "award": "first",
        "credits": 4, "course_exemptions": ["IOT201"]}
STAND_IN = {"certificate_code": "1X-IOT-01", "level": "junior"}
TUTOR = "men-teacher-7"


@pytest.fixture
def certificates(start_service):
    with config.patch({"CERTIFICATE_SIGNING_KEYS": SIGNING_KEYS,
                       "CLOCK_NOW": "2027-05-10T09:00:00+08:00",
                       "PUBLIC_BASE_URL": "https://api.college.example.edu"}):
        container = start_service(CertificatesService)
        call(container, "add_certificate", IOT)
        yield container


@pytest.fixture
def amqp_uri(service_config):
    return service_config["AMQP_URI"]


def with_tutor(amqp_uri, database):
    publish_event(amqp_uri, "mentors", new_event("mentor_registered", "mentors", {
        "mentor_id": TUTOR, "name": "孙老师", "kind": "teacher"}))
    wait_until(lambda: database("certificates").candidates.find_one({"_id": TUTOR}),
               timeout=30, message="the teacher's local copy")


def results(certificates, competition, *rows):
    return call(certificates, "record_competition_results", competition["id"], {"results": [
        {"entry_id": entry["id"], "award": award, "rank": rank} for entry, award, rank in rows]})


def account(certificates, student_id):
    return call(certificates, "credit_account", {"student_id": student_id})


def test_results_recorded_twice_are_one_award_and_a_correction_replaces_it(
        certificates, amqp_uri, database):
    enrol(amqp_uri, database, STUDENTS[:4])
    with_tutor(amqp_uri, database)
    for event_type in ("award_granted", "award_withdrawn"):
        bind_probe_queue(amqp_uri, "certificates", event_type, "probe-awards")
    call(certificates, "set_award_rule", RULE)
    competition = call(certificates, "create_competition", COMPETITION)
    assert (competition["status"], competition["entries"], competition["certificates"]) == (
        "open", 0, [{"code": "1X-IOT-01", "level": "junior"}])
    team = call(certificates, "add_entry", competition["id"], {
        "kind": "team", "team_name": "物联网一队", "student_ids": ["stu-00", "stu-01"],
        "tutor_ids": [TUTOR]})
    solo = call(certificates, "add_entry", competition["id"], {
        "kind": "individual", "student_ids": ["stu-02"]})
    with pytest.raises(Conflict) as caught:
        call(certificates, "add_entry", competition["id"], {
            "kind": "individual", "student_ids": ["stu-01"]})
    assert "stu-01" in caught.value.detail
    with pytest.raises(InvalidInput) as caught:
        call(certificates, "add_entry", competition["id"], {
            "kind": "individual", "student_ids": ["stu-99"], "tutor_ids": ["stu-03"]})
    assert caught.value.errors == {"student_ids": ["Not a known active student: stu-99."],
                                   "tutor_ids": ["Not a known teacher: stu-03."]}
    assert call(certificates, "get_competition", competition["id"])["entries"] == 2

    report = results(certificates, competition, (team, "first", 1), (solo, "none", None),
                     ({"id": "no-such-entry"}, "second", 2))
    assert (report["status"], report["awarded"], report["no_award"], report["rejected"]) == (
        "results_recorded", 1, 1, 1)
    assert [row["outcome"] for row in report["rows"]] == ["awarded", "no award", "rejected"]
    assert report["rows"][2]["errors"] == {
        "entry_id": ["No entry no-such-entry is known in this competition."]}
    award_ids = report["rows"][0]["award_ids"]
    assert award_ids == ["%s:stu-00" % team["id"], "%s:stu-01" % team["id"]]
    assert account(certificates, "stu-00")["total_credits"] == 4

    again = results(certificates, competition, (team, "first", 1), (solo, "none", None))
    assert [row["outcome"] for row in again["rows"]] == ["unchanged", "unchanged"]
    assert database("certificates").awards.count_documents({}) == 2
    assert account(certificates, "stu-00")["total_credits"] == 4
    with pytest.raises(Conflict):  # no entry once results are recorded
        call(certificates, "add_entry", competition["id"], {
            "kind": "individual", "student_ids": ["stu-03"]})

    corrected = results(certificates, competition, (team, "second", 2))
    assert (corrected["corrected"], corrected["rows"][0]["award_ids"]) == (1, award_ids)
    award = call(certificates, "get_award", award_ids[0])
    assert (award["award"], award["status"], award["tutor_ids"], award["team_name"]) == (
        "second", "awarded", [TUTOR], "物联网一队")
    credits = account(certificates, "stu-00")
    assert credits["total_credits"] == 0
    assert [(e["kind"], e["award_id"], e["reason"]) for e in credits["ledger"]["items"]] == [
        ("reversal", award_ids[0], "award withdrawn: result corrected"),
        ("grant", award_ids[0], None)]

    published = []
    wait_until(lambda: published.extend(drain(amqp_uri, "probe-awards")) or
               len(published) >= 6, timeout=30, message="the award events")
    assert [(body["type"], body["data"]["award"]) for body, _ in published] == [
        ("award_granted", "first"), ("award_granted", "first"),
        ("award_withdrawn", "first"), ("award_withdrawn", "first"),
        ("award_granted", "second"), ("award_granted", "second")]
    assert published[2][0]["data"]["reason"] == "result corrected"


def test_an_award_stands_in_for_the_exam_and_its_withdrawal_undoes_what_it_earned(
        certificates, amqp_uri, database):
    enrol(amqp_uri, database, STUDENTS[:3])
    competition = call(certificates, "create_competition", COMPETITION)
    # stu-01 holds the certificate already, by exam
    exam = call(certificates, "create_session", SESSION)
    registration = call(certificates, "register", exam["id"], {"candidate_id": "stu-01"})
    call(certificates, "record_result", registration["id"], {"theory": 80, "practical": 80})
    entries = [call(certificates, "add_entry", competition["id"], {
        "kind": "individual", "student_ids": [student_id]})
        for student_id in ("stu-00", "stu-01", "stu-02")]
    # the second award was recorded before the rule: its credits follow the rule, the
    # exam stand-in does not
    results(certificates, competition, (entries[2], "first", 3))
    applied = call(certificates, "set_award_rule", {**RULE, "exam_stand_in": STAND_IN})
    assert applied["rule"]["exam_stand_in"] == STAND_IN
    assert [(c["student_id"], c["change"]) for c in applied["changes"]] == [
        ("stu-02", "grant")]
    assert call(certificates, "get_award", "%s:stu-02" % entries[2]["id"])[
        "certificate_number"] is None

    report = results(certificates, competition, (entries[0], "first", 1),
                     (entries[1], "first", 2))
    stand_in, held = (call(certificates, "get_award", row["award_ids"][0])
                      for row in report["rows"][:2])
    assert held["certificate_number"] is None  # holds it already
    number = stand_in["certificate_number"]
    issued = call(certificates, "get_issued", number)
    assert (issued["registration_id"], issued["basis"], issued["level"]) == (
        None, {"kind": "award", "award_id": stand_in["id"]}, "junior")
    credential = call(certificates, "get_credential", number)
    assert credential["credentialSubject"]["result"][0]["value"] == "first"
    assert {"id": "urn:college:award:%s" % stand_in["id"], "type": ["Evidence"],
            "name": COMPETITION["name"],
            "description": "first award, provincial skills competition, 2027-05-20"} in \
        credential["evidence"]
    assert independently_verified(credential)
    assert call(certificates, "verify_number", number)["status"] == "valid"
    assert account(certificates, "stu-00")["total_credits"] == 4

    withdrawn = call(certificates, "withdraw_award", stand_in["id"],
                     {"reason": "违规使用外部设备"})
    assert (withdrawn["status"], withdrawn["withdrawal_reason"]) == (
        "withdrawn", "违规使用外部设备")
    assert call(certificates, "get_issued", number)["revocation_reason"] == \
        "award withdrawn: 违规使用外部设备"
    assert call(certificates, "verify_number", number)["status"] == "revoked"
    assert account(certificates, "stu-00")["total_credits"] == 0
    with pytest.raises(Conflict):
        call(certificates, "withdraw_award", stand_in["id"], {"reason": "again"})
    listed = call(certificates, "list_awards", {"status": "withdrawn"})
    assert [item["id"] for item in listed["items"]] == [stand_in["id"]]

    changed = call(certificates, "set_award_rule", {**RULE, "credits": 1.5,
                                                    "exam_stand_in": STAND_IN})
    assert changed["rule"]["version"] == 2
    assert sorted((c["student_id"], c["change"]) for c in changed["changes"]) == [
        ("stu-01", "adjust"), ("stu-02", "adjust")]  # the withdrawn award is left out
    assert account(certificates, "stu-02")["total_credits"] == 1.5
    rules = call(certificates, "list_award_rules", {"programme_id": PROGRAMME_ID})
    assert [r["id"] for r in rules["items"]] == ["%s:provincial:first" % PROGRAMME_ID]
    with pytest.raises(InvalidInput) as caught:
        call(certificates, "set_award_rule", {**RULE, "exam_stand_in": {
            "certificate_code": "1X-IOT-01", "level": "senior"}})
    assert caught.value.errors == {"exam_stand_in": {"level": [
        "1X-IOT-01 is offered at junior, intermediate."]}}


def test_a_student_sees_their_own_entries_and_awards_a_teacher_those_they_tutor(
        certificates, amqp_uri, database):
    enrol(amqp_uri, database, STUDENTS[:3])
    with_tutor(amqp_uri, database)
    competition = call(certificates, "create_competition", {**COMPETITION,
                                                            "certificates": []})
    team = call(certificates, "add_entry", competition["id"], {
        "kind": "team", "team_name": "一队", "student_ids": ["stu-00", "stu-01"],
        "tutor_ids": [TUTOR]})
    solo = call(certificates, "add_entry", competition["id"], {
        "kind": "individual", "student_ids": ["stu-02"]})
    results(certificates, competition, (team, "third", 3), (solo, "honourable", None))
    student = {"kind": "student", "student_id": "stu-00"}
    other = {"kind": "student", "student_id": "stu-02"}
    tutor = {"kind": "teacher", "mentor_id": TUTOR}
    stranger = {"kind": "teacher", "mentor_id": "men-other"}

    def entries(actor, **query):
        return [e["id"] for e in call(certificates, "list_entries", competition["id"],
                                      query, actor)["items"]]

    def awards(actor, **query):
        return sorted(a["id"] for a in call(certificates, "list_awards", query,
                                            actor)["items"])

    assert sorted(entries(None)) == sorted([team["id"], solo["id"]])
    assert entries(student) == [team["id"]] and entries(tutor) == [team["id"]]
    assert entries(stranger) == [] and entries(student, student_id="stu-02") == []
    assert entries(None, student_id="stu-02") == [solo["id"]]
    assert awards(student) == ["%s:stu-00" % team["id"]]
    assert awards(student, student_id="stu-02") == []
    assert awards(tutor) == ["%s:stu-00" % team["id"], "%s:stu-01" % team["id"]]
    assert awards(other, level="provincial") == ["%s:stu-02" % solo["id"]]
    assert awards({"kind": "enterprise", "enterprise_id": "ent-1"}) == []
    assert call(certificates, "get_award", "%s:stu-01" % team["id"], tutor)["award"] == "third"
    for actor in (other, stranger, {"kind": "student", "student_id": "stu-01"}):
        with pytest.raises(NotFound) as caught:
            call(certificates, "get_award", "%s:stu-00" % team["id"], actor)
        assert "award %s:stu-00 does not exist" % team["id"] in caught.value.detail
    with pytest.raises(NotFound):
        call(certificates, "list_entries", "no-such-competition", {}, student)

    # the read models: the student's awards, and the dashboard's facts by level
    part = call(certificates, "student_summaries", ["stu-00"])["stu-00"]
    assert [(a["award"], a["level"], a["status"]) for a in part["awards"]] == [
        ("third", "provincial", "awarded")]
    facts = [f for f in call(certificates, "indicator_facts") if f["metric"] == "awards"]
    assert [(f["term"], f["programme_id"], f["breakdown"], f["value"]) for f in facts] == [
        ("2027-spring", PROGRAMME_ID, "provincial", 3)]
