"""The receivers' side of the outbound contract in the integrators' library
(integrations/college-publisher): a webhook's signature is verified as the
platform makes it (projects.outbound.signature), and the queue ``Consumer``
reads the queue a subscription names. No broker: the ``Consumer`` is
exercised against the real broker in
services/projects/tests/test_projects_outbound.py."""
import sys
import time

import pytest

from projects import outbound
from testkit.servers import ROOT

sys.path.insert(0, str(ROOT / "integrations/college-publisher"))
from college_publisher import Consumer, InvalidSignature, verify_webhook  # noqa: E402

BODY = b'{"id":"1","type":"edu.college.placement.started.v1"}'
SIGNED_AT = 1700000000
HEADER = outbound.signature("whsec_x", SIGNED_AT, BODY)


def test_a_request_the_platform_signed_verifies_and_gives_the_event():
    event = verify_webhook("whsec_x", {"x-college-signature": HEADER}, BODY,
                           now=SIGNED_AT + 100)
    assert event == {"id": "1", "type": "edu.college.placement.started.v1"}
    fresh = outbound.signature("whsec_x", int(time.time()), BODY)
    assert verify_webhook("whsec_x", {"X-College-Signature": fresh}, BODY.decode())["id"] == "1"


@pytest.mark.parametrize("secret, headers, body, now", [
    ("whsec_other", {"X-College-Signature": HEADER}, BODY, SIGNED_AT),   # another secret
    ("whsec_x", {"X-College-Signature": HEADER}, BODY + b" ", SIGNED_AT),  # body changed
    ("whsec_x", {"X-College-Signature": HEADER}, BODY, SIGNED_AT + 301),  # too old
    ("whsec_x", {"X-College-Signature": HEADER}, BODY, SIGNED_AT - 301),  # from the future
    ("whsec_x", {}, BODY, SIGNED_AT),                                     # unsigned
    ("whsec_x", {"X-College-Signature": "v1=" + HEADER.split("v1=")[1]}, BODY, SIGNED_AT),
    ("whsec_x", {"X-College-Signature": "t=%d,v1=00" % SIGNED_AT}, BODY, SIGNED_AT),
])
def test_anything_else_is_refused(secret, headers, body, now):
    with pytest.raises(InvalidSignature):
        verify_webhook(secret, headers, body, tolerance=300, now=now)


def test_the_consumer_reads_the_queue_its_subscription_names_and_refuses_an_enterprise_id():
    name = outbound.new_queue("ACME")
    assert Consumer("amqp://localhost//", queue=name).queue.name == name  # no connection yet
    for wrong in ("ACME", "college.outbound.ACME", "college.inbound.projects"):
        with pytest.raises(ValueError, match="subscription's queue"):
            Consumer("amqp://localhost//", wrong)
    with pytest.raises(TypeError):
        Consumer("amqp://localhost//", enterprise_id="ACME")  # the 1.x call
