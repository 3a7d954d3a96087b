"""Fixtures for the fault tests: a private RabbitMQ node and a private
database server per module, killed by process id; the probe service
(``ledger.py``) as ``nameko run`` processes against them. Helpers live in
``testkit.faults``."""
from pathlib import Path

import pytest

from testkit.faults import ENTERPRISE, Ledger
from testkit.rabbit import PrivateRabbit
from testkit.servers import SecantusServer


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.faults)


@pytest.fixture(scope="module")
def rabbit():
    node = PrivateRabbit()
    yield node
    node.close()


@pytest.fixture(scope="module")
def enterprise_uri(rabbit):
    """The AMQP URI of enterprise ACME's own broker user on the private node."""
    return rabbit.add_enterprise(ENTERPRISE)


@pytest.fixture(scope="module")
def mongo():
    server = SecantusServer(on_disk=True)
    yield server
    server.stop()


@pytest.fixture
def ledger(rabbit, mongo):
    running = Ledger(rabbit, mongo)
    yield running
    running.stop()
