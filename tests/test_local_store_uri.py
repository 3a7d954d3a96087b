"""The local SecantusDB server is reached with retryable writes off wherever the
project starts or names it: SecantusDB scans every retryable write of the last
30 minutes at each write (and sorts them past 10,000), which cut single inserts
from 1,181/s to 99/s within 16,000 of them (docs/benchmarks.md, 7 December)."""
import re

import pytest
from pymongo.uri_parser import parse_uri

from college_platform import settings
from testkit.servers import ROOT, SecantusServer

COMPONENT_CONFIGS = [ROOT / "gateway" / "config.yaml"] + sorted(
    (ROOT / "services").glob("*/config.yaml"))


def retries_writes(uri):
    return parse_uri(uri)["options"].get("retryWrites", True)


def test_the_shared_default_turns_retryable_writes_off(monkeypatch):
    monkeypatch.delenv("MONGO_URI", raising=False)
    assert retries_writes(settings.MONGO_URI()) is False


@pytest.mark.parametrize("config", COMPONENT_CONFIGS, ids=lambda path: path.parent.name)
def test_each_components_default_turns_them_off(config):
    default = re.search(r"^MONGO_URI: \$\{MONGO_URI:(.*)\}$", config.read_text(),
                        re.MULTILINE).group(1)
    assert retries_writes(default) is False


def test_the_tests_and_the_benchmarks_servers_are_reached_without_them():
    assert retries_writes(SecantusServer.uri.fget(type("Server", (), {"port": 27999}))) is False


def test_a_production_uri_keeps_the_drivers_default():
    assert retries_writes("mongodb://app:secret@mongo-0:27017/?replicaSet=rs0") is True
