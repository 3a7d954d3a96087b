"""The README's configuration table names every setting the code reads: each
variable a component's config.yaml takes from the environment, each one
`make run`, `make admin` and `make demo` read, and every setting the code asks
for can be set (it is a key of some config.yaml, which is what the components
read; a key no config.yaml holds could not be changed)."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = [ROOT / "gateway" / "config.yaml", *sorted((ROOT / "services").glob("*/config.yaml"))]
# the commands of the README's "Run it", which read the environment themselves
LOCAL_TOOLS = [ROOT / "deploy" / "run_local.py", ROOT / "deploy" / "demo.py",
               ROOT / "gateway" / "gateway" / "create_admin.py"]
CODE = [path for folder in ("lib", "services", "gateway") for path in (ROOT / folder).rglob("*.py")
        if "tests" not in path.parts and ".venv" not in path.parts]
# settings only the tests give
TEST_ONLY = {"MONGO_DATABASE_PREFIX"}
SERVICES = ("ENROLLMENT", "PROJECTS", "MENTORS", "CERTIFICATES", "GATEWAY")

VARIABLE_IN_YAML = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")
KEY_IN_YAML = re.compile(r"^([A-Z][A-Z0-9_]*):", re.M)
SETTING_IN_CODE = re.compile(r"""\b(?:setting|configured_timer)\(\s*["']([A-Z][A-Z0-9_]*)["']""")
# os.environ, and run_local's copy of it (env)
ENVIRON_IN_CODE = re.compile(
    r"""\b(?:environ|env)(?:\.get|\.setdefault)?\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|\b(?:environ|env)\[["']([A-Z][A-Z0-9_]*)["']\]""")


def readme_table(expand=True):
    """The names in the first column of the README's configuration table, a
    ``<SERVICE>_`` one standing for each component's (or for any, unexpanded)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            for name in re.findall(r"`([^`]+)`", first_cell):
                if name.startswith("<SERVICE>_") and expand:
                    names |= {service + name[len("<SERVICE>"):] for service in SERVICES}
                else:
                    names.add(name)
    return names


def found(pattern, paths):
    names = set()
    for path in paths:
        for match in pattern.findall(path.read_text(encoding="utf-8")):
            names |= {match} if isinstance(match, str) else {m for m in match if m}
    return names


def test_every_variable_read_from_the_environment_is_in_the_readme_table():
    documented = readme_table()
    read = found(VARIABLE_IN_YAML, CONFIGS) | found(ENVIRON_IN_CODE, LOCAL_TOOLS)
    assert len(read) > 60
    missing = sorted(read - documented)
    assert missing == [], "missing from the README's configuration table: %s" % missing


def test_every_setting_the_code_reads_can_be_set_in_a_config_file():
    keys = found(KEY_IN_YAML, CONFIGS)
    read = found(SETTING_IN_CODE, CODE)
    assert len(read) > 40
    unsettable = sorted(read - keys - TEST_ONLY)
    assert unsettable == [], "read by the code but in no config.yaml: %s" % unsettable


def test_the_table_names_nothing_the_code_does_not_read():
    read = found(VARIABLE_IN_YAML, CONFIGS) | found(ENVIRON_IN_CODE, LOCAL_TOOLS) | \
        {"TEST_MONGO_URI"}  # the test suite's, read in conftest.py
    def is_read(name):
        if name.startswith("<SERVICE>_"):
            return any(service + name[len("<SERVICE>"):] in read for service in SERVICES)
        return name in read

    stale = sorted(name for name in readme_table(expand=False) if not is_read(name))
    assert stale == [], "in the README's table but read by nothing: %s" % stale
