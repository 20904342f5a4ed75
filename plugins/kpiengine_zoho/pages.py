"""One page of a Zoho answer: the `data` records and the `info` about what follows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from kpiengine import Refused

Record = Mapping[str, Any]


def page_of(payload: Any, who: str) -> tuple[list[Record], Mapping[str, Any]]:
    """The records and the `info` of a page (a missing `info` means nothing more follows)."""
    data = payload.get("data") if isinstance(payload, Mapping) else None
    if not isinstance(data, list) or not all(isinstance(r, Mapping) for r in data):
        raise Refused(f"{who}: Zoho CRM's answer has no list of records (`data`)")
    info = payload.get("info")
    return data, info if isinstance(info, Mapping) else {}


def more_records(info: Mapping[str, Any]) -> bool:
    return info.get("more_records") is True


def modified_since_header(since: datetime) -> dict[str, str]:
    """`If-Modified-Since: 2025-03-31T10:29:59+00:00`, a second early so that a change made in
    the same second as the last one seen is not missed (merging by id drops the overlap)."""
    moment = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    early = (moment.astimezone(UTC) - timedelta(seconds=1)).replace(microsecond=0)
    return {"If-Modified-Since": early.isoformat()}
