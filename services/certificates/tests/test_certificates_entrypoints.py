"""The certificates service in a container against the real broker and database:
registration under concurrency, results, issuance, revocation and credits."""
import json
import re
import secrets

import eventlet
import pytest
from nameko import config
from nameko.standalone.rpc import ServiceRpcClient
from test_certificates_credentials import independently_verified

from certificates import domain
from certificates.credentials import decode_status_list, status_bit
from certificates.service import CertificatesService
from college_platform.envelope import new_event
from college_platform.errors import Conflict, InvalidInput, NotFound
from testkit.amqp import bind_probe_queue, drain, publish_event
from testkit.calls import call
from testkit.outbox import announced
from testkit.servers import wait_until

# Ed25519 seeds, base64url, fresh for every run
SIGNING_KEYS = "2027-01:" + secrets.token_urlsafe(32)
IOT = {"code": "1X-IOT-01", "title": "物联网安装调试与运维", "organisation": "新大陆教育",
       "levels": ["junior", "intermediate"],
       "alignment": {"programmes": ["IOT-2027"], "courses": ["IOT101"], "competitions": []},
       "pass_rule": {"theory_min": 60, "practical_min": 70}}
SESSION = {"certificate_code": "1X-IOT-01", "level": "junior", "site": "实训楼 A302",
           "exam_date": "2027-06-12", "registration_deadline": "2027-05-31", "capacity": 3}
PROGRAMME_ID = "prog-iot-2027"
# code, level initial, year, then 15 random base32 characters and a check character
NEW_NUMBER = re.compile(r"^1X-IOT-01-J-2027-(?:[0-9A-HJKMNP-TV-Z]{4}-){3}[0-9A-HJKMNP-TV-Z]{4}$")


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


def enrol(amqp_uri, database, students, programme_code="IOT-2027"):
    publish_event(amqp_uri, "enrollment", new_event("programme_created", "enrollment", {
        "programme_id": PROGRAMME_ID, "code": programme_code, "name": "物联网应用技术订单班",
        "kind": "order_class", "intake_year": 2027, "capacity": 40}))
    for number, (student_id, name) in enumerate(students, start=1):
        publish_event(amqp_uri, "enrollment", new_event("student_enrolled", "enrollment", {
            "student_id": student_id, "student_number": "2027%04d" % number, "name": name,
            "programme_id": PROGRAMME_ID, "programme_code": programme_code,
            "programme_kind": "order_class", "intake_year": 2027}))
    candidates = database("certificates").candidates
    wait_until(lambda: candidates.count_documents({}) == len(students)
               and database("certificates").programmes.find_one({"_id": PROGRAMME_ID}),
               timeout=30, message="the students' local copies")


STUDENTS = [("stu-%02d" % i, name) for i, name in enumerate(
    ["王小明", "李华", "张伟", "Emily Chen", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰"])]


def test_concurrent_registrations_never_pass_capacity_and_the_waiting_list_moves_up(
        certificates, amqp_uri, database):
    enrol(amqp_uri, database, STUDENTS)
    exam = call(certificates, "create_session", SESSION)

    def register(student):
        # a client per caller: real concurrent RPCs, each answered by its own worker
        with ServiceRpcClient("certificates") as client:
            return client.register(exam["id"], {"candidate_id": student[0]})

    pool = eventlet.GreenPool(len(STUDENTS))
    outcomes = list(pool.imap(register, STUDENTS))

    registered = [r for r in outcomes if r["status"] == "registered"]
    waitlisted = sorted((r for r in outcomes if r["status"] == "waitlisted"),
                        key=lambda r: r["waitlist_position"])
    assert len(registered) == 3
    assert [r["waitlist_position"] for r in waitlisted] == list(range(1, 8))
    assert call(certificates, "get_session", exam["id"])["seats_taken"] == 3
    stored = database("certificates").registrations
    assert stored.count_documents({"session_id": exam["id"], "status": "registered"}) == 3

    call(certificates, "cancel_registration", registered[0]["id"])
    first_waiting = call(certificates, "get_registration", waitlisted[0]["id"])
    assert (first_waiting["status"], first_waiting["waitlist_position"]) == ("registered", None)
    assert call(certificates, "get_session", exam["id"])["seats_taken"] == 3
    with pytest.raises(Conflict):
        call(certificates, "cancel_registration", registered[0]["id"])
    with pytest.raises(Conflict):  # one live registration per candidate and session
        register(STUDENTS[1] if STUDENTS[1][0] != registered[0]["candidate_id"] else STUDENTS[2])
    # the cancelled candidate may register again, and joins the end of the queue
    again = register(next(s for s in STUDENTS if s[0] == registered[0]["candidate_id"]))
    assert (again["status"], again["waitlist_position"]) == ("waitlisted", 8)


def test_only_eligible_candidates_register(certificates, amqp_uri, database):
    enrol(amqp_uri, database, STUDENTS[:1])
    exam = call(certificates, "create_session", SESSION)
    with pytest.raises(InvalidInput) as caught:
        call(certificates, "register", exam["id"], {"candidate_id": "nobody"})
    assert "candidate_id" in caught.value.errors
    publish_event(amqp_uri, "enrollment", new_event("enrolment_status_changed", "enrollment", {
        "student_id": "stu-00", "programme_id": PROGRAMME_ID, "previous_status": "active",
        "status": "suspended", "reason": "休学"}))
    wait_until(lambda: database("certificates").candidates.find_one(
        {"_id": "stu-00", "status": "suspended"}), timeout=30, message="the status change")
    with pytest.raises(InvalidInput) as caught:
        call(certificates, "register", exam["id"], {"candidate_id": "stu-00"})
    assert "suspended" in caught.value.errors["candidate_id"][0]

    publish_event(amqp_uri, "enrollment", new_event("programme_created", "enrollment", {
        "programme_id": "prog-acc-2027", "code": "ACC-2027", "name": "大数据与会计",
        "kind": "joint_major", "intake_year": 2027, "capacity": 60}))
    wait_until(lambda: database("certificates").programmes.find_one({"_id": "prog-acc-2027"}),
               timeout=30, message="the second programme")
    publish_event(amqp_uri, "enrollment", new_event("enrolment_status_changed", "enrollment", {
        "student_id": "stu-00", "programme_id": "prog-acc-2027", "previous_status": "suspended",
        "status": "active", "from_programme_id": PROGRAMME_ID}))
    wait_until(lambda: database("certificates").candidates.find_one(
        {"_id": "stu-00", "status": "active", "programme_code": "ACC-2027"}), timeout=30,
        message="the transfer")
    with pytest.raises(InvalidInput) as caught:
        call(certificates, "register", exam["id"], {"candidate_id": "stu-00"})
    assert "ACC-2027 is not aligned" in caught.value.errors["candidate_id"][0]

    publish_event(amqp_uri, "mentors", new_event("mentor_registered", "mentors", {
        "mentor_id": "men-teacher-1", "name": "孙老师", "kind": "teacher"}))
    wait_until(lambda: database("certificates").candidates.find_one({"_id": "men-teacher-1"}),
               timeout=30, message="the teacher's local copy")
    teacher = call(certificates, "register", exam["id"], {"candidate_id": "men-teacher-1"})
    assert (teacher["candidate_kind"], teacher["status"]) == ("teacher", "registered")
    with pytest.raises(NotFound):
        call(certificates, "register", "no-such-session", {"candidate_id": "men-teacher-1"})


def test_a_pass_issues_a_credential_grants_credits_once_and_revocation_reverses_them(
        certificates, amqp_uri, database):
    enrol(amqp_uri, database, STUDENTS[:3])
    for credit_event in ("credits_granted", "credits_reversed"):
        bind_probe_queue(amqp_uri, "certificates", credit_event, "probe-credits")
    publish_event(amqp_uri, "projects", new_event("project_completed", "projects", {
        "project_id": "proj-1", "enterprise_id": "ent-1", "on_time": True,
        "grades": [{"student_id": "stu-00", "grade": 91}],
        "evidence": [{"student_id": "stu-00", "deliverable_id": "d-7",
                      "url": "https://projects.example.edu/deliverables/d-7"}]}))
    wait_until(lambda: database("certificates").evidence.find_one({"student_id": "stu-00"}),
               timeout=30, message="the evidence copy")
    call(certificates, "set_credit_rule", {
        "programme_id": PROGRAMME_ID, "certificate_code": "1X-IOT-01", "level": "junior",
        "credits": 4, "course_exemptions": ["IOT101"]})
    exam = call(certificates, "create_session", {**SESSION, "capacity": 10})
    registrations = [call(certificates, "register", exam["id"], {"candidate_id": s[0]})
                     for s in STUDENTS[:3]]

    report = call(certificates, "import_results", exam["id"], {"csv": (
        "candidate_id,theory,practical\n"
        "stu-00,78.5,85\n"        # pass
        "stu-01,90,65\n"          # practical below 70: fail
        "stu-99,80,80\n"          # not registered
        "stu-02,abc,80\n")})      # unreadable
    assert [(row["row"], row["status"]) for row in report["rows"]] == [
        (2, "recorded"), (3, "recorded"), (4, "rejected"), (5, "rejected")]
    assert (report["recorded"], report["rejected"]) == (2, 2)
    assert report["rows"][1]["passed"] is False
    assert "theory" in report["rows"][3]["errors"]
    number = report["rows"][0]["certificate_number"]
    assert NEW_NUMBER.match(number), number
    with pytest.raises(Conflict):
        call(certificates, "record_result", registrations[0]["id"],
             {"theory": 99, "practical": 99})

    credential = call(certificates, "get_credential", number)
    assert credential["evidence"][0]["id"] == "https://projects.example.edu/deliverables/d-7"
    assert call(certificates, "verify_credential", credential)["verified"] is True
    assert independently_verified(credential)  # cryptography + rfc8785, not our signing code

    account = wait_until(lambda: call(certificates, "credit_account",
                                      {"student_id": "stu-00"})["grants"] and
                         call(certificates, "credit_account", {"student_id": "stu-00"}),
                         timeout=30, message="the credit grant")
    assert (account["total_credits"], account["course_exemptions"]) == (4, ["IOT101"])

    # certificate_issued delivered again, as itself and as a second event for the number
    issued_event = announced(database("certificates").outbox, "certificate_issued")[0]
    publish_event(amqp_uri, "certificates", issued_event)
    publish_event(amqp_uri, "certificates", {**new_event(
        "certificate_issued", "certificates", issued_event["data"])})
    inbox = database("certificates").inbox
    wait_until(lambda: inbox.count_documents(
        {"consumer": "certificates.on_certificate_issued"}) == 2,
        timeout=30, message="both deliveries handled")
    account = call(certificates, "credit_account", {"student_id": "stu-00"})
    assert account["total_credits"] == 4
    assert [entry["kind"] for entry in account["ledger"]["items"]] == ["grant"]

    call(certificates, "revoke", number, {"reason": "考试作弊，成绩取消"})
    verdict = call(certificates, "verify_credential", credential)
    assert (verdict["verified"], verdict["status"]) == (False, "revoked")
    assert "作弊" not in json.dumps(verdict, ensure_ascii=False)
    assert call(certificates, "get_issued", number)["revocation_reason"] == "考试作弊，成绩取消"
    assert call(certificates, "verify_number", number)["status"] == "revoked"
    account = call(certificates, "credit_account", {"student_id": "stu-00"})
    assert account["total_credits"] == 0
    assert [entry["kind"] for entry in account["ledger"]["items"]] == ["reversal", "grant"]
    with pytest.raises(Conflict):
        call(certificates, "revoke", number, {"reason": "again"})

    status_list = call(certificates, "status_list")
    index = int(credential["credentialStatus"]["statusListIndex"])
    assert status_bit(decode_status_list(status_list["credentialSubject"]["encodedList"]),
                      index)
    published = []
    wait_until(lambda: published.extend(drain(amqp_uri, "probe-credits")) or len(published) >= 2,
               timeout=30, message="the credit events")
    assert [(body["type"], body["data"]["credits"]) for body, _ in published] == [
        ("credits_granted", 4), ("credits_reversed", 4)]


def test_a_rule_change_is_previewed_then_applied_to_every_holder(
        certificates, amqp_uri, database):
    enrol(amqp_uri, database, STUDENTS[:2])
    exam = call(certificates, "create_session", {**SESSION, "capacity": 10})
    for student_id, _ in STUDENTS[:2]:
        registration = call(certificates, "register", exam["id"], {"candidate_id": student_id})
        call(certificates, "record_result", registration["id"], {"theory": 80, "practical": 80})
    rule = {"programme_id": PROGRAMME_ID, "certificate_code": "1x-iot-01", "level": "junior",
            "credits": 2}

    preview = call(certificates, "preview_credit_rule", rule)
    assert sorted((c["student_id"], c["change"]) for c in preview["changes"]) == [
        ("stu-00", "grant"), ("stu-01", "grant")]
    assert call(certificates, "credit_account", {"student_id": "stu-00"})["grants"] == []

    applied = call(certificates, "set_credit_rule", rule)
    assert applied["rule"]["version"] == 1 and len(applied["changes"]) == 2
    preview = call(certificates, "preview_credit_rule", {**rule, "credits": 3})
    assert [(c["change"], c["current"]["credits"], c["proposed"]["credits"])
            for c in preview["changes"]] == [("adjust", 2, 3)] * 2
    call(certificates, "set_credit_rule", {**rule, "credits": 3})
    account = call(certificates, "credit_account", {"student_id": "stu-01"})
    assert account["total_credits"] == 3
    assert [(e["kind"], e["credits"]) for e in account["ledger"]["items"]] == [
        ("grant", 3), ("reversal", 2), ("grant", 2)]
    with pytest.raises(InvalidInput) as caught:
        call(certificates, "preview_credit_rule", {**rule, "programme_id": "unknown"})
    assert "programme_id" in caught.value.errors


def test_a_rule_concerning_more_holders_than_one_change_takes_is_refused_not_cut_short(
        certificates, amqp_uri, database, monkeypatch):
    monkeypatch.setattr(domain, "MAX_REEVALUATED_HOLDERS", 1)
    enrol(amqp_uri, database, STUDENTS[:2])
    exam = call(certificates, "create_session", {**SESSION, "capacity": 10})
    for student_id, _ in STUDENTS[:2]:
        registration = call(certificates, "register", exam["id"], {"candidate_id": student_id})
        call(certificates, "record_result", registration["id"], {"theory": 80, "practical": 80})
    with pytest.raises(Conflict, match="more than 1 holders"):
        call(certificates, "preview_credit_rule", {
            "programme_id": PROGRAMME_ID, "certificate_code": "1x-iot-01", "level": "junior",
            "credits": 2})


def test_after_a_key_rotation_earlier_credentials_still_verify(
        start_service, amqp_uri, database):
    old_key = "2026-09:" + secrets.token_urlsafe(32)
    new_key = "2027-06:" + secrets.token_urlsafe(32)

    def start(keys):
        with config.patch({"CERTIFICATE_SIGNING_KEYS": keys,
                           "CLOCK_NOW": "2027-05-10T09:00:00+08:00"}):
            return start_service(CertificatesService)

    def pass_exam(container, student_id):
        exam = call(container, "create_session", {**SESSION, "capacity": 10})
        registration = call(container, "register", exam["id"], {"candidate_id": student_id})
        return call(container, "record_result", registration["id"],
                    {"theory": 88, "practical": 91})["certificate_number"]

    before = start(old_key)
    call(before, "add_certificate", IOT)
    enrol(amqp_uri, database, STUDENTS[:2])
    old_number = pass_exam(before, "stu-00")
    old_credential = call(before, "get_credential", old_number)
    before.stop()

    after = start("%s,%s" % (new_key, old_key))
    new_number = pass_exam(after, "stu-01")
    assert call(after, "get_issued", old_number)["signed_with"] == "2026-09"
    assert call(after, "get_issued", new_number)["signed_with"] == "2027-06"
    assert call(after, "verify_credential", old_credential)["verified"] is True
    assert call(after, "verify_number", old_number)["proof_verified"] is True
    assert [key["key_id"] for key in call(after, "verification_keys")["keys"]] == [
        "2027-06", "2026-09"]
    after.stop()

    withdrawn = start(new_key)  # a compromised key is withdrawn: what it signed fails
    verdict = call(withdrawn, "verify_credential", old_credential)
    assert (verdict["verified"], verdict["status"]) == (False, "invalid")


def test_a_class_registered_at_once_fills_the_seats_then_the_waiting_list(
        certificates, amqp_uri, database):
    enrol(amqp_uri, database, STUDENTS[:5])
    exam = call(certificates, "create_session", SESSION)
    call(certificates, "register", exam["id"], {"candidate_id": "stu-00"})
    group = [s[0] for s in STUDENTS[:5]] + ["nobody"]
    report = call(certificates, "register_group", exam["id"], {"candidate_ids": group})

    assert (report["registered"], report["waitlisted"], report["duplicates"],
            report["rejected"]) == (2, 2, 1, 1)
    by_candidate = {entry["candidate_id"]: entry for entry in report["report"]}
    assert by_candidate["stu-00"]["status"] == "duplicate"
    assert [by_candidate["stu-%02d" % i]["status"] for i in (1, 2, 3, 4)] == [
        "registered", "registered", "waitlisted", "waitlisted"]
    assert [by_candidate["stu-%02d" % i]["waitlist_position"] for i in (3, 4)] == [1, 2]
    assert "not a known student" in by_candidate["nobody"]["errors"]["candidate_id"][0]
    assert call(certificates, "get_session", exam["id"])["seats_taken"] == 3

    again = call(certificates, "register_group", exam["id"], {"candidate_ids": group})
    assert (again["registered"], again["waitlisted"], again["duplicates"]) == (0, 0, 5)
    assert database("certificates").registrations.count_documents({}) == 5
    with pytest.raises(InvalidInput):
        call(certificates, "register_group", exam["id"], {"candidate_ids": []})


def test_a_class_imported_twice_at_once_has_each_result_recorded_and_issued_once(
        certificates, amqp_uri, database):
    enrol(amqp_uri, database, STUDENTS)
    exam = call(certificates, "create_session", {**SESSION, "capacity": len(STUDENTS)})
    group = call(certificates, "register_group", exam["id"],
                 {"candidate_ids": [s[0] for s in STUDENTS]})
    assert group["registered"] == len(STUDENTS)
    outbox = database("certificates").outbox
    assert len(announced(outbox, "exam_registered")) == len(STUDENTS)
    # theory 80 for all; a practical of 70 or more passes (the even ones)
    csv = "candidate_id,theory,practical\n" + "".join(
        "%s,80,%d\n" % (student_id, 90 if number % 2 == 0 else 50)
        for number, (student_id, _) in enumerate(STUDENTS))

    def import_results(_):
        with ServiceRpcClient("certificates") as client:
            return client.import_results(exam["id"], {"csv": csv})

    reports = list(eventlet.GreenPool(2).imap(import_results, range(2)))
    for rows in zip(*(report["rows"] for report in reports)):
        assert sorted(row["status"] for row in rows) == ["recorded", "rejected"], rows
        refused = next(row for row in rows if row["status"] == "rejected")
        assert "recorded" in refused["errors"]["_row"][0], refused
    passes = len(STUDENTS[::2])
    assert sum(report["recorded"] for report in reports) == len(STUDENTS)
    issued = list(database("certificates").issued.find())
    assert len(issued) == passes
    assert len({item["status_index"] for item in issued}) == passes
    registrations = {r["candidate_id"]: r for r in database("certificates").registrations.find()}
    assert {item["registration_id"] for item in issued} == {
        registrations[s[0]]["_id"] for s in STUDENTS[::2]}
    assert all(registrations[s[0]]["certificate_number"] for s in STUDENTS[::2])
    assert not any(registrations[s[0]]["certificate_number"] for s in STUDENTS[1::2])
    assert len(announced(outbox, "certificate_issued")) == passes
    assert len(announced(outbox, "result_recorded")) == len(STUDENTS)
    for item in issued:
        credential = call(certificates, "get_credential", item["_id"])
        assert call(certificates, "verify_credential", credential)["verified"] is True

    again = call(certificates, "import_results", exam["id"], {"csv": csv})
    assert (again["recorded"], again["rejected"]) == (0, len(STUDENTS))
    assert database("certificates").issued.count_documents({}) == passes


def test_public_verification_shows_what_not_who_and_numbers_cannot_be_walked(
        certificates, amqp_uri, database):
    enrol(amqp_uri, database, STUDENTS[:2])
    exam = call(certificates, "create_session", {**SESSION, "capacity": 10})
    numbers = []
    for student_id, _ in STUDENTS[:2]:
        registration = call(certificates, "register", exam["id"], {"candidate_id": student_id})
        numbers.append(call(certificates, "record_result", registration["id"],
                            {"theory": 80, "practical": 80})["certificate_number"])
    # two consecutive issues: each number its own random token, not a counter apart
    assert all(NEW_NUMBER.match(number) for number in numbers), numbers
    tokens = [number[len("1X-IOT-01-J-2027-"):] for number in numbers]
    assert tokens[0][:14] != tokens[1][:14], tokens

    call(certificates, "revoke", numbers[0], {"reason": "考试作弊，成绩取消"})
    answer = call(certificates, "verify_number", numbers[0])
    assert (answer["status"], answer["title"], answer["level"]) == (
        "revoked", "物联网安装调试与运维", "junior")
    leaked = json.dumps(answer, ensure_ascii=False)
    assert "王小明" not in leaked and "作弊" not in leaked and "stu-00" not in leaked, leaked
    # who presents the credential already holds its subject: the answer may confirm it
    verdict = call(certificates, "verify_credential",
                   call(certificates, "get_credential", numbers[0]))
    assert (verdict["status"], verdict["holder_name"]) == ("revoked", "王小明")
    assert "作弊" not in json.dumps(verdict, ensure_ascii=False)

    # the holder's name only as a yes or no to a name the verifier supplies
    assert call(certificates, "verify_number", numbers[1])["holder_name_matches"] is None
    assert call(certificates, "verify_number", numbers[1],
                {"holder_name": "李华"})["holder_name_matches"] is True
    assert call(certificates, "verify_number", numbers[1],
                {"holder_name": "王小明"})["holder_name_matches"] is False
    with pytest.raises(InvalidInput) as caught:
        call(certificates, "verify_number", numbers[1], {"holder_name": ""})
    assert "holder_name" in caught.value.errors

    # a number issued before the change is a stored id and keeps verifying
    issued = database("certificates").issued
    issued.insert_one({**issued.find_one({"_id": numbers[1]}), "_id": "1X-IOT-01-J-2026-000007",
                       "status_index": 99999})
    assert call(certificates, "verify_number", "1x-iot-01-j-2026-000007")["status"] == "valid"

    # an unknown number, well-formed or not, is the same 404
    unknown = domain.certificate_number("1X-IOT-01", "junior", 2027)
    mistyped = numbers[1][:-1] + ("0" if numbers[1][-1] != "0" else "1")
    details = set()
    for number in (unknown, mistyped, "1X-IOT-01-J-2026-000008", "nope", "x" * 300):
        with pytest.raises(NotFound) as caught:
            call(certificates, "verify_number", number)
        details.add(caught.value.detail)
    assert len(details) == 1 and "nope" not in details.pop()


def test_a_certificate_valid_for_some_years_is_expired_after_them(
        certificates, amqp_uri, database):
    enrol(amqp_uri, database, STUDENTS[:1])
    call(certificates, "add_certificate", {**IOT, "code": "1X-IOT-02", "validity_years": 3})
    exam = call(certificates, "create_session", {**SESSION, "certificate_code": "1X-IOT-02"})
    registration = call(certificates, "register", exam["id"], {"candidate_id": "stu-00"})
    number = call(certificates, "record_result", registration["id"],
                  {"theory": 80, "practical": 80})["certificate_number"]
    credential = call(certificates, "get_credential", number)
    assert credential["validUntil"] == "2030-05-10T15:59:59Z"  # 23:59:59 at +08:00
    answer = call(certificates, "verify_number", number)
    assert (answer["status"], answer["valid_until"]) == ("valid", "2030-05-10")
    with config.patch({"CLOCK_NOW": "2030-05-11T09:00:00+08:00"}):
        assert call(certificates, "verify_number", number)["status"] == "expired"
        verdict = call(certificates, "verify_credential", credential)
    assert (verdict["verified"], verdict["status"]) == (False, "expired")
    assert verdict["problems"] == ["the certificate expired after 2030-05-10"]
