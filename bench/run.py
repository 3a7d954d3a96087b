"""``make bench``: start the system on local defaults (its own broker vhost and
database server), create the dataset, measure the routes, the inbound stream
and the baselines, and write the results.

    python -m bench.run                 # the full run (BENCH_RUNS, default 3)
    python -m bench.run --smoke --out /tmp/x --no-doc   # seconds: the CI's check
    BENCH_PHASES=signin BENCH_SCALE=0.05 python -m bench.run   # the sign-in flood alone

Settings (flags or environment): BENCH_RUNS, BENCH_SECONDS (per HTTP route),
BENCH_WARMUP (unrecorded seconds before each read route), BENCH_INBOUND_SECONDS,
BENCH_INBOUND_RATE, BENCH_OUTBOUND_RATE (internal events/s sent back to enterprises' queues
during the first inbound run, for the outbound delivery lag; 0 skips it),
BENCH_OVERLOAD_SECONDS and BENCH_OVERLOAD_BOUND (twice the
inbound rate offered to a bounded queue after the inbound runs; 0 seconds skips it),
BENCH_QUEUE_TYPE (classic or quorum: EVENT_QUEUE_TYPE of every component),
BENCH_CONNECTIONS, BENCH_SCALE (dataset multiplier), BENCH_10X
(0 skips the 10x read routes), BENCH_PROFILE
(1: py-spy records the gateway during each gateway route's first run, the projects
service, the gateway and their databases during the first inbound run, and the
gateway during the first run's sign-in floods),
BENCH_MONGO_URI (a server to use instead of a private SecantusDB), BENCH_DATA_DIR
(keep the databases and the dataset's description there and reuse them in the next
run: creating the dataset through the API takes far longer than measuring it; the 10x
phase grows a kept dataset for good, so keep a 1x one with BENCH_10X=0).

BENCH_PHASES (default all, comma-separated): exam (one exam session of 1,000 candidates,
the students at most, registered as a class and its results imported, timed alone once the
dataset has settled; BENCH_PROFILE records the certificates service, the gateway and
their databases meanwhile), routes (baselines A and B and the HTTP
routes, BENCH_ROUTES choosing among them), inbound (the inbound stream and baseline
C), 10x (the read routes again at 10x the students, unless BENCH_10X=0), signin (the
sign-in flood, bench/signin.py: the gateway restarted with its shipped hashing and
sign-in throttle, p99 of /v1/me and the student 360 quiet and under two floods of
failing sign-ins; BENCH_SIGNIN_RATE requests/s on each of the two routes, default
100, BENCH_SIGNIN_ADDRESSES flooding addresses at the throttle's limit, default 6;
windows of BENCH_SECONDS, BENCH_RUNS runs). A run of the signin phase alone
rewrites only its section of docs/benchmarks.md; any other run the whole page.
"""
import argparse
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parent.parent
for folder in ("lib", "gateway", "tests"):  # the test kit starts processes the same way
    if str(ROOT / folder) not in sys.path:
        sys.path.insert(0, str(ROOT / folder))

from bench import inbound, load, outbound, report, signin  # noqa: E402
from bench.dataset import (  # noqa: E402
    EXAM_SESSION_CANDIDATES,
    PASSWORD,
    Api,
    Dataset,
    Generator,
    Sizes,
)
from bench.rss import PeakRss, cpu_seconds  # noqa: E402
from college_contracts.outbound import QUEUE_PREFIX as OUTBOUND_QUEUE_PREFIX  # noqa: E402
from testkit.enterprise import access, provision  # noqa: E402
from testkit.rabbit import enterprise_access  # noqa: E402
from testkit.servers import SecantusServer, ServiceProcess, free_port, wait_until  # noqa: E402
from testkit.system import COMPONENTS, System  # noqa: E402

AMQP_HOST = os.environ.get("BENCH_AMQP_HOST", "localhost:5672")
RABBIT_API = os.environ.get("RABBITMQ_API_URL", "http://guest:guest@localhost:15672")


# the dataset creates some 1,200 accounts (enterprise users, the placed students), each
# hashed once and verified once at sign-in: with the argon2 library's defaults (64 MiB,
# 3 passes, 4 lanes) that alone took many minutes of the gateway's one core. The run uses
# OWASP's minimum for argon2id instead; sign-in is not a measured route.
ACCOUNT_HASHING = {"PASSWORD_HASH_TIME_COST": "2", "PASSWORD_HASH_MEMORY_KIB": "19456",
                   "PASSWORD_HASH_PARALLELISM": "1"}


# the components each route's requests run through, beyond the gateway (profiled)
PROFILED = {"students_list": ("gateway", "enrollment"),
            "create_application": ("gateway", "enrollment"),
            "inbound": ("projects", "gateway"),
            "exam_session": ("certificates", "gateway")}
PHASES = ("exam", "routes", "inbound", "10x", "signin")


def say(message):
    print("[bench] %s" % message, flush=True)


def env_number(name, default, kind=int):
    value = os.environ.get(name)
    return kind(value) if value not in (None, "") else default


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="tiny dataset, a few seconds per route, one run, no 10x")
    parser.add_argument("--runs", type=int, default=env_number("BENCH_RUNS", 3))
    parser.add_argument("--seconds", type=int, default=env_number("BENCH_SECONDS", 30))
    parser.add_argument("--warmup", type=int, default=env_number("BENCH_WARMUP", 10),
                        help="seconds of load on each read route before its measured runs")
    parser.add_argument("--inbound-seconds", type=int,
                        default=env_number("BENCH_INBOUND_SECONDS", 60))
    parser.add_argument("--inbound-rate", type=float,
                        default=env_number("BENCH_INBOUND_RATE", 1200, float))
    parser.add_argument("--outbound-rate", type=float,
                        default=env_number("BENCH_OUTBOUND_RATE", 50, float),
                        help="events/s sent back to the enterprises' queues during the first "
                             "inbound run (0: skipped)")
    parser.add_argument("--connections", type=int, default=env_number("BENCH_CONNECTIONS", 32))
    parser.add_argument("--queue-type", choices=("classic", "quorum"),
                        default=os.environ.get("BENCH_QUEUE_TYPE", "classic"),
                        help="the services' event and inbound queues (EVENT_QUEUE_TYPE)")
    parser.add_argument("--overload-seconds", type=int,
                        default=env_number("BENCH_OVERLOAD_SECONDS", 60),
                        help="seconds of twice the measured inbound rate offered to a "
                             "bounded queue (0: skipped)")
    parser.add_argument("--overload-bound", type=int,
                        default=env_number("BENCH_OVERLOAD_BOUND", 2000),
                        help="the inbound queue's bound during that phase, in messages")
    parser.add_argument("--scale", type=float, default=env_number("BENCH_SCALE", 1.0, float))
    parser.add_argument("--ten-x", type=int, default=env_number("BENCH_10X", 1))
    parser.add_argument("--profile", type=int, default=env_number("BENCH_PROFILE", 0))
    parser.add_argument("--workers", type=int, default=env_number("BENCH_WORKERS", 8),
                        help="parallel clients creating the dataset")
    parser.add_argument("--seed", type=int, default=env_number("BENCH_SEED", 2027))
    parser.add_argument("--routes", default=os.environ.get("BENCH_ROUTES", ""),
                        help="comma-separated subset of the routes to measure")
    parser.add_argument("--phases", default=os.environ.get("BENCH_PHASES", ",".join(PHASES)),
                        help="comma-separated subset of %s" % ", ".join(PHASES))
    parser.add_argument("--signin-rate", type=float,
                        default=env_number("BENCH_SIGNIN_RATE", 100.0, float),
                        help="requests/s on each route measured during the sign-in floods")
    parser.add_argument("--signin-addresses", type=int,
                        default=env_number("BENCH_SIGNIN_ADDRESSES", 6),
                        help="client addresses of the flood at the sign-in throttle's limit")
    parser.add_argument("--data-dir", default=os.environ.get("BENCH_DATA_DIR", ""),
                        help="keep and reuse the dataset (databases on disk) in this folder")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--doc", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--no-doc", action="store_true")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    args.phases = [name.strip() for name in args.phases.split(",") if name.strip()]
    unknown = set(args.phases) - set(PHASES)
    if unknown or not args.phases:
        parser.error("BENCH_PHASES: choose among %s (got %s)" % (", ".join(PHASES),
                                                                 ", ".join(sorted(unknown))))
    if args.smoke:
        args.runs, args.seconds, args.inbound_seconds, args.warmup = 1, 2, 3, 1
        args.inbound_rate, args.ten_x, args.no_doc = 20, 0, True
        args.outbound_rate = 10
        args.overload_seconds, args.overload_bound = 3, 5
    return args


# -- the system ------------------------------------------------------------------------

class Vhost:
    """A RabbitMQ vhost of the run's own, removed afterwards; a ``kept`` one
    (named after the kept dataset) stays, with the events still queued for the
    services, for the next run on that dataset."""

    def __init__(self, kept=None):
        self.kept = kept
        self.name = "bench_kept_%s" % uuid.uuid5(uuid.NAMESPACE_URL, str(kept)).hex[:8] \
            if kept else "bench_%s" % uuid.uuid4().hex[:8]
        self.api = RABBIT_API.rstrip("/")
        base = requests.utils.urlparse(self.api)
        self.auth = (base.username or "guest", base.password or "guest")
        self.root = "%s://%s:%s/api" % (base.scheme, base.hostname, base.port or 15672)
        requests.put("%s/vhosts/%s" % (self.root, self.name), auth=self.auth,
                     timeout=10).raise_for_status()
        requests.put("%s/permissions/%s/%s" % (self.root, self.name, self.auth[0]),
                     json={"configure": ".*", "write": ".*", "read": ".*"}, auth=self.auth,
                     timeout=10).raise_for_status()
        self.enterprises = []
        self.uri = "pyamqp://%s:%s@%s/%s" % (self.auth[0], self.auth[1], AMQP_HOST,
                                             quote(self.name, safe=""))

    def delete(self):
        if self.kept:
            return
        requests.delete("%s/vhosts/%s" % (self.root, self.name), auth=self.auth, timeout=30)
        for enterprise_id in self.enterprises:  # broker users are not per vhost
            access("revoke", enterprise_id, vhost=self.name, api_url=self.api)

    def queued(self):
        """Messages ready or unacknowledged in the vhost's queues, but for the
        enterprises' outbound queues: theirs to read, and the benchmark's
        readers stop after their window, so what reaches them later waits
        there for good."""
        answer = requests.get("%s/queues/%s" % (self.root, quote(self.name, safe="")),
                              params={"columns": "name,messages"}, auth=self.auth, timeout=10)
        answer.raise_for_status()
        return sum(queue.get("messages") or 0 for queue in answer.json()
                   if not queue["name"].startswith(OUTBOUND_QUEUE_PREFIX))

    def provision(self, enterprise_id):
        """An enterprise's broker credentials, as deploy/enterprise_access.py gives them."""
        self.enterprises.append(enterprise_id)
        return provision(self.uri, enterprise_id)


class OutboundRun:
    """The outbound delivery lag measured in a thread while the inbound stream
    runs (bench/outbound.py): each publishing enterprise subscribes its queue."""

    def __init__(self, running, publishers, args):
        # an account of this run's own: a kept dataset already has the last run's
        username = "bench.outbound.%s" % uuid.uuid4().hex[:8]
        api = Api(running.gateway, running.system.user(username, "admin",
                                                       password=PASSWORD)["Authorization"]
                  [len("Bearer "):])
        for credentials in publishers:
            credentials["queue"] = outbound.subscribe(api, credentials["enterprise_id"])
        self.figures = {}
        self.thread = threading.Thread(target=self.run, args=(
            running.vhost.uri, publishers, args.outbound_rate, args.inbound_seconds), daemon=True)
        self.thread.start()

    def run(self, uri, publishers, rate, seconds):
        try:
            self.figures = outbound.measure(uri, publishers, rate, seconds)
        except Exception as exc:  # a figure of the run, not a crash of the whole benchmark
            self.figures = {"error": "%s: %s" % (type(exc).__name__, exc)}

    def result(self):
        self.thread.join(300)
        return self.figures


def measure_overload(args, running, publishers, rate, out):
    """Twice the measured inbound rate, offered through the publisher library to
    the inbound queue bounded as deploy/enterprise_access.py bounds it (at
    ``--overload-bound`` messages here, so that the bound is reached within the
    phase); the bound is lifted afterwards for the phases that follow."""
    vhost = running.vhost
    access("setup", "--max-length", str(args.overload_bound), vhost=vhost.name,
           api_url=vhost.api)
    queue_url = "%s/queues/%s/%s" % (vhost.root, quote(vhost.name, safe=""),
                                     inbound.INBOUND_QUEUE)
    try:
        say("offering %.0f events/s (twice the capacity) for %d s to the inbound queue "
            "bounded at %d messages" % (rate, args.overload_seconds, args.overload_bound))
        figures = inbound.measure_overload(vhost.uri, publishers, rate, args.overload_seconds,
                                           args.overload_bound, queue_url, vhost.auth, out)
    finally:
        requests.delete("%s/policies/%s/%s" % (vhost.root, quote(vhost.name, safe=""),
                                               enterprise_access().BOUNDS_POLICY),
                        auth=vhost.auth, timeout=10)
    running.settle()
    say("overload: offered %s/s, sent %s/s, %s drafted/s; queue at most %s of %s; "
        "%s waits after a refusal, %s events given up; %s lost" % (
            figures["offered_rate"], figures["sent_per_s"], figures["events_per_s"],
            figures["max_queue_depth"], figures["bound"], figures["nack_waits"],
            figures["refused_for_good"], figures["lost"]))
    return figures


def signing_key(data_dir=None):
    """The certificates service's credential signing key, generated as `make run`
    does (without one a pass issues no certificate, and its result is refused);
    kept beside a kept dataset, whose credentials it signed."""
    path = data_dir / "certificate-signing-key" if data_dir else None
    if path and path.exists():
        return path.read_text().strip()
    key = "bench:" + secrets.token_urlsafe(32)
    if path:
        path.write_text(key)
        path.chmod(0o600)
    return key


class Running:
    """Everything the run started, stopped in reverse."""

    def __init__(self, args):
        self.data_dir = Path(args.data_dir).resolve() if args.data_dir else None
        # a smoke run's tiny dataset settles in seconds; on a busy CI machine it
        # may never look quiet, and a smoke run only checks the harness
        self.settle_timeout = 60 if args.smoke else 3600
        self.vhost = Vhost(kept=self.data_dir)
        say("broker vhost %s" % self.vhost.name)
        self.databases = []
        self.database_of = {}  # component: its SecantusDB server
        mongo_uri = os.environ.get("BENCH_MONGO_URI")
        if not mongo_uri:
            # a SecantusDB server per component, as each owns its database: one
            # server is one Python process, and all five services sharing it made
            # its one core (and its locks) the limit of every write path
            mongo_uri = {}
            # on disk, as `make run` keeps its data (docs/benchmarks.md)
            for name in COMPONENTS:
                if self.data_dir:
                    storage = self.data_dir / ("db-%s" % name)
                    storage.mkdir(parents=True, exist_ok=True)
                    self.databases.append(SecantusServer(storage_path=storage))
                else:
                    self.databases.append(SecantusServer(on_disk=True))
                self.database_of[name] = self.databases[-1]
                mongo_uri[name] = self.databases[-1].uri
        say("starting the services (nameko run, one process each)")
        self.system = System(self.vhost.uri, mongo_uri, extra_env={
            "JWT_LIFETIME_SECONDS": "86400", "LOG_LEVEL": "WARNING", **ACCOUNT_HASHING,
            "EVENT_QUEUE_TYPE": args.queue_type,
            "CERTIFICATE_SIGNING_KEYS": signing_key(self.data_dir),
            # one load client with one token is one rate-limit bucket: the benchmark
            # measures the routes, not the per-client limit (which would cap it at 1,000/s)
            "RATE_LIMIT_PER_SECOND": "1000000", "RATE_LIMIT_BURST": "1000000"},
            prefix="bench_" if self.data_dir else None, keep_databases=bool(self.data_dir))
        port = free_port()
        self.baseline_url = "http://127.0.0.1:%d" % port
        self.baseline = ServiceProcess(".", "bench.baseline_service",
                                       ROOT / "bench" / "baseline_config.yaml", {
                                           "AMQP_URI": self.vhost.uri,
                                           "BENCH_BASELINE_HTTP_ADDRESS": "127.0.0.1:%d" % port,
                                           "BENCH_BASELINE_MAX_WORKERS": "50"})
        wait_until(lambda: requests.get(self.baseline_url + "/a", timeout=2).ok, timeout=60,
                   interval=0.5, message="the baseline service")
        self.gateway = self.system.url("gateway", "")

    def count(self, component, collection):
        """How many documents a component's collection holds (read by the harness)."""
        return self.system.db(component)[collection].estimated_document_count()

    def pids(self):
        found = {name: process.process.pid for name, process in self.system.processes.items()}
        return found

    def restart_gateway(self, **env):
        """The gateway again, with ``env`` over the run's settings."""
        self.system.start("gateway", **env)
        wait_until(lambda: self.system.healthy("gateway"), timeout=60, interval=0.5,
                   message="the restarted gateway to be healthy")

    def settle(self, quiet_cores=0.75, quiet_seconds=5, timeout=None):
        """Wait until the system has worked off what the dataset left behind
        (events still queued, views being refreshed, outboxes relayed): every
        queue of the run's vhost empty, and the services and their database
        servers together under ``quiet_cores`` of CPU, for ``quiet_seconds`` in
        a row. Not zero: an idle gateway keeps sweeping its stored views (about
        half a core here). Measuring before that measures the backlog. Returns
        the seconds waited, or None if it never settled (then measured anyway)."""
        timeout = timeout or self.settle_timeout
        pids = list(self.pids().values()) + [server.process.pid for server in self.databases]
        started = clock = time.monotonic()
        used = sum(cpu_seconds(pid) for pid in pids)
        quiet_since = None
        while time.monotonic() - started < timeout:
            time.sleep(1)
            now, now_used = time.monotonic(), sum(cpu_seconds(pid) for pid in pids)
            busy = (now_used - used) / (now - clock)
            clock, used = now, now_used
            if busy < quiet_cores and self.vhost.queued() == 0:
                quiet_since = quiet_since or now
                if now - quiet_since >= quiet_seconds:
                    return round(now - started, 1)
            else:
                quiet_since = None
        say("warning: the system was still busy after %d s; measuring anyway" % timeout)
        return None

    def profile_targets(self, components):
        """{label: pid} of these components and of their database servers."""
        targets = {}
        for name in components:
            targets[name] = self.system.processes[name].process.pid
            if name in self.database_of:
                targets["%s-database" % name] = self.database_of[name].process.pid
        return targets

    def stop(self):
        self.baseline.stop()
        self.system.stop()
        for server in self.databases:
            server.stop()
        self.vhost.delete()


# -- the measurements ------------------------------------------------------------------------

class Measure:
    def __init__(self, args, running, data, out):
        self.args = args
        self.running = running
        self.data = data
        self.out = out
        self.rss = {}
        self.profiles = {}

    def route(self, name, base_url, lines, token=None, runs=None, profile=False):
        """The route's figures, median of the runs; peak RSS kept per service."""
        runs = runs or self.args.runs
        results = []
        requests_file = None
        try:
            if self.args.warmup and all(method == "GET" for method, _, _ in lines):
                # not recorded: the view cache fills as in a gateway serving for a while
                requests_file = load.write_requests(lines, self.out)
                load.run_wrk(base_url, requests_file, token=token, seconds=self.args.warmup,
                             connections=self.args.connections)
                Path(requests_file).unlink(missing_ok=True)
            for run in range(runs):
                requests_file = load.write_requests(lines_of_run(lines, run, runs), self.out)
                sampler = PeakRss(self.running.pids()).start()
                profiler = self.start_profile(name) if profile and run == 0 else None
                figures = load.run_wrk(base_url, requests_file, token=token,
                                       seconds=self.args.seconds,
                                       connections=self.args.connections)
                for recorder in profiler or ():
                    recorder.wait(60)
                self.keep_rss(sampler.stop())
                say("%-20s run %d: %s req/s, p50 %s ms, p99 %s ms, %d errors%s" % (
                    name, run + 1, figures["rps"], figures["p50_ms"], figures["p99_ms"],
                    figures["errors"], (" e.g. %s" % figures["error_samples"][0])
                    if figures["error_samples"] else ""))
                results.append(figures)
                Path(requests_file).unlink(missing_ok=True)
        finally:
            if requests_file:
                Path(requests_file).unlink(missing_ok=True)
        return {**report.median_of(results), "each_run": results}

    def keep_rss(self, peaks):
        for name, megabytes in peaks.items():
            self.rss[name] = max(self.rss.get(name, 0), megabytes)

    def start_profile(self, name, seconds=None):
        """py-spy recorders of the processes the route runs through: the gateway,
        the service it reads or writes, and their database servers."""
        if not self.args.profile:
            return None
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        recorders = []
        for label, pid in self.running.profile_targets(PROFILED.get(name, ("gateway",))).items():
            target = self.out / ("profile-%s-%s-%s.speedscope.json" % (name, label, stamp))
            self.profiles["%s (%s)" % (name, label)] = str(
                target.relative_to(ROOT) if target.is_relative_to(ROOT) else target)
            recorders.append(subprocess.Popen(
                [py_spy, "record", "--pid", str(pid), "--duration",
                 str(seconds or self.args.seconds),
                 "--format", "speedscope", "--rate", "100", "--output", str(target),
                 "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT))
        return recorders

    def read_routes(self, rng, only):
        data, gateway, token = self.data, self.running.gateway, self.data.admin_token
        # the graduates too: their 360s show graduation, destination and retention
        students = [s["id"] for s in data.students + data.graduates]
        total = len(students)
        choices = {
            "student_360": [("GET", "/v1/students/%s/360" % s, None)
                            for s in rng.sample(students, min(total, 5000))],
            "enterprise_view": [("GET", "/v1/enterprises/%s/view" % p, None)
                                for p in data.partners],
            "dashboard": [("GET", "/v1/dashboard", None)] + [
                ("GET", "/v1/dashboard?programme_id=%s" % p["id"], None)
                for p in data.programmes] + [
                ("GET", "/v1/dashboard?enterprise_id=%s" % p, None)
                for p in data.partners[:40]],
            "students_list": [("GET", "/v1/students?offset=%d&limit=50" % offset, None)
                              for offset in range(0, max(1, total - 50), 50)],
        }
        results = {}
        for name, lines in choices.items():
            if only and name not in only:
                continue
            results[name] = self.route(name, gateway, lines, token=token,
                                       profile=bool(self.args.profile))
        return results


def measure_signin(args, running, data, out, measure):
    """The sign-in flood (bench/signin.py) with the gateway as shipped: its argon2
    parameters (the run's accounts were hashed at OWASP's minimum, above) and its
    sign-in throttle. Last of the phases: the gateway is not restarted back."""
    gateway_settings = signin.shipped_gateway_settings()
    say("restarting the gateway with its shipped hashing and sign-in throttle")
    running.restart_gateway(**gateway_settings)
    settings = signin.Settings(seconds=args.seconds, warmup=args.warmup, runs=args.runs,
                               rate=args.signin_rate, addresses=args.signin_addresses)
    system_pids = list(running.pids().values()) + [
        server.process.pid for server in running.databases]
    return signin.measure(running.gateway, data.admin_token,
                          [student["id"] for student in data.students], settings, out,
                          system_pids, running.pids()["gateway"], gateway_settings,
                          profile=measure.start_profile, say=say)


def measure_exam_session(generator, data, measure):
    """One exam session of 1,000 candidates (the students, at most) registered and
    its results imported (``Generator.exam_session``), profiled when asked."""
    say("one exam session of %d candidates: registration, then the results import"
        % min(EXAM_SESSION_CANDIDATES, len(data.students)))
    profiler = measure.start_profile("exam_session", seconds=3600)
    try:
        figures = generator.exam_session(data)
    finally:
        for recorder in profiler or ():  # py-spy writes its profile when interrupted
            recorder.send_signal(signal.SIGINT)
            recorder.wait(60)
    say("exam session of %d candidates: registration %s s, results import %s s, %s s in "
        "all (%d passed)" % (figures["candidates"], figures["registration_s"],
                             figures["import_s"], figures["total_s"], figures["passed"]))
    return figures


def lines_of_run(lines, run, runs):
    """The requests of one run: reads are shared by every run; writes are each
    sent once in the whole measurement, so each run has its own slice of them
    (a write posted again by a later run would answer 409, not measure a write)."""
    if all(method == "GET" for method, _, _ in lines):
        return lines
    size = len(lines) // runs
    return lines[run * size:(run + 1) * size]


def applications_to_create(args):
    """Unique applicants for the create-application route: every POST must be valid."""
    if args.smoke:
        return 2000
    return max(5000, 400 * args.seconds * args.runs)  # room for twice the target's 200 req/s


def creation_rates(generator):
    """{part: {"items", "seconds", "per_s"}} of the latest dataset creation; cleared."""
    rates = {label: {"items": items, "seconds": round(seconds, 1),
                     "per_s": round(items / max(seconds, 1e-9), 1)}
             for label, (items, seconds) in generator.rates.items()}
    generator.rates.clear()
    for label, figures in rates.items():
        say("created %-18s %7d in %7.1f s: %8.1f/s" % (label, figures["items"],
                                                         figures["seconds"], figures["per_s"]))
    return rates


def run(args):
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started_at = datetime.now(timezone.utc)
    only = {name.strip() for name in args.routes.split(",") if name.strip()}

    def wanted(name, phase="routes"):
        return phase in args.phases and (not only or name in only)

    running = Running(args)
    try:
        api = Api(running.gateway)
        kept = running.data_dir / "dataset.json" if running.data_dir else None
        if kept and kept.exists():
            api.token = api.token_for("bench.admin")
            data = Dataset.load(kept, api)
            say("reusing the dataset in %s: %s" % (running.data_dir, data.summary()))
        else:
            api.token = running.system.user("bench.admin", "admin", password=PASSWORD)[
                "Authorization"][len("Bearer "):]
            data = None
        generator = Generator(api, seed=args.seed, workers=args.workers,
                              progress=not args.no_progress, amqp_uri=running.vhost.uri,
                              provision=running.vhost.provision,
                              checkpoint=(lambda created: created.save(kept)) if kept else None)
        sizes = Sizes.tiny() if args.smoke else Sizes.at_scale(args.scale)
        if data and len(data.students) > sizes.students:
            raise SystemExit("the kept dataset has %d students, more than the %d asked for: "
                             "use another BENCH_DATA_DIR" % (len(data.students), sizes.students))
        say("creating the dataset: %s" % sizes)
        clock = time.monotonic()
        data = generator.create(sizes, data)
        dataset_seconds = round(time.monotonic() - clock, 1)
        say("dataset ready in %.0f s: %s" % (dataset_seconds, data.summary()))
        dataset_rates = creation_rates(generator)
        rng = random.Random(args.seed)

        count = applications_to_create(args) if wanted("create_application") else 0
        people = generator.import_applicants(data, count)
        if kept:  # the next run on this dataset must not post these applicants again
            data.save(kept)
        application_lines = []
        for index, person in enumerate(people):
            programme = data.programmes[index % len(data.programmes)]
            body = {"programme_id": programme["id"], "applicant": person}
            if programme["partners"]:
                body["partner_id"] = programme["partners"][index % len(programme["partners"])]
            application_lines.append(("POST", "/v1/applications", body))

        settled = {"1x": running.settle()}
        say("the system settled %s s after the dataset was created" % settled["1x"])
        measure = Measure(args, running, data, out)
        exam_session = None
        if "exam" in args.phases:
            exam_session = measure_exam_session(generator, data, measure)
            settled["exam_session"] = running.settle()
        routes = {}
        if wanted("baseline_a"):
            routes["baseline_a"] = measure.route("baseline_a", running.baseline_url,
                                                 [("GET", "/a", None)])
        if wanted("baseline_b"):
            routes["baseline_b"] = measure.route("baseline_b", running.baseline_url,
                                                 [("GET", "/b", None)])
        if "routes" in args.phases:
            routes.update(measure.read_routes(rng, only))
        if wanted("create_application"):
            routes["create_application"] = measure.route(
                "create_application", running.gateway, application_lines,
                token=data.admin_token, profile=bool(args.profile))

        results = {"started_at": started_at.strftime("%Y-%m-%d %H:%M UTC"),
                   "phases": args.phases, "machine": report.machine(RABBIT_API),
                   "settings": {"runs": args.runs, "seconds": args.seconds, "warmup": args.warmup,
                                "connections": args.connections, "scale": args.scale,
                                "inbound_seconds": args.inbound_seconds,
                                "inbound_rate": args.inbound_rate, "smoke": args.smoke,
                                "queue_type": args.queue_type,
                                "wrk": load.wrk_version()},
                   "dataset": data.summary(), "dataset_seconds": dataset_seconds,
                   "dataset_rates": dataset_rates, "settled_seconds": settled,
                   "routes": routes}
        if exam_session:
            results["exam_session"] = exam_session

        settled["after_writes"] = running.settle()  # the applications' events, consumed
        if wanted("baseline_c", "inbound"):
            raw_runs = []
            for run_index in range(args.runs):
                figures = inbound.measure_raw(running.vhost.uri, min(args.inbound_seconds, 20),
                                              out)
                say("baseline_c run %d: %s msg/s, lag p50 %s ms, p99 %s ms" % (
                    run_index + 1, figures["events_per_s"], figures["lag_p50_ms"],
                    figures["lag_p99_ms"]))
                raw_runs.append(figures)
            results["baseline_c"] = {**report.median_inbound(raw_runs), "each_run": raw_runs}
        publishers = []

        def measure_inbound_runs():
            inbound_runs = []
            for run_index in range(args.runs):
                sampler = PeakRss(running.pids()).start()
                profiler = measure.start_profile("inbound", args.inbound_seconds) \
                    if run_index == 0 else None
                returning = OutboundRun(running, publishers, args) \
                    if run_index == 0 and args.outbound_rate and "outbound" not in results \
                    else None
                figures = inbound.measure_inbound(running.vhost.uri, publishers,
                                                  args.inbound_rate, args.inbound_seconds, out)
                if returning is not None:
                    results["outbound"] = returning.result()
                    say("outbound under the inbound stream: %s of %s delivered, lag p50 %s ms, "
                        "p99 %s ms" % (results["outbound"].get("delivered"),
                                       results["outbound"].get("sent"),
                                       results["outbound"].get("lag_p50_ms"),
                                       results["outbound"].get("lag_p99_ms")))
                for recorder in profiler or ():
                    recorder.wait(60)
                measure.keep_rss(sampler.stop())
                running.settle()  # the next run starts with nothing left of this one
                say("inbound run %d: %s events/s of %s sent, lag p50 %s ms, p99 %s ms" % (
                    run_index + 1, figures["events_per_s"], figures["sent"],
                    figures["lag_p50_ms"], figures["lag_p99_ms"]))
                inbound_runs.append(figures)
            return {**report.median_inbound(inbound_runs), "each_run": inbound_runs,
                    "projects_before": projects_before}

        if wanted("inbound", "inbound"):
            publishers += [running.vhost.provision(partner) for partner in data.partners[:2]]
            for credentials in publishers:
                credentials["enterprise_id"] = credentials["username"][len("enterprise-"):]
            projects_before = running.count("projects", "projects")
            results["inbound"] = measure_inbound_runs()
            if args.overload_seconds and results["inbound"].get("events_per_s"):
                results["overload"] = measure_overload(
                    args, running, publishers, 2 * results["inbound"]["events_per_s"], out)

        stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
        raw_file = out / ("results-%s.json" % stamp)
        results["raw_file"] = str(raw_file.relative_to(ROOT) if raw_file.is_relative_to(ROOT)
                                  else raw_file)

        def save_results():
            results["peak_rss_mb"] = measure.rss
            results["profiles"] = measure.profiles
            raw_file.write_text(json.dumps(results, indent=2, ensure_ascii=False))
            (out / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))

        if args.ten_x and not args.smoke and "10x" in args.phases:
            save_results()  # the 1x figures survive a 10x phase that is cut short
            say("1x results saved: %s" % raw_file)
            say("growing the dataset to 10x the students")
            clock = time.monotonic()
            data = generator.create(Sizes.at_scale(args.scale).with_students(10), data)
            results["dataset_10x"] = data.summary()
            results["dataset_10x_seconds"] = round(time.monotonic() - clock, 1)
            results["dataset_10x_rates"] = creation_rates(generator)
            settled["10x"] = running.settle()
            say("the system settled %s s after the 10x growth" % settled["10x"])
            measure.data = data
            results["routes_10x"] = measure.read_routes(rng, only)
            if publishers:
                # the inbound stream's cost must not grow with the projects it has drafted
                stored = running.count("projects", "projects")
                say("growing the projects to 10x (%d stored) through the inbound contract"
                    % stored)
                clock = time.monotonic()
                sent = inbound.grow_projects(running.vhost.uri, publishers, 9 * stored, out)
                settled["projects_10x"] = running.settle()
                results["projects_10x"] = {
                    "sent": sent, "stored": running.count("projects", "projects"),
                    "seconds": round(time.monotonic() - clock, 1)}
                say("%s; the system settled %s s after" % (results["projects_10x"],
                                                          settled["projects_10x"]))
                projects_before = results["projects_10x"]["stored"]
                results["inbound_10x"] = measure_inbound_runs()

        if "signin" in args.phases:
            settled["signin"] = running.settle()
            results["signin_flood"] = measure_signin(args, running, data, out, measure)

        save_results()
        report.print_summary(results, out=say)
        if not args.no_doc:
            doc = Path(args.doc)
            if args.phases == ["signin"]:  # the other sections keep their runs' figures
                doc.write_text(report.with_signin_section(doc.read_text(encoding="utf-8"),
                                                          results), encoding="utf-8")
            else:
                doc.write_text(report.markdown(results), encoding="utf-8")
            say("wrote %s" % args.doc)
        say("raw results: %s" % raw_file)
        return results
    finally:
        running.stop()


def stop_on_sigterm():
    """A terminated run still stops what it started (the finally clause in run)."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)


def main(argv=None):
    args = parse_args(argv)
    stop_on_sigterm()
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
