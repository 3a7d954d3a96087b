"""Enterprise systems' events acting on projects, through the real broker:
published with plain kombu and each enterprise's own credentials."""
import json
import time
import uuid
from datetime import datetime, timezone

import pytest
from kombu import Connection

from college_platform.envelope import new_event
from college_platform.metrics import metrics_of
from projects.service import ProjectsService
from testkit.amqp import bind_probe_queue, drain, publish_event
from testkit.calls import call
from testkit.enterprise import access, cloud_event, provision, publish, publish_burst
from testkit.servers import wait_until

ACME, RIVAL = "acme-robotics", "rival-motors"
POSTED = {"external_ref": "ERP-2027-001", "revision": 1, "title": "产线视觉质检",
          "brief": "Build a vision quality-control cell for the stamping line",
          "team_size": 4, "start_date": "2027-03-01", "end_date": "2027-06-30",
          "milestones": [{"title": "方案设计", "due_date": "2027-04-01", "weight": 40},
                         {"title": "系统交付", "due_date": "2027-06-20", "weight": 60}]}


def partner(partner_id, name):
    return new_event("partner_registered", "enrollment", {
        "partner_id": partner_id, "legal_name": name, "credit_code": "91350100M000100Y43",
        "industry": "manufacturing"})


@pytest.fixture
def projects(start_service, service_config, database):
    container = start_service(ProjectsService)
    for partner_id, name in ((ACME, "艾克米机器人"), (RIVAL, "Rival Motors")):
        publish_event(service_config["AMQP_URI"], "enrollment", partner(partner_id, name))
    wait_until(lambda: database("projects").partners.count_documents({}) == 2,
               message="both partners known")
    return container


@pytest.fixture
def acme(projects, service_config):
    credentials = provision(service_config["AMQP_URI"], ACME)
    yield credentials
    access("revoke", ACME, vhost=credentials["vhost"])


@pytest.fixture
def rival(projects, service_config):
    credentials = provision(service_config["AMQP_URI"], RIVAL)
    yield credentials
    access("revoke", RIVAL, vhost=credentials["vhost"])


def project_of(database, external_ref="ERP-2027-001"):
    return database("projects").projects.find_one({"external_ref": external_ref})


def dead(projects, count):
    letters = wait_until(lambda: (lambda items: items if len(items) >= count else None)(
        call(projects, "inbound_dead_letters", {})["items"]), timeout=30,
        message="%d dead letters" % count)
    return letters


def test_a_posted_project_is_drafted_once_and_newer_revisions_win(acme, projects, database):
    posted = cloud_event(ACME, "project.posted.v1", POSTED)
    publish(acme, posted)
    publish(acme, posted)  # delivered twice: one project
    newest = cloud_event(ACME, "project.updated.v1", {
        "external_ref": "ERP-2027-001", "revision": 3, "title": "产线视觉质检（二期）"})
    older = cloud_event(ACME, "project.updated.v1", {
        "external_ref": "ERP-2027-001", "revision": 2, "title": "an older title"})
    publish(acme, newest)
    publish(acme, older)  # arrives late: changes nothing

    wait_until(lambda: database("projects").superseded_updates.count_documents({}) == 1,
               message="the older update recognised")
    project = project_of(database)
    assert database("projects").projects.count_documents({}) == 1
    assert (project["title"], project["revision"], project["status"]) == \
        ("产线视觉质检（二期）", 3, "draft")
    assert project["enterprise_id"] == ACME
    assert [m["weight"] for m in project["milestones"]] == [40, 60]

    publish(acme, cloud_event(ACME, "milestone.accepted.v1", {
        "external_ref": "ERP-2027-001", "milestone_title": "方案设计",
        "accepted_on": "2027-04-02", "comment": "方案通过"}))
    publish(acme, cloud_event(ACME, "project.cancelled.v1", {
        "external_ref": "ERP-2027-001", "reason": "预算调整"}))
    wait_until(lambda: project_of(database)["status"] == "cancelled", message="cancelled")
    assert project_of(database)["milestones"][0]["accepted_on"] == "2027-04-02"


def test_an_event_about_another_enterprises_project_is_refused(acme, rival, projects,
                                                                database):
    publish(acme, cloud_event(ACME, "project.posted.v1", POSTED))
    wait_until(lambda: project_of(database), message="ACME's project")
    # RIVAL uses ACME's reference: references are per enterprise, so it names nothing
    publish(rival, cloud_event(RIVAL, "project.cancelled.v1", {
        "external_ref": "ERP-2027-001", "reason": "hostile"}))
    # RIVAL names ACME's placement directly
    publish(rival, cloud_event(RIVAL, "placement.checkin_confirmed.v1", {
        "placement_id": "placement-of-acme", "week_starting": "2027-03-08",
        "supervisor": "nobody"}))

    letters = dead(projects, 2)
    reasons = sorted(letter["reason"] for letter in letters)
    assert reasons[0].startswith("InboundRejected: NotFound: placement placement-of-acme")
    assert reasons[1].startswith("InboundRejected: NotFound: the enterprise has posted no "
                                 "project ERP-2027-001")
    assert {letter["publisher"] for letter in letters} == {"enterprise-" + RIVAL}
    assert project_of(database)["status"] == "draft", "ACME's project untouched"


def test_a_dead_letter_replayed_after_a_fix_has_its_effect_once(acme, projects, database,
                                                                service_config):
    # a project from an enterprise the projects service does not know yet
    newcomer = provision(service_config["AMQP_URI"], "newcomer-ltd")
    publish(newcomer, cloud_event("newcomer-ltd", "project.posted.v1",
                                  {**POSTED, "external_ref": "NEW-1"}))
    (letter,) = dead(projects, 1)
    assert "not a known partner" in letter["reason"]
    assert call(projects, "inbound_dead_letter", letter["message_id"]) == letter

    # the fix: enrollment announces the partner; then an administrator replays
    publish_event(service_config["AMQP_URI"], "enrollment", partner("newcomer-ltd", "新来者"))
    wait_until(lambda: database("projects").partners.find_one({"_id": "newcomer-ltd"}),
               message="the newcomer known")
    assert call(projects, "replay_inbound_dead_letters",
                {"message_ids": [letter["message_id"]]}) == {
                    "replayed": [letter["message_id"]], "remaining": 0, "cursor": None}
    wait_until(lambda: project_of(database, "NEW-1"), message="the replayed project")

    # replaying the same event again (a second copy) has no second effect
    publish(newcomer, cloud_event("newcomer-ltd", "project.posted.v1",
                                  {**POSTED, "external_ref": "NEW-1"}, event_id="again"))
    publish(newcomer, cloud_event("newcomer-ltd", "project.posted.v1",
                                  {**POSTED, "external_ref": "NEW-1"}, event_id="again"))
    wait_until(lambda: database("projects").inbox.count_documents(
        {"event_id": "/enterprises/newcomer-ltd#again"}) == 1, message="the copy handled")
    assert database("projects").projects.count_documents({"external_ref": "NEW-1"}) == 1
    assert call(projects, "inbound_dead_letters", {})["items"] == []
    access("revoke", "newcomer-ltd", vhost=newcomer["vhost"])


def test_posting_a_published_project_again_updates_what_may_still_change(acme, projects,
                                                                         database):
    publish(acme, cloud_event(ACME, "project.posted.v1", POSTED))
    project = wait_until(lambda: project_of(database), message="the draft")
    call(projects, "transition_project", project["_id"], {"status": "published"})
    publish(acme, cloud_event(ACME, "project.posted.v1", {
        **POSTED, "revision": 2, "title": "产线视觉质检（修订）"}))
    wait_until(lambda: project_of(database)["revision"] == 2, message="the re-post applied")
    assert project_of(database)["title"] == "产线视觉质检（修订）"
    publish(acme, cloud_event(ACME, "project.updated.v1", {
        "external_ref": "ERP-2027-001", "revision": 3, "team_size": 6}))
    (letter,) = dead(projects, 1)
    assert "team_size can change only while the project is a draft" in letter["reason"]


def test_a_burst_of_events_applies_in_the_order_sent(acme, projects, database):
    def posted(ref, revision=1, title="产线视觉质检"):
        return cloud_event(ACME, "project.posted.v1", {
            **POSTED, "external_ref": ref, "revision": revision, "title": title})

    publish_burst(acme, [
        posted("X-1"),
        cloud_event(ACME, "project.updated.v1", {"external_ref": "X-1", "revision": 2,
                                                 "title": "X-1 revised"}),
        posted("Y-1"),
        cloud_event(ACME, "project.cancelled.v1", {"external_ref": "NEVER-POSTED",
                                                   "reason": "none"}),
        posted("Y-1", revision=2, title="Y-1 posted again"),
        posted("Z-1"),
    ])
    (letter,) = dead(projects, 1)
    assert "the enterprise has posted no project NEVER-POSTED" in letter["reason"]
    wait_until(lambda: project_of(database, "Z-1"), message="the last project")
    assert (project_of(database, "X-1")["title"], project_of(database, "X-1")["revision"]) \
        == ("X-1 revised", 2)
    assert project_of(database, "Y-1")["title"] == "Y-1 posted again"
    assert database("projects").projects.count_documents({}) == 3
    assert database("projects").outbox.count_documents(
        {"event.type": "project_drafted"}) == 3
    # the views show a project's title: each change of it is announced (issue 27, item 2)
    updated = [record["event"]["data"] for record in database("projects").outbox.find(
        {"event.type": "project_updated"})]
    assert sorted((data["revision"], data["changed"]) for data in updated) == [
        (2, ["title"]), (2, ["title"])]


# -- dead letters: who published them, and replaying them without loops or timeouts --

DEAD_QUEUE = "college.inbound.projects.dead"


def listing(projects):
    return call(projects, "inbound_dead_letters", {"limit": 200})["items"]


def replay_all(projects):
    """Replay every dead letter as the console does: call after call, each
    timed (the gateway answers 503 past its RPC deadline), until none remain."""
    pages, cursor = [], None
    while len(pages) < 100:
        started = time.monotonic()
        page = call(projects, "replay_inbound_dead_letters",
                    {"message_ids": [], **({"cursor": cursor} if cursor else {})})
        pages.append({**page, "seconds": round(time.monotonic() - started, 2)})
        cursor = page.get("cursor")
        if not cursor:
            return pages
    raise AssertionError("replay-all never ended: %s" % pages[-3:])


def replayed_ids(pages):
    return [message_id for page in pages for message_id in page["replayed"]]


def dead_letters_counted(projects):
    registry = metrics_of(projects).registry
    return sum(sample.value for metric in registry.collect()
               for sample in metric.samples
               if sample.name == "projects_event_dead_letters_total")


def settled(read, seconds=1.5):
    """What ``read`` answers once it has not changed for ``seconds``."""
    last, since = read(), time.monotonic()
    while time.monotonic() - since < seconds:
        time.sleep(0.25)
        now = read()
        if now != last:
            last, since = now, time.monotonic()
    return last


def test_a_forged_publisher_header_is_not_believed_listed_or_replayed(acme, rival, projects,
                                                                        database):
    # ACME publishes without user_id, naming RIVAL's broker user in the headers our
    # own retry machinery once used to carry the verified publisher
    forged = cloud_event(RIVAL, "project.posted.v1", {**POSTED, "external_ref": "FORGED-1"})
    publish(acme, forged, user_id=False, headers={
        "x-original-user-id": "enterprise-" + RIVAL, "x-publisher-user-id": "enterprise-" + RIVAL,
        "x-dead-letter-reason": "nothing wrong", "x-attempt": 1})
    (letter,) = dead(projects, 1)
    assert letter["publisher"] != "enterprise-" + RIVAL
    assert letter["publisher"] is None
    assert "no user_id" in letter["reason"]

    assert replayed_ids(replay_all(projects)) == [letter["message_id"]]
    (again,) = settled(lambda: listing(projects))
    assert again["message_id"] == letter["message_id"] and "no user_id" in again["reason"]
    assert project_of(database, "FORGED-1") is None, "applied as another enterprise"


def test_a_replayed_letter_that_fails_again_is_replayed_once_and_parked_once(acme, projects):
    for n in range(3):
        publish(acme, cloud_event(ACME, "project.cancelled.v1", {
            "external_ref": "NEVER-POSTED-%d" % n, "reason": "none"}))
    letters = dead(projects, 3)
    ids = sorted(letter["message_id"] for letter in letters)
    assert dead_letters_counted(projects) == 3

    replayed = replayed_ids(replay_all(projects))
    assert sorted(replayed) == ids, "each letter replayed once"
    back = settled(lambda: sorted(letter["message_id"] for letter in listing(projects)))
    assert back == ids, "each letter back once"
    assert dead_letters_counted(projects) == 6


def park_large_letters(amqp_uri, count, size):
    """Letters as large as the broker took before the size limit, parked by an
    earlier version of the consumer: they fail again when replayed."""
    ids = []
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer()
        for n in range(count):
            message_id = str(uuid.uuid4())
            body = json.dumps({"specversion": "1.0", "id": "large-%d" % n,
                               "padding": "x" * size}).encode()
            producer.publish(body, exchange="", routing_key=DEAD_QUEUE, message_id=message_id,
                             content_type="application/cloudevents+json",
                             content_encoding="utf-8", delivery_mode=2, headers={
                                 "x-dead-letter-reason": "not a valid CloudEvent",
                                 "x-attempts": 1, "x-original-queue": "college.inbound.projects",
                                 "x-dead-lettered-at": datetime.now(timezone.utc).isoformat()})
            ids.append(message_id)
    return ids


def test_replaying_all_of_many_large_letters_answers_each_call_within_the_deadline(
        projects, service_config):
    size = 8 * 1024 * 1024
    ids = park_large_letters(service_config["AMQP_URI"], 5, size)
    pages = replay_all(projects)
    seconds = [page["seconds"] for page in pages]
    assert max(seconds) < service_config["RPC_TIMEOUT_SECONDS"], seconds
    assert sorted(replayed_ids(pages)) == sorted(ids)

    back = settled(lambda: listing(projects))
    assert sorted(letter["message_id"] for letter in back) == sorted(ids)
    for letter in back:  # parked again without their bodies, which the listing does not send
        assert "limit" in letter["reason"] and letter["size"] > size
        assert letter["body_truncated"] and len(letter["body"]) <= 4096


def enrolled_then(student_id, sponsor, status="graduated"):
    """What enrollment announces of a student who enrolled and then graduated."""
    return [new_event("student_enrolled", "enrollment", {
        "student_id": student_id, "student_number": "2027-%s" % student_id, "name": "李明",
        "programme_id": "prog-1", "programme_code": "2027-OC", "programme_kind": "order_class",
        "partner_id": sponsor, "intake_year": 2027}),
        new_event("enrolment_status_changed", "enrollment", {
            "student_id": student_id, "programme_id": "prog-1", "previous_status": "active",
            "status": status, "reason": status, "partner_id": sponsor})]


def test_an_enterprise_reports_hiring_and_losing_its_own_graduates_only(
        acme, rival, projects, database, service_config):
    amqp_uri = service_config["AMQP_URI"]
    bind_probe_queue(amqp_uri, "projects", "graduate_hire_reported", "probe-hires")
    bind_probe_queue(amqp_uri, "projects", "graduate_departure_reported", "probe-departures")
    for event in enrolled_then("s-acme", ACME) + enrolled_then("s-rival", RIVAL) + \
            enrolled_then("s-studying", ACME, status="suspended"):
        publish_event(amqp_uri, "enrollment", event)
    wait_until(lambda: database("projects").students.count_documents(
        {"status": {"$ne": "active"}}) == 3, message="the students' statuses")

    publish(acme, cloud_event(ACME, "graduate.hired.v1", {
        "student_id": "s-acme", "started_on": "2030-07-01", "position": "数控工艺员"}))
    publish(acme, cloud_event(ACME, "graduate.hired.v1", {  # RIVAL's graduate
        "student_id": "s-rival", "started_on": "2030-07-01"}))
    publish(acme, cloud_event(ACME, "graduate.hired.v1", {  # not a graduate
        "student_id": "s-studying", "started_on": "2030-07-01"}))
    publish(rival, cloud_event(RIVAL, "graduate.departed.v1", {  # employed by nobody yet
        "student_id": "s-rival", "left_on": "2030-09-01"}))
    hire, = wait_until(lambda: drain(amqp_uri, "probe-hires"), message="the hire passed on")
    assert (hire[0]["data"]["student_id"], hire[0]["data"]["enterprise_id"],
            hire[0]["data"]["started_on"]) == ("s-acme", ACME, "2030-07-01")
    reasons = sorted(letter["reason"] for letter in dead(projects, 3))
    assert reasons == [
        "InboundRejected: Conflict: student s-studying has not graduated",
        "InboundRejected: NotFound: the enterprise employs no graduate s-rival",
        "InboundRejected: NotFound: the enterprise has no graduate s-rival"]

    # enrollment recorded where the graduate went: only that employer reports a departure
    publish_event(amqp_uri, "enrollment", new_event("destination_recorded", "enrollment", {
        "student_id": "s-acme", "programme_id": "prog-1", "partner_id": ACME,
        "outcome": "hired_by_sponsor", "enterprise_id": ACME, "started_on": "2030-07-01"}))
    wait_until(lambda: (database("projects").students.find_one({"_id": "s-acme"}) or {}).get(
        "employer_id") == ACME, message="the employer known")
    publish(rival, cloud_event(RIVAL, "graduate.departed.v1", {
        "student_id": "s-acme", "left_on": "2030-09-01"}))
    publish(acme, cloud_event(ACME, "graduate.departed.v1", {
        "student_id": "s-acme", "left_on": "2030-12-31", "reason": "另谋高就"}))
    departure, = wait_until(lambda: drain(amqp_uri, "probe-departures"),
                            message="the departure passed on")
    assert (departure[0]["data"]["enterprise_id"], departure[0]["data"]["left_on"]) == \
        (ACME, "2030-12-31")
    assert len(dead(projects, 4)) == 4
