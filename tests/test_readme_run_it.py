"""The README's "Run it" works as written for a newcomer: it installs what
`.ci/run` installs, package by package (one apt line fails whole where
Node.js came from elsewhere), with a Chinese font; it says how `make admin`
takes its password; and its partner example is one the API accepts next to
the demo's data."""
import importlib.util
import re
import shlex
from pathlib import Path

from college_contracts.identifiers import credit_code_problem

ROOT = Path(__file__).resolve().parent.parent


def run_it():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("\n## Run it", 1)[1].split("\n## ", 1)[0]


def ci_packages():
    """Every package `.ci/run` installs when it is missing."""
    packages = set()
    for line in (ROOT / ".ci" / "run").read_text().splitlines():
        if "apt_install " in line and not line.lstrip().startswith(("apt_install()", "#")):
            packages |= set(shlex.split(line.split("apt_install ", 1)[1]))
    return packages


def test_the_readme_installs_what_ci_installs_one_package_at_a_time():
    section = run_it()
    packages = ci_packages()
    assert {"rabbitmq-server", "chromium", "fonts-wqy-microhei", "npm"} <= packages
    commands = "\n".join(re.findall(r"```sh\n(.*?)```", section, re.S))
    install_lines = [line for line in commands.splitlines() if "apt-get install" in line]
    installed = [line.split("apt-get install", 1)[1].split("#")[0].split()
                 for line in install_lines]
    named = {word for words in installed for word in words if word in packages}
    assert named == packages, "the README leaves out %s" % sorted(packages - named)
    # each line installs what one missing tool needs: a Node.js from elsewhere with its own
    # npm must not make apt refuse rabbitmq-server, chromium and the rest with it
    for line, words in zip(install_lines, installed):
        assert "||" in line, line
        assert len([word for word in words if word in packages]) <= 2, line


def test_the_readme_says_how_make_admin_takes_its_password():
    section = run_it()
    assert "ADMIN_PASSWORD=" in section and "12 characters" in section
    assert "LOCAL_MONGO_PORT" in section


def load_demo():
    spec = importlib.util.spec_from_file_location("demo", ROOT / "deploy" / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_partner_example_is_valid_and_not_the_demos():
    section = run_it()
    codes = re.findall(r'"credit_code":\s*"([^"]+)"', section)
    names = re.findall(r'"legal_name":\s*"([^"]+)"', section)
    assert codes and names
    demo = load_demo()
    for code in codes:
        assert credit_code_problem(code) is None, code
        assert code not in {partner["credit_code"] for partner in demo.PARTNERS}, \
            "the demo registers %s: the example would answer 409 once it is loaded" % code
    for name in names:
        assert name not in {partner["legal_name"] for partner in demo.PARTNERS}
