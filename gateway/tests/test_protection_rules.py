import pytest

from gateway.protection import (
    ConfigurationError,
    CorsPolicy,
    RateLimiter,
    client_key,
    retry_after_header,
    security_headers,
)

CONSOLE = "https://console.example.edu"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_client_gets_its_burst_then_waits_for_the_refill():
    clock = Clock()
    limiter = RateLimiter(rate=2, burst=3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.take("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.take("a") == 0
    assert limiter.take("a") > 0


def test_clients_have_buckets_of_their_own():
    limiter = RateLimiter(rate=1, burst=1, clock=Clock())
    assert limiter.take("user:a") == 0
    assert limiter.take("user:a") > 0
    assert limiter.take("user:b") == 0


def test_a_bucket_never_holds_more_than_its_burst():
    clock = Clock()
    limiter = RateLimiter(rate=10, burst=2, clock=clock)
    limiter.take("a")
    clock.now += 3600
    assert [limiter.take("a") == 0 for _ in range(3)] == [True, True, False]


def test_waiting_is_checked_without_taking():
    limiter = RateLimiter(rate=5 / 60, burst=5, clock=Clock())
    for _ in range(5):
        assert limiter.wait_needed("root|10.0.0.1") == 0
        limiter.take("root|10.0.0.1")
    assert limiter.wait_needed("root|10.0.0.1") == pytest.approx(12)


def test_the_least_recently_seen_client_is_forgotten_first():
    limiter = RateLimiter(rate=1, burst=1, max_clients=2, clock=Clock())
    for key in ("a", "b", "a", "c"):
        limiter.take(key)
    assert list(limiter.buckets) == ["a", "c"]


@pytest.mark.parametrize("rate, burst", [(0, 10), (1, 0)])
def test_a_limit_that_admits_nothing_is_refused_at_start(rate, burst):
    with pytest.raises(ConfigurationError):
        RateLimiter(rate, burst)


def test_retry_after_is_whole_seconds_and_at_least_one():
    assert (retry_after_header(0.01), retry_after_header(1.2), retry_after_header(12)) == \
        ("1", "2", "12")


def test_the_client_is_the_user_when_signed_in_else_the_address():
    assert client_key("li.na", "10.0.0.1") == "user:li.na"
    assert client_key(None, "10.0.0.1", "1.2.3.4") == "ip:10.0.0.1", "the header is forgeable"
    assert client_key(None, "10.0.0.1", "1.2.3.4, 5.6.7.8", trust_forwarded_for=True) == \
        "ip:5.6.7.8", "the hop the trusted proxy added"


def test_cors_allows_configured_origins_only():
    policy = CorsPolicy("%s, https://ops.example.edu/" % CONSOLE)
    assert policy.allows(CONSOLE) and policy.allows("https://ops.example.edu")
    assert not policy.allows("https://console.example.edu.evil.example")
    assert not policy.allows(None)
    allowed = dict(policy.preflight_headers(CONSOLE, "PATCH"))
    assert allowed["Access-Control-Allow-Origin"] == CONSOLE
    assert "Access-Control-Allow-Credentials" not in allowed
    assert policy.preflight_headers("https://evil.example", "GET") is None
    assert policy.preflight_headers(CONSOLE, "TRACE") is None
    assert policy.preflight_headers(CONSOLE, "POS") is None
    assert dict(policy.response_headers(CONSOLE))["Access-Control-Allow-Origin"] == CONSOLE
    assert "Access-Control-Allow-Origin" not in dict(policy.response_headers("https://x.example"))


def test_no_origin_is_allowed_by_default():
    assert not CorsPolicy(()).allows(CONSOLE)


@pytest.mark.parametrize("origin", ["*", "console.example.edu"])
def test_a_wildcard_or_a_bare_host_is_refused_at_start(origin):
    with pytest.raises(ConfigurationError):
        CorsPolicy(origin)


def test_only_real_preflights_are_treated_as_such():
    assert CorsPolicy.is_preflight("OPTIONS", CONSOLE, "POST")
    assert not CorsPolicy.is_preflight("OPTIONS", None, "POST")
    assert not CorsPolicy.is_preflight("GET", CONSOLE, "POST")


def test_security_headers_and_no_store_for_json():
    headers = dict(security_headers("application/json; charset=utf-8", set()))
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers


def test_hsts_only_when_configured_and_a_routes_own_cache_control_is_kept():
    headers = dict(security_headers("application/json", {"cache-control"}, hsts_max_age=31536000))
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Cache-Control" not in headers


@pytest.mark.parametrize("content_type", ["text/csv; charset=utf-8", "application/vc",
                                          "text/plain; version=0.0.4", "text/html", ""])
def test_every_answer_without_its_own_cache_control_is_never_stored(content_type):
    """Personal data leaves as JSON, CSV exports and credentials alike: nothing is
    kept by a browser or proxy unless its route says it may be."""
    assert dict(security_headers(content_type, set()))["Cache-Control"] == "no-store"


def test_the_consoles_static_files_keep_their_own_caching():
    # what gateway/gateway/routes/console.py sets on the console's scripts and styles
    assert "Cache-Control" not in dict(security_headers("text/javascript; charset=utf-8",
                                                        {"cache-control", "etag"}))
