"""Running SOQL: `/query` (or `/queryAll`, deleted records too), following `nextRecordsUrl`.

Salesforce answers up to 2,000 records at a time with `done` and, while not done, a
`nextRecordsUrl` (a path, fetched with no parameters). The last page says `done: true` even
when it is full, so a result that ends exactly on a page boundary costs no extra request.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kpiengine import JsonApi, Refused
from kpiengine_salesforce.auth import Session

DATA_PATH = "/services/data/"


def pages(
    api: JsonApi, session: Session, version: str, soql: str, *, deleted: bool = False
) -> Iterator[list[Mapping[str, Any]]]:
    """Every record the query selects, a page at a time; with `deleted`, through `queryAll`."""
    resource = "queryAll" if deleted else "query"
    payload = api.get(f"{session.instance_url}{DATA_PATH}{version}/{resource}", {"q": soql})
    followed: set[str] = set()
    while True:
        records = _records(payload, api.who)
        if records:
            yield records
        if payload.get("done") is not False:
            return
        next_url = _next_url(payload, followed, api.who)
        followed.add(next_url)
        payload = api.get(f"{session.instance_url}{next_url}")


def _records(payload: Any, who: str) -> list[Mapping[str, Any]]:
    records = payload.get("records") if isinstance(payload, Mapping) else None
    if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
        raise Refused(f"{who}: Salesforce's query answer has no list of records")
    return records


def _next_url(payload: Mapping[str, Any], followed: set[str], who: str) -> str:
    next_url = payload.get("nextRecordsUrl")
    # Only a path on the same org is followed, and never twice: no loop, no other host.
    if not isinstance(next_url, str) or not next_url.startswith(DATA_PATH):
        raise Refused(f"{who}: Salesforce's answer is not done but has no nextRecordsUrl")
    if next_url in followed:
        raise Refused(f"{who}: Salesforce's paging did not advance ({next_url})")
    return next_url
