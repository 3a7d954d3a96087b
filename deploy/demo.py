"""Load a small, realistic demo dataset through the gateway's HTTP API.

    make demo                      # against `make run` on 127.0.0.1:8000
    GATEWAY_URL=http://host:8000 ADMIN_USERNAME=admin ADMIN_PASSWORD=... make demo

Everything goes through the public API, as an operator would do it: partners
and agreements, programmes with seat quotas, applicants with Chinese and
English names taken through screening, interview and joint offer to
enrolment, mentors, a project with a team, deliverables and reviews,
placements with check-ins, a secondment with a timesheet, and 1+X
certificates with an exam session and results. The accounts it creates
(an enterprise user per partner, student accounts) share one password, kept in
var/demo-password and printed at the end. Running it again finds what is
already there and adds nothing twice.
"""
import getpass
import hashlib
import os
import secrets
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]

PARTNERS = [
    {"legal_name": "深圳智造科技有限公司", "credit_code": "91350100M000100Y43",
     "industry": "智能制造", "username": "hr.zhizao", "contact": "王芳"},
    {"legal_name": "Hangzhou Robotics Co., Ltd.", "credit_code": "91110000100000000R",
     "industry": "robotics", "username": "hr.hzrobotics", "contact": "Linda Zhou"},
    {"legal_name": "苏州精工机械有限公司", "credit_code": "91320500MA1X12345Q",
     "industry": "装备制造", "username": "hr.jinggong", "contact": "陈建国"},
]
# (code, name, kind, partner index, seats)
PROGRAMMES = [
    ("2027-MA-CNC", "数控技术现代学徒制班", "apprenticeship", 0, 30),
    ("2027-OC-IOT", "物联网应用技术订单班", "order_class", 1, 20),
    ("2027-JM-ROB", "工业机器人技术校企共建专业", "joint_major", 2, 25),
]
# (name, resident id serial, programme index, how far the application goes)
APPLICANTS = [
    ("李明", 1, 0, "enrolled"), ("王晓明", 2, 0, "enrolled"), ("张伟", 3, 0, "enrolled"),
    ("Emma Wilson", 4, 1, "enrolled"), ("陈静", 5, 1, "enrolled"), ("Oliver Smith", 6, 2,
                                                                      "enrolled"),
    ("赵雪", 7, 0, "interviewed"), ("刘洋", 8, 1, "screened"), ("Aiko Tanaka", 9, 2, "submitted"),
    ("黄磊", 10, 0, "rejected"),
]
TEACHERS = [("周老师", ["数控技术", "PLC"]), ("王丽华", ["物联网", "嵌入式"]),
            ("Michael Brown", ["robotics"])]
INDUSTRY_MENTORS = [("陈工", 0, ["数控加工"]), ("Li Qiang", 1, ["IoT gateways"]),
                    ("孙师傅", 2, ["机器人装调"])]
CERTIFICATES = [
    {"code": "1X-IOT-01", "title": "物联网安装调试与运维", "organisation": "新大陆教育",
     "levels": ["junior", "intermediate"], "pass_rule": {"theory_min": 60, "practical_min": 60},
     "alignment": {"programmes": ["2027-OC-IOT"], "courses": ["IOT101"], "competitions": []}},
    {"code": "1X-CNC-02", "title": "数控车铣加工", "organisation": "武汉华中数控",
     "levels": ["junior", "intermediate", "senior"],
     "pass_rule": {"theory_min": 60, "practical_min": 60},
     "alignment": {"programmes": ["2027-MA-CNC"], "courses": ["CNC101"], "competitions": []}},
]
# (certificate, level, site, candidates): each candidate's programme is aligned with it
EXAMS = [("1X-CNC-02", "junior", "数控实训中心 B105", ["李明", "王晓明", "张伟"]),
         ("1X-IOT-01", "junior", "实训楼 A302", ["Emma Wilson", "陈静"])]
# exam scores per student name: (theory, practical)
RESULTS = {"李明": (82, 88), "王晓明": (75, 91), "张伟": (58, 70), "Emma Wilson": (90, 86),
           "陈静": (66, 72)}


class Problem(Exception):
    pass


class Gateway:
    def __init__(self, base_url, headers=None, log=print):
        self.base_url = base_url.rstrip("/")
        self.headers = headers or {}
        self.log = log

    def send(self, method, path, body=None, expect=(200, 201), **params):
        response = requests.request(method, self.base_url + path, json=body, params=params,
                                    headers=self.headers, timeout=30)
        if response.status_code not in expect:
            raise Problem("%s %s -> %s %s" % (method, path, response.status_code,
                                              response.text[:500]))
        return response.json() if response.content else None

    def get(self, path, **params):
        return self.send("GET", path, **params)

    def post(self, path, body, **kwargs):
        return self.send("POST", path, body, **kwargs)

    def items(self, path, **params):
        """Every item of a paged list."""
        offset, found = 0, []
        while True:
            page = self.get(path, offset=offset, limit=100, **params)
            found.extend(page["items"])
            if "total" not in page or offset + 100 >= page["total"]:
                return found
            offset += 100

    def eventually(self, method, path, body, timeout=60):
        """A command that waits for another service to learn of something by
        event (a partner, a student, a mentor): retried until it is accepted."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.send(method, path, body)
            except Problem:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def as_user(self, username, password):
        token = self.post("/v1/auth/token", {"username": username, "password": password})
        return Gateway(self.base_url, {"Authorization": "Bearer %s" % token["access_token"]},
                       self.log)


def resident_id(serial):
    """A valid resident identity number (the check character computed as the
    national standard says) for a made-up person born in 2005."""
    first_17 = "110105200503%02d%03d" % (1 + serial % 28, serial)
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(digit) * weight for digit, weight in zip(first_17, weights))
    return first_17 + "10X98765432"[total % 11]


def monday(day):
    return day - timedelta(days=day.weekday())


def ensure_user(admin, username, password, role, **links):
    response = requests.post(admin.base_url + "/v1/users", headers=admin.headers, timeout=30,
                             json={"username": username, "password": password, "role": role,
                                   **{k: v for k, v in links.items() if v}})
    if response.status_code not in (201, 409):
        raise Problem("creating user %s: %s %s" % (username, response.status_code,
                                                    response.text[:300]))
    try:
        return admin.as_user(username, password)
    except Problem:
        raise Problem("the account %s already exists with a password other than the one "
                      "in var/demo-password" % username)


# what the first partner and the college commit to in their agreement (docs/enrollment.md,
# "Commitments"): progress comes from the students, placements and secondments below
CLAUSES = [
    {"id": "seats-2027", "party": "enterprise", "metric": "seats_filled", "target": 5,
     "due_on": "2027-09-30", "description": "2027级订单班招收5名学生"},
    {"id": "placements", "party": "enterprise", "metric": "placements_hosted", "target": 4,
     "due_on": "2029-06-30", "description": "每年接收学生顶岗实习"},
    {"id": "equipment", "party": "enterprise", "metric": "equipment_value", "target": 500000,
     "due_on": "2028-12-31", "description": "捐赠实训设备50万元"},
    {"id": "teachers", "party": "college", "metric": "teachers_hosted", "target": 4,
     "due_on": "2029-12-31", "description": "学校派教师下企业实践"},
]


def load(admin, password, today=None):
    """The whole dataset; returns what a caller (a test, the summary) needs."""
    today = today or date.today()
    log = admin.log
    created = {"users": {}}

    log("partners and cooperation agreements")
    existing = {p["credit_code"]: p for p in admin.items("/v1/partners")}
    partners = []
    for spec, programme in zip(PARTNERS, PROGRAMMES):
        partner = existing.get(spec["credit_code"]) or admin.post("/v1/partners", {
            "legal_name": spec["legal_name"], "credit_code": spec["credit_code"],
            "industry": spec["industry"], "contacts": [{"name": spec["contact"]}]})
        partners.append(partner)
        agreements = admin.items("/v1/agreements", partner_id=partner["id"])
        if not agreements:
            agreement = admin.post("/v1/partners/%s/agreements" % partner["id"], {
                "title": "%s校企合作协议" % programme[1], "starts_on": "2024-01-01",
                "ends_on": "2030-12-31", "programme_codes": [programme[0]]})
            admin.post("/v1/agreements/%s/status" % agreement["id"], {"status": "active"})
            agreements = [agreement]
        if spec is PARTNERS[0] and not agreements[0].get("clauses"):
            admin.send("PATCH", "/v1/agreements/%s" % agreements[0]["id"], {
                "reason": "补充合作条款", "clauses": CLAUSES})
        created["users"][spec["username"]] = ensure_user(
            admin, spec["username"], password, "enterprise_user", enterprise_id=partner["id"])
    created["partners"] = partners

    # the value of a mentor hour (docs/enrollment.md, "Costs and returns"), so each
    # enterprise's costs and returns and its evidence pack value the hours it gives
    log("the value of a mentor hour, last year and this")
    for year, value in ((today.year - 1, 280), (today.year, 300)):
        admin.send("PUT", "/v1/valuation-rates/%d" % year, {"mentor_hour_cny": value})

    log("programmes with their partners' seat quotas")
    existing = {p["code"]: p for p in admin.items("/v1/programmes")}
    programmes = []
    for code, name, kind, partner_index, seats in PROGRAMMES:
        programmes.append(existing.get(code) or admin.post("/v1/programmes", {
            "code": code, "name": name, "kind": kind, "intake_year": 2027, "capacity": 40,
            "quotas": [{"partner_id": partners[partner_index]["id"], "seats": seats}],
            "courses": [{"code": code.split("-")[-1] + "101", "name": name, "credits": 4}]}))
    created["programmes"] = programmes

    log("mentors and teachers")
    mentors = {m["name"]: m for m in admin.items("/v1/mentors")}
    for name, expertise in TEACHERS:
        if name not in mentors:
            mentors[name] = admin.post("/v1/mentors", {"name": name, "kind": "teacher",
                                                       "expertise": expertise})
    for name, partner_index, expertise in INDUSTRY_MENTORS:
        if name not in mentors:  # the mentors service learns of the partner by event
            mentors[name] = admin.eventually("POST", "/v1/mentors", {
                "name": name, "kind": "industry", "expertise": expertise,
                "enterprise_id": partners[partner_index]["id"]})
    teacher = mentors["周老师"]
    if not admin.get("/v1/mentors/%s" % teacher["id"]).get("industry_qualifications"):
        admin.post("/v1/mentors/%s/industry-qualifications" % teacher["id"],
                   {"qualification": "数控车工高级技师"})
    created["mentors"] = mentors

    log("applicants through screening, interview and the joint offer to enrolment")
    students = {s["name"]: s for s in admin.items("/v1/students")}
    applications = {a.get("applicant_name"): a for a in admin.items("/v1/applications")}
    for name, serial, programme_index, goal in APPLICANTS:
        programme = programmes[programme_index]
        partner_spec = PARTNERS[PROGRAMMES[programme_index][3]]
        hr = created["users"][partner_spec["username"]]
        application = applications.get(name) or admin.post("/v1/applications", {
            "programme_id": programme["id"],
            "applicant": {"name": name, "resident_id": resident_id(serial),
                          "phone": "138%08d" % serial}})
        applications[name] = advance(admin, hr, application, goal, programme)
        if goal == "enrolled" and name not in students:
            students[name] = admin.get("/v1/students", q=name)["items"][0]
    created["applications"] = applications
    created["students"] = students

    log("a project with milestones, a team, deliverables and reviews")
    created["project"] = project_with_team(admin, created, today)

    log("placements with weekly check-ins")
    created["placements"] = placements(admin, created, password, today)

    log("a secondment with a timesheet")
    secondment(admin, created, today)

    log("1+X certificates, an exam session and results")
    created["certificates"] = certificates(admin, created, today)

    log("graduation requirements")
    graduation_requirements(admin, created)

    log("a graduated cohort: destinations, retention and employer surveys")
    created["graduates"] = graduated_cohort(admin, created, today)

    log("skills competitions: entrants, awards and the credits they convert to")
    created["awards"] = competitions(admin, created, today)
    return created


# what each programme's students must achieve to graduate (programme index: requirements)
GRADUATION = {
    0: {"credits": 120, "placement_hours": 1200, "projects": {"count": 2, "min_grade": 60},
        "certificates": [{"code": "1X-CNC-02", "level": "intermediate"}]},
    1: {"credits": 110, "placement_hours": 480, "projects": {"count": 1, "min_grade": 60},
        "certificates": [{"code": "1X-IOT-01", "level": "junior"}]},
}


def graduation_requirements(admin, created):
    for index, requirements in GRADUATION.items():
        path = "/v1/programmes/%s/graduation-requirements" % created["programmes"][index]["id"]
        if not admin.get(path):
            admin.post(path, {**requirements, "effective_from": "2027-09-01",
                              "note": "2027级人才培养方案"})


def advance(admin, hr, application, goal, programme):
    """Take one application as far as ``goal`` through the same steps staff
    and enterprise users take, skipping those already done."""
    path = "/v1/applications/%s" % application["id"]
    order = ["submitted", "screened", "interviewed", "offered", "accepted", "enrolled"]
    status = application["status"]
    if goal == "rejected":
        if status == "submitted":
            application = admin.post(path + "/screening", {"passed": False,
                                                           "reason": "材料不全"})
        return application
    while status in order and order.index(status) < order.index(goal):
        if status == "submitted":
            application = admin.post(path + "/screening", {"passed": True, "note": "材料齐全"})
        elif status == "screened":
            application = hr.post(path + "/interview", {"passed": True, "score": 85,
                                                        "interviewer": "企业面试官"})
        elif status == "interviewed":
            for decider in (admin, hr):
                approvals = decider.get(path).get("offer_approvals") or {}
                party = "college" if decider is admin else "enterprise"
                if party not in approvals:
                    application = decider.post(path + "/offer-decisions", {"approve": True})
        elif status == "offered":
            application = admin.post(path + "/offer-response", {"accept": True})
        elif status == "accepted":
            enrol(admin, hr, path, application, programme)
            application = admin.get(path)
        status = application["status"]
    return application


def enrol(admin, hr, path, application, programme):
    versions = admin.get(path + "/tripartite-agreements")["items"]
    agreement = versions[0] if versions else admin.post(path + "/tripartite-agreements", {
        "terms": "学习期间企业提供岗位实践与导师指导，学院负责教学与学籍管理。"})
    signatures = "/v1/tripartite-agreements/%s/signatures" % agreement["id"]
    signed = agreement.get("signatures") or {}
    for signer, party in ((admin, "college"), (hr, "enterprise"), (admin, "student")):
        if party not in signed:
            body = {"signer": application.get("applicant_name") or "学生本人"}
            if signer is admin:
                body["party"] = party
            signer.post(signatures, body)
    body = {}
    if programme["kind"] == "apprenticeship":
        body = {"apprentice_contract": {"starts_on": "2027-09-01", "ends_on": "2030-06-30",
                                        "position": "数控学徒工"}}
    admin.post(path + "/enrolment", body)


def project_with_team(admin, created, today):
    partner = created["partners"][0]
    existing = [p for p in admin.items("/v1/projects", enterprise_id=partner["id"])
                if p["title"] == "产线视觉质检系统"]
    if existing:
        return existing[0]
    start = today - timedelta(days=40)
    project = admin.post("/v1/projects", {
        "title": "产线视觉质检系统", "enterprise_id": partner["id"], "team_size": 3,
        "brief": "为电机装配线开发基于机器视觉的缺陷检测工位", "course_code": "MV301",
        "credit_weight": 2, "required_competencies": ["OpenCV", "PLC"],
        "start_date": start.isoformat(), "end_date": (today + timedelta(days=60)).isoformat(),
        "milestones": [
            {"title": "方案设计", "due_date": (today - timedelta(days=10)).isoformat(),
             "weight": 40},
            {"title": "Final delivery", "due_date": (today + timedelta(days=50)).isoformat(),
             "weight": 60}]})
    path = "/v1/projects/%s" % project["id"]
    admin.post(path + "/transitions", {"status": "published"})
    members = [created["students"][name]["id"] for name in ("李明", "王晓明", "张伟")]
    team = admin.eventually("POST", path + "/teams", {
        "student_ids": members, "tutor_id": created["mentors"]["周老师"]["id"],
        "mentor_id": created["mentors"]["陈工"]["id"], "name": "视觉一组"})
    admin.post(path + "/transitions", {"status": "in_progress"})
    milestone = admin.get(path)["milestones"][0]
    milestone_id = milestone.get("id") or milestone.get("milestone_id")
    document = "vision-team-1 design v1".encode()
    deliverable = admin.post("/v1/teams/%s/deliverables" % team["id"], {
        "milestone_id": milestone_id, "title": "方案说明书",
        "url": "https://git.example.cn/vision-1/plan.pdf",
        "content_hash": hashlib.sha256(document).hexdigest(), "metadata": {"format": "pdf"}})
    for kind, score, comment in (("enterprise", 86, "识别率达标，节拍需优化"),
                                 ("tutor", 90, "文档结构清晰")):
        admin.post("/v1/deliverables/%s/reviews" % deliverable["id"], {
            "reviewer_kind": kind, "comment": comment,
            "rubric": [{"criterion": "功能完整性", "score": score, "weight": 2},
                       {"criterion": "文档质量", "score": score - 5}]})
    return admin.get(path)


def placements(admin, created, password, today):
    found = []
    for name, partner_index in (("李明", 0), ("Emma Wilson", 1)):
        student = created["students"][name]
        username = "student.%s" % student["student_number"].lower()
        account = ensure_user(admin, username, password, "student", student_id=student["id"])
        created["users"][username] = account
        existing = admin.items("/v1/placements", student_id=student["id"])
        if existing:
            found.append(existing[0])
            continue
        starts = monday(today) - timedelta(weeks=5)
        placement = admin.eventually("POST", "/v1/placements", {
            "student_id": student["id"], "enterprise_id": created["partners"][partner_index]["id"],
            "site": "苏州工业园区二号厂房" if partner_index == 0 else "Hangzhou R&D centre",
            "supervisor_name": PARTNERS[partner_index]["contact"],
            "starts_on": starts.isoformat(),
            "ends_on": (starts + timedelta(weeks=16)).isoformat(), "kind": "internship"})
        # weeks one, two and four are logged; week three is missed
        for week in (0, 1, 3):
            account.post("/v1/placements/%s/checkins" % placement["id"], {
                "week_starting": (starts + timedelta(weeks=week)).isoformat(),
                "hours": 38.5, "summary": "完成工位点检与设备保养"})
        hr = created["users"][PARTNERS[partner_index]["username"]]
        hr.post("/v1/placements/%s/checkins/%s/confirmation" % (
            placement["id"], starts.isoformat()), {"comment": "属实"})
        found.append(placement)
    return found


def secondment(admin, created, today):
    teacher = created["mentors"]["王丽华"]
    if admin.items("/v1/secondments", mentor_id=teacher["id"]):
        return
    starts = today - timedelta(days=20)
    planned = admin.eventually("POST", "/v1/secondments", {
        "mentor_id": teacher["id"], "direction": "outward",
        "enterprise_id": created["partners"][1]["id"], "role": "物联网工程师",
        "starts_on": starts.isoformat(), "ends_on": (today + timedelta(days=150)).isoformat(),
        "agreed_hours": 600})
    hr = created["users"][PARTNERS[1]["username"]]
    for day, hours, activity in ((1, 6, "网关部署与带教"), (2, 7.5, "产线数据采集调试")):
        timesheet = admin.post("/v1/secondments/%s/timesheets" % planned["id"], {
            "work_date": (starts + timedelta(days=day)).isoformat(), "hours": hours,
            "activity": activity})
        hr.post("/v1/timesheets/%s/decision" % timesheet["id"], {"decision": "approved"})


def certificates(admin, created, today):
    catalogue = {c["code"] for c in admin.items("/v1/certificates")}
    for certificate in CERTIFICATES:
        if certificate["code"] not in catalogue:
            admin.post("/v1/certificates", certificate)
    rules = {(r["programme_id"], r["certificate_code"]) for r in admin.items("/v1/credit-rules")}
    for programme_index, code, exemptions in ((0, "1X-CNC-02", ["CNC101"]),
                                              (1, "1X-IOT-01", ["IOT101"])):
        programme_id = created["programmes"][programme_index]["id"]
        if (programme_id, code) not in rules:  # certificates learns of programmes by event
            admin.eventually("POST", "/v1/credit-rules", {
                "programme_id": programme_id, "certificate_code": code, "level": "junior",
                "credits": 4, "course_exemptions": exemptions})
    sessions = {(s["certificate_code"], s["level"]): s for s in admin.items("/v1/exam-sessions")}
    numbers, scheduled = [], []
    for code, level, site, candidates in EXAMS:
        session = sessions.get((code, level)) or admin.post("/v1/exam-sessions", {
            "certificate_code": code, "level": level, "site": site,
            "exam_date": (today + timedelta(days=30)).isoformat(),
            "registration_deadline": (today + timedelta(days=20)).isoformat(), "capacity": 30})
        scheduled.append(session)
        registered = {r["candidate_id"]: r for r in admin.items("/v1/registrations",
                                                                   session_id=session["id"])}
        for name in candidates:
            student = created["students"][name]
            registration = registered.get(student["id"]) or admin.eventually(
                "POST", "/v1/exam-sessions/%s/registrations" % session["id"],
                {"candidate_id": student["id"]})
            if registration.get("result") is None:
                theory, practical = RESULTS[name]
                registration = admin.post("/v1/registrations/%s/result" % registration["id"],
                                          {"theory": theory, "practical": practical})
            if registration.get("certificate_number"):
                numbers.append(registration["certificate_number"])
    return {"sessions": scheduled, "numbers": numbers}


# the 2023 order class, graduated: (name, resident id serial, destination or None)
COHORT_CODE = "2023-OC-CNC"
COHORT = [("赵磊", 21, "sponsor"), ("钱悦", 22, "sponsor"), ("孙浩", 23, "sponsor"),
          ("周婷", 24, "other"), ("吴迪", 25, "further_study"), ("郑凯", 26, None)]
COMPETENCIES = ["数控编程", "设备维护", "质量意识", "职业素养"]


def graduated_cohort(admin, created, today):
    """A cohort that has graduated: where each went first, whether the sponsor's
    hires stayed, and what the sponsor thought of them, so the dashboard's
    graduation, employment and satisfaction figures have something to show."""
    sponsor, other = created["partners"][0], created["partners"][1]
    existing = {p["code"]: p for p in admin.items("/v1/programmes")}
    if COHORT_CODE in existing:
        return admin.items("/v1/students", programme_id=existing[COHORT_CODE]["id"])
    agreement = admin.post("/v1/partners/%s/agreements" % sponsor["id"], {
        "title": "2023级数控订单班合作协议", "starts_on": "2023-01-01", "ends_on": "2030-12-31",
        "programme_codes": [COHORT_CODE]})
    admin.post("/v1/agreements/%s/status" % agreement["id"], {"status": "active"})
    programme = admin.post("/v1/programmes", {
        "code": COHORT_CODE, "name": "数控技术订单班（2023级）", "kind": "order_class",
        "intake_year": 2023, "capacity": 10, "competencies": COMPETENCIES,
        "quotas": [{"partner_id": sponsor["id"], "seats": 10}]})
    report = admin.post("/v1/admission-imports", {"programme_id": programme["id"], "rows": [
        {"name": name, "resident_id": resident_id(serial), "phone": "139%08d" % serial,
         "admission_number": "2333010000%03d" % serial} for name, serial, _ in COHORT]})
    students = {COHORT[entry["row"] - 1][0]: entry["student_id"] for entry in report["report"]}
    admin.post("/v1/programmes/%s/graduation-requirements" % programme["id"], {
        "credits": 0, "placement_hours": 0, "certificates": [], "effective_from": "2023-09-01",
        "note": "演示数据：往届毕业要求未录入系统"})
    admin.post("/v1/programmes/%s/graduations" % programme["id"],
               {"student_ids": [students[name] for name, _, _ in COHORT]})
    hired_on = (today - timedelta(days=400)).isoformat()
    for name, _, destination in COHORT:
        path = "/v1/students/%s" % students[name]
        if destination == "sponsor":
            admin.send("PUT", path + "/destination", {
                "kind": "hired", "enterprise_id": sponsor["id"], "position": "数控工艺员",
                "started_on": hired_on})
        elif destination == "other":
            admin.send("PUT", path + "/destination", {
                "kind": "hired", "enterprise_id": other["id"], "started_on": hired_on})
        elif destination == "further_study":
            admin.send("PUT", path + "/destination", {
                "kind": "further_study", "employer_name": "深圳职业技术大学（专升本）",
                "started_on": hired_on})
        else:
            admin.send("PUT", path + "/destination", {"kind": "not_yet_placed"})
    for name, months, stayed in (("赵磊", 6, True), ("赵磊", 12, True), ("钱悦", 6, True),
                                 ("钱悦", 12, False)):
        admin.post("/v1/students/%s/retention-checks" % students[name],
                   {"months": months, "still_employed": stayed})
    hr = created["users"][PARTNERS[0]["username"]]
    for survey, ratings in zip(hr.items("/v1/employer-surveys", status="open"), (
            {"数控编程": 5, "设备维护": 3, "质量意识": 4, "职业素养": 5},
            {"数控编程": 4, "设备维护": 2, "质量意识": 4, "职业素养": 4})):
        hr.post("/v1/employer-surveys/%s/answers" % survey["id"],
                {"ratings": ratings, "comment": "设备维护能力需加强"})
    return admin.items("/v1/students", programme_id=programme["id"])


# (name, level, organiser, held days ago, aligned course codes, aligned certificates,
#  entries: (team name or None, student names, award))
COMPETITIONS = [
    ("广东省职业院校技能大赛·数控车加工赛项", "provincial", "广东省教育厅", 40, ["CNC101"],
     [{"code": "1X-CNC-02", "level": "intermediate"}],
     [(None, ["李明"], "first"), ("精工队", ["王晓明", "张伟"], "second")]),
    ("校园物联网创新技能赛", "college", "教务处", 20, ["IOT101"],
     [{"code": "1X-IOT-01", "level": "junior"}],
     [(None, ["Emma Wilson"], "third"), (None, ["陈静"], "none")]),
]
# (programme index, competition level, award, credits, course exemptions, exam stand-in)
AWARD_RULES = [
    (0, "provincial", "first", 4, ["CNC101"], {"certificate_code": "1X-CNC-02",
                                                "level": "intermediate"}),
    (0, "provincial", "second", 2, [], None),
    (1, "college", "third", 1, [], None),
]


def competitions(admin, created, today):
    """Competitions with individual and team entries tutored by a teacher, their
    awards, and the rules that turn awards into credits (a provincial first
    prize also stands in for the intermediate CNC exam)."""
    rules = {(r["programme_id"], r["competition_level"], r["award"])
             for r in admin.items("/v1/award-credit-rules")}
    for index, level, award, credits, exemptions, stand_in in AWARD_RULES:
        programme_id = created["programmes"][index]["id"]
        if (programme_id, level, award) not in rules:
            admin.eventually("POST", "/v1/award-credit-rules", {
                "programme_id": programme_id, "competition_level": level, "award": award,
                "credits": credits, "course_exemptions": exemptions,
                "exam_stand_in": stand_in})
    existing = {c["name"]: c for c in admin.items("/v1/competitions")}
    tutor = created["mentors"]["周老师"]["id"]
    for name, level, organiser, days_ago, courses, aligned, entries in COMPETITIONS:
        competition = existing.get(name) or admin.post("/v1/competitions", {
            "name": name, "level": level, "organiser": organiser,
            "held_on": (today - timedelta(days=days_ago)).isoformat(),
            "courses": courses, "certificates": aligned})
        if competition["status"] != "open":
            continue
        results = []
        for team_name, names, award in entries:
            entry = admin.eventually("POST", "/v1/competitions/%s/entries" % competition["id"], {
                "kind": "team" if team_name else "individual", "team_name": team_name,
                "student_ids": [created["students"][n]["id"] for n in names],
                "tutor_ids": [tutor]})
            results.append({"entry_id": entry["id"], "award": award})
        admin.post("/v1/competitions/%s/results" % competition["id"], {"results": results})
    return admin.items("/v1/awards")


def demo_password():
    path = ROOT / "var" / "demo-password"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def main():
    base_url = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000")
    username = os.environ.get("ADMIN_USERNAME", "admin")
    password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass(
        "Password of the administrator %s: " % username)
    try:
        admin = Gateway(base_url).as_user(username, password)
        shared = demo_password()
        created = load(admin, shared)
    except (Problem, requests.RequestException) as exc:
        print("error: %s" % exc, file=sys.stderr)
        print("Is the system running (make run) and the administrator created (make admin)?",
              file=sys.stderr)
        return 1
    print("\nThe demo data is loaded. Open %s/ and sign in as %s, or as one of:"
          % (base_url, username))
    for name in created["users"]:
        print("  %s" % name)
    print("(their password is in var/demo-password)")
    if created["certificates"]["numbers"]:
        print("Verify a certificate: %s/#/verify/%s" % (base_url,
                                                        created["certificates"]["numbers"][0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
