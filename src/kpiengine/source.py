"""The public contract for source plugins: options schema, declared fields, fetch."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    import pyarrow as pa

FieldType = Literal["string", "number", "integer", "date", "boolean"]
"""The engine's field types; as Arrow: string, decimal128/float64/int64, date32, bool."""


@dataclass(frozen=True)
class FetchRequest:
    """What the engine asks of a source for one run.

    `columns` are the source's own column names the ruleset uses (after `fields` mapping), with the
    type the engine needs; a source converts them or raises `SourceError` naming the record.
    `start`/`end` bound the run's periods (end exclusive) so a connector can push the date filter
    down to its API on `date_columns`; returning more records is allowed, the engine filters again.
    """

    source_id: str
    columns: Mapping[str, FieldType]
    date_columns: frozenset[str] = frozenset()
    start: date | None = None
    end: date | None = None
    base_dir: Path = field(default_factory=Path.cwd)


@dataclass(frozen=True)
class Changes:
    """What changed at the vendor since a cached snapshot (incremental refresh)."""

    upserts: pa.Table
    """New and modified records, with the same columns a full fetch returns."""
    deleted: frozenset[str] = frozenset()
    """Ids of records deleted or archived since the snapshot."""
    watermark: datetime | None = None
    """The newest modification time seen; the next refresh asks for changes after it."""


class Source:
    """Base class of source plugins; register subclasses in `register_sources`."""

    name: ClassVar[str]
    """The plugin name a ruleset writes as `plugin:`."""
    options_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    """JSON Schema (draft 2020-12) of the `options` mapping, validated with the ruleset."""
    cacheable: ClassVar[bool] = True
    """Whether `kpiengine run` may keep the fetched records in the local cache and reuse them until
    `--refresh`. Right for network sources (a CRM fetch is slow and rate-limited); a local file
    source sets it False: re-reading the file is cheap, and a cache would hide the user's edits."""

    def __init__(self, source_id: str, options: Mapping[str, Any], base_dir: Path) -> None:
        self.source_id = source_id
        self.options = options
        self.base_dir = base_dir
        self.notes: list[str] = []
        """Sentences the run shows the user after fetching (e.g. rows set aside)."""

    fields_complete: ClassVar[bool] = True
    """Whether `fields()` lists every column there is (a file's header). False for connectors
    that can also read any vendor field by its API name through the ruleset's `fields:`."""

    def fields(self) -> Mapping[str, FieldType] | None:
        """The columns this source provides, if it can tell cheaply; None when unknown."""
        return None

    id_column: ClassVar[str | None] = None
    """The column that identifies a record, for merging incremental changes (e.g. "id")."""

    def fetch_changes(self, request: FetchRequest, since: datetime) -> Changes | None:
        """Records changed since `since` (None: this source cannot tell; fetch everything).

        Implement it where the API can filter by modification time (Salesforce SystemModstamp,
        HubSpot hs_lastmodifieddate, Zoho Modified_Time) and set `id_column`. Return every record
        modified since then, without the period filter (a record whose date moved out of the run's
        periods must replace its cached copy), with the requested columns plus `id_column`.
        """
        return None

    def locate(self, positions: Sequence[int]) -> list[str]:
        """Where each delivered record (0-based position in what `fetch` returned) is, as a user
        finds it: `deals.csv:14` for a file, the source and record number otherwise. Called only
        to name records in a message, after `fetch`."""
        return [f"source '{self.source_id}', record {p + 1}" for p in positions]

    def fetch(self, request: FetchRequest) -> pa.Table | Iterable[pa.RecordBatch]:
        """Deliver the records as an Arrow table or batches; raise SourceError on failure."""
        raise NotImplementedError
