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
    "create_application": (200, 250),
}
INBOUND_TARGET = {"events_per_s": 1000, "lag_p99_ms": 500, "share_of_baseline_c": 0.30}
STUDENT_360_OVER_B = 5.0
GROWTH_LIMIT = 1.5  # p50 at 10x within 1.5x of 1x
RSS_LIMIT_MB = 200
READ_ROUTES = ("student_360", "enterprise_view", "dashboard", "students_list")
LABELS = {
    "baseline_a": "baseline A: HTTP, no RPC",
    "baseline_b": "baseline B: HTTP, 4 parallel no-op RPCs",
    "student_360": "student 360 `GET /v1/students/<id>/360`",
    "enterprise_view": "enterprise view `GET /v1/enterprises/<id>/view`",
    "dashboard": "dashboard `GET /v1/dashboard`",
    "students_list": "student list `GET /v1/students?offset=&limit=50`",
    "create_application": "create application `POST /v1/applications`",
}


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
  (`POST /v1/exam-sessions/{id}/group-registrations`) and results imported per session.
  The 10× phase adds students only (from the admission list); the other records stay at
  their 1× size. Nothing is written to a database directly. The accounts the dataset needs
  (enterprise users, placed students) are hashed with OWASP's minimum argon2id parameters
  (`PASSWORD_HASH_*` settings; the library's defaults took minutes of the gateway's core):
  sign-in is not a measured route.
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
- **Memory**: peak RSS of each service process, sampled from `/proc` every 250 ms under load.
- **Profiles**: `BENCH_PROFILE=1` records with py-spy, during the first run of each
  gateway route, the gateway and its database server, and for the routes served by
  enrollment (the student list, create application) that service and its database server
  too (speedscope files under `var/bench/`, for any speedscope viewer).

Run it: `make bench` (settings: `BENCH_RUNS`, `BENCH_SECONDS`, `BENCH_SCALE`, `BENCH_10X`,
`BENCH_INBOUND_RATE`, `BENCH_INBOUND_SECONDS`, `BENCH_DATA_DIR`, `BENCH_PROFILE`; see
`bench/run.py`). Rewrite this page from a raw results file with the closing notes:
`python -m bench.report var/bench/results-<time>.json --notes notes.md`, and with
`--growth <results of a reduced-scale run>` to show that run's 10× growth beside a
full run without one.
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
            share is not None and share >= INBOUND_TARGET["share_of_baseline_c"]
        found.append(("inbound: >= 1000 events/s for 60 s, lag p99 < 500 ms, >= 30% of C",
                      "%s events/s, lag p99 %s ms, %s of C, %d unprocessed" % (
                          inbound.get("events_per_s"), inbound.get("lag_p99_ms"), share,
                          inbound.get("unprocessed", 0)), met))
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
    for name, peak in sorted(results.get("peak_rss_mb", {}).items()):
        found.append(("%s RSS < %d MB" % (name, RSS_LIMIT_MB), "%s MB" % peak,
                      peak < RSS_LIMIT_MB))
    return found


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
    for key in ("inbound", "baseline_c"):
        if results.get(key):
            figures = results[key]
            out("%-24s %8s events/s, lag p50 %s ms, p99 %s ms, unprocessed %s" % (
                key, figures.get("events_per_s"), figures.get("lag_p50_ms"),
                figures.get("lag_p99_ms"), figures.get("unprocessed")))
    if results.get("inbound") and results.get("baseline_c"):
        out("inbound / baseline C: %s" % ratio(results["inbound"].get("events_per_s"),
                                               results["baseline_c"].get("events_per_s")))
    out("peak RSS (MB): %s" % results.get("peak_rss_mb"))


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
    ] + creation_lines(results) + [
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
    lines += ["", "| message path | events/s | lag p50 ms | lag p99 ms | unprocessed | target |",
              "| --- | ---: | ---: | ---: | ---: | --- |"]
    for key, label, target in (
            ("inbound", "inbound `project.posted` → `project_drafted` (end to end)",
             "≥ 1,000/s for 60 s, p99 < 500 ms, ≥ 30% of C"),
            ("baseline_c", "baseline C: raw kombu publish → consume, confirms", "")):
        figures = results.get(key)
        if figures:
            lines.append("| %s | %s | %s | %s | %s | %s |" % (
                label, figures.get("events_per_s"), figures.get("lag_p50_ms"),
                figures.get("lag_p99_ms"), figures.get("unprocessed"), target))
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
    return "\n".join(lines)


def main(argv=None):
    """Rewrite docs/benchmarks.md from a raw results file, with hand-written notes
    (the profile-backed explanation of the targets missed):

        python -m bench.report var/bench/results-<time>.json --notes notes.md
        [--growth var/bench/results-<time of a BENCH_SCALE=0.1 run>.json]
    """
    import argparse
    import json
    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--notes", help="a Markdown file for the closing notes")
    parser.add_argument("--growth", help="the raw results of a reduced-scale run with its "
                        "10x phase, shown beside a full run that has none")
    parser.add_argument("--doc", default=str(Path(__file__).resolve().parent.parent / "docs"
                                             / "benchmarks.md"))
    args = parser.parse_args(argv)
    results = json.loads(Path(args.results).read_text(encoding="utf-8"))
    if args.notes:
        results["notes"] = Path(args.notes).read_text(encoding="utf-8").strip()
    if args.growth:
        results["growth"] = json.loads(Path(args.growth).read_text(encoding="utf-8"))
    Path(args.doc).write_text(markdown(results), encoding="utf-8")
    print_summary(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
