"""schemathesis runs every operation of the gateway's OpenAPI document
(``GET /v1/openapi.json``) with the token of every role, each a real account
of the gateway's database (an enterprise user scoped to an enterprise, a
student linked to a student record, a teacher to a mentor), and public
operations without a token, through its own engine with every check on:
positive and negative data, its coverage phase (each field missing, each limit
and just past it, undeclared methods, missing and wrong tokens) and its
stateful phase where the document's links allow one. No answer is a 5xx, every
answer is as documented (a role an operation does not admit gets its
documented 403), invalid data is refused, and schema-valid data is accepted
unless a rule of the domain the schema cannot state refuses it: those
refusals are counted beside their rule (``RULES``) and reported with the run.
Oversized bodies get 413 and a flood gets 429 with Retry-After.

The fuzzing must not change the accounts it fuzzes with, or the rest of the
run would only see 401. Operations on the caller's own account (sign out,
change the password) run with a victim account of the same role, signed in
afresh before each request; the administrator's operations on a named account
aim at target accounts made for them, or at a generated name, never at a
fuzzing or victim account. Sign-ins are fuzzed last: their failures empty the
throttle of this client address (429, documented), after which the victims
could not sign in."""
import os
import random
import re
import threading
from collections import Counter, defaultdict
from typing import NamedTuple

import pytest
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

from gateway.api import route_table
from gateway.auth import ENTERPRISE_USER, ROLES, STUDENT, TEACHER
from gateway.openapi import openapi_path
from gateway.service import GatewayService
from testkit.faults import FULL, RESULTS, record_result, scaled
from testkit.system import System

# examples per operation and caller in schemathesis's generated phases (positive
# and negative data), where the role is admitted and where the gateway refuses
# it (403); the coverage phase adds its own cases where the role is admitted:
# each field missing, each limit and just past it, undeclared methods
EXAMPLES_ADMITTED = scaled(10, 1)
EXAMPLES_REFUSED = scaled(3, 1)
# the coverage phase is most of the run's time and tests the body's rules, which
# hardly depend on the caller: the short run gives each operation's coverage
# cases to one of its admitted roles, a different one from operation to operation
# (the full run, make faults, to every admitted role)
COVERAGE_FOR_EVERY_ROLE = FULL
MIN_REQUESTS = scaled(20_000, 5_000)
MAX_BODY_BYTES = 1024 * 1024
FINDINGS = RESULTS.parent / "api-fuzzing-findings.txt"  # every finding of the last run
# the short run (make test) repeats one seed, so CI is reproducible; a full run
# (make faults) draws a new one and records it: FUZZ_SEED=<seed> runs it again
SEED = int(os.environ.get("FUZZ_SEED") or (random.getrandbits(32) if FULL else 20261206))
PASSWORD = "a-long-test-password"
ANONYMOUS = "anonymous"  # the caller of public operations: no token
# the gateway's flood guard: out of the fuzzer's way, and small for the flood test
FUZZ_RATE_LIMIT = {"RATE_LIMIT_PER_SECOND": "10000", "RATE_LIMIT_BURST": "10000"}
FLOOD_RATE_LIMIT = {"RATE_LIMIT_PER_SECOND": "5", "RATE_LIMIT_BURST": "10"}
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


class Rule(NamedTuple):
    """A rule of the domain that refuses a request its schema allows: a
    reference to an object that does not exist, a field the caller's role
    requires, a relation between fields. schemathesis cannot know it, so the
    refusals it makes are counted beside it rather than failing the run; any
    other refusal of schema-valid data is a finding."""
    text: str
    field: str  # the field its error names ("*": any)
    message: str  # a pattern of the error's message
    operations: tuple = ()  # "METHOD /path"; none: every operation


RULES = (
    Rule("A body names objects that exist: a programme, a partner, a certificate, a student, "
         "a mentor, an enterprise (the schema can only say it is an id)", "*",
         r"^(Unknown |No .* is known|.* does not exist|Not a known |Not an enrolled, active)"),
    Rule("A field the path or the caller's account decides is left out or given as decided "
         "(the partner of an agreement, the actor, an enterprise user's own enterprise)", "*",
         r"^The path or your account decides this field"),
    Rule("Staff name the enterprise of a project, placement or subscription; an enterprise "
         "user's is its own", "enterprise_id", r"^Missing data for required field",
         ("POST /v1/projects", "POST /v1/placements", "POST /v1/enterprise-subscriptions")),
    Rule("A webhook subscription names its URL, https (plain http only to this machine when "
         "the setting allows it); a queue subscription names none", "url",
         r"^(Missing data for required field|A queue subscription takes no url|"
         r"Must be an https URL)", ("POST /v1/enterprise-subscriptions",)),
    Rule("Coordinators say whose review it is (tutor or enterprise); tutors and enterprise "
         "users are known from their account", "reviewer_kind", r"^Missing data",
         ("POST /v1/deliverables/{deliverable_id}/reviews",)),
    Rule("Certificate staff name the candidate they register; a student registers themselves",
         "candidate_id", r"^Missing data", ("POST /v1/exam-sessions/{session_id}/registrations",)),
    Rule("A rejection needs a reason", "reason", r"needs a reason"),
    Rule("An applicant gives a resident identity number or a passport, not both", "*",
         r"resident identity number or a passport", ("POST /v1/applications",)),
    Rule("A resident identity number is 18 characters ending with its check character, "
         "its date of birth real (GB 11643-1999); spaces and a small x are forgiven, so the "
         "document gives no pattern", "applicant.resident_id",
         r"^Not a valid resident identity number", ("POST /v1/applications",)),
    Rule("An application or an admission list names a partner that holds a quota in its "
         "programme", "partner_id", r"has no quota in programme",
         ("POST /v1/applications", "POST /v1/admission-imports")),
    Rule("A date of birth is plausible for an applicant", "applicant.birth_date",
         r"Not a plausible date of birth", ("POST /v1/applications",)),
    Rule("A CSV upload has the header its import needs", "csv", r"(header|columns|CSV)"),
    Rule("A certificate's prerequisites are for its own levels", "prerequisites",
         r"for one of the certificate's levels", ("POST /v1/certificates",)),
    Rule("An exam session or a credit rule is at a level its certificate offers", "level",
         r"(is offered at|^Not a level of)",
         ("POST /v1/exam-sessions", "POST /v1/credit-rules", "POST /v1/credit-rules/preview")),
    Rule("A project's milestones weigh 100 in all and fall due within the project",
         "milestones", r"(weights must sum to 100|is due outside the project)"),
    Rule("An inward secondment brings the enterprise's own industry mentor", "mentor_id",
         r"^Not an industry mentor of", ("POST /v1/secondments",)),
    Rule("A secondment lasts at most three years", "ends_on", r"lasts at most three years",
         ("POST /v1/secondments",)),
    Rule("An industry mentor comes from a partner enterprise; a college teacher from none",
         "enterprise_id", r"(industry mentor comes from a partner|teacher has no enterprise)",
         ("POST /v1/mentors",)),
    Rule("A partner's quota needs its active agreement covering the programme", "*",
         r"has no active agreement covering"),
    Rule("A check-in is for a week starting on a Monday", "week_starting", r"^Must be a Monday"),
    Rule("A placement ends within its own term", "ended_on", r"^Must be between",
         ("POST /v1/placements/{placement_id}/end",)),
    Rule("Ending a placement early needs a reason", "reason", r"^Required when ending before",
         ("POST /v1/placements/{placement_id}/end",)),
    Rule("Registration for an exam session closes at its deadline", "session_id",
         r"^registration closed on", ("POST /v1/exam-sessions/{session_id}/registrations",)),
    Rule("The partners' quotas fit within the programme's capacity", "quotas",
         r"would total .* above the programme's capacity", ("POST /v1/programmes",)),
    Rule("A transfer names the programme it moves to", "programme_id",
         r"transfer needs the programme", ("POST /v1/students/{student_id}/status-changes",)),
    Rule("An account's links fit its role: a student account to its student, an enterprise "
         "user to its enterprise, a teacher or enterprise mentor to a mentor, no other",
         "*", r"(^Only .* (link|linked|belong) to|account is linked to its|"
              r"user belongs to one enterprise)"),
    Rule("Notifications are e-mailed only to an address: asking for e-mail needs one",
         "email", r"^Give an address to have notifications e-mailed",
         ("PUT /v1/me/notifications", "POST /v1/users")),
    Rule("An e-mail address is one marshmallow's validator accepts (a dotted domain, no "
         "quoted local part), narrower than the document's \"email\" format", "email",
         r"^Not a valid email address", ("PUT /v1/me/notifications", "POST /v1/users")),
    Rule("A change of an account names something to change", "_schema",
         r"^Name at least one of", ("PATCH /v1/users/{username}",)),
    Rule("Dates in order: an end on or after its start, registration closing by the exam, "
         "a search's until after its since", "*",
         r"(must end on or after its start|must close on or before the exam date|"
         r"^Must be on or after |ends before it starts|^Must not be before since)"),
    Rule("One of two fields, not both or neither (a summary of an enterprise or of a "
         "student; an admission list as rows or as CSV)", "*",
         r"(Give exactly one of|one of the two)"),
    Rule("An applicant with a passport gives a birth date", "applicant.birth_date",
         r"Required with a passport", ("POST /v1/applications",)),
    Rule("An amendment changes the title, the end date, the programmes or the clauses",
         "_schema", r"Change the title, the end date, the programmes or the clauses",
         ("PATCH /v1/agreements/{agreement_id}",)),
    Rule("An agreement's clauses have ids of their own and fall due within its term (as "
         "amended); a declaration is for a day of the term", "*",
         r"(^Each clause has an id of its own|^Must be within the agreement's term|"
         r"falls due on .* outside the term)",
         ("PATCH /v1/agreements/{agreement_id}",
          "POST /v1/agreements/{agreement_id}/declarations")),
    Rule("A declaration names a clause of the agreement that counts equipment or funds",
         "clause_id", r"(^Not a clause of this agreement|only equipment and funds are declared)",
         ("POST /v1/agreements/{agreement_id}/declarations",)),
    Rule("Each partner has at most one quota in a programme", "quotas",
         r"Each partner may have one quota"),
    Rule("Changing one's password needs the current one", "current_password",
         r"Not the current password", ("POST /v1/me/password",)),
    Rule("A unified social credit code ends with its check character (GB 32100-2015)",
         "credit_code", r"check character"),
    Rule("A graduate's hire or further study names its employer (or school) and its start",
         "*", r"^(Name the employer|Say when the graduate started)",
         ("PUT /v1/students/{student_id}/destination",)),
    Rule("An employer survey's answer rates exactly the survey's competencies", "ratings",
         r"^(Rate every competency|Not a competency of this survey)",
         ("POST /v1/employer-surveys/{survey_id}/answers",)),
    Rule("A replay's cursor is one the previous page of the replay gave", "cursor",
         r"Not a cursor of this replay", ("POST /v1/admin/inbound/dead-letters/replay",)),
    Rule("A competition's certificates, and an award's exam stand-in, are at levels their "
         "certificates offer", "*", r"is offered at",
         ("POST /v1/competitions", "POST /v1/award-credit-rules")),
    Rule("A competition entry is shaped as its kind: an individual names one student and no "
         "team name, a team 2 to 10 students and a name", "*",
         r"^(An individual entry|A team (has|needs))",
         ("POST /v1/competitions/{competition_id}/entries",)),
    Rule("An entry names each student and tutor once; results name each entry once", "*",
         r"[Nn]amed more than once", ("POST /v1/competitions/{competition_id}/entries",
                                      "POST /v1/competitions/{competition_id}/results")),
)


def field_errors_of(response):
    try:
        problem = response.json()
    except ValueError:
        return []
    return problem.get("field_errors") or [] if isinstance(problem, dict) else []


def rule_for(operation, response):
    """The rule that explains this refusal of schema-valid data, if one does:
    a 400 whose every field error is one of a rule that covers the operation."""
    errors = field_errors_of(response) if response.status_code == 400 else []
    matched = set()
    for error in errors:
        rule = next((rule for rule in RULES
                     if (not rule.operations or operation in rule.operations)
                     and rule.field in ("*", error.get("field"))
                     and re.search(rule.message, error.get("message") or "")), None)
        if rule is None:
            return None
        matched.add(rule)
    return min(matched) if matched else None


class FuzzRun:
    def __init__(self):
        self.requests = 0
        self.covered = set()  # (caller, method, path)
        self.statuses = defaultdict(Counter)  # (caller, method, path) -> status counts
        self.phases = Counter()  # requests per schemathesis phase
        self.checked = Counter()  # check name -> responses it judged
        self.failures = {}  # what went wrong -> an example
        self.refusals = defaultdict(Counter)  # rule -> refusals per operation


RUN = FuzzRun()  # the run in progress, for the check below


@schemathesis.check
def positive_data_acceptance_beside_the_rules(ctx, response, case):
    """schemathesis's ``positive_data_acceptance``, except that a refusal one
    of ``RULES`` explains is counted beside it instead of failing."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        rule = rule_for(case.operation.label, response)
        if rule is None:
            raise
        RUN.refusals[rule.text][case.operation.label] += 1
        return None


@schemathesis.hook
def map_case(context, case):
    """The administrator's account operations never aim at an account the run
    fuzzes with (schemathesis reuses names it saw in answers): a target instead."""
    username = (case.path_parameters or {}).get("username")
    if username in PROTECTED:
        case.path_parameters = {**case.path_parameters, "username": target("admin")}
    return case


def coverage_roles(operations):
    """Which admitted roles run each operation's coverage phase: all of them in
    the full run; in the short run one, taken in turn over the sorted operations
    so that every role gets some."""
    chosen = {}
    for index, key in enumerate(sorted(operations)):
        admitted = [role for role in ROLES if role in ROUTES[key]["roles"]]
        chosen[key] = set(admitted) if COVERAGE_FOR_EVERY_ROLE or not admitted \
            else {admitted[index % len(admitted)]}
    return chosen


def operation_key(operation):
    return operation.method.upper(), operation.path


def engine_run(raw_schema, base_url, caller, operations, examples, coverage, headers=None,
               auth=None):
    """One schemathesis run over ``operations`` as ``caller``: every check on,
    positive and negative data, its coverage phase if ``coverage``."""
    if not operations:
        return
    config = SchemathesisConfig.from_dict({
        "base-url": base_url, "headers": headers or {}, "continue-on-failure": True,
        "seed": SEED,
        "workers": 1, "generation": {"mode": "all", "max-examples": examples},
        "checks": {"enabled": True, "positive_data_acceptance": {"enabled": False}},
        "phases": {"coverage": {"enabled": coverage}},
    })
    schema = schemathesis.openapi.from_dict(raw_schema, config=config).include(
        func=lambda context: operation_key(context.operation) in operations)
    if auth is not None:
        schema.auth(refresh_interval=None)(auth)
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            record_scenario(caller, event)
        elif isinstance(event, events.NonFatalError) and \
                "link definitions required for stateful testing" in str(event.value):
            RUN.phases["stateful skipped (no complete link among the operations) for "
                       + caller] += 1
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            RUN.failures["%s: schemathesis could not run: %s" % (
                caller, getattr(event, "label", ""))] = str(
                getattr(event, "value", getattr(event, "exception", "")))[:600]


def record_scenario(caller, event):
    recorder = event.recorder
    for case_id, interaction in recorder.interactions.items():
        node = recorder.cases.get(case_id)
        if node is None or interaction.response is None:
            continue
        method, path = operation_key(node.value.operation)
        RUN.requests += 1
        RUN.phases[event.phase.value] += 1
        RUN.covered.add((caller, method, path))
        RUN.statuses[(caller, method, path)][interaction.response.status_code] += 1
    for case_id, checks in recorder.checks.items():
        for check in checks:
            RUN.checked[check.name] += 1
            if check.failure_info is None:
                continue
            failure = check.failure_info.failure
            interaction = recorder.interactions.get(case_id)
            key = "%s %s as %s: %s: %s" % (
                check.name, recorder.label, caller, getattr(failure, "title", ""),
                str(failure).splitlines()[0][:200] if str(failure) else "")
            if key not in RUN.failures and interaction is not None:
                response = interaction.response
                RUN.failures[key] = "%s %s %r -> %s %r" % (
                    interaction.request.method, interaction.request.uri,
                    (interaction.request.body or b"")[:300],
                    response.status_code if response else None,
                    (response.content or b"")[:400] if response else None)


def fresh_victim_session(accounts, role):
    """An auth provider for the operations on the caller's own account: each
    request signs the role's victim in afresh, since the last one may have
    ended its sessions."""
    class FreshVictimSession:
        def get(self, case, context):
            return accounts.fresh_victim(role)["Authorization"]

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": data}

    return FreshVictimSession


@pytest.fixture(scope="module")
def fuzz_run(system, accounts):
    """Every operation fuzzed by every caller once per module, whichever test
    asks first: the findings and the coverage are both read from this one run.
    Sign-ins run last: their failures empty the throttle of this address."""
    raw_schema = requests.get(system.url("gateway", "/v1/openapi.json"), timeout=30).json()
    base_url = system.url("gateway", "")
    every = {(method.upper(), path) for path, methods in raw_schema["paths"].items()
             for method in methods}
    public = {key for key in every if ROUTES[key]["public"]}
    covered_by = coverage_roles(every - public - OWN_ACCOUNT)
    for role in ROLES:
        admitted = {key for key in every - public - OWN_ACCOUNT if role in ROUTES[key]["roles"]}
        refused = every - public - OWN_ACCOUNT - admitted
        with_coverage = {key for key in admitted if role in covered_by[key]}
        engine_run(raw_schema, base_url, role, with_coverage, EXAMPLES_ADMITTED, True,
                   headers=accounts.headers[role])
        engine_run(raw_schema, base_url, role, admitted - with_coverage, EXAMPLES_ADMITTED,
                   False, headers=accounts.headers[role])
        engine_run(raw_schema, base_url, role, refused, EXAMPLES_REFUSED, False,
                   headers=accounts.headers[role])
        engine_run(raw_schema, base_url, role, OWN_ACCOUNT, EXAMPLES_ADMITTED, True,
                   auth=fresh_victim_session(accounts, role))
    engine_run(raw_schema, base_url, ANONYMOUS, public - {SIGN_IN}, EXAMPLES_ADMITTED, True)
    engine_run(raw_schema, base_url, ANONYMOUS, {SIGN_IN}, EXAMPLES_ADMITTED, True)
    FINDINGS.parent.mkdir(parents=True, exist_ok=True)
    FINDINGS.write_text("seed %d\n\n" % SEED + "".join("%s\n    e.g. %s\n\n" % item
                                for item in sorted(RUN.failures.items())), encoding="utf-8")
    by_caller = Counter()
    for (caller, _, _), statuses in RUN.statuses.items():
        by_caller[caller] += sum(statuses.values())
    refusals = {rule: sum(counts.values()) for rule, counts in RUN.refusals.items()}
    record_result("API fuzzing", "%d generated requests over %d operations as %d roles "
                  "(public ones without a token), every schemathesis check, %d findings"
                  % (RUN.requests, len(every), len(ROLES), len(RUN.failures)),
                  "schemathesis: generated bodies, parameters, headers and methods",
                  RUN.requests, RUN.requests, None, None, None,
                  requests_by_caller=dict(by_caller), requests_by_phase=dict(RUN.phases),
                  responses_judged_by_check=dict(RUN.checked), findings=len(RUN.failures),
                  refusals_beside_their_rule=refusals, seed=SEED)
    return RUN


def test_no_generated_request_gets_a_5xx_a_schema_break_or_an_undocumented_answer(fuzz_run):
    """Every check of schemathesis: no server error; statuses, content types,
    headers and bodies as documented; schema-valid data accepted (or refused by
    a rule of ``RULES``, counted beside it); invalid data refused; a missing
    token or required header refused; an undeclared method 405 with ``Allow``."""
    failures = ["%s\n    e.g. %s" % item for item in sorted(fuzz_run.failures.items())]
    assert not failures, "%d findings with seed %d:\n%s" % (
        len(failures), SEED, "\n\n".join(failures))


def test_every_operation_was_fuzzed_with_every_roles_token_and_every_check(system, fuzz_run):
    document = requests.get(system.url("gateway", "/v1/openapi.json"), timeout=30).json()
    expected = set()
    for path, methods in document["paths"].items():
        for method in methods:
            route = ROUTES[(method.upper(), path)]
            callers = [ANONYMOUS] if route["public"] else ROLES
            expected |= {(caller, method.upper(), path) for caller in callers}
    missing = expected - fuzz_run.covered
    assert not missing, "%d operation and caller pairs never fuzzed, e.g. %s" % (
        len(missing), sorted(missing)[:10])
    assert fuzz_run.requests >= MIN_REQUESTS
    judged = {name for name, count in fuzz_run.checked.items() if count}
    assert judged >= {"not_a_server_error", "status_code_conformance",
                      "content_type_conformance", "response_headers_conformance",
                      "response_schema_conformance", "negative_data_rejection",
                      "positive_data_acceptance_beside_the_rules", "ignored_auth",
                      "missing_required_header", "unsupported_method"}, fuzz_run.checked


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
