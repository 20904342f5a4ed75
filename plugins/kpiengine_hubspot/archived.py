"""Records archived (deleted) in HubSpot, for incremental refresh (crm-apis.md §3.6).

Search never returns archived records and has no "deleted since" filter, so the archived ones
are listed with `GET /crm/v3/objects/{object}?archived=true` — a full pass over every archived
record, kept to those archived since the last refresh. HubSpot keeps archived records for 90
days; a record deleted for good (a GDPR deletion, or archived longer ago than the last refresh
by more than 90 days) is never listed: `kpiengine run --refresh` fetches everything afresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kpiengine import JsonApi
from kpiengine_hubspot import values
from kpiengine_hubspot.listing import listed

PAGE = 100
"""The list endpoint's documented maximum page size."""


def _archived_since(record: Mapping[str, Any], since_ms: int) -> bool:
    when = record.get("archivedAt")
    if not isinstance(when, str) or not when:
        return True  # no time given: reporting an id that is not in the snapshot is harmless
    try:
        return values.milliseconds(when) >= since_ms
    except (ValueError, OverflowError, OSError):
        return True


def archived_ids(api: JsonApi, object_type: str, since_ms: int) -> frozenset[str]:
    """The ids of records archived at or after `since_ms` (epoch milliseconds)."""
    params = {"archived": "true", "limit": PAGE, "properties": "hs_object_id"}
    found: set[str] = set()
    path = f"/crm/v3/objects/{object_type}"
    for page in listed(api, path, params, "archived records"):
        found.update(str(r.get("id")) for r in page if _archived_since(r, since_ms))
    return frozenset(found)
