"""tools/reliability_report.py writes docs/reliability.md's results table: a
figure a scenario did not count reads "not measured", never 0, and a newer
short run shows beside an older full one instead of hiding behind it."""
import importlib.util

from testkit.servers import ROOT

spec = importlib.util.spec_from_file_location("reliability_report",
                                              ROOT / "tools" / "reliability_report.py")
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)


def row(scenario, scale, at, **figures):
    return {"scenario": scenario, "scale": scale, "load": "l", "faults": "f", "published": 5,
            "confirmed": 5, "effects": None, "lost": None, "duplicated": None, "at": at,
            **figures}


def test_a_figure_not_counted_reads_not_measured():
    text = report.table([row("Soak", "short", "2026-12-06T10:00:00+00:00", effects=10,
                             lost=0)])
    soak = next(line for line in text.splitlines() if line.startswith("| Soak"))
    cells = [cell.strip() for cell in soak.split("|")[1:-1]]
    assert cells[6:9] == ["10", "0", "not measured"]


def test_a_newer_short_run_shows_beside_the_older_full_one():
    old_full = row("Soak", "full", "2026-11-22T09:23:31+00:00")
    new_short = row("Soak", "short", "2026-12-06T10:00:00+00:00")
    older_short = row("Poison", "short", "2026-11-01T00:00:00+00:00")
    poison_full = row("Poison", "full", "2026-11-22T07:13:47+00:00")
    shown = report.latest_rows([old_full, new_short, older_short, poison_full])
    assert [(r["scenario"], r["scale"]) for r in shown] == [
        ("Poison", "full"), ("Soak", "full"), ("Soak", "short")]


def test_the_table_read_back_keeps_not_measured():
    doc = "%s\n%s%s" % (report.START, report.table([row("Soak", "full", "2026-11-22")]),
                        report.END)
    assert report.rows_in_table(doc)[0]["lost"] == "not measured"
