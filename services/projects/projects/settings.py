"""Every setting the projects service reads besides the shared ones
(``college_platform.settings``), each with its default, once; read one by
calling it. ``services/projects/config.yaml`` takes them from the environment,
and the README's configuration table names them."""
from college_platform.config import Setting, flag

# a week's check-in is missed this many days after its Sunday; the sweep runs this often
CHECKIN_GRACE_DAYS = Setting("CHECKIN_GRACE_DAYS", 2, int)
CHECKIN_SWEEP_SECONDS = Setting("CHECKIN_SWEEP_SECONDS", 3600, float)

# outbound events to enterprise systems (docs/outbound.md): a webhook's attempts, the wait
# after the first failure (doubling each time), a request's timeout, whether plain http to
# this machine is allowed (tests and development only), and how often the sender looks
OUTBOUND_ATTEMPTS = Setting("OUTBOUND_ATTEMPTS", 8, int)
OUTBOUND_BACKOFF_SECONDS = Setting("OUTBOUND_BACKOFF_SECONDS", 2.0, float)
OUTBOUND_TIMEOUT_SECONDS = Setting("OUTBOUND_TIMEOUT_SECONDS", 5.0, float)
OUTBOUND_ALLOW_LOCAL_HTTP = Setting("OUTBOUND_ALLOW_LOCAL_HTTP", False, flag)
OUTBOUND_POLL_SECONDS = Setting("OUTBOUND_POLL_SECONDS", 0.5, float)
