"""Paging through HubSpot's GET list endpoints (owners, archived records) by `after` cursor."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kpiengine import JsonApi, Refused

MAX_PAGES = 100_000
"""A bound on any listing (10 million records at 100 a page): a server that pages forever stops."""


def results(payload: Any, who: str, what: str) -> list[Mapping[str, Any]]:
    """The `results` list of an answer, each a mapping; `Refused` naming `what` otherwise."""
    found = payload.get("results") if isinstance(payload, Mapping) else None
    if not isinstance(found, list) or not all(isinstance(r, Mapping) for r in found):
        raise Refused(f"{who}: HubSpot's answer about {what} has no list of `results`")
    return found


def next_after(payload: Any) -> str | None:
    """The cursor of the next page (`paging.next.after`); None on the last page."""
    paging = payload.get("paging") if isinstance(payload, Mapping) else None
    following = paging.get("next") if isinstance(paging, Mapping) else None
    after = following.get("after") if isinstance(following, Mapping) else None
    return None if after is None or after == "" else str(after)


def listed(
    api: JsonApi, path: str, params: Mapping[str, Any], what: str
) -> Iterator[list[Mapping[str, Any]]]:
    """Every page of a list endpoint, following `paging.next.after` until it is absent."""
    after: str | None = None
    for _ in range(MAX_PAGES):
        payload = api.get(path, {**params, "after": after})
        yield results(payload, api.who, what)
        following = next_after(payload)
        if following is None:
            return
        if following == after:  # a cursor that does not move would page forever
            raise Refused(f"{api.who}: HubSpot's paging of {what} did not advance")
        after = following
    raise Refused(f"{api.who}: HubSpot kept paging {what} past {MAX_PAGES:,} pages")
