"""Fixtures for every test in the repository (run under ``nameko test``).

Integration tests get their own RabbitMQ vhost (nameko's ``rabbit_config``)
and their own database names on a private SecantusDB server, so they never
see each other's messages or data.
"""
import os
import secrets
import uuid

import pytest


def pytest_collection_modifyitems(config, items):
    integration_fixtures = {"rabbit_config", "mongo_uri", "service_config", "system"}
    for item in items:
        if integration_fixtures & set(getattr(item, "fixturenames", ())) and \
                not item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def mongo_uri():
    """TEST_MONGO_URI if set (a real MongoDB replica set), else a private SecantusDB."""
    if os.environ.get("TEST_MONGO_URI"):
        yield os.environ["TEST_MONGO_URI"]
        return
    from testkit.servers import SecantusServer
    server = SecantusServer()
    yield server.uri
    server.stop()


@pytest.fixture
def database_prefix(mongo_uri):
    """A unique database name prefix; the test's databases are dropped after it."""
    from pymongo import MongoClient
    prefix = "t%s_" % uuid.uuid4().hex[:10]
    yield prefix
    client = MongoClient(mongo_uri)
    for name in client.list_database_names():
        if name.startswith(prefix):
            client.drop_database(name)
    client.close()


@pytest.fixture
def service_config(rabbit_config, mongo_uri, database_prefix):
    """nameko config for services under test: the test's vhost and databases,
    short retry delays so retry tests run in seconds."""
    from nameko import config
    values = {
        "MONGO_URI": mongo_uri,
        "MONGO_DATABASE_PREFIX": database_prefix,
        "EVENT_RETRY_DELAYS": [0.2, 0.4],
        "OUTBOX_POLL_SECONDS": 0.2,
        "JWT_SECRET": secrets.token_urlsafe(32),  # placeholders stop the gateway
        "RPC_TIMEOUT_SECONDS": 5,
    }
    with config.patch(values):
        yield dict(config)


@pytest.fixture
def start_service(service_config, container_factory):
    """Start a service class in a nameko container on the test's vhost and databases."""
    def start(service_cls):
        container = container_factory(service_cls)
        container.start()
        return container
    return start


@pytest.fixture
def database(mongo_uri, database_prefix):
    """Open a service's test database directly: ``database("mentors")``."""
    from pymongo import MongoClient
    client = MongoClient(mongo_uri, tz_aware=True)
    yield lambda service: client[database_prefix + service]
    client.close()


@pytest.fixture(scope="module")
def module_vhost(rabbit_manager, request):
    """A RabbitMQ vhost for a whole test module (processes outlive one test)."""
    from urllib.parse import urlparse
    uri = urlparse(request.config.getoption("RABBIT_AMQP_URI"))
    vhost = "test_%s" % uuid.uuid4().hex[:10]
    rabbit_manager.create_vhost(vhost)
    rabbit_manager.set_vhost_permissions(vhost, uri.username, ".*", ".*", ".*")
    yield "%s://%s/%s" % (uri.scheme, uri.netloc, vhost)
    rabbit_manager.delete_vhost(vhost)


@pytest.fixture(scope="module")
def system(module_vhost, mongo_uri):
    """The four services and the gateway as ``nameko run`` processes."""
    from testkit.system import System
    running = System(module_vhost, mongo_uri)
    yield running
    running.stop()
