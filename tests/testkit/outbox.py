"""What a service's outbox announced, whichever shape its records have
(one event, or several announced together: ``college_platform.outbox``)."""
from college_platform.outbox import events_of


def announced(outbox, event_type):
    """The events of ``event_type`` in ``outbox`` (a collection), in record order."""
    records = outbox.find({"$or": [{"event.type": event_type}, {"events.type": event_type}]})
    return [event for record in records.sort("_id", 1) for event in events_of(record)
            if event["type"] == event_type]
