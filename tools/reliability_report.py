"""Write the results table of docs/reliability.md from the fault tests' results
file (var/faults/results.jsonl, one JSON row per scenario run), keeping the
latest row of each scenario and scale: a scenario's full-scale row (``make
faults``), and its short row (``make test``) when there is no full one or the
short run is the newer (a short re-run does not hide behind an older full
one, nor replace it). Rows already in the table that the results file has no
newer run of stay (a run of one scenario, or a fresh checkout, does not wipe
the others). A figure a scenario did not count (None) reads "not measured".

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
           "duplicated", "at")
HEADERS = {"at": "Run (UTC)"}


NOT_MEASURED = "not measured"


def latest_rows(rows):
    latest = {}
    for row in sorted(rows, key=lambda row: row.get("at", "")):
        latest[(row["scenario"], row["scale"])] = row  # later runs replace earlier ones
    shown = []
    for (scenario, scale), row in sorted(latest.items(),
                                         key=lambda item: (item[0][0], item[0][1] != "full")):
        full = latest.get((scenario, "full"))
        if scale == "full" or full is None or row.get("at", "") > full.get("at", ""):
            shown.append(row)
    return shown


def cell(value):
    if value is None:
        return NOT_MEASURED
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(rows):
    header = "| %s |" % " | ".join(HEADERS.get(c, c.capitalize()) for c in COLUMNS)
    lines = [header, "|%s|" % "|".join("---" for _ in COLUMNS)]
    for row in rows:
        lines.append("| %s |" % " | ".join(cell(row.get(c, "")) for c in COLUMNS))
    return ("Scale full is `make faults` (and `make soak`), short is `make test`. "
            "\"%s\": the scenario does not count that figure.\n\n%s\n" % (
                NOT_MEASURED, "\n".join(lines)))


def rows_in_table(doc):
    """The rows the document's table holds now (those with a run time)."""
    found = re.search(re.escape(START) + "(.*?)" + re.escape(END), doc, flags=re.S)
    rows = []
    for line in (found.group(1) if found else "").splitlines():
        cells = [part.strip().replace("\\|", "|")
                 for part in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) == len(COLUMNS) and cells[0] != "Scenario" and \
                not set(cells[0]) <= {"-"}:
            rows.append(dict(zip(COLUMNS, cells)))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=str(ROOT / "var" / "faults" / "results.jsonl"))
    args = parser.parse_args(argv)
    path = Path(args.results)
    if not path.exists():
        sys.exit("error: no results at %s; run make faults first" % path)
    doc = DOC.read_text(encoding="utf-8")
    rows = latest_rows(rows_in_table(doc) + [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()])
    if not rows:
        sys.exit("error: no results in %s" % path)
    replaced = re.sub(re.escape(START) + ".*?" + re.escape(END),
                      START + "\n" + table(rows) + END, doc, flags=re.S)
    DOC.write_text(replaced, encoding="utf-8")
    print("wrote %d rows to %s" % (len(rows), DOC.relative_to(ROOT)))


if __name__ == "__main__":
    main()
