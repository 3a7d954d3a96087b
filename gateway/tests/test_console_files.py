"""Which files the gateway serves as the web console: only known kinds of
file under gateway/web, never anything outside it."""
import pytest

from college_platform.errors import NotFound
from gateway.routes.console import CONTENT_TYPES, WEB_ROOT, console_file


def test_the_console_files_are_served_from_the_web_root():
    assert console_file("index.html") == WEB_ROOT / "index.html"
    assert console_file("js/screens/students.js").suffix == ".js"
    assert CONTENT_TYPES[".js"].startswith("text/javascript")


@pytest.mark.parametrize("path", [
    "../gateway/service.py", "../../README.md", "js/../../gateway/auth.py", "/etc/passwd",
    "js", "js/missing.js", "",
])
def test_nothing_outside_the_web_root_or_unknown_is_served(path):
    with pytest.raises(NotFound):
        console_file(path)


def test_only_known_kinds_of_file_are_served(tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("internal")
    (tmp_path / "app.js").write_text("export {};")
    monkeypatch.setattr("gateway.routes.console.WEB_ROOT", tmp_path)
    assert console_file("app.js").name == "app.js"
    with pytest.raises(NotFound):
        console_file("notes.txt")
