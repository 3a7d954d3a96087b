"""The mentors service's entrypoints by sub-domain, one mixin class per
module, combined in ``mentors.service.MentorsService`` (which gives them
``store``, ``clock``, ``rule`` and ``records``, the records outside any
transaction). Each entrypoint loads its input with the declared schema, runs a
use case of ``mentors.workflows`` (in a unit of work, ``self.store.transact``,
when it writes; on ``self.records`` when it only reads) and dumps the answer
with the declared response schema."""


def dumped_page(result, view):
    """A page of stored documents with its items dumped through ``view``."""
    return {**result, "items": view.dump(result["items"], many=True)}
