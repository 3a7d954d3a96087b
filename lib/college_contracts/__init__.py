"""The event contracts between the services.

Each publishing service owns one module here: the types it publishes, their
schema version and the marshmallow schema of their ``data``. Publishers check
what they emit with ``checked``; consumers read with ``read`` and ignore
fields they do not know, so a publisher may add fields without breaking
anyone (removing or changing one needs a new ``schema_version``).
"""
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from marshmallow import Schema, ValidationError

from college_contracts import certificates, enrollment, mentors, projects
from college_platform.errors import PermanentEventError

CONTRACTS = {
    "enrollment": enrollment.EVENTS,
    "projects": projects.EVENTS,
    "mentors": mentors.EVENTS,
    "certificates": certificates.EVENTS,
}


Data = TypeVar("Data", bound=Mapping[str, Any])


class Emits(Protocol):
    """What ``emit`` needs of a unit of work (``UnitOfWork``, ``FakeUnitOfWork``)."""

    def emit(self, event_type: str, data: Any, schema_version: int = 1) -> Any: ...


# a service's emit(uow, event_type, data)
Emit = Callable[[Emits, str, Mapping[str, Any]], None]


class ContractViolation(Exception):
    """A publisher tried to emit data its own contract does not allow (a bug)."""


def schema_for(source: str, event_type: str) -> Schema:
    try:
        return CONTRACTS[source][event_type]()
    except KeyError:
        raise KeyError("no contract for %s events of type %s" % (source, event_type))


def checked(source: str, event_type: str, data: Data) -> Data:
    """``data`` unchanged if it honours the contract, else ContractViolation."""
    return checked_all(source, event_type, [data])[0]


def checked_all(source: str, event_type: str, items: Sequence[Data]) -> list[Data]:
    """``checked`` for many events of one type, with one schema for them all
    (building a schema costs more than loading one event with it)."""
    schema = schema_for(source, event_type)
    for data in items:
        try:
            schema.load(data)
        except ValidationError as exc:
            raise ContractViolation("%s.%s: %s" % (source, event_type, exc.messages))
    return list(items)


def emitter(source: str) -> Emit:
    """The ``emit(uow, event_type, data)`` of the service ``source``: each event
    checked against its contract before it joins the unit of work's outbox."""
    def emit(uow: Emits, event_type: str, data: Mapping[str, Any]) -> None:
        uow.emit(event_type, checked(source, event_type, data))
    return emit


def read(event: Mapping[str, Any]) -> Any:
    """The envelope's ``data`` loaded with its contract; data that breaks the
    contract can never be handled, so it is a permanent error (dead letter)."""
    try:
        return schema_for(event["source"], event["type"]).load(event["data"])
    except KeyError as exc:
        raise PermanentEventError(str(exc))
    except ValidationError as exc:
        raise PermanentEventError("invalid %s data: %s" % (event["type"], exc.messages))
