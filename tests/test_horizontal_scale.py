"""Two instances of a service on one broker and one database share the work,
and still give every event exactly one effect."""
import pytest
from nameko.standalone.rpc import ClusterRpcClient

from college_platform.envelope import new_event
from testkit.amqp import bind_probe_queue, drain, publish_event
from testkit.metrics import metric_value, scrape
from testkit.servers import wait_until
from testkit.system import System

pytestmark = pytest.mark.e2e

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(n):
    """A valid unified social credit code, different for every n."""
    body = "9144030%010d" % n
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS))
    return body + CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def metric(base_url, name, **labels):
    return metric_value(scrape(base_url), name, **labels)


@pytest.fixture(scope="module")
def two_of_each(module_vhost, mongo_uri):
    system = System(module_vhost, mongo_uri, names=("enrollment", "mentors"))
    try:
        bases = {name: [system.url(name, ""), system.start_replica(name)]
                 for name in ("enrollment", "mentors")}
        yield system, bases
    finally:
        system.stop()


def test_two_consumers_share_events_and_absorb_duplicates(two_of_each):
    system, bases = two_of_each
    events = [new_event("partner_registered", "enrollment", {
        "partner_id": "partner-%d" % n, "legal_name": "合作企业 %d" % n,
        "credit_code": credit_code(n), "industry": "manufacturing"}) for n in range(60)]
    for event in events + events[:15]:  # fifteen delivered twice
        publish_event(system.amqp_uri, "enrollment", event)

    partners = system.db("mentors").partners
    wait_until(lambda: partners.count_documents({}) == 60, timeout=60,
               message="all sixty partners copied")
    wait_until(lambda: sum(metric(base, "mentors_inbox_duplicates_absorbed")
                           for base in bases["mentors"]) == 15,
               timeout=30, message="the fifteen duplicates absorbed")
    handled = [metric(base, "mentors_entrypoint_calls_total",
                      entrypoint="on_partner_registered", kind="event")
               for base in bases["mentors"]]
    assert sum(handled) == 75
    assert all(count > 0 for count in handled), "both instances took a share: %s" % handled
    assert system.db("mentors").inbox.count_documents({}) == 60


def test_two_instances_share_calls_and_publish_each_event_once(two_of_each):
    system, bases = two_of_each
    bind_probe_queue(system.amqp_uri, "enrollment", "partner_registered", "probe-scale")
    with ClusterRpcClient(uri=system.amqp_uri) as client:
        calls = [client.enrollment.register_partner.call_async({
            "legal_name": "规模测试企业 %d" % n, "credit_code": credit_code(1000 + n),
            "industry": "logistics"}) for n in range(40)]
        partners = [call.result() for call in calls]

    served = [metric(base, "enrollment_entrypoint_calls_total",
                     entrypoint="register_partner", kind="rpc")
              for base in bases["enrollment"]]
    assert sum(served) == 40 and all(count > 0 for count in served), served

    received = []
    wait_until(lambda: received.extend(drain(system.amqp_uri, "probe-scale")) or
               len(received) >= 40, timeout=30, message="forty events")
    received.extend(drain(system.amqp_uri, "probe-scale"))
    ids = sorted(event["data"]["partner_id"] for event, _ in received)
    assert ids == sorted(partner["id"] for partner in partners), \
        "each committed partner announced exactly once, though two relays share the outbox"


def test_two_instances_sweeping_on_timers_raise_each_alert_once(module_vhost, mongo_uri):
    # both instances run the check-in sweep every 0.2 s with the clock weeks past the placement
    system = System(module_vhost, mongo_uri, names=("projects",), extra_env={
        "PROJECTS_CHECKIN_SWEEP_SECONDS": "0.2",
        "PROJECTS_CLOCK_NOW": "2027-04-15T09:00:00+08:00"})
    try:
        second = system.start_replica("projects")
        bind_probe_queue(system.amqp_uri, "projects", "checkin_missed", "probe-missed")
        publish_event(system.amqp_uri, "enrollment", new_event("partner_registered",
                      "enrollment", {"partner_id": "p-1", "legal_name": "苏州精工",
                                     "credit_code": credit_code(7), "industry": "machining"}))
        publish_event(system.amqp_uri, "enrollment", new_event("student_enrolled", "enrollment", {
            "student_id": "stu-1", "student_number": "2027001", "name": "赵磊",
            "programme_id": "prog-1", "programme_code": "CNC-2027",
            "programme_kind": "apprenticeship", "partner_id": "p-1", "intake_year": 2027}))
        wait_until(lambda: system.db("projects").students.find_one({"_id": "stu-1"}),
                   timeout=30, message="the student known")
        wait_until(lambda: system.db("projects").partners.find_one({"_id": "p-1"}),
                   timeout=30, message="the partner known")
        with ClusterRpcClient(uri=system.amqp_uri) as client:
            client.projects.start_placement({
                "student_id": "stu-1", "enterprise_id": "p-1", "site": "苏州工业园区二号厂房",
                "supervisor_name": "王建国", "starts_on": "2027-03-01", "ends_on": "2027-03-28",
                "kind": "apprenticeship"})

        # four weeks, none logged: four alerts, however often two instances sweep
        received = []
        wait_until(lambda: received.extend(drain(system.amqp_uri, "probe-missed")) or
                   len(received) >= 4, timeout=30, message="four missed weeks")
        swept = [metric(base, "projects_entrypoint_calls_total",
                        entrypoint="sweep_checkins_on_timer", kind="timer")
                 for base in (system.url("projects", ""), second)]
        wait_until(lambda: all(metric(base, "projects_entrypoint_calls_total",
                                      entrypoint="sweep_checkins_on_timer", kind="timer")
                               >= count + 5 for base, count in
                               zip((system.url("projects", ""), second), swept)),
                   timeout=30, message="both timers to sweep five more times")
        received.extend(drain(system.amqp_uri, "probe-missed"))
        weeks = sorted(event["data"]["week_starting"] for event, _ in received)
        assert weeks == ["2027-03-01", "2027-03-08", "2027-03-15", "2027-03-22"]
        assert system.db("projects").checkin_alerts.count_documents({}) == 4
    finally:
        system.stop()
