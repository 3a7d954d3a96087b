"""The gateway refuses to start on a placeholder or weak secret, naming the
setting and the reason but never the secret."""
import secrets
from pathlib import Path

import pytest
import requests
from nameko import config

from gateway.api import token_issuer_from_config
from gateway.auth import TokenIssuer
from gateway.service import GatewayService

ROOT = Path(__file__).resolve().parents[2]


def k8s_example(name):
    for line in (ROOT / "deploy/k8s/secrets.env.example").read_text().splitlines():
        if line.startswith(name + "="):
            return line.partition("=")[2]
    raise AssertionError("%s is not in the example" % name)


def test_the_example_jwt_secret_stops_the_gateways_configuration():
    example = k8s_example("jwt-secret")
    with config.patch({"JWT_SECRET": example}):
        with pytest.raises(RuntimeError) as refused:
            token_issuer_from_config()
    assert "JWT_SECRET is a placeholder" in str(refused.value)
    assert example not in str(refused.value)


@pytest.mark.parametrize("secret", [
    "Change-Me-" + secrets.token_urlsafe(32),
    "correct horse battery staple, at least 32 bytes long",
    "s" * 40,
])
def test_no_token_issuer_on_a_placeholder_or_weak_secret(secret):
    with pytest.raises(ValueError, match="^JWT_SECRET "):
        TokenIssuer(secret)


@pytest.mark.parametrize("settings, reason", [
    ({"JWT_SECRET": k8s_example("jwt-secret")}, "JWT_SECRET is a placeholder"),
    ({"METRICS_TOKEN": k8s_example("metrics-token")}, "METRICS_TOKEN is a placeholder"),
    ({"METRICS_TOKEN": "prometheus"}, "METRICS_TOKEN holds"),
    ({"METRICS_TOKEN": secrets.token_hex(12)}, "METRICS_TOKEN holds 96 bits"),
])
def test_the_gateway_does_not_start_on_a_placeholder_or_short_secret(
        service_config, container_factory, settings, reason):
    with config.patch(settings):
        container = container_factory(GatewayService)
        with pytest.raises(Exception) as refused:
            container.start()
    assert reason in str(refused.value)
    value = list(settings.values())[0]
    assert len(value) < 10 or value not in str(refused.value)  # never the secret (bar a word)


@pytest.mark.parametrize("token", ["", secrets.token_urlsafe(32), secrets.token_hex(16)])
def test_the_gateway_starts_on_generated_secrets_and_unset_metrics_token_lets_nobody_scrape(
        service_config, container_factory, web_config_port, token):
    with config.patch({"JWT_SECRET": secrets.token_urlsafe(32), "METRICS_TOKEN": token}):
        container_factory(GatewayService).start()
    metrics = "http://127.0.0.1:%d/metrics" % web_config_port

    def scrape(presented):
        return requests.get(metrics, headers={"Authorization": "Bearer " + presented},
                            timeout=10).status_code

    assert scrape("") == 401
    assert scrape(secrets.token_urlsafe(32)) == 401
    assert scrape(token) == (200 if token else 401)
