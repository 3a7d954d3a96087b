"""A service's store over a client of the caller's, without a container: what
its entrypoints send the database can then be counted (a pymongo
``CommandListener`` on the client) and timed with nothing else running."""
from types import SimpleNamespace

from pymongo import monitoring

from college_platform.mongo import MongoStore, Store


def store_on(client, database, declared, source):
    """``declared`` (a service class's ``MongoStore``) over ``client[database]``:
    its indexes created and its start-up steps run, no outbox relay (what is
    committed stays pending), no metrics."""
    provider = MongoStore(indexes=declared.indexes, prepare=declared.prepare,
                          records=declared.records)
    provider.container = SimpleNamespace(dependencies=[])
    provider.client = client
    provider.db = client[database]
    provider.source = source
    provider.relay_enabled = False
    provider.claimed_for = None
    provider.duplicates_absorbed = 0
    provider.start()  # its indexes and start-up steps, as in a container (the relay off)
    return Store(provider, "%s.test" % source)


class Statements(monitoring.CommandListener):
    """The commands a client sends: ``(name, collection)``, the collection
    None for a command on none (``commitTransaction``)."""

    def __init__(self):
        self.sent = []

    def started(self, event):
        target = event.command.get(event.command_name)
        self.sent.append((event.command_name, target if isinstance(target, str) else None))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass

    def during(self, work):
        """What ``work()`` sends; its result is dropped."""
        start = len(self.sent)
        work()
        return self.sent[start:]
