"""`kpiengine preview`: fetch one source and show its first records as the engine sees them.

For checking a connection and a `fields` mapping before running the plan: the records come
straight from the source (never from the cache), typed and named as the ruleset reads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table
from rich.text import Text

from kpiengine.data.store import Store, fetch_source, make_source, naming
from kpiengine.errors import KpiEngineError
from kpiengine.names import RECORD
from kpiengine.plan.fieldtypes import record_dates, required_fields
from kpiengine.plan.periods import calendar_span
from kpiengine.plan.ruleset import Ruleset, SourceSpec
from kpiengine.plugins import Registry
from kpiengine.printable import printable
from kpiengine.source import FieldType, Source
from kpiengine.sql import ident
from kpiengine.suggest import did_you_mean

DEFAULT_LIMIT = 10


@dataclass(frozen=True)
class Preview:
    """The first records of one source after `fields` mapping, and how many it delivered."""

    source_id: str
    plugin: str
    columns: tuple[str, ...]
    """Engine names: the `fields` keys where the ruleset maps a column, else the column's own."""
    rows: tuple[tuple[Any, ...], ...]
    total: int
    notes: tuple[str, ...]


def source_spec(ruleset: Ruleset, source_id: str) -> SourceSpec:
    """The ruleset's source `source_id`, or an error listing the ids there are."""
    if source_id not in ruleset.sources:
        ids = sorted(ruleset.sources)
        raise KpiEngineError(
            f"there is no source '{source_id}' in this ruleset{did_you_mean(source_id, ids)} "
            f"(sources: {', '.join(ids)})"
        )
    return ruleset.sources[source_id]


def wanted_fields(ruleset: Ruleset, spec: SourceSpec, source: Source) -> dict[str, FieldType]:
    """The fields the ruleset reads from the source, typed; else every field the source lists."""
    needed = required_fields(ruleset).get(spec.id)
    if needed:
        return dict(needed)
    declared = source.fields()
    if declared is None:
        raise KpiEngineError(
            f"the ruleset reads no fields from source '{spec.id}', and its plugin "
            f"'{spec.plugin}' cannot list the fields it has: use the source in an indicator, "
            "metric, subjects or targets first"
        )
    engine_name = {column: name for name, column in spec.fields.items()}
    return {engine_name.get(column, column): kind for column, kind in declared.items()}


def preview_source(
    ruleset: Ruleset, registry: Registry, source_id: str, limit: int = DEFAULT_LIMIT
) -> Preview:
    """Fetch `source_id` as a run would, and keep its first `limit` records."""
    spec = source_spec(ruleset, source_id)
    source = make_source(spec, ruleset, registry)
    with naming(spec).scrubbed():
        wanted = wanted_fields(ruleset, spec, source)
    store = Store(duckdb.connect(":memory:"))
    try:
        dates = record_dates(ruleset).get(spec.id, frozenset())
        fetch_source(store, source, spec, wanted, calendar_span(ruleset.calendar), dates=dates)
        view = store.view(spec.id)
        cursor = store.con.execute(
            f"SELECT * EXCLUDE ({ident(RECORD)}) FROM {view} ORDER BY {ident(RECORD)} LIMIT ?",
            [limit],
        )
        columns = tuple(str(d[0]) for d in cursor.description)
        rows = tuple(tuple(r) for r in cursor.fetchall())
        total = int(store.query(f"SELECT count(*) FROM {view}")[0][0])
    finally:
        store.con.close()
    return Preview(
        spec.id, spec.plugin, columns, rows, total, tuple(note.message for note in store.notes)
    )


def cell_text(value: Any) -> str:
    """A value as the user wrote it: 1200 not 1200.000000, dates as YYYY-MM-DD, empty as '';
    control characters escaped (`kpiengine.printable`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return printable(" ".join(str(value).splitlines()).replace("\t", " "))


def summary(preview: Preview) -> str:
    """`760 records from source 'deals' (plugin csv); the first 10 shown`."""
    noun = "record" if preview.total == 1 else "records"
    text = f"{preview.total} {noun} from source '{preview.source_id}' (plugin {preview.plugin})"
    if preview.total > len(preview.rows):
        text += f"; the first {len(preview.rows)} shown"
    return text


def plain_lines(preview: Preview) -> Iterator[str]:
    """Tab-separated lines, header first: for a pipe, a file or another program."""
    yield "\t".join(printable(c) for c in preview.columns)
    for row in preview.rows:
        yield "\t".join(cell_text(v) for v in row)


def _numeric(preview: Preview, index: int) -> bool:
    values = [row[index] for row in preview.rows if row[index] is not None]
    return bool(values) and all(
        isinstance(v, Decimal | int) and not isinstance(v, bool) for v in values
    )


def rich_table(preview: Preview) -> Table:
    """The records as a rich table, numbers right-aligned."""
    table = Table(title=f"{preview.source_id} ({preview.plugin})", title_justify="left")
    for index, column in enumerate(preview.columns):
        right = _numeric(preview, index)
        table.add_column(Text(printable(column)), justify="right" if right else "left")
    for row in preview.rows:
        table.add_row(*(Text(cell_text(v)) for v in row))
    return table


def show_preview(preview: Preview, console: Console) -> None:
    """A table on a terminal, tab-separated text otherwise; then the record count."""
    if console.is_terminal:
        console.print(rich_table(preview))
        console.print(summary(preview), markup=False, highlight=False)
        return
    # Written as is: Rich would turn the tabs into spaces.
    for line in [*plain_lines(preview), summary(preview)]:
        console.file.write(line + "\n")
