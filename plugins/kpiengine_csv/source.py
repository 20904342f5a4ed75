"""The csv source: a CSV file's records as a typed Arrow table, with bad rows named by line."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pyarrow as pa

from kpiengine import FetchRequest, FieldType, Source
from kpiengine_csv.csvfile import CsvFile, shown_path
from kpiengine_csv.fast import typed_read
from kpiengine_csv.header import duplicate_columns, read_header
from kpiengine_csv.limits import Limits, first_long_line, long_cell
from kpiengine_csv.lines import LongValue, row_lines
from kpiengine_csv.rejects import (
    Reject,
    cell_rejects,
    in_file_order,
    read_rejects,
    write_report,
)
from kpiengine_csv.source_options import SOURCE_OPTIONS
from kpiengine_csv.table import Column, CsvTable, Shape
from kpiengine_csv.transcode import utf8_file


class CsvSource(Source):
    """Records from a CSV file, read by DuckDB with nothing guessed.

    After `fetch`, `skipped` is the number of rows set aside (with `on_error: skip`) and
    `notes` holds one sentence about them for the user.
    """

    name: ClassVar[str] = "csv"
    options_schema: ClassVar[dict[str, Any]] = SOURCE_OPTIONS
    cacheable: ClassVar[bool] = False

    def __init__(self, source_id: str, options: Mapping[str, Any], base_dir: Path) -> None:
        super().__init__(source_id, options, base_dir)
        self.skipped = 0
        self.set_aside: set[int] = set()
        self.file = CsvFile(
            source_id,
            Path(base_dir, options["path"]),
            options.get("delimiter", ","),
            options.get("encoding", "utf-8"),
            Limits.from_options(options),
        )
        self.forced: Mapping[str, FieldType] = options.get("types") or {}

    def fields(self) -> Mapping[str, FieldType] | None:
        """The header's columns as text (or their forced types), from line 1 alone; SourceError
        when the file is missing or unreadable."""
        return {name: self.forced.get(name, "string") for name in read_header(self.file)}

    def fetch(self, request: FetchRequest) -> pa.Table:
        """The requested columns, typed, in file order (every column as text if none is asked)."""
        self.skipped, self.notes = 0, []
        header = read_header(self.file)
        columns = self._columns(request.columns or dict.fromkeys(header, "string"), header)
        with utf8_file(self.file) as path, duckdb.connect() as con:
            self._check_lines(path)
            shape = Shape(self.file.delimiter, len(header), self.file.limits.record_bytes)
            table = typed_read(con, path, shape, columns)
            if table is None:
                careful = CsvTable(con, path, shape)
                careful.load(columns)
                self._check(careful, path, header)
                table = careful.arrow()
        self._check_cells(table)
        return table

    def locate(self, positions: Sequence[int]) -> list[str]:
        """`deals.csv:14`: the file and the line each record starts on."""
        if not positions:
            return []
        with utf8_file(self.file) as path:
            rows = range(1, max(positions) + 2 + len(self.set_aside))
            lines = row_lines(path, self.file.delimiter, self.file.limits.record_bytes, set(rows))
        delivered = [lines[r] for r in rows if r in lines and lines[r] not in self.set_aside]
        return [self.file.where(delivered[p] if p < len(delivered) else None) for p in positions]

    def _columns(self, wanted: Mapping[str, FieldType], header: list[str]) -> list[Column]:
        self._check_names([*wanted, *self.forced], header)
        return [Column(n, header.index(n), self.forced.get(n, t)) for n, t in wanted.items()]

    def _check_names(self, names: Sequence[str], header: list[str]) -> None:
        missing = [n for n in dict.fromkeys(names) if n not in header]
        if missing:
            raise self.file.error(missing_columns(self.file.where(), missing, header))
        twice = sorted(duplicate_columns(header) & set(names))
        if twice:
            raise self.file.error(
                f"{self.file.where()} has two columns named '{twice[0]}' — rename one of them"
            )

    def _check_lines(self, path: Path) -> None:
        """Refuse a line over the limit before DuckDB, which could lose the row, reads it."""
        line = first_long_line(path, self.file.limits.line_bytes)
        if line is not None:
            raise self.file.error(f"{self.file.where(line)}: the line is {self._too_long()}")

    def _too_long(self) -> str:
        return self.file.limits.line_too_long()

    def _check(self, table: CsvTable, path: Path, header: list[str]) -> None:
        stop = self.options.get("on_error", "stop") == "stop"
        errors = table.read_errors()
        bad = table.bad_rows(limit=1 if stop else None)
        if not errors and not bad:
            return
        fatal = [e for e in errors if e.fatal]
        with self._values_within_limit():
            if fatal:
                first = read_rejects(fatal[:1], self.file, path, len(header))[0]
                raise self.file.error(first.sentence(self.file))
            rejects = read_rejects(errors[:1] if stop else errors, self.file, path, len(header))
            rejects = in_file_order(rejects + cell_rejects(table, bad, errors, self.file, path))
        if stop:
            raise self.file.error(rejects[0].sentence(self.file))
        self._set_aside(rejects, header, len(errors) + len(bad))

    @contextmanager
    def _values_within_limit(self) -> Iterator[None]:
        """Walking the file for line numbers stops at a value over the limit: name its line."""
        try:
            yield
        except LongValue as exc:
            raise self.file.error(
                f"{self.file.where(exc.line)}: a value in double quotes is {self._too_long()} "
                "— is a double quote missing its closing one?"
            ) from None

    def _check_cells(self, table: pa.Table) -> None:
        """Refuse a value the plan reads that is longer than the limit, naming its line."""
        found = long_cell(table, self.file.limits.cell_bytes)
        if found is not None:
            position, name, size = found
            where = self.locate([position])[0]
            raise self.file.error(
                f"{where}: column '{name}': {self.file.limits.cell_too_long(size)}"
            )

    def _set_aside(self, rejects: list[Reject], header: list[str], rows: int) -> None:
        self.skipped = rows
        self.set_aside = {r.line for r in rejects}
        where = self.options.get("rejects")
        plural = "row" if rows == 1 else "rows"
        if where:
            report = Path(self.base_dir, where)
            write_report(report, header, rejects)
            detail = f"see {shown_path(report)}"
        else:
            detail = f"first: {rejects[0].sentence(self.file)}; set `rejects` to list them all"
        self.notes = [f"source '{self.file.source_id}': {rows} {plural} set aside ({detail})"]


def missing_columns(where: str, missing: Sequence[str], header: Sequence[str]) -> str:
    """`deals.csv has no column 'amout' — did you mean 'amount'? (columns: id, amount)`."""
    parts = []
    for name in missing:
        close = difflib.get_close_matches(name, header, n=1)
        hint = f" — did you mean '{close[0]}'?" if close else ""
        parts.append(f"'{name}'{hint}")
    noun = "column" if len(missing) == 1 else "columns"
    return f"{where} has no {noun} {', '.join(parts)} (columns: {', '.join(header)})"
