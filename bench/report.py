"""Figures into words: the machine, medians, ratios, docs/benchmarks.md."""
import os
import platform
import statistics
from importlib import metadata
from pathlib import Path

import requests

# (result key, what, req/s at least, p99 ms under) -- issue: benchmarks
HTTP_TARGETS = {
    "student_360": (1000, 100),
    "enterprise_view": (500, 150),
    "dashboard": (500, 150),
    "create_application": (250, 250),
}
# issue 28: sustained for 60 s with nothing lost; the product's goal is 1,000/s
INBOUND_TARGET = {"events_per_s": 500, "lag_p99_ms": 2000}
STUDENT_360_OVER_B = 5.0
GROWTH_LIMIT = 1.5  # p50 at 10x within 1.5x of 1x
RSS_LIMIT_MB = 200
# an exam session of 1,000 candidates registered and its results imported, in seconds
EXAM_SESSION_TARGET = (1000, 30)
READ_ROUTES = ("student_360", "enterprise_view", "dashboard", "students_list")
LABELS = {
    "baseline_a": "baseline A: HTTP, no RPC",
    "baseline_b": "baseline B: HTTP, 4 parallel no-op RPCs",
    "student_360": "student 360 `GET /v1/students/<id>/360`",
    "enterprise_view": "enterprise view `GET /v1/enterprises/<id>/view`",
    "dashboard": "dashboard `GET /v1/dashboard`",
    "students_list": "student list `GET /v1/students?offset=&limit=50`",
    "create_application": "create application `POST /v1/applications`",
    "me": "signed-in user `GET /v1/me`",
}
SIGNIN_HEADING = "## Sign-in flood"
SIGNIN_TARGET = 2.0  # p99 under a flood within 2x of the quiet p99 (bench/signin.py)
FLOOD_LABELS = {"one_address": "one address", "at_limit": "at the throttle's limit"}
WINDOW_LABELS = {"quiet": "quiet", **FLOOD_LABELS}


METHOD = """## How it is measured

- **System**: the four services and the gateway as `nameko run` processes with their
  shipped configuration (RPC deadline 5 s, gateway 50 workers, services 10), on the local
  RabbitMQ in a vhost of the run's own and a private SecantusDB server per component (in
  memory, or on disk under `BENCH_DATA_DIR` to keep the dataset for later runs; or
  `BENCH_MONGO_URI` for one server for all). One server per component is the layout of a
  deployment where each service owns its database; `make run` starts one server for all,
  and a SecantusDB server is one Python process, whose one core and storage lock were the
  limit of every write path when five components shared it. Only the token lifetime
  (24 h, so that a long dataset creation keeps its session) and the per-client rate limit
  (one load client would be one bucket) are raised.
- **Dataset** (`bench/dataset.py`, seeded): partners, agreements, programmes with quotas and
  mentors through the API; most students from the provincial admission list
  (`POST /v1/admission-imports`, batches of 500 rows per programme and partner sent in
  parallel, each batch one transaction), the apprentices — 2% of the students, at most 200,
  at least two per apprenticeship programme — imported as applicants and taken through the
  joint enrolment (application, screening, interview by the enterprise's user, both offer
  approvals, acceptance, tripartite agreement and signatures, enrolment with the apprentice
  contract); projects through the API (published, a team, a deliverable, an enterprise and
  a tutor review), a tenth posted by enterprise systems through the inbound contract with
  their own broker users; placements with four weekly check-ins (two confirmed), logged by
  the students' own accounts; exam sessions with their class registered at once
  (`POST /v1/exam-sessions/{id}/group-registrations`) and results imported per session;
  skills competitions (20 at scale 1) of 20 entries each, every fourth a team of three,
  each tutored by a teacher, their results recorded in one call after award credit rules
  for every programme (two of them standing in for an exam); graduates (1,000 at scale 1),
  admitted from the admission list into four earlier order classes that have
  requirements their students meet, each class checked
  (`GET /v1/programmes/{id}/graduation-check`) and graduated in bulk
  (`POST /v1/programmes/{id}/graduations`, at most 1,000 a call) one call at a time, both
  timed as parts below ("graduation checks", "graduations"); then each graduate's first
  destination (half hired by the sponsor, the rest hired by another partner or employer,
  further study, other, not yet placed), the 6- and 12-month retention checks of the hired,
  and three in five of the partners that hired one answer its employer surveys.
  The 10× phase adds students only (from the admission list); the other records stay at
  their 1× size. Nothing is written to a database directly. The accounts the dataset needs
  (enterprise users, placed students) are hashed with OWASP's minimum argon2id parameters
  (`PASSWORD_HASH_*` settings; the library's defaults took minutes of the gateway's core):
  sign-in is not a measured route.
- **Exam session** (the `exam` phase, once the dataset has settled): one session of 1,000
  candidates (the first 1,000 students) for a certificate catalogued for the run, the class
  registered in two group registrations of 500, then its results imported in four CSVs of
  250 rows, one call after another; registration and import timed apart, target ≤ 30 s
  for both. `BENCH_PROFILE=1` records the certificates service, the gateway and their
  database servers meanwhile.
- **HTTP load**: wrk (2 threads, 32 connections, `bench/wrk/requests.lua`) with the
  administrator's token; reads pick a random target per request (random students for the 360,
  random enterprises, dashboard filters, list offsets); the create-application route posts a
  pre-imported, never-used applicant per request (each run its own), so every write is a valid
  new application through the outbox. Non-2xx answers and socket errors count as errors.
  Each read route is first loaded for `BENCH_WARMUP` seconds (10), not recorded: the gateway's
  view cache fills as it would in a gateway that has been serving for a while.
- **Baselines** (`bench/baseline_service.py`, a separate nameko process, not part of the
  product): A answers HTTP without any RPC; B makes four parallel no-op RPCs per request; C is
  raw kombu publish with confirms to a queue and back out (`python -m bench.inbound raw`).
- **Inbound**: two external publisher processes (kombu only, each an enterprise with its own
  broker user) send `project.posted` at the target rate with confirms; a probe queue on
  `projects.events` receives the resulting `project_drafted` after the projects service has
  committed the draft and relayed its outbox. Rate = drafted announcements per second from
  the first send to the last announcement; lag = announcement received − enterprise's send.
- **Quorum queues beside classic ones** (`python -m bench.queue_types`, not part of
  `make bench`): a private three-node RabbitMQ cluster and a private SecantusDB
  (`testkit.rabbit.PrivateCluster`, `testkit.servers.SecantusServer`), the fault tests'
  probe service (tests/faults/ledger.py: an inbound event's effect, and through its outbox
  and the broker a second effect) run once with `EVENT_QUEUE_TYPE=classic` and once with
  `quorum`; two enterprise publishers offer `--events` between them as fast as the broker
  confirms each (persistent, one by one). Rate = events whose downstream effect is
  stored, from the first send to the last effect (the effects' own timestamps); lost and
  duplicated compare every confirmed event with its effects.
- **Memory**: peak RSS of each service process, sampled from `/proc` every 250 ms under load.
- **Profiles**: `BENCH_PROFILE=1` records with py-spy, during the first run of each
  gateway route, the gateway and its database server, and for the routes served by
  enrollment (the student list, create application) that service and its database server
  too (speedscope files under `var/bench/`, for any speedscope viewer).

Run it: `make bench` (settings: `BENCH_RUNS`, `BENCH_SECONDS`, `BENCH_SCALE`, `BENCH_10X`,
`BENCH_INBOUND_RATE`, `BENCH_INBOUND_SECONDS`, `BENCH_DATA_DIR`, `BENCH_PROFILE`,
`BENCH_PHASES` (`exam`, `routes`, `inbound`, `10x`, `signin`), `BENCH_SIGNIN_RATE`,
`BENCH_SIGNIN_ADDRESSES`; see `bench/run.py`).
Rewrite this page from a raw results file with the closing notes:
`python -m bench.report var/bench/results-<time>.json --notes notes.md`, and with
`--growth <results of a reduced-scale run>` to show that run's 10× growth beside a
full run without one (`--signin-notes` for the sign-in flood's).
""".splitlines()


def machine(amqp_api_url=None):
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 2 ** 20, 1)
    except OSError:
        pass
    versions = {"python": platform.python_version()}
    for package in ("nameko", "eventlet", "kombu", "pymongo", "SecantusDB"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    if amqp_api_url:
        try:
            overview = requests.get(amqp_api_url.rstrip("/") + "/api/overview",
                                    timeout=5).json()
            versions["rabbitmq"] = overview.get("rabbitmq_version")
            versions["erlang"] = overview.get("erlang_version")
        except (requests.RequestException, ValueError):
            pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": memory_gb,
            "kernel": platform.release(), "versions": versions}


def median_of(runs, keys=("rps", "p50_ms", "p95_ms", "p99_ms")):
    """The median of each figure over the runs; errors are summed (any is too many)."""
    summary = {key: round(statistics.median(run[key] for run in runs), 2) for key in keys
               if all(run.get(key) is not None for run in runs)}
    summary["errors"] = sum(run.get("errors", 0) for run in runs)
    summary["runs"] = len(runs)
    return summary


def median_inbound(runs):
    summary = {key: round(statistics.median(run[key] for run in runs), 1)
               for key in ("events_per_s", "lag_p50_ms", "lag_p99_ms")
               if all(run.get(key) is not None for run in runs)}
    summary["unprocessed"] = sum(run.get("unprocessed", 0) for run in runs)
    summary["runs"] = len(runs)
    return summary


def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def shown(value):
    return "–" if value is None else value


def verdicts(results):
    """[(target, measured, met)] for every target the issue sets."""
    routes = results["routes"]
    found = []
    for name, (rps, p99) in HTTP_TARGETS.items():
        figures = routes.get(name)
        if not figures:
            continue
        met = figures.get("rps", 0) >= rps and figures.get("p99_ms", 1e9) < p99 and \
            figures["errors"] == 0
        found.append(("%s: >= %d req/s, p99 < %d ms, 0 errors" % (name, rps, p99),
                      "%s req/s, p99 %s ms, %d errors" % (figures.get("rps"),
                                                           figures.get("p99_ms"),
                                                           figures["errors"]), met))
    b, s360 = routes.get("baseline_b"), routes.get("student_360")
    if b and s360:
        value = ratio(s360.get("rps"), b.get("rps"))
        found.append(("student_360 >= %gx baseline B, 0 errors" % STUDENT_360_OVER_B,
                      "%sx, %d errors" % (value, s360["errors"]),
                      value is not None and value >= STUDENT_360_OVER_B and
                      s360["errors"] == 0))
    inbound, raw = results.get("inbound"), results.get("baseline_c")
    if inbound:
        share = ratio(inbound.get("events_per_s"), (raw or {}).get("events_per_s"))
        met = (inbound.get("events_per_s") or 0) >= INBOUND_TARGET["events_per_s"] and \
            (inbound.get("lag_p99_ms") or 1e9) < INBOUND_TARGET["lag_p99_ms"] and \
            not inbound.get("unprocessed")
        found.append(("inbound: >= 500 events/s for 60 s, lag p99 < 2 s, 0 unprocessed",
                      "%s events/s, lag p99 %s ms, %s of C, %d unprocessed" % (
                          inbound.get("events_per_s"), inbound.get("lag_p99_ms"), share,
                          inbound.get("unprocessed", 0)), met))
        grown = results.get("inbound_10x")
        if grown:
            growth = ratio(inbound.get("events_per_s"), grown.get("events_per_s"))
            found.append(("inbound with 10x the projects: rate within %gx of 1x" % GROWTH_LIMIT,
                          "%sx (%s -> %s events/s, %s -> %s projects stored)" % (
                              growth, inbound.get("events_per_s"), grown.get("events_per_s"),
                              inbound.get("projects_before"), grown.get("projects_before")),
                          growth is not None and growth <= GROWTH_LIMIT))
    overload = results.get("overload")
    if overload:
        found.append((
            "twice the capacity offered: nothing lost, the queue bounded, publishers slowed",
            "%s lost; queue at most %s of %s; %s/s offered, %s/s sent, %s waits after a "
            "refusal" % (overload["lost"], overload["max_queue_depth"], overload["bound"],
                         overload["offered_rate"], overload["sent_per_s"],
                         overload["nack_waits"]),
            overload["lost"] == 0 and (overload["max_queue_depth"] or 0) <= overload["bound"]
            and overload["sent_per_s"] < overload["offered_rate"]))
    growth_runs = [(results, "")]
    if results.get("growth"):
        small = results["growth"]
        growth_runs.append((small, " (reduced scale: %s -> %s students)" % (
            small["dataset"].get("students"), small["dataset_10x"].get("students"))))
    for run, scale in growth_runs:
        for name, figures in run.get("routes_10x", {}).items():
            base = run["routes"].get(name)
            if base:
                growth = ratio(figures.get("p50_ms"), base.get("p50_ms"))
                found.append(("%s at 10x%s: p50 within %gx of 1x" % (name, scale, GROWTH_LIMIT),
                              "%sx (%s -> %s ms)" % (growth, base.get("p50_ms"),
                                                     figures.get("p50_ms")),
                              growth is not None and growth <= GROWTH_LIMIT))
    for flood, figures in (results.get("signin_flood") or {}).get("floods", {}).items():
        for route, route_figures in figures["routes"].items():
            found.append(("%s during a sign-in flood (%s): p99 within %gx of quiet" % (
                route, FLOOD_LABELS.get(flood, flood), SIGNIN_TARGET),
                "%sx (%s -> %s ms), %d errors" % (
                    route_figures["p99_ratio"], route_figures["quiet"].get("p99_ms"),
                    route_figures["flood"].get("p99_ms"),
                    route_figures["quiet"]["errors"] + route_figures["flood"]["errors"]),
                route_figures["met"]))
    exam = results.get("exam_session")
    candidates, seconds = EXAM_SESSION_TARGET
    if exam and exam["candidates"] >= candidates:  # a smaller session is no measure of it
        found.append(("exam session of %d candidates registered and its results imported: "
                      "<= %d s" % (candidates, seconds), exam_session_measured(exam),
                      exam["total_s"] <= seconds))
    for name, peak in sorted(results.get("peak_rss_mb", {}).items()):
        found.append(("%s RSS < %d MB" % (name, RSS_LIMIT_MB), "%s MB" % peak,
                      peak < RSS_LIMIT_MB))
    return found


def exam_session_measured(exam):
    return "%s s (registration %s s, results import %s s; %d candidates, %d passed)" % (
        exam["total_s"], exam["registration_s"], exam["import_s"], exam["candidates"],
        exam["passed"])


def ratios(results):
    routes = results["routes"]
    a, b = routes.get("baseline_a", {}), routes.get("baseline_b", {})
    lines = []
    for name, figures in routes.items():
        if name.startswith("baseline"):
            continue
        lines.append((name, ratio(figures.get("rps"), a.get("rps")),
                      ratio(figures.get("rps"), b.get("rps"))))
    return lines


def outbound_line(figures):
    """The outbound delivery lag measured during the first inbound run (bench/outbound.py)."""
    if figures.get("error"):
        return "Outbound delivery under the inbound stream: not measured (%s)." % figures["error"]
    return ("Outbound delivery under the inbound stream: %s `placement_started` events/s "
            "announced for %s s, each read by its enterprise from its own queue "
            "`college.outbound.<id>.<token>` (%s enterprises): %s of %s delivered, lag from the "
            "announcement p50 %s ms, p99 %s ms, max %s ms." % (
                figures.get("target_rate"), figures.get("seconds"), figures.get("enterprises"),
                figures.get("delivered"), figures.get("sent"), figures.get("lag_p50_ms"),
                figures.get("lag_p99_ms"), figures.get("lag_max_ms")))


def print_summary(results, out=print):
    out("route                      req/s     p50     p95     p99  errors  /A    /B")
    a, b = results["routes"].get("baseline_a", {}), results["routes"].get("baseline_b", {})
    for name, figures in results["routes"].items():
        out("%-24s %8s %7s %7s %7s %7s %5s %5s" % (
            name, figures.get("rps"), figures.get("p50_ms"), figures.get("p95_ms"),
            figures.get("p99_ms"), figures["errors"], ratio(figures.get("rps"), a.get("rps")),
            ratio(figures.get("rps"), b.get("rps"))))
    for name, figures in results.get("routes_10x", {}).items():
        out("%-24s %8s %7s %7s %7s %7s" % (name + " @10x", figures.get("rps"),
                                            figures.get("p50_ms"), figures.get("p95_ms"),
                                            figures.get("p99_ms"), figures["errors"]))
    for key in ("inbound", "inbound_10x", "baseline_c"):
        if results.get(key):
            figures = results[key]
            out("%-24s %8s events/s, lag p50 %s ms, p99 %s ms, unprocessed %s; per 10 s: %s" % (
                key, figures.get("events_per_s"), figures.get("lag_p50_ms"),
                figures.get("lag_p99_ms"), figures.get("unprocessed"),
                [run.get("events_per_s_by_10s") for run in figures.get("each_run", [])]))
    if results.get("overload"):
        figures = results["overload"]
        out("overload: offered %s/s, sent %s/s, drafted %s/s, lag p99 %s ms; queue at most "
            "%s of %s; %s waits after a refusal (%s s), %s given up; %s lost" % (
                figures["offered_rate"], figures["sent_per_s"], figures["events_per_s"],
                figures["lag_p99_ms"], figures["max_queue_depth"], figures["bound"],
                figures["nack_waits"], figures["seconds_waiting"],
                figures["refused_for_good"], figures["lost"]))
    if results.get("outbound"):
        out(outbound_line(results["outbound"]))
    if results.get("inbound") and results.get("baseline_c"):
        out("inbound / baseline C: %s" % ratio(results["inbound"].get("events_per_s"),
                                               results["baseline_c"].get("events_per_s")))
    if results.get("exam_session"):
        out("exam session: %s" % exam_session_measured(results["exam_session"]))
    out("peak RSS (MB): %s" % results.get("peak_rss_mb"))
    phase = results.get("signin_flood")
    if phase:
        for flood, figures in phase["floods"].items():
            for route, route_figures in figures["routes"].items():
                out("sign-in flood %-12s %-12s p99 %s -> %s ms: %sx (runs %s)" % (
                    flood, route, route_figures["quiet"].get("p99_ms"),
                    route_figures["flood"].get("p99_ms"), route_figures["p99_ratio"],
                    route_figures["each_run_ratio"]))
            out("sign-in flood %-12s answers %s, %s hashes/s" % (
                flood, figures["signins"]["statuses"], figures["signins"]["hashed_per_s"]))
        out("sign-in flood: p99 within %gx of quiet: %s" % (
            SIGNIN_TARGET, "yes" if phase["target_met"] else "NO"))


def creation_lines(results):
    """How fast each part of the dataset was created (1x, and the 10x growth)."""
    lines = []
    for key, seconds_key, title in (("dataset_rates", "dataset_seconds", "1×"),
                                    ("dataset_10x_rates", "dataset_10x_seconds", "10× growth")):
        rates = results.get(key)
        if not rates:
            continue
        lines += ["Dataset creation, %s: %s s in all." % (title, results.get(seconds_key)), "",
                  "| part | items | seconds | per second |", "| --- | ---: | ---: | ---: |"]
        lines += ["| %s | %d | %s | %s |" % (label, figures["items"], figures["seconds"],
                                             figures["per_s"]) for label, figures in rates.items()]
        lines.append("")
    return lines


def exam_session_lines(results):
    """The exam session measured alone (the ``exam`` phase)."""
    exam = results.get("exam_session")
    if not exam:
        return []
    return ["One exam session of %d candidates, alone once the dataset had settled "
            "(target for 1,000: ≤ %d s): registration %s s (group registrations of 500), "
            "results import %s s (imports of 250 rows; %d passed, each issued a signed "
            "certificate), %s s in all." % (
                exam["candidates"], EXAM_SESSION_TARGET[1], exam["registration_s"],
                exam["import_s"], exam["passed"], exam["total_s"]), ""]


def growth_table(run, first="1×"):
    """The read routes after a 10× growth of the students, against their figures before."""
    lines = ["| route | req/s | p50 ms | p99 ms | errors | p50 before (%s) | p50 vs before "
             "(target ≤ %g×) |" % (first, GROWTH_LIMIT),
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, figures in run["routes_10x"].items():
        base = run["routes"].get(name, {})
        lines.append("| %s | %s | %s | %s | %d | %s | %s |" % (
            LABELS.get(name, name), figures.get("rps"), figures.get("p50_ms"),
            figures.get("p99_ms"), figures["errors"], shown(base.get("p50_ms")),
            shown(ratio(figures.get("p50_ms"), base.get("p50_ms")))))
    return lines


def markdown(results):
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Measured by `make bench` (bench/run.py): the system on local defaults, the seeded",
        "dataset created through the gateway's API and the inbound contract, then wrk at %d"
        % results["settings"]["connections"],
        "connections for %d s per route, the median of %d runs, with the baselines measured in"
        % (results["settings"]["seconds"], results["settings"]["runs"]),
        "the same run. Raw results: `%s` (not committed)." % results["raw_file"],
        "",
    ] + METHOD + ["",
        "## Run of %s" % results["started_at"],
        "",
        "Machine: %s, %s cores, %s GB RAM, Linux %s; %s." % (
            m["cpu"], m["cores"], m["memory_gb"], m["kernel"],
            ", ".join("%s %s" % item for item in m["versions"].items())),
        "",
        "Dataset: %s." % ", ".join("%s %s" % (value, key) for key, value in
                                   results["dataset"].items()),
        "",
    ] + creation_lines(results) + exam_session_lines(results) + [
        "| route | req/s | p50 ms | p95 ms | p99 ms | errors | × A | × B | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    a, b = results["routes"].get("baseline_a", {}), results["routes"].get("baseline_b", {})
    for name, figures in results["routes"].items():
        target = HTTP_TARGETS.get(name)
        lines.append("| %s | %s | %s | %s | %s | %d | %s | %s | %s |" % (
            LABELS.get(name, name), figures.get("rps"), figures.get("p50_ms"),
            figures.get("p95_ms"), figures.get("p99_ms"), figures["errors"],
            shown(ratio(figures.get("rps"), a.get("rps"))),
            shown(ratio(figures.get("rps"), b.get("rps"))),
            "≥ %d req/s, p99 < %d ms" % target if target else ""))
    if results.get("routes_10x"):
        lines += ["", "At 10× the data (%s students):" % results.get("dataset_10x", {})
                  .get("students"), ""] + growth_table(results)
    if results.get("growth"):
        small = results["growth"]
        lines += ["", "Growth with the data at a reduced scale, a separate run of %s (raw "
                  "results `%s`): the read routes at %s students, then at %s after the "
                  "same 10× growth, the median of %d runs each:" % (
                      small["started_at"], small["raw_file"], small["dataset"].get("students"),
                      small["dataset_10x"].get("students"), small["settings"]["runs"]), ""
                  ] + growth_table(small, first="%s students" % small["dataset"]["students"])
    lines += ["", "| message path | events/s | lag p50 ms | lag p99 ms | unprocessed | "
              "events/s per 10 s (first run) | target |",
              "| --- | ---: | ---: | ---: | ---: | --- | --- |"]
    queues = results.get("settings", {}).get("queue_type", "classic")
    for key, label, target in (
            ("inbound", "inbound `project.posted` → `project_drafted` (end to end, %s "
                        "queues)" % queues,
             "≥ 500/s for 60 s, p99 < 2 s, 0 lost"),
            ("inbound_10x", "the same with 10× the projects stored", "within 1.5× of 1×"),
            ("baseline_c", "baseline C: raw kombu publish → consume, confirms", "")):
        figures = results.get(key)
        if figures:
            windows = (figures.get("each_run") or [{}])[0].get("events_per_s_by_10s")
            lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                label, figures.get("events_per_s"), figures.get("lag_p50_ms"),
                figures.get("lag_p99_ms"), figures.get("unprocessed"),
                "not measured" if windows is None else ", ".join(map(str, windows)), target))
    overload = results.get("overload")
    if overload:
        lines += ["", "Twice the capacity (%s events/s, twice the inbound rate above) offered "
                  "for %s s through the publisher library to the inbound queue bounded at %s "
                  "messages: the publishers sent %s/s (%s waits after a refusal, %s s in "
                  "all; %s events given up and reported to them), %s drafted/s, lag p99 %s "
                  "ms, the queue at most %s messages deep, **%s lost** of %s sent." % (
                      overload["offered_rate"], overload["target_seconds"], overload["bound"],
                      overload["sent_per_s"], overload["nack_waits"],
                      overload["seconds_waiting"], overload["refused_for_good"],
                      overload["events_per_s"], overload["lag_p99_ms"],
                      overload["max_queue_depth"], overload["lost"], overload["sent"])]
    returned = results.get("outbound")
    if returned:
        lines += ["", outbound_line(returned)]
    lines += ["", "Peak RSS under load (target < 200 MB each): " + ", ".join(
        "%s %s MB" % item for item in sorted(results.get("peak_rss_mb", {}).items())) + ".",
        "", "### Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
    for target, measured, met in verdicts(results):
        lines.append("| %s | %s | %s |" % (target, measured, "yes" if met else "**no**"))
    if results.get("profiles"):
        lines += ["", "Profiles (py-spy, speedscope format): " + ", ".join(
            "`%s`" % path for path in results["profiles"].values()) + "."]
    lines += ["", "### Notes", "", results.get("notes") or
              "_To be written after the full run: for each target missed, by how much, what "
              "the profile shows limits it, and what would reach it._", ""]
    lines += signin_lines(results)
    return "\n".join(lines)


SIGNIN_METHOD = """Does a flood of failing sign-ins slow everyone else down? (Issue 26, hole 5:
argon2 ran on the gateway's event loop, and `GET /v1/me` went from 1.6 ms to 480 ms p50
while 30 sign-ins ran.) The `signin` phase of `make bench` (`bench/signin.py`; alone:
`BENCH_PHASES=signin make bench`) restarts the gateway with its shipped argon2 parameters
and sign-in throttle (the benchmark's accounts were hashed cheaper, above), then per run
measures three windows of the same length, each under the same steady load on two routes
with the administrator's token (wrk, each connection pausing between requests, so the load
stays below the gateway's capacity and latency shows waiting, not a saturated core):
quiet; a flood from **one address** (several connections from one loopback address sending
wrong passwords for usernames never tried before, faster than the throttle admits: after
its burst, 429 before any hash); a flood **at the throttle's limit** (several addresses, one
connection each, one attempt a second each, more than the throttle admits an address, so
the throttle decides what is hashed: each address's burst in its first seconds, then its
rate). The throttle bounds each address, not the total, so on one machine "at its limit" is
a choice of how many addresses: the default, 6, is the fewest that get the issue's 30 hashed
sign-ins through within seconds (a burst of 5 each), then one every 2 s between them.
Each flooding client
binds its own 127.x.y.z source address (the gateway keys anonymous clients by
`REMOTE_ADDR`). The usernames do not exist: the gateway checks them against its dummy hash
at the same parameters, the cost of a real account's check. A 401 is an attempt that was
hashed, a 429 one refused before hashing. Each flood's p99 is divided by the quiet p99 of
its own run; the target is the median of those ratios within 2× for both routes, with no
error. The machine's load is read from `/proc` during each window.""".splitlines()


def signin_lines(results):
    """The sign-in flood section: the phase's figures, or "not measured"."""
    phase = results.get("signin_flood")
    lines = [SIGNIN_HEADING, ""] + SIGNIN_METHOD + [""]
    if not phase:
        return lines + ["Not measured in the run of %s." % results.get("started_at"), ""]
    m, settings, hashing = results["machine"], phase["settings"], phase["hash"]
    lines += [
        "### Run of %s" % phase["started_at"],
        "",
        "Machine: %s, %s cores, %s GB RAM, Linux %s. Raw results: `%s` (not committed)." % (
            m["cpu"], m["cores"], m["memory_gb"], m["kernel"], results.get("raw_file")),
        "Dataset: %s students. Windows of %d s, runs: %d, after %d s of unrecorded load; "
        "%s req/s offered to each route from %d connections; argon2id t=%d, m=%d KiB, p=%d "
        "(%s ms of CPU a hash here), %s; "
        "throttle: a burst of %d, then %g a minute per address; one address: %d connections, "
        "%g attempts/s in all; at the limit: %d addresses, %g attempt/s each." % (
            phase["students"], settings["seconds"], settings["runs"], settings["warmup"],
            shown(settings["rate"] or None), settings["connections"], hashing["time_cost"],
            hashing["memory_kib"], hashing["parallelism"], hashing["cpu_ms"],
            hashing_turns(phase), phase["throttle"]["burst"],
            phase["throttle"]["per_minute"], settings["one_address_connections"],
            settings["one_address_rate"], settings["addresses"], settings["address_rate"]),
        "",
        "| flood | route | quiet p50 ms | quiet p99 ms | flood p50 ms | flood p99 ms | "
        "errors | p99 flood / quiet, each run | median | within %g× |" % SIGNIN_TARGET,
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |"]
    for flood, figures in phase["floods"].items():
        for route, f in figures["routes"].items():
            lines.append("| %s | %s | %s | %s | %s | %s | %d | %s | %s | %s |" % (
                FLOOD_LABELS.get(flood, flood), LABELS.get(route, route),
                f["quiet"].get("p50_ms"), f["quiet"].get("p99_ms"), f["flood"].get("p50_ms"),
                f["flood"].get("p99_ms"), f["quiet"]["errors"] + f["flood"]["errors"],
                " / ".join("%s×" % shown(value) for value in f["each_run_ratio"]),
                "%s×" % shown(f["p99_ratio"]), "yes" if f["met"] else "**no**"))
    lines += ["", "Sign-in answers, all runs together:", "",
              "| flood | attempts | 401 (hashed) | 429 (refused, no hash) | other answers | "
              "failed | the throttle's arithmetic admits | hashed per second | gateway peak "
              "RSS MB |", "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    for flood, figures in phase["floods"].items():
        signins = figures["signins"]
        other = {status: count for status, count in signins["statuses"].items()
                 if status not in ("401", "429")}
        lines.append("| %s | %d | %d | %d | %s | %d | %d | %s | %s |" % (
            FLOOD_LABELS.get(flood, flood), signins["attempts"],
            signins["statuses"].get("401", 0), signins["statuses"].get("429", 0),
            ", ".join("%s × %s" % (count, status) for status, count in other.items()) or "none",
            signins["failures"], signins["throttle_admits"], signins["hashed_per_s"],
            figures["gateway_peak_rss_mb"]))
    lines += ["", "Where the machine's CPU went in each window, in cores (of %s): the whole "
              "machine; the system measured (services, gateway, databases), the gateway among "
              "them; the load generators (wrk, the flood); the rest, other work on the "
              "machine; the 1-minute load average as the window began. Then, per second of "
              "the window, how long the gateway's event loop thread ran on a CPU and how "
              "long it waited, runnable, for one (`/proc/<pid>/task/<pid>/schedstat`), and "
              "how long the gateway's other threads ran (the hashes):" % m["cores"], "",
              "| run | window | machine | system | gateway | load generators | other work | "
              "load average | event loop ran / waited | other threads ran | "
              "me p99 ms | student 360 p99 ms |",
              "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
              "| ---: |"]
    for number, run in enumerate(phase["each_run"], 1):
        for window, figures in run.items():
            used = figures["load"]
            lines.append("| %d | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s "
                         "| %s |" % (
                             number, WINDOW_LABELS.get(window, window), used["machine_cores"],
                             used["system_cores"], used["gateway_cores"],
                             used["generators_cores"], used["others_cores"],
                             used["load_average_1m"], shown(used.get("gateway_loop_ran")),
                             shown(used.get("gateway_loop_waited")),
                             shown(used.get("gateway_others_ran")),
                             figures["routes"]["me"]["p99_ms"],
                             figures["routes"]["student_360"]["p99_ms"]))
    lines += ["", "Target, every route's p99 within %g× of quiet during both floods: %s." % (
        SIGNIN_TARGET, "met" if phase["target_met"] else "**missed**")]
    lines += ["", "### Sign-in flood notes", "", results.get("signin_notes") or
              "_To be written after the run: the load on the machine, and for a target "
              "missed, by how much and where the time goes._", ""]
    return lines


def hashing_turns(phase):
    turns = phase.get("hashing_turns")
    if turns is None:  # runs from before the gateway hashed in turns
        return "the gateway's %d hashing threads (eventlet's pool)" % phase["tpool_threads"]
    return ("the gateway hashing %d at a time below its event loop's CPU priority, %d more "
            "waiting at most" % (turns["at_once"], turns["waiting"]))


def with_signin_section(text, results):
    """The page ``text`` with its sign-in flood section replaced by this run's, or
    added after the run's section when it has none; every other section as it was."""
    lines = text.splitlines(keepends=True)

    def next_section(after):
        return next((index for index in range(after + 1, len(lines))
                     if lines[index].startswith("## ")), len(lines))

    start = next((index for index, line in enumerate(lines)
                  if line.startswith(SIGNIN_HEADING)), None)
    if start is None:
        run = next((index for index, line in enumerate(lines) if line.startswith("## Run of")),
                   None)
        start = end = next_section(run) if run is not None else len(lines)
    else:
        end = next_section(start)
    before = "".join(lines[:start])
    if before and not before.endswith("\n\n"):
        before = before.rstrip("\n") + "\n\n"
    return before + "\n".join(signin_lines(results)).rstrip("\n") + "\n" + \
        ("\n" + "".join(lines[end:]) if end < len(lines) else "")


def main(argv=None):
    """Rewrite docs/benchmarks.md from a raw results file, with hand-written notes
    (the profile-backed explanation of the targets missed); the results of a run of
    the signin phase alone rewrite only the sign-in flood section:

        python -m bench.report var/bench/results-<time>.json --notes notes.md
        [--growth var/bench/results-<time of a BENCH_SCALE=0.1 run>.json]
        [--signin-notes signin-notes.md]
    """
    import argparse
    import json
    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--notes", help="a Markdown file for the closing notes")
    parser.add_argument("--growth", help="the raw results of a reduced-scale run with its "
                        "10x phase, shown beside a full run that has none")
    parser.add_argument("--signin-notes", help="a Markdown file for the sign-in flood's notes")
    parser.add_argument("--doc", default=str(Path(__file__).resolve().parent.parent / "docs"
                                             / "benchmarks.md"))
    args = parser.parse_args(argv)
    results = json.loads(Path(args.results).read_text(encoding="utf-8"))
    if args.notes:
        results["notes"] = Path(args.notes).read_text(encoding="utf-8").strip()
    if args.signin_notes:
        results["signin_notes"] = Path(args.signin_notes).read_text(encoding="utf-8").strip()
    if args.growth:
        results["growth"] = json.loads(Path(args.growth).read_text(encoding="utf-8"))
    doc = Path(args.doc)
    if results.get("phases") == ["signin"]:  # a run of that phase alone: its section only
        doc.write_text(with_signin_section(doc.read_text(encoding="utf-8"), results),
                       encoding="utf-8")
    else:
        doc.write_text(markdown(results), encoding="utf-8")
    print_summary(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
