"""Configuration lookups on top of nameko's YAML config (which already
substitutes ``${ENV_VAR:default}``)."""
from nameko import config

DEFAULT_MONGO_URI = "mongodb://127.0.0.1:27017/?directConnection=true"


def setting(key, default=None):
    return config.get(key, default)


def mongo_uri():
    return setting("MONGO_URI") or DEFAULT_MONGO_URI


def database_name(service_name):
    """One database per service; tests isolate themselves with a prefix."""
    prefix = setting("MONGO_DATABASE_PREFIX") or ""
    return prefix + (setting("MONGO_DATABASE") or service_name)


def amqp_uri():
    return setting("AMQP_URI") or "pyamqp://guest:guest@localhost"
