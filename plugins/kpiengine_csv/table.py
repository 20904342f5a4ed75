"""A CSV file loaded into an in-memory DuckDB table: typed columns, bad cells flagged, file order.

Nothing about the file's shape is guessed: the header names the columns, every cell is read as
text with the delimiter and encoding the ruleset gives, and the casts of `casts.py` run in SQL,
so no Python loop touches the records unless something is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from kpiengine import FieldType
from kpiengine_csv.casts import bad_sql, cast_sql


@dataclass(frozen=True)
class Shape:
    """How DuckDB reads the file: the delimiter, the header's width, the longest record allowed."""

    delimiter: str
    width: int
    max_record: int

    def params(self, path: Path) -> dict[str, Any]:
        return {"path": str(path), "delim": self.delimiter, "max_line": self.max_record}


@dataclass(frozen=True)
class Column:
    """A column the source delivers: its name, its position in the header, its type."""

    name: str
    index: int
    type: FieldType


@dataclass(frozen=True)
class BadRow:
    """A row with cells that did not cast: its row number and the Columns that failed."""

    row: int
    columns: tuple[Column, ...]


LINE_TOO_LONG = "LINE SIZE OVER MAXIMUM"
QUOTE_PROBLEM = "UNQUOTED VALUE"


@dataclass(frozen=True)
class ReadError:
    """A record DuckDB set aside while reading (wrong number of values, bad bytes, …)."""

    record: int
    kind: str
    text: str

    @property
    def unclosed_quote(self) -> bool:
        """A double quote that never closes: every line after it was read as its value."""
        return self.kind == QUOTE_PROBLEM and "\n" in self.text

    @property
    def fatal(self) -> bool:
        """No row to set aside, even with on_error: skip: the file itself must be fixed."""
        return self.kind == LINE_TOO_LONG or self.unclosed_quote


class CsvTable:
    """The rows of one utf-8 CSV file in table `rows` of a DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, shape: Shape) -> None:
        self.con = con
        self.params = shape.params(path)
        self.width = shape.width
        self.columns: tuple[Column, ...] = ()

    def _read_sql(self, store_rejects: bool) -> str:
        names = [f"c{i}" for i in range(self.width)]
        types = ", ".join(f"'{n}': 'VARCHAR'" for n in names)
        return (
            "read_csv($path, auto_detect=false, header=true, all_varchar=true, "
            f"columns={{{types}}}, delim=$delim, max_line_size=$max_line, quote='\"', escape='\"', "
            "comment='', skip=0, "
            f"ignore_errors=true, store_rejects={str(store_rejects).lower()}) "
            f"WITH ORDINALITY AS t({', '.join(names)}, __row)"
        )

    def _flags(self) -> list[str]:
        return [f"b{k}" for k, c in enumerate(self.columns) if c.type != "string"]

    def _any_bad(self) -> str:
        return " OR ".join(self._flags()) or "false"

    def load(self, columns: Sequence[Column]) -> None:
        """Read the file once, casting `columns`; rows with every cell empty are dropped."""
        self.columns = tuple(columns)
        values = [f"{cast_sql(f'c{c.index}', c.type)} AS v{k}" for k, c in enumerate(columns)]
        flags = [
            f"{bad_sql(f'c{c.index}', cast_sql(f'c{c.index}', c.type))} AS b{k}"
            for k, c in enumerate(columns)
            if c.type != "string"
        ]
        every = ", ".join(f"c{i}" for i in range(self.width))
        select = ", ".join(["__row", *values, *flags])
        self._run(
            f"CREATE TABLE rows AS SELECT {select} FROM {self._read_sql(True)} "
            f"WHERE coalesce({every}) IS NOT NULL"
        )

    def _run(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, {**self.params, **(params or {})}).fetchall()

    def bad_rows(self, limit: int | None = None) -> list[BadRow]:
        """Rows with a cell that has text but no value of its type, in file order."""
        flags = self._flags()
        if not flags:
            return []
        typed = [c for c in self.columns if c.type != "string"]
        cut = "" if limit is None else f" LIMIT {int(limit)}"
        rows = self.con.execute(
            f"SELECT __row, {', '.join(flags)} FROM rows WHERE {self._any_bad()} "
            f"ORDER BY __row{cut}"
        ).fetchall()
        return [
            BadRow(r[0], tuple(c for c, bad in zip(typed, r[1:], strict=True) if bad)) for r in rows
        ]

    def read_errors(self) -> list[ReadError]:
        """Records DuckDB set aside, one per record, in file order."""
        rows = self.con.execute(
            "SELECT DISTINCT ON (line) line, error_type, csv_line FROM reject_errors "
            "ORDER BY line, column_idx"
        ).fetchall()
        return [
            ReadError(int(line), str(kind), str(text or "").strip()) for line, kind, text in rows
        ]

    def raw_rows(self, rows: Sequence[int]) -> dict[int, tuple[str | None, ...]]:
        """The original cells of the given rows (reads the file again: error path only)."""
        every = ", ".join(f"c{i}" for i in range(self.width))
        found = self._run(
            f"SELECT __row, {every} FROM {self._read_sql(False)} "
            "WHERE __row IN (SELECT unnest($rows::BIGINT[]))",
            {"rows": list(rows)},
        )
        return {r[0]: tuple(r[1:]) for r in found}

    def arrow(self) -> pa.Table:
        """The good rows in file order, columns named as delivered."""
        values = ", ".join(f"v{k}" for k in range(len(self.columns)))
        table = self.con.sql(
            f"SELECT {values} FROM rows WHERE NOT ({self._any_bad()}) ORDER BY __row"
        ).to_arrow_table()
        return table.rename_columns([c.name for c in self.columns])
