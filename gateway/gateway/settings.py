"""Every setting the gateway reads besides the shared ones
(``college_platform.settings``), each with its default, once. Read one by
calling it (``RPC_TIMEOUT_SECONDS()``); ``gateway/config.yaml`` takes each from
the environment variable of the same name, and the README's configuration
table names them (tests/test_configuration_documented.py)."""
from college_platform.config import Setting, flag

# tokens: the HS256 signing secret (required, checked at start) and their lifetime
JWT_SECRET = Setting("JWT_SECRET", None)
JWT_LIFETIME_SECONDS = Setting("JWT_LIFETIME_SECONDS", 3600, int)
# the bearer token of /metrics; unset: nobody may scrape it
METRICS_TOKEN = Setting("METRICS_TOKEN", "", empty_is_default=True)

# the deadline of one service call, of a bulk import, of a view refresh and of a
# view part fetched at request time
RPC_TIMEOUT_SECONDS = Setting("RPC_TIMEOUT_SECONDS", 5, float)
IMPORT_RPC_TIMEOUT_SECONDS = Setting("IMPORT_RPC_TIMEOUT_SECONDS", 120, float)
VIEW_REFRESH_TIMEOUT_SECONDS = Setting("VIEW_REFRESH_TIMEOUT_SECONDS", 10, float)
VIEW_LIVE_TIMEOUT_SECONDS = Setting("VIEW_LIVE_TIMEOUT_SECONDS", 2, float)

# aggregated views (docs/views.md)
VIEW_REFRESH_INTERVAL_SECONDS = Setting("VIEW_REFRESH_INTERVAL_SECONDS", 0.2, float)
VIEW_RETRY_SECONDS = Setting("VIEW_RETRY_SECONDS", 5, float)
VIEW_SWEEP_INTERVAL_SECONDS = Setting("VIEW_SWEEP_INTERVAL_SECONDS", 10, float)
VIEW_SWEEP_BATCH = Setting("VIEW_SWEEP_BATCH", 100, int)
VIEW_SWEEP_ROUND_SECONDS = Setting("VIEW_SWEEP_ROUND_SECONDS", 900, float)
FACTS_MIN_INTERVAL_SECONDS = Setting("FACTS_MIN_INTERVAL_SECONDS", 2, float)
FACTS_MAX_SHARE = Setting("FACTS_MAX_SHARE", 0.1, float)
VIEW_PART_MIN_INTERVAL_SECONDS = Setting("VIEW_PART_MIN_INTERVAL_SECONDS", 2, float)
VIEW_CACHE_ENTRIES = Setting("VIEW_CACHE_ENTRIES", 50000, int)
VIEW_CACHE_POLL_SECONDS = Setting("VIEW_CACHE_POLL_SECONDS", 0.25, float)
VIEW_CACHE_MAX_AGE_SECONDS = Setting("VIEW_CACHE_MAX_AGE_SECONDS", 300, float)

# how long the aggregated health is reused; how often accounts changed through
# another instance are looked for
HEALTH_CACHE_SECONDS = Setting("HEALTH_CACHE_SECONDS", 1.0, float)
ACCOUNT_POLL_SECONDS = Setting("ACCOUNT_POLL_SECONDS", 0.25, float)

# protections (docs/gateway.md)
RATE_LIMIT_PER_SECOND = Setting("RATE_LIMIT_PER_SECOND", 1000, float)
RATE_LIMIT_BURST = Setting("RATE_LIMIT_BURST", 2000, int)
LOGIN_RATE_LIMIT_PER_MINUTE = Setting("LOGIN_RATE_LIMIT_PER_MINUTE", 5, float)
LOGIN_RATE_LIMIT_BURST = Setting("LOGIN_RATE_LIMIT_BURST", 5, int)
PUBLIC_VERIFY_RATE_LIMIT_PER_MINUTE = Setting("PUBLIC_VERIFY_RATE_LIMIT_PER_MINUTE", 30, float)
PUBLIC_VERIFY_RATE_LIMIT_BURST = Setting("PUBLIC_VERIFY_RATE_LIMIT_BURST", 30, int)
TRUST_X_FORWARDED_FOR = Setting("TRUST_X_FORWARDED_FOR", False, flag)
# exact browser origins allowed; none by default
CORS_ALLOWED_ORIGINS = Setting("CORS_ALLOWED_ORIGINS", (), empty_is_default=True)
HSTS_MAX_AGE_SECONDS = Setting("HSTS_MAX_AGE_SECONDS", 0, int, empty_is_default=True)

# argon2id parameters of new hashes; unset: the argon2 library's (auth._hasher)
PASSWORD_HASH_TIME_COST = Setting("PASSWORD_HASH_TIME_COST", None)
PASSWORD_HASH_MEMORY_KIB = Setting("PASSWORD_HASH_MEMORY_KIB", None)
PASSWORD_HASH_PARALLELISM = Setting("PASSWORD_HASH_PARALLELISM", None)
# hashes at a time, and sign-ins that may wait for one
PASSWORD_HASH_CONCURRENCY = Setting("PASSWORD_HASH_CONCURRENCY", 1)
PASSWORD_HASH_QUEUE = Setting("PASSWORD_HASH_QUEUE", 32)

# the audit records waiting for the background writer, and its bulk insert size
AUDIT_QUEUE_SIZE = Setting("AUDIT_QUEUE_SIZE", 10000, int)
AUDIT_BATCH_SIZE = Setting("AUDIT_BATCH_SIZE", 500, int)

# notifications (docs/notifications.md): how long before its due time an open
# notification is raised again as a reminder, and how often the sweep looks
NOTIFICATION_REMINDER_HOURS = Setting("NOTIFICATION_REMINDER_HOURS", 48, float)
NOTIFICATION_SWEEP_SECONDS = Setting("NOTIFICATION_SWEEP_SECONDS", 60, float)

# e-mail of notifications (gateway.mail): the mail server; no host, no e-mail.
# SMTP_PASSWORD is a secret: from the environment only, refused as a placeholder
SMTP_HOST = Setting("SMTP_HOST", "", empty_is_default=True)
SMTP_PORT = Setting("SMTP_PORT", 587, int, empty_is_default=True)
SMTP_USERNAME = Setting("SMTP_USERNAME", "", empty_is_default=True)
SMTP_PASSWORD = Setting("SMTP_PASSWORD", "", empty_is_default=True)
SMTP_FROM = Setting("SMTP_FROM", "", empty_is_default=True)
SMTP_STARTTLS = Setting("SMTP_STARTTLS", True, flag)
# the console's address the messages link to (empty: no link)
CONSOLE_URL = Setting("CONSOLE_URL", "", empty_is_default=True)
# how often queued mail is sent, at most how many at a time, and the retries:
# a doubling wait from MAIL_RETRY_SECONDS, given up after MAIL_MAX_ATTEMPTS
MAIL_SEND_INTERVAL_SECONDS = Setting("MAIL_SEND_INTERVAL_SECONDS", 5, float)
MAIL_BATCH = Setting("MAIL_BATCH", 50, int)
MAIL_MAX_ATTEMPTS = Setting("MAIL_MAX_ATTEMPTS", 5, int)
MAIL_RETRY_SECONDS = Setting("MAIL_RETRY_SECONDS", 60, float)
