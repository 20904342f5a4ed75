"""A run's results as two tables of text cells, shown as CSV cells or JSON by DuckDB in batches.

This is how outputs that write many rows read the results: nothing is built per row in Python.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from kpiengine.names import ORDER
from kpiengine.results.formulas import neutralised_sql
from kpiengine.results.layout import Layout, ResultColumn
from kpiengine.results.render import csv_cell, csv_quoted, json_object
from kpiengine.sql import literal

"""Each table's row number, 1, 2, 3…: by period, then subject (or group, period, value). The
tables are stored in this order, and read in it: DuckDB keeps a scan's insertion order."""

BATCH_ROWS = 20_000

SUBJECT_KEYS = (
    "subject",
    "name",
    "period",
    "groups",
    "indicators",
    "metrics",
    "total",
    "grade",
    "ranks",
    "incentives",
    "payout",
    "honors",
    "feedback",
    "warnings",
)
GROUP_KEYS = (
    "group",
    "value",
    "period",
    "members",
    "indicators",
    "metrics",
    "total",
    "grade",
    "warnings",
)


def _joined(cells: list[str], delimiter: str) -> str:
    return f"concat_ws({literal(delimiter)}, {', '.join(cells)})"


SCAN_ROWS = 8_192
"""Rows per Arrow chunk: DuckDB scans a registered table a chunk per task, so small chunks let
every core build text (in the table's order all the same)."""


def _rechunked(table: pa.Table) -> pa.Table:
    return pa.Table.from_batches(table.to_batches(max_chunksize=SCAN_ROWS), table.schema)


def arrow_type(column: ResultColumn) -> pa.DataType:
    return pa.list_(pa.string()) if column.kind == "list" else pa.string()


def empty_table(columns: Sequence[ResultColumn]) -> pa.Table:
    fields = [pa.field(ORDER, pa.int64())]
    fields += [pa.field(c.key, arrow_type(c)) for c in columns]
    return pa.schema(fields).empty_table()


def arrow_of(columns: Sequence[ResultColumn], rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Rows of cells (column key → text) as a table of these columns, numbered in order."""
    arrays = {ORDER: pa.array(range(1, len(rows) + 1), pa.int64())}
    for column in columns:
        arrays[column.key] = pa.array([row.get(column.key) for row in rows], arrow_type(column))
    return pa.table(arrays)


class ResultTable:
    """Subject × period rows and group × period rows, every value as exact text (see `Kind`).

    Outputs read it through `header` and `cells` (the CSV's cells, in Arrow batches),
    `csv_chunks` (the CSV itself), `result_json` and `group_json` (each row's JSON object) —
    all in batches, so memory holds one batch of text at a time. `Results.rows` reads its rows
    as objects for outputs that want them. Iterators may be read side by side: each has its
    own DuckDB connection. See docs/results.md.
    """

    def __init__(
        self, layout: Layout, money_places: int, subjects: pa.Table, groups: pa.Table
    ) -> None:
        self.layout = layout
        self.money_places = money_places
        self.subjects = _rechunked(subjects)
        self.groups = _rechunked(groups)

    @classmethod
    def from_rows(
        cls,
        layout: Layout,
        money_places: int,
        subjects: Sequence[Mapping[str, Any]],
        groups: Sequence[Mapping[str, Any]] = (),
    ) -> ResultTable:
        """A table of these rows, each a mapping of column key to text (a list of texts for a
        list column; a key left out is no value): results made without a run, as in tests."""
        return cls(
            layout,
            money_places,
            arrow_of(layout.subject_columns(), subjects),
            arrow_of(layout.group_columns(), groups),
        )

    def where(self, *, subject: str | None = None, period: str | None = None) -> ResultTable:
        """The rows of one subject, of one period or both (and that period's group rows)."""
        subjects, groups = self.subjects, self.groups
        if subject is not None:
            subjects = subjects.filter(pc.field("subject") == subject)
        if period is not None:
            subjects = subjects.filter(pc.field("period") == period)
            groups = groups.filter(pc.field("period") == period)
        return ResultTable(self.layout, self.money_places, subjects, groups)

    def __len__(self) -> int:
        """The number of subject rows (results)."""
        return int(self.subjects.num_rows)

    @property
    def group_count(self) -> int:
        """The number of group rows (one per group value and period)."""
        return int(self.groups.num_rows)

    def _connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        con.register("subjects", self.subjects)
        con.register("groups", self.groups)
        return con

    @property
    def header(self) -> list[str]:
        """The CSV header: one name per column of `cells`."""
        return [c.header for c in self.layout.subject_columns() if c.header is not None]

    def cells(
        self, batch_rows: int = BATCH_ROWS, neutralised: bool = True
    ) -> Iterator[pa.RecordBatch]:
        """Every subject row as text cells (None where there is no value), in batches: the CSV's
        cells, text a spreadsheet would take for a formula with a `'` before it. A database or
        Parquet output, which nobody opens in a spreadsheet, asks for `neutralised=False`."""
        shown = [c for c in self.layout.subject_columns() if c.header is not None]
        select = ", ".join(
            f"{csv_cell(c, self.money_places, neutralised)} AS c{n}" for n, c in enumerate(shown)
        )
        yield from self._batches(f"SELECT {select} FROM subjects", batch_rows)

    def csv_chunks(self, delimiter: str = ",", batch_rows: int = BATCH_ROWS) -> Iterator[bytes]:
        """The CSV as UTF-8: the header line, then the subject rows a batch of lines at a time,
        each line ending in a newline, quoted only where needed (a delimiter, quote, CR or LF)."""
        shown = [c for c in self.layout.subject_columns() if c.header is not None]
        header = [
            csv_quoted(neutralised_sql(literal(c.header)), delimiter, "text")
            for c in shown
            if c.header
        ]
        line = self._connect().execute(f"SELECT {_joined(header, delimiter)}").fetchall()[0][0]
        yield line.encode("utf-8") + b"\n"
        cells = [csv_quoted(csv_cell(c, self.money_places), delimiter, c.kind) for c in shown]
        for chunk in self._chunks("subjects", _joined(cells, delimiter), "\n", batch_rows):
            yield chunk + b"\n"

    def result_json(self, separator: str = ",", batch_rows: int = BATCH_ROWS) -> Iterator[bytes]:
        """The subject rows as JSON objects (the document's `results` items) in UTF-8,
        `separator` between them, a batch at a time (put `separator` between the batches too)."""
        return self._chunks("subjects", self._subject_json(), separator, batch_rows)

    def json_rows(self) -> Iterator[str]:
        """Each subject row's JSON object as one text, in order: exactly what the json output
        writes for that row (e.g. `table.where(subject="R001").json_rows()`)."""
        for batch in self._batches(f"SELECT {self._subject_json()} FROM subjects", BATCH_ROWS):
            yield from batch.column(0).to_pylist()

    def _subject_json(self) -> str:
        return json_object(self.layout.subject_columns(), SUBJECT_KEYS)

    def group_json(self, separator: str = ",", batch_rows: int = BATCH_ROWS) -> Iterator[bytes]:
        """The group rows as JSON objects (the document's `groups` items), as `result_json`."""
        sql = json_object(self.layout.group_columns(), GROUP_KEYS)
        return self._chunks("groups", sql, separator, batch_rows)

    def _batches(self, sql: str, batch_rows: int) -> Iterator[pa.RecordBatch]:
        reader = self._connect().sql(sql).to_arrow_reader(batch_rows)
        yield from reader

    def _chunks(self, table: str, value: str, separator: str, batch_rows: int) -> Iterator[bytes]:
        """`value` of each row in order, joined by `separator`: one UTF-8 text per batch of rows,
        so neither DuckDB nor Python holds more than a batch of text at a time."""
        sql = f"SELECT {value} FROM {table}"  # in the table's order: DuckDB keeps it
        for batch in self._batches(sql, batch_rows):
            texts = batch.column(0)
            if len(texts):
                whole = pa.ListArray.from_arrays(pa.array([0, len(texts)], pa.int32()), texts)
                yield pc.binary_join(whole, separator)[0].as_buffer().to_pybytes()
