"""The start-up check of secret settings: placeholders, CHANGE-ME, fewer than
128 bits, and what a refusal says (the setting and the reason, never the value)."""
import base64
import secrets
from pathlib import Path

import pytest

from college_platform.secret_settings import GENERATE, InsecureSecret, check_random_secret

ROOT = Path(__file__).resolve().parents[2]


def example_values(path):
    """``name=value`` lines of an example env file (comments and blanks skipped)."""
    values = {}
    for line in (ROOT / path).read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def refusal(setting, value):
    with pytest.raises(InsecureSecret) as refused:
        check_random_secret(setting, value)
    message, reason = str(refused.value), refused.value.reason
    assert message == "%s %s; generate one with: %s" % (setting, reason, GENERATE)
    assert len(value) < 10 or value not in message  # never the secret (bar a short word)
    return reason


@pytest.mark.parametrize("path, name, setting", [
    ("deploy/k8s/secrets.env.example", "jwt-secret", "JWT_SECRET"),
    ("deploy/k8s/secrets.env.example", "metrics-token", "METRICS_TOKEN"),
    ("deploy/compose/.env.example", "JWT_SECRET", "JWT_SECRET"),
    ("deploy/compose/.env.example", "METRICS_TOKEN", "METRICS_TOKEN"),
])
def test_the_secrets_in_our_example_files_are_refused(path, name, setting):
    assert "placeholder" in refusal(setting, example_values(path)[name])


@pytest.mark.parametrize("value", [
    "change-me-" + secrets.token_urlsafe(32),
    secrets.token_urlsafe(16) + "CHANGE-ME" + secrets.token_urlsafe(16),
    secrets.token_hex(16) + "ChAnGe-Me",
])
def test_a_value_containing_change_me_is_refused_in_any_case(value):
    assert refusal("JWT_SECRET", value) == "is a placeholder (it contains CHANGE-ME)"


@pytest.mark.parametrize("value", [
    "changeme", "secret", "password", "Passw0rd", "<new secret>", "your-secret-here",
    "my-jwt-secret-for-production-2027", "supersecretpassword1234567890abc",
    "test-secret-" + "x" * 40, "e2e-certificate-signing-secret-0123456789abcdef",
])
def test_known_placeholders_and_placeholder_words_are_refused(value):
    assert "placeholder" in refusal("METRICS_TOKEN", value)


@pytest.mark.parametrize("value, bits", [
    (secrets.token_urlsafe(15), 120),  # 20 base64url characters
    (secrets.token_hex(15), 120),
    (base64.b64encode(secrets.token_bytes(12)).decode(), 96),
])
def test_a_secret_of_fewer_than_128_bits_is_refused(value, bits):
    assert refusal("JWT_SECRET", value).startswith("holds %d bits" % bits)


@pytest.mark.parametrize("value", [
    "correct horse battery staple, 2027 edition",
    "!" * 40,
    "not%base64url" + secrets.token_urlsafe(32),
    "a" * 41,  # 4n+1 characters are no base64 at all
])
def test_a_value_outside_the_documented_encodings_is_refused(value):
    assert "hex or base64url" in refusal("JWT_SECRET", value)


@pytest.mark.parametrize("value", ["s" * 40, "k" * 64, "ab" * 32, "0123456" * 6])
def test_a_value_of_few_different_characters_is_refused_as_not_random(value):
    assert "different characters" in refusal("JWT_SECRET", value)


@pytest.mark.parametrize("value, size", [
    (secrets.token_urlsafe(16), 16),
    (secrets.token_urlsafe(32), 32),
    (secrets.token_hex(16), 16),
    (secrets.token_hex(32), 32),
    (base64.b64encode(secrets.token_bytes(32)).decode(), 32),  # openssl rand -base64 32
    (base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(), 32),  # padded
])
def test_generated_secrets_are_accepted_with_their_random_bytes(value, size):
    assert len(check_random_secret("JWT_SECRET", value)) == size


def test_an_unset_secret_is_refused_unless_it_is_optional():
    assert refusal("JWT_SECRET", "") == "is not set"
    with pytest.raises(InsecureSecret, match="^JWT_SECRET is not set"):
        check_random_secret("JWT_SECRET", None)
    assert check_random_secret("METRICS_TOKEN", "", required=False) is None
    assert check_random_secret("METRICS_TOKEN", None, required=False) is None


def test_a_refusal_says_how_to_make_a_good_secret():
    with pytest.raises(InsecureSecret) as refused:
        check_random_secret("JWT_SECRET", "CHANGE-ME")
    assert "secrets.token_urlsafe(32)" in str(refused.value)


@pytest.mark.parametrize("setting, uri", [
    ("AMQP_URI", example_values("deploy/k8s/secrets.env.example")["amqp-uri"]),
    ("MONGO_URI", example_values("deploy/k8s/secrets.env.example")["mongo-uri"]),
    ("AMQP_URI", "pyamqp://college:SECRET@rabbitmq.internal:5672/college"),  # the README's
    ("MONGO_URI", "mongodb://app:change%2Dme@mongo-0:27017,mongo-1:27017/?replicaSet=rs0"),
])
def test_a_broker_or_database_uri_with_a_placeholder_password_stops_every_component(
        setting, uri):
    from nameko import config

    from college_platform import settings
    read = {"AMQP_URI": settings.AMQP_URI, "MONGO_URI": settings.MONGO_URI}[setting]
    with config.patch({setting: uri}):
        with pytest.raises(InsecureSecret, match="^%s has a placeholder password" % setting):
            read()


@pytest.mark.parametrize("uri", [
    "pyamqp://guest:guest@localhost", "mongodb://127.0.0.1:27017/?directConnection=true",
    "pyamqp://college:%s@rabbitmq:5672/" % secrets.token_urlsafe(24),
])
def test_local_defaults_and_real_passwords_in_uris_pass(uri):
    from nameko import config

    from college_platform import settings
    with config.patch({"AMQP_URI": uri, "MONGO_URI": uri}):
        assert settings.AMQP_URI() == uri and settings.MONGO_URI() == uri


def test_a_service_does_not_start_with_a_placeholder_database_password(
        service_config, container_factory, mongo_uri):
    from nameko import config

    from college_platform.mongo import MongoStore
    from college_platform.service import PlatformService

    class Quiet(PlatformService):
        name = "quiet"
        store = MongoStore()

    # the test's own server, which would accept it
    placeholder = mongo_uri.replace("mongodb://", "mongodb://college:CHANGE-ME@", 1)
    with config.patch({"MONGO_URI": placeholder}):
        with pytest.raises(InsecureSecret, match="^MONGO_URI has a placeholder password;"):
            container_factory(Quiet).start()
