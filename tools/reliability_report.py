"""Write the results table of docs/reliability.md from the fault tests' results
file (var/faults/results.jsonl, one JSON row per scenario run), keeping the
latest row of each scenario and scale: full-scale rows (``make faults``)
first, then short ones (``make test``) for scenarios without a full run.

    python tools/reliability_report.py [--results PATH]
"""
import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"
COLUMNS = ("scenario", "scale", "load", "faults", "published", "confirmed", "effects", "lost",
           "duplicated")


def latest_rows(lines):
    rows = {}
    for line in lines:
        if line.strip():
            row = json.loads(line)
            rows[(row["scenario"], row["scale"])] = row  # later runs replace earlier ones
    full = [row for (_, scale), row in rows.items() if scale == "full"]
    covered = {row["scenario"] for row in full}
    short = [row for (scenario, scale), row in rows.items()
             if scale == "short" and scenario not in covered]
    return full + short


def cell(value):
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(rows):
    header = "| %s |" % " | ".join(c.capitalize() for c in COLUMNS)
    lines = [header, "|%s|" % "|".join("---" for _ in COLUMNS)]
    for row in rows:
        lines.append("| %s |" % " | ".join(cell(row.get(c, "")) for c in COLUMNS))
    dates = sorted(row["at"] for row in rows)
    when = "%s to %s" % (dates[0], dates[-1]) if dates else "no run"
    return "Runs %s (UTC); scale full is `make faults`, short is `make test`.\n\n%s\n" % (
        when, "\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=str(ROOT / "var" / "faults" / "results.jsonl"))
    args = parser.parse_args(argv)
    path = Path(args.results)
    if not path.exists():
        sys.exit("error: no results at %s; run make faults first" % path)
    rows = latest_rows(path.read_text(encoding="utf-8").splitlines())
    if not rows:
        sys.exit("error: no results in %s" % path)
    doc = DOC.read_text(encoding="utf-8")
    replaced = re.sub(re.escape(START) + ".*?" + re.escape(END),
                      START + "\n" + table(rows) + END, doc, flags=re.S)
    DOC.write_text(replaced, encoding="utf-8")
    print("wrote %d rows to %s" % (len(rows), DOC.relative_to(ROOT)))


if __name__ == "__main__":
    main()
