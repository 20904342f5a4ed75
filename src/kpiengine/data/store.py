"""Fetch each source through its plugin into one embedded DuckDB, as typed views in engine names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

import duckdb
import pyarrow as pa

from kpiengine.checks.model import Check, Severity
from kpiengine.connectors.redact import Redactor
from kpiengine.data.cache import Fetched, SourceCache, active_cache, cache_key
from kpiengine.data.refresh import updater, watermark_now, with_id
from kpiengine.errors import SourceError
from kpiengine.names import RECORD, SOURCE_ROW
from kpiengine.numeric import SOURCE_SQL
from kpiengine.plan.envvars import variable_values
from kpiengine.plan.fieldtypes import record_dates
from kpiengine.plan.resolved_options import resolved_options
from kpiengine.plan.ruleset import Ruleset, SourceSpec
from kpiengine.plan.written_files import placed_options, written_options
from kpiengine.plugins import Registry
from kpiengine.source import FetchRequest, FieldType, Source
from kpiengine.sql import ident

NUMBER_SQL = SOURCE_SQL
"""A source's number field (see `kpiengine.numeric`)."""
SQL_TYPES: dict[FieldType, str] = {
    "string": "VARCHAR",
    "number": NUMBER_SQL,
    "integer": "BIGINT",
    "date": "DATE",
    "boolean": "BOOLEAN",
}


@dataclass
class Store:
    """The run's DuckDB connection, holding one view per fetched source (`src_<id>`)."""

    con: duckdb.DuckDBPyConnection
    notes: list[Check] = field(default_factory=list)
    """What the sources and the cache said while fetching, as checks of the run."""
    fields: dict[str, dict[str, FieldType]] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    namings: dict[str, Redactor] = field(default_factory=dict)
    """Per source, what shows its variables' values as their `${NAME}`s (`naming`)."""
    digests: dict[str, str] = field(default_factory=dict)
    """Per source, a digest of its records as the plan reads them (`records_digest`)."""

    @staticmethod
    def view(source_id: str) -> str:
        return ident(f"src_{source_id}")

    def locate(self, source_id: str, positions: Sequence[int]) -> list[str]:
        """Where records are (by their `RECORD` positions), in the source's own terms."""
        naming = self.namings.get(source_id, Redactor(()))
        with naming.scrubbed():
            return [naming.redact(place) for place in self.sources[source_id].locate(positions)]

    def close(self) -> None:
        """Free the fetched records (the run's results no longer need them)."""
        self.con.close()

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params or []).fetchall()


def naming(spec: SourceSpec) -> Redactor:
    """What shows the values of the source's variables as their `${NAME}`s: a message, a note or
    a log record of its plugin never prints a variable's value (a path, an address, a secret)."""
    return Redactor.naming(variable_values(spec.options))


def make_source(spec: SourceSpec, ruleset: Ruleset, registry: Registry) -> Source:
    """The source's plugin, given its options with their `${NAME}`s resolved and checked, and
    the files it writes placed in the run's write folder (`plan.written_files`)."""
    cls = registry.source(spec.plugin)
    where = f"sources.{spec.id}.options"
    options = resolved_options(spec.options, cls.options_schema, where)
    written = written_options(cls.options_schema)
    options = placed_options(options, written, where, ruleset, registry)
    with naming(spec).scrubbed():
        return cls(spec.id, options, ruleset.base_dir)


def _as_table(data: pa.Table | Iterable[pa.RecordBatch], spec: SourceSpec) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    batches = list(data)
    if not batches:
        raise SourceError(f"source '{spec.id}' (plugin '{spec.plugin}') returned no table")
    return pa.Table.from_batches(batches)


def _view_sql(
    spec: SourceSpec, wanted: Mapping[str, FieldType], table: pa.Table, extra: str = ""
) -> str:
    """The records in engine names and types (and `extra` columns)."""
    present = set(table.column_names)
    columns = []
    for name, kind in sorted(wanted.items()):
        column = spec.column(name)
        if column not in present:
            raise SourceError(
                f"source '{spec.id}' (plugin '{spec.plugin}') did not deliver the column "
                f"'{column}' the ruleset reads"
            )
        columns.append(f"CAST({ident(column)} AS {SQL_TYPES[kind]}) AS {ident(name)}")
    if extra:
        columns.append(extra)
    return f"SELECT {', '.join(columns)} FROM {ident('raw_' + spec.id)}"


def fetch_request(
    source: Source,
    spec: SourceSpec,
    wanted: Mapping[str, FieldType],
    span: tuple[date, date],
    dates: frozenset[str] = frozenset(),
) -> FetchRequest:
    """What to ask the source for: the ruleset's fields as its own columns, and the period span
    with the fields that date its records (engine names in `dates`)."""
    return FetchRequest(
        source_id=spec.id,
        columns={spec.column(n): k for n, k in wanted.items()},
        date_columns=frozenset(spec.column(n) for n in dates),
        start=span[0],
        end=span[1],
        base_dir=source.base_dir,
    )


def _live(source: Source, spec: SourceSpec, request: FetchRequest) -> Fetched:
    started = watermark_now()
    return Fetched(_as_table(source.fetch(request), spec), tuple(source.notes), started)


def fetch_records(
    source: Source, spec: SourceSpec, request: FetchRequest, cache: SourceCache | None
) -> Fetched:
    """The source's records: from the cache when it has them and the source is cacheable."""
    if cache is None or not source.cacheable:
        return _live(source, spec, request)
    request = with_id(source, request)
    key = cache_key(spec.plugin, source.options, spec.fields, request)
    fetch = partial(_live, source, spec, request)
    return cache.through(key, request, fetch, updater(source, request))


def _cheap_cast(given: str, kind: FieldType) -> bool:
    """Whether reading `given` as the engine's type costs no text parsing or formatting: the
    same type, or a number or date widened (DECIMAL(14, 2) to DECIMAL(38, 6))."""
    wanted = SQL_TYPES[kind].replace(" ", "")
    given = given.replace(" ", "")
    if given == wanted:
        return True
    return "VARCHAR" not in (given, wanted) and not given.startswith(("STRUCT", "MAP", "LIST"))


def _read_in_place(
    con: duckdb.DuckDBPyConnection, raw: str, spec: SourceSpec, wanted: Mapping[str, FieldType]
) -> bool:
    """Whether the delivered columns can be read through a view, cast as they are scanned."""
    described = {str(r[0]): str(r[1]) for r in con.execute(f"DESCRIBE {ident(raw)}").fetchall()}
    return all(
        _cheap_cast(described.get(spec.column(name), "VARCHAR"), kind)
        for name, kind in wanted.items()
    )


def _numbered(con: duckdb.DuckDBPyConnection, table: pa.Table) -> pa.Table:
    """The records with `RECORD`, their position (made by DuckDB: no Python int per record)."""
    rows = con.sql(f"SELECT range FROM range({table.num_rows})").to_arrow_table()
    return table.append_column(SOURCE_ROW, rows.column(0))


def store_records(
    store: Store, spec: SourceSpec, wanted: Mapping[str, FieldType], table: pa.Table
) -> None:
    """`src_<id>`: the records in engine names and types, with `RECORD` (their position).

    Records that arrive in the engine's types, or in types that widen to them, are read where
    they are, through a view of the Arrow table (no copy); others — text to parse — are
    converted once into a DuckDB table."""
    raw = f"raw_{spec.id}"
    store.con.register(raw, table)
    if _read_in_place(store.con, raw, spec, wanted):
        store.con.unregister(raw)
        store.con.register(raw, _numbered(store.con, table))
        select = _view_sql(spec, wanted, table, f"{ident(SOURCE_ROW)} AS {ident(RECORD)}")
        store.con.execute(f"CREATE VIEW {store.view(spec.id)} AS {select}")
        return
    data = ident(f"data_{spec.id}")
    store.con.execute(f"CREATE TABLE {data} AS {_view_sql(spec, wanted, table)}")
    # File order, for `last` ties and explain: the table's row ids, without a window sort.
    store.con.execute(
        f"CREATE VIEW {store.view(spec.id)} AS SELECT *, rowid AS {ident(RECORD)} FROM {data}"
    )
    store.con.unregister(raw)


def fetch_source(
    store: Store,
    source: Source,
    spec: SourceSpec,
    wanted: Mapping[str, FieldType],
    span: tuple[date, date],
    cache: SourceCache | None = None,
    dates: frozenset[str] = frozenset(),
) -> None:
    request = fetch_request(source, spec, wanted, span, dates)
    hide = naming(spec)
    with hide.scrubbed():
        fetched = fetch_records(source, spec, request, cache)
        try:
            store_records(store, spec, wanted, fetched.table)
        except duckdb.Error as exc:
            raise SourceError(f"source '{spec.id}' (plugin '{spec.plugin}'): {exc}") from exc
    store.fields[spec.id] = dict(wanted)
    store.sources[spec.id] = source
    store.namings[spec.id] = hide
    store.digests[spec.id] = records_digest(store, spec.id)
    store.notes += fetch_checks(spec.id, fetched, hide)


def records_digest(store: Store, source_id: str) -> str:
    """The records' count and the sum of each record's hash (its position and every field the
    plan reads): the same records give the same digest, and any other records almost surely
    another. One scan, in parallel; what a run id is made of (`results.run_id`)."""
    columns = ", ".join(ident(n) for n in [RECORD, *sorted(store.fields[source_id])])
    sql = f"SELECT count(*), CAST(sum(hash({columns})) AS VARCHAR) FROM {store.view(source_id)}"
    count, total = store.query(sql)[0]
    return f"{count}:{total or 0}"


def fetch_checks(source_id: str, fetched: Fetched, hide: Redactor) -> list[Check]:
    """What a fetch said, as checks of the run: the plugin's notes and a cache entry that had to
    be fetched again (warnings), how the records were fetched (info)."""
    said: list[tuple[str, Severity, tuple[str, ...]]] = [
        ("source-note", "warning", fetched.notes),
        ("source-fetch", "warning", fetched.warnings),
        ("source-fetch", "info", fetched.info),
    ]
    return [
        Check(code, severity, hide.redact(text), source_id)
        for code, severity, texts in said
        for text in texts
    ]


def open_store(
    ruleset: Ruleset,
    registry: Registry,
    needed: Mapping[str, Mapping[str, FieldType]],
    span: tuple[date, date],
) -> Store:
    """Fetch every source the ruleset reads; a failure names the source and stops the run.

    Inside `kpiengine.data.cache.caching(...)` (as `kpiengine run` does) cacheable sources go
    through the cache; otherwise every source is fetched.
    """
    store = Store(duckdb.connect(":memory:"))
    cache = active_cache(ruleset.base_dir)
    dates = record_dates(ruleset)
    for source_id in sorted(needed):
        spec = ruleset.sources[source_id]
        source = make_source(spec, ruleset, registry)
        wanted = needed[source_id]
        fetch_source(store, source, spec, wanted, span, cache, dates.get(source_id, frozenset()))
    return store
