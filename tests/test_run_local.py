"""`make run` (deploy/run_local.py) prepares what a newcomer's next steps
need: the broker's management API, which provisioning an enterprise's broker
user and the enterprises' vhost go through, and a note of the database's port
for `make admin` in another terminal."""
import subprocess

import pytest

from testkit.local_run import run_local_script


@pytest.fixture
def run_local(tmp_path, monkeypatch):
    return run_local_script(tmp_path, monkeypatch)


class LocalBroker:
    """A local RabbitMQ whose management API answers once its plugin is enabled."""

    def __init__(self):
        self.management = False
        self.commands = []

    def port_open(self, host, port, timeout=1.0):
        return port == 5672 or (port == 15672 and self.management)

    def run(self, argv, **kwargs):
        self.commands.append(list(argv))
        if argv[:3] == ["rabbitmq-plugins", "enable", "rabbitmq_management"]:
            self.management = True
        return subprocess.CompletedProcess(argv, 0, b"", b"")


def test_make_run_enables_the_management_api_of_a_local_broker(run_local, monkeypatch):
    broker = LocalBroker()
    monkeypatch.setattr(run_local, "port_open", broker.port_open)
    monkeypatch.setattr(run_local.subprocess, "run", broker.run)
    monkeypatch.setattr(run_local.shutil, "which", lambda name: "/usr/sbin/" + name)
    run_local.ensure_rabbitmq({})
    assert ["rabbitmq-plugins", "enable", "rabbitmq_management"] in broker.commands
    assert broker.management


def test_make_run_notes_the_local_databases_port_for_make_admin(run_local, monkeypatch):
    monkeypatch.setattr(run_local, "LOCAL_MONGO_PORT", 27018)
    monkeypatch.setattr(run_local, "port_open", lambda host, port, timeout=1.0: True)
    env = {}
    run_local.ensure_mongo(env, [])
    assert env["MONGO_URI"] == "mongodb://127.0.0.1:27018/?directConnection=true&retryWrites=false"
    assert (run_local.VAR / "local-mongo-port").read_text().strip() == "27018"
