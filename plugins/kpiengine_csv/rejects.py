"""Rows a CSV source cannot deliver: where they are, why, and the report of those set aside."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kpiengine import atomic_write, neutralised_cell
from kpiengine_csv.casts import REASONS
from kpiengine_csv.csvfile import CsvFile
from kpiengine_csv.lines import record_lines, row_lines
from kpiengine_csv.table import LINE_TOO_LONG, QUOTE_PROBLEM, BadRow, CsvTable, ReadError

REPORT_COLUMNS = ("line", "column", "value", "reason")


@dataclass(frozen=True)
class Reject:
    """One bad cell, or one row that could not be read at all (then `column` is empty)."""

    line: int
    position: int
    column: str
    value: str
    reason: str
    row: tuple[str | None, ...] = ()

    def sentence(self, file: CsvFile) -> str:
        """`deals.csv:14: column 'amount': '12,5O0' is not a number`."""
        if not self.column:
            return f"{file.where(self.line)}: {self.reason}"
        return f"{file.where(self.line)}: column '{self.column}': '{self.value}' {self.reason}"


def read_reason(error: ReadError, file: CsvFile, width: int) -> str:
    """A DuckDB reading error in the user's words."""
    kind = error.kind
    if error.unclosed_quote:
        return (
            "a double quote opens a value that never closes: the lines below it would be read "
            "into it"
        )
    if kind == "TOO MANY COLUMNS":
        return (
            f"the row has more values than the header's {width} columns "
            f"(a value containing '{file.delimiter}' must be in double quotes)"
        )
    if kind == "MISSING COLUMNS":
        return f"the row has fewer values than the header's {width} columns"
    if kind == "INVALID ENCODING":
        return f"the file is not valid {file.encoding} text — {file.encoding_hint()}"
    if kind == QUOTE_PROBLEM:
        return "a value in double quotes is not closed properly"
    if kind == LINE_TOO_LONG:
        return f"the line is {file.limits.line_too_long()}"
    return f"the row cannot be read ({kind.lower()})"


def read_rejects(
    errors: Sequence[ReadError], file: CsvFile, path: Path, width: int
) -> list[Reject]:
    """Rejects for the records DuckDB set aside; `path` is the utf-8 file DuckDB read."""
    wanted = {e.record for e in errors}
    lines = record_lines(path, file.delimiter, file.limits.record_bytes, wanted)
    return [
        Reject(lines.get(e.record, e.record), -1, "", e.text, read_reason(e, file, width))
        for e in errors
    ]


def cell_rejects(
    table: CsvTable, bad: Sequence[BadRow], errors: Sequence[ReadError], file: CsvFile, path: Path
) -> list[Reject]:
    """One Reject per bad cell, with the physical line and the original row."""
    set_aside = {e.record for e in errors}
    max_value = file.limits.record_bytes
    lines = row_lines(path, file.delimiter, max_value, {b.row for b in bad}, set_aside)
    raw = table.raw_rows([b.row for b in bad])
    return [
        Reject(
            lines[b.row], c.index, c.name, raw[b.row][c.index] or "", REASONS[c.type], raw[b.row]
        )
        for b in bad
        for c in b.columns
    ]


def in_file_order(rejects: Sequence[Reject]) -> list[Reject]:
    return sorted(rejects, key=lambda r: (r.line, r.position))


def write_report(target: Path, header: Sequence[str], rejects: Sequence[Reject]) -> None:
    """The rejects CSV (utf-8 with BOM, so Excel shows Chinese), written atomically; a cell from
    the data that a spreadsheet would take for a formula gets a `'` before it."""
    with atomic_write(target, encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(_cells([*REPORT_COLUMNS, *header]))
        for r in rejects:
            writer.writerow([r.line, *_cells([r.column, r.value, r.reason, *r.row])])


def _cells(values: Sequence[str | None]) -> list[str]:
    return [neutralised_cell(v or "") for v in values]
