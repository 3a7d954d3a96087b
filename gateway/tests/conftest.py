"""Fixtures for the gateway's tests that drive a real gateway over HTTP."""
import pytest
import requests


@pytest.fixture
def web_session(web_config_port):
    """HTTP to the gateway under test (nameko's own fixture needs an older werkzeug)."""
    base = "http://127.0.0.1:%d" % web_config_port

    class GatewaySession(requests.Session):
        def request(self, method, url, *args, **kwargs):
            kwargs.setdefault("timeout", 10)
            return super().request(method, base + url, *args, **kwargs)

    with GatewaySession() as session:
        yield session
