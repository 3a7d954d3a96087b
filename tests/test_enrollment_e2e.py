"""Joint enrolment through the gateway's HTTP API, with every component
running as its own process: from partner registration to an enrolled
apprentice whose enrolment reaches the other services as an event."""
import pytest
import requests

from testkit.amqp import bind_probe_queue, drain
from testkit.metrics import metric_value, scrape
from testkit.servers import wait_until

pytestmark = pytest.mark.e2e

PARTNER = {"legal_name": "深圳智造科技有限公司", "credit_code": "91350100M000100Y43",
           "industry": "智能制造"}
RIVAL = {"legal_name": "Hangzhou Robotics Co., Ltd.", "credit_code": "91110000100000000R",
         "industry": "robotics"}
APPLICANT = {"name": "李明", "resident_id": "110105200503010016", "phone": "13800138000"}


@pytest.fixture(scope="module")
def api(system):
    class Api:
        def __init__(self, headers):
            self.headers = headers

        def __getattr__(self, method):
            def send(path, body=None, **params):
                return requests.request(method.upper(), system.url("gateway", path),
                                        json=body, params=params, headers=self.headers,
                                        timeout=15)
            return send
    return Api


@pytest.fixture(scope="module")
def officer(system, api):
    return api(system.user("zhou.admissions", "admissions_officer"))


@pytest.fixture(scope="module")
def partners(officer):
    registered = []
    for payload in (PARTNER, RIVAL):
        response = officer.post("/v1/partners", payload)
        assert response.status_code == 201, response.text
        registered.append(response.json())
    return registered


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def test_from_partner_to_enrolled_apprentice_announced_to_other_services(
        system, api, officer, partners):
    bind_probe_queue(system.amqp_uri, "enrollment", "student_enrolled", "e2e-probe-enrolled")
    partner = partners[0]
    hr = api(system.user("wang.fang", "enterprise_user", enterprise_id=partner["id"]))
    coordinator = api(system.user("lin.mentors", "mentor_coordinator"))
    # the mentors service learns of the partner by event before it accepts its mentor
    expert = wait_until(lambda: (lambda r: r.json() if r.status_code == 201 else None)(
        coordinator.post("/v1/mentors", {"name": "陈工", "kind": "industry",
                                         "enterprise_id": partner["id"],
                                         "expertise": ["数控加工"]})),
        timeout=30, message="an industry mentor of the partner")
    tutor = ok(coordinator.post("/v1/mentors", {"name": "周老师", "kind": "teacher",
                                                 "expertise": ["数控技术"]}), 201)
    rival = api(system.user("rival.hr", "enterprise_user", enterprise_id=partners[1]["id"]))

    agreement = ok(officer.post("/v1/partners/%s/agreements" % partner["id"], {
        "title": "数控技术现代学徒制合作协议", "starts_on": "2020-01-01", "ends_on": "2099-12-31",
        "programme_codes": ["2027-MA-CNC"]}), 201)
    assert ok(officer.post("/v1/agreements/%s/status" % agreement["id"],
                           {"status": "active"}))["status"] == "active"
    programme = ok(officer.post("/v1/programmes", {
        "code": "2027-MA-CNC", "name": "数控技术现代学徒制班", "kind": "apprenticeship",
        "intake_year": 2027, "capacity": 40,
        "quotas": [{"partner_id": partner["id"], "seats": 30}]}), 201)
    application = officer.post("/v1/applications", {"programme_id": programme["id"],
                                                    "applicant": APPLICANT})
    assert application.headers["Location"] == "/v1/applications/%s" % application.json()["id"]
    path = "/v1/applications/%s" % application.json()["id"]

    ok(officer.post(path + "/screening", {"passed": True, "note": "材料齐全"}))
    assert rival.post(path + "/interview", {"passed": True}).status_code == 404
    ok(hr.post(path + "/interview", {"passed": True, "score": 88, "interviewer": "王芳"}))
    assert ok(officer.post(path + "/offer-decisions", {"approve": True}))["status"] == \
        "interviewed"
    offered = ok(hr.post(path + "/offer-decisions", {"approve": True}))
    assert offered["status"] == "offered"
    assert set(offered["offer_approvals"]) == {"college", "enterprise"}
    ok(officer.post(path + "/offer-response", {"accept": True}))

    agreement = ok(officer.post(path + "/tripartite-agreements",
                                {"terms": "学徒期三年，企业按月发放学徒津贴。"}), 201)
    signatures = "/v1/tripartite-agreements/%s/signatures" % agreement["id"]
    assert officer.post(signatures, {"party": "enterprise", "signer": "x"}).status_code == 403
    ok(officer.post(signatures, {"party": "college", "signer": "周老师"}))
    ok(hr.post(signatures, {"signer": "王芳"}))
    signed = ok(officer.post(signatures, {"party": "student", "signer": "李明"}))
    assert signed["status"] == "signed"
    assert signed["signatures"]["enterprise"]["recorded_by"] == "wang.fang"

    enrolled = officer.post(path + "/enrolment", {"apprentice_contract": {
        "starts_on": "2027-09-01", "ends_on": "2030-06-30", "position": "数控学徒工"}})
    student = ok(enrolled, 201)
    assert enrolled.headers["Location"] == "/v1/students/%s" % student["id"]
    assert student["student_number"] == "2027-MA-CNC-0001"
    assert ok(hr.get("/v1/students/%s" % student["id"]))["name"] == "李明"
    assert rival.get("/v1/students/%s" % student["id"]).status_code == 404
    assert ok(rival.get("/v1/students"))["total"] == 0
    assert ok(officer.get("/v1/programmes/%s" % programme["id"]))["consumed"] == 1
    ledger = ok(officer.get("/v1/programmes/%s/ledger" % programme["id"]))
    assert [entry["movement"] for entry in ledger["items"]] == ["consume", "reserve",
                                                                "quota_set"]
    # an enterprise sees a programme it holds seats in, with its own quota only
    assert [quota["partner_id"] for quota in ok(hr.get(
        "/v1/programmes/%s" % programme["id"]))["quotas"]] == [partner["id"]]
    assert rival.get("/v1/programmes/%s" % programme["id"]).status_code == 404
    assert ok(rival.get("/v1/programmes"))["total"] == 0

    (event, _), = wait_until(lambda: drain(system.amqp_uri, "e2e-probe-enrolled"), timeout=30,
                             message="student_enrolled on enrollment.events")
    assert event["type"] == "student_enrolled"
    assert event["data"]["student_id"] == student["id"]
    assert event["data"]["partner_id"] == partner["id"]

    # the mentors service assigns both mentors to the new apprentice, with no manual step
    def both_mentors():
        view = coordinator.get("/v1/apprentices/%s/mentors" % student["id"])
        view = view.json() if view.status_code == 200 else {}
        slots = (view.get("college_tutor") or {}, view.get("enterprise_mentor") or {})
        return all(slot.get("status") == "filled" for slot in slots) and view
    mentors = wait_until(both_mentors, timeout=30, message="both mentors assigned")
    assert mentors["college_tutor"]["mentor_id"] == tutor["id"]
    assert mentors["enterprise_mentor"]["mentor_id"] == expert["id"]


def test_every_service_reports_its_metric_families_and_business_counters(system):
    """Runs after the enrolment above in this module's system."""
    for name in ("enrollment", "projects", "mentors", "certificates"):
        text = scrape(system.url(name, ""))
        for family in ("entrypoint_calls_total", "entrypoint_latency_seconds_bucket",
                       "outbox_pending_events", "outbox_oldest_pending_age_seconds",
                       "inbox_duplicates_absorbed"):
            assert "\n%s_%s" % (name, family) in text, (name, family)
        if name != "enrollment":  # the consumers of student_enrolled
            assert metric_value(text, name + "_event_lag_seconds_count",
                                handler="on_student_enrolled") >= 1, name
    enrollment = scrape(system.url("enrollment", ""))
    assert metric_value(enrollment, "enrollment_enrolments_total",
                        programme_kind="apprenticeship") == 1
    assert metric_value(enrollment, "enrollment_applications_total", state="offered") >= 1
    assert metric_value(enrollment, "enrollment_events_emitted_total",
                        type="student_enrolled") == 1
    mentors = scrape(system.url("mentors", ""))
    assert metric_value(mentors, "mentors_events_emitted_total", type="mentor_assigned") >= 2


def test_a_csv_import_keeps_good_rows_reports_bad_ones_and_never_duplicates(officer):
    text = ("name,resident_id,passport_number,passport_country,birth_date,phone,email\n"
            "张伟,11010519491231002X,,,,13900000001,zhang.wei@example.cn\n"
            "Emma Wilson,,P12345678,GBR,2006-07-14,,emma@example.co.uk\n"
            "王芳,110105194912310021,,,,,\n"  # wrong check character
            ",110105200503010020,,,,,\n"  # no name, and a wrong check character
            "李华,110105200502300011,,,,,\n"  # 30 February
            "张伟,11010519491231002x,,,,,\n")  # the first person again, lower-case x
    first = ok(officer.post("/v1/applicant-imports", {"filename": "2027级报名.csv",
                                                      "csv": text}))
    assert (first["rows"], first["imported"], first["duplicates"], first["rejected"]) == \
        (6, 2, 1, 3)
    by_row = {row["row"]: row for row in first["report"]}
    assert "check character" in by_row[4]["errors"]["resident_id"][0]
    assert set(by_row[5]["errors"]) == {"name", "resident_id"}
    assert "real date" in by_row[6]["errors"]["resident_id"][0]
    assert by_row[7]["applicant_id"] == by_row[2]["applicant_id"]

    again = ok(officer.post("/v1/applicant-imports", {"filename": "2027级报名.csv",
                                                      "csv": text}))
    assert (again["imported"], again["duplicates"], again["rejected"]) == (0, 3, 3)
    assert ok(officer.get("/v1/applicants", name="张伟"))["total"] == 1
    assert ok(officer.get("/v1/applicants", name="Emma Wilson"))["total"] == 1


def test_the_provincial_admission_list_enrols_students_once(system, api, officer, partners):
    partner = partners[1]
    agreement = ok(officer.post("/v1/partners/%s/agreements" % partner["id"], {
        "title": "新能源汽车订单班合作协议", "starts_on": "2020-01-01", "ends_on": "2099-12-31",
        "programme_codes": ["2027-OC-NEV"]}), 201)
    ok(officer.post("/v1/agreements/%s/status" % agreement["id"], {"status": "active"}))
    programme = ok(officer.post("/v1/programmes", {
        "code": "2027-OC-NEV", "name": "新能源汽车订单班", "kind": "order_class",
        "intake_year": 2027, "capacity": 30,
        "quotas": [{"partner_id": partner["id"], "seats": 20}]}), 201)
    listing = {"programme_id": programme["id"], "filename": "浙江省2027录取名单.csv",
               "csv": "name,resident_id,phone,admission_number\n"
                      "陈静,11010520060101001X,13900000011,27330100200001\n"
                      "刘洋,110105200601010000,13900000012,27330100200002\n"}
    first = ok(officer.post("/v1/admission-imports", listing))
    assert (first["imported"], first["duplicates"], first["rejected"]) == (1, 0, 1)
    imported, bad = first["report"]
    assert "check character" in bad["errors"]["resident_id"][0]
    student = ok(officer.get("/v1/students/%s" % imported["student_id"]))
    assert (student["student_number"], student["partner_id"]) == \
        ("2027-OC-NEV-0001", partner["id"])
    again = ok(officer.post("/v1/admission-imports", listing))
    assert (again["imported"], again["duplicates"]) == (0, 1)
    assert again["report"][0]["student_id"] == imported["student_id"]
    assert ok(officer.get("/v1/students", programme_id=programme["id"]))["total"] == 1

    hr = api(system.user("nev.hr", "enterprise_user", enterprise_id=partner["id"]))
    assert hr.post("/v1/admission-imports", listing).status_code == 403
    apprenticeship = ok(officer.get("/v1/programmes", kind="apprenticeship"))["items"][0]
    refused = officer.post("/v1/admission-imports", {**listing,
                                                     "programme_id": apprenticeship["id"]})
    assert refused.status_code == 409 and "tripartite" in refused.json()["detail"]


INVALID_REQUESTS = [
    ("post", "/v1/partners/{partner}/agreements", {"title": "", "starts_on": "2027-13-01",
                                                   "ends_on": "x", "programme_codes": ["a b"]}),
    ("post", "/v1/agreements/{agreement}/status", {"status": "expired"}),
    ("patch", "/v1/agreements/{agreement}", {"ends_on": "someday", "reason": ""}),
    ("post", "/v1/programmes", {"code": "?", "kind": "evening", "capacity": -1}),
    ("put", "/v1/programmes/{programme}/quotas/{partner}", {"seats": "many"}),
    ("post", "/v1/applications", {"programme_id": "{programme}",
                                  "applicant": {"name": "李四", "resident_id": "123"}}),
    ("post", "/v1/applications", {"programme_id": "{programme}", "applicant": {
        "name": "Tom", "passport": {"number": "P1", "country": "UK"}}}),
    ("post", "/v1/applications/{application}/screening", {"passed": "maybe"}),
    ("post", "/v1/applications/{application}/interview", {"passed": True, "score": 101}),
    ("post", "/v1/applications/{application}/offer-decisions", {"approve": False}),
    ("post", "/v1/applications/{application}/offer-response", {}),
    ("post", "/v1/applications/{application}/withdrawal", {"reason": ""}),
    ("post", "/v1/applications/{application}/tripartite-agreements", {"terms": 5}),
    ("post", "/v1/applications/{application}/enrolment", {"apprentice_contract": {
        "starts_on": "2030-01-01", "ends_on": "2027-01-01"}}),
    ("post", "/v1/applicant-imports", {"filename": "a.csv", "csv": "who,what\n1,2\n"}),
    ("post", "/v1/admission-imports", {"programme_id": "{programme}", "rows": [],
                                       "csv": "name\n"}),
    ("post", "/v1/students/{student}/status-changes", {"action": "transfer", "reason": "转专业"}),
    ("get", "/v1/applications?limit=1000&status=lost", None),
    ("get", "/v1/programmes?intake_year=soon", None),
    ("get", "/v1/students?status=asleep", None),
    ("get", "/v1/agreements?status=forever&offset=-1", None),
]


def test_invalid_input_at_every_endpoint_is_a_400_with_field_errors(officer, partners):
    ids = {"partner": partners[0]["id"], "agreement": "missing", "student": "missing",
           "programme": "missing", "application": "missing"}
    agreements = ok(officer.get("/v1/agreements", partner_id=partners[0]["id"]))
    ids["agreement"] = agreements["items"][0]["id"]
    programmes = ok(officer.get("/v1/programmes", kind="apprenticeship"))
    ids["programme"] = programmes["items"][0]["id"]
    ids["application"] = ok(officer.get("/v1/applications"))["items"][0]["id"]
    ids["student"] = ok(officer.get("/v1/students"))["items"][0]["id"]
    for method, path, body in INVALID_REQUESTS:
        path = path.format(**ids)
        if body and "programme_id" in body:
            body = {**body, "programme_id": ids["programme"]}
        response = getattr(officer, method)(path, body)
        assert response.status_code == 400, (method, path, response.text)
        problem = response.json()
        assert problem["errors"], (method, path, problem)
    assert officer.post("/v1/agreements/nope/status", {"status": "active"}).status_code == 404
    assert officer.post("/v1/applications/nope/screening", {"passed": True}).status_code == 404
    assert officer.post("/v1/applications", ["not", "an", "object"]).status_code == 400
