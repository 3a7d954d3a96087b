"""Point 6: schemathesis generates requests for every operation of the
gateway's OpenAPI document (``GET /v1/openapi.json``) with the token of every
role, each a real account of the gateway's database (an enterprise user
scoped to an enterprise, a student linked to a student record, a teacher to a
mentor), and public operations without a token: no answer is a 5xx and every
answer matches what the document says (a role an operation does not admit
gets its documented 403). Oversized bodies get 413 and a flood gets 429 with
Retry-After.

The fuzzing must not change the accounts it fuzzes with, or the rest of the
run would only see 401. Operations on the caller's own account (sign out,
change the password) run with a victim account of the same role, signed in
afresh before each request; the administrator's operations on a named account
aim at target accounts made for them, or at a generated name, never at a
fuzzing or victim account. Sign-ins are fuzzed last: their failures empty the
throttle of this client address (429, documented), after which the victims
could not sign in."""
import threading
from collections import Counter, defaultdict

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gateway.api import route_table
from gateway.auth import ENTERPRISE_USER, ROLES, STUDENT, TEACHER
from gateway.openapi import openapi_path
from gateway.service import GatewayService
from testkit.faults import record_result, scaled
from testkit.system import System

# per operation and role: many where the role is admitted, a few where the
# gateway refuses it before reading anything (403)
EXAMPLES_ADMITTED = scaled(15, 2)
EXAMPLES_REFUSED = scaled(3, 1)
MIN_REQUESTS = scaled(6_000, 1_000)
MAX_BODY_BYTES = 1024 * 1024
PASSWORD = "a-long-test-password"
ANONYMOUS = "anonymous"  # the caller of public operations: no token
# the gateway's flood guard: out of the fuzzer's way, and small for the flood test
FUZZ_RATE_LIMIT = {"RATE_LIMIT_PER_SECOND": "10000", "RATE_LIMIT_BURST": "10000"}
FLOOD_RATE_LIMIT = {"RATE_LIMIT_PER_SECOND": "5", "RATE_LIMIT_BURST": "10"}
# what the issue asks: no 5xx, nothing the document does not say. Not schemathesis's
# "a schema-valid body is accepted": cross-field rules (a rejection needs a reason)
# rightly refuse bodies the schema alone allows, with a 400 and field errors
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
SIGN_IN = ("POST", "/v1/auth/token")
# operations on the caller's own account: they end its sessions
OWN_ACCOUNT = {("POST", "/v1/auth/sign-out"), ("POST", "/v1/me/password")}
ROUTES = {(method, openapi_path(route["url"])): route for route in route_table(GatewayService)
          for method in route["method"].split(",")}

PARTNER = {"legal_name": "深圳智造科技有限公司", "credit_code": "91350100M000100Y43",
           "industry": "智能制造"}
PROGRAMME_CODE = "2027-OC-FUZZ"


def fuzzer(role):
    return "fuzz-%s" % role.replace("_", "-")


def victim(role):
    return "victim-%s" % role.replace("_", "-")


def target(role):
    return "target-%s" % role.replace("_", "-")


PROTECTED = {name(role) for role in ROLES for name in (fuzzer, victim)}


@pytest.fixture(scope="module")
def system(rabbit, mongo):
    running = System(rabbit.uri, mongo.uri, extra_env=FUZZ_RATE_LIMIT)
    yield running
    running.stop()


def ok(response, status=(200, 201)):
    assert response.status_code in status, (response.status_code, response.text[:500])
    return response.json()


@pytest.fixture(scope="module")
def scopes(system):
    """What the scoped roles' accounts are linked to, made through the API: an
    enterprise, a student it sponsors (admitted to its order class), a teacher."""
    admin = system.user("seed-admin", "admin")

    def post(path, body):
        return ok(requests.post(system.url("gateway", path), json=body, headers=admin,
                                timeout=30))

    partner = post("/v1/partners", PARTNER)
    agreement = post("/v1/partners/%s/agreements" % partner["id"], {
        "title": "订单班合作协议", "starts_on": "2020-01-01", "ends_on": "2099-12-31",
        "programme_codes": [PROGRAMME_CODE]})
    post("/v1/agreements/%s/status" % agreement["id"], {"status": "active"})
    programme = post("/v1/programmes", {
        "code": PROGRAMME_CODE, "name": "新能源汽车订单班", "kind": "order_class",
        "intake_year": 2027, "capacity": 30,
        "quotas": [{"partner_id": partner["id"], "seats": 20}]})
    admitted = post("/v1/admission-imports", {
        "programme_id": programme["id"], "filename": "录取名单.csv",
        "csv": "name,resident_id,phone,admission_number\n"
               "陈静,11010520060101001X,13900000011,27330100200001\n"})
    assert admitted["imported"] == 1, admitted
    tutor = post("/v1/mentors", {"name": "周老师", "kind": "teacher", "expertise": ["数控技术"]})
    return {ENTERPRISE_USER: {"enterprise_id": partner["id"]},
            STUDENT: {"student_id": admitted["report"][0]["student_id"]},
            TEACHER: {"mentor_id": tutor["id"]}}


class Accounts:
    """The fuzzing account of every role (its auth headers), the victim
    accounts that sign out and change their own password, and the target
    accounts the administrator's account operations aim at."""

    def __init__(self, system, scopes):
        self.system = system
        self.scopes = scopes
        self.headers = {role: system.user(fuzzer(role), role, **scopes.get(role, {}))
                        for role in ROLES}
        self.headers[ANONYMOUS] = {}
        for role in ROLES:
            system.user(victim(role), role, **scopes.get(role, {}))
            system.user(target(role), role, **scopes.get(role, {}))
        self.targets = [target(role) for role in ROLES]

    def fresh_victim(self, role):
        """Auth headers of a new session of the role's victim: the last request
        may have ended its sessions."""
        return {"Authorization": "Bearer %s" % ok(requests.post(
            self.system.url("gateway", "/v1/auth/token"),
            json={"username": victim(role), "password": PASSWORD}, timeout=30),
            (200,))["access_token"]}


@pytest.fixture(scope="module")
def accounts(system, scopes):
    return Accounts(system, scopes)


@pytest.fixture(scope="module")
def api_schema(system):
    return schemathesis.openapi.from_url(system.url("gateway", "/v1/openapi.json"))


def operations_of(api_schema):
    """Every operation, sign-ins last."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    return sorted(operations, key=lambda op: (op.method.upper(), op.path) == SIGN_IN)


def callers(operation):
    """(caller, examples) for an operation: no token for a public one, every
    role otherwise, fewer examples for the roles it does not admit."""
    route = ROUTES[(operation.method.upper(), operation.path)]
    if route["public"]:
        return [(ANONYMOUS, EXAMPLES_ADMITTED)]
    return [(role, EXAMPLES_ADMITTED if role in route["roles"] else EXAMPLES_REFUSED)
            for role in ROLES]


def cases_of(operation, accounts):
    """The operation's generated cases; those naming an account never name a
    fuzzing or victim account, and half of them name a target account."""
    cases = operation.as_strategy()
    if "{username}" not in operation.path:
        return cases

    def aimed(pair):
        case, username = pair
        case.path_parameters = {**case.path_parameters, "username": username}
        return case

    return st.one_of(
        cases.filter(lambda case: case.path_parameters.get("username") not in PROTECTED),
        st.tuples(cases, st.sampled_from(accounts.targets)).map(aimed))


class FuzzRun:
    def __init__(self):
        self.requests = 0
        self.answered = 0
        self.covered = set()  # (caller, method, path)
        self.statuses = defaultdict(Counter)  # (caller, method, path) -> status counts
        self.failures = []


def fuzz(operation, caller, examples, accounts, run):
    method, path = operation.method.upper(), operation.path

    # each operation's strategy driven by hypothesis here (schemathesis's own
    # pytest plugin does not run under this pytest version)
    @given(case=cases_of(operation, accounts))
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def check(case):
        run.requests += 1
        run.covered.add((caller, method, path))
        # a write the document gives no body is sent none, as the document says:
        # sending {} here hid the gateway refusing every such write without one
        headers = accounts.fresh_victim(caller) if (method, path) in OWN_ACCOUNT \
            else accounts.headers[caller]
        response = case.call(headers=headers)
        run.answered += 1
        run.statuses[(caller, method, path)][response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        check()
    except (Exception, BaseExceptionGroup) as exc:  # every operation tried; all reported
        run.failures.append("%s %s as %s: %s" % (method, path, caller, str(exc)[:600]))


@pytest.fixture(scope="module")
def fuzz_run(api_schema, accounts):
    """Every operation fuzzed by every caller once per module, whichever test
    asks first: the findings and the coverage are both read from this one run."""
    run = FuzzRun()
    operations = operations_of(api_schema)
    for operation in operations:
        for caller, examples in callers(operation):
            fuzz(operation, caller, examples, accounts, run)
    by_caller = Counter()
    for (caller, _, _), statuses in run.statuses.items():
        by_caller[caller] += sum(statuses.values())
    record_result("API fuzzing", "%d generated requests over %d operations as %d roles "
                  "(public ones without a token), %d operation and role pairs with findings"
                  % (run.requests, len(operations), len(ROLES), len(run.failures)),
                  "schemathesis: generated bodies, parameters and headers",
                  run.requests, run.answered, None, None, None,
                  requests_by_caller=dict(by_caller), findings=len(run.failures))
    return run


def test_no_generated_request_gets_a_5xx_or_an_undocumented_answer(fuzz_run):
    assert fuzz_run.failures == [], "\n\n".join(fuzz_run.failures)


def test_every_operation_was_fuzzed_with_every_roles_token(api_schema, fuzz_run):
    expected = {(caller, op.method.upper(), op.path) for op in operations_of(api_schema)
                for caller, _ in callers(op)}
    missing = expected - fuzz_run.covered
    assert not missing, "%d operation and caller pairs never fuzzed, e.g. %s" % (
        len(missing), sorted(missing)[:10])
    assert fuzz_run.requests >= MIN_REQUESTS


def test_the_fuzzing_reached_real_accounts_and_changed_none_it_fuzzes_with(
        system, accounts, fuzz_run):
    """Every role signed out for real (a victim), and every fuzzing account still
    stands at the end, with its role: the run did not fuzz with dead tokens."""
    for role in ROLES:
        assert fuzz_run.statuses[(role, "POST", "/v1/auth/sign-out")][204] > 0, role
        response = requests.get(system.url("gateway", "/v1/me"), headers=accounts.headers[role],
                                timeout=10)
        assert response.status_code == 200, (role, response.text[:300])
        assert response.json()["role"] == role
    account_changes = [statuses for (caller, method, path), statuses in fuzz_run.statuses.items()
                       if caller == "admin" and "{username}" in path and method != "GET"]
    assert any(statuses[200] for statuses in account_changes), \
        "no account operation of the administrator reached a target account"


@pytest.mark.parametrize("chunked", [False, True], ids=["with a length", "chunked"])
def test_an_oversized_body_is_413(system, accounts, chunked):
    """Many clients stream a body in chunks, with no Content-Length: such a body
    was read as empty (400 "this route needs a JSON body") until the gateway
    read chunks."""
    body = b'{"legal_name": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    data = (body[start:start + 65536] for start in range(0, len(body), 65536)) \
        if chunked else body
    response = requests.post(system.url("gateway", "/v1/partners"), data=data,
                             headers={**accounts.headers["admin"],
                                      "Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_a_flood_gets_429_with_a_retry_hint(rabbit, mongo):
    gateway = System(rabbit.uri, mongo.uri, names=("gateway",), extra_env=FLOOD_RATE_LIMIT)
    try:
        flood_the(gateway)
    finally:
        gateway.stop()


def flood_the(gateway):
    admin = gateway.user("flood-admin", "admin")
    url = gateway.url("gateway", "/v1/me")
    statuses, retry_hints = [], []

    def flood():
        session = requests.Session()
        for _ in range(60):
            response = session.get(url, headers=admin, timeout=30)
            statuses.append(response.status_code)
            if response.status_code == 429:
                retry_hints.append(response.headers.get("Retry-After"))

    threads = [threading.Thread(target=flood) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert 429 in statuses, "no request of %d refused" % len(statuses)
    assert 200 in statuses
    assert all(hint and int(hint) > 0 for hint in retry_hints)
    assert not [s for s in statuses if s >= 500]
