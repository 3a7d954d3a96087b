"""Which files the gateway serves as the web console: only known kinds of
file in the console's own folders of gateway/web, never anything else."""
import pytest

from college_platform.errors import NotFound
from gateway.routes.console import CONTENT_TYPES, WEB_ROOT, console_file


def test_the_console_files_are_served_from_the_web_root():
    assert console_file("index.html", parts=("index.html",)) == WEB_ROOT / "index.html"
    assert console_file("js/screens/students.js").suffix == ".js"
    assert console_file("i18n/zh-CN.json").name == "zh-CN.json"
    assert CONTENT_TYPES[".js"].startswith("text/javascript")


@pytest.mark.parametrize("path", [
    "../gateway/service.py", "../../README.md", "js/../../gateway/auth.py", "/etc/passwd",
    "js", "js/missing.js", "", "index.html", "docs.html", "reference.js",
    "vendor/node_modules/swagger-ui-dist/swagger-ui-bundle.js",
])
def test_nothing_outside_the_web_root_or_unknown_is_served(path):
    with pytest.raises(NotFound):
        console_file(path)


def test_only_known_kinds_of_file_are_served(tmp_path, monkeypatch):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "notes.txt").write_text("internal")
    (tmp_path / "js" / "app.js").write_text("export {};")
    monkeypatch.setattr("gateway.routes.console.WEB_ROOT", tmp_path)
    assert console_file("js/app.js").name == "app.js"
    with pytest.raises(NotFound):
        console_file("js/notes.txt")
