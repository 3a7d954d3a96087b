"""An in-memory unit of work, so that a service's workflows are tested with a
fake of its store (``records``) and no database or broker."""


class FakeUnitOfWork:
    """What a workflow sees of ``UnitOfWork``: ``records``, ``emit`` and
    ``count``. The events it emitted are in ``emitted`` as ``(type, data)``."""

    db = None
    session = None

    def __init__(self, records):
        self.records = records
        self.emitted = []
        self.counted = []

    def emit(self, event_type, data, schema_version=1):
        self.emitted.append((event_type, data))

    def emit_many(self, event_type, items, schema_version=1):
        self.emitted.extend((event_type, data) for data in items)

    def count(self, name, documentation, **labels):
        self.counted.append((name, labels))

    def events(self, event_type):
        """The data of every emitted event of ``event_type``, in order."""
        return [data for type_, data in self.emitted if type_ == event_type]
