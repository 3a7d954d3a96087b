"""``deploy/run_local.py`` loaded as a module, its state directory moved to a
test's own, for the tests of ``make run``'s script."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_local_script(var_dir, monkeypatch):
    spec = importlib.util.spec_from_file_location("run_local", ROOT / "deploy/run_local.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "VAR", var_dir)
    return module
