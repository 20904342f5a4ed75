"""The search endpoint, paged past its 10,000-result cap (crm-apis.md §3.3, §3.6).

One query pages by `after` (an offset) up to 200 records at a time, sorted ascending on one
datetime property. HubSpot answers HTTP 400 past 10,000 results, so before the next page would
cross that, a new query starts from the last value seen (`GTE` it); the records sharing that
value come again, and the reader keeps one row per id.

An offset counts positions in results that may change while they are read: a record that is
archived, or (sorted by modification time) modified, leaves its place and every later record
moves up one — the record on the page boundary would be skipped. So each page after the first
starts on the previous page's last record: finding another record there means the results
moved, and a new query starts from the last value seen, as at the cap.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from kpiengine import JsonApi, Refused
from kpiengine_hubspot import values
from kpiengine_hubspot.listing import next_after, results

LIMIT = 200
"""The most records a search page may hold."""
CAP = 10_000
"""The most results one search query reaches through `after`."""
MAX_QUERIES = 10_000
"""A bound on restarts (100 million records): a server that never runs dry stops."""
MAX_STALLS = 5
"""New queries in a row that may start from the same value when records keep moving."""
MAX_GROUPS, MAX_GROUP_FILTERS, MAX_FILTERS = 5, 6, 18
"""The strictest published search limits: filter groups, filters in a group, filters in all."""

Filter = Mapping[str, str]
Record = Mapping[str, Any]


def flt(prop: str, operator: str, value: str) -> Filter:
    return {"propertyName": prop, "operator": operator, "value": value}


@dataclass(frozen=True)
class Query:
    """A search: groups OR'ed (each a list of filters AND'ed), `common` filters in every group,
    sorted ascending on `sort` (a datetime property) from `since` (epoch ms) on."""

    object_type: str
    properties: tuple[str, ...]
    sort: str
    groups: tuple[tuple[Filter, ...], ...] = ((),)
    common: tuple[Filter, ...] = ()
    since: int | None = None

    @property
    def path(self) -> str:
        return f"/crm/v3/objects/{self.object_type}/search"

    def fits(self) -> bool:
        """Whether the query, with a restart's cursor filter, stays within HubSpot's limits."""
        sizes = [len(g) + len(self.common) + 1 for g in self.groups]
        return (
            len(sizes) <= MAX_GROUPS
            and max(sizes) <= MAX_GROUP_FILTERS
            and sum(sizes) <= MAX_FILTERS
        )

    def body(self, cursor: int | None, after: int) -> dict[str, Any]:
        """The request body of the page at offset `after`, for records from `cursor` on."""
        start = (flt(self.sort, "GTE", str(cursor)),) if cursor is not None else ()
        groups = [list(g) + list(self.common) + list(start) for g in self.groups]
        return {
            "filterGroups": [{"filters": g} for g in groups if g],
            "sorts": [{"propertyName": self.sort, "direction": "ASCENDING"}],
            "properties": list(self.properties),
            "limit": LIMIT,
            "after": str(after),
        }


def sort_value(record: Record, prop: str, who: str) -> int | None:
    """The record's datetime property `prop` as epoch milliseconds; None when it is empty."""
    props = record.get("properties")
    text = props.get(prop) if isinstance(props, Mapping) else None
    if not isinstance(text, str) or not text:
        return None
    try:
        return values.milliseconds(text)
    except (ValueError, OverflowError, OSError):
        raise Refused(f"{who}: record {record.get('id')} has '{text}' in {prop}") from None


Stop = Literal["done", "capped", "moved"]


def _one_query(
    api: JsonApi, query: Query, cursor: int | None, cap: int
) -> Generator[Sequence[Record], None, tuple[Stop, int | None]]:
    """The pages of one query from `cursor`; returns why it stopped and the last sort value."""
    after, last, last_id = 0, None, None
    while True:
        payload = api.post(query.path, query.body(cursor, after), kind="search")
        found = results(payload, api.who, "records")
        if last_id is not None and (not found or str(found[0].get("id")) != last_id):
            return "moved", last
        page = found[1:] if last_id is not None else found
        if page:
            last, last_id = sort_value(page[-1], query.sort, api.who), str(page[-1].get("id"))
        yield page
        if next_after(payload) is None:
            return "done", last
        # The next page starts on this one's last record (see the module's docstring).
        if len(found) < 2:
            raise Refused(f"{api.who}: HubSpot's search paging did not advance (after {after})")
        after += len(found) - 1
        if after + LIMIT > cap:
            return "capped", last


def search(api: JsonApi, query: Query, cap: int = CAP) -> Iterator[Sequence[Record]]:
    """Every page of records matching `query`, in a new query at the cap or when they moved."""
    cursor, stalls = query.since, 0
    for _ in range(MAX_QUERIES):
        stop, last = yield from _one_query(api, query, cursor, cap)
        if stop == "done":
            return
        moved_on = last is not None and (cursor is None or last > cursor)
        stalls = 0 if moved_on else stalls + 1
        if not moved_on and (stop == "capped" or stalls > MAX_STALLS):
            raise _stuck(stop, query, api.who, cap)
        cursor = last if moved_on else cursor
    raise Refused(f"{api.who}: HubSpot's search kept returning records past {MAX_QUERIES} queries")


def _stuck(stop: Stop, query: Query, who: str, cap: int) -> Refused:
    if stop == "capped":
        return Refused(
            f"{who}: more than {cap:,} HubSpot records share one {query.sort} value, which "
            "HubSpot's search cannot page past — narrow the source with the option pipeline"
        )
    return Refused(
        f"{who}: HubSpot's records kept changing while they were read; try again in a while"
    )
