"""An in-memory unit of work, so that a service's workflows are tested with a
fake of its store (``records``) and no database or broker."""
from collections.abc import Iterable, Sequence
from typing import Any


class FakeUnitOfWork:
    """What a workflow sees of ``UnitOfWork``: ``records``, ``emit`` and
    ``count``. The events it emitted are in ``emitted`` as ``(type, data)``."""

    db = None
    session = None

    def __init__(self, records: Any) -> None:
        self.records = records
        self.emitted: list[tuple[str, Any]] = []
        self.counted: list[tuple[str, dict[str, Any]]] = []
        self.causes: list[str] = []  # the events that caused what emit_many announced

    def emit(self, event_type: str, data: Any, schema_version: int = 1) -> None:
        self.emitted.append((event_type, data))

    def emit_many(self, event_type: str, items: Iterable[Any], schema_version: int = 1,
                  caused_by: Sequence[str] | None = None) -> None:
        items = list(items)
        if caused_by is not None:
            if len(caused_by) != len(items):
                raise ValueError("one cause per event")
            self.causes.extend(caused_by)
        self.emitted.extend((event_type, data) for data in items)

    def count(self, name: str, documentation: str, **labels: Any) -> None:
        self.counted.append((name, labels))

    def events(self, event_type: str) -> list[Any]:
        """The data of every emitted event of ``event_type``, in order."""
        return [data for type_, data in self.emitted if type_ == event_type]
