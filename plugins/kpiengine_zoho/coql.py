"""COQL: `POST /crm/{version}/coql` — the one documented way to filter records by date (§4.3).

v7 and v8 return up to 2,000 rows a call and reach 100,000 through LIMIT/OFFSET; v6, 200 and
10,000. Rows come in id order, so the pages do not overlap. Lookups come back as `{id}` only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from kpiengine import Refused
from kpiengine_zoho.connection import Crm
from kpiengine_zoho.pages import Record, more_records, page_of

LIMITS = {"v6": (200, 10_000), "v7": (2000, 100_000), "v8": (2000, 100_000)}
"""Rows per call, and the most rows LIMIT/OFFSET reaches, per API version."""


def select_query(module: str, fields: Sequence[str], criteria: str, limit: int, offset: int) -> str:
    """`select id, … from Deals where … order by id asc limit 2000 offset 0`."""
    selected = ", ".join(dict.fromkeys(["id", *fields]))
    return (
        f"select {selected} from {module} where {criteria} "
        f"order by id asc limit {limit} offset {offset}"
    )


def query_pages(crm: Crm, fields: Sequence[str], criteria: str) -> Iterator[list[Record]]:
    """Every record matching `criteria`, a page at a time."""
    limit, reach = LIMITS[crm.settings.api_version]
    for offset in range(0, reach, limit):
        query = select_query(crm.settings.module, fields, criteria, limit, offset)
        payload = crm.api.post(crm.coql_path, {"select_query": query})
        if payload is None:  # HTTP 204: no (more) records
            return
        records, info = page_of(payload, crm.who)
        if records:
            yield records
        if not more_records(info):
            return
    raise Refused(
        f"{crm.who}: the run's periods hold more than {reach:,} Zoho records, more than a "
        "Zoho query can list — run fewer periods at a time (--period)"
    )
