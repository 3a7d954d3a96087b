"""E-mail of notifications on the real broker and database, into a local SMTP
server started inside the test (testkit.smtp_sink): the users who asked for
it receive one message per notification, even for an event delivered twice;
a refused attempt is retried; one refused every time is given up with its
reason, which administrators read."""
from contextlib import contextmanager

import pytest
from nameko import config
from test_gateway_protection_http import sign_in

from college_platform.envelope import new_event
from gateway.service import GatewayService
from testkit.amqp import publish_event
from testkit.servers import wait_until
from testkit.smtp_sink import SmtpSink

OURS, THEIRS = "ent-ours", "ent-theirs"


def clause_at_risk(partner_id):
    return new_event("clause_at_risk", "enrollment", {
        "agreement_id": "agr-%s" % partner_id, "partner_id": partner_id, "clause_id": "seats",
        "party": "enterprise", "metric": "seats_filled", "target": 5, "progress": 1,
        "elapsed": 0.6, "due_on": "2099-12-31", "status": "at_risk"})


@contextmanager
def mail_to(sink, start_service):
    """The gateway sending through ``sink``; the settings hold while it runs
    (they are read at each use)."""
    with sink, config.patch({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": sink.port,
                       "SMTP_STARTTLS": "false", "SMTP_FROM": "college@example.cn",
                       "CONSOLE_URL": "https://console.example.cn",
                       "MAIL_SEND_INTERVAL_SECONDS": 0.2, "MAIL_RETRY_SECONDS": 0.2,
                       "MAIL_MAX_ATTEMPTS": 3}):
        start_service(GatewayService)
        yield sink


def opt_in(web_session, headers, email):
    response = web_session.put("/v1/me/notifications", headers=headers,
                               json={"email": email, "email_notifications": True})
    assert response.status_code == 200, response.text
    assert response.json() == {"email": email, "email_notifications": True}


@pytest.fixture
def publish(service_config):
    return lambda event: publish_event(service_config["AMQP_URI"], "enrollment", event)


def test_the_opted_in_users_of_the_audience_get_one_message_after_a_retry(
        web_session, start_service, database, publish):
    with mail_to(SmtpSink(refuse=1), start_service) as sink:
        db = database("gateway")
        ours = sign_in(web_session, db, "hr.ours", "enterprise_user", enterprise_id=OURS)
        quiet = sign_in(web_session, db, "hr.quiet", "enterprise_user", enterprise_id=OURS)
        theirs = sign_in(web_session, db, "hr.theirs", "enterprise_user", enterprise_id=THEIRS)
        admin = sign_in(web_session, db, "root", "admin")
        opt_in(web_session, ours, "hr.ours@example.cn")
        opt_in(web_session, theirs, "hr.theirs@example.cn")
        assert web_session.get("/v1/me/notifications", headers=quiet).json() == {
            "email": None, "email_notifications": False}

        event = clause_at_risk(OURS)
        publish(event)
        publish(event)  # delivered twice
        publish(clause_at_risk(OURS))  # the same fact under a new event id
        wait_until(lambda: sink.messages, timeout=20, message="the message in the sink")
        wait_until(lambda: db.outgoing_mail.find_one({"status": "sent"}), timeout=10,
                   message="the message recorded as sent")
        [(sender, recipients, message)] = sink.messages
        assert (sender, recipients) == ("college@example.cn", ["hr.ours@example.cn"])
        assert message["Subject"] == "合作协议条款有风险 / An agreement clause is at risk"
        assert "https://console.example.cn/#/inbox" in message.get_content()
        assert sink.refused == 1

        listed = web_session.get("/v1/outgoing-mail?status=sent", headers=admin).json()
        [sent] = listed["items"]
        assert (sent["to"], sent["attempts"], sent["username"]) == (
            "hr.ours@example.cn", 2, "hr.ours")
        assert "451" in sent["last_error"]  # the refused first attempt, kept
        assert web_session.get("/v1/outgoing-mail", headers=ours).status_code == 403


def test_a_message_refused_every_time_is_given_up_with_its_reason(
        web_session, start_service, database, publish):
    with mail_to(SmtpSink(refuse=100), start_service) as sink:
        db = database("gateway")
        ours = sign_in(web_session, db, "hr.ours", "enterprise_user", enterprise_id=OURS)
        admin = sign_in(web_session, db, "root", "admin")
        opt_in(web_session, ours, "hr.ours@example.cn")
        publish(clause_at_risk(OURS))
        wait_until(lambda: web_session.get("/v1/outgoing-mail?status=failed",
                                           headers=admin).json()["total"] == 1,
                   timeout=30, message="the message given up")
        [failed] = web_session.get("/v1/outgoing-mail?status=failed",
                                   headers=admin).json()["items"]
        assert failed["attempts"] == 3 and "451" in failed["last_error"]
        assert sink.refused == 3 and sink.messages == []


def test_notifications_are_e_mailed_only_to_an_address(web_session, start_service, database):
    with mail_to(SmtpSink(), start_service):
        db = database("gateway")
        ours = sign_in(web_session, db, "hr.ours", "enterprise_user", enterprise_id=OURS)
        for body, field in (({"email": None, "email_notifications": True}, "email"),
                            ({"email": "not-an-address", "email_notifications": False}, "email"),
                            ({"email": "a@example.cn"}, "email_notifications"),
                            ({"email": "a@example.cn", "email_notifications": 0},
                             "email_notifications")):
            response = web_session.put("/v1/me/notifications", headers=ours, json=body)
            assert response.status_code == 400, (body, response.text)
            assert set(response.json()["errors"]) == {field}, response.text
