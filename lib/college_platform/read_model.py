"""What every service's read-model RPCs share (docs/views.md): the checked
list of ids asked for, lists capped newest first, and additive indicator
facts summed per distinct key."""
from college_platform.errors import InvalidInput

MAX_SUMMARY_IDS = 200
MAX_LIST_ITEMS = 100


def summary_ids(ids, field="ids"):
    """The distinct ids of a ``*_summaries`` call, in the order asked;
    InvalidInput unless a list of at most 200 non-empty strings."""
    if not isinstance(ids, (list, tuple)):
        raise InvalidInput("the ids must be a list", errors={field: ["Expected a list of ids."]})
    if len(ids) > MAX_SUMMARY_IDS:
        raise InvalidInput("too many ids", errors={
            field: ["At most %d ids per call, not %d." % (MAX_SUMMARY_IDS, len(ids))]})
    bad = [i for i, id_ in enumerate(ids) if not isinstance(id_, str) or not id_]
    if bad:
        raise InvalidInput("every id must be a non-empty string", errors={
            field: {str(i): ["Expected a non-empty string."] for i in bad}})
    return list(dict.fromkeys(ids))


def capped(part, name, items, limit=MAX_LIST_ITEMS):
    """Put ``items`` (already newest first) under ``name`` in ``part``, cut at
    ``limit`` with ``<name>_truncated: true`` when cut."""
    part[name] = list(items[:limit])
    if len(items) > limit:
        part["%s_truncated" % name] = True
    return part


class Facts:
    """Indicator facts summed per (metric, term, programme, enterprise, breakdown)."""

    def __init__(self):
        self._sums = {}

    def add(self, metric, value, term=None, programme_id=None, enterprise_id=None,
            breakdown=None):
        key = (metric, term, programme_id, enterprise_id, breakdown)
        self._sums[key] = self._sums.get(key, 0) + value

    def rows(self):
        return [{"metric": metric, "value": _number(value), "term": term,
                 "programme_id": programme_id, "enterprise_id": enterprise_id,
                 "breakdown": breakdown}
                for (metric, term, programme_id, enterprise_id, breakdown), value
                in sorted(self._sums.items(), key=lambda item: tuple(
                    "" if part is None else str(part) for part in item[0]))]


def _number(value):
    return round(value, 4) if isinstance(value, float) else value
