"""The published AsyncAPI document of the inbound contract is valid AsyncAPI
3.0 and says what the code accepts."""
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from college_contracts.inbound import TYPES, parse
from testkit.asyncapi import validate

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs/inbound/asyncapi.yaml"
EXAMPLES = sorted((ROOT / "docs/inbound/examples").glob("*.json"))


@pytest.fixture(scope="module")
def document():
    return yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))


def test_the_document_is_valid_asyncapi_3():
    result = validate(DOCUMENT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validation_would_catch_a_broken_document(tmp_path, document):
    broken = dict(document)
    del broken["info"]
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(broken, allow_unicode=True))
    assert validate(tmp_path / "broken.yaml").returncode != 0


def test_the_document_lists_exactly_the_types_the_code_accepts(document):
    documented = {message["name"] for message in document["components"]["messages"].values()}
    assert {"edu.college." + name for name in documented} == set(TYPES)


def payload_schema(document, message):
    """The message's payload as one JSON Schema (the document's refs resolved)."""
    schema = {"definitions": document["components"]["schemas"], **message["payload"]}
    return json.loads(json.dumps(schema).replace("#/components/schemas/", "#/definitions/"))


def test_every_documented_example_is_accepted_by_the_code_and_its_schema(document):
    for message in document["components"]["messages"].values():
        for example in message["examples"]:
            event = example["payload"]
            jsonschema.validate(event, payload_schema(document, message))
            enterprise = event["source"].split("/")[-1]
            accepted = parse(json.dumps(event).encode(), "enterprise-" + enterprise)
            assert accepted["type"] == event["type"] == "edu.college." + message["name"]


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_every_example_file_is_the_documents_example(path, document):
    event = json.loads(path.read_text(encoding="utf-8"))
    documented = [example["payload"] for message in document["components"]["messages"].values()
                  for example in message["examples"]]
    assert event in documented
