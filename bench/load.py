"""HTTP load with wrk: one route at a time, figures from the Lua script's JSON line."""
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "requests.lua"
THREADS = 2  # one per core: wrk itself must not starve the services


class LoadError(RuntimeError):
    pass


def wrk_version():
    if not shutil.which("wrk"):
        return None
    result = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return (result.stdout or result.stderr).splitlines()[0].strip()


def write_requests(lines, folder):
    """lines: [(method, path, body or None)] -> the file the Lua script reads."""
    handle = tempfile.NamedTemporaryFile("w", dir=folder, prefix="requests-", suffix=".tsv",
                                         delete=False, encoding="utf-8")
    with handle:
        for method, path, body in lines:
            text = "" if body is None else json.dumps(body, ensure_ascii=False)
            if "\t" in text or "\n" in text:
                raise ValueError("a request body must fit on one line without tabs")
            handle.write("%s\t%s\t%s\n" % (method, path, text))
    return handle.name


def run_wrk(base_url, requests_file, token=None, seconds=30, connections=32, threads=THREADS,
            timeout_seconds=5, delay_ms=None):
    """One wrk run; its figures (req/s, latency percentiles in ms, errors). With
    ``delay_ms``, each connection waits about that long between requests (a
    steady load below capacity) instead of sending the next one at once."""
    if not shutil.which("wrk"):
        raise LoadError("wrk is not installed (Debian: apt-get install wrk)")
    threads = max(1, min(threads, connections))
    env = dict(os.environ, BENCH_REQUESTS=str(requests_file), BENCH_TOKEN=token or "",
               BENCH_THREADS=str(threads), BENCH_DELAY_MS=str(delay_ms or ""))
    argv = ["wrk", "-t", str(threads), "-c", str(connections), "-d", "%ds" % seconds,
            "--timeout", "%ds" % timeout_seconds, "--latency", "-s", str(SCRIPT), base_url]
    result = subprocess.run(argv, env=env, capture_output=True, text=True,
                            timeout=seconds + 120)
    line = next((line for line in result.stdout.splitlines()
                 if line.startswith("BENCH_JSON ")), None)
    if result.returncode != 0 or line is None:
        raise LoadError("wrk failed (%s): %s %s" % (result.returncode, result.stdout[-2000:],
                                                     result.stderr[-2000:]))
    raw = json.loads(line[len("BENCH_JSON "):])
    seconds_measured = raw["duration_us"] / 1e6
    latency = {key: value / 1000.0 for key, value in raw["latency_us"].items()}
    return {
        "requests": raw["requests"],
        "seconds": round(seconds_measured, 2),
        "rps": round(raw["requests"] / seconds_measured, 1) if seconds_measured else 0.0,
        "p50_ms": round(latency["p50"], 2), "p95_ms": round(latency["p95"], 2),
        "p99_ms": round(latency["p99"], 2), "max_ms": round(latency["max"], 2),
        "errors": raw["non_2xx"] + raw["socket_errors"],
        "non_2xx": raw["non_2xx"], "socket_errors": raw["socket_errors"],
        "reused_writes": raw["reused_writes"],
        "error_samples": [line for line in result.stderr.splitlines()
                          if line.startswith("non-2xx")][:3],
    }
