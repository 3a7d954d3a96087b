"""The e-mail of notifications without a mail server or database (gateway.mail)."""
from datetime import timedelta

import pytest
from nameko import config

from gateway.mail import (
    MailSettingRefused,
    MailSettingsCheck,
    backoff,
    checked_password,
    compose,
    recipients_query,
)


def test_the_recipients_are_the_opted_in_accounts_of_each_audience_and_no_other():
    query = recipients_query(["enterprise:ent-1", "role:admissions_officer", "student:s-1",
                              "mentor:m-1"])
    assert query["$or"] == [
        {"role": "enterprise_user", "enterprise_id": "ent-1"},
        {"role": "admissions_officer"},
        {"role": "student", "student_id": "s-1"},
        {"role": "teacher", "mentor_id": "m-1"}]
    assert query["email_notifications"] is True and query["disabled"] == {"$ne": True}
    assert recipients_query([]) is None  # an empty audience never means everyone
    assert recipients_query(["nonsense"]) is None


def test_the_wait_doubles_after_each_failure():
    assert [backoff(n, 60) for n in (1, 2, 3)] == [timedelta(seconds=60),
                                                   timedelta(seconds=120),
                                                   timedelta(seconds=240)]


def test_a_message_names_the_kind_in_both_languages_and_links_to_the_inbox():
    message = compose({"_id": "n-1", "kind": "clause_at_risk"}, "hr@example.cn",
                      "college@example.cn", "https://console.example.cn/")
    assert message["Subject"] == "合作协议条款有风险 / An agreement clause is at risk"
    assert message["To"] == "hr@example.cn" and message["From"] == "college@example.cn"
    assert "https://console.example.cn/#/inbox" in message.get_content()
    reminder = compose({"_id": "n-1", "kind": "survey_due"}, "hr@example.cn", "c@example.cn",
                       "", reminder=True)
    assert reminder["Subject"].startswith("提醒：") and "#/inbox" not in reminder.get_content()


@pytest.mark.parametrize("password", ["our-password-1", "guest", "secret"])
def test_a_placeholder_password_is_refused_without_naming_it(password):
    with pytest.raises(MailSettingRefused) as refused:
        checked_password(password)
    assert password not in str(refused.value) and "SMTP_PASSWORD" in str(refused.value)
    assert checked_password("") == "" and checked_password("k3J9-q0Zr-Tt7w") == "k3J9-q0Zr-Tt7w"


def test_a_placeholder_password_stops_the_gateway_only_when_a_mail_server_is_set():
    with config.patch({"SMTP_HOST": "smtp.example.cn", "SMTP_PASSWORD": "password"}):
        with pytest.raises(MailSettingRefused):
            MailSettingsCheck().setup()
    with config.patch({"SMTP_HOST": "", "SMTP_PASSWORD": "password"}):
        MailSettingsCheck().setup()  # no mail server: the password is never used
