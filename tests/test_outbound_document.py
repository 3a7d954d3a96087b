"""The published AsyncAPI document of the outbound contract is valid AsyncAPI
3.0 and says what the platform sends: exactly its public types, each example
a CloudEvent its schema and the code's public schema both accept unchanged."""
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from college_contracts import outbound
from testkit.asyncapi import validate

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs/outbound/asyncapi.yaml"


@pytest.fixture(scope="module")
def document():
    return yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))


def test_the_document_is_valid_asyncapi_3():
    result = validate(DOCUMENT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validation_would_catch_a_broken_document(tmp_path, document):
    broken = {**document, "channels": {**document["channels"], "queue": {
        **document["channels"]["queue"], "address": 42}}}
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(broken, allow_unicode=True))
    assert validate(tmp_path / "broken.yaml").returncode != 0


def test_the_document_lists_exactly_the_types_the_platform_sends(document):
    documented = {message["name"] for message in document["components"]["messages"].values()}
    assert documented == set(outbound.EVENT_TYPES)
    for channel in document["channels"].values():
        assert len(channel["messages"]) == len(outbound.EVENT_TYPES)


def test_each_type_documents_exactly_the_fields_the_code_sends(document):
    schemas = document["components"]["schemas"]
    for message in document["components"]["messages"].values():
        data_ref = message["payload"]["allOf"][1]["properties"]["data"]["$ref"]
        documented = schemas[data_ref.split("/")[-1]]
        schema, _ = outbound.TYPES[message["name"]]
        assert set(documented["properties"]) == set(schema().fields), message["name"]
        assert set(documented["required"]) == {
            name for name, field in schema().fields.items() if field.required}


def payload_schema(document, message):
    schema = {"definitions": document["components"]["schemas"], **message["payload"]}
    return json.loads(json.dumps(schema).replace("#/components/schemas/", "#/definitions/"))


def test_every_example_is_valid_and_is_what_the_code_would_send(document):
    for message in document["components"]["messages"].values():
        for example in message["examples"]:
            event = example["payload"]
            jsonschema.validate(event, payload_schema(document, message))
            assert event["type"] == message["name"] and event["source"] == outbound.SOURCE
            assert outbound.public_data(event["type"], event["data"]) == event["data"]
            _, subject = outbound.TYPES[event["type"]]
            assert event["subject"] == event["data"][subject]
