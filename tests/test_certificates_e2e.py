"""Certificates through the gateway, as processes: an enrolled student registers,
passes, receives a signed credential and credits, and anyone verifies it; a
skills competition's award earns credits and a certificate in place of an exam."""
import copy
import json
import re
import secrets

import pytest
import requests

from college_platform.envelope import new_event
from testkit.amqp import publish_event
from testkit.metrics import metric_value, scrape
from testkit.servers import wait_until
from testkit.system import System

pytestmark = pytest.mark.e2e

SIGNING_KEYS = "2027-01:" + secrets.token_urlsafe(32)  # an Ed25519 seed, base64url
PROGRAMME = {"programme_id": "prog-iot-2027", "code": "IOT-2027", "name": "物联网应用技术订单班",
             "kind": "order_class", "intake_year": 2027, "capacity": 40}
STUDENTS = {"stu-e2e-1": "王小明", "stu-e2e-2": "Emily Chen"}
CERTIFICATE = {"code": "1X-IOT-01", "title": "物联网安装调试与运维", "organisation": "新大陆教育",
               "levels": ["junior", "intermediate"],
               "alignment": {"programmes": ["IOT-2027"], "courses": ["IOT101"],
                             "competitions": ["全国职业院校技能大赛 物联网技术应用"]},
               "pass_rule": {"theory_min": 60, "practical_min": 60}}


@pytest.fixture(scope="module")
def system(module_vhost, mongo_uri):
    """Only the certificates service and the gateway: the other services' events
    are published by the test itself."""
    running = System(module_vhost, mongo_uri, names=("certificates", "gateway"),
                     extra_env={"CERTIFICATE_SIGNING_KEYS": SIGNING_KEYS})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def officer(system):
    return system.user("zhao.officer", "certificate_officer")


@pytest.fixture(scope="module")
def catalogue(system, officer):
    publish_event(system.amqp_uri, "enrollment",
                  new_event("programme_created", "enrollment", PROGRAMME))
    for number, (student_id, name) in enumerate(STUDENTS.items(), start=1):
        publish_event(system.amqp_uri, "enrollment", new_event("student_enrolled", "enrollment", {
            "student_id": student_id, "student_number": "2027%04d" % number, "name": name,
            "programme_id": PROGRAMME["programme_id"], "programme_code": PROGRAMME["code"],
            "programme_kind": "order_class", "intake_year": 2027}))
    response = post(system, "/v1/certificates", officer, CERTIFICATE)
    assert response.status_code == 201, response.text
    exam = post(system, "/v1/exam-sessions", officer, {
        "certificate_code": "1X-IOT-01", "level": "junior", "site": "实训楼 A302",
        "exam_date": "2099-06-12", "registration_deadline": "2099-05-31", "capacity": 30})
    assert exam.status_code == 201, exam.text
    assert exam.headers["Location"] == "/v1/exam-sessions/%s" % exam.json()["id"]
    return exam.json()


def post(system, path, headers, body):
    return requests.post(system.url("gateway", path), json=body, headers=headers, timeout=15)


def get(system, path, headers=None):
    return requests.get(system.url("gateway", path), headers=headers or {}, timeout=15)


def test_enrolled_student_to_verified_credential_with_credits(system, officer, catalogue):
    student = system.user("wang.xiaoming", "student", student_id="stu-e2e-1")
    classmate = system.user("emily.chen", "student", student_id="stu-e2e-2")

    def register():  # enrollment's events reach the service asynchronously
        response = post(system, "/v1/exam-sessions/%s/registrations" % catalogue["id"],
                        student, {"candidate_id": "someone-else"})
        return response if response.status_code == 201 else None

    registration = wait_until(register, timeout=30, message="the student's registration").json()
    assert (registration["candidate_id"], registration["status"]) == ("stu-e2e-1", "registered")
    rule = post(system, "/v1/credit-rules", officer, {
        "programme_id": PROGRAMME["programme_id"], "certificate_code": "1X-IOT-01",
        "level": "junior", "credits": 4, "course_exemptions": ["IOT101"]})
    assert rule.status_code == 200, rule.text

    result = post(system, "/v1/registrations/%s/result" % registration["id"], officer,
                  {"theory": 78.5, "practical": 85})
    assert result.status_code == 200, result.text
    number = result.json()["certificate_number"]
    assert result.json()["result"]["passed"] is True

    # the student sees their own registration, result, certificate and credits
    mine = get(system, "/v1/registrations", student).json()
    assert [(r["id"], r["result"]["theory"]) for r in mine["items"]] == [
        (registration["id"], 78.5)]
    issued = get(system, "/v1/issued-certificates", student).json()["items"]
    assert [(c["certificate_number"], c["holder_name"]) for c in issued] == [(number, "王小明")]
    credits = wait_until(lambda: get(system, "/v1/students/stu-e2e-1/credits", student).json()
                         if get(system, "/v1/students/stu-e2e-1/credits", student)
                         .json()["total_credits"] else None, timeout=30,
                         message="the credits granted")
    assert (credits["total_credits"], credits["course_exemptions"]) == (4, ["IOT101"])
    download = get(system, "/v1/issued-certificates/%s/credential" % number, student)
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/vc"
    credential = download.json()
    assert credential["credentialSubject"]["achievement"]["humanCode"] == "1X-IOT-01"

    # ...and nobody else's
    assert get(system, "/v1/registrations/%s" % registration["id"], classmate).status_code == 404
    assert get(system, "/v1/issued-certificates/%s" % number, classmate).status_code == 404
    assert get(system, "/v1/students/stu-e2e-1/credits", classmate).status_code == 404
    assert get(system, "/v1/issued-certificates", classmate).json()["items"] == []
    assert post(system, "/v1/registrations/%s/result" % registration["id"], student,
                {"theory": 100, "practical": 100}).status_code == 403

    # anyone verifies, without logging in
    by_number = get(system, "/v1/public/certificates/%s" % number)
    assert by_number.status_code == 200
    assert (by_number.json()["status"], by_number.json()["proof_verified"]) == ("valid", True)
    verdict = post(system, "/v1/public/credentials/verify", {}, credential).json()
    assert (verdict["verified"], verdict["status"]) == (True, "valid")
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["result"][1]["value"] = "100"
    verdict = post(system, "/v1/public/credentials/verify", {}, tampered).json()
    assert (verdict["verified"], verdict["status"]) == (False, "invalid")

    revoked = post(system, "/v1/issued-certificates/%s/revocation" % number, officer,
                   {"reason": "考试作弊，成绩取消"})
    assert revoked.status_code == 200, revoked.text
    verdict = post(system, "/v1/public/credentials/verify", {}, credential).json()
    assert (verdict["verified"], verdict["status"]) == (False, "revoked")
    assert get(system, "/v1/public/certificates/%s" % number).json()["status"] == "revoked"
    status_list = get(system, "/v1/public/credential-status/revocation").json()
    assert status_list["credentialSubject"]["type"] == "BitstringStatusList"
    assert get(system, "/v1/students/stu-e2e-1/credits", student).json()["total_credits"] == 0
    metrics = scrape(system.url("certificates", ""))
    assert metric_value(metrics, "certificates_certificates_issued_total", level="junior") == 1
    assert metric_value(metrics, "certificates_credit_grants_total") == 1


def issue(system, officer, catalogue, student_id):
    """The officer registers ``student_id`` (once enrollment's event has arrived)
    and records a pass: the certificate's number."""
    registration = wait_until(lambda: (lambda r: r if r.status_code == 201 else None)(
        post(system, "/v1/exam-sessions/%s/registrations" % catalogue["id"], officer,
             {"candidate_id": student_id})), timeout=30, message="registering %s" % student_id)
    result = post(system, "/v1/registrations/%s/result" % registration.json()["id"], officer,
                  {"theory": 80, "practical": 80})
    assert result.status_code == 200, result.text
    return result.json()["certificate_number"]


def declared_properties(system, component):
    document = get(system, "/v1/openapi.json").json()
    return set(document["components"]["schemas"][component]["properties"])


def test_public_verification_without_a_token_shows_what_not_who(system, officer, catalogue):
    number = issue(system, officer, catalogue, "stu-e2e-2")
    credential = get(system, "/v1/issued-certificates/%s/credential" % number, officer).json()

    answer = get(system, "/v1/public/certificates/%s" % number)
    assert answer.status_code == 200, answer.text
    assert "Emily" not in answer.text and "stu-e2e-2" not in answer.text, answer.text
    facts = answer.json()
    assert (facts["status"], facts["title"], facts["level"], facts["issuer"]["name"]) == (
        "valid", "物联网安装调试与运维", "junior", "Modern Industrial College")
    assert facts["issued_on"] and facts["holder_name_matches"] is None
    assert set(facts) == declared_properties(system, "certificates.PublicCertificate")

    # the name, only as a yes or no to the name the verifier typed
    def check(body):
        return post(system, "/v1/public/certificates/%s/holder-check" % number, {}, body)

    assert check({"holder_name": "emily  chen"}).json()["holder_name_matches"] is True
    wrong = check({"holder_name": "王小明"})
    assert wrong.json()["holder_name_matches"] is False and "Emily" not in wrong.text
    missing = check({})
    assert missing.status_code == 400 and "holder_name" in missing.json()["errors"]

    revoked = post(system, "/v1/issued-certificates/%s/revocation" % number, officer,
                   {"reason": "成绩复核后取消"})
    assert revoked.json()["revocation_reason"] == "成绩复核后取消"  # staff still see why
    answer = get(system, "/v1/public/certificates/%s" % number)
    assert answer.json()["status"] == "revoked"
    assert "复核" not in answer.text and "Emily" not in answer.text, answer.text
    # who presents the credential holds its subject already: the answer may confirm it
    verdict = post(system, "/v1/public/credentials/verify", {}, credential)
    assert (verdict.json()["status"], verdict.json()["holder_name"]) == ("revoked", "Emily Chen")
    assert "复核" not in json.dumps(verdict.json(), ensure_ascii=False), verdict.text
    assert set(verdict.json()) == declared_properties(system, "certificates.CredentialVerdict")


def test_certificate_numbers_cannot_be_walked(system, officer, catalogue):
    for number, student_id in enumerate(("stu-e2e-3", "stu-e2e-4"), start=3):
        publish_event(system.amqp_uri, "enrollment", new_event(
            "student_enrolled", "enrollment", {
                "student_id": student_id, "student_number": "2027%04d" % number,
                "name": "学生%d" % number, "programme_id": PROGRAMME["programme_id"],
                "programme_code": PROGRAMME["code"], "programme_kind": "order_class",
                "intake_year": 2027}))
    first, second = (issue(system, officer, catalogue, s) for s in ("stu-e2e-3", "stu-e2e-4"))
    pattern = re.compile(r"^1X-IOT-01-J-\d{4}-(?:[0-9A-HJKMNP-TV-Z]{4}-){3}"
                         r"[0-9A-HJKMNP-TV-Z]{4}$")
    assert pattern.match(first) and pattern.match(second), (first, second)
    # consecutive issues differ in more than a counter: in the leading groups too
    assert first.split("-")[-4:-1] != second.split("-")[-4:-1], (first, second)

    # an unknown number answers the same 404 whether or not it is well-formed
    mistyped = second[:-1] + ("0" if second[-1] != "0" else "1")
    answers = [get(system, "/v1/public/certificates/%s" % unknown) for unknown in (
        mistyped, "1X-IOT-01-J-2027-000001", "1X-IOT-01-J-2027-ZZZZ-ZZZZ-ZZZZ-ZZZZ", "nope")]
    assert {answer.status_code for answer in answers} == {404}
    assert len({answer.text for answer in answers}) == 1, [a.text for a in answers]


def test_a_teacher_registers_themselves(system, officer, catalogue):
    publish_event(system.amqp_uri, "mentors", new_event("mentor_registered", "mentors", {
        "mentor_id": "men-teacher-9", "name": "孙老师", "kind": "teacher"}))
    teacher = system.user("sun.teacher", "teacher", mentor_id="men-teacher-9")
    unlinked = system.user("li.teacher", "teacher")
    assert post(system, "/v1/exam-sessions/%s/registrations" % catalogue["id"], unlinked,
                {}).status_code == 403
    registration = wait_until(lambda: post(
        system, "/v1/exam-sessions/%s/registrations" % catalogue["id"], teacher, {})
        .json().get("id"), timeout=30, message="the teacher's registration")
    cancelled = post(system, "/v1/registrations/%s/cancellation" % registration, teacher, {})
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/v1/certificates", {"code": "x", "levels": ["expert"]}),
    ("POST", "/v1/exam-sessions", {"certificate_code": "1X-IOT-01", "level": "junior",
                                   "site": "A302", "exam_date": "2099-06-01",
                                   "registration_deadline": "2099-07-01", "capacity": 0}),
    ("POST", "/v1/exam-sessions/{session}/registrations", {"candidate_id": ""}),
    ("POST", "/v1/registrations/any/result", {"theory": 120, "practical": "abc"}),
    ("POST", "/v1/exam-sessions/{session}/results", {"csv": "name,score\n王小明,80\n"}),
    ("POST", "/v1/exam-sessions/{session}/results", {"rows": []}),
    ("POST", "/v1/issued-certificates/any/revocation", {"reason": ""}),
    ("POST", "/v1/credit-rules", {"programme_id": "prog-iot-2027", "level": "master"}),
    ("POST", "/v1/credit-rules/preview", {"credits": -1}),
    ("POST", "/v1/public/credentials/verify", ["not", "a", "credential"]),
    ("GET", "/v1/exam-sessions?limit=1000&level=expert", None),
    ("GET", "/v1/registrations?status=lost", None),
    ("GET", "/v1/issued-certificates?offset=-1", None),
    ("GET", "/v1/credit-rules?limit=zero", None),
    ("GET", "/v1/students/stu-e2e-1/credits?limit=0", None),
])
def test_invalid_input_is_400_with_field_errors(system, officer, catalogue, method, path, body):
    url = system.url("gateway", path.format(session=catalogue["id"]))
    response = requests.request(method, url, json=body, headers=officer, timeout=15)
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["errors"]


def test_unknown_things_are_404_and_a_non_json_body_is_400(system, officer, catalogue):
    for path in ("/v1/exam-sessions/nope", "/v1/registrations/nope",
                 "/v1/issued-certificates/nope", "/v1/public/certificates/nope"):
        assert get(system, path, officer).status_code == 404, path
    assert post(system, "/v1/registrations/nope/result", officer,
                {"theory": 70, "practical": 70}).status_code == 404
    raw = requests.post(system.url("gateway", "/v1/public/credentials/verify"), data="{oops",
                        timeout=15)
    assert raw.status_code == 400


def test_a_competition_award_earns_credits_and_a_certificate_until_it_is_withdrawn(
        system, officer, catalogue):
    for number, (student_id, name) in enumerate((("stu-e2e-5", "刘洋"), ("stu-e2e-6", "陈静")),
                                                start=5):
        publish_event(system.amqp_uri, "enrollment", new_event("student_enrolled", "enrollment", {
            "student_id": student_id, "student_number": "2027%04d" % number, "name": name,
            "programme_id": PROGRAMME["programme_id"], "programme_code": PROGRAMME["code"],
            "programme_kind": "order_class", "intake_year": 2027}))
    winner = system.user("liu.yang", "student", student_id="stu-e2e-5")
    classmate = system.user("chen.jing", "student", student_id="stu-e2e-6")
    rule = post(system, "/v1/award-credit-rules", officer, {
        "programme_id": PROGRAMME["programme_id"], "competition_level": "national",
        "award": "first", "credits": 3, "course_exemptions": ["IOT201"],
        "exam_stand_in": {"certificate_code": "1x-iot-01", "level": "intermediate"}})
    assert rule.status_code == 200, rule.text
    created = post(system, "/v1/competitions", officer, {
        "name": "全国职业院校技能大赛 物联网技术应用", "level": "national", "organiser": "教育部",
        "held_on": "2027-05-20", "courses": ["IOT101"],
        "certificates": [{"code": "1X-IOT-01", "level": "intermediate"}]})
    assert created.status_code == 201, created.text
    competition = created.json()
    assert created.headers["Location"] == "/v1/competitions/%s" % competition["id"]
    entries_path = "/v1/competitions/%s/entries" % competition["id"]
    assert post(system, entries_path, officer, {"kind": "team", "student_ids": [
        "stu-e2e-5", "stu-e2e-6"]}).json()["errors"] == {"team_name": ["A team needs a name."]}
    entries = [wait_until(lambda: (lambda r: r.json() if r.status_code == 201 else None)(
        post(system, entries_path, officer, {"kind": "individual", "student_ids": [s]})),
        timeout=30, message="entering %s" % s) for s in ("stu-e2e-5", "stu-e2e-6")]

    report = post(system, "/v1/competitions/%s/results" % competition["id"], officer, {
        "results": [{"entry_id": entries[0]["id"], "award": "first", "rank": 1},
                    {"entry_id": entries[1]["id"], "award": "none"}]})
    assert report.status_code == 200, report.text
    assert [row["outcome"] for row in report.json()["rows"]] == ["awarded", "no award"]
    award_id = report.json()["rows"][0]["award_ids"][0]

    mine = get(system, "/v1/awards", winner).json()["items"]
    assert [(a["id"], a["award"], a["level"]) for a in mine] == [(award_id, "first", "national")]
    number = mine[0]["certificate_number"]
    assert get(system, "/v1/awards/%s" % award_id, classmate).status_code == 404
    assert get(system, "/v1/awards", classmate).json()["items"] == []
    assert [e["id"] for e in get(system, entries_path, classmate).json()["items"]] == [
        entries[1]["id"]]
    issued = get(system, "/v1/issued-certificates/%s" % number, winner).json()
    assert (issued["level"], issued["basis"]) == (
        "intermediate", {"kind": "award", "award_id": award_id})
    credential = get(system, "/v1/issued-certificates/%s/credential" % number, winner).json()
    assert "urn:college:award:%s" % award_id in [e["id"] for e in credential["evidence"]]
    assert post(system, "/v1/public/credentials/verify", {}, credential).json()["verified"]
    credits = get(system, "/v1/students/stu-e2e-5/credits", winner).json()
    assert (credits["total_credits"], credits["grants"][0]["award_id"]) == (3, award_id)
    export = get(system, "/v1/awards?format=csv&level=national", officer)
    assert export.status_code == 200
    assert "全国职业院校技能大赛" in export.content.decode("utf-8-sig")

    withdrawn = post(system, "/v1/awards/%s/withdrawal" % award_id, officer,
                     {"reason": "违规使用外部设备"})
    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
    assert post(system, "/v1/awards/%s/withdrawal" % award_id, officer,
                {"reason": "again"}).status_code == 409
    assert get(system, "/v1/public/certificates/%s" % number).json()["status"] == "revoked"
    assert get(system, "/v1/students/stu-e2e-5/credits", winner).json()["total_credits"] == 0
