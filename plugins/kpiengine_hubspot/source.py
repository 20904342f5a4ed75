"""The hubspot source: CRM records through the search API, period pushed down, owners and
stages looked up, and incremental refresh on the modification time."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pyarrow as pa

from kpiengine import Changes, FetchRequest, FieldType, JsonApi, Progress, RetryPolicy
from kpiengine.connectors import ApiSource, option_zone
from kpiengine_hubspot.archived import archived_ids
from kpiengine_hubspot.connection import RATES, RETRY, object_type, open_api
from kpiengine_hubspot.fields import (
    CREATED,
    ENGINE_FIELDS,
    ENGINE_TYPES,
    PIPELINE,
    Column,
    modified_property,
    plan_columns,
    properties_of,
)
from kpiengine_hubspot.options import DEFAULT_OWNER_KEY, DEFAULT_TIMEZONE, SOURCE_OPTIONS
from kpiengine_hubspot.owners import load_owners
from kpiengine_hubspot.period import period_groups
from kpiengine_hubspot.pipelines import load_pipelines
from kpiengine_hubspot.properties import check_names, load_properties
from kpiengine_hubspot.search import CAP, Query, Record, flt, search, sort_value
from kpiengine_hubspot.table import Collector, Lookups

LOOKBACK = timedelta(minutes=5)
"""An incremental refresh asks again for this much before its watermark: HubSpot's search index
shows a change moments after it is made, so one made just before the last refresh may have been
missing from it. Records seen twice are merged by id."""


@dataclass(frozen=True)
class Plan:
    """What a fetch reads: the columns, the lookups they need, the pipeline id to keep."""

    object_type: str
    columns: list[Column]
    lookups: Lookups
    pipeline: str | None


class HubSpotSource(ApiSource):
    """The records of a HubSpot CRM object (deals by default), through the CRM API v3.

    Engine fields (id, name, owner, amount, currency, stage, won, created_on, closed_on,
    modified_at) are read from their deal properties; any other column the ruleset asks for is a
    property's internal name. Nothing is fetched before `fetch`: validating a ruleset needs no
    network.
    """

    name: ClassVar[str] = "hubspot"
    options_schema: ClassVar[dict[str, Any]] = SOURCE_OPTIONS
    id_column: ClassVar[str | None] = "id"
    fields_complete: ClassVar[bool] = False
    retry_policy: ClassVar[RetryPolicy] = RETRY
    rate_limits: ClassVar[Mapping[str, float]] = RATES
    """Calls a second per kind ("read", "search"); tests raise them."""
    search_cap: ClassVar[int] = CAP
    """Results one search query reaches; tests may lower it to match a mock's."""

    def fields(self) -> Mapping[str, FieldType] | None:
        """The engine fields (no network); checks `timezone`."""
        with self.guarded():
            option_zone(self.options, DEFAULT_TIMEZONE, self.who)
        return dict(ENGINE_TYPES)

    def fetch(self, request: FetchRequest) -> pa.Table:
        """The requested columns of every record dated in the run's periods (see `period`)."""
        with self.guarded():
            return self._fetch(request)

    def fetch_changes(self, request: FetchRequest, since: datetime) -> Changes:
        """Records modified since `since` (all dates: the engine filters again), and the ids of
        records archived since then or moved out of the `pipeline`."""
        with self.guarded():
            return self._changes(request, since)

    # -- plumbing ------------------------------------------------------------------------------

    def _api(self) -> AbstractContextManager[JsonApi]:
        return open_api(self.options, self.caller(), self.rate_limits)

    def _plan(self, api: JsonApi, request: FetchRequest) -> Plan:
        kind = object_type(self.options)
        wanted = dict(request.columns) or dict(ENGINE_TYPES)
        zone = option_zone(self.options, DEFAULT_TIMEZONE, self.who)
        own = [name for name in wanted if name not in ENGINE_FIELDS]
        types = load_properties(api, kind) if own else {}
        check_names(own, types, self.who, f"sources.{self.source_id}.fields")
        columns = plan_columns(wanted, kind, zone, types)
        owner_key = str(self.options.get("owner_key") or DEFAULT_OWNER_KEY)
        lookups = Lookups(owner_key, self.options.get("currency"))
        return Plan(kind, columns, lookups, self._lookups(api, kind, columns, lookups))

    def _lookups(
        self, api: JsonApi, kind: str, columns: Sequence[Column], lookups: Lookups
    ) -> str | None:
        """Loads the owners and stages the columns need; the `pipeline` option's id."""
        roles = {c.role for c in columns}
        if "owner" in roles and lookups.owner_key != "id":
            lookups.owners = load_owners(api)
        wanted = self.options.get("pipeline")
        if not (roles & {"stage", "won"} or wanted):
            return None
        pipelines = load_pipelines(api, kind)
        lookups.stages = pipelines.stages
        return pipelines.resolve(str(wanted), self.who) if wanted else None

    def _collect(
        self,
        pages: Iterable[Sequence[Record]],
        collector: Collector,
        keep: Callable[[Record], bool] | None = None,
        on_page: Callable[[Sequence[Record]], None] | None = None,
    ) -> None:
        with Progress(self.who) as progress:
            for page in progress.each(pages):
                collector.add(page, keep)
                if on_page is not None:
                    on_page(page)

    # -- a full fetch --------------------------------------------------------------------------

    def _fetch(self, request: FetchRequest) -> pa.Table:
        with self._api() as api:
            plan = self._plan(api, request)
            collector = Collector(plan.columns, plan.lookups, self.who)
            self._collect(search(api, self._query(plan, request), self.search_cap), collector)
        self.notes.extend(plan.lookups.notes(self.who))
        table, _ = collector.result()
        return table

    def _query(self, plan: Plan, request: FetchRequest) -> Query:
        """Sorted on the creation time, which never changes while the pages are read."""
        dated = [
            (c.prop, c.zone)
            for c in plan.columns
            if c.name in request.date_columns and c.prop and c.dates_records
        ]
        common = (flt(PIPELINE, "EQ", plan.pipeline),) if plan.pipeline else ()
        query = Query(
            plan.object_type,
            properties_of(plan.columns, CREATED),
            CREATED,
            period_groups(dated, request.start, request.end),
            common,
        )
        # Too many date fields for HubSpot's filter limits: fetch all, the engine filters.
        return query if query.fits() else replace(query, groups=((),))

    # -- incremental refresh -------------------------------------------------------------------

    def _changes(self, request: FetchRequest, since: datetime) -> Changes:
        started = datetime.now(UTC)
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        start_ms = int((since - LOOKBACK).timestamp() * 1000)
        newest: list[int] = []
        with self._api() as api:
            plan = self._plan(api, request)
            modified = modified_property(plan.object_type)
            # No period or pipeline filter: a deal moved out of either must come back too, to
            # replace (or, out of the pipeline, remove) the cached copy.
            query = Query(
                plan.object_type,
                properties_of(plan.columns, modified, PIPELINE),
                modified,
                since=start_ms,
            )
            collector = Collector(plan.columns, plan.lookups, self.who)
            track = self._newest(modified, newest)
            self._collect(search(api, query, self.search_cap), collector, _in(plan), track)
            gone = archived_ids(api, plan.object_type, start_ms)
        self.notes.extend(plan.lookups.notes(self.who))
        upserts, moved_out = collector.result()
        return Changes(upserts, moved_out | gone, _watermark(newest, since, started))

    def _newest(self, prop: str, newest: list[int]) -> Callable[[Sequence[Record]], None]:
        def track(page: Sequence[Record]) -> None:
            seen = [v for r in page if (v := sort_value(r, prop, self.who)) is not None]
            newest.extend([max(seen)] if seen else [])

        return track


def _in(plan: Plan) -> Callable[[Record], bool] | None:
    """Whether a record is in the `pipeline` option's pipeline (None: every record is)."""
    if plan.pipeline is None:
        return None
    wanted = plan.pipeline

    def inside(record: Record) -> bool:
        props = record.get("properties")
        return isinstance(props, Mapping) and props.get(PIPELINE) == wanted

    return inside


def _watermark(newest: list[int], since: datetime, started: datetime) -> datetime:
    """The newest modification seen — never past this refresh's start, nor before `since`."""
    if not newest:
        return since
    seen = datetime.fromtimestamp(max(newest) / 1000, UTC)
    return max(since, min(seen, started))
