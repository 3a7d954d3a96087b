"""The rules every service follows when it answers the read-model RPCs
(docs/views.md): the asked ids, capped lists, additive indicator facts and
when a part changes with time alone."""
from collections.abc import Iterable, MutableMapping
from datetime import date, datetime, time
from typing import Any, TypeVar

from college_platform.errors import InvalidInput

MAX_SUMMARY_IDS = 200
MAX_PART_ITEMS = 100

Part = TypeVar("Part", bound=MutableMapping[str, Any])


def summary_ids(ids: object, field: str = "ids") -> list[str]:
    """The distinct ids of one ``*_summaries`` call, in the order asked;
    InvalidInput when it is not a list of at most 200 non-empty strings."""
    if not isinstance(ids, (list, tuple)):
        raise InvalidInput("give a list of ids", errors={field: ["Expected a list of ids."]})
    bad = {position: ["Expected a non-empty id."] for position, value in enumerate(ids)
           if not isinstance(value, str) or not value or len(value) > 200}
    if bad:
        raise InvalidInput("the ids are not valid", errors={field: bad})
    distinct = list(dict.fromkeys(ids))
    if len(distinct) > MAX_SUMMARY_IDS:
        raise InvalidInput("too many ids", errors={field: [
            "At most %d ids per call, got %d." % (MAX_SUMMARY_IDS, len(distinct))]})
    return distinct


def put_capped(part: Part, name: str, items: Iterable[Any], cap: int = MAX_PART_ITEMS) -> Part:
    """``part[name]`` = the first ``cap`` items (already newest first), with
    ``<name>_truncated: true`` when some were cut."""
    items = list(items)
    part[name] = items[:cap]
    if len(items) > cap:
        part[name + "_truncated"] = True
    return part


def say_when_it_changes(part: Part, now: datetime) -> Part:
    """Turn a part's ``changes_on`` (the first day, on the service's clock, it
    changes with time alone) into ``changes_in_seconds`` from ``now``: the
    gateway reads the part again then, whatever its own clock says."""
    day = part.pop("changes_on", None)
    if day is not None:
        start = datetime.combine(date.fromisoformat(str(day)), time(), tzinfo=now.tzinfo)
        part["changes_in_seconds"] = max(0.0, round((start - now).total_seconds(), 1))
    return part


class Facts:
    """Indicator facts summed per distinct (metric, term, programme,
    enterprise, breakdown), as the dashboard reads them."""

    def __init__(self) -> None:
        self._sums: dict[tuple[str, str | None, str | None, str | None, str | None], float] = {}

    def add(self, metric: str, value: float = 1, term: str | None = None,
            programme_id: str | None = None, enterprise_id: str | None = None,
            breakdown: str | None = None) -> None:
        key = (metric, term, programme_id, enterprise_id, breakdown)
        self._sums[key] = self._sums.get(key, 0) + value

    def rows(self) -> list[dict[str, Any]]:
        keys = sorted(self._sums, key=lambda key: tuple("" if v is None else v for v in key))
        return [{"metric": metric, "value": self._sums[key], "term": term,
                 "programme_id": programme_id, "enterprise_id": enterprise_id,
                 "breakdown": breakdown}
                for key in keys for metric, term, programme_id, enterprise_id, breakdown in [key]]
