"""Query records as Arrow record batches typed as the engine asks.

A REST query hands over records as JSON, so each page (at most 2,000 records) is converted in
Python: the API, not this loop, sets the pace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import tzinfo
from typing import Any

import pyarrow as pa

from kpiengine import FieldType, Refused
from kpiengine.connectors import ARROW_TYPES, parse_integer, parse_number
from kpiengine_salesforce import values
from kpiengine_salesforce.columns import Column, raw_value


def schema(columns: Sequence[Column]) -> pa.Schema:
    return pa.schema([(c.name, ARROW_TYPES[c.type]) for c in columns])


def _converter(kind: FieldType, zone: tzinfo) -> Callable[[Any], Any]:
    converters: dict[FieldType, Callable[[Any], Any]] = {
        "number": parse_number,
        "integer": parse_integer,
        "date": lambda v: values.day(v, zone),
        "boolean": values.boolean,
        "string": values.text,
    }
    return converters[kind]


def _cells(
    records: Sequence[Mapping[str, Any]], column: Column, zone: tzinfo, who: str
) -> list[Any]:
    if column.path is None:
        return [column.constant] * len(records)
    convert, steps = _converter(column.type, zone), column.steps
    cells = []
    for record in records:
        raw = raw_value(record, steps)
        try:
            cells.append(convert(raw))
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise Refused(
                f"{who}: Salesforce record {record.get('Id', '?')} field {column.path} "
                f"('{column.name}') has {str(raw)[:60]!r}, which {exc}"
            ) from None
    return cells


def page_batch(
    records: Sequence[Mapping[str, Any]], columns: Sequence[Column], zone: tzinfo, who: str
) -> pa.RecordBatch:
    """One page of records as a record batch with the columns' Arrow types."""
    arrays = [pa.array(_cells(records, c, zone, who), type=ARROW_TYPES[c.type]) for c in columns]
    return pa.RecordBatch.from_arrays(arrays, schema=schema(columns))
