"""Zoho records as Arrow record batches typed as the engine asks.

A JSON API hands over records one by one, so each page (at most 2,000 records) is converted in
Python: the network, not this loop, sets the pace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa

from kpiengine import FieldType, Refused
from kpiengine.connectors import ARROW_TYPES, parse_integer, parse_number
from kpiengine_zoho import values
from kpiengine_zoho.columns import Column, Record
from kpiengine_zoho.owners import Owners

CONVERTERS: dict[FieldType, Callable[[Any], Any]] = {
    "string": values.text,
    "number": parse_number,  # already six decimals, half-up
    "integer": parse_integer,
    "date": values.day,
    "boolean": values.boolean,
}


def schema(columns: Sequence[Column]) -> pa.Schema:
    return pa.schema([(c.name, ARROW_TYPES[c.type]) for c in columns])


def _shown(raw: Any) -> str:
    text = raw if isinstance(raw, str) else repr(raw)
    return f"'{text[:60]}'"


def _cells(records: Sequence[Record], column: Column, owners: Owners, who: str) -> list[Any]:
    convert = CONVERTERS[column.type]
    cells = []
    for record in records:
        try:
            raw = column.read(record, owners)
            cells.append(convert(raw))
        except (ValueError, TypeError, ArithmeticError) as exc:
            shown = _shown(record.get(column.needs[0]) if column.needs else record.get("id"))
            raise Refused(
                f"{who}: record {record.get('id', '?')} field '{column.name}' has {shown}, "
                f"which {exc}"
            ) from None
    return cells


def page_batch(
    records: Sequence[Record], columns: Sequence[Column], owners: Owners, who: str
) -> pa.RecordBatch:
    """One page of records as a record batch with the columns' Arrow types."""
    arrays = [pa.array(_cells(records, c, owners, who), type=ARROW_TYPES[c.type]) for c in columns]
    return pa.RecordBatch.from_arrays(arrays, schema=schema(columns))
