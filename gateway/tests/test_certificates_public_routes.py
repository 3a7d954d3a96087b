"""The public verification routes through real HTTP: throttled per client
address, token or not, so counting through numbers or guessing holders' names
is slow. The gateway runs for real; a stand-in certificates service answers."""
import pytest
from nameko import config
from nameko.rpc import rpc

from college_platform.errors import NotFound
from gateway.api import token_issuer_from_config
from gateway.auth import Principal
from gateway.service import GatewayService

KNOWN = "1X-IOT-01-J-2027-7K3M-Q9TR-WX2A-H5NC"
ANSWER = {"certificate_number": KNOWN, "status": "valid", "certificate_code": "1X-IOT-01",
          "title": "物联网安装调试与运维", "level": "junior",
          "issuer": {"id": "https://college.example.edu", "name": "Modern Industrial College"},
          "organisation": "新大陆教育", "issued_on": "2027-06-20", "valid_until": None,
          "proof_verified": True, "problems": [], "holder_name_matches": None}


class StandInCertificates:
    name = "certificates"

    @rpc
    def verify_number(self, number, query=None):
        if number != KNOWN:
            raise NotFound("no certificate has this number")
        return ANSWER

    @rpc
    def verify_credential(self, credential):
        return {"verified": False, "status": "invalid", "problems": ["no proof"]}


@pytest.fixture
def gateway(web_session, service_config, start_service):
    with config.patch({"PUBLIC_VERIFY_RATE_LIMIT_PER_MINUTE": 1,
                       "PUBLIC_VERIFY_RATE_LIMIT_BURST": 3, "RPC_TIMEOUT_SECONDS": 2}):
        start_service(StandInCertificates)
        yield start_service(GatewayService)


def test_public_verification_is_throttled_per_address_whatever_the_token(web_session, gateway):
    verify = "/v1/public/certificates/%s"
    statuses = [web_session.get(verify % KNOWN).status_code,
                web_session.get(verify % "1X-IOT-01-J-2027-000001").status_code,
                web_session.post("/v1/public/credentials/verify", json={}).status_code,
                web_session.get(verify % KNOWN).status_code]
    assert statuses == [200, 404, 200, 429]
    refused = web_session.post(verify % KNOWN + "/holder-check", json={"holder_name": "王小明"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["title"] == "Too many requests"
    # a token does not buy a bucket of its own on the public routes
    token = token_issuer_from_config().issue(Principal("zhao.officer", "certificate_officer"))
    with_token = web_session.get(verify % KNOWN, headers={"Authorization": "Bearer " + token})
    assert with_token.status_code == 429
