"""Configuration lookups on top of nameko's YAML config (which already
substitutes ``${ENV_VAR:default}``)."""
from nameko import config

from college_platform.secret_settings import check_uri_password

DEFAULT_MONGO_URI = "mongodb://127.0.0.1:27017/?directConnection=true"


def setting(key, default=None):
    return config.get(key, default)


def mongo_uri():
    return check_uri_password("MONGO_URI", setting("MONGO_URI") or DEFAULT_MONGO_URI)


def database_name(service_name):
    """One database per service; tests isolate themselves with a prefix."""
    prefix = setting("MONGO_DATABASE_PREFIX") or ""
    return prefix + (setting("MONGO_DATABASE") or service_name)


def amqp_uri():
    # every component reads both URIs at start (its store): a placeholder password stops it
    return check_uri_password("AMQP_URI", setting("AMQP_URI") or "pyamqp://guest:guest@localhost")
