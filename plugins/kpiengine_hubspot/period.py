"""The run's period as search filters: a record dated in the period by any date it is read by.

Each date property the ruleset reads (closed_on → closedate, created_on → createdate, …) gives
one filter group `start ≤ value < end`; the groups are OR'ed, so a deal created in the period or
closed in it comes back, and the engine keeps for each rule the records its own date puts in
the period. Bounds are local midnight in the source's time zone (UTC midnight for a date-only
property, which HubSpot stores at UTC midnight), as epoch milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, tzinfo

from kpiengine_hubspot.search import Filter, flt


def bound(day: date, zone: tzinfo) -> str:
    """Midnight at the start of `day` in `zone`, as epoch milliseconds."""
    return str(int(datetime.combine(day, time(), zone).timestamp() * 1000))


def _group(prop: str, zone: tzinfo, start: date | None, end: date | None) -> tuple[Filter, ...]:
    filters = []
    if start is not None:
        filters.append(flt(prop, "GTE", bound(start, zone)))
    if end is not None:
        filters.append(flt(prop, "LT", bound(end, zone)))
    return tuple(filters)


def period_groups(
    dated: Sequence[tuple[str, tzinfo]], start: date | None, end: date | None
) -> tuple[tuple[Filter, ...], ...]:
    """One filter group per (property, zone); a single empty group when nothing narrows."""
    if not dated or (start is None and end is None):
        return ((),)
    unique = dict.fromkeys(dated)
    return tuple(_group(prop, zone, start, end) for prop, zone in unique)
