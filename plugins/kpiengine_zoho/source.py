"""The zoho source: a Zoho CRM module's records as the engine's deal fields, periods pushed down.

How records are read:
- for a run (a period range and date fields requested): a COQL query whose criteria keep a
  record created or closed in the periods (see `period`), owners resolved through `/users`;
- without a period: Get Records, 200 a page, `page_token` past 2,000 records;
- for an incremental refresh (`fetch_changes`): Get Records with `If-Modified-Since`, sorted by
  `Modified_Time`, and the deleted-records list.
`won` is true when the deal's Probability is 100 % — what Zoho gives stages of the Closed Won type
— unless `won_stages` names the won stage labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from kpiengine import Changes, FetchRequest, FieldType, Progress, Refused, RetryPolicy
from kpiengine.connectors import ApiSource
from kpiengine_zoho import values
from kpiengine_zoho.columns import ENGINE_FIELDS, Column, plan_columns, zoho_fields
from kpiengine_zoho.connection import RETRY, Crm, open_crm
from kpiengine_zoho.coql import query_pages
from kpiengine_zoho.deleted import deleted_since
from kpiengine_zoho.options import SOURCE_OPTIONS
from kpiengine_zoho.owners import Owners
from kpiengine_zoho.pages import Record
from kpiengine_zoho.period import period_criteria
from kpiengine_zoho.records import record_pages
from kpiengine_zoho.settings import Settings
from kpiengine_zoho.table import page_batch, schema
from kpiengine_zoho.users import load_users

MAX_FIELDS = 49
"""Zoho returns at most 50 fields per request (Get Records and COQL), `id` among them."""


class ZohoSource(ApiSource):
    """The records of a Zoho CRM module (Deals by default), through the REST API v6–v8.

    Nothing is fetched before `fetch`: validating a ruleset needs no network.
    """

    name: ClassVar[str] = "zoho"
    options_schema: ClassVar[dict[str, Any]] = SOURCE_OPTIONS
    id_column: ClassVar[str | None] = "id"
    fields_complete: ClassVar[bool] = False
    retry_policy: ClassVar[RetryPolicy] = RETRY

    def __init__(self, source_id: str, options: Mapping[str, Any], base_dir: Path) -> None:
        super().__init__(source_id, options, base_dir)
        self.settings = Settings.from_options(options)

    def fields(self) -> Mapping[str, FieldType]:
        """The engine fields; other Zoho fields are read by API name through `fields`."""
        return dict(ENGINE_FIELDS)

    def fetch(self, request: FetchRequest) -> pa.Table:
        """The requested columns (and `id`) of the records created or closed in the periods."""
        with self.guarded():
            return self._fetch(request)

    def fetch_changes(self, request: FetchRequest, since: datetime) -> Changes:
        """Records modified since `since`, and the ids of those deleted since then."""
        with self.guarded():
            return self._changes(request, since)

    def _open(self) -> AbstractContextManager[Crm]:
        return open_crm(self.options, self.settings, self.caller(), self.source_id)

    def _plan(self, request: FetchRequest) -> list[Column]:
        columns = plan_columns(request.columns, self.settings)
        count = len(zoho_fields(columns))
        if count > MAX_FIELDS:
            raise Refused(
                f"{self.who} asks Zoho for {count} fields, but Zoho returns at most "
                f"{MAX_FIELDS} besides id — read fewer in sources.{self.source_id}.fields"
            )
        return columns

    def _fetch(self, request: FetchRequest) -> pa.Table:
        columns = self._plan(request)
        fields = zoho_fields(columns)
        criteria = period_criteria(columns, request.date_columns, request.start, request.end)
        with self._open() as crm:
            pages = query_pages(crm, fields, criteria) if criteria else record_pages(crm, fields)
            return self._table(crm, pages, columns)

    def _changes(self, request: FetchRequest, since: datetime) -> Changes:
        columns = self._plan(request)
        fields = list(dict.fromkeys([*zoho_fields(columns), "Modified_Time"]))
        since = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
        with self._open() as crm:
            pages = record_pages(crm, fields, since=since, sort_by="Modified_Time")
            latest = Latest(since, self.who)
            upserts = self._table(crm, latest.watch(pages), columns)
            deleted, deleted_at = deleted_since(crm, since)
        return Changes(upserts, deleted, latest.after(deleted_at))

    def _table(
        self, crm: Crm, pages: Iterable[list[Record]], columns: Sequence[Column]
    ) -> pa.Table:
        owners = Owners(self.settings.owner_key, lambda: load_users(crm))
        with Progress(self.who) as progress:
            batches = [page_batch(p, columns, owners, self.who) for p in progress.each(pages)]
        if owners.unknown:
            self.notes.append(
                f"{self.who}: {len(owners.unknown)} owner(s) of records are not among the Zoho "
                f"users (ids {', '.join(sorted(owners.unknown)[:5])}); those records have no owner"
            )
        return pa.Table.from_batches(batches, schema=schema(columns))


class Latest:
    """The newest `Modified_Time` among the records read: the next refresh's starting point."""

    def __init__(self, since: datetime, who: str) -> None:
        self.value = since
        self.who = who

    def watch(self, pages: Iterable[list[Record]]) -> Iterator[list[Record]]:
        for page in pages:
            for record in page:
                self._see(record)
            yield page

    def _see(self, record: Record) -> None:
        raw = record.get("Modified_Time")
        if not raw:
            return
        try:
            self.value = max(self.value, values.moment(str(raw)))
        except ValueError:
            raise Refused(
                f"{self.who}: record {record.get('id', '?')} has Modified_Time {str(raw)[:40]!r}, "
                "which is not a date-time"
            ) from None

    def after(self, other: datetime | None) -> datetime:
        return self.value if other is None else max(self.value, other)
