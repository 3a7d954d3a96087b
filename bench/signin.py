"""The sign-in flood phase (issue 26, hole 5): do other users' requests keep
their latency while the gateway is flooded with failing sign-ins?

Each run has three windows of the same length, each with the same steady load
on two routes (wrk, paced below the gateway's capacity): ``GET /v1/me`` (cheap,
authenticated) and the student 360 (a view read), both with the
administrator's token:

- quiet: nothing else;
- one address: several connections from one loopback address send wrong
  passwords for usernames never tried before, faster than the throttle admits:
  the throttle's own case (after its burst, 429 without a hash);
- at the limit: ``addresses`` loopback addresses, one connection each, send
  such attempts once a second, more than the throttle admits to an address
  (its burst, then LOGIN_RATE_LIMIT_PER_MINUTE a minute), so the throttle
  decides what is hashed: every attempt it admits is a real argon2
  verification at the shipped parameters.

On one machine "at the throttle's limit" cannot mean one number: the throttle
bounds each address, not the total, so what it lets through grows with the
flooding addresses. The phase takes as many addresses as it needs to let the
issue's flood through: the issue's 30 hashed sign-ins need 6 addresses now (a
burst of 5 each, spent in their first seconds), which then hash one attempt
every 2 s between them. BENCH_SIGNIN_ADDRESSES changes that.

The gateway keys anonymous clients by REMOTE_ADDR (TRUST_X_FORWARDED_FOR is
off), so each flooding client binds its own 127.x.y.z source address. Every
username tried does not exist: the gateway checks it against its dummy hash,
made at the current parameters, so it costs what a real account's check costs.
"""
import http.client
import json
import os
import re
import resource
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

from bench import load, report
from bench.inbound import percentile
from bench.rss import PeakRss, cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
FLOODS = ("one_address", "at_limit")
ROUTES = ("me", "student_360")
TARGET_RATIO = 2.0  # p99 during a flood within 2x of the quiet p99 (issue 26, hole 5)
# the gateway's settings the phase runs with: as shipped (its config's defaults), not the
# benchmark's cheaper hashing of the dataset's accounts
GATEWAY_SETTINGS = ("PASSWORD_HASH_TIME_COST", "PASSWORD_HASH_MEMORY_KIB",
                    "PASSWORD_HASH_PARALLELISM", "PASSWORD_HASH_CONCURRENCY",
                    "PASSWORD_HASH_QUEUE", "LOGIN_RATE_LIMIT_PER_MINUTE",
                    "LOGIN_RATE_LIMIT_BURST", "TRUST_X_FORWARDED_FOR")


@dataclass
class Settings:
    seconds: int = 30           # each window
    warmup: int = 10            # unrecorded load on the routes after the gateway's restart
    runs: int = 3
    rate: float = 100.0         # requests per second offered to each measured route
    connections: int = 4        # wrk connections per measured route
    addresses: int = 6          # the "at the limit" flood's client addresses
    address_rate: float = 1.0   # attempts per second from each of them
    one_address_rate: float = 20.0  # attempts per second from the one address, in all
    one_address_connections: int = 8


def shipped_gateway_settings(config=ROOT / "gateway" / "config.yaml"):
    """{setting: its default in the gateway's config} for GATEWAY_SETTINGS."""
    text = Path(config).read_text(encoding="utf-8")
    found = {}
    for name in GATEWAY_SETTINGS:
        match = re.search(r"^%s: \$\{%s:([^}]*)\}" % (name, name), text, re.MULTILINE)
        if match is None:
            raise RuntimeError("gateway/config.yaml has no default for %s" % name)
        found[name] = match.group(1)
    return found


def hash_cost(settings):
    """The argon2id parameters the gateway hashes with under ``settings``, and the
    CPU milliseconds of one verification here (the median of three)."""
    from argon2 import PasswordHasher
    from argon2.exceptions import VerificationError
    defaults = PasswordHasher()
    hasher = PasswordHasher(
        time_cost=int(settings["PASSWORD_HASH_TIME_COST"] or defaults.time_cost),
        memory_cost=int(settings["PASSWORD_HASH_MEMORY_KIB"] or defaults.memory_cost),
        parallelism=int(settings["PASSWORD_HASH_PARALLELISM"] or defaults.parallelism))
    known = hasher.hash("no such user")
    spent = []
    for _ in range(3):
        clock = time.process_time()
        try:
            hasher.verify(known, "a wrong password")
        except VerificationError:
            pass
        spent.append((time.process_time() - clock) * 1000)
    return {"time_cost": hasher.time_cost, "memory_kib": hasher.memory_cost,
            "parallelism": hasher.parallelism, "cpu_ms": round(statistics.median(spent), 1)}


# -- the flood ------------------------------------------------------------------------

class Flood:
    """Clients sending wrong passwords for usernames never tried before to
    ``POST /v1/auth/token``, each connection from its address, at a steady rate,
    in threads; the answers counted by status, with their latencies."""

    def __init__(self, base_url, addresses, rate_per_connection, connections_per_address=1,
                 tag="flood"):
        url = urlparse(base_url)
        self.host, self.port = url.hostname, url.port or 80
        self.addresses = list(addresses)
        self.interval = 1.0 / rate_per_connection
        self.connections_per_address = connections_per_address
        self.tag = tag
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.statuses = Counter()
        self.latencies = {}  # status -> [ms]
        self.failures = []
        self.threads = [threading.Thread(target=self.client, args=(address, index), daemon=True)
                        for address in self.addresses for index in range(connections_per_address)]
        self.started = self.stopped = None

    def start(self):
        self.started = time.monotonic()
        for thread in self.threads:
            thread.start()
        return self

    def stop(self):
        """Stops sending; waits for the answers still due (the hashes queued)."""
        self.stopped = time.monotonic()
        self.stopping.set()
        for thread in self.threads:
            thread.join(120)
        return self.figures()

    def client(self, address, index):
        connection = None
        headers = {"Content-Type": "application/json"}
        attempt = 0
        next_at = time.monotonic() + self.interval * index / self.connections_per_address
        while not self.stopping.is_set():
            wait = next_at - time.monotonic()
            if wait > 0 and self.stopping.wait(wait):
                break
            # an answer slower than the interval delays the next attempt; no catching up
            next_at = max(next_at + self.interval, time.monotonic())
            attempt += 1
            body = json.dumps({"username": "%s-%s-%d-%d" % (self.tag, address, index, attempt),
                               "password": "not-the-password-%d" % attempt})
            clock = time.monotonic()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(self.host, self.port, timeout=60,
                                                            source_address=(address, 0))
                connection.request("POST", "/v1/auth/token", body, headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                if connection is not None:
                    connection.close()
                connection = None
                with self.lock:
                    self.failures.append("%s: %s" % (type(exc).__name__, exc))
                continue
            with self.lock:
                self.statuses[status] += 1
                self.latencies.setdefault(status, []).append((time.monotonic() - clock) * 1000)
        if connection is not None:
            connection.close()

    def figures(self):
        sending = (self.stopped or time.monotonic()) - self.started
        latency = {str(status): {"p50_ms": round(percentile(values, 0.5), 1),
                                 "p99_ms": round(percentile(values, 0.99), 1)}
                   for status, values in sorted(self.latencies.items())}
        return {"addresses": len(self.addresses),
                "connections": len(self.threads), "seconds": round(sending, 1),
                "attempts": sum(self.statuses.values()) + len(self.failures),
                "statuses": {str(status): count for status, count in sorted(self.statuses.items())},
                "hashed": self.statuses.get(401, 0), "refused": self.statuses.get(429, 0),
                "failures": len(self.failures), "failure_samples": self.failures[:3],
                "latency": latency}


def flood_addresses(flood, run, count):
    """Loopback addresses of their own per flood and run: every run starts with
    full throttle buckets, as the first did."""
    if not 1 <= count <= 250 or run > 250:
        raise ValueError("at most 250 addresses and 250 runs")
    first = {"one_address": 2, "at_limit": 1}[flood]
    return ["127.%d.%d.%d" % (first, run + 1, n + 1) for n in range(count)]


def start_flood(flood, base_url, settings, run):
    if flood == "one_address":
        return Flood(base_url, flood_addresses(flood, run, 1),
                     settings.one_address_rate / settings.one_address_connections,
                     settings.one_address_connections, tag="guess").start()
    return Flood(base_url, flood_addresses(flood, run, settings.addresses),
                 settings.address_rate, tag="spread").start()


def throttle_admits(addresses, seconds, per_minute, burst):
    """The most attempts per address the throttle lets through in ``seconds``
    when its bucket starts full, summed over the addresses."""
    return int(addresses * (burst + seconds * per_minute / 60.0))


# -- the machine's load ---------------------------------------------------------------

def machine_jiffies():
    """(busy, total) CPU jiffies of the whole machine so far."""
    values = [int(value) for value in
              Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    idle = values[3] + values[4]  # idle, iowait
    return sum(values) - idle, sum(values)


def main_thread_schedule(pid):
    """(ran, waited) in seconds so far: how long the process's main thread (the
    gateway's event loop) ran on a CPU, and how long it waited, runnable, for one
    (/proc/<pid>/task/<pid>/schedstat). Not per thread for the others: argon2 runs
    each hash's lanes in threads of their own that end with the hash."""
    try:
        ran, waited = Path("/proc/%d/task/%d/schedstat" % (pid, pid)).read_text().split()[:2]
    except (OSError, ValueError):
        return 0.0, 0.0
    return int(ran) / 1e9, int(waited) / 1e9


def generators_cpu():
    """CPU seconds of this process (the flood's threads) and of its children
    reaped so far (the wrk processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class LoadMeter:
    """Where the machine's CPU went during a window, in cores: the whole machine,
    the system measured (services, gateway, their databases), the load generators
    (wrk, the flood) and, the rest, whatever else ran (other users of the machine);
    and, per second of the window, how long the gateway's event loop ran and how
    long it waited, runnable, for a CPU, and how long its other threads ran."""

    def __init__(self, system_pids, gateway_pid):
        self.system_pids = list(system_pids)
        self.gateway_pid = gateway_pid

    def start(self):
        self.load_average = os.getloadavg()[0]
        self.clock = time.monotonic()
        self.jiffies = machine_jiffies()
        self.system = sum(cpu_seconds(pid) for pid in self.system_pids)
        self.gateway = cpu_seconds(self.gateway_pid)
        self.generators = generators_cpu()
        self.schedule = main_thread_schedule(self.gateway_pid)
        return self

    def stop(self):
        seconds = time.monotonic() - self.clock
        busy, total = machine_jiffies()
        cores = os.cpu_count() or 1
        machine = (busy - self.jiffies[0]) / max(1, total - self.jiffies[1]) * cores
        system = (sum(cpu_seconds(pid) for pid in self.system_pids) - self.system) / seconds
        generators = (generators_cpu() - self.generators) / seconds
        ran, waited = main_thread_schedule(self.gateway_pid)
        gateway = (cpu_seconds(self.gateway_pid) - self.gateway) / seconds
        loop_ran = (ran - self.schedule[0]) / seconds
        return {"machine_cores": round(machine, 2), "cores": cores,
                "system_cores": round(system, 2),
                "gateway_cores": round(gateway, 2),
                "generators_cores": round(generators, 2),
                "others_cores": round(max(0.0, machine - system - generators), 2),
                "load_average_1m": round(self.load_average, 2),
                "gateway_loop_ran": round(loop_ran, 2),
                "gateway_loop_waited": round((waited - self.schedule[1]) / seconds, 2),
                "gateway_others_ran": round(max(0.0, gateway - loop_ran), 2)}


# -- the measurement ------------------------------------------------------------------

def probe(base_url, files, token, settings, seconds):
    """Both routes at once under the steady load; {route: wrk figures}."""
    delay_ms = 1000.0 * settings.connections / settings.rate if settings.rate else None

    def one(route):
        # a long timeout: a request stuck behind the hashes counts with its latency
        return load.run_wrk(base_url, files[route], token=token, seconds=seconds,
                            connections=settings.connections, threads=1, timeout_seconds=30,
                            delay_ms=delay_ms)

    with ThreadPoolExecutor(len(files)) as pool:
        futures = {route: pool.submit(one, route) for route in files}
        return {route: future.result() for route, future in futures.items()}


def window(base_url, files, token, settings, meter, gateway_pid, flood=None, run=0,
           profile=None):
    """One window: the routes measured, with a flood or without."""
    sampler = PeakRss({"gateway": gateway_pid}).start()
    meter.start()
    flooding = start_flood(flood, base_url, settings, run) if flood else None
    recorders = profile("signin_%s" % flood) if profile and flood else None
    try:
        routes = probe(base_url, files, token, settings, settings.seconds)
    finally:
        signins = flooding.stop() if flooding else None
    found = {"routes": routes, "load": meter.stop(),
             "gateway_peak_rss_mb": sampler.stop()["gateway"]}
    for recorder in recorders or ():
        recorder.wait(60)
    if signins is not None:
        found["signins"] = signins
    return found


def measure(base_url, token, students, settings, out, system_pids, gateway_pid,
            gateway_settings, profile=None, say=print, rng=None):
    """The phase on a running system whose gateway runs ``gateway_settings``;
    ``profile(name)`` starts py-spy recorders (the first run's flood windows)."""
    import random
    rng = rng or random.Random(2027)
    lines = {"me": [("GET", "/v1/me", None)],
             "student_360": [("GET", "/v1/students/%s/360" % student, None)
                             for student in rng.sample(students, min(len(students), 5000))]}
    files = {route: load.write_requests(route_lines, out) for route, route_lines in lines.items()}
    meter = LoadMeter(system_pids, gateway_pid)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    hashing = hash_cost(gateway_settings)
    say("sign-in flood: argon2id t=%(time_cost)d m=%(memory_kib)d KiB p=%(parallelism)d, "
        "%(cpu_ms)s ms of CPU a hash here" % hashing)
    try:
        if settings.warmup:  # the gateway was just restarted: its caches fill first
            probe(base_url, files, token, settings, settings.warmup)
        runs = []
        for run in range(settings.runs):
            found = {"quiet": window(base_url, files, token, settings, meter, gateway_pid)}
            for flood in FLOODS:
                time.sleep(1)  # the previous window's last answers are out of the way
                found[flood] = window(base_url, files, token, settings, meter, gateway_pid,
                                      flood=flood, run=run,
                                      profile=profile if run == 0 else None)
            for name, figures in found.items():
                say("sign-in flood run %d %-11s %s; load %s%s" % (
                    run + 1, name, ", ".join(
                        "%s p50 %s ms p99 %s ms (%s req/s, %d errors)" % (
                            route, f["p50_ms"], f["p99_ms"], f["rps"], f["errors"])
                        for route, f in figures["routes"].items()),
                    figures["load"], "; sign-ins %s" % figures["signins"]["statuses"]
                    if "signins" in figures else ""))
            runs.append(found)
    finally:
        for path in files.values():
            Path(path).unlink(missing_ok=True)
    limits = {"per_minute": float(gateway_settings["LOGIN_RATE_LIMIT_PER_MINUTE"]),
              "burst": int(gateway_settings["LOGIN_RATE_LIMIT_BURST"])}
    return {"started_at": started, "settings": asdict(settings), "hash": hashing,
            "throttle": limits, "students": len(students),
            "hashing_turns": {"at_once": int(gateway_settings["PASSWORD_HASH_CONCURRENCY"]),
                              "waiting": int(gateway_settings["PASSWORD_HASH_QUEUE"])},
            **summarize(runs, limits), "each_run": runs}


def summarize(runs, limits):
    """Per flood: for each route the median figures of the quiet and the flooded
    windows and the median of the runs' p99 ratios (each flood against the quiet
    window of its own run); the sign-in answers summed over the runs."""
    floods = {}
    for flood in FLOODS:
        routes = {}
        for route in ROUTES:
            quiet = [run["quiet"]["routes"][route] for run in runs]
            flooded = [run[flood]["routes"][route] for run in runs]
            ratios = [report.ratio(f["p99_ms"], q["p99_ms"]) for q, f in zip(quiet, flooded)]
            known = [value for value in ratios if value is not None]
            ratio = round(statistics.median(known), 2) if known else None
            quiet_figures, flood_figures = report.median_of(quiet), report.median_of(flooded)
            routes[route] = {
                "quiet": quiet_figures, "flood": flood_figures, "p99_ratio": ratio,
                "each_run_ratio": ratios,
                "met": ratio is not None and ratio <= TARGET_RATIO and
                quiet_figures["errors"] == 0 and flood_figures["errors"] == 0}
        answers = [run[flood]["signins"] for run in runs]
        statuses = Counter()
        for answer in answers:
            statuses.update(answer["statuses"])
        signins = {"attempts": sum(answer["attempts"] for answer in answers),
                   "statuses": dict(sorted(statuses.items())),
                   "failures": sum(answer["failures"] for answer in answers),
                   "hashed_per_s": round(statistics.median(
                       answer["hashed"] / max(answer["seconds"], 1e-9) for answer in answers), 2),
                   "throttle_admits": sum(throttle_admits(
                       answer["addresses"], answer["seconds"], limits["per_minute"],
                       limits["burst"]) for answer in answers)}
        floods[flood] = {"routes": routes, "signins": signins,
                         "gateway_peak_rss_mb": max(run[flood]["gateway_peak_rss_mb"]
                                                    for run in runs)}
    met = all(figures["met"] for flood in floods.values()
              for figures in flood["routes"].values())
    return {"floods": floods, "target_met": met}
