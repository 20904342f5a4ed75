"""How large a CSV file's parts may be: a line, a value, the header, the number of columns.

A broken or hostile file — one line of 60 MB, a double quote that never closes, 100,000 columns —
is refused with its line before it is parsed, instead of being read until memory runs out or, as
DuckDB does with a line longer than its read buffer, silently losing the row. Every limit is an
option of the source, with a default far above what a CRM or Excel export holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

from kpiengine import byte_size

MAX_LINE_BYTES = 1 << 20
"""A line (or a record whose quoted value spans lines), the header included: 1 MiB."""
MAX_CELL_BYTES = 128 << 10
"""A value the plan reads: 128 KiB, above Excel's 32,767 characters even in Chinese (3 bytes)."""
MAX_COLUMNS = 4096
"""Columns in the header. Excel's own limit is 16,384, the most the option accepts."""

SCAN_CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """The limits one source reads its file with (bytes are counted in UTF-8)."""

    line_bytes: int = MAX_LINE_BYTES
    cell_bytes: int = MAX_CELL_BYTES
    columns: int = MAX_COLUMNS

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Limits:
        return cls(
            int(options.get("max_line_bytes", MAX_LINE_BYTES)),
            int(options.get("max_cell_bytes", MAX_CELL_BYTES)),
            int(options.get("max_columns", MAX_COLUMNS)),
        )

    @property
    def record_bytes(self) -> int:
        """The longest record DuckDB reads: a line and its end (`\r\n`), which the line limit
        leaves out. Also the longest value Python's csv reader takes walking the file."""
        return self.line_bytes + 2

    def line_too_long(self) -> str:
        return f"longer than {byte_size(self.line_bytes)} (option max_line_bytes)"

    def too_many_columns(self, count: int) -> str:
        return f"{count:,} columns, more than {self.columns:,} (option max_columns)"

    def cell_too_long(self, size: int) -> str:
        return (
            f"the value is {size:,} bytes long, longer than {byte_size(self.cell_bytes)} "
            "(option max_cell_bytes)"
        )


def first_long_line(path: Path, limit: int) -> int | None:
    """The number of the first line of `path` longer than `limit` bytes; None if there is none.

    One pass at the speed of `bytes.find`, holding one chunk. Chunks are no longer than the
    limit, so a line that starts and ends inside one chunk is short enough: only a line that
    crosses a chunk's edge needs counting.
    """
    chunk_size = min(limit, SCAN_CHUNK)
    line, current = 1, 0  # bytes of the current line read so far
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            first = chunk.find(b"\n")
            if first < 0:
                current += len(chunk)
            elif current + first > limit:
                return line
            else:
                line += chunk.count(b"\n")
                current = len(chunk) - chunk.rfind(b"\n") - 1
            if current > limit:
                return line
    return None


def long_cell(table: pa.Table, limit: int) -> tuple[int, str, int] | None:
    """The first text value over `limit` bytes — (row, column, bytes) — or None.

    Only text can be long: a number, date or yes/no that long never parses.
    """
    import pyarrow as pa  # not for the options schema, which registration reads
    import pyarrow.compute as pc

    found: list[tuple[int, str, int]] = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        sizes = pc.binary_length(column)
        if (pc.max(sizes).as_py() or 0) > limit:
            row = pc.index(pc.greater(sizes, limit), True).as_py()
            found.append((row, name, sizes[row].as_py()))
    return min(found, default=None)
