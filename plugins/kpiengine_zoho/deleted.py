"""Deleted records: `GET /crm/{version}/{module}/deleted?type=all`, since the last refresh."""

from __future__ import annotations

from datetime import UTC, datetime

from kpiengine_zoho import values
from kpiengine_zoho.connection import Crm
from kpiengine_zoho.pages import Record, modified_since_header, more_records, page_of

PER_PAGE = 200
MAX_PAGES = 500
"""A bound on the paging loop (100,000 deletions)."""


def _when(item: Record) -> datetime | None:
    """When the record was deleted; None when Zoho does not say (it is then counted as new)."""
    raw = item.get("deleted_time")
    try:
        return values.moment(raw) if isinstance(raw, str) and raw else None
    except ValueError:
        return None


def deleted_since(crm: Crm, since: datetime) -> tuple[frozenset[str], datetime | None]:
    """Ids of the records deleted (to the recycle bin or for good) since `since`, and the latest
    deletion time among them."""
    since = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    headers = modified_since_header(since)
    ids: set[str] = set()
    times: list[datetime] = []
    for page in range(1, MAX_PAGES + 1):
        params = {"type": "all", "page": page, "per_page": PER_PAGE}
        payload = crm.api.get(crm.deleted_path, params, headers=headers)
        if payload is None:  # HTTP 204: nothing deleted
            break
        items, info = page_of(payload, crm.who)
        for item in items:
            when = _when(item)
            # The header is a second early (see `modified_since_header`): drop what is older.
            if item.get("id") and (when is None or when >= since):
                ids.add(str(item["id"]))
                times += [when] if when is not None else []
        if not more_records(info):
            break
    return frozenset(ids), max(times, default=None)
