"""The salesforce source: deals as the engine's CRM fields, the period and changes pushed down."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, ClassVar

import pyarrow as pa

from kpiengine import Changes, FetchRequest, FieldType, Progress, Refused, RetryPolicy
from kpiengine.connectors import ApiSource
from kpiengine_salesforce.columns import (
    CURRENCY_PATH,
    ENGINE_FIELDS,
    Column,
    engine_path,
    plan_columns,
    select_paths,
)
from kpiengine_salesforce.connection import RETRY, Org, Settings, open_org, settings_of
from kpiengine_salesforce.errors import Context
from kpiengine_salesforce.options import SOURCE_OPTIONS
from kpiengine_salesforce.soql import datetime_literal, period_condition, select
from kpiengine_salesforce.table import page_batch, schema
from kpiengine_salesforce.values import parse_datetime


class SalesforceSource(ApiSource):
    """The records of a Salesforce object (Opportunity by default), read with SOQL.

    Engine fields: id (Id), name (Name), owner (the owner's Email, Name or user Id, per
    `owner_key`), amount (Amount), currency (CurrencyIsoCode), stage (StageName), won (IsWon),
    created_on (CreatedDate, as a day in `timezone`), closed_on (CloseDate), modified_at
    (SystemModstamp, ISO 8601 UTC text). Any other requested column is read as a field API name.
    Nothing is fetched before `fetch`: validating a ruleset needs no network.
    """

    name: ClassVar[str] = "salesforce"
    options_schema: ClassVar[dict[str, Any]] = SOURCE_OPTIONS
    id_column: ClassVar[str | None] = "id"
    fields_complete: ClassVar[bool] = False
    retry_policy: ClassVar[RetryPolicy] = RETRY

    def fields(self) -> Mapping[str, FieldType]:
        """The engine fields; checks `where` and `timezone` on the way (no network)."""
        with self.guarded():
            settings_of(self.options, self.source_id)
        return dict(ENGINE_FIELDS)

    def fetch(self, request: FetchRequest) -> pa.Table:
        """The requested columns of the records in the run's period (and meeting `where`)."""
        with self.guarded():
            return self._fetch(request)

    def fetch_changes(self, request: FetchRequest, since: datetime) -> Changes:
        """Records modified at or after `since` (SystemModstamp), and those gone since.

        `deleted` holds the ids of records deleted (seen through queryAll) or changed so that
        they no longer meet the period or `where`; the watermark is the newest SystemModstamp
        seen (`since` when nothing changed). Asking from `since` inclusive re-reads the last
        change, which a merge by id absorbs, rather than miss one made in the same instant.
        """
        with self.guarded():
            return self._changes(request, since)

    # -- the work ----------------------------------------------------------------------------

    def _fetch(self, request: FetchRequest) -> pa.Table:
        settings, columns = self._plan(request)
        with self._open(settings, columns) as org:
            columns = self._currency(org, columns)
            soql = self._query(request, settings, columns)
            return self._read(org, soql, columns)[0]

    def _changes(self, request: FetchRequest, since: datetime) -> Changes:
        settings, columns = self._plan(request)
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        modified = f"SystemModstamp >= {datetime_literal(since)}"
        with self._open(settings, columns) as org:
            columns = self._currency(org, columns)
            # Changed ids first: a change made while the records are read is then newer than
            # the watermark, and the next refresh sees it.
            changed = self._changed(org, modified)
            soql = self._query(request, settings, columns, modified)
            table, kept = self._read(org, soql, columns)
        watermark = max(changed.values(), default=since)
        return Changes(table, frozenset(set(changed) - kept), watermark)

    def _plan(self, request: FetchRequest) -> tuple[Settings, list[Column]]:
        settings = settings_of(self.options, self.source_id)
        columns = plan_columns(
            request.columns, settings.owner_key, settings.who, settings.fields_option
        )
        return settings, columns

    def _open(self, settings: Settings, columns: Sequence[Column]) -> AbstractContextManager[Org]:
        return open_org(
            self.options,
            settings,
            _context(settings, columns),
            caller=self.caller(),
            base_dir=self.base_dir,
        )

    def _query(
        self,
        request: FetchRequest,
        settings: Settings,
        columns: Sequence[Column],
        *more: str,
    ) -> str:
        period = period_condition(
            columns, request.date_columns, request.start, request.end, settings.zone
        )
        conditions = [period, settings.where, *more]
        return select(select_paths(columns), settings.sobject, conditions)

    def _read(self, org: Org, soql: str, columns: Sequence[Column]) -> tuple[pa.Table, set[str]]:
        batches: list[pa.RecordBatch] = []
        ids: set[str] = set()
        who, zone = org.settings.who, org.settings.zone
        with Progress(who) as progress:
            for page in progress.each(org.pages(soql)):
                batches.append(page_batch(page, columns, zone, who))
                ids.update(str(r["Id"]) for r in page if r.get("Id"))
        return pa.Table.from_batches(batches, schema=schema(columns)), ids

    def _changed(self, org: Org, modified: str) -> dict[str, datetime]:
        soql = select(
            ["Id", "IsDeleted", "SystemModstamp"],
            org.settings.sobject,
            [modified],
            order_by="SystemModstamp, Id",
        )
        changed = {}
        for page in org.pages(soql, deleted=True):
            for record in page:
                stamp = record.get("SystemModstamp")
                if record.get("Id") and isinstance(stamp, str):
                    changed[str(record["Id"])] = _stamp(stamp, org.settings.who)
        return changed

    def _currency(self, org: Org, columns: list[Column]) -> list[Column]:
        """A single-currency org has no CurrencyIsoCode: its currency comes from the options."""
        wanted = [c for c in columns if c.path == CURRENCY_PATH]
        if not wanted or CURRENCY_PATH.lower() in org.field_names():
            return columns
        constant = org.settings.currency
        if constant is None:
            self.notes.append(
                f"{org.settings.who}: this Salesforce org has a single currency (no "
                "CurrencyIsoCode), so currency is empty — set the option currency (e.g. CNY)"
            )
        return [
            Column(c.name, None, c.type, constant) if c.path == CURRENCY_PATH else c
            for c in columns
        ]


def _stamp(text: str, who: str) -> datetime:
    try:
        return parse_datetime(text)
    except ValueError:
        raise Refused(f"{who}: Salesforce sent SystemModstamp '{text[:40]}', not a time") from None


def _context(settings: Settings, columns: Sequence[Column]) -> Context:
    """Where each queried field came from, so that INVALID_FIELD names what to fix."""
    mapped: dict[str, str] = {}
    for column in columns:
        if column.path is None:
            continue
        if engine_path(column.name, settings.owner_key) == column.path:
            origin = (
                f"the engine field '{column.name}': map it to a field of {settings.sobject} in "
                f"{settings.fields_option}, or check the option object"
            )
        else:
            origin = settings.fields_option
        steps = column.steps
        for key in (column.path, steps[0], steps[-1]):
            mapped.setdefault(key.lower(), origin)
    return Context(
        who=settings.who,
        sobject=settings.sobject,
        api_version=settings.api_version,
        fields_option=settings.fields_option,
        mapped=mapped,
        where=settings.where,
    )
