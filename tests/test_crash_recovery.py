"""Crashes and outages between the services, with real processes."""
import time

import pytest
import requests
from nameko.standalone.rpc import ClusterRpcClient

from testkit.amqp import bind_probe_queue, drain
from testkit.servers import wait_until
from testkit.system import System

pytestmark = pytest.mark.e2e

PARTNER = {"legal_name": "深圳智造科技有限公司", "credit_code": "91350100M000100Y43",
           "industry": "智能制造"}


def test_an_event_committed_before_a_crash_is_published_after_restart(module_vhost, mongo_uri):
    # The relay is off, so the process commits the partner and its event and
    # then dies before anything is published: the crash window of the outbox.
    system = System(module_vhost, mongo_uri, names=("enrollment",),
                    extra_env={"OUTBOX_RELAY_ENABLED": "false"})
    try:
        bind_probe_queue(module_vhost, "enrollment", "partner_registered", "probe-crash")
        with ClusterRpcClient(uri=module_vhost) as client:
            partner = client.enrollment.register_partner(PARTNER)
        system.processes["enrollment"].kill_hard()

        outbox = system.db("enrollment").outbox
        assert outbox.find_one({"event.data.partner_id": partner["id"]})["status"] == "pending"
        time.sleep(1)
        assert drain(module_vhost, "probe-crash") == [], "nothing was published before the crash"

        system.start("enrollment", OUTBOX_RELAY_ENABLED="true")
        (event, _), = wait_until(lambda: drain(module_vhost, "probe-crash"), timeout=30,
                                 message="the event after the restart")
        assert event["data"]["partner_id"] == partner["id"]
        wait_until(lambda: outbox.find_one({"event.id": event["id"]})["status"] == "sent",
                   message="the outbox record marked sent")
    finally:
        system.stop()


def test_a_dead_service_makes_a_fast_503_not_a_hang(module_vhost, mongo_uri):
    system = System(module_vhost, mongo_uri, names=("gateway", "certificates"),
                    extra_env={"RPC_TIMEOUT_SECONDS": "2"})
    try:
        admin = system.user("admin", "admin")
        system.processes["certificates"].kill_hard()  # its queue stays; nobody answers
        started = time.monotonic()
        response = requests.get(system.url("gateway", "/v1/certificates"), headers=admin,
                                timeout=30)
        assert time.monotonic() - started < 5
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert response.json()["detail"] == \
            "the certificates service did not answer within 2s"

        never_started = requests.get(system.url("gateway", "/v1/mentors"), headers=admin,
                                     timeout=30)
        assert never_started.status_code == 503
        assert never_started.json()["detail"] == "the mentors service is not running"

        health = requests.get(system.url("gateway", "/health"), timeout=30)
        assert health.status_code == 503
        assert health.json()["services"]["certificates"]["status"] == "down"
    finally:
        system.stop()
