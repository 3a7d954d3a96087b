"""The projects service's entrypoints by sub-domain, one mixin class per
module, combined in ``projects.service.ProjectsService`` (as the gateway's
routes are combined in ``gateway.api``). Each entrypoint loads its input with
the declared schema, runs a workflow in the unit of work
(``self.store.transact``) and dumps the answer with the declared schema; list
pages and read models read through ``self.store.reading().records``, the records
outside a transaction."""
from projects import settings


def grace_days():
    return settings.CHECKIN_GRACE_DAYS()


def paged(store, collection, criteria, params, view):
    """A list page of ``collection`` with its items dumped through ``view``."""
    result = store.reading().records.page(collection, criteria, params)
    result["items"] = view.dump(result["items"], many=True)
    return result
