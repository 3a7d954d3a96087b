"""The read-model RPCs (docs/views.md) of the certificates service in a
container on the real broker and database, over registrations, results,
certificates and credits made through its own RPCs and events."""
import pytest
from nameko import config
from nameko.standalone.rpc import ServiceRpcClient
from test_certificates_entrypoints import IOT, PROGRAMME_ID, SESSION, SIGNING_KEYS

from certificates.service import CertificatesService
from college_platform.envelope import new_event
from college_platform.errors import InvalidInput
from testkit.amqp import publish_event
from testkit.calls import call
from testkit.servers import wait_until

# two students sponsored by enterprise p-1, one without a sponsor, and a teacher
STUDENTS = [("stu-1", "王小明", "p-1"), ("stu-2", "李华", "p-1"), ("stu-3", "张伟", None)]
TEACHER = {"mentor_id": "men-t-1", "name": "孙老师", "kind": "teacher"}


@pytest.fixture
def certificates(start_service, service_config, database):
    amqp_uri = service_config["AMQP_URI"]
    with config.patch({"CERTIFICATE_SIGNING_KEYS": SIGNING_KEYS,
                       "CLOCK_NOW": "2027-05-10T09:00:00+08:00"}):
        container = start_service(CertificatesService)
        call(container, "add_certificate", IOT)
        publish_event(amqp_uri, "enrollment", new_event("programme_created", "enrollment", {
            "programme_id": PROGRAMME_ID, "code": "IOT-2027", "name": "物联网应用技术订单班",
            "kind": "order_class", "intake_year": 2027, "capacity": 40}))
        for number, (student_id, name, partner_id) in enumerate(STUDENTS, start=1):
            publish_event(amqp_uri, "enrollment", new_event("student_enrolled", "enrollment", {
                "student_id": student_id, "student_number": "2027%04d" % number, "name": name,
                "programme_id": PROGRAMME_ID, "programme_code": "IOT-2027",
                "programme_kind": "order_class", "partner_id": partner_id,
                "intake_year": 2027}))
        publish_event(amqp_uri, "mentors", new_event("mentor_registered", "mentors", TEACHER))
        db = database("certificates")
        wait_until(lambda: db.candidates.count_documents({}) == 4
                   and db.programmes.find_one({"_id": PROGRAMME_ID}),
                   timeout=30, message="the candidates' local copies")
        yield container


def read_model(method, *args):
    # through the broker, as the gateway asks: the answer must be plain JSON
    with ServiceRpcClient("certificates") as client:
        return getattr(client, method)(*args)


def credits_converted(rows, enterprise_id="p-1"):
    return sum(row["value"] for row in rows if row["metric"] == "credits_converted"
               and (row["programme_id"], row["enterprise_id"]) == (PROGRAMME_ID, enterprise_id))


def test_the_parts_and_facts_follow_results_credits_and_a_revocation(certificates):
    call(certificates, "set_credit_rule", {
        "programme_id": PROGRAMME_ID, "certificate_code": "1X-IOT-01", "level": "junior",
        "credits": 4, "course_exemptions": ["IOT101"]})
    exam = call(certificates, "create_session", {**SESSION, "capacity": 10})
    registered = {candidate: call(certificates, "register", exam["id"],
                                  {"candidate_id": candidate})
                  for candidate in ("stu-1", "stu-2", "stu-3", "men-t-1")}
    call(certificates, "cancel_registration", registered["stu-3"]["id"])
    passed = call(certificates, "record_result", registered["stu-1"]["id"],
                  {"theory": 78.5, "practical": 85})
    call(certificates, "record_result", registered["stu-2"]["id"],
         {"theory": 90, "practical": 65})  # practical below 70: failed
    call(certificates, "record_result", registered["men-t-1"]["id"],
         {"theory": 88, "practical": 90})
    number = passed["certificate_number"]
    wait_until(lambda: call(certificates, "credit_account", {"student_id": "stu-1"})["grants"],
               timeout=30, message="the credit grant")

    answer = read_model("student_summaries", ["stu-1", "stu-3", "nobody"])
    assert answer["nobody"] == {}
    part = answer["stu-1"]
    assert [(r["registration_id"], r["status"]) for r in part["registrations"]] == [
        (registered["stu-1"]["id"], "registered")]
    assert [(r["certificate_code"], r["level"], r["theory"], r["practical"], r["passed"],
             r["certificate_number"]) for r in part["results"]] == [
        ("1X-IOT-01", "junior", 78.5, 85.0, True, number)]
    assert part["certificates"] == [{
        "certificate_id": number, "number": number, "certificate_code": "1X-IOT-01",
        "level": "junior", "issued_on": "2027-05-10", "status": "valid"}]
    assert part["credits"] == {"total": 4, "grants": [{
        "certificate_number": number, "award_id": None, "programme_id": PROGRAMME_ID,
        "credits": 4, "course_exemptions": ["IOT101"]}]}
    assert part["awards"] == []
    assert answer["stu-3"] == {
        "registrations": [answer["stu-3"]["registrations"][0]], "results": [],
        "certificates": [], "credits": {"total": 0, "grants": []}, "awards": []}
    assert answer["stu-3"]["registrations"][0]["status"] == "cancelled"

    assert read_model("enterprise_summaries", ["p-1", "p-9"]) == {
        "p-1": {"students_certified": 1, "certificates_issued": 1}, "p-9": {}}

    rows = read_model("indicator_facts")
    facts = {(r["metric"], r["term"], r["programme_id"], r["enterprise_id"], r["breakdown"]):
             r["value"] for r in rows if r["metric"] != "credits_converted"}
    # the exam is on 12 June 2027; the cancelled registration is not counted
    assert facts == {
        ("registrations", "2027-spring", PROGRAMME_ID, "p-1", "1X-IOT-01/junior"): 2,
        ("results_total", "2027-spring", PROGRAMME_ID, "p-1", "1X-IOT-01/junior"): 2,
        ("results_passed", "2027-spring", PROGRAMME_ID, "p-1", "1X-IOT-01/junior"): 1,
        ("registrations", "2027-spring", None, None, "1X-IOT-01/junior"): 1,
        ("results_total", "2027-spring", None, None, "1X-IOT-01/junior"): 1,
        ("results_passed", "2027-spring", None, None, "1X-IOT-01/junior"): 1,
    }
    assert credits_converted(rows) == 4

    call(certificates, "revoke", number, {"reason": "考试作弊，成绩取消"})
    part = read_model("student_summaries", ["stu-1"])["stu-1"]
    assert part["certificates"][0]["status"] == "revoked"
    assert part["credits"] == {"total": 0, "grants": []}
    assert read_model("enterprise_summaries", ["p-1"])["p-1"] == {
        "students_certified": 0, "certificates_issued": 0}
    assert credits_converted(read_model("indicator_facts")) == 0  # granted net of reversals


def test_at_most_200_ids_are_answered_each_one_a_key(certificates):
    ids = ["stu-1"] + ["unknown-%d" % i for i in range(199)]
    for method in ("student_summaries", "enterprise_summaries"):
        answer = call(certificates, method, ids)
        assert sorted(answer) == sorted(ids)
        assert all(answer[id_] == {} for id_ in ids[1:])
        with pytest.raises(InvalidInput):
            call(certificates, method, ids + ["one-too-many"])
        with pytest.raises(InvalidInput):
            call(certificates, method, [None])
