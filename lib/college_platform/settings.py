"""The settings every component shares, each with its default, once: the
database and the broker, the outbox, inbound and event queues, the clock.
Read one by calling it (``MONGO_TIMEOUT_MS()``); the README's configuration
table names them (tests/test_configuration_documented.py)."""
from college_platform.config import Setting, UriSetting
from college_platform.retry import DEFAULT_DELAYS


def local_mongo_uri(port: int = 27017) -> str:
    """The local SecantusDB server's URI (make run, the tests, the benchmark),
    with retryable writes off: SecantusDB scans the records of every retryable
    write of the last 30 minutes at each write, and sorts them past 10,000,
    so single inserts fell from 1,181/s to 99/s within 16,000 of them
    (docs/benchmarks.md). On the loopback a lost reply, what they guard
    against, is unlikely; a production MongoDB URI keeps the driver's default."""
    return "mongodb://127.0.0.1:%d/?directConnection=true&retryWrites=false" % port


# the database and the broker; a placeholder password in either stops the component
MONGO_URI = UriSetting("MONGO_URI", local_mongo_uri())
AMQP_URI = UriSetting("AMQP_URI", "pyamqp://guest:guest@localhost")
# unset: the component's own name (database_name)
MONGO_DATABASE = Setting("MONGO_DATABASE", None, empty_is_default=True)
# only the tests give it: each test's databases apart
MONGO_DATABASE_PREFIX = Setting("MONGO_DATABASE_PREFIX", "", empty_is_default=True)
# a database call gives up after this long
MONGO_TIMEOUT_MS = Setting("MONGO_TIMEOUT_MS", 2000, int)

OUTBOX_POLL_SECONDS = Setting("OUTBOX_POLL_SECONDS", 1.0, float)
OUTBOX_RELAY_ENABLED = Setting("OUTBOX_RELAY_ENABLED", True, bool)
OUTBOX_CLAIM_SECONDS = Setting("OUTBOX_CLAIM_SECONDS", 15, float)

# the broker vhost enterprises publish on; unset: AMQP_URI's
INBOUND_VHOST = Setting("INBOUND_VHOST", "", empty_is_default=True)
INBOUND_BATCH_SIZE = Setting("INBOUND_BATCH_SIZE", 100, int)

# seconds between the attempts of an event handler
EVENT_RETRY_DELAYS = Setting("EVENT_RETRY_DELAYS", DEFAULT_DELAYS,
                             lambda delays: tuple(float(d) for d in delays))
EVENT_QUEUE_TYPE = Setting("EVENT_QUEUE_TYPE", "classic")
# events a batched event handler takes at once (the gateway's views)
EVENT_BATCH_SIZE = Setting("EVENT_BATCH_SIZE", 100, int)

# pin (ISO 8601 with zone) or shift a service's clock: rehearsals and tests only
CLOCK_NOW = Setting("CLOCK_NOW", None)
CLOCK_OFFSET_SECONDS = Setting("CLOCK_OFFSET_SECONDS", 0, float, empty_is_default=True)


def database_name(service_name: str) -> str:
    """One database per service; tests isolate themselves with a prefix."""
    return MONGO_DATABASE_PREFIX() + (MONGO_DATABASE() or service_name)
