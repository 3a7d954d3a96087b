"""The mentors service against the real broker and database: assignments
from other services' events, load limits under concurrency, secondments on
the calendar, the double-qualified status and the contribution ledger."""
from datetime import date, timedelta

import eventlet
import pytest
from nameko import config
from nameko.standalone.rpc import ServiceRpcClient

from college_platform.envelope import new_event
from college_platform.errors import Conflict, InvalidInput
from college_platform.mongo import MongoStore
from mentors.service import MentorsService
from testkit.amqp import bind_probe_queue, drain, publish_event
from testkit.calls import call
from testkit.servers import wait_until

ENTERPRISE = "p-zhizao"
OTHER_ENTERPRISE = "p-robotics"


@pytest.fixture
def mentors(start_service, service_config):
    container = start_service(MentorsService)
    amqp_uri = service_config["AMQP_URI"]
    for partner_id, name in ((ENTERPRISE, "深圳智造科技有限公司"),
                             (OTHER_ENTERPRISE, "Hangzhou Robotics Co., Ltd.")):
        publish_event(amqp_uri, "enrollment", new_event("partner_registered", "enrollment", {
            "partner_id": partner_id, "legal_name": name, "credit_code": "91350100M000100Y43",
            "industry": "智能制造"}))
    for partner_id in (ENTERPRISE, OTHER_ENTERPRISE):
        wait_until(lambda pid=partner_id: call(container, "get_partner", pid),
                   message="the partner copies")
    return container


def publish(service_config, source, event_type, data):
    event = new_event(event_type, source, data)
    publish_event(service_config["AMQP_URI"], source, event)
    return event


def enrolled(student_id, name="王小明", partner_id=None, kind="apprenticeship"):
    return {"student_id": student_id, "student_number": "2027%s" % student_id[-4:],
            "name": name, "programme_id": "prog-mech", "programme_code": "MECH-APP-2027",
            "programme_kind": kind, "partner_id": partner_id, "intake_year": 2027}


def contract(student_id, partner_id=ENTERPRISE):
    return {"contract_id": "c-%s" % student_id, "student_id": student_id,
            "partner_id": partner_id, "programme_id": "prog-mech",
            "starts_on": "2027-09-01", "ends_on": "2030-06-30"}


def collect(amqp_uri, queue, count):
    """Wait for ``count`` messages on a probe queue (the relay may publish them apart)."""
    seen = []

    def enough():
        seen.extend(event for event, _ in drain(amqp_uri, queue))
        return len(seen) >= count
    wait_until(enough, message="%d events on %s" % (count, queue))
    return seen


def teacher(mentors, name="张伟", load_limit=5):
    return call(mentors, "register_mentor", {"name": name, "kind": "teacher",
                                             "expertise": ["机械设计"], "load_limit": load_limit})


def expert(mentors, name="李强", enterprise_id=ENTERPRISE, load_limit=5):
    return call(mentors, "register_mentor", {"name": name, "kind": "industry",
                                             "enterprise_id": enterprise_id,
                                             "expertise": ["PLC"], "load_limit": load_limit})


def both_mentors(mentors, student_id):
    view = call(mentors, "apprentice_mentors", student_id)
    tutor, mentor = view["college_tutor"], view["enterprise_mentor"]
    if tutor and mentor and tutor["status"] == mentor["status"] == "filled":
        return view
    return None


@pytest.mark.parametrize("contract_first", [True, False], ids=["contract-first", "enrolled-first"])
def test_an_apprentice_gets_both_mentors_whatever_the_event_order(
        mentors, service_config, database, contract_first):
    tutor, enterprise_mentor = teacher(mentors), expert(mentors)
    sponsor_mentor = expert(mentors, "Anna Schmidt", enterprise_id=OTHER_ENTERPRISE)
    steps = [("apprentice_contract_signed", contract("s-0001")),
             ("student_enrolled", enrolled("s-0001", partner_id=OTHER_ENTERPRISE))]
    for event_type, data in (steps if contract_first else reversed(steps)):
        event = publish(service_config, "enrollment", event_type, data)
        wait_until(lambda: database("mentors").inbox.find_one({"event_id": event["id"]}),
                   message="%s handled" % event_type)

    view = wait_until(lambda: both_mentors(mentors, "s-0001"), message="both mentors")
    # the contract's employer wins over the sponsoring partner from enrolment
    assert view["enterprise_id"] == ENTERPRISE
    assert view["college_tutor"]["mentor_id"] == tutor["id"]
    assert view["enterprise_mentor"]["mentor_id"] == enterprise_mentor["id"]
    active = call(mentors, "list_assignments", {"student_id": "s-0001", "status": "active"})
    assert sorted(a["role"] for a in active["items"]) == ["college_tutor", "enterprise_mentor"]
    assert call(mentors, "get_mentor", tutor["id"])["active_load"] == 1
    # enrolled first, the sponsor's mentor stood in until the contract named the employer
    assert call(mentors, "get_mentor", sponsor_mentor["id"])["active_load"] == 0

    # the same event delivered again has no second effect
    store = next(e for e in mentors.dependencies if isinstance(e, MongoStore))
    publish_event(service_config["AMQP_URI"], "enrollment", event)
    wait_until(lambda: store.duplicates_absorbed == 1, message="the duplicate absorbed")
    assert call(mentors, "list_assignments", {"student_id": "s-0001"})["total"] == \
        (2 if contract_first else 3)


def test_an_apprentice_who_withdraws_frees_both_mentors(mentors, service_config, database):
    tutor, enterprise_mentor = teacher(mentors), expert(mentors)
    publish(service_config, "enrollment", "student_enrolled",
            enrolled("s-0009", partner_id=ENTERPRISE))
    wait_until(lambda: both_mentors(mentors, "s-0009"), message="both mentors")
    event = publish(service_config, "enrollment", "enrolment_status_changed", {
        "student_id": "s-0009", "programme_id": "prog-mech", "previous_status": "active",
        "status": "withdrawn", "reason": "个人原因"})
    wait_until(lambda: database("mentors").inbox.find_one({"event_id": event["id"]}),
               message="the withdrawal handled")
    assert call(mentors, "get_mentor", tutor["id"])["active_load"] == 0
    assert call(mentors, "get_mentor", enterprise_mentor["id"])["active_load"] == 0
    released = call(mentors, "list_assignments", {"student_id": "s-0009",
                                                  "status": "released"})["items"]
    assert {a["reason"] for a in released} == {"the apprentice withdrew"}
    assert call(mentors, "list_vacancies", {})["total"] == 0, "a leaver is no vacancy"
    with pytest.raises(Conflict):
        call(mentors, "assign_mentor", {"slot_id": "apprentice:s-0009:college_tutor",
                                        "mentor_id": tutor["id"]})

    publish(service_config, "enrollment", "student_enrolled",
            enrolled("s-0009", partner_id=ENTERPRISE))
    wait_until(lambda: both_mentors(mentors, "s-0009"), message="mentors after re-enrolment")


def test_an_apprentice_transferred_out_of_the_apprenticeship_frees_both_mentors(
        mentors, service_config, database):
    tutor, enterprise_mentor = teacher(mentors), expert(mentors)
    publish(service_config, "enrollment", "student_enrolled",
            enrolled("s-0010", partner_id=ENTERPRISE))
    wait_until(lambda: both_mentors(mentors, "s-0010"), message="both mentors")
    event = publish(service_config, "enrollment", "enrolment_status_changed", {
        "student_id": "s-0010", "programme_id": "prog-acc", "previous_status": "active",
        "status": "active", "from_programme_id": "prog-mech", "programme_kind": "joint_major",
        "partner_id": None, "reason": "转专业"})
    wait_until(lambda: database("mentors").inbox.find_one({"event_id": event["id"]}),
               message="the transfer handled")
    assert call(mentors, "get_mentor", tutor["id"])["active_load"] == 0
    assert call(mentors, "get_mentor", enterprise_mentor["id"])["active_load"] == 0


def test_an_apprentice_without_mentors_is_listed_until_mentors_register(mentors, service_config):
    amqp_uri = service_config["AMQP_URI"]
    bind_probe_queue(amqp_uri, "mentors", "mentor_assigned", "probe-assigned")
    publish(service_config, "enrollment", "student_enrolled",
            enrolled("s-0002", name="陈静", partner_id=ENTERPRISE))
    publish(service_config, "enrollment", "student_enrolled",
            enrolled("s-0003", name="Li Na", kind="order_class"))

    vacancies = wait_until(lambda: call(mentors, "list_vacancies", {"kind": "apprentice"})
                           ["total"] == 2 and call(mentors, "list_vacancies", {}),
                           message="the apprentice's vacancies")
    assert {(v["student_name"], v["role"]) for v in vacancies["items"]} == {
        ("陈静", "college_tutor"), ("陈静", "enterprise_mentor")}, "order class needs none"

    tutor, enterprise_mentor = teacher(mentors), expert(mentors)
    assert call(mentors, "list_vacancies", {})["total"] == 0
    events = collect(amqp_uri, "probe-assigned", 2)
    assert {(e["data"]["mentor_id"], e["data"]["role"], e["data"]["student_id"])
            for e in events} == {(tutor["id"], "college_tutor", "s-0002"),
                                    (enterprise_mentor["id"], "enterprise_mentor", "s-0002")}


def test_load_limits_hold_under_concurrent_assignments(mentors, service_config, database):
    limited = expert(mentors, "王工", load_limit=2)
    for n in range(6):
        publish(service_config, "projects", "team_formed", {
            "project_id": "proj-vision", "team_id": "team-%d" % n, "enterprise_id": ENTERPRISE,
            "student_ids": ["s-%d" % n], "mentor_id": limited["id"]})

    def settled():
        slots = list(database("mentors").slots.find({"kind": "team"}))
        return len(slots) == 6 and slots
    wait_until(settled, message="six team slots")
    wait_until(lambda: database("mentors").inbox.count_documents({}) >= 8,
               message="every event handled")
    assert call(mentors, "get_mentor", limited["id"])["active_load"] == 2
    assert call(mentors, "list_vacancies", {"kind": "team"})["total"] == 4

    # release both, then six coordinators assign the same mentor at once
    for assignment in call(mentors, "list_assignments", {"mentor_id": limited["id"]})["items"]:
        call(mentors, "release_assignment", assignment["id"], {"reason": "团队重组"})
    assert call(mentors, "get_mentor", limited["id"])["active_load"] == 0

    def attempt(n):
        # real RPC clients: each call is its own worker in the service, at the same time
        with ServiceRpcClient("mentors", timeout=30) as client:
            try:
                return client.assign_mentor({"slot_id": "team:team-%d:team_mentor" % n,
                                             "mentor_id": limited["id"]})
            except Conflict as exc:
                return exc

    outcomes = list(eventlet.GreenPool(6).imap(attempt, range(6)))
    assigned = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(assigned), len(refused)) == (2, 4), outcomes
    assert all("load limit" in str(exc) for exc in refused)
    stored = database("mentors")
    assert stored.assignments.count_documents({"mentor_id": limited["id"],
                                               "status": "active"}) == 2
    assert stored.mentors.find_one({"_id": limited["id"]})["active_load"] == 2


def test_concurrent_secondments_of_one_mentor_never_overlap(mentors, database):
    li = expert(mentors)
    starts = date.today() + timedelta(days=10)

    def attempt(n):
        with ServiceRpcClient("mentors", timeout=30) as client:
            try:
                return client.create_secondment({
                    "mentor_id": li["id"], "direction": "inward", "enterprise_id": ENTERPRISE,
                    "starts_on": (starts + timedelta(days=n)).isoformat(),
                    "ends_on": (starts + timedelta(days=60 + n)).isoformat(),
                    "agreed_hours": 40})
            except Conflict as exc:
                return exc

    outcomes = list(eventlet.GreenPool(6).imap(attempt, range(6)))
    assert sum(isinstance(o, dict) for o in outcomes) == 1, outcomes
    assert database("mentors").secondments.count_documents({"mentor_id": li["id"]}) == 1


def test_a_mentor_who_leaves_has_their_assignments_flagged(mentors, service_config):
    amqp_uri = service_config["AMQP_URI"]
    bind_probe_queue(amqp_uri, "mentors", "assignment_needs_reassignment", "probe-flagged")
    teacher(mentors)
    leaving = expert(mentors, "赵磊")
    publish(service_config, "enrollment", "student_enrolled",
            enrolled("s-0004", partner_id=ENTERPRISE))
    wait_until(lambda: both_mentors(mentors, "s-0004"), message="both mentors")

    call(mentors, "mentor_leaves", leaving["id"], {"reason": "调任集团总部"})
    (event, _), = wait_until(lambda: drain(amqp_uri, "probe-flagged"), message="the flag")
    assert event["data"]["student_id"] == "s-0004"
    assert "调任集团总部" in event["data"]["reason"]
    vacancy, = call(mentors, "list_vacancies", {"kind": "apprentice"})["items"]
    assert (vacancy["role"], vacancy["status"]) == ("enterprise_mentor", "needs_reassignment")

    replacement = expert(mentors, "周敏")
    assignment = call(mentors, "assign_mentor", {"slot_id": vacancy["id"],
                                                 "mentor_id": replacement["id"]})
    assert assignment["role"] == "enterprise_mentor"
    assert call(mentors, "list_vacancies", {})["total"] == 0
    with pytest.raises(Conflict):
        call(mentors, "mentor_leaves", leaving["id"], {"reason": "again"})


def shift_clock(days):
    return config.patch({"CLOCK_OFFSET_SECONDS": days * 86400})


def test_a_teacher_with_six_months_outward_and_an_intermediate_certificate_is_double_qualified(
        mentors, service_config):
    amqp_uri = service_config["AMQP_URI"]
    for event_type in ("secondment_started", "secondment_completed", "double_qualified_changed"):
        bind_probe_queue(amqp_uri, "mentors", event_type, "probe-%s" % event_type)
    zhang = teacher(mentors)
    today = date.today()
    secondment = call(mentors, "create_secondment", {
        "mentor_id": zhang["id"], "direction": "outward", "enterprise_id": ENTERPRISE,
        "role": "工艺工程师", "starts_on": (today + timedelta(days=1)).isoformat(),
        "ends_on": (today + timedelta(days=183)).isoformat(), "agreed_hours": 900})
    assert secondment["status"] == "planned"

    with shift_clock(1):
        assert call(mentors, "run_sweep")["started"] == 1
    assert call(mentors, "get_secondment", secondment["id"])["status"] == "active"
    with shift_clock(183):
        assert call(mentors, "run_sweep")["completed"] == 1
        assert call(mentors, "run_sweep") == {"started": 0, "completed": 0, "reviewed": 0,
                                              "filled": 0}, "a second sweep changes nothing"
        status = call(mentors, "double_qualified_status", zhang["id"])
        assert (status["double_qualified"], status["practice_days"]) == (False, 183)
        assert "no intermediate-or-higher certificate" in status["reason"]

        publish(service_config, "certificates", "certificate_issued", {
            "certificate_number": "X-2027-000123", "candidate_id": zhang["id"],
            "candidate_kind": "teacher", "certificate_code": "1X-IOT-01",
            "level": "intermediate", "issued_on": today.isoformat()})
        status = wait_until(lambda: call(mentors, "double_qualified_status", zhang["id"])
                            if call(mentors, "get_mentor", zhang["id"])["double_qualified"]
                            else None, message="double-qualified")
    assert "183 days of completed outward secondment" in status["reason"]
    assert "intermediate certificate 1X-IOT-01 (no. X-2027-000123)" in status["reason"]
    change, = status["history"]
    assert change["double_qualified"] is True
    assert change["trigger"] == "intermediate certificate X-2027-000123 issued"

    (started, _), = drain(amqp_uri, "probe-secondment_started")
    (completed, _), = drain(amqp_uri, "probe-secondment_completed")
    assert started["data"]["secondment_id"] == completed["data"]["secondment_id"]
    (announced, _), = wait_until(lambda: drain(amqp_uri, "probe-double_qualified_changed"),
                                 message="double_qualified_changed")
    assert announced["data"]["double_qualified"] is True
    assert announced["data"]["reason"] == status["reason"]

    # five years on, the window has slid past the secondment: the status is lost
    with shift_clock(183 + 5 * 366):
        assert call(mentors, "run_sweep")["reviewed"] == 1
        status = call(mentors, "double_qualified_status", zhang["id"])
    assert status["double_qualified"] is False
    assert "only 0 days" in status["reason"]
    assert status["history"][0]["trigger"].startswith("the 5-year window moved to")


def test_the_timer_starts_a_secondment_on_its_first_day(start_service, service_config):
    with config.patch({"SWEEP_INTERVAL_SECONDS": 0.2}):
        mentors = start_service(MentorsService)
        publish(service_config, "enrollment", "partner_registered", {
            "partner_id": ENTERPRISE, "legal_name": "深圳智造科技有限公司",
            "credit_code": "91350100M000100Y43", "industry": "智能制造"})
        wait_until(lambda: call(mentors, "get_partner", ENTERPRISE), message="the partner")
        tomorrow = (date.today() + timedelta(days=1)).isoformat()
        secondment = call(mentors, "create_secondment", {
            "mentor_id": teacher(mentors)["id"], "direction": "outward",
            "enterprise_id": ENTERPRISE, "starts_on": tomorrow, "ends_on": tomorrow,
            "agreed_hours": 8})
        eventlet.sleep(0.5)
        assert call(mentors, "get_secondment", secondment["id"])["status"] == "planned"
        with shift_clock(1):
            wait_until(lambda: call(mentors, "get_secondment", secondment["id"])["status"]
                       == "completed", message="the timer to run the calendar")


def test_an_inward_secondment_feeds_the_contribution_ledger(mentors, service_config):
    li, zhang = expert(mentors), teacher(mentors)
    inward = call(mentors, "create_secondment", {
        "mentor_id": li["id"], "direction": "inward", "enterprise_id": ENTERPRISE,
        "role": "兼职教师", "starts_on": "2026-03-02", "ends_on": "2026-06-30",
        "agreed_hours": 120})
    assert inward["status"] == "completed", "a period already past is recorded as completed"
    outward = call(mentors, "create_secondment", {
        "mentor_id": zhang["id"], "direction": "outward", "enterprise_id": ENTERPRISE,
        "starts_on": "2026-03-02", "ends_on": "2026-04-30", "agreed_hours": 300})

    first = call(mentors, "log_timesheet", inward["id"], {
        "work_date": "2026-03-03", "hours": 6, "activity": "PLC 编程实训授课"})
    second = call(mentors, "log_timesheet", inward["id"], {
        "work_date": "2026-03-04", "hours": 4, "activity": "Lab supervision"})
    hosted = call(mentors, "log_timesheet", outward["id"], {
        "work_date": "2026-03-05", "hours": 8, "activity": "产线工艺改进"})
    with pytest.raises(Conflict):
        call(mentors, "log_timesheet", inward["id"], {
            "work_date": "2026-07-01", "hours": 4, "activity": "after the secondment"})

    call(mentors, "decide_timesheet", first["id"], {"decision": "approved"}, "hr.zhizao")
    with pytest.raises(InvalidInput) as caught:
        call(mentors, "decide_timesheet", second["id"], {"decision": "rejected"})
    assert "reason" in caught.value.errors
    call(mentors, "decide_timesheet", second["id"], {"decision": "rejected",
                                                      "reason": "与课表不符"})
    call(mentors, "decide_timesheet", hosted["id"], {"decision": "approved"})
    with pytest.raises(Conflict):
        call(mentors, "decide_timesheet", first["id"], {"decision": "rejected",
                                                         "reason": "changed mind"})

    ledger = call(mentors, "contribution_ledger", ENTERPRISE)
    entry, = ledger["items"]
    assert entry == {"enterprise_id": ENTERPRISE, "term": "2026-spring",
                     "mentor_hours_given": 6.0, "teacher_placements_hosted": 1,
                     "teacher_hours_hosted": 8.0}
    assert call(mentors, "get_secondment", inward["id"])["approved_hours"] == 6.0
    assert call(mentors, "contribution_ledger", OTHER_ENTERPRISE)["items"] == []


def test_assignments_made_during_an_inward_secondment_are_revisited_when_it_ends(
        mentors, service_config):
    amqp_uri = service_config["AMQP_URI"]
    bind_probe_queue(amqp_uri, "mentors", "assignment_needs_reassignment", "probe-revisit")
    li = expert(mentors)
    today = date.today()
    secondment = call(mentors, "create_secondment", {
        "mentor_id": li["id"], "direction": "inward", "enterprise_id": ENTERPRISE,
        "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=30)).isoformat(),
        "agreed_hours": 60})
    assert secondment["status"] == "active"
    publish(service_config, "projects", "team_formed", {
        "project_id": "proj-agv", "team_id": "team-agv", "enterprise_id": ENTERPRISE,
        "student_ids": ["s-1", "s-2"]})
    wait_until(lambda: call(mentors, "list_assignments", {"team_id": "team-agv"})["total"],
               message="the team's mentor")

    call(mentors, "cancel_secondment", secondment["id"], {"reason": "企业项目暂停"})
    (event, _), = wait_until(lambda: drain(amqp_uri, "probe-revisit"), message="the flag")
    assert event["data"]["team_id"] == "team-agv"
    assert "cancelled" in event["data"]["reason"]
    with pytest.raises(Conflict):
        call(mentors, "cancel_secondment", secondment["id"], {"reason": "twice"})


def test_a_revocation_that_overtakes_its_issue_still_counts(mentors, service_config, database):
    zhang = teacher(mentors)
    revoked = publish(service_config, "certificates", "certificate_revoked", {
        "certificate_number": "X-2027-000777", "candidate_id": zhang["id"],
        "candidate_kind": "teacher", "reason": "考试作弊"})
    wait_until(lambda: database("mentors").inbox.find_one({"event_id": revoked["id"]}),
               message="the revocation handled")
    issued = publish(service_config, "certificates", "certificate_issued", {
        "certificate_number": "X-2027-000777", "candidate_id": zhang["id"],
        "candidate_kind": "teacher", "certificate_code": "1X-IOT-01",
        "level": "senior", "issued_on": date.today().isoformat()})
    wait_until(lambda: database("mentors").inbox.find_one({"event_id": issued["id"]}),
               message="the issue handled")
    certificate = database("mentors").certificates.find_one({"_id": "X-2027-000777"})
    assert (certificate["revoked"], certificate["level"]) == (True, "senior")


def test_an_enterprise_stops_seeing_a_teacher_whose_visit_was_called_off(mentors):
    zhang = teacher(mentors)
    starts = date.today() + timedelta(days=30)
    planned = call(mentors, "create_secondment", {
        "mentor_id": zhang["id"], "direction": "outward", "enterprise_id": OTHER_ENTERPRISE,
        "starts_on": starts.isoformat(), "ends_on": (starts + timedelta(days=90)).isoformat(),
        "agreed_hours": 300})

    def seen():
        return [m["id"] for m in call(mentors, "list_mentors", {
            "visible_to_enterprise": OTHER_ENTERPRISE})["items"]]
    assert zhang["id"] in seen()
    call(mentors, "cancel_secondment", planned["id"], {"reason": "企业暂停接收"})
    assert zhang["id"] not in seen()


INVALID_CALLS = [
    ("register_mentor", ({"name": "", "kind": "teacher"},), "name"),
    ("create_secondment", ({"mentor_id": "m", "direction": "sideways", "enterprise_id": "e",
                            "starts_on": "2027-03-01", "ends_on": "2027-02-01",
                            "agreed_hours": 10},), "direction"),
    ("create_secondment", ({"mentor_id": "nobody", "direction": "outward",
                            "enterprise_id": ENTERPRISE, "starts_on": "2027-03-01",
                            "ends_on": "2027-04-01", "agreed_hours": 10},), "mentor_id"),
    ("log_timesheet", ("s", {"work_date": "yesterday", "hours": 30}), "work_date"),
    ("assign_mentor", ({"slot_id": ""},), "mentor_id"),
    ("list_assignments", ({"status": "lost"},), "status"),
    ("contribution_ledger", (ENTERPRISE, {"term": "spring"}), "term"),
    ("run_sweep", ({"as_of": "soon"},), "as_of"),
    ("decide_timesheet", ("t", {"decision": "maybe"}), "decision"),
    ("cancel_secondment", ("s", {"reason": ""}), "reason"),
]


def test_invalid_input_names_the_field(mentors):
    for method, args, field in INVALID_CALLS:
        with pytest.raises(InvalidInput) as caught:
            call(mentors, method, *args)
        assert field in caught.value.errors, (method, caught.value.errors)
