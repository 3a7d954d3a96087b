"""Outbound events to enterprise systems, through the real broker and
database: the projects service turns internal events into CloudEvents for
the enterprise they concern, delivered to its own queue (read with its own
broker user, which can read nothing else) or to a signed webhook (a small
HTTP server in the test), with retries, dead letters and replay."""
import json
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import amqp.exceptions
import pytest
from kombu import Connection
from nameko import config
from prometheus_client import generate_latest

from college_contracts import outbound as contract
from college_platform.envelope import new_event
from college_platform.errors import Conflict, InvalidInput, NotFound
from college_platform.metrics import metrics_of
from projects.outbound_records import queues_get_tokens
from projects.service import ProjectsService
from testkit.amqp import drain, publish_event
from testkit.calls import call
from testkit.enterprise import access, provision
from testkit.servers import ROOT, wait_until

sys.path.insert(0, str(ROOT / "integrations/college-publisher"))
from college_publisher import Consumer, verify_webhook  # noqa: E402

ACME, RIVAL = "acme-robotics", "rival-motors"
STARTED = "edu.college.placement.started.v1"
MISSED = "edu.college.checkin.missed.v1"


def partner(partner_id, name):
    return new_event("partner_registered", "enrollment", {
        "partner_id": partner_id, "legal_name": name, "credit_code": "91350100M000100Y43",
        "industry": "manufacturing"})


def placement_started(enterprise_id, placement_id, student_id="s-1"):
    return new_event("placement_started", "projects", {
        "placement_id": placement_id, "student_id": student_id, "enterprise_id": enterprise_id,
        "starts_on": "2027-03-01", "ends_on": "2027-06-30"})


def checkin_missed(enterprise_id, week="2027-03-08"):
    return new_event("checkin_missed", "projects", {
        "placement_id": "pl-1", "student_id": "s-1", "enterprise_id": enterprise_id,
        "week_starting": week, "kind": "not_confirmed"})


@pytest.fixture
def projects(service_config, start_service, database):
    with config.patch({"OUTBOUND_ALLOW_LOCAL_HTTP": True, "OUTBOUND_BACKOFF_SECONDS": 0.2,
                       "OUTBOUND_ATTEMPTS": 3, "OUTBOUND_POLL_SECONDS": 0.1}):
        container = start_service(ProjectsService)
        for partner_id, name in ((ACME, "艾克米机器人"), (RIVAL, "Rival Motors")):
            publish_event(service_config["AMQP_URI"], "enrollment", partner(partner_id, name))
        wait_until(lambda: database("projects").partners.count_documents({}) == 2,
                   message="both partners known")
        yield container


@pytest.fixture
def enterprises(projects, service_config):
    credentials = {enterprise: provision(service_config["AMQP_URI"], enterprise)
                   for enterprise in (ACME, RIVAL)}
    yield credentials
    for enterprise, given in credentials.items():
        access("revoke", enterprise, vhost=given["vhost"])


def subscribe(projects, enterprise, delivery, types, url=None):
    actor = {"kind": "enterprise", "username": "hr", "enterprise_id": enterprise}
    payload = {"enterprise_id": enterprise, "event_types": types, "delivery": delivery}
    if url:
        payload["url"] = url
    return call(projects, "create_subscription", payload, actor)


def deliveries(database, **criteria):
    return list(database("projects").deliveries.find(criteria))


def test_each_enterprise_reads_its_own_events_once_from_its_own_queue_and_no_other(
        projects, enterprises, service_config, database):
    uri = service_config["AMQP_URI"]
    queues = {enterprise: subscribe(projects, enterprise, "queue", [STARTED])["queue"]
              for enterprise in (ACME, RIVAL)}
    ours = placement_started(ACME, "pl-acme")
    publish_event(uri, "projects", ours)
    publish_event(uri, "projects", ours)  # delivered twice
    publish_event(uri, "projects", placement_started(ACME, "pl-acme"))  # a new internal id
    publish_event(uri, "projects", placement_started(RIVAL, "pl-rival", "s-9"))
    publish_event(uri, "projects", checkin_missed(ACME))  # a type nobody subscribed to
    wait_until(lambda: len(deliveries(database, status="delivered")) == 2, timeout=30,
               message="one delivery per enterprise")

    refused = []

    def refuse_once(event):
        refused.append(event["id"])
        raise RuntimeError("the receiving system broke")

    with Consumer(enterprises[ACME]["url"], queues[ACME]) as consumer:
        with pytest.raises(RuntimeError):
            consumer.drain(refuse_once, idle_timeout=1.5)
    with Consumer(enterprises[ACME]["url"], queues[ACME]) as consumer:  # it comes again
        received = consumer.drain(lambda event: None, idle_timeout=1.5)
    assert [(e["type"], e["subject"], e["source"]) for e in received] == [
        (STARTED, "pl-acme", "/college")]
    assert refused and set(refused) == {received[0]["id"]}
    assert received[0]["data"] == {"placement_id": "pl-acme", "student_id": "s-1",
                                   "starts_on": "2027-03-01", "ends_on": "2027-06-30"}
    with Consumer(enterprises[RIVAL]["url"], queues[RIVAL]) as consumer:
        theirs = consumer.drain(lambda event: None, idle_timeout=1.5)
    assert [e["subject"] for e in theirs] == ["pl-rival"]
    assert theirs[0]["id"] != received[0]["id"]

    # ACME's broker user cannot read RIVAL's queue, even knowing its name
    with Connection(enterprises[ACME]["url"]) as connection:
        with pytest.raises(amqp.exceptions.AccessRefused, match="ACCESS_REFUSED"):
            channel = connection.channel()
            channel.basic_consume(queues[RIVAL], callback=lambda m: None)
            connection.drain_events(timeout=2)
    # nor publish into its own (only the platform writes there)
    with Connection(enterprises[ACME]["url"],
                    transport_options={"confirm_publish": True}) as connection:
        with pytest.raises(amqp.exceptions.AccessRefused):
            connection.default_channel.basic_publish(
                amqp.Message(b"{}"), exchange="", routing_key=queues[ACME])
            connection.drain_events(timeout=2)


def test_a_rival_cannot_learn_by_a_passive_declare_whether_an_enterprise_has_waiting_events(
        projects, enterprises, service_config, database):
    """RabbitMQ checks no permission on a passive queue_declare, so a queue whose
    name another enterprise could guess would tell it whether that enterprise
    subscribes and how many events wait for it. The name carries a random token
    given with the subscription: the guessable one does not exist."""
    created = subscribe(projects, ACME, "queue", [STARTED])
    other = subscribe(projects, ACME, "queue", [MISSED])  # each subscription its own queue
    assert created["queue"] != other["queue"]
    for made in (created, other):
        assert contract.is_queue_of(ACME, made["queue"])
        for viewer in ({"kind": "enterprise", "enterprise_id": ACME}, None):  # and an admin
            assert call(projects, "get_subscription", made["id"], viewer)["queue"] == \
                made["queue"]
    for placement_id in ("pl-1", "pl-2", "pl-3"):
        publish_event(service_config["AMQP_URI"], "projects",
                      placement_started(ACME, placement_id))
    wait_until(lambda: len(deliveries(database, status="delivered")) == 3, timeout=30,
               message="three events waiting in ACME's queue")

    for guess in ("college.outbound." + ACME, "college.outbound." + ACME + ".",
                  "college.outbound." + ACME + ".0"):
        with Connection(enterprises[RIVAL]["url"]) as connection:
            with pytest.raises(amqp.exceptions.NotFound):
                connection.default_channel.queue_declare(guess, passive=True)

    with Consumer(enterprises[ACME]["url"], created["queue"]) as consumer:
        received = consumer.drain(lambda event: None, idle_timeout=1.5)
    assert sorted(e["subject"] for e in received) == ["pl-1", "pl-2", "pl-3"]


def test_a_queue_subscription_stored_before_tokens_gets_one_at_start_and_never_the_old_name(
        projects, enterprises, service_config, database):
    uri, db = service_config["AMQP_URI"], database("projects")
    old = "college.outbound." + ACME
    db.subscriptions.insert_one({
        "_id": "sub-old", "enterprise_id": ACME, "event_types": [STARTED], "delivery": "queue",
        "url": None, "queue": old, "target": old, "paused": False,
        "created_at": datetime.now(timezone.utc), "created_by": "hr"})
    publish_event(uri, "projects", placement_started(ACME, "pl-old"))
    waiting = wait_until(lambda: [d for d in deliveries(database, subscription_id="sub-old")
                                  if "no token" in (d.get("last_error") or "")],
                         timeout=30, message="the delivery waiting for the token")
    assert waiting[0]["status"] == "pending" and waiting[0]["attempts"] == 0
    with Connection(uri) as connection:  # nothing was sent to the guessable name
        with pytest.raises(amqp.exceptions.NotFound):
            connection.default_channel.queue_declare(old, passive=True)

    assert queues_get_tokens(db) == 1  # as the next start does
    assert queues_get_tokens(db) == 0
    migrated = db.subscriptions.find_one({"_id": "sub-old"})
    assert contract.is_queue_of(ACME, migrated["queue"]) and migrated["target"] == \
        migrated["queue"]
    assert db.migrations.find_one({"_id": "outbound_queue_tokens"})["subscriptions"] == 1
    wait_until(lambda: deliveries(database, subscription_id="sub-old", status="delivered"),
               timeout=30, message="sent to the new queue")
    with Consumer(enterprises[ACME]["url"], migrated["queue"]) as consumer:
        received = consumer.drain(lambda event: None, idle_timeout=1.5)
    assert [e["subject"] for e in received] == ["pl-old"]


class Receiver:
    """A webhook receiver on this machine: records each request and answers
    with the status given (200 unless told otherwise)."""

    def __init__(self):
        self.requests = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/college-events" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


def test_a_webhook_receives_signed_events_a_failing_one_is_retried_then_dead_and_replayed(
        projects, receiver, service_config, database):
    uri = service_config["AMQP_URI"]
    subscription = subscribe(projects, ACME, "webhook", [MISSED], receiver.url)
    secret = subscription["secret"]
    assert secret.startswith("whsec_")
    shown = call(projects, "get_subscription", subscription["id"],
                 {"kind": "enterprise", "enterprise_id": ACME})
    assert "secret" not in shown  # shown once
    publish_event(uri, "projects", checkin_missed(ACME))
    publish_event(uri, "projects", checkin_missed(RIVAL, "2027-03-15"))  # not ACME's
    wait_until(lambda: len(receiver.requests) == 1, timeout=20, message="one signed POST")
    headers, body = receiver.requests[0]
    event = verify_webhook(secret, headers, body)
    assert (event["type"], event["data"]["week_starting"]) == (MISSED, "2027-03-08")
    assert headers["Content-Type"] == "application/cloudevents+json"

    receiver.status = 503
    publish_event(uri, "projects", checkin_missed(ACME, "2027-03-22"))
    dead = wait_until(lambda: call(projects, "list_deliveries", subscription["id"],
                                   {"status": "dead"})["items"], timeout=30,
                      message="a dead delivery")
    assert len(receiver.requests) == 1 + 3  # every attempt, then no more
    assert dead[0]["attempts"] == 3 and "503" in dead[0]["reason"]
    failed_ids = {json.loads(body)["id"] for _, body in receiver.requests[1:]}
    assert failed_ids == {dead[0]["event_id"]}  # the same CloudEvent each time

    receiver.status = 200
    # only an administrator replays: another enterprise's subscription is missing to it
    with pytest.raises(NotFound):
        call(projects, "replay_deliveries", subscription["id"], {"delivery_ids": []},
             {"kind": "enterprise", "enterprise_id": RIVAL})
    replayed = call(projects, "replay_deliveries", subscription["id"], {"delivery_ids": []})
    assert replayed == {"replayed": [dead[0]["id"]]}
    wait_until(lambda: len(receiver.requests) == 5, timeout=20, message="the replay")
    headers, body = receiver.requests[-1]
    assert verify_webhook(secret, headers, body)["id"] == dead[0]["event_id"]
    wait_until(lambda: not call(projects, "list_deliveries", subscription["id"],
                                {"status": "dead"})["items"], message="nothing dead")


def test_certificates_go_to_the_sponsor_known_from_enrollment_and_reviews_to_the_projects_owner(
        projects, enterprises, service_config, database):
    uri = service_config["AMQP_URI"]
    ours = subscribe(projects, ACME, "queue", ["edu.college.certificate.issued.v1",
                                               "edu.college.deliverable.reviewed.v1"])
    subscribe(projects, RIVAL, "queue", ["edu.college.certificate.issued.v1",
                                         "edu.college.deliverable.reviewed.v1"])
    publish_event(uri, "enrollment", new_event("student_enrolled", "enrollment", {
        "student_id": "s-7", "student_number": "2027000007", "name": "李明",
        "programme_id": "prog-1", "programme_code": "2027-CNC", "programme_kind": "order_class",
        "partner_id": ACME, "intake_year": 2027}))
    wait_until(lambda: database("projects").students.find_one({"_id": "s-7"}),
               message="the sponsor known")
    database("projects").projects.insert_one({"_id": "p-acme", "enterprise_id": ACME,
                                              "title": "视觉质检", "status": "in_progress"})
    issued = {"certificate_number": "X-7", "candidate_id": "s-7", "candidate_kind": "student",
              "certificate_code": "1X-CNC-01", "level": "junior", "issued_on": "2027-06-15"}
    publish_event(uri, "certificates", new_event("certificate_issued", "certificates", issued))
    publish_event(uri, "certificates", new_event("certificate_issued", "certificates", {
        **issued, "certificate_number": "X-8", "candidate_id": "t-1",
        "candidate_kind": "teacher"}))  # a teacher's: nobody's
    publish_event(uri, "projects", new_event("deliverable_reviewed", "projects", {
        "project_id": "p-acme", "team_id": "t-1", "milestone_id": "m-1", "deliverable_id": "d-1",
        "version": 1, "reviewer_kind": "tutor", "score": 91.0, "late": False}))
    wait_until(lambda: len(deliveries(database, status="delivered")) == 2, timeout=30,
               message="the certificate and the review sent")

    with Consumer(enterprises[ACME]["url"], ours["queue"]) as consumer:
        received = consumer.drain(lambda event: None, idle_timeout=1.5)
    assert sorted((e["type"], e["subject"]) for e in received) == [
        ("edu.college.certificate.issued.v1", "X-7"),
        ("edu.college.deliverable.reviewed.v1", "d-1")]
    assert deliveries(database, enterprise_id=RIVAL) == []

    exposition = generate_latest(metrics_of(projects).registry).decode()
    assert 'projects_outbound_deliveries_total{delivery="queue",outcome="delivered"} 2.0' \
        in exposition
    assert 'projects_outbound_delivery_lag_seconds_count{delivery="queue"} 2.0' in exposition


def test_a_subscription_is_its_enterprises_alone_one_per_target_and_a_paused_one_gets_nothing(
        projects, receiver, service_config, database):
    uri = service_config["AMQP_URI"]
    acme = {"kind": "enterprise", "enterprise_id": ACME}
    rival = {"kind": "enterprise", "enterprise_id": RIVAL}
    created = subscribe(projects, ACME, "webhook", [MISSED], receiver.url)
    for method, args in (("get_subscription", ()), ("list_deliveries", ({},)),
                         ("rotate_subscription_secret", ()), ("delete_subscription", ()),
                         ("change_subscription", ({"paused": True},))):
        with pytest.raises(NotFound):
            call(projects, method, created["id"], *args, rival)
    assert call(projects, "list_subscriptions", {"enterprise_id": ACME}, rival)["items"] == []
    assert call(projects, "list_subscriptions", {}, acme)["total"] == 1
    with pytest.raises(NotFound):  # for another enterprise
        call(projects, "create_subscription", {"enterprise_id": ACME, "event_types": [MISSED],
                                               "delivery": "queue"}, rival)
    with pytest.raises(Conflict):
        subscribe(projects, ACME, "webhook", [STARTED], receiver.url)
    with pytest.raises(InvalidInput) as refused:
        subscribe(projects, ACME, "webhook", [MISSED], "http://erp.example.com/hook")
    assert "url" in refused.value.errors

    rotated = call(projects, "rotate_subscription_secret", created["id"], acme)
    assert rotated["secret"] != created["secret"]
    call(projects, "change_subscription", created["id"], {"paused": True}, acme)
    publish_event(uri, "projects", checkin_missed(ACME))
    wait_until(lambda: database("projects").inbox.count_documents(
        {"consumer": "projects.outbound_checkin_missed"}) == 1, message="the event handled")
    call(projects, "change_subscription", created["id"], {"paused": False}, acme)
    publish_event(uri, "projects", checkin_missed(ACME, "2027-03-15"))
    wait_until(lambda: len(receiver.requests) == 1, timeout=20, message="sent once resumed")
    headers, body = receiver.requests[0]
    assert verify_webhook(rotated["secret"], headers, body)["data"]["week_starting"] == \
        "2027-03-15"  # signed with the new secret; nothing kept from the pause


def test_a_due_delivery_is_claimed_by_one_sender_and_not_once_changed_since_it_was_read(
        database):
    """Two senders that read the same due delivery: one holds it. A delivery
    tried again since it was read (its attempts differ) is not claimed from
    the stale copy."""
    from datetime import timedelta

    from projects.outbound import PENDING
    from projects.outbound_records import OutboundRecords
    records = OutboundRecords(database("projects"))
    now = datetime.now(timezone.utc)
    for delivery_id in ("d-1", "d-2"):
        records.db.deliveries.insert_one({
            "_id": delivery_id, "status": PENDING, "attempts": 0,
            "next_attempt_at": now, "lease_until": now, "event": {}})
    first, second = records.due(now, 10)
    held = records.claim(first, now, 30)
    assert held["_id"] == "d-1" and held["lease_until"] == now + timedelta(seconds=30)
    assert records.claim(first, now, 30) is None  # the other sender's copy
    records.db.deliveries.update_one({"_id": "d-2"}, {"$set": {"attempts": 1}})
    assert records.claim(second, now, 30) is None
    stored = records.db.deliveries.find_one({"_id": "d-1"})
    assert stored["lease_until"] > now


def test_an_internal_event_breaking_its_contract_is_dead_lettered_alone_and_its_batch_delivered(
        projects, enterprises, service_config, database):
    uri = service_config["AMQP_URI"]
    subscribe(projects, ACME, "queue", [STARTED])
    broken = placement_started(ACME, "pl-broken")
    del broken["data"]["student_id"]
    for event in (placement_started(ACME, "pl-1"), broken, placement_started(ACME, "pl-2")):
        publish_event(uri, "projects", event)
    wait_until(lambda: len(deliveries(database, status="delivered")) == 2, timeout=30,
               message="the two valid placements delivered")
    dead = wait_until(lambda: drain(
        uri, "evt-projects-placement_started--projects.outbound_placement_started.dead"),
        timeout=30, message="the broken event dead-lettered")
    assert [body["id"] for body, _ in dead] == [broken["id"]]
    assert sorted(d["subject"] for d in deliveries(database)) == ["pl-1", "pl-2"]
