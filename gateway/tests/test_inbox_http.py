"""Every user's inbox through real HTTP, fed by events on the real broker: the
same event twice (or the same fact under a new event id) makes one
notification; each user sees their own audiences' and gets 404 on another
enterprise's; read state is per user; the settling event marks it done; the
sweep reminds once before the due time."""
from datetime import datetime, timedelta, timezone

import eventlet
import pytest
from nameko import config
from test_gateway_protection_http import sign_in

from college_platform.envelope import new_event
from gateway.service import GatewayService
from testkit.amqp import publish_event
from testkit.servers import wait_until

OURS, THEIRS = "ent-ours", "ent-theirs"
NOW = datetime(2027, 3, 2, 9, 0, tzinfo=timezone.utc)


def clause_at_risk(partner_id, clause="seats", due_on="2027-12-31"):
    return new_event("clause_at_risk", "enrollment", {
        "agreement_id": "agr-%s" % partner_id, "partner_id": partner_id, "clause_id": clause,
        "party": "enterprise", "metric": "seats_filled", "target": 5, "progress": 1,
        "elapsed": 0.6, "due_on": due_on, "status": "at_risk"})


def survey_event(event_type, **extra):
    data = {"survey_id": "sv-1", "student_id": "stu-1", "enterprise_id": OURS, "months": 6}
    return new_event(event_type, "enrollment", {**data, **extra})


@pytest.fixture
def gateway(web_session, service_config, start_service):
    # the sweep looks often, and the gateway's clock is pinned so due times are near
    with config.patch({"NOTIFICATION_SWEEP_SECONDS": 0.2, "CLOCK_NOW": NOW.isoformat()}):
        yield start_service(GatewayService)


@pytest.fixture
def db(gateway, database):
    return database("gateway")


@pytest.fixture
def publish(service_config):
    return lambda source, event: publish_event(service_config["AMQP_URI"], source, event)


def inbox(web_session, headers, query=""):
    response = web_session.get("/v1/inbox" + query, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def unread(web_session, headers):
    response = web_session.get("/v1/inbox/unread-count", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["unread"]


def test_one_notification_per_fact_for_its_own_audience_only(web_session, gateway, db, publish):
    ours = sign_in(web_session, db, "hr.ours", "enterprise_user", enterprise_id=OURS)
    colleague = sign_in(web_session, db, "hr.ours.2", "enterprise_user", enterprise_id=OURS)
    theirs = sign_in(web_session, db, "hr.theirs", "enterprise_user", enterprise_id=THEIRS)
    officer = sign_in(web_session, db, "li.admissions", "admissions_officer")
    coordinator = sign_in(web_session, db, "zhou.projects", "project_coordinator")

    event = clause_at_risk(OURS)
    publish("enrollment", event)
    publish("enrollment", event)  # delivered twice
    publish("enrollment", clause_at_risk(OURS))  # the same fact under a new event id
    publish("enrollment", clause_at_risk(THEIRS))
    wait_until(lambda: db.notifications.count_documents({}) == 2, timeout=20,
               message="the two clauses' notifications")
    eventlet.sleep(0.5)  # a duplicate would have arrived by now
    assert db.notifications.count_documents({}) == 2
    page = inbox(web_session, ours)
    [notification] = page["items"]
    assert notification["kind"] == "clause_at_risk"
    assert notification["subject"] == {"type": "agreement", "id": "agr-%s" % OURS,
                                       "link": "/agreements/agr-%s" % OURS}
    assert notification["params"]["metric"] == "seats_filled"
    assert (notification["read"], notification["done"]) == (False, False)
    assert "read_by" not in notification and "audience" not in notification

    # the other enterprise sees only its own, and cannot mark ours
    [their_notification] = inbox(web_session, theirs)["items"]
    assert their_notification["id"] != notification["id"]
    for action in ("read", "unread"):
        refused = web_session.post("/v1/inbox/%s/%s" % (notification["id"], action),
                                   headers=theirs)
        assert refused.status_code == 404, refused.text
        missing = web_session.post("/v1/inbox/nobody-here/%s" % action, headers=theirs)
        assert missing.status_code == 404
        assert refused.json()["code"] == missing.json()["code"] == "not_found"
    # the partnership's officers see both; a coordinator neither
    assert inbox(web_session, officer)["total"] == 2
    assert inbox(web_session, coordinator)["total"] == 0

    # read state is per user
    assert unread(web_session, ours) == 1
    read = web_session.post("/v1/inbox/%s/read" % notification["id"], headers=ours)
    assert read.status_code == 200 and read.json()["read"] is True
    assert unread(web_session, ours) == 0
    assert unread(web_session, colleague) == 1
    assert inbox(web_session, ours, "?unread=true")["total"] == 0
    assert inbox(web_session, ours, "?unread=false")["total"] == 1
    again = web_session.post("/v1/inbox/%s/unread" % notification["id"], headers=ours)
    assert again.json()["read"] is False and unread(web_session, ours) == 1
    # the other enterprise's attempts changed nothing of ours
    assert unread(web_session, theirs) == 1

    marked = web_session.post("/v1/inbox/read-all", headers=officer)
    assert marked.status_code == 200 and marked.json() == {"marked": 2}
    assert unread(web_session, officer) == 0 and unread(web_session, ours) == 1


def test_an_answer_settles_the_survey_and_a_new_reminder_makes_it_unread_again(
        web_session, gateway, db, publish):
    ours = sign_in(web_session, db, "hr.ours", "enterprise_user", enterprise_id=OURS)
    publish("enrollment", survey_event("employer_survey_reminder", due_on="2027-03-01",
                                       reminders=1))
    wait_until(lambda: inbox(web_session, ours)["total"] == 1, timeout=20,
               message="the survey to answer")
    [notification] = inbox(web_session, ours)["items"]
    web_session.post("/v1/inbox/%s/read" % notification["id"], headers=ours)
    assert unread(web_session, ours) == 0
    publish("enrollment", survey_event("employer_survey_reminder", due_on="2027-03-01",
                                       reminders=2))
    wait_until(lambda: unread(web_session, ours) == 1, timeout=20,
               message="the second reminder, unread again")
    assert inbox(web_session, ours, "?open=true")["total"] == 1
    publish("enrollment", survey_event("employer_survey_answered", programme_id="p-1",
                                       ratings={"skills": 4}))
    wait_until(lambda: inbox(web_session, ours, "?open=false")["total"] == 1, timeout=20,
               message="the answered survey done")
    assert inbox(web_session, ours, "?open=true")["total"] == 0
    assert db.notifications.count_documents({}) == 1


def test_the_sweep_reminds_once_before_the_due_time(web_session, gateway, db, publish):
    ours = sign_in(web_session, db, "hr.ours", "enterprise_user", enterprise_id=OURS)
    soon = (NOW + timedelta(hours=30)).date().isoformat()  # within the 48 hours
    publish("enrollment", clause_at_risk(OURS, "soon", due_on=soon))
    publish("enrollment", clause_at_risk(OURS, "later", due_on="2027-12-31"))
    wait_until(lambda: inbox(web_session, ours)["total"] == 2, timeout=20,
               message="both clauses")
    wait_until(lambda: db.notifications.find_one({"params.clause_id": "soon"})["reminded"],
               timeout=10, message="the reminder of the clause due soon")
    items = {item["params"]["clause_id"]: item for item in inbox(web_session, ours)["items"]}
    assert items["soon"]["reminder"] is True and items["later"]["reminder"] is False
    assert list(items) == ["soon", "later"]  # raised again: first in the list
    web_session.post("/v1/inbox/%s/read" % items["soon"]["id"], headers=ours)
    reminded_at = db.notifications.find_one({"params.clause_id": "soon"})["reminded_at"]
    eventlet.sleep(1)  # several sweeps run meanwhile
    stored = db.notifications.find_one({"params.clause_id": "soon"})
    assert stored["reminded_at"] == reminded_at  # once
    assert unread(web_session, ours) == 1  # only "later"; the read reminder stays read


def test_a_bad_filter_is_a_400_naming_it(web_session, gateway, db):
    ours = sign_in(web_session, db, "hr.ours", "enterprise_user", enterprise_id=OURS)
    for query in ("?unread=maybe", "?open=", "?limit=0"):
        response = web_session.get("/v1/inbox" + query, headers=ours)
        assert response.status_code == 400, (query, response.text)
        assert set(response.json()["errors"]) == {query[1:].split("=")[0]}
