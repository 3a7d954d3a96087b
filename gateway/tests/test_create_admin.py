"""`make admin` creates the first administrator in the database `make run`
uses: MONGO_URI when set, else the local server on LOCAL_MONGO_PORT, never
whatever server answers on the default port."""
from urllib.parse import urlparse

import pytest
from pymongo import MongoClient

from gateway import create_admin
from gateway.users import authenticate

PASSWORD = "the-first-admins-password"


@pytest.fixture
def without_mongo_uri(monkeypatch):
    monkeypatch.delenv("MONGO_URI", raising=False)
    monkeypatch.setenv("ADMIN_PASSWORD", PASSWORD)


def test_the_administrator_goes_to_the_local_server_on_local_mongo_port(
        mongo_uri, database_prefix, monkeypatch, without_mongo_uri):
    port = urlparse(mongo_uri).port
    if port == 27017 or "," in urlparse(mongo_uri).netloc:
        pytest.skip("needs the private test server, on a port of its own")
    monkeypatch.setenv("LOCAL_MONGO_PORT", str(port))
    database = database_prefix + "gateway"
    assert create_admin.main(["first.admin", "--database", database]) == 0
    client = MongoClient(mongo_uri)
    try:
        principal = authenticate(client[database], "first.admin", PASSWORD)
    finally:
        client.close()
    assert principal is not None and principal.role == "admin"


def test_mongo_uri_then_local_mongo_port_then_the_last_make_runs_port(
        monkeypatch, without_mongo_uri, tmp_path):
    noted = tmp_path / "local-mongo-port"
    noted.write_text("27019\n")
    monkeypatch.setenv("MONGO_URI", "mongodb://db.internal:27017/?replicaSet=rs0")
    monkeypatch.setenv("LOCAL_MONGO_PORT", "27018")
    assert create_admin.database_uri(noted) == "mongodb://db.internal:27017/?replicaSet=rs0"
    monkeypatch.delenv("MONGO_URI")
    assert create_admin.database_uri(noted) == "mongodb://127.0.0.1:27018/?directConnection=true&retryWrites=false"
    monkeypatch.delenv("LOCAL_MONGO_PORT")
    assert create_admin.database_uri(noted) == "mongodb://127.0.0.1:27019/?directConnection=true&retryWrites=false"
    assert create_admin.database_uri(tmp_path / "none") == \
        "mongodb://127.0.0.1:27017/?directConnection=true&retryWrites=false"


def test_a_short_password_is_refused_before_any_database_is_touched(monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "too-short")
    monkeypatch.setenv("MONGO_URI", "mongodb://nowhere.invalid:1/")
    with pytest.raises(SystemExit, match="at least 12 characters"):
        create_admin.main(["first.admin"])
