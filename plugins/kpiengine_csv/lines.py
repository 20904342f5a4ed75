"""Line numbers in the file as an editor shows them, for the few rows an error names.

DuckDB numbers rows, not lines: a quoted value that spans lines shifts every line after it. So,
only when something is wrong, the file is walked once with Python's csv module, which reports
the physical line where each record starts. Numbering matches DuckDB's: record 1 is the header,
blank lines count as records but carry no row, and rows DuckDB set aside carry no row number.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Record:
    number: int
    """1-based, the header being 1 — DuckDB's `line` in its rejects table."""
    line: int
    """The physical line the record starts on."""
    blank: bool


class LongValue(Exception):
    """A value longer than the reader's limit — usually a double quote that never closes."""

    def __init__(self, line: int) -> None:
        super().__init__(f"a value starting on line {line} is too long")
        self.line = line
        """The line its record starts on."""


@contextmanager
def field_limit(characters: int) -> Iterator[None]:
    """Python's csv reader refuses values over `characters` in the block, not over 128 Ki."""
    before = csv.field_size_limit(characters)
    try:
        yield
    finally:
        csv.field_size_limit(before)


def records(path: Path, delimiter: str, max_value: int) -> Iterator[Record]:
    """Every record of a utf-8 file with the physical line it starts on; LongValue at a value
    of over `max_value` characters."""
    with (
        path.open(encoding="utf-8-sig", errors="replace", newline="") as handle,
        field_limit(max_value),
    ):
        reader = csv.reader(handle, delimiter=delimiter, strict=False)
        last_line = 0
        for number in itertools.count(1):
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error:
                raise LongValue(last_line + 1) from None
            yield Record(number, last_line + 1, not fields)
            last_line = reader.line_num


def row_lines(
    path: Path,
    delimiter: str,
    max_value: int,
    rows: Collection[int],
    set_aside: Collection[int] = (),
) -> dict[int, int]:
    """Start line of each data row (numbered 1… like DuckDB's ordinality) in `rows`.

    `set_aside` are record numbers DuckDB rejected while reading; they get no row number.
    """
    found: dict[int, int] = {}
    row = 0
    for record in records(path, delimiter, max_value):
        if record.number == 1 or record.blank or record.number in set_aside:
            continue
        row += 1
        if row in rows:
            found[row] = record.line
            if len(found) == len(rows):
                break
    return found


def record_lines(
    path: Path, delimiter: str, max_value: int, wanted: Collection[int]
) -> dict[int, int]:
    """Start line of each record (numbered like DuckDB's rejects table) in `wanted`."""
    found: dict[int, int] = {}
    for record in records(path, delimiter, max_value):
        if record.number in wanted:
            found[record.number] = record.line
            if len(found) == len(wanted):
                break
    return found
