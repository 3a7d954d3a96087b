"""Each service is its own deployable: it imports no other service's code
and reaches no database but its own."""
import ast
import importlib
from pathlib import Path

import pytest
import yaml
from nameko.messaging import Consumer

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {
    "enrollment": ROOT / "services/enrollment/enrollment",
    "projects": ROOT / "services/projects/projects",
    "mentors": ROOT / "services/mentors/mentors",
    "certificates": ROOT / "services/certificates/certificates",
    "gateway": ROOT / "gateway/gateway",
}


def imported_top_level_modules(package):
    modules = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_a_service_imports_no_other_service(name):
    others = set(PACKAGES) - {name}
    assert imported_top_level_modules(PACKAGES[name]) & others == set()


@pytest.mark.parametrize("library", ["college_platform", "college_contracts"])
def test_the_shared_libraries_know_no_service(library):
    assert imported_top_level_modules(ROOT / "lib" / library) & set(PACKAGES) == set()


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_a_service_reaches_the_database_only_through_its_store(name):
    for path in PACKAGES[name].rglob("*.py"):
        if path.name == "create_admin.py":  # the gateway's own database, before it runs
            continue
        assert "MongoClient" not in path.read_text(encoding="utf-8"), path


def test_every_component_defaults_to_a_database_of_its_own():
    databases = {}
    for name, package in PACKAGES.items():
        config = yaml.safe_load((package.parent / "config.yaml").read_text(encoding="utf-8"))
        databases[name] = config["MONGO_DATABASE"].split(":")[-1].rstrip("}")
    assert databases == {name: name for name in PACKAGES}


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_every_handler_method_consumes_from_one_place(name):
    """A method decorated twice (an event handler and an inbound handler, say)
    would receive one source's messages as if they were the other's."""
    module = importlib.import_module("%s.service" % name)
    for attribute in vars(module).values():
        for method in vars(attribute).values() if isinstance(attribute, type) else ():
            consumers = [entrypoint for entrypoint in getattr(method, "nameko_entrypoints", ())
                         if isinstance(entrypoint, Consumer)]
            assert len(consumers) <= 1, (attribute.__name__, method.__name__, consumers)
