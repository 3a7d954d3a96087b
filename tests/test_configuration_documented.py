"""The README's configuration table names every setting the code reads: each
variable a component's config.yaml takes from the environment, each one
`make run`, `make admin` and `make demo` read, and every setting the code asks
for can be set (it is a key of some config.yaml, which is what the components
read; a key no config.yaml holds could not be changed)."""
import importlib
import re
from pathlib import Path

import yaml

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
    # the code reads what the settings modules declare (and nothing else: below)
    read = {key for by_key in declarations().values() for key in by_key}
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


# --- the settings modules: every setting a component reads, with its default, once ---------

# the component's settings module and the config.yaml it is run with; the shared
# settings (college_platform.settings) are read by every component
SETTINGS_MODULES = {
    "platform": ("college_platform.settings", None),
    "gateway": ("gateway.settings", ROOT / "gateway" / "config.yaml"),
    **{name: ("%s.settings" % name, ROOT / "services" / name / "config.yaml")
       for name in ("enrollment", "projects", "mentors", "certificates")},
}
# config.yaml keys nameko itself reads (AMQP_URI is also a shared setting)
NAMEKO_OWN = {"WEB_SERVER_ADDRESS", "max_workers", "LOGGING"}
LOOKUP = ROOT / "lib" / "college_platform" / "config.py"
WHOLE_VARIABLE = re.compile(r"^\$\{([A-Z][A-Z0-9_]*)(?::(.*))?\}$", re.S)


def declarations():
    """{component: {key: Setting}}, as each settings module declares them."""
    from college_platform.config import Setting
    found = {}
    for component, (name, _config) in SETTINGS_MODULES.items():
        module = importlib.import_module(name)
        found[component] = {value.key: value for value in vars(module).values()
                            if isinstance(value, Setting)}
    return found


def raw_config(path):
    """A config.yaml as written: every scalar a string, ``${VAR:default}`` unexpanded."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def literal(raw):
    """What nameko makes of a plain config.yaml value."""
    if isinstance(raw, list):
        return [literal(item) for item in raw]
    if isinstance(raw, dict):
        return {key: literal(value) for key, value in raw.items()}
    match = WHOLE_VARIABLE.match(raw)
    if match:  # unset in the environment: its default, as YAML
        return yaml.safe_load(match.group(2) or "")
    return yaml.safe_load(raw)


def variables(raw):
    if isinstance(raw, list):
        return {name for item in raw for name in variables(item)}
    if isinstance(raw, dict):
        return {name for value in raw.values() for name in variables(value)}
    return set(VARIABLE_IN_YAML.findall(raw))


def effective(declared, value):
    """The value a component reads when its config holds ``value``."""
    if declared.empty_is_default and not value:
        value = declared.default
    return declared.convert(value)


def settings_in_configs():
    """[(component, config path, key, Setting, raw value)] for every declared
    setting a config.yaml holds: a component's own in its file, the shared ones
    in every file that holds them."""
    declared = declarations()
    rows = []
    for component, (_name, path) in SETTINGS_MODULES.items():
        if path is None:
            continue
        raw = raw_config(path)
        for key, value in raw.items():
            setting = declared[component].get(key) or declared["platform"].get(key)
            if setting is not None:
                rows.append((component, path, key, setting, value))
    return rows


def readme_section():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("\n## Configuration", 1)[1].split("\n## ", 1)[0]


def test_every_setting_is_declared_in_its_components_settings_module_and_read_through_it():
    from college_platform.config import declared
    in_modules = [setting for by_key in declarations().values() for setting in by_key.values()]
    assert len(in_modules) > 50
    assert sorted(map(repr, declared())) == sorted(map(repr, in_modules))
    for component, (name, _config) in SETTINGS_MODULES.items():
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if value in in_modules:
                assert attribute == value.key, (name, attribute)
    modules = {ROOT / "lib" / "college_platform" / "settings.py",
               ROOT / "gateway" / "gateway" / "settings.py",
               *(ROOT / "services").glob("*/*/settings.py")}
    looked_up, declaring, by_key = [], [], []
    for path in CODE:
        text = path.read_text(encoding="utf-8")
        if path != LOOKUP and re.search(r"(?<![\w.])setting\(|\bconfig\.get\(", text):
            looked_up.append(str(path.relative_to(ROOT)))
        if path not in modules | {LOOKUP} and re.search(r"\b(?:Uri)?Setting\(", text):
            declaring.append(str(path.relative_to(ROOT)))
        if SETTING_IN_CODE.search(text) or re.search(r"""deadline_setting\s*=""", text):
            by_key.append(str(path.relative_to(ROOT)))
    assert looked_up == [], "reads the config itself instead of a settings module"
    assert declaring == [], "declares a setting outside the settings modules"
    assert by_key == [], "names a setting by its key instead of its declaration"


def test_every_declared_setting_can_be_set_in_its_components_config():
    declared = declarations()
    configs = {component: raw_config(path) for component, (_name, path)
               in SETTINGS_MODULES.items() if path is not None}
    unsettable = sorted(
        [key for key in declared["platform"]
         if key not in TEST_ONLY and not any(key in raw for raw in configs.values())]
        + ["%s: %s" % (component, key) for component, raw in configs.items()
           for key in declared[component] if key not in raw])
    assert unsettable == [], "declared but in no config.yaml of the component: %s" % unsettable
    undeclared = sorted("%s: %s" % (component, key) for component, raw in configs.items()
                        for key in raw if key not in NAMEKO_OWN
                        and key not in declared[component] and key not in declared["platform"])
    assert undeclared == [], "in a config.yaml but declared by no settings module: %s" % undeclared


def test_every_variable_a_deployment_sets_is_read_by_its_components_config():
    """A variable the manifest sets and the component's config.yaml never reads
    is ignored in production without a word (the gateway's EVENT_QUEUE_TYPE left
    its queues classic on the three-node cluster)."""
    ignored = []
    for component, (_name, path) in SETTINGS_MODULES.items():
        if path is None:
            continue
        read = variables(raw_config(path))
        for manifest in yaml.safe_load_all(
                (ROOT / "deploy" / "k8s" / ("%s.yaml" % component)).read_text(encoding="utf-8")):
            for container in (((manifest or {}).get("spec") or {}).get("template") or {}).get(
                    "spec", {}).get("containers", []):
                ignored += ["%s: %s" % (component, variable["name"])
                            for variable in container.get("env", [])
                            if variable["name"] not in read]
    assert ignored == [], "set by deploy/k8s but read by no config.yaml: %s" % ignored


def test_the_readme_names_every_declared_setting():
    table, section = readme_table(), readme_section()
    unnamed = set()
    for component, _path, key, _setting, raw in settings_in_configs():
        names = variables(raw)
        if names:  # taken from the environment: the table names the variables
            unnamed |= {"%s (%s)" % (name, key) for name in names - table}
        elif "`%s`" % key not in section:  # fixed in config.yaml: named under the table
            unnamed.add(key)
    assert sorted(unnamed) == [], "declared but not in the README's configuration section"


def test_config_files_state_the_declared_defaults():
    disagree = []
    for component, path, key, setting, raw in settings_in_configs():
        if key == "MONGO_DATABASE":  # unset: the component's own name (database_name)
            if literal(raw) != component:
                disagree.append("%s: %s" % (path.relative_to(ROOT), key))
        elif key == "DOUBLE_QUALIFIED_RULE":  # each part its own default, in the domain
            from mentors.domain import DoubleQualifiedRule
            if DoubleQualifiedRule.from_config(literal(raw)) != \
                    DoubleQualifiedRule.from_config(setting.default):
                disagree.append("%s: %s" % (path.relative_to(ROOT), key))
        elif effective(setting, literal(raw)) != effective(setting, setting.default):
            disagree.append("%s: %s %r, declared %r" % (
                path.relative_to(ROOT), key, literal(raw), setting.default))
    assert disagree == []


def readme_defaults():
    """[(variable, default)] from the table rows whose defaults are plain values,
    one per variable, and the "`NAME` (default N)" under it."""
    stated = []
    for line in readme_section().splitlines():
        if not line.startswith("| `"):
            continue
        cells = line.split("|")
        names = re.findall(r"`([^`]+)`", cells[1])
        values = [value.strip() for value in cells[2].split(",")]
        plain = re.compile(r"^(?:`([^`]*)`|([\w.]+))$")
        if len(values) != len(names) or not all(plain.match(value) for value in values):
            continue
        for name, value in zip(names, values):
            quoted, bare = plain.match(value).groups()
            value = quoted if quoted is not None else \
                None if bare in ("unset", "none") else yaml.safe_load(bare)
            expanded = [service + name[len("<SERVICE>"):] for service in SERVICES] \
                if name.startswith("<SERVICE>_") else [name]
            stated.extend((variable, value) for variable in expanded)
    for name, value in re.findall(r"`([A-Z][A-Z0-9_]*)` \(default ([^)]+)\)", readme_section()):
        stated.append((name, yaml.safe_load(value)))
    return stated


def test_the_readme_states_the_declared_defaults():
    settings_of = {}  # the variable (or, fixed in config.yaml, the key): its settings
    for _component, _path, key, setting, raw in settings_in_configs():
        match = WHOLE_VARIABLE.match(raw) if isinstance(raw, str) else None
        if match:
            settings_of.setdefault(match.group(1), set()).add(setting)
        elif not variables(raw):
            settings_of.setdefault(key, set()).add(setting)
    stated = [(name, value) for name, value in readme_defaults() if name in settings_of]
    assert len(stated) > 30
    disagree = sorted("%s: README %r, declared %r" % (name, value, setting.default)
                      for name, value in stated for setting in settings_of[name]
                      if effective(setting, value) != effective(setting, setting.default))
    assert disagree == []
