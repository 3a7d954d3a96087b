"""Every fact of the three aggregated views follows the change that affects it
within a few seconds, with the slow sweep off (issue 27, item 2).

The facts come from the views' own definitions: an empty student 360, enterprise
view and dashboard built by ``gateway.views``. A story made through the API, as
the college, an enterprise and a student would, declares for each step the facts
it changes; a fact no step declares fails the test, so a new fact is covered by
default. Each step's facts must show their change within ``DEADLINE`` seconds of
the step's last answer. The sweep (``VIEW_SWEEP_INTERVAL_SECONDS``) runs once an
hour here, so only the events, and the times the views say they change with
time alone, can make a fact fresh."""
import time
import uuid
from datetime import datetime, timedelta, timezone
from datetime import time as clock_time

import pytest

from gateway.views import dashboard, enterprise_view, student_360
from testkit.servers import wait_until
from testkit.system import System
from testkit.tenants import Caller, certificate_with_session, enrol

pytestmark = pytest.mark.e2e

DEADLINE = 5.0  # seconds; the README promises "typically within a second"
SIGNING_KEYS = "2027-01:KQVcPK8dELS152T4A_WIMN0maeLdm126SZoIeQuiRvg"  # a test seed
PROGRAMME_CODE = "2027-FRESH-CNC"
CERTIFICATE_CODE = "1X-FRESH-01"
# the view's own identity and its freshness, not facts
VIEW_META = {"student_id", "enterprise_id", "partial", "missing", "as_of", "filters"}
CONSTANT_FACTS = {("dashboard", "teachers.target")}  # the policy target, 0.5


def facts_of_the_views():
    """Every fact of the three views, from an empty view of each."""
    facts = {("student", name) for name in student_360("s", {}, {}, [])}
    facts |= {("enterprise", name) for name in enterprise_view("e", {}, {}, [], None)}
    board = dashboard({}, {})
    facts |= {("dashboard", "%s.%s" % (group, name))
              for group, values in board["indicators"].items() for name in values}
    facts |= {("dashboard", name) for name in board if name != "indicators"}
    return {fact for fact in facts if fact[1] not in VIEW_META} - CONSTANT_FACTS


@pytest.fixture(scope="module")
def system(module_vhost, mongo_uri):
    running = System(module_vhost, mongo_uri, extra_env={
        "CERTIFICATE_SIGNING_KEYS": SIGNING_KEYS,
        "VIEW_SWEEP_INTERVAL_SECONDS": "3600",  # the sweep never runs during the test
        "VIEW_RETRY_SECONDS": "1"})
    yield running
    running.stop()


class Story:
    """Steps through the API, each followed by a wait for the facts it changes."""

    def __init__(self, system):
        self.system = system
        suffix = uuid.uuid4().hex[:6]
        self.user = lambda name, role, **links: Caller(  # noqa: E731
            system, system.user("%s.%s" % (name, suffix), role, **links), name)
        self.reader = self.user("fresh.admin", "admin")
        self.ids = {}
        self.declared = set()
        self.lagging = []
        self.latencies = {}

    # reading the views ------------------------------------------------------------

    def views(self, kinds):
        read = {}
        paths = {"student": "/v1/students/%s/360" % self.ids.get("student_id"),
                 "enterprise": "/v1/enterprises/%s/view" % self.ids.get("enterprise_id"),
                 "dashboard": "/v1/dashboard?enterprise_id=%s" % self.ids.get("enterprise_id")}
        for kind in kinds:
            response = self.reader.request("GET", paths[kind])
            read[kind] = response.json() if response.status_code == 200 else None
        return read

    def value(self, views, fact):
        kind, name = fact
        view = views.get(kind)
        if view is None:
            return None
        if kind == "dashboard":
            if name == "contribution":
                return next((row for row in view["contribution"]
                             if row["enterprise_id"] == self.ids["enterprise_id"]), None)
            if "." in name:
                group, key = name.split(".")
                return view["indicators"][group][key]
        return view.get(name)

    def values(self, facts):
        views = self.views({kind for kind, _ in facts})
        return {fact: self.value(views, fact) for fact in facts}

    # one step ---------------------------------------------------------------------

    def step(self, name, action, expects):
        """Run ``action``; then each fact of ``expects`` ({fact: check(now, before)})
        must pass its check within DEADLINE seconds."""
        before = self.values(expects)
        result = action()
        started = time.monotonic()
        waiting = dict(expects)
        now = before
        while waiting:
            now = self.values(waiting)
            for fact, check in list(waiting.items()):
                try:
                    passed = check(now[fact], before[fact])
                except (KeyError, TypeError, IndexError, StopIteration):
                    passed = False
                if passed:
                    self.latencies[(name, fact)] = time.monotonic() - started
                    del waiting[fact]
            if time.monotonic() - started > DEADLINE:
                break
            time.sleep(0.1)
        self.lagging.extend("%s: %s %s still %r" % (name, fact[0], fact[1], now[fact])
                            for fact in waiting)
        self.declared.update(expects)
        return result


def one(items, key, value):
    return next(item for item in items if item[key] == value)


def has(items, key, value):
    return any(item[key] == value for item in items or ())


def tell(story):
    return "\n".join(story.lagging)


@pytest.fixture(scope="module")
def story(system):
    """A partner, its agreement and quota, an apprentice enrolled, mentored, placed,
    rated, on a project, certified and credited, awarded a competition prize, then
    changes to each."""
    s = Story(system)
    ids = s.ids
    officer = s.user("fresh.admissions", "admissions_officer")
    coordinator = s.user("fresh.projects", "project_coordinator")
    mentors = s.user("fresh.mentors", "mentor_coordinator")
    certificates = s.user("fresh.certificates", "certificate_officer")

    def registered():
        partner = officer.ok("POST", "/v1/partners", {
            "legal_name": "新鲜度测试科技有限公司", "credit_code": "91350100M000100Y43",
            "industry": "智能制造"})
        ids["enterprise_id"] = partner["id"]
        return partner
    partner = s.step("partner registered", registered, {
        ("enterprise", "partner"): lambda now, _: now["legal_name"] == "新鲜度测试科技有限公司"})
    hr = s.user("fresh.hr", "enterprise_user", enterprise_id=partner["id"])

    agreement = s.step("agreement drafted", lambda: officer.ok(
        "POST", "/v1/partners/%s/agreements" % partner["id"], {
            "title": "现代学徒制合作协议", "starts_on": "2020-01-01", "ends_on": "2099-12-31",
            "programme_codes": [PROGRAMME_CODE]}), {
        ("enterprise", "agreements"): lambda now, _: now and now[0]["status"] == "draft"})
    s.step("agreement activated", lambda: officer.ok(
        "POST", "/v1/agreements/%s/status" % agreement["id"], {"status": "active"}), {
        ("enterprise", "agreements"): lambda now, _: one(
            now, "agreement_id", agreement["id"])["status"] == "active",
        ("dashboard", "partners.agreements_active"): lambda now, before: now == before + 1,
        ("dashboard", "partners.partners_active"): lambda now, before: now == before + 1,
        ("dashboard", "terms"): lambda now, _: len(now) >= 1})

    def programme_created():
        created = officer.ok("POST", "/v1/programmes", {
            "code": PROGRAMME_CODE, "name": "数控技术现代学徒制班", "kind": "apprenticeship",
            "intake_year": 2027, "capacity": 10,
            "quotas": [{"partner_id": partner["id"], "seats": 5}]})
        ids["programme_id"] = created["id"]
        return created
    programme = s.step("programme created with the partner's quota", programme_created, {
        ("enterprise", "seats"): lambda now, _: one(
            now, "programme_id", ids["programme_id"])["offered"] == 5,
        ("dashboard", "enrolment.seats_offered"): lambda now, before: now == before + 10,
        ("dashboard", "enrolment.seats_by_kind"): lambda now, _: one(
            now, "kind", "apprenticeship")["offered"] >= 10})
    s.step("quota changed", lambda: officer.ok(
        "PUT", "/v1/programmes/%s/quotas/%s" % (programme["id"], partner["id"]), {"seats": 6}), {
        ("enterprise", "seats"): lambda now, _: one(
            now, "programme_id", programme["id"])["offered"] == 6,
        ("enterprise", "contribution"): lambda now, _: now["seats_offered"] == 6,
        ("dashboard", "contribution"): lambda now, _: now["seats_offered"] == 6})

    def enrolment():
        application, _, student = enrol(officer, hr, programme, partner["id"], "新鲜学徒", 7)
        ids.update(student_id=student["id"], application_id=application["id"])
        return student
    s.step("apprentice enrolled", enrolment, {
        ("student", "student"): lambda now, _: now["name"] == "新鲜学徒",
        ("student", "apprenticeship"): lambda now, _: now["contract"] is not None,
        ("student", "personal"): lambda now, _: bool(now["resident_id"]),
        ("enterprise", "students"): lambda now, _: has(now, "student_id", ids["student_id"]),
        ("enterprise", "student_counts"): lambda now, _: now["total"] == 1,
        ("enterprise", "apprentices"): lambda now, _: has(now, "student_id", ids["student_id"]),
        ("enterprise", "apprentice_count"): lambda now, _: now == 1,
        ("enterprise", "seats"): lambda now, _: one(
            now, "programme_id", programme["id"])["filled"] == 1,
        ("dashboard", "enrolment.seats_filled"): lambda now, before: now == before + 1,
        ("dashboard", "enrolment.fill_rate"): lambda now, before: now != before,
        ("dashboard", "enrolment.apprentices"): lambda now, before: now == before + 1})
    me = s.user("fresh.student", "student", student_id=ids["student_id"])
    s.step("tripartite agreement renewed after enrolment", lambda: officer.ok(
        "POST", "/v1/applications/%s/tripartite-agreements" % ids["application_id"],
        {"terms": "续签：学徒期延长半年，津贴不变。"}), {
        ("student", "apprenticeship"): lambda now, _: has(now["agreements"], "version", 2)})

    # mentors: a new mentor takes the apprentice's vacant slot of their kind
    tutor = s.step("teacher registered", lambda: mentors.ok("POST", "/v1/mentors", {
        "name": "周老师", "kind": "teacher", "expertise": ["数控技术"]}), {
        ("dashboard", "teachers.professional"): lambda now, before: now == before + 1,
        ("student", "mentors"): lambda now, _: now["school"] is not None})
    expert = s.step("industry mentor registered", lambda: mentors.eventually(
        "POST", "/v1/mentors", {"name": "陈工", "kind": "industry",
                                "enterprise_id": partner["id"], "expertise": ["数控加工"]}), {
        ("enterprise", "mentors"): lambda now, _: has(now, "status", "active"),
        ("student", "mentors"): lambda now, _: now["industry"] is not None,
        ("dashboard", "enrolment.apprentices_with_both_mentors"):
            lambda now, before: now == before + 1,
        ("dashboard", "enrolment.both_mentors_ratio"): lambda now, before: now != before})
    inward = mentors.ok("POST", "/v1/secondments", {
        "mentor_id": expert["id"], "direction": "inward", "enterprise_id": partner["id"],
        "starts_on": "2026-11-02", "ends_on": "2027-06-30", "agreed_hours": 200})
    time.sleep(2)  # the refresh its start causes is over: only the approval can show the hours
    year = datetime.now(timezone.utc).year
    s.step("the college sets this year's value of a mentor hour", lambda: officer.ok(
        "PUT", "/v1/valuation-rates/%d" % year, {"mentor_hour_cny": 300}), {
        ("dashboard", "costs_and_returns.rate_set"): lambda now, _: now is True,
        ("dashboard", "costs_and_returns.year"): lambda now, _: now == year})

    def hours_approved():
        sheet = mentors.ok("POST", "/v1/secondments/%s/timesheets" % inward["id"], {
            "work_date": "2026-11-03", "hours": 6, "activity": "产线调试带教"})
        return mentors.ok("POST", "/v1/timesheets/%s/decision" % sheet["id"],
                          {"decision": "approved"})
    s.step("a mentor's hours approved", hours_approved, {
        ("enterprise", "mentors"): lambda now, _: one(now, "mentor_id", expert["id"])["hours"]
        == 6,
        ("enterprise", "contribution"): lambda now, _: now["mentor_hours"] == 6,
        ("dashboard", "contribution"): lambda now, _: now["mentor_hours"] == 6,
        ("enterprise", "costs_and_returns"): lambda now, _: (
            now["inputs"]["mentor_hours"], now["inputs"]["mentor_hours_value_cny"]) == (6, 1800),
        ("dashboard", "costs_and_returns.mentor_hours"): lambda now, before: now == before + 6,
        ("dashboard", "costs_and_returns.mentor_hours_value_cny"): lambda now, _: now == 1800,
        ("dashboard", "costs_and_returns.total_value_cny"): lambda now, _: now == 1800})

    teacher = mentors.ok("POST", "/v1/mentors", {"name": "吴老师", "kind": "teacher"})

    def practice_completed():
        practice = mentors.ok("POST", "/v1/secondments", {
            "mentor_id": teacher["id"], "direction": "outward", "enterprise_id": partner["id"],
            "starts_on": "2025-01-06", "ends_on": "2025-12-31", "agreed_hours": 800})
        ids["practice_id"] = practice["id"]
        return practice
    s.step("a teacher's practice with the partner completed", practice_completed, {
        ("enterprise", "hosted_teachers"): lambda now, _: one(
            now, "secondment_id", ids["practice_id"])["status"] == "completed"})
    s.step("the teacher becomes double-qualified", lambda: mentors.ok(
        "POST", "/v1/mentors/%s/industry-qualifications" % teacher["id"],
        {"qualification": "注册电气工程师"}), {
        ("dashboard", "teachers.double_qualified"): lambda now, before: now == before + 1,
        ("dashboard", "teachers.double_qualified_ratio"): lambda now, before: now != before})
    visit = s.step("a teacher's visit planned", lambda: mentors.ok("POST", "/v1/secondments", {
        "mentor_id": teacher["id"], "direction": "outward", "enterprise_id": partner["id"],
        "starts_on": "2027-03-01", "ends_on": "2027-08-31", "agreed_hours": 300}), {
        ("enterprise", "hosted_teachers"): lambda now, _: len(now) == 2})
    ids["visit_id"] = visit["id"]
    host = mentors.ok("POST", "/v1/mentors", {"name": "郑老师", "kind": "teacher"})
    s.step("a teacher's practice with the partner starts this year", lambda: mentors.ok(
        "POST", "/v1/secondments", {
            "mentor_id": host["id"], "direction": "outward", "enterprise_id": partner["id"],
            "starts_on": "%d-01-05" % year, "ends_on": "%d-12-31" % (year + 1),
            "agreed_hours": 600}), {
        ("dashboard", "costs_and_returns.teachers_hosted"): lambda now, before: now == before + 1})

    # a placement five weeks and more ago, one week logged
    placement = s.step("placement started weeks ago", lambda: hr.eventually(
        "POST", "/v1/placements", {
            "student_id": ids["student_id"], "site": "一号厂房", "supervisor_name": "王建国",
            "starts_on": "2026-10-05", "ends_on": "2027-01-29"}), {
        ("student", "placements"): lambda now, _: now[0]["checkins"]["expected"] >= 5,
        ("student", "risk"): lambda now, _: now["level"] != "none",
        ("dashboard", "placements.checkin_compliance"): lambda now, _: now == 0,
        ("dashboard", "placements.open_alerts"): lambda now, before: now >= before + 5,
        ("dashboard", "costs_and_returns.placements_hosted"):
            lambda now, before: now == before + 1})
    ids["placement_id"] = placement["id"]
    s.step("check-in logged", lambda: me.ok(
        "POST", "/v1/placements/%s/checkins" % placement["id"], {
            "week_starting": "2026-10-05", "hours": 38, "summary": "入职安全培训"}), {
        ("student", "placements"): lambda now, _: now[0]["checkins"]["logged"] == 1})
    s.step("check-in confirmed", lambda: hr.ok(
        "POST", "/v1/placements/%s/checkins/2026-10-05/confirmation" % placement["id"], {}), {
        ("student", "placements"): lambda now, _: now[0]["compliance"] > 0,
        ("dashboard", "placements.checkin_compliance"): lambda now, _: now > 0,
        ("dashboard", "costs_and_returns.intern_hours"): lambda now, before: now == before + 38})
    s.step("the partner rates the apprentice", lambda: hr.ok("POST", "/v1/feedback", {
        "subject_kind": "placement", "subject_id": placement["id"],
        "ratings": {"competencies": 4, "conduct": 5}}), {
        ("student", "feedback"): lambda now, _: len(now["received"]) == 1,
        ("enterprise", "feedback_given"): lambda now, _: now["count"] == 1,
        ("enterprise", "contribution"): lambda now, _: now["feedback_turnaround_days"] == 0,
        ("dashboard", "projects.mean_rating_of_students"): lambda now, _: now is not None,
        ("dashboard", "contribution"): lambda now, _: now["feedback_turnaround_days"] == 0})
    s.step("placement ended early, long ago", lambda: hr.ok(
        "POST", "/v1/placements/%s/end" % placement["id"],
        {"ended_on": "2026-10-30", "reason": "调整岗位"}), {
        ("student", "feedback"): lambda now, _: has(now["overdue"], "subject_id",
                                                    placement["id"])})
    s.step("the apprentice rates the partner", lambda: me.ok("POST", "/v1/feedback", {
        "subject_kind": "placement", "subject_id": placement["id"],
        "ratings": {"learning_value": 5, "safety": 4, "mentoring": 4}}), {
        ("student", "feedback"): lambda now, _: not now["overdue"],
        ("enterprise", "feedback_received"): lambda now, _: now["count"] == 1,
        ("dashboard", "projects.mean_rating_of_enterprises"): lambda now, _: now is not None})

    # a project from draft to evaluation
    project = s.step("project drafted", lambda: hr.ok("POST", "/v1/projects", {
        "title": "产线视觉质检", "team_size": 3, "brief": "为电机装配线开发缺陷检测工位。",
        "start_date": "2026-09-01", "end_date": "2027-06-30",
        "milestones": [{"title": "方案设计", "due_date": "2027-03-15", "weight": 100}]}), {
        ("enterprise", "projects"): lambda now, _: now and now[0]["status"] == "draft",
        ("enterprise", "projects_by_status"): lambda now, _: now.get("draft") == 1})
    path = "/v1/projects/%s" % project["id"]
    s.step("project published", lambda: hr.ok("POST", path + "/transitions",
                                              {"status": "published"}), {
        ("dashboard", "projects.published"): lambda now, before: now == before + 1,
        ("enterprise", "contribution"): lambda now, _: now["projects_posted"] == 1,
        ("dashboard", "contribution"): lambda now, _: now["projects_posted"] == 1
        and now["index"] is not None,
        ("dashboard", "costs_and_returns.projects_posted"): lambda now, before: now == before + 1})
    team = s.step("team formed", lambda: coordinator.eventually("POST", path + "/teams", {
        "student_ids": [ids["student_id"]], "tutor_id": tutor["id"],
        "mentor_id": expert["id"], "name": "视觉组"}), {
        ("student", "projects"): lambda now, _: has(now, "project_id", project["id"])})
    hr.ok("POST", path + "/transitions", {"status": "in_progress"})
    deliverable = me.ok("POST", "/v1/teams/%s/deliverables" % team["id"], {
        "milestone_id": project["milestones"][0]["id"], "title": "方案说明书",
        "url": "https://git.example.cn/fresh", "content_hash": "ab" * 32,
        "metadata": {"format": "pdf"}})
    reviews = "/v1/deliverables/%s/reviews" % deliverable["id"]
    hr.ok("POST", reviews, {"rubric": [{"criterion": "功能完整性", "score": 80}]})
    coordinator.ok("POST", reviews, {"reviewer_kind": "tutor",
                                     "rubric": [{"criterion": "功能完整性", "score": 90}]})

    def evaluated():
        hr.ok("POST", path + "/transitions", {"status": "delivered"})
        return coordinator.ok("POST", path + "/transitions", {"status": "evaluated"})
    s.step("project delivered and evaluated", evaluated, {
        ("student", "projects"): lambda now, _: one(
            now, "project_id", project["id"])["grade"] is not None,
        ("enterprise", "projects_by_status"): lambda now, _: now.get("evaluated") == 1,
        ("dashboard", "projects.completed"): lambda now, before: now == before + 1,
        ("dashboard", "projects.completed_on_time"): lambda now, before: now == before + 1,
        ("dashboard", "projects.on_time_rate"): lambda now, _: now == 1,
        ("dashboard", "costs_and_returns.deliverables_accepted"):
            lambda now, before: now == before + 1})

    # a certificate and its credits, then its revocation
    session = certificate_with_session(certificates, CERTIFICATE_CODE, PROGRAMME_CODE)
    registration = s.step("exam registration", lambda: certificates.eventually(
        "POST", "/v1/exam-sessions/%s/registrations" % session["id"],
        {"candidate_id": ids["student_id"]}), {
        ("student", "registrations"): lambda now, _: len(now) == 1,
        ("dashboard", "certificates.registrations"): lambda now, before: now == before + 1})
    result = s.step("passed and certified", lambda: certificates.ok(
        "POST", "/v1/registrations/%s/result" % registration["id"],
        {"theory": 78.5, "practical": 85}), {
        ("student", "results"): lambda now, _: now[0]["passed"] is True,
        ("student", "certificates"): lambda now, _: now[0]["status"] == "valid",
        ("enterprise", "students_certified"): lambda now, before: now == before + 1,
        ("enterprise", "certificates_issued"): lambda now, before: now == before + 1,
        ("dashboard", "certificates.pass_rate"): lambda now, _: now == 1,
        ("dashboard", "certificates.pass_rate_by_certificate"): lambda now, _: has(
            now, "certificate", CERTIFICATE_CODE),
        ("dashboard", "costs_and_returns.certificates_earned"):
            lambda now, before: now == before + 1})
    s.step("credits for the certificate", lambda: certificates.ok("POST", "/v1/credit-rules", {
        "programme_id": programme["id"], "certificate_code": CERTIFICATE_CODE,
        "level": "junior", "credits": 2, "course_exemptions": []}), {
        ("student", "credits"): lambda now, _: now["total"] == 2,
        ("dashboard", "certificates.credits_converted"): lambda now, before: now == before + 2})
    s.step("certificate revoked", lambda: certificates.ok(
        "POST", "/v1/issued-certificates/%s/revocation" % result["certificate_number"],
        {"reason": "考试违纪，经复核撤销"}), {
        ("student", "certificates"): lambda now, _: now[0]["status"] == "revoked",
        ("student", "credits"): lambda now, _: now["total"] == 0,
        ("enterprise", "students_certified"): lambda now, before: now == before - 1,
        ("enterprise", "certificates_issued"): lambda now, before: now == before - 1,
        ("dashboard", "costs_and_returns.certificates_earned"):
            lambda now, before: now == before - 1})

    # people leave, plans change, a student pauses
    s.step("the industry mentor leaves", lambda: mentors.ok(
        "POST", "/v1/mentors/%s/departure" % expert["id"], {"reason": "调任其他岗位"}), {
        ("enterprise", "mentors"): lambda now, _: one(
            now, "mentor_id", expert["id"])["status"] == "left",
        ("student", "mentors"): lambda now, _: now["needs_reassignment"] is True})
    s.step("the teacher's visit called off", lambda: mentors.ok(
        "POST", "/v1/secondments/%s/cancellation" % visit["id"], {"reason": "企业项目暂停"}), {
        ("enterprise", "hosted_teachers"): lambda now, _: one(
            now, "secondment_id", visit["id"])["status"] == "cancelled"})
    status = "/v1/students/%s/status-changes" % ids["student_id"]
    s.step("apprentice suspended", lambda: officer.ok(
        "POST", status, {"action": "suspend", "reason": "病休"}), {
        ("student", "student"): lambda now, _: now["status"] == "suspended",
        ("enterprise", "students"): lambda now, _: one(
            now, "student_id", ids["student_id"])["status"] == "suspended",
        ("enterprise", "student_counts"): lambda now, _: now["by_status"].get("suspended")
        == 1})
    s.step("apprentice back", lambda: officer.ok(
        "POST", status, {"action": "resume", "reason": "病愈复学"}), {
        ("student", "student"): lambda now, _: now["status"] == "active"})
    a_competition_award(s, certificates, programme, tutor)
    graduates_and_their_employer(s, officer, hr, programme, partner)
    clauses_behind(s, officer, agreement)
    contributions_confirmed(s, officer, hr, agreement)
    s.hr, s.me = hr, me
    return s


def a_competition_award(s, certificates, programme, tutor):
    """The apprentice wins a first prize at a provincial skills competition,
    which converts to credits under the programme's rule, then loses it."""
    ids = s.ids
    competition = certificates.ok("POST", "/v1/competitions", {
        "name": "新鲜度数控技能大赛", "level": "provincial", "organiser": "省教育厅",
        "held_on": "2027-05-20", "courses": ["CNC-101"], "certificates": []})
    path = "/v1/competitions/%s" % competition["id"]
    entry = certificates.eventually("POST", path + "/entries", {
        "kind": "individual", "student_ids": [ids["student_id"]], "tutor_ids": [tutor["id"]]})
    s.step("a first prize recorded", lambda: certificates.ok("POST", path + "/results", {
        "results": [{"entry_id": entry["id"], "award": "first", "rank": 1}]}), {
        ("student", "awards"): lambda now, _: has(now, "competition_id", competition["id"])
        and one(now, "competition_id", competition["id"])["status"] == "awarded",
        ("dashboard", "awards.total"): lambda now, before: now == before + 1,
        ("dashboard", "awards.by_level"): lambda now, _: one(
            now, "level", "provincial")["awards"] >= 1})
    award_id = "%s:%s" % (entry["id"], ids["student_id"])
    s.step("the award converts to credits", lambda: certificates.ok(
        "POST", "/v1/award-credit-rules", {
            "programme_id": programme["id"], "competition_level": "provincial",
            "award": "first", "credits": 3, "course_exemptions": ["CNC-101"]}), {
        ("student", "credits"): lambda now, _: has(now["grants"], "award_id", award_id)
        and now["total"] == 3})
    s.step("the award withdrawn", lambda: certificates.ok(
        "POST", "/v1/awards/%s/withdrawal" % award_id, {"reason": "赛后复核取消资格"}), {
        ("student", "awards"): lambda now, _: one(
            now, "competition_id", competition["id"])["status"] == "withdrawn",
        ("student", "credits"): lambda now, _: now["total"] == 0,
        ("dashboard", "awards.total"): lambda now, before: now == before - 1})


def graduates_and_their_employer(s, officer, hr, programme, partner):
    """Two more apprentices graduate: one hired by the sponsor, kept a year and
    rated by it, the other gone on to further study."""
    ids = s.ids
    s.step("graduation requirements set", lambda: officer.ok(
        "POST", "/v1/programmes/%s/graduation-requirements" % programme["id"],
        {"credits": 0, "placement_hours": 0, "certificates": []}), {
        ("student", "graduation"): lambda now, _: now["requirements_version"] == 1})

    def enrolled_and_graduated():
        graduates = [enrol(officer, hr, programme, partner["id"], name, number)[2]["id"]
                     for number, name in ((8, "新鲜毕业生甲"), (9, "新鲜毕业生乙"))]
        ids.update(hired_id=graduates[0], studying_id=graduates[1])
        return officer.ok("POST", "/v1/programmes/%s/graduations" % programme["id"],
                          {"student_ids": graduates})
    s.step("two apprentices enrolled and graduated", enrolled_and_graduated, {
        ("dashboard", "graduation.cohort_students"): lambda now, before: now == before + 2,
        ("dashboard", "graduation.graduates"): lambda now, before: now == before + 2,
        ("dashboard", "graduation.graduation_rate"): lambda now, before: now != before,
        ("dashboard", "graduation.graduates_by_kind"): lambda now, _: one(
            now, "kind", "apprenticeship")["graduates"] == 2})
    hired_on = (datetime.now(timezone.utc).date() - timedelta(days=400)).isoformat()
    s.step("a graduate hired by the sponsor", lambda: officer.ok(
        "PUT", "/v1/students/%s/destination" % ids["hired_id"], {
            "kind": "hired", "enterprise_id": partner["id"], "started_on": hired_on}), {
        ("dashboard", "graduation.employed"): lambda now, before: now == before + 1,
        ("dashboard", "graduation.employment_rate"): lambda now, _: now == 0.5,
        ("dashboard", "graduation.sponsor_hires"): lambda now, before: now == before + 1,
        ("dashboard", "graduation.sponsor_hire_rate"): lambda now, _: now == 0.5,
        ("enterprise", "hires"): lambda now, _: now["hired"] == 1})
    s.step("the other graduate goes on to study", lambda: officer.ok(
        "PUT", "/v1/students/%s/destination" % ids["studying_id"], {
            "kind": "further_study", "employer_name": "深圳职业技术大学",
            "started_on": hired_on}), {
        ("dashboard", "graduation.further_study"): lambda now, before: now == before + 1})
    s.step("the hire is still there after 12 months", lambda: officer.ok(
        "POST", "/v1/students/%s/retention-checks" % ids["hired_id"],
        {"months": 12, "still_employed": True}), {
        ("dashboard", "graduation.sponsor_hires_kept"): lambda now, before: now == before + 1,
        ("dashboard", "graduation.hires_kept_ratio"): lambda now, _: now == 0.5,
        ("enterprise", "hires"): lambda now, _: now["kept_12_months"] == 1})

    def survey_answered():
        survey = hr.ok("GET", "/v1/employer-surveys")["items"][0]
        return hr.ok("POST", "/v1/employer-surveys/%s/answers" % survey["id"], {
            "ratings": {competency: 4 for competency in survey["competencies"]}})
    s.step("the employer answers its 6-month survey", survey_answered, {
        ("dashboard", "satisfaction.by_competency"): lambda now, _: len(now) >= 4,
        ("enterprise", "satisfaction"): lambda now, _: now["answered"] == 1})


def clauses_behind(s, officer, agreement):
    """The agreement is amended with clauses: one already missed (hires due
    years ago), one at risk (1000 seats by 2030, with three filled), and the
    college's (the teacher's practice with the partner may count already); the
    enterprise view lists the two behind and the dashboard counts them and
    scores each party."""
    s.step("clauses missed and at risk amended into the agreement", lambda: officer.ok(
        "PATCH", "/v1/agreements/%s" % agreement["id"], {"reason": "补充合作条款", "clauses": [
            {"id": "hires", "party": "enterprise", "metric": "hires", "target": 2,
             "due_on": "2021-06-30", "description": "录用两名毕业生"},
            {"id": "seats", "party": "enterprise", "metric": "seats_filled", "target": 1000,
             "due_on": "2030-12-31", "description": "订单班招生1000人"},
            {"id": "teachers", "party": "college", "metric": "teachers_hosted", "target": 1,
             "due_on": "2099-12-31", "description": "派教师下企业实践"}]}), {
        ("enterprise", "commitments"): lambda now, _: [
            (c["clause_id"], c["status"]) for c in now["clauses_behind"]] == [
            ("hires", "missed"), ("seats", "at_risk")],
        ("dashboard", "commitments.clauses_by_status"): lambda now, _: (
            now["at_risk"], now["missed"], now["on_track"] + now["met"]) == (1, 1, 1),
        ("dashboard", "commitments.at_risk"): lambda now, before: now == before + 1,
        ("dashboard", "commitments.missed"): lambda now, before: now == before + 1,
        ("dashboard", "commitments.enterprise_fulfilment"): lambda now, _: 0 <= now < 0.01,
        ("dashboard", "commitments.college_fulfilment"): lambda now, _: 0 <= now <= 1})


def contributions_confirmed(s, officer, hr, agreement):
    """Equipment and funds the enterprise declares this year count among its
    inputs once the college confirms them."""
    path = "/v1/agreements/%s" % agreement["id"]
    clauses = officer.ok("GET", path)["clauses"]
    officer.ok("PATCH", path, {"reason": "补充投入条款", "clauses": clauses + [
        {"id": "kit", "party": "enterprise", "metric": "equipment_value", "target": 100000,
         "due_on": "2099-12-31", "description": "捐赠实训设备"},
        {"id": "cash", "party": "enterprise", "metric": "funds_value", "target": 50000,
         "due_on": "2099-12-31", "description": "设立奖学金"}]})
    today = datetime.now(timezone.utc).date().isoformat()
    declared = {clause: hr.ok("POST", path + "/declarations", {
        "clause_id": clause, "amount": amount, "on": today})["declarations"][-1]["id"]
        for clause, amount in (("kit", 80000), ("cash", 20000))}

    def confirmed():
        for declaration_id in declared.values():
            officer.ok("POST", path + "/declarations/%s/decision" % declaration_id,
                       {"confirm": True})
    s.step("the enterprise's equipment and funds confirmed", confirmed, {
        ("dashboard", "costs_and_returns.equipment_value_cny"):
            lambda now, before: now == before + 80000,
        ("dashboard", "costs_and_returns.funds_value_cny"):
            lambda now, before: now == before + 20000})


def test_every_fact_of_every_view_follows_its_change_within_seconds(story):
    for view in ("student", "enterprise", "dashboard"):
        (step, (_, name)), seconds = max(
            ((key, seconds) for key, seconds in story.latencies.items() if key[1][0] == view),
            key=lambda item: item[1])
        print("\nslowest %s fact: %s after %s, %.1f s" % (view, name, step, seconds))
    assert not story.lagging, "facts that did not follow their change within %ss:\n%s" % (
        DEADLINE, tell(story))


def test_every_fact_has_a_change_declared_for_it(story):
    """A fact added to a view fails here until the story changes it."""
    assert facts_of_the_views() - story.declared == set()


def next_wednesday_after(day):
    return day + timedelta(days=(2 - day.weekday()) % 7 or 7)


def test_a_week_falling_due_reaches_the_views_within_seconds(system, story):
    """No event says a week's grace period has passed: the projects part says
    when it changes with time alone, and the view is refreshed then. The
    projects service's clock is moved so that a Wednesday begins half a minute
    from now, when a placement's second week falls due."""
    lead = 30.0
    midnight_day = next_wednesday_after(datetime.now(timezone.utc).date() + timedelta(days=1))
    midnight = datetime.combine(midnight_day, clock_time(), tzinfo=timezone.utc)
    falls_due_at = time.monotonic() + lead
    offset = (midnight - datetime.now(timezone.utc)).total_seconds() - lead
    week = midnight_day - timedelta(days=9)  # its Sunday plus two days of grace end at midnight
    system.start("projects", PROJECTS_CLOCK_OFFSET_SECONDS=str(offset))
    try:
        wait_until(lambda: system.healthy("projects"), timeout=20, interval=0.2,
                   message="projects with its clock moved")
        placement = story.hr.eventually("POST", "/v1/placements", {
            "student_id": story.ids["student_id"], "site": "二号厂房",
            "supervisor_name": "王建国", "starts_on": str(week - timedelta(days=7)),
            "ends_on": str(week + timedelta(days=27))})
        path = "/v1/students/%s/360" % story.ids["student_id"]

        def expected_weeks():
            view = story.reader.ok("GET", path)
            return one(view["placements"], "placement_id", placement["id"])["checkins"]
        wait_until(lambda: expected_weeks()["expected"] == 1, timeout=DEADLINE, interval=0.1,
                   message="the new placement in the 360")
        compliance = story.values([("dashboard", "placements.checkin_compliance")])
        assert time.monotonic() < falls_due_at, "the set-up overran the week's deadline"
        time.sleep(max(0.0, falls_due_at - time.monotonic()))
        wait_until(lambda: expected_weeks() == {"expected": 2, "logged": 0, "confirmed": 0,
                                                "missed": 2},
                   timeout=DEADLINE, interval=0.1, message="the week fallen due in the 360")
        in_the_360 = time.monotonic() - falls_due_at
        wait_until(lambda: story.values(list(compliance)) != compliance, timeout=DEADLINE,
                   interval=0.1, message="the week fallen due on the dashboard")
        print("\na week fallen due: in the 360 after %.1f s, on the dashboard after %.1f s"
              % (in_the_360, time.monotonic() - falls_due_at))
    finally:
        system.start("projects")
        wait_until(lambda: system.healthy("projects"), timeout=20, interval=0.2,
                   message="projects on the real clock again")
