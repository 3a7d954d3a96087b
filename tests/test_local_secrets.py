"""The secrets ``make run`` generates into var/ start every component, and a
signing key written before keys were seeds keeps its key."""
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates.credentials import KeyRing, did_key_for
from college_platform.secret_settings import check_random_secret
from testkit.local_run import run_local_script


@pytest.fixture
def run_local(tmp_path, monkeypatch):
    return run_local_script(tmp_path, monkeypatch)


def generated(run_local):
    env = {}
    run_local.ensure_local_secrets(env)
    return env


def test_generated_local_secrets_pass_the_start_up_checks(run_local):
    env = generated(run_local)
    assert len(check_random_secret("JWT_SECRET", env["JWT_SECRET"])) == 32
    assert len(check_random_secret("METRICS_TOKEN", env["METRICS_TOKEN"])) == 32
    assert KeyRing(env["CERTIFICATE_SIGNING_KEYS"]).active.key_id == "local"
    assert generated(run_local) == env  # kept across runs


def test_a_signing_key_file_from_before_seeds_keeps_its_key(run_local):
    passphrase = "Qm9ZcXH1lN8v7T0yWbRkE3sJ5dUaPf2iGo6LhC4xMzAtZWFzdHdvb2QtcGx1bQ"  # 48 bytes
    (run_local.VAR / "certificate-signing-key").write_text(passphrase)
    old_key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(passphrase.encode()).digest())

    ring = KeyRing(generated(run_local)["CERTIFICATE_SIGNING_KEYS"])
    assert ring.active.verification_method == did_key_for(old_key.public_key())[1]
