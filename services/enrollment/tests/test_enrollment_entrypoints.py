import pytest

from college_platform.errors import Conflict, InvalidInput, NotFound
from enrollment.service import EnrollmentService
from testkit.amqp import bind_probe_queue, drain
from testkit.calls import call
from testkit.servers import wait_until

PARTNER = {"legal_name": "深圳智造科技有限公司", "credit_code": "91350100M000100Y43",
           "industry": "智能制造", "contacts": [{"name": "王芳", "email": "wangfang@example.cn"}]}


@pytest.fixture
def enrollment(start_service):
    return start_service(EnrollmentService)


def test_registering_a_partner_stores_and_announces_it(enrollment, service_config, database):
    amqp_uri = service_config["AMQP_URI"]
    bind_probe_queue(amqp_uri, "enrollment", "partner_registered", "probe-partners")

    partner = call(enrollment, "register_partner", PARTNER)

    assert call(enrollment, "get_partner", partner["id"]) == partner
    (event, _), = wait_until(lambda: drain(amqp_uri, "probe-partners"), message="the event")
    assert event["type"] == "partner_registered" and event["source"] == "enrollment"
    assert event["data"] == {"partner_id": partner["id"], "legal_name": PARTNER["legal_name"],
                             "credit_code": PARTNER["credit_code"], "industry": "智能制造"}


def test_a_credit_code_is_registered_once(enrollment, database):
    call(enrollment, "register_partner", PARTNER)
    with pytest.raises(Conflict) as caught:
        call(enrollment, "register_partner", {**PARTNER, "legal_name": "Another Name Ltd"})
    assert caught.value.extra == {"field": "credit_code"}
    assert database("enrollment").partners.count_documents({}) == 1
    assert database("enrollment").outbox.count_documents({}) == 1, "no event for the refusal"


def test_invalid_input_reports_every_field(enrollment):
    with pytest.raises(InvalidInput) as caught:
        call(enrollment, "register_partner", {"legal_name": "", "credit_code": "123"})
    assert set(caught.value.errors) == {"legal_name", "credit_code", "industry"}


def test_an_unknown_partner_is_not_found(enrollment):
    with pytest.raises(NotFound):
        call(enrollment, "get_partner", "no-such-partner")


def test_partners_are_listed_newest_first_a_page_at_a_time(enrollment):
    codes = ["91110000100000000R", "91440300MA5FXXXX0U", "9132050071780934XB"]
    for n, code in enumerate(codes):
        call(enrollment, "register_partner", {**PARTNER, "legal_name": "Partner %d" % n,
                                              "credit_code": code})
    first = call(enrollment, "list_partners", {"limit": 2})
    second = call(enrollment, "list_partners", {"limit": 2, "offset": 2})
    assert first["total"] == 3
    assert [p["legal_name"] for p in first["items"] + second["items"]] == \
        ["Partner 2", "Partner 1", "Partner 0"]


def test_indexes_are_created_idempotently_at_every_start(service_config, container_factory,
                                                          database):
    for _ in range(2):
        container = container_factory(EnrollmentService)
        container.start()
        container.stop()
    indexes = database("enrollment").partners.index_information()
    assert indexes["credit_code_unique"]["unique"]
