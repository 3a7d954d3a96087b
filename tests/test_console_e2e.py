"""The staff web console in headless Chromium against the whole system, with
its data created through the API by the demo loader: sign in, the dashboard,
finding a student and the student 360, moving an application to an offer,
verifying a certificate on the public page. Every scenario keeps a screenshot
under tests/output/console (and, with UPDATE_SCREENSHOTS=1, refreshes the
README's in docs/screenshots)."""
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
import requests

from college_contracts.identifiers import credit_code_check_character, resident_id_check_character
from college_platform.envelope import new_event
from testkit.amqp import publish_event
from testkit.enterprise import access, cloud_event, provision
from testkit.enterprise import publish as publish_as_enterprise
from testkit.servers import ROOT, wait_until
from testkit.system import System

pytestmark = pytest.mark.e2e

SIGNING_KEYS = "2027-01:JjZ_lLa-msuWRAmftReYKpjPdG0S2ibPJ5ELYVjkqqY"  # a test seed
PASSWORD = "console-e2e-password"
SCREENSHOTS = ROOT / "tests" / "output" / "console"
README_SCREENSHOTS = ROOT / "docs" / "screenshots"
BROWSER = ROOT / "tests" / "testkit" / "console_browser.py"


def load_demo_module():
    spec = importlib.util.spec_from_file_location("demo", ROOT / "deploy" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def system(module_vhost, mongo_uri):
    running = System(module_vhost, mongo_uri,
                     extra_env={"CERTIFICATE_SIGNING_KEYS": SIGNING_KEYS})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def data(system):
    demo = load_demo_module()
    admin = system.user("admin", "admin", password=PASSWORD)
    gateway = demo.Gateway(system.url("gateway", ""), admin, log=lambda message: None)
    return demo.load(gateway, PASSWORD)


def browse(system, scenario, **args):
    """Runs one scenario in its own process (see console_browser.py)."""
    args = {"base_url": system.url("gateway", ""), "screenshots": str(SCREENSHOTS),
            "username": "admin", "password": PASSWORD, **args}
    done = subprocess.run([sys.executable, str(BROWSER), scenario, json.dumps(args)],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, "%s failed:\n%s\n%s" % (scenario, done.stdout, done.stderr)
    observed = json.loads(done.stdout.strip().splitlines()[-1])
    if "screenshot" in observed and os.environ.get("UPDATE_SCREENSHOTS") == "1" \
            and scenario in ("sign_in_and_dashboard", "student_360", "verify_certificate"):
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(observed["screenshot"], README_SCREENSHOTS)
    return observed


def test_the_console_is_served_by_the_gateway_with_its_content_types(system):
    index = requests.get(system.url("gateway", "/"), timeout=10)
    assert index.status_code == 200
    assert index.headers["Content-Type"] == "text/html; charset=utf-8"
    assert index.headers["Cache-Control"] == "no-cache"
    assert "default-src 'self'" in index.headers["Content-Security-Policy"]
    script = requests.get(system.url("gateway", "/console/js/app.js"), timeout=10)
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "max-age" in script.headers["Cache-Control"]
    again = requests.get(system.url("gateway", "/console/js/app.js"), timeout=10,
                         headers={"If-None-Match": script.headers["ETag"]})
    assert again.status_code == 304
    catalogue = requests.get(system.url("gateway", "/console/i18n/zh-CN.json"), timeout=10)
    assert catalogue.json()["nav.dashboard"] == "驾驶舱"
    for path in ("/console/../service.py", "/console/%2e%2e/gateway/service.py",
                 "/console/js/nothing.js", "/console/"):
        response = requests.get(system.url("gateway", path), timeout=10)
        assert response.status_code == 404, path


def test_staff_sign_in_and_see_the_dashboard(system, data):
    observed = browse(system, "sign_in_and_dashboard")
    assert {"驾驶舱", "学生", "专业与招生", "被拒事件"} <= set(observed["nav"])
    assert any("合作企业" in kpi and "3" in kpi for kpi in observed["kpis"]), observed["kpis"]
    assert "Dashboard" in observed["nav_en"]
    assert observed["focus_outline"] not in ("", "none"), "the focused field is visibly marked"


def test_staff_find_a_student_and_open_the_360(system, data):
    student = data["students"]["李明"]
    observed = browse(system, "student_360", search="明", name="李明", count=2)
    # any part of a name finds the student; Chinese names in pinyin order (li before wang)
    assert [cells[1] for cells in observed["rows"]] == ["李明", "王晓明"]
    assert observed["rows"][0][0] == student["student_number"]
    assert student["student_number"] in observed["heading"]
    assert {"基本信息", "风险", "双导师", "项目", "实习", "证书", "学分银行"} <= \
        set(observed["sections"])
    assert "产线视觉质检系统" in observed["text"], "the team's project shows in the 360"
    assert data["certificates"]["numbers"][0] in observed["text"], "and the certificate"


def test_a_search_typed_while_the_dashboard_still_loads_keeps_its_focus(system, data):
    """A screen that answers after the user went elsewhere does not take the
    focus from the box they are typing in (it did: Enter then went nowhere)."""
    observed = browse(system, "search_while_the_dashboard_loads", search="明", count=2)
    assert observed["focused"] == "student-search"
    assert observed["title"].startswith("学生")
    assert sorted(observed["rows"]) == sorted(["李明", "王晓明"])


def test_the_college_and_the_enterprise_move_an_application_to_an_offer(system, data):
    application = data["applications"]["赵雪"]
    assert application["status"] == "interviewed"
    observed = browse(system, "application_to_offer", application_id=application["id"],
                      enterprise_username="hr.zhizao")
    assert "合作企业" not in observed["enterprise_nav"], "an enterprise user sees only its own"
    assert "本企业" in observed["enterprise_nav"]
    admin = system.user("officer.check", "admissions_officer")
    stored = requests.get(system.url("gateway", "/v1/applications/%s" % application["id"]),
                          headers=admin, timeout=10).json()
    assert stored["status"] == "offered"
    assert set(stored["offer_approvals"]) == {"college", "enterprise"}


def test_anyone_verifies_a_certificate_on_the_public_page(system, data):
    number = data["certificates"]["numbers"][0]
    observed = browse(system, "verify_certificate", number=number, holder_name="李明")
    assert number in observed["text"] and "证书有效" in observed["text"]
    assert "李明" not in observed["text"], "the holder is not named to anyone"
    assert "姓名与持证人一致" in observed["name_check_true"]
    assert "姓名与持证人不一致" in observed["name_check_false"]
    assert observed["address"] == "#/verify/%s" % number, "the name typed stays out of it"
    assert "查无此证书" in observed["unknown"]


def test_the_api_field_errors_show_next_to_their_fields(system, data):
    observed = browse(system, "field_errors")
    assert observed["message"], "the credit code's problem is shown beside it"
    assert observed["focused"] == "credit_code", "focus moves to the first invalid field"


def test_the_console_makes_no_request_to_any_other_host(system, data):
    observed = browse(system, "every_screen", student_id=data["students"]["李明"]["id"],
                      enterprise_id=data["students"]["李明"]["partner_id"],
                      number=data["certificates"]["numbers"][0])
    gateway = urlsplit(system.url("gateway", "")).netloc
    assert len(observed["visited"]) >= 9, observed["visited"]
    assert len(observed["requests"]) > 20
    assert observed["hosts"] == [gateway], observed["hosts"]
    assert set(observed["schemes"]) <= {"http", "data"}
    assert observed["problems"] == [], observed["problems"]


# -- accounts: the administrator's screen and everyone's own account -------------------


def gateway_get(system, path, headers):
    return requests.get(system.url("gateway", path), headers=headers, timeout=10)


def signs_in(system, username, password):
    return requests.post(system.url("gateway", "/v1/auth/token"), timeout=10,
                         json={"username": username, "password": password}).status_code == 200


def test_a_disabled_users_open_console_returns_to_sign_in_on_its_next_action(system, data):
    system.user("officer.disabled", "admissions_officer", password=PASSWORD)
    observed = browse(system, "disable_account", user="officer.disabled",
                      user_password=PASSWORD, role="admissions_officer")
    assert "officer.disabled" in observed["question"], "the confirmation names the account"
    assert observed["reason"] == "session_ended"
    assert "会话已结束" in observed["notice"], observed["notice"]
    assert observed["listed_disabled"] == 1, "the disabled filter lists only disabled accounts"
    assert observed["listed_when_enabled_only"] == 0
    admin = system.user("admin.disable.check", "admin")
    stored = gateway_get(system, "/v1/users/officer.disabled", admin).json()
    assert stored["disabled"] is False, "enabled again at the end"
    assert signs_in(system, "officer.disabled", PASSWORD)


def test_an_administrator_resets_a_password_and_only_the_new_one_signs_in(system, data):
    system.user("officer.reset", "admissions_officer", password=PASSWORD)
    new_password = "a-new-password-from-the-admin"
    observed = browse(system, "reset_password", user="officer.reset", user_password=PASSWORD,
                      new_password=new_password, role="admissions_officer")
    assert observed["too_short"], "the API's objection shows beside the password"
    assert "不一致" in observed["mismatch"]
    assert observed["reason"] == "session_ended"
    assert not signs_in(system, "officer.reset", PASSWORD)
    assert signs_in(system, "officer.reset", new_password)


def test_an_administrator_creates_an_account_and_changes_its_role(system, data):
    enterprise = data["partners"][0]
    observed = browse(system, "create_and_change_account", new_user="hr.created.in.console",
                      new_name="新同事", changed_name="新同事（教师）",
                      new_password="console-created-password",
                      enterprise_name=enterprise["legal_name"])
    assert observed["pager"].startswith("第 1 / "), observed["pager"]
    assert observed["enterprise_missing"] and observed["enterprise_extra"]
    assert "企业用户" in observed["created"] and "新同事" in observed["created"]
    assert "null" not in observed["text"] and "undefined" not in observed["text"]
    admin = system.user("admin.create.check", "admin")
    stored = gateway_get(system, "/v1/users/hr.created.in.console", admin).json()
    assert (stored["role"], stored["enterprise_id"], stored["name"]) == \
        ("teacher", None, "新同事（教师）")


def test_a_user_changes_their_password_keeps_working_and_signs_out(system, data):
    system.user("teacher.own.password", "teacher", password=PASSWORD,
                mentor_id=data["mentors"]["周老师"]["id"])
    new_password = "my-own-new-password"
    observed = browse(system, "change_own_password", user="teacher.own.password",
                      user_password=PASSWORD, new_password=new_password)
    assert observed["wrong_current"], "a wrong current password is shown beside its field"
    assert observed["still_signed_in"] and observed["errors_after_change"] == []
    assert observed["reason"] == "signed_out" and observed["stored_token"] is None
    signed_out = gateway_get(system, "/v1/me",
                             {"Authorization": "Bearer %s" % observed["token"]})
    assert signed_out.status_code == 401, "signing out ended the session at the gateway"
    assert not signs_in(system, "teacher.own.password", PASSWORD)
    assert signs_in(system, "teacher.own.password", new_password)


def test_the_accounts_screen_is_not_offered_to_non_administrators(system, data):
    system.user("officer.not.admin", "admissions_officer", password=PASSWORD)
    student = next(name for name in data["users"] if name.startswith("student."))
    users = ["officer.not.admin", "hr.zhizao", student]
    observed = browse(system, "accounts_not_offered", users=users, user_password=PASSWORD)
    for username in users:
        seen = observed[username]
        assert "账户管理" not in seen["nav"] and "我的账户" in seen["nav"], (username, seen)
        assert seen["heading"] == "无权访问" and seen["rows"] == 0, (username, seen)


# -- what the console shows of the API's answers ----------------------------------------


def test_issued_certificates_show_their_status_and_a_revoked_one_offers_no_revoke(system, data):
    numbers = data["certificates"]["numbers"]
    assert len(numbers) >= 2
    observed = browse(system, "issued_certificate_status", valid_number=numbers[0],
                      number=numbers[-1])
    assert observed["valid_before"] == "有效" and observed["revoked_after"] == "已撤销"
    assert observed["revoke_offered_after"] == 0
    officer = system.user("officer.revoke.check", "certificate_officer")
    stored = gateway_get(system, "/v1/issued-certificates/%s" % numbers[-1], officer).json()
    assert stored["revoked"] is True


LATIN = re.compile("[A-Za-z]")
CHINESE = re.compile("[\u4e00-\u9fff]")


def test_problems_are_worded_in_the_consoles_language_without_raw_ids(system, data):
    missing = "40af%s" % uuid.uuid4().hex[:20]
    observed = browse(system, "problem_messages", missing_id=missing)
    chinese, english = observed["zh-CN"], observed["en"]
    for message in chinese["fields"] + [chinese["not_found"]]:
        assert message and not LATIN.search(message), chinese
    for message in english["fields"] + [english["not_found"]]:
        assert message and not CHINESE.search(message), english
    assert "2" in chinese["fields"][0] and "200" in chinese["fields"][0], "the bounds are named"
    assert "2" in english["fields"][0] and "200" in english["fields"][0]
    assert missing not in chinese["not_found"] + english["not_found"]


def test_the_dashboards_chart_labels_are_whole_in_english(system, data):
    observed = browse(system, "dashboard_labels_in_english")
    labels = observed["labels"]
    assert "Apprentices with both mentors" in [label["text"] for label in labels]
    cut = [label["text"] for label in labels if not label["inside"] or label["overflowing"]]
    assert cut == [], "labels cut off at the chart's edge"


def test_a_refused_events_reason_reads_as_text_and_its_body_can_be_read(system, data):
    enterprise_id = data["partners"][1]["id"]
    credentials = provision(system.amqp_uri, enterprise_id)
    marker = "ERP-DEAD-%s" % uuid.uuid4().hex[:8]
    try:
        event = cloud_event(enterprise_id, "project.posted.v1", {"external_ref": marker})
        del event["time"]
        publish_as_enterprise(credentials, event)
        admin = system.user("admin.dead.letters", "admin")
        wait_until(lambda: gateway_get(system, "/v1/admin/inbound/dead-letters",
                                       admin).json()["total"] >= 1,
                   message="the refused event is dead-lettered")
        observed = browse(system, "dead_letter_detail")
    finally:
        access("revoke", enterprise_id, vhost=credentials["vhost"])
    reason = observed["rows"][0][2]
    assert "time" in reason and "{'" not in reason and "['" not in reason, reason
    assert marker in observed["detail"], "the letter's body is shown"


def valid_credit_code(serial):
    first_17 = "91440300MA5%06d" % serial
    return first_17 + credit_code_check_character(first_17)


def test_an_enterprises_page_says_how_many_projects_it_lists(system, data):
    admin = system.user("admin.many.projects", "admin")
    name = "批量项目测试企业%s" % uuid.uuid4().hex[:4]
    partner = requests.post(system.url("gateway", "/v1/partners"), headers=admin, timeout=10,
                            json={"legal_name": name, "credit_code": valid_credit_code(
                                uuid.uuid4().int % 10**6), "industry": "制造"}).json()
    for number in range(101):
        body = {"title": "批量项目 %03d" % number, "enterprise_id": partner["id"],
                "brief": "A project among many, to fill the list.", "team_size": 2,
                "start_date": "2027-03-01", "end_date": "2027-06-30"}
        wait_until(lambda: requests.post(system.url("gateway", "/v1/projects"), json=body,
                                         headers=admin, timeout=10).status_code == 201,
                   message="the projects service knows the partner")
    wait_until(lambda: sum(gateway_get(system, "/v1/enterprises/%s/view" % partner["id"], admin)
                           .json().get("projects_by_status", {}).values()) == 101,
               timeout=60, message="the enterprise's view counts its projects")
    observed = browse(system, "enterprise_projects_total", enterprise_id=partner["id"],
                      enterprise_name=name)
    assert observed["listed"] == 100
    assert "100" in observed["text"] and "101" in observed["text"], observed["text"]
    assert "101" in observed["pager"], observed["pager"]
    assert observed["enterprises"] == [name]


def test_the_projects_screen_finds_projects_by_title_and_names_their_enterprise(system, data):
    partner = data["partners"][0]
    observed = browse(system, "projects_search", search="视觉", count=1,
                      enterprise_name=partner["legal_name"])
    assert "企业" in observed["headers"]
    assert observed["rows"][0][0] == "产线视觉质检系统"


def test_only_a_coordinator_is_asked_whose_review_it_is(system, data):
    """A tutor's or an enterprise user's account decides whose review it is; the
    dialog offered them the choice, and a different one is now refused."""
    system.user("tutor.review", "teacher", password=PASSWORD)
    observed = browse(system, "review_dialog_fields", project_id=data["project"]["id"],
                      users=["admin", "tutor.review"])
    assert observed == {"admin": {"whose_review_asked": 1},
                        "tutor.review": {"whose_review_asked": 0}}


# -- graduation: requirements set in the console, the eligible graduated from it ---------


def admitted_cohort(system, officer, names):
    """A partner with an active agreement, an order class of its own, and the
    students of its admission list; answers the programme and the students' ids
    in the list's order."""
    def ok(response, status=200):
        assert response.status_code == status, response.text
        return response.json()

    def send(path, body):
        return requests.post(system.url("gateway", path), json=body, headers=officer,
                             timeout=15)

    serial = uuid.uuid4().int
    code = "2027-OC-GR%04d" % (serial % 10**4)
    partner = ok(send("/v1/partners", {"legal_name": "毕业审核测试企业%04d" % (serial % 10**4),
                                       "credit_code": valid_credit_code(serial % 10**6),
                                       "industry": "智能制造"}), 201)
    agreement = ok(send("/v1/partners/%s/agreements" % partner["id"], {
        "title": "智能产线订单班合作协议", "starts_on": "2020-01-01", "ends_on": "2099-12-31",
        "programme_codes": [code]}), 201)
    ok(send("/v1/agreements/%s/status" % agreement["id"], {"status": "active"}))
    programme = ok(send("/v1/programmes", {
        "code": code, "name": "智能产线订单班", "kind": "order_class", "intake_year": 2027,
        "capacity": 10, "quotas": [{"partner_id": partner["id"], "seats": 10}]}), 201)
    rows = []
    for number, name in enumerate(names):
        first_17 = "11010520060715%03d" % ((serial // 10**6 + number) % 1000)
        rows.append({"name": name, "resident_id": first_17 + resident_id_check_character(
            first_17), "phone": "1390000%04d" % number,
            "admission_number": "2733%010d" % ((serial // 10**9 + number) % 10**10)})
    report = ok(send("/v1/admission-imports", {"programme_id": programme["id"], "rows": rows}))
    assert report["imported"] == len(names), report
    return programme, [row["student_id"] for row in report["report"]]


def achieve(system, student_id, certificate_code, hours, grade):
    """What the certificates and projects services announce of a student: 10
    credits banked, the certificate at intermediate level, a finished placement
    and a graded project (services/enrollment/tests/test_enrollment_graduation.py)."""
    number = "GR-%s" % student_id
    for source, event_type, body in (
            ("certificates", "credits_granted", {
                "grant_id": "grant-%s" % student_id, "student_id": student_id,
                "certificate_number": number, "programme_id": "p", "credits": 10}),
            ("certificates", "certificate_issued", {
                "certificate_number": number, "candidate_id": student_id,
                "candidate_kind": "student", "certificate_code": certificate_code,
                "level": "intermediate", "issued_on": "2029-06-01"}),
            ("projects", "placement_ended", {
                "placement_id": "pl-%s" % student_id, "student_id": student_id,
                "enterprise_id": "e", "ended_on": "2029-05-01", "early": False,
                "hours": hours}),
            ("projects", "project_completed", {
                "project_id": "pr-%s" % student_id, "enterprise_id": "e", "on_time": True,
                "grades": [{"student_id": student_id, "grade": grade}]})):
        publish_event(system.amqp_uri, source, new_event(event_type, source, body))


def test_an_officer_sets_graduation_requirements_and_graduates_the_eligible(system):
    officer = system.user("registrar.graduation", "admissions_officer", password=PASSWORD)
    programme, (ready, short) = admitted_cohort(system, officer, ["林晓峰", "郑雨桐"])
    certificate = "GR-CNC-%s" % uuid.uuid4().hex[:6].upper()
    common = {"username": "registrar.graduation", "programme_id": programme["id"],
              "students": 2}
    observed = browse(system, "graduation_requirements", credits=10, placement_hours=100,
                      projects=1, min_grade=60, certificate_code=certificate,
                      certificate_level="intermediate", note="2027级订单班毕业要求",
                      later_credits=200, later_from="2999-09-01", **common)
    assert "尚未设置" in observed["before"]
    assert "0" in observed["grade_error"] and "100" in observed["grade_error"], observed
    assert observed["focused"] == "projects.min_grade", "focus moves to the invalid field"
    assert "第 1 版" in observed["in_force"] and certificate in observed["in_force"]
    assert "中级及以上" in observed["in_force"], observed["in_force"]
    assert "null" not in observed["in_force"] and "undefined" not in observed["in_force"]
    assert observed["prefilled_certificate"] == certificate, "a new version starts from the last"
    assert "第 2 版" in observed["later"] and "2999" in observed["later"], observed["later"]
    assert observed["earlier"][0] == "第 1 版" and observed["earlier"][2] == "10"
    assert set(observed["rows"]) == {ready, short}
    assert all(row["eligible"] == "false" for row in observed["rows"].values())
    assert all(row["cells"][3] == "第 1 版" for row in observed["rows"].values()), \
        "the cohort keeps the version in force when it enrolled"
    versions = gateway_get(system, "/v1/programmes/%s/graduation-requirements"
                           % programme["id"], officer).json()
    rule = ([{"code": certificate, "level": "intermediate"}], {"count": 1, "min_grade": 60},
            "registrar.graduation")
    assert [(v["version"], v["effective_from"], v["credits"], v["placement_hours"],
             v["certificates"], v["projects"], v["set_by"]) for v in versions] == [
        (2, "2999-09-01", 200, 100, *rule), (1, versions[1]["effective_from"], 10, 100, *rule)]

    achieve(system, ready, certificate, hours=120, grade=75)
    achieve(system, short, certificate, hours=40, grade=55)

    def learnt():
        check = gateway_get(system, "/v1/programmes/%s/graduation-check" % programme["id"],
                            officer).json()
        by_student = {item["student_id"]: item for item in check["items"]}
        has = {r["requirement"]: r["has"] for r in by_student[short]["requirements"]}
        return by_student[ready]["eligible"] and has["credits"] == 10 and \
            has["placement_hours"] == 40 and has["certificate"] == "intermediate"
    wait_until(learnt, message="enrollment learns what the students achieved")

    observed = browse(system, "graduate_eligible", ready_id=ready, short_id=short,
                      short_missing="还差 60 小时实习", **common)
    assert observed["eligible_only"] == [ready]
    assert observed["rows"][ready]["eligible"] == "true"
    unmet = observed["rows"][short]["cells"][4]
    assert "还差 60 小时实习" in unmet and "成绩不低于 60" in unmet, unmet
    assert "1" in observed["question"], "the confirmation says how many"
    assert "1 名已毕业" in observed["outcome"] and observed["not_graduated"] == "0"
    assert observed["after"][ready]["cells"][2] == "毕业", observed["after"][ready]
    unmet_en = observed["rows_en"][short]["cells"][4]
    assert "60 more placement hours" in unmet_en and not CHINESE.search(unmet_en), unmet_en
    assert "1 more enterprise project graded 60 or above" in unmet_en, unmet_en
    assert "null" not in observed["section"] and "undefined" not in observed["section"]
    assert "已于" in observed["ready_page"] and "毕业" in observed["ready_page"]
    assert observed["short_eligible"] == "false"
    assert "实习时数" in observed["short_page"] and "还差 60 小时实习" in observed["short_page"]

    graduate = gateway_get(system, "/v1/students/%s" % ready, officer).json()
    assert (graduate["status"], graduate["graduation_requirements_version"]) == ("graduated", 1)
    assert graduate["history"][-1]["confirmed_by"] == "registrar.graduation"
    assert gateway_get(system, "/v1/students/%s" % short, officer).json()["status"] == "active"


# -- after graduation: the first destination and the 12-month check, in the console ------

NOTHING_REQUIRED = {"credits": 0, "placement_hours": 0, "certificates": [],
                    "projects": {"count": 0, "min_grade": 0}}


def test_an_officer_records_a_graduates_destination_and_the_12_month_check(system):
    officer = system.user("registrar.destination", "admissions_officer", password=PASSWORD)
    programme, (student,) = admitted_cohort(system, officer, ["韩思远"])
    partner_id = programme["quotas"][0]["partner_id"]
    for path, body in (
            ("/v1/programmes/%s/graduation-requirements" % programme["id"], NOTHING_REQUIRED),
            ("/v1/programmes/%s/graduations" % programme["id"], {"student_ids": [student]})):
        answer = requests.post(system.url("gateway", path), json=body, headers=officer,
                               timeout=15)
        assert answer.status_code in (200, 201), answer.text
    assert answer.json()["graduated"] == 1, answer.json()
    partner = gateway_get(system, "/v1/partners/%s" % partner_id, officer).json()
    # started more than 12 months ago, on a day every month has
    started = (date.today() - timedelta(days=400)).replace(day=15)
    due = started.replace(year=started.year + 1)

    observed = browse(system, "graduate_destination", username="registrar.destination",
                      student_id=student, partner_id=partner_id,
                      partner_name=partner["legal_name"], position="数控工艺员",
                      started_on=started.isoformat(),
                      early_check=(started + timedelta(days=40)).isoformat())
    assert "200" in observed["school_error"], observed["school_error"]
    assert observed["not_yet_placed_fields"] == ["去向类别 *", "备注"], observed
    due_words = "%d年%d月%d日" % (due.year, due.month, due.day)
    assert "12 个月" in observed["early_error"] and due_words in observed["early_error"], \
        observed["early_error"]
    page = observed["page"]
    for words in ("被合作培养企业录用", partner["legal_name"], "数控工艺员",
                  "%d年%d月%d日" % (started.year, started.month, started.day)):
        assert words in page, (words, page)
    assert "仍在岗" in observed["twelve_months"] and due_words in observed["twelve_months"]
    assert "仍在岗" not in observed["six_months"], "no 6-month check was recorded"
    assert "null" not in page and "undefined" not in page
    for words in ("Hired by the sponsor", "Position", "Retention checks", "Still employed",
                  "Record the 6-month check"):
        assert words in observed["page_en"], (words, observed["page_en"])
    assert observed["dashboard_filter"] == partner_id
    assert observed["kept_ratio"] == "1", observed["dashboard"]
    assert "100%" in observed["dashboard"] and "null" not in observed["dashboard"]
    assert observed["enterprise_ratio"] == "1", observed["enterprise"]

    stored = gateway_get(system, "/v1/students/%s" % student, officer).json()
    destination, retention = stored["destination"], stored["retention"]
    assert (destination["outcome"], destination["enterprise_id"], destination["position"],
            destination["started_on"], destination["recorded_by"]) == (
        "hired_by_sponsor", partner_id, "数控工艺员", started.isoformat(),
        "registrar.destination")
    assert set(retention) == {"12"}, retention
    assert (retention["12"]["still_employed"], retention["12"]["checked_on"],
            retention["12"]["recorded_by"]) == (True, date.today().isoformat(),
                                                "registrar.destination")
    view = wait_until(lambda: (lambda v: v if ((v.get("graduation") or {}).get("retention")
                                               or {}).get("12") else None)(
        gateway_get(system, "/v1/students/%s/360" % student, officer).json()),
        timeout=60, message="the 360 shows the destination and the check")
    assert view["graduation"]["destination"]["outcome"] == "hired_by_sponsor"
    assert view["graduation"]["retention"]["12"]["still_employed"] is True


# -- employer surveys: the employer answers in the console, the college reads the results --


def test_an_employer_answers_a_survey_and_the_college_sees_the_lowest_competency(system):
    officer = system.user("registrar.surveys", "admissions_officer", password=PASSWORD)
    programme, (first, second) = admitted_cohort(system, officer, ["孙浩然", "周静怡"])
    partner_id = programme["quotas"][0]["partner_id"]
    path = "/v1/programmes/%s" % programme["id"]
    competencies = ["数控编程", "设备维护", "职业素养"]
    answer = requests.put(system.url("gateway", path + "/competencies"), headers=officer,
                          json={"competencies": competencies}, timeout=15)
    assert answer.status_code == 200 and answer.json()["competencies"] == competencies, \
        answer.text
    for step, body in (("/graduation-requirements", NOTHING_REQUIRED),
                       ("/graduations", {"student_ids": [first, second]})):
        answer = requests.post(system.url("gateway", path + step), json=body, headers=officer,
                               timeout=15)
        assert answer.status_code in (200, 201), answer.text
    assert answer.json()["graduated"] == 2, answer.json()
    # hired by the sponsor more than 12 months ago: both surveys of each are due
    started = (date.today() - timedelta(days=400)).replace(day=15).isoformat()
    for student in (first, second):
        answer = requests.put(system.url("gateway", "/v1/students/%s/destination" % student),
                              json={"kind": "hired", "enterprise_id": partner_id,
                                    "position": "数控工艺员", "started_on": started},
                              headers=officer, timeout=15)
        assert answer.status_code == 200, answer.text
    listed = gateway_get(system, "/v1/employer-surveys?programme_id=%s" % programme["id"],
                         officer).json()
    surveys = {(s["student_id"], s["months"]): s for s in listed["items"]}
    assert set(surveys) == {(first, 6), (first, 12), (second, 6), (second, 12)}, listed
    assert all(s["status"] == "open" and s["competencies"] == competencies
               for s in surveys.values())
    answered_id, closed_id = surveys[(first, 6)]["id"], surveys[(second, 12)]["id"]

    system.user("hr.surveys", "enterprise_user", enterprise_id=partner_id, password=PASSWORD)
    ratings = {"数控编程": 4, "设备维护": 2, "职业素养": 5}
    observed = browse(system, "answer_employer_survey", username="hr.surveys",
                      survey_id=answered_id, open=4, ratings=ratings, unrated="设备维护",
                      comment="动手能力强，设备保养还需加强。")
    assert "雇主评价" in observed["nav"], observed["nav"]
    assert observed["row"][0] == "孙浩然" and "6 个月" in observed["row"][1], observed["row"]
    assert observed["asked"] == competencies
    assert observed["invalid"] == ["设备维护"] and observed["focused"] == "设备维护", observed
    assert observed["unrated_error"] == "请为此项评分。"
    assert "已填写" in observed["answered_row"][3], observed["answered_row"]
    for words in ("2 分 · 较差", "5 分 · 优秀", "动手能力强", "hr.surveys"):
        assert words in observed["detail"], (words, observed["detail"])
    assert "Answered" in observed["page_en"] and "null" not in observed["page_en"]

    stored = gateway_get(system, "/v1/employer-surveys/%s" % answered_id, officer).json()
    assert (stored["status"], stored["ratings"], stored["answered_by"], stored["comment"]) == (
        "answered", ratings, "hr.surveys", "动手能力强，设备保养还需加强。")

    observed = browse(system, "programme_survey_results", username="registrar.surveys",
                      programme_id=programme["id"], partner_id=partner_id,
                      competencies=competencies, added="安全生产", surveys=4,
                      close_id=closed_id, reason="毕业生已离职，企业无法评价",
                      lowest="设备维护", graduate_id=first)
    assert observed["lowest"] == "设备维护"
    assert len(observed["marked"]) == 1 and "设备维护" in observed["marked"][0], observed
    assert observed["bars"][0].startswith("设备维护"), "lowest first"
    assert [row[:2] for row in observed["table"]] == [["设备维护", "2"], ["数控编程", "4"],
                                                      ["职业素养", "5"]], observed["table"]
    assert "设备维护" in observed["lowest_line"]
    assert observed["prefilled"] == competencies
    assert "1" in observed["long_error"] and "100" in observed["long_error"], observed
    assert observed["competencies"] == competencies + ["安全生产"]
    assert "周静怡" in observed["question"] and "12" in observed["question"], observed
    assert "已关闭" in " ".join(observed["rows"][closed_id])
    assert "设备维护" in observed["dashboard"] and "null" not in observed["dashboard"]
    assert observed["enterprise_answered"] == "1", observed["enterprise"]
    # the graduate's page: the answered survey with its ratings and their mean, the other due
    graduate_surveys = observed["graduate_surveys"]
    assert set(graduate_surveys) == {answered_id, surveys[(first, 12)]["id"]}, graduate_surveys
    answered_row = " ".join(graduate_surveys[answered_id])
    for words in ("6 个月", "已填写", "3.67", "设备维护 2"):
        assert words in answered_row, (words, answered_row)
    assert "—" in graduate_surveys[surveys[(first, 12)]["id"]][4], "no mean before an answer"

    closed = gateway_get(system, "/v1/employer-surveys/%s" % closed_id, officer).json()
    assert (closed["status"], closed["closed_reason"]) == ("closed", "毕业生已离职，企业无法评价")
    stored = gateway_get(system, path, officer).json()
    assert stored["competencies"] == competencies + ["安全生产"]
    assert gateway_get(system, "/v1/employer-surveys/%s" % answered_id,
                       officer).json()["competencies"] == competencies, "a survey keeps its own"


# -- skills competitions: a certificate officer's competition, entrant, prize and rule ----


def test_an_officer_records_a_competition_prize_converts_it_to_credits_and_withdraws_it(
        system):
    officer = system.user("officer.competitions", "certificate_officer", password=PASSWORD)
    registrar = system.user("registrar.competitions", "admissions_officer")
    programme, (student_id,) = admitted_cohort(system, registrar, ["钱俊杰"])
    student = gateway_get(system, "/v1/students/%s" % student_id, registrar).json()
    tutor = requests.post(system.url("gateway", "/v1/mentors"), timeout=15,
                          headers=system.user("mentors.competitions", "mentor_coordinator"),
                          json={"name": "冯老师", "kind": "teacher", "expertise": ["数控技术"]})
    assert tutor.status_code == 201, tutor.text
    suffix = uuid.uuid4().hex[:4].upper()
    name = "全省职业院校数控技能大赛 %s" % suffix
    observed = browse(system, "competition_awards", username="officer.competitions",
                      name=name, organiser="省教育厅", held_on="2027-05-20",
                      course="CNC-%s" % suffix, unknown_certificate="NO-SUCH-%s" % suffix,
                      student_id=student_id, student_number=student["student_number"],
                      student_name="钱俊杰", tutor_name="冯老师",
                      programme_id=programme["id"], credits=3,
                      reason="赛后复核发现违规，取消获奖资格")
    assert "技能竞赛" in observed["nav"], observed["nav"]
    assert observed["certificate_error"] == ["证书目录中没有这个证书。", ""], observed
    assert "已授奖" in observed["report"], observed["report"]
    award_id = "%s:%s" % (observed["entry_id"], student_id)
    assert observed["award_id"] == award_id
    assert "一等奖" in " ".join(observed["award_row"]), observed["award_row"]
    assert observed["rule_row"][1:4] == ["省级", "一等奖", "3"], observed["rule_row"]
    for words in (name, "省级", "一等奖", "有效"):
        assert words in observed["student_awards"], (words, observed["student_awards"])
    assert name in observed["student_credits"], observed["student_credits"]
    assert "省级" in observed["dashboard"] and "null" not in observed["dashboard"]
    assert observed["csv_name"].endswith(".csv")
    assert award_id in observed["csv"] and name in observed["csv"], observed["csv"][:500]
    assert name in observed["question"], observed["question"]
    assert "已撤销" in " ".join(observed["withdrawn_row"]), observed["withdrawn_row"]
    for words in ("Entries and results", "Provincial", "First prize", "Awards", "Withdrawn",
                  "Export CSV"):
        assert words in observed["page_en"], (words, observed["page_en"])
    for words in ("Skills competitions", "Award credit rules", "Set a credit rule"):
        assert words in observed["list_en"], (words, observed["list_en"])
    for text in (observed["page_en"], observed["list_en"]):
        assert "null" not in text and "undefined" not in text

    competition = gateway_get(system, "/v1/competitions/%s" % observed["competition_id"],
                              officer).json()
    assert (competition["name"], competition["level"], competition["organiser"],
            competition["held_on"], competition["courses"], competition["certificates"],
            competition["status"], competition["entries"]) == (
        name, "provincial", "省教育厅", "2027-05-20", ["CNC-%s" % suffix], [],
        "results_recorded", 1)
    entries = gateway_get(system, "/v1/competitions/%s/entries" % competition["id"],
                          officer).json()["items"]
    assert [(e["kind"], e["student_ids"], e["tutor_ids"], e["result"]["award"],
             e["result"]["rank"]) for e in entries] == [
        ("individual", [student_id], [tutor.json()["id"]], "first", 1)]
    award = gateway_get(system, "/v1/awards/%s" % award_id, officer).json()
    assert (award["status"], award["withdrawal_reason"], award["level"], award["award"]) == (
        "withdrawn", "赛后复核发现违规，取消获奖资格", "provincial", "first")
    rules = gateway_get(system, "/v1/award-credit-rules?programme_id=%s" % programme["id"],
                        officer).json()["items"]
    assert [(r["competition_level"], r["award"], r["credits"], r["course_exemptions"])
            for r in rules] == [("provincial", "first", 3, ["CNC-%s" % suffix])]
    credits = gateway_get(system, "/v1/students/%s/credits" % student_id, officer).json()
    assert credits["total_credits"] == 0, "the withdrawal reversed the award's credits"


# -- commitments: an agreement's clauses set in the console, with their progress ----------


def test_an_officer_sets_an_agreements_clauses_and_sees_their_progress_and_status(system):
    officer = system.user("registrar.commitments", "admissions_officer", password=PASSWORD)
    programme, (student_id,) = admitted_cohort(system, officer, ["韩思远"])
    partner_id = programme["quotas"][0]["partner_id"]
    agreements = gateway_get(system, "/v1/agreements?partner_id=%s" % partner_id,
                             officer).json()["items"]
    assert len(agreements) == 1, agreements
    agreement_id = agreements[0]["id"]  # active from 2020-01-01 to 2099-12-31
    system.user("hr.commitments", "enterprise_user", enterprise_id=partner_id,
                password=PASSWORD)
    clauses = [
        # the student of the admission list fills 1 of 2 seats, with years to go
        {"id": "seats-2027", "party": "enterprise", "metric": "seats_filled", "target": 2,
         "due_on": "2099-12-31", "description": "2027级订单班招收2名学生"},
        # due years ago, nobody seconded: missed
        {"id": "teachers", "party": "college", "metric": "teachers_hosted", "target": 4,
         "due_on": "2021-12-31", "description": "学校派教师下企业实践"},
        {"id": "equipment", "party": "enterprise", "metric": "equipment_value",
         "target": 500000, "due_on": "2099-12-31", "description": "捐赠实训设备50万元"}]
    declared = {"clause_id": "equipment", "amount": 200000, "on": date.today().isoformat(),
                "note": "五轴加工中心一台"}
    observed = browse(system, "agreement_commitments", username="registrar.commitments",
                      enterprise_username="hr.commitments", agreement_id=agreement_id,
                      clauses=clauses, invalid_target=0, reason="补充合作条款",
                      declared=declared, enterprise_id=partner_id,
                      enterprise_score="100%")
    assert "尚无条款" in observed["empty"], observed["empty"]
    assert observed["target_error"] and observed["invalid_elsewhere"] == 0, observed
    assert observed["statuses"] == {"seats-2027": "on_track", "teachers": "missed",
                                    "equipment": "on_track"}, observed["statuses"]
    seats = " ".join(observed["rows"]["seats-2027"])
    for words in ("2027级订单班招收2名学生", "企业", "招收学生", "1 / 2", "50%", "进展正常"):
        assert words in seats, (words, seats)
    teachers = " ".join(observed["rows"]["teachers"])
    for words in ("学校", "接收教师下企业实践", "0 / 4", "未达成"):
        assert words in teachers, (words, teachers)
    assert "0 / ¥500,000" in " ".join(observed["rows"]["equipment"]), observed["rows"]
    # before the equipment counts: the seats clause ahead of its time, the equipment none of it
    assert observed["fulfilment"] == {"enterprise": "0.5", "college": "0"}, observed
    assert observed["enterprise_edit_buttons"] == 0
    assert observed["enterprise_statuses"] == ["on_track", "missed", "on_track"]
    assert observed["enterprise_decision_buttons"] == 0
    assert "¥200,000" in observed["question"], observed["question"]
    assert "¥200,000 / ¥500,000" in " ".join(observed["declared_row"]), observed["declared_row"]
    for words in ("Commitments", "Seats filled", "On track", "Missed", "Confirmed",
                  "Enterprise's fulfilment"):
        assert words in observed["page_en"], (words, observed["page_en"])
    assert "null" not in observed["page_en"] and "undefined" not in observed["page_en"]
    behind = " ".join(observed["enterprise_page_behind"])
    for words in ("学校派教师下企业实践", "学校", "0 / 4", "2021", "未达成"):
        assert words in behind, (words, behind)
    scores = observed["enterprise_page_scores"]
    assert scores[1:] == ["100%", "0%", "1"], scores  # each party's fulfilment, 1 behind
    assert observed["dashboard_missed"] >= 1
    for words in ("合作协议承诺", "企业履约率", "学校履约率", "未达成", "投入", "回报",
                  "企业导师授课（小时）"):
        assert words in observed["dashboard_agreements"], (words, observed["dashboard_agreements"])

    path = "/v1/agreements/%s" % agreement_id
    commitments = gateway_get(system, path + "/commitments", officer).json()
    assert [(c["id"], c["party"], c["metric"], c["target"], c["due_on"], c["progress"],
             c["status"]) for c in commitments["clauses"]] == [
        ("seats-2027", "enterprise", "seats_filled", 2.0, "2099-12-31", 1.0, "on_track"),
        ("teachers", "college", "teachers_hosted", 4.0, "2021-12-31", 0.0, "missed"),
        ("equipment", "enterprise", "equipment_value", 500000.0, "2099-12-31", 200000.0,
         "on_track")], commitments
    assert commitments["fulfilment"] == {"enterprise": 1.0, "college": 0.0}
    agreement = gateway_get(system, path, officer).json()
    assert [(a["reason"], a["previous"].get("clauses") or []) for a in agreement["amendments"]] \
        == [("补充合作条款", [])], agreement["amendments"]
    assert [(d["clause_id"], d["amount"], d["status"], d["declared_by"], d["decided_by"])
            for d in agreement["declarations"]] == [
        ("equipment", 200000.0, "confirmed", "hr.commitments", "registrar.commitments")]


# -- costs and returns: the rate, an enterprise's figures, its CSV and evidence pack -------


def test_an_officer_sets_the_rate_and_opens_an_enterprises_costs_csv_and_evidence_pack(system):
    officer = system.user("registrar.costs", "admissions_officer", password=PASSWORD)
    programme, _ = admitted_cohort(system, officer, ["林晓"])
    partner_id = programme["quotas"][0]["partner_id"]
    other_id = admitted_cohort(system, officer, ["郭宁"])[0]["quotas"][0]["partner_id"]
    year = date.today().year
    publish_event(system.amqp_uri, "mentors", new_event("timesheet_decided", "mentors", {
        "timesheet_id": "ts-costs-%s" % partner_id, "secondment_id": "se-costs",
        "mentor_id": "m-costs", "enterprise_id": partner_id, "direction": "inward",
        "work_date": date.today().isoformat(), "hours": 7.5, "decision": "approved"}))
    path = "/v1/partners/%s/costs-and-returns?year=%d" % (partner_id, year)
    wait_until(lambda: gateway_get(system, path, officer).json()["inputs"]["mentor_hours"]
               == 7.5, message="the mentor's hours counted")
    system.user("hr.costs", "enterprise_user", enterprise_id=partner_id, password=PASSWORD)
    observed = browse(system, "costs_and_returns", username="registrar.costs",
                      enterprise_username="hr.costs", partner_id=partner_id,
                      other_id=other_id, year=year, rate=320)
    assert str(year) in observed["rate_row"][0] and "320" in observed["rate_row"][1], observed
    assert (observed["hours"], observed["value"]) == ("7.5", "2,400"), observed
    assert "320" in observed["rate_note"], observed["rate_note"]
    for words in ("投入与回报", "导师课时折算价值（元）", "实习学生为企业工作（小时）"):
        assert words in observed["section"], (words, observed["section"])
    assert observed["csv_name"].endswith(".csv")
    assert "inputs,mentor_hours_value_cny,2400.0," in observed["csv"], observed["csv"]
    assert observed["pack_url"].startswith("blob:")
    assert observed["pack_lang"] == "zh-CN"
    assert "校企合作年度举证材料" in observed["pack_title"], observed["pack_title"]
    for words in ("毕业审核测试企业", "统一社会信用代码", "智能产线订单班合作协议", "2400",
                  "统计口径"):
        assert words in observed["pack_text"], (words, observed["pack_text"])
    assert observed["pack_header_background"] == "rgb(240, 240, 240)", observed
    assert observed["pack_links"] == 0
    assert observed["enterprise_hours"] == "7.5"
    assert observed["enterprise_other_costs"] == 0, "no figures of another enterprise"

    hr = system.user("hr.costs.api", "enterprise_user", enterprise_id=partner_id)
    for route in ("costs-and-returns", "evidence-pack"):
        assert gateway_get(system, "/v1/partners/%s/%s" % (other_id, route),
                           hr).status_code == 404, route
    rates = gateway_get(system, "/v1/valuation-rates", officer).json()["items"]
    this_year, = [r for r in rates if r["year"] == year]
    assert (this_year["mentor_hour_cny"], this_year["set_by"]) == (320.0, "registrar.costs")


def test_an_enterprise_user_subscribes_a_webhook_and_sees_its_secret_once(system, data):
    partner_id = data["partners"][0]["id"]
    system.user("hr.subscriptions", "enterprise_user", enterprise_id=partner_id,
                password=PASSWORD)
    url = "https://erp-%s.example.invalid/college" % uuid.uuid4().hex[:6]
    observed = browse(system, "event_subscriptions", username="hr.subscriptions", url=url)
    assert observed["secret"].startswith("whsec_") and len(observed["secret"]) > 40
    assert "仅显示这一次" in observed["shown_once"]
    assert url in observed["row"] and "Webhook" in observed["row_en"]
    assert "暂无投递记录" in observed["deliveries"]
    admin = system.user("admin.subscriptions", "admin")
    listed = gateway_get(system, "/v1/enterprise-subscriptions?enterprise_id=%s" % partner_id,
                         admin).json()["items"]
    subscription, = [item for item in listed if item["url"] == url]
    assert "secret" not in subscription  # shown once, in the console alone
    assert "edu.college.certificate.revoked.v1" not in subscription["event_types"]
    assert len(subscription["event_types"]) == 9


# -- the inbox: an enterprise's user is told of a clause at risk, another enterprise's not ----


def test_an_enterprise_user_opens_a_clause_at_risk_from_the_inbox_and_another_sees_nothing(
        system):
    admin = system.user("admin.inbox", "admin")
    partners = []
    for label in ("甲", "乙"):
        name = "消息测试企业%s%s" % (label, uuid.uuid4().hex[:4])
        answer = requests.post(system.url("gateway", "/v1/partners"), headers=admin, timeout=10,
                               json={"legal_name": name, "industry": "制造",
                                     "credit_code": valid_credit_code(uuid.uuid4().int % 10**6)})
        assert answer.status_code == 201, answer.text
        partners.append(answer.json())
    ours, theirs = partners
    agreement = requests.post(
        system.url("gateway", "/v1/partners/%s/agreements" % ours["id"]), headers=admin,
        timeout=10, json={"title": "订单班合作协议", "starts_on": "2020-01-01",
                          "ends_on": "2099-12-31", "programme_codes": ["INBOX-1"]})
    assert agreement.status_code == 201, agreement.text
    agreement_id = agreement.json()["id"]
    system.user("hr.inbox.ours", "enterprise_user", enterprise_id=ours["id"], password=PASSWORD)
    theirs_headers = system.user("hr.inbox.theirs", "enterprise_user",
                                 enterprise_id=theirs["id"], password=PASSWORD)
    event = new_event("clause_at_risk", "enrollment", {
        "agreement_id": agreement_id, "partner_id": ours["id"], "clause_id": "seats",
        "party": "enterprise", "metric": "seats_filled", "target": 5, "progress": 1,
        "elapsed": 0.6, "due_on": "2099-12-31", "status": "at_risk"})
    publish_event(system.amqp_uri, "enrollment", event)
    publish_event(system.amqp_uri, "enrollment", event)  # delivered twice: one notification
    notification_id = "clause-%s-seats-at_risk" % agreement_id
    officer = system.user("registrar.inbox", "admissions_officer")
    wait_until(lambda: any(item["id"] == notification_id for item in gateway_get(
        system, "/v1/inbox?limit=200", officer).json()["items"]), timeout=30,
        message="the clause's notification")
    observed = browse(system, "inbox_notification", username="hr.inbox.ours",
                      other_username="hr.inbox.theirs", notification_id=notification_id,
                      agreement_id=agreement_id, email="hr.inbox@example.cn")
    assert "消息" in observed["nav"], observed["nav"]
    assert observed["bell_before"] == "1" and observed["bell_after"] == "0", observed
    assert "协议条款有未达成风险" in observed["row"] and "招收学生" in observed["row"], observed
    assert observed["address"] == "#/agreements/%s" % agreement_id
    assert "An agreement clause is at risk" in observed["page_en"], observed["page_en"]
    assert observed["other_rows"] == 0 and observed["other_bell"] == "0", observed
    refused = requests.post(system.url("gateway", "/v1/inbox/%s/read" % notification_id),
                            headers=theirs_headers, timeout=10)
    assert refused.status_code == 404, refused.text
    assert observed["mail_error"], "asking for e-mail without an address is refused"
    ours_headers = system.user("hr.inbox.ours.check", "enterprise_user",
                               enterprise_id=ours["id"])
    stored = system.db("gateway").users.find_one({"_id": "hr.inbox.ours"})
    assert (stored["email"], stored["email_notifications"]) == ("hr.inbox@example.cn", True)
    assert gateway_get(system, "/v1/inbox", ours_headers).json()["total"] == 1
