"""What guards the gateway before any route runs: per-client rate limits,
the CORS decision and the security headers. Plain code with an injectable
clock, so every rule is unit-tested without a server."""
import math
import time
from collections import OrderedDict

from gateway.evidence_pack import STYLE_HASH as EVIDENCE_PACK_STYLE


class ConfigurationError(RuntimeError):
    """A protection setting the gateway cannot start with."""


class TokenBucket:
    """``burst`` tokens, refilled at ``rate`` per second; a request takes one."""

    def __init__(self, rate, burst, now):
        self.rate = float(rate)
        self.burst = float(burst)
        self.tokens = float(burst)
        self.updated = now

    def _refill(self, now):
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def take(self, now):
        """0 when a token was taken, else the seconds until one is available."""
        self._refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return 0
        return (1 - self.tokens) / self.rate

    def wait_needed(self, now):
        """Like ``take`` without taking: the seconds until a token is available."""
        self._refill(now)
        return 0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class RateLimiter:
    """One token bucket per client key. At most ``max_clients`` buckets are
    kept; the least recently seen goes first (a bucket that had refilled is
    the same as a new one, so forgetting it changes nothing)."""

    def __init__(self, rate, burst, max_clients=100_000, clock=time.monotonic):
        if float(rate) <= 0 or int(burst) < 1:
            raise ConfigurationError("a rate limit needs a positive rate and a burst of at least 1")
        self.rate = float(rate)
        self.burst = int(burst)
        self.max_clients = max_clients
        self.clock = clock
        self.buckets = OrderedDict()

    def _bucket(self, key, now):
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = TokenBucket(self.rate, self.burst, now)
            if len(self.buckets) > self.max_clients:
                self.buckets.popitem(last=False)
        else:
            self.buckets.move_to_end(key)
        return bucket

    def take(self, key):
        """0 when the client may go on, else the seconds it must wait."""
        now = self.clock()
        return self._bucket(key, now).take(now)

    def wait_needed(self, key):
        """The seconds until ``key`` may go on, taking nothing."""
        now = self.clock()
        return self._bucket(key, now).wait_needed(now)


def retry_after_header(seconds):
    """Whole seconds, at least one (RFC 9110 delay-seconds)."""
    return str(max(1, math.ceil(seconds)))


def client_key(username, remote_addr, forwarded_for=None, trust_forwarded_for=False):
    """Whose bucket a request takes from: the authenticated user, else the
    client address (behind a trusted proxy, the address the proxy saw)."""
    if username:
        return "user:" + username
    if trust_forwarded_for and forwarded_for:
        return "ip:" + forwarded_for.split(",")[-1].strip()
    return "ip:" + (remote_addr or "unknown")


class CorsPolicy:
    """Cross-origin access for the exact origins configured, nothing else.
    The API authenticates with bearer tokens, not cookies, so credentials are
    never allowed and ``*`` is refused."""

    ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE"
    ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-Id"
    EXPOSED_HEADERS = "Location, Retry-After, X-Request-Id, Content-Disposition"
    MAX_AGE_SECONDS = "600"

    def __init__(self, origins):
        if isinstance(origins, str):
            origins = [origin for origin in origins.replace(",", " ").split() if origin]
        origins = [origin.rstrip("/") for origin in origins or ()]
        for origin in origins:
            if origin == "*" or "://" not in origin:
                raise ConfigurationError(
                    "CORS_ALLOWED_ORIGINS takes exact origins such as https://console.example.edu"
                    " (not %r)" % origin)
        self.origins = frozenset(origins)

    def allows(self, origin):
        return bool(origin) and origin in self.origins

    @staticmethod
    def is_preflight(method, origin, requested_method):
        return method == "OPTIONS" and bool(origin) and bool(requested_method)

    def preflight_headers(self, origin, requested_method):
        """The headers that allow the preflight, or None to refuse it."""
        if not self.allows(origin) or \
                requested_method.upper() not in self.ALLOWED_METHODS.split(", "):
            return None
        return [("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Methods", self.ALLOWED_METHODS),
                ("Access-Control-Allow-Headers", self.ALLOWED_HEADERS),
                ("Access-Control-Max-Age", self.MAX_AGE_SECONDS),
                ("Vary", "Origin")]

    def response_headers(self, origin):
        """For an actual request: the allowing headers, or none at all (the
        browser then withholds the response from the page)."""
        if not self.allows(origin):
            return [("Vary", "Origin")] if origin else []
        return [("Access-Control-Allow-Origin", origin),
                ("Access-Control-Expose-Headers", self.EXPOSED_HEADERS),
                ("Vary", "Origin")]


# a same-origin console: its own scripts, styles and images, nobody may frame it; the one
# inline style allowed is the evidence pack's (by its hash), which the console opens from
# the document it fetched (a blob keeps the console's policy)
CONTENT_SECURITY_POLICY = ("default-src 'self'; style-src 'self' %s; frame-ancestors 'none'; "
                           "base-uri 'none'; form-action 'self'; object-src 'none'"
                           % EVIDENCE_PACK_STYLE)


def security_headers(content_type, present, hsts_max_age=0):
    """Headers every response gets; ``present``: the lower-cased names the
    response already has. Nothing is kept by a browser or a proxy unless its
    route says so with a Cache-Control of its own (the console's static files
    do): personal data leaves as JSON, CSV and credentials alike, so the
    rule is the same whatever ``content_type`` is."""
    headers = [("Content-Security-Policy", CONTENT_SECURITY_POLICY),
               ("X-Content-Type-Options", "nosniff"),
               ("Referrer-Policy", "no-referrer"),
               ("X-Frame-Options", "DENY")]
    if hsts_max_age:
        headers.append(("Strict-Transport-Security",
                        "max-age=%d; includeSubDomains" % int(hsts_max_age)))
    headers.append(("Cache-Control", "no-store"))
    return [header for header in headers if header[0].lower() not in present]
