"""The sqlite source: the records of one table (or view), typed as the ruleset needs them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
from kpiengine import FetchRequest, FieldType, Source, SourceError

from kpiengine_sqlite.convert import arrow_column, declared_type
from kpiengine_sqlite.options import OPTIONS
from kpiengine_sqlite.query import Period, Select, checked_name, select


class SqliteSource(Source):
    """Records from one table or view of a SQLite database file.

    With the `date_column` option, and when the ruleset dates this source's records by that
    column alone, only the run's period is read (the filter runs in SQL).
    """

    name: ClassVar[str] = "sqlite"
    options_schema: ClassVar[dict[str, Any]] = OPTIONS
    cacheable: ClassVar[bool] = False
    """A local file: re-reading it is cheap, and a cache would hide the user's edits."""

    def __init__(self, source_id: str, options: Mapping[str, Any], base_dir: Path) -> None:
        super().__init__(source_id, options, base_dir)
        self.path = Path(base_dir, options["path"])
        self.table = checked_name(options["table"], "table", source_id)
        date_column = options.get("date_column")
        self.date_column = checked_name(date_column, "column", source_id) if date_column else None

    def fields(self) -> Mapping[str, FieldType] | None:
        """The table's columns, typed from their declared SQLite types; SourceError if the file
        or the table is missing."""
        with self._connect() as con:
            return {name: declared_type(kind) for name, kind in self._table_columns(con).items()}

    def fetch(self, request: FetchRequest) -> pa.Table:
        """The requested columns (every column as text if none is asked for), typed."""
        with self._connect() as con:
            available = self._table_columns(con)
            wanted = dict(request.columns) or dict.fromkeys(available, "string")
            self._check_present(wanted, available)
            rows = self._run(con, select(self.table, list(wanted), self._period(request)))
        where = f"source '{self.source_id}': table '{self.table}' in {self.path.name}"
        return pa.table(
            {
                name: arrow_column([row[i] for row in rows], kind, name, where)
                for i, (name, kind) in enumerate(wanted.items())
            }
        )

    def _period(self, request: FetchRequest) -> Period | None:
        """The period filter, when it cannot drop a record the ruleset counts."""
        if self.date_column is None:
            return None
        if request.date_columns != {self.date_column}:
            dated_by = ", ".join(sorted(request.date_columns)) or "no column"
            self.notes = [
                f"source '{self.source_id}': every record was read, not only the period's: "
                f"the ruleset dates them by {dated_by}, not by date_column {self.date_column}"
            ]
            return None
        return Period(self.date_column, request.start, request.end)

    def _check_present(self, wanted: Mapping[str, FieldType], available: Mapping[str, str]) -> None:
        for name in wanted:
            checked_name(name, "column", self.source_id)
        missing = [name for name in wanted if name not in available]
        if missing:
            raise SourceError(
                f"source '{self.source_id}': table '{self.table}' in {self.path.name} has no "
                f"column '{missing[0]}' (columns: {', '.join(available)})"
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """The database, read-only: the source never changes the user's data."""
        if not self.path.is_file():
            raise SourceError(f"source '{self.source_id}': there is no SQLite file {self.path}")
        uri = self.path.resolve().as_uri() + "?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as con:
            yield con

    def _table_columns(self, con: sqlite3.Connection) -> dict[str, str]:
        """Column name → declared type; a missing table is an error listing the tables there are."""
        found = self._run(con, Select("SELECT name, type FROM pragma_table_info(?)", (self.table,)))
        if not found:
            tables = self._run(
                con,
                Select("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')", ()),
            )
            raise SourceError(
                f"source '{self.source_id}': {self.path.name} has no table '{self.table}' "
                f"(tables: {', '.join(sorted(str(t[0]) for t in tables)) or 'none'})"
            )
        return {str(name): str(kind) for name, kind in found}

    def _run(self, con: sqlite3.Connection, query: Select) -> list[tuple[Any, ...]]:
        try:
            return con.execute(query.sql, query.params).fetchall()
        except sqlite3.Error as exc:
            raise SourceError(
                f"source '{self.source_id}': cannot read {self.path.name}: {exc}"
            ) from exc
