"""Incremental refresh: bring a cached snapshot up to date with what changed at the vendor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from kpiengine.data.cache import Fetched
from kpiengine.data.incremental import merge
from kpiengine.source import FetchRequest, Source

CLOCK_SKEW = timedelta(minutes=5)
"""Ask for changes from a little before the last fetch began: merging by id makes the overlap
harmless, and a vendor clock a few minutes behind ours loses nothing."""


def watermark_now() -> datetime:
    return datetime.now(UTC) - CLOCK_SKEW


def with_id(source: Source, request: FetchRequest) -> FetchRequest:
    """The request, also asking for the id column so later changes can be merged by id."""
    if source.id_column is None or source.id_column in request.columns:
        return request
    return replace(request, columns={**request.columns, source.id_column: "string"})


def updater(source: Source, request: FetchRequest) -> Callable[[Fetched], Fetched | None] | None:
    """How to update a cached fetch of `source`, or None when it cannot tell what changed."""
    id_column = source.id_column
    if id_column is None:
        return None

    def update(cached: Fetched) -> Fetched | None:
        if cached.watermark is None:
            return None
        started = watermark_now()
        changes = source.fetch_changes(request, cached.watermark)
        if changes is None:
            return None
        table = merge(cached.table, changes, id_column, request.source_id)
        note = (
            f"source '{request.source_id}': {changes.upserts.num_rows} records changed and "
            f"{len(changes.deleted)} removed since {cached.watermark:%Y-%m-%d %H:%M} UTC, "
            "merged into the cached ones (--refresh fetches everything again)"
        )
        return Fetched(table, tuple(source.notes), changes.watermark or started, (note,))

    return update
