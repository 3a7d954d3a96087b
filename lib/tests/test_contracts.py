import pytest

from college_contracts import CONTRACTS, ContractViolation, checked, read
from college_platform.envelope import new_event
from college_platform.errors import PermanentEventError

PARTNER = {"partner_id": "p1", "legal_name": "Acme", "credit_code": "91350100M000100Y43",
           "industry": "robots"}


def test_a_publisher_cannot_emit_data_its_contract_refuses():
    assert checked("enrollment", "partner_registered", PARTNER) is PARTNER
    with pytest.raises(ContractViolation, match="partner_id"):
        checked("enrollment", "partner_registered", {**PARTNER, "partner_id": None})


def test_a_consumer_ignores_fields_it_does_not_know():
    event = new_event("partner_registered", "enrollment", {**PARTNER, "added_later": 1})
    assert read(event) == PARTNER


def test_data_breaking_the_contract_is_a_permanent_error():
    with pytest.raises(PermanentEventError, match="legal_name"):
        read(new_event("partner_registered", "enrollment", {"partner_id": "p1"}))


def test_an_event_without_a_contract_is_a_permanent_error():
    with pytest.raises(PermanentEventError, match="no contract"):
        read(new_event("partner_vanished", "enrollment", {}))


def test_event_types_are_past_tense_snake_case():
    for events in CONTRACTS.values():
        for event_type in events:
            assert event_type == event_type.lower() and " " not in event_type
