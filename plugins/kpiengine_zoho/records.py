"""Get Records: `GET /crm/{version}/{module}` with `fields`, 200 a page, `page_token` after 2,000.

`page` with `per_page=200` reaches only the first 2,000 records (pages 1–10); past them Zoho wants
the `page_token` its previous answer named in `info.next_page_token` (it is bound to the other
parameters, so they stay the same). HTTP 204 with no body means there are no records (§4.2).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from kpiengine import Refused
from kpiengine_zoho.connection import Crm
from kpiengine_zoho.pages import Record, modified_since_header, more_records, page_of

PER_PAGE = 200
DISCRETE_LIMIT = 2000
"""The records `page`/`per_page` can reach; past them only `page_token` works."""
MAX_PAGES = 100_000 // PER_PAGE + 1
"""Zoho lists at most 100,000 records this way: a bound on the paging loop."""


def _next_token(info: Mapping[str, Any], previous: str | None, who: str) -> str:
    token = info.get("next_page_token")
    # A token that is missing or does not move would page forever: stop instead.
    if not isinstance(token, str) or not token or token == previous:
        raise Refused(f"{who}: Zoho CRM said more records follow but named no new page_token")
    return token


def record_pages(
    crm: Crm,
    fields: Sequence[str],
    *,
    since: datetime | None = None,
    sort_by: str = "id",
) -> Iterator[list[Record]]:
    """Every record (of `fields`; modified after `since` if given), a page at a time."""
    base = {
        "fields": ",".join(fields) or "id",
        "per_page": PER_PAGE,
        "sort_by": sort_by,
        "sort_order": "asc",
    }
    headers = modified_since_header(since) if since is not None else None
    page, token = 1, None
    for _ in range(MAX_PAGES):
        params = {**base, "page_token": token} if token else {**base, "page": page}
        payload = crm.api.get(crm.records_path, params, headers=headers)
        if payload is None:  # HTTP 204: no (more) records
            return
        records, info = page_of(payload, crm.who)
        if records:
            yield records
        if not more_records(info):
            return
        if token is None and page * PER_PAGE < DISCRETE_LIMIT:
            page += 1
        else:
            token = _next_token(info, token, crm.who)
    raise Refused(f"{crm.who}: Zoho CRM kept paging past 100,000 records")
