"""The common case first: a clean file, read by DuckDB straight into its types.

Plain numbers, ISO dates and true/false parse natively and in parallel. Anything else — a
`1,200`, a `2025/3/1`, a bad cell, a short row — makes DuckDB stop, and the careful reading of
`table.py` runs instead: it accepts those forms and names the line of every bad cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from kpiengine import FieldType
from kpiengine_csv.table import Column, Shape

NATIVE: dict[FieldType, str] = {
    "string": "VARCHAR",
    "number": "DECIMAL(38, 6)",
    "date": "DATE",
    "boolean": "BOOLEAN",
}
"""Types DuckDB parses exactly as the careful reading would. Not integers: DuckDB rounds 12.5
into a BIGINT where the careful reading refuses it."""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def typed_read(
    con: duckdb.DuckDBPyConnection, path: Path, shape: Shape, columns: Sequence[Column]
) -> pa.Table | None:
    """The requested columns in file order, or None when the file needs the careful reading."""
    if any(c.type not in NATIVE for c in columns):
        return None
    kinds = {c.index: NATIVE[c.type] for c in columns}
    types = ", ".join(f"'c{i}': '{kinds.get(i, 'VARCHAR')}'" for i in range(shape.width))
    empty = " AND ".join(f"c{i} IS NULL" for i in range(shape.width)) or "false"
    select = ", ".join(f"c{c.index} AS {_quoted(c.name)}" for c in columns)
    sql = (
        f"SELECT {select} FROM read_csv($path, auto_detect=false, header=true, "
        f"columns={{{types}}}, delim=$delim, max_line_size=$max_line, quote='\"', escape='\"', "
        f"comment='', dateformat='%Y-%m-%d') WHERE NOT ({empty})"
    )
    try:
        return con.sql(sql, params=shape.params(path)).to_arrow_table()
    except duckdb.Error:
        return None
