"""`make lint` type-checks with mypy (mypy.ini): every function in the files it
lists is annotated, and a call with a wrong argument type is an error. Here a
small file of wrong calls to lib is checked with the project's configuration,
so a configuration too lax to catch them fails this test. That the listed files
themselves pass is `make lint`'s part (run before the tests by `make test`)."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WRONG = '''\
from college_platform.repository import group_by
from college_platform.terms import term_of

term_of(2026)
group_by([{"state": "open"}], 3)


def untyped(value):
    return value
'''


def mypy(*arguments):
    # the cache of `make lint`, at the root: lib is read from it, not anew
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "mypy.ini"),
                           *arguments], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_a_wrong_argument_type_and_an_unannotated_function_are_reported(tmp_path):
    checked = tmp_path / "wrong_calls.py"
    checked.write_text(WRONG)
    result = mypy(str(checked))
    assert result.returncode == 1, result.stdout + result.stderr
    errors = {(int(line), code) for line, code in re.findall(
        r"wrong_calls\.py:(\d+): error: .*\[([a-z-]+)\]$", result.stdout, re.M)}
    assert errors == {(4, "arg-type"), (5, "arg-type"), (8, "no-untyped-def")}, result.stdout


def test_lint_runs_mypy_on_lib_strictly():
    config = (ROOT / "mypy.ini").read_text()
    files = re.search(r"^files = (.+)$", config, re.M).group(1).split(", ")
    assert {"lib/college_platform", "lib/college_contracts"} <= set(files)
    for path in files:
        assert (ROOT / path).exists(), path
    for option in ("disallow_untyped_defs", "check_untyped_defs", "strict_equality"):
        assert re.search(r"^%s = True$" % option, config, re.M), option
    lint = re.search(r"^lint:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert "$(VENV)/bin/mypy" in lint
