"""Validation of the published AsyncAPI documents (the inbound and outbound
contracts) against the AsyncAPI 3.0 schema that `make install` fetches."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ASYNCAPI_SCHEMA = (ROOT / "tools/asyncapi/node_modules/@asyncapi/specs/schemas"
                   / "3.0.0-without-$id.json")


def validate(path):
    """check-jsonschema's run on the document at ``path``: returncode 0 when valid."""
    assert ASYNCAPI_SCHEMA.exists(), "the AsyncAPI schemas are missing: run make install"
    return subprocess.run(
        [str(Path(sys.executable).parent / "check-jsonschema"), "--schemafile",
         str(ASYNCAPI_SCHEMA), str(path)], capture_output=True, text=True, timeout=120)
