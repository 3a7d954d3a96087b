"""Two enterprises with everything the platform keeps of each, built through the
API as the college and the enterprises would: for tests that ask whether one
party can reach another's objects.

Each tenant is a partner enterprise with an active agreement (its clauses, and
equipment it declared toward one), an apprentice it
sponsors (applied, interviewed, offered, signed and enrolled), its HR user and
the student's own account, an industry mentor and a teacher seconded to it with
a timesheet, a placement with a check-in and feedback, a published project in
progress with the student's team, a deliverable and its review, and the
student's exam registration, result and certificate, and their award in a skills
competition. The programme, the tutor, the certificate catalogue, the exam
session and the competition are the college's, shared."""
import hashlib
import uuid

import requests

from testkit.servers import wait_until

PARTNERS = (
    {"legal_name": "深圳智造科技有限公司", "credit_code": "91350100M000100Y43",
     "industry": "智能制造"},
    {"legal_name": "Hangzhou Robotics Co., Ltd.", "credit_code": "91110000100000000R",
     "industry": "robotics"},
)
PROGRAMME_CODE = "2027-MA-TENANTS"
CERTIFICATE_CODE = "1X-TENANT-01"


class Caller:
    """One signed-in party: requests with its token, failing loudly on surprises."""

    def __init__(self, system, headers, name):
        self.system, self.headers, self.name = system, headers, name

    def request(self, method, path, body=None, **kwargs):
        return requests.request(method, self.system.url("gateway", path), json=body,
                                headers=self.headers, timeout=30, **kwargs)

    def ok(self, method, path, body=None, status=(200, 201)):
        response = self.request(method, path, body)
        assert response.status_code in ((status,) if isinstance(status, int) else status), \
            "%s %s as %s: %s %s" % (method, path, self.name, response.status_code,
                                    response.text[:500])
        return response.json() if response.content else None

    def eventually(self, method, path, body=None, timeout=45):
        """For a write that needs another service to have heard of an object first."""
        def attempt():
            response = self.request(method, path, body)
            return response.status_code in (200, 201) and response.json()
        return wait_until(attempt, timeout=timeout, interval=0.5,
                          message="%s %s as %s" % (method, path, self.name))


class Tenant:
    def __init__(self, label):
        self.label = label
        self.ids = {}  # what a route's path parameter names, for this tenant
        self.users = {}  # role -> Caller

    def __repr__(self):
        return "Tenant(%s)" % self.label


def build_tenants(system, labels=("A", "B")):
    """``{label: Tenant}``, plus ``"college"``: the shared objects' ids."""
    suffix = uuid.uuid4().hex[:6]

    def user(username, role, **links):
        username = "%s.%s" % (username, suffix)
        return Caller(system, system.user(username, role, **links), username)

    officer = user("tenants.admissions", "admissions_officer")
    coordinator = user("tenants.projects", "project_coordinator")
    mentors = user("tenants.mentors", "mentor_coordinator")
    certificates = user("tenants.certificates", "certificate_officer")

    tenants = {label: Tenant(label) for label in labels}
    partners = {}
    for label, partner in zip(labels, PARTNERS):
        partners[label] = officer.ok("POST", "/v1/partners", partner)
        tenant = tenants[label]
        tenant.partner = partners[label]
        tenant.ids.update(partner_id=partners[label]["id"], enterprise_id=partners[label]["id"])
        tenant.users["enterprise_user"] = user("hr.%s" % label.lower(), "enterprise_user",
                                               enterprise_id=partners[label]["id"])
        agreement = officer.ok("POST", "/v1/partners/%s/agreements" % partners[label]["id"], {
            "title": "现代学徒制合作协议 %s" % label, "starts_on": "2020-01-01",
            "ends_on": "2099-12-31", "programme_codes": [PROGRAMME_CODE]})
        officer.ok("POST", "/v1/agreements/%s/status" % agreement["id"], {"status": "active"})
        tenant.ids["agreement_id"] = agreement["id"]
        officer.ok("PATCH", "/v1/agreements/%s" % agreement["id"], {
            "reason": "合作条款", "clauses": [
                {"id": "seats", "party": "enterprise", "metric": "seats_filled", "target": 5,
                 "due_on": "2027-12-31", "description": "招收学徒5名"},
                {"id": "equipment", "party": "enterprise", "metric": "equipment_value",
                 "target": 100000, "due_on": "2027-12-31", "description": "捐赠实训设备"}]})
        declared = tenant.users["enterprise_user"].ok(
            "POST", "/v1/agreements/%s/declarations" % agreement["id"],
            {"clause_id": "equipment", "amount": 50000, "on": "2026-09-01"})
        tenant.ids["declaration_id"] = declared["declarations"][-1]["id"]

    programme = officer.ok("POST", "/v1/programmes", {
        "code": PROGRAMME_CODE, "name": "数控技术现代学徒制班", "kind": "apprenticeship",
        "intake_year": 2027, "capacity": 40,
        "quotas": [{"partner_id": partners[label]["id"], "seats": 10} for label in labels]})
    tutor = mentors.ok("POST", "/v1/mentors", {"name": "周老师", "kind": "teacher",
                                               "expertise": ["数控技术"]})
    session = certificate_with_session(certificates, CERTIFICATE_CODE, PROGRAMME_CODE)
    competition = certificates.ok("POST", "/v1/competitions", {
        "name": "全省职业院校技能大赛 数控车铣", "level": "provincial", "organiser": "省教育厅",
        "held_on": "2027-05-20", "certificates": [{"code": CERTIFICATE_CODE,
                                                   "level": "junior"}]})
    college = {"programme_id": programme["id"], "code": CERTIFICATE_CODE,
               "session_id": session["id"], "tutor_id": tutor["id"],
               "competition_id": competition["id"]}
    entries = {}

    for number, label in enumerate(labels):
        tenant, hr = tenants[label], tenants[label].users["enterprise_user"]
        partner_id = tenant.ids["partner_id"]
        name = "学徒%s%s" % (label, suffix)
        application, terms, student = enrol(officer, hr, programme, partner_id, name, number)
        tenant.student_name = name
        tenant.ids.update(application_id=application["id"],
                          applicant_id=application["applicant_id"],
                          tripartite_id=terms["id"], student_id=student["id"])
        me = tenant.users["student"] = user("student.%s" % label.lower(), "student",
                                            student_id=student["id"])

        expert = mentors.eventually("POST", "/v1/mentors", {
            "name": "工程师%s" % label, "kind": "industry", "enterprise_id": partner_id,
            "expertise": ["数控加工"]})
        teacher = mentors.ok("POST", "/v1/mentors", {"name": "教师%s" % label,
                                                     "kind": "teacher"})
        teacher_user = user("teacher.%s" % label.lower(), "teacher", mentor_id=teacher["id"])
        secondment = mentors.ok("POST", "/v1/secondments", {
            "mentor_id": teacher["id"], "direction": "outward", "enterprise_id": partner_id,
            "starts_on": "2026-09-01", "ends_on": "2027-06-30", "agreed_hours": 300})
        timesheet = teacher_user.ok("POST", "/v1/secondments/%s/timesheets" % secondment["id"],
                                    {"work_date": "2026-09-02", "hours": 6,
                                     "activity": "产线工艺实践"})
        assignment = wait_until(lambda: assignment_of(mentors, student["id"], expert["id"]),
                                timeout=45, interval=0.5,
                                message="the apprentice's enterprise mentor")
        tenant.ids.update(mentor_id=expert["id"], teacher_id=teacher["id"],
                          secondment_id=secondment["id"],
                          timesheet_id=timesheet["id"], assignment_id=assignment["id"])

        placement = hr.eventually("POST", "/v1/placements", {
            "student_id": student["id"], "site": "二号厂房 %s" % label,
            "supervisor_name": "王建国", "starts_on": "2026-09-07", "ends_on": "2027-01-29"})
        me.ok("POST", "/v1/placements/%s/checkins" % placement["id"], {
            "week_starting": "2026-09-07", "hours": 38, "summary": "入职安全培训"})
        hr.ok("POST", "/v1/feedback", {"subject_kind": "placement", "subject_id": placement["id"],
                                       "ratings": {"competencies": 4, "conduct": 5}})
        project = hr.ok("POST", "/v1/projects", {
            "title": "视觉质检 %s" % label, "team_size": 3,
            "brief": "为电机装配线开发基于机器视觉的缺陷检测工位。",
            "start_date": "2026-09-01", "end_date": "2027-06-30",
            "milestones": [{"title": "方案设计", "due_date": "2027-03-15", "weight": 100}]})
        hr.ok("POST", "/v1/projects/%s/transitions" % project["id"], {"status": "published"})
        team = coordinator.eventually("POST", "/v1/projects/%s/teams" % project["id"], {
            "student_ids": [student["id"]], "tutor_id": tutor["id"], "mentor_id": expert["id"],
            "name": "视觉组 %s" % label})
        hr.ok("POST", "/v1/projects/%s/transitions" % project["id"], {"status": "in_progress"})
        deliverable = me.ok("POST", "/v1/teams/%s/deliverables" % team["id"], {
            "milestone_id": project["milestones"][0]["id"], "title": "方案说明书",
            "url": "https://git.example.cn/%s" % label,
            "content_hash": hashlib.sha256(label.encode()).hexdigest(),
            "metadata": {"format": "pdf"}})
        hr.ok("POST", "/v1/deliverables/%s/reviews" % deliverable["id"], {
            "rubric": [{"criterion": "功能完整性", "score": 80}]})
        tenant.ids.update(placement_id=placement["id"], project_id=project["id"],
                          team_id=team["id"], deliverable_id=deliverable["id"],
                          milestone_id=project["milestones"][0]["id"])
        # its system is sent the events about its own objects (a host that never answers)
        subscription = hr.ok("POST", "/v1/enterprise-subscriptions", {
            "event_types": ["edu.college.placement.started.v1",
                            "edu.college.deliverable.reviewed.v1"],
            "delivery": "webhook", "url": "https://erp-%s.example.invalid/college" % suffix})
        tenant.ids["subscription_id"] = subscription["id"]

        registration = certificates.eventually(
            "POST", "/v1/exam-sessions/%s/registrations" % session["id"],
            {"candidate_id": student["id"]})
        result = certificates.ok("POST", "/v1/registrations/%s/result" % registration["id"],
                                 {"theory": 78.5, "practical": 85})
        tenant.ids.update(registration_id=registration["id"],
                          number=result["certificate_number"])
        entries[label] = certificates.eventually(
            "POST", "/v1/competitions/%s/entries" % competition["id"],
            {"kind": "individual", "student_ids": [student["id"]],
             "tutor_ids": [teacher["id"]]})
    # each tenant's student wins an award: the party's own object
    report = certificates.ok("POST", "/v1/competitions/%s/results" % competition["id"], {
        "results": [{"entry_id": entry["id"], "award": "second", "rank": rank}
                    for rank, entry in enumerate(entries.values(), start=2)]})
    for label, row in zip(entries, report["rows"]):
        assert row["outcome"] == "awarded", row
        tenants[label].ids.update(entry_id=row["entry_id"], award_id=row["award_ids"][0])
    # a student both parties relate to: the second sponsors and places them, the
    # college places them with the first as well
    first, second = (tenants[label] for label in labels[:2])
    hr = second.users["enterprise_user"]
    second.shared_student_name = "共享学徒%s" % suffix
    _, _, shared = enrol(officer, hr, programme, second.ids["partner_id"],
                         second.shared_student_name, len(labels))
    sponsor_placement = hr.eventually("POST", "/v1/placements", {
        "student_id": shared["id"], "site": "主厂房", "supervisor_name": "钱工",
        "starts_on": "2026-09-07", "ends_on": "2027-01-29"})
    coordinator.ok("POST", "/v1/placements", {
        "student_id": shared["id"], "enterprise_id": first.ids["partner_id"],
        "site": "协作车间", "supervisor_name": "王建国", "starts_on": "2027-02-01",
        "ends_on": "2027-06-30"})
    hr.ok("POST", "/v1/feedback", {"subject_kind": "placement",
                                   "subject_id": sponsor_placement["id"],
                                   "ratings": {"competencies": 2, "conduct": 3}})
    second.ids.update(shared_student_id=shared["id"],
                      shared_placement_id=sponsor_placement["id"])
    graduates_hired(officer, programme, [tenants[label] for label in labels])
    for label in labels:
        missed_week_notified(tenants[label])
    tenants["college"] = college
    return tenants


# the first week after the one each tenant's student logged
MISSED_WEEK = "2026-09-14"


def missed_week_notified(tenant):
    """``notification_id``: the week the tenant's student did not log, told to
    the student and to the host enterprise's users (docs/notifications.md).
    Needs the projects service's check-in sweep to run (``CHECKIN_SWEEP_SECONDS``)."""
    notification_id = "checkin-%s-%s-not_logged" % (tenant.ids["placement_id"], MISSED_WEEK)
    for role in ("enterprise_user", "student"):
        caller = tenant.users[role]
        wait_until(lambda: any(item["id"] == notification_id for item in caller.ok(
            "GET", "/v1/inbox?open=true&limit=200")["items"]), timeout=60, interval=0.5,
            message="the missed week in the %s's inbox" % role)
    tenant.ids["notification_id"] = notification_id


def graduates_hired(officer, programme, tenants):
    """Each tenant hired a graduate it sponsored, long enough ago that its
    employer surveys are due (``survey_id``: the 6-month one)."""
    officer.ok("POST", "/v1/programmes/%s/graduation-requirements" % programme["id"], {
        "credits": 0, "placement_hours": 0, "certificates": []})
    for number, tenant in enumerate(tenants, start=len(tenants) + 1):
        hr = tenant.users["enterprise_user"]
        _, _, graduate = enrol(officer, hr, programme, tenant.ids["partner_id"],
                               "毕业生%s" % tenant.label, number)
        officer.ok("POST", "/v1/programmes/%s/graduations" % programme["id"],
                   {"student_ids": [graduate["id"]]})
        officer.ok("PUT", "/v1/students/%s/destination" % graduate["id"], {
            "kind": "hired", "enterprise_id": tenant.ids["partner_id"],
            "started_on": "2020-07-01"})
        surveys = hr.ok("GET", "/v1/employer-surveys")["items"]
        tenant.ids["survey_id"] = surveys[0]["id"]


def enrol(officer, hr, programme, partner_id, name, number):
    """An apprentice the partner sponsors, from application to enrolment:
    ``(application, tripartite agreement, student)``."""
    application = officer.ok("POST", "/v1/applications", {
        "programme_id": programme["id"], "partner_id": partner_id,
        "applicant": {"name": name, "resident_id": resident_id(number),
                      "phone": "1380013800%d" % number}})
    path = "/v1/applications/%s" % application["id"]
    officer.ok("POST", path + "/screening", {"passed": True})
    hr.ok("POST", path + "/interview", {"passed": True, "score": 88})
    officer.ok("POST", path + "/offer-decisions", {"approve": True})
    hr.ok("POST", path + "/offer-decisions", {"approve": True})
    officer.ok("POST", path + "/offer-response", {"accept": True})
    terms = officer.ok("POST", path + "/tripartite-agreements",
                       {"terms": "学徒期三年，企业按月发放学徒津贴。"})
    signatures = "/v1/tripartite-agreements/%s/signatures" % terms["id"]
    officer.ok("POST", signatures, {"party": "college", "signer": "周老师"})
    hr.ok("POST", signatures, {"signer": "王芳"})
    officer.ok("POST", signatures, {"party": "student", "signer": name})
    student = officer.ok("POST", path + "/enrolment", {"apprentice_contract": {
        "starts_on": "2027-09-01", "ends_on": "2030-06-30", "position": "数控学徒工"}})
    return application, terms, student


def assignment_of(mentors, student_id, mentor_id):
    """The apprentice's enterprise mentor assignment, assigning it by hand when the
    slot is open (the mentors service opens it once it heard of the enrolment)."""
    listed = mentors.ok("GET", "/v1/assignments?student_id=%s" % student_id)["items"]
    held = [a for a in listed if a["role"] == "enterprise_mentor"]
    if held:
        return held[0]
    response = mentors.request("POST", "/v1/assignments", {
        "slot_id": "apprentice:%s:enterprise_mentor" % student_id, "mentor_id": mentor_id})
    return response.status_code == 201 and response.json()


def resident_id(number):
    """A well-formed resident id (GB 11643 check digit) per tenant number."""
    body = "11010520050301%03d" % (10 + number)
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
    return body + check


def certificate_with_session(certificates, code, programme_code):
    """A junior-level 1+X certificate aligned to the programme, and an exam
    session of it open for registration; answers the session."""
    certificates.ok("POST", "/v1/certificates", {
        "code": code, "title": "数控车铣加工", "organisation": "武汉华中数控",
        "levels": ["junior"], "alignment": {"programmes": [programme_code], "courses": []},
        "pass_rule": {"theory_min": 60, "practical_min": 60}})
    return certificates.ok("POST", "/v1/exam-sessions", {
        "certificate_code": code, "level": "junior", "site": "实训楼 A302",
        "exam_date": "2099-06-12", "registration_deadline": "2099-05-31", "capacity": 30})
