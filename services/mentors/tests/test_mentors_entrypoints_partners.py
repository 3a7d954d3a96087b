import pytest

from college_platform.envelope import new_event
from college_platform.errors import InvalidInput
from mentors.service import MentorsService
from testkit.amqp import bind_probe_queue, drain, publish_event
from testkit.calls import call
from testkit.servers import wait_until


@pytest.fixture
def mentors(start_service):
    return start_service(MentorsService)


def partner_registered(partner_id="p-1", name="深圳智造科技有限公司"):
    return new_event("partner_registered", "enrollment",
                     {"partner_id": partner_id, "legal_name": name,
                      "credit_code": "91350100M000100Y43", "industry": "智能制造"})


def test_an_industry_mentor_needs_a_partner_known_from_enrollment(mentors, service_config):
    amqp_uri = service_config["AMQP_URI"]
    mentor = {"name": "李强", "kind": "industry", "enterprise_id": "p-1", "expertise": ["PLC"]}
    with pytest.raises(InvalidInput) as caught:
        call(mentors, "register_mentor", mentor)
    assert "enterprise_id" in caught.value.errors

    bind_probe_queue(amqp_uri, "mentors", "mentor_registered", "probe-mentors")
    publish_event(amqp_uri, "enrollment", partner_registered())
    wait_until(lambda: call(mentors, "get_partner", "p-1"), message="the partner's local copy")

    created = call(mentors, "register_mentor", mentor)
    assert call(mentors, "get_mentor", created["id"])["expertise"] == ["PLC"]
    (event, _), = wait_until(lambda: drain(amqp_uri, "probe-mentors"), message="the event")
    assert event["data"]["enterprise_id"] == "p-1"


def test_partner_event_data_that_breaks_its_schema_is_dead_lettered(mentors, service_config):
    amqp_uri = service_config["AMQP_URI"]
    bad = new_event("partner_registered", "enrollment", {"legal_name": "no id"})
    publish_event(amqp_uri, "enrollment", bad)
    queue = "evt-enrollment-partner_registered--mentors.on_partner_registered.dead"
    (body, headers), = wait_until(lambda: drain(amqp_uri, queue), message="the dead letter")
    assert body["id"] == bad["id"]
    assert "partner_id" in headers["x-dead-letter-reason"]
    assert headers["x-attempts"] == 1
