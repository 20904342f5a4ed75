"""The result table as CSV lines, quoted as Python's csv module does (only where needed), built a
batch at a time with Arrow's string kernels."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from kpiengine import ResultTable

SPECIAL = ('"', "\r", "\n")
"""Besides the delimiter, what makes a cell need quotes."""


def quoted(cells: pa.Array, delimiter: str) -> pa.Array:
    """Each cell as CSV text: as it is, or in quotes with its quotes doubled."""
    text = pc.fill_null(cells.cast(pa.string()), "")
    needs = pc.match_substring(text, delimiter)
    for char in SPECIAL:
        needs = pc.or_(needs, pc.match_substring(text, char))
    inner = pc.replace_substring(text, '"', '""')
    return pc.if_else(needs, pc.binary_join_element_wise('"', inner, '"', ""), text)


def lines(columns: Sequence[pa.Array], delimiter: str) -> list[str]:
    """One CSV line (without its ending) per row of these columns."""
    return pc.binary_join_element_wise(  # type: ignore[no-any-return]
        *(quoted(c, delimiter) for c in columns), delimiter
    ).to_pylist()


def csv_chunks(table: ResultTable, delimiter: str) -> Iterator[str]:
    """The header, then every row, as text ending in newlines, a batch at a time."""
    header = [pa.array([name], pa.string()) for name in table.header]
    yield lines(header, delimiter)[0] + "\n"
    for batch in table.cells():
        yield "\n".join(lines(batch.columns, delimiter)) + "\n"
