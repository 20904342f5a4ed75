"""What a fetch delivered, checked the way the engine will read it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import pyarrow as pa

from kpiengine.source import FetchRequest, FieldType, Source

ARROW_KINDS: dict[FieldType, Callable[[Any], bool]] = {
    "string": lambda t: pa.types.is_string(t) or pa.types.is_large_string(t),
    "number": lambda t: pa.types.is_decimal(t) or pa.types.is_floating(t) or pa.types.is_integer(t),
    "integer": lambda t: pa.types.is_integer(t),
    "date": lambda t: pa.types.is_date(t),
    "boolean": lambda t: pa.types.is_boolean(t),
}
"""The Arrow types that carry each field type (an all-empty column may also be of type null)."""


def fetch_table(source: Source, request: FetchRequest) -> pa.Table:
    """`source.fetch(request)` as one table, whether it returned a table or record batches."""
    data = source.fetch(request)
    if isinstance(data, pa.Table):
        return data
    batches = list(data)
    assert batches, (
        "fetch returned no record batches at all: return an empty table with the requested "
        "columns instead (pyarrow.table({...}) with empty typed arrays)"
    )
    return pa.Table.from_batches(batches)


def carries(arrow_type: Any, kind: FieldType) -> bool:
    """Whether a column of `arrow_type` delivers a field of the engine's type `kind`."""
    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    return bool(pa.types.is_null(arrow_type) or ARROW_KINDS[kind](arrow_type))


def wrong_columns(table: pa.Table, columns: Mapping[str, FieldType]) -> list[str]:
    """Sentences about each requested column that is missing or of another type."""
    problems = []
    for name, kind in columns.items():
        if name not in table.column_names:
            problems.append(f"column '{name}' is missing (got: {', '.join(table.column_names)})")
        elif not carries(table.schema.field(name).type, kind):
            problems.append(f"column '{name}' should be {kind}, is {table.schema.field(name).type}")
    return problems


def records(table: pa.Table, columns: Mapping[str, FieldType]) -> list[dict[str, Any]]:
    """The records as mappings of the requested columns (which must all be there, typed)."""
    problems = wrong_columns(table, columns)
    assert not problems, problems
    return list(table.select(list(columns)).to_pylist())


def dated_within(
    record: Mapping[str, Any], date_columns: frozenset[str], span: tuple[date, date]
) -> bool:
    """Whether any of the record's date columns falls in [start, end)."""
    return any(
        isinstance(record.get(c), date) and span[0] <= record[c] < span[1] for c in date_columns
    )
