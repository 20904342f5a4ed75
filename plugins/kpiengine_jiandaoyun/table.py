"""Records from `data/list` as Arrow record batches typed as the engine asks.

A JSON API hands over records one by one, so each page is converted in Python (a page is at
most 100 records, fetched at most 30 times a second: the network, not this loop, sets the pace).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

import pyarrow as pa

from kpiengine import FieldType, Refused
from kpiengine.connectors import ARROW_TYPES, parse_integer, parse_number
from kpiengine_jiandaoyun import values
from kpiengine_jiandaoyun.widgets import Form, Widget


@dataclass(frozen=True)
class Column:
    """A column the source delivers: the name the ruleset used, the field behind it, its type."""

    name: str
    widget: Widget
    type: FieldType


def plan_columns(
    form: Form, wanted: Mapping[str, FieldType], who: str, option: str
) -> list[Column]:
    """The requested columns resolved to fields; every field as text when none is requested."""
    if not wanted:
        return [Column(w.label, w, "string") for w in form.user_widgets()]
    return [Column(name, form.lookup(name, who, option), kind) for name, kind in wanted.items()]


def schema(columns: Sequence[Column]) -> pa.Schema:
    return pa.schema([(c.name, ARROW_TYPES[c.type]) for c in columns])


def _converter(column: Column, zone: tzinfo) -> Callable[[Any], Any]:
    if column.type == "number":
        return parse_number  # already six decimals, half-up
    if column.type == "integer":
        return parse_integer
    if column.type == "date":
        return lambda v: values.day(v, zone)
    if column.type == "boolean":
        return values.boolean
    return lambda v: values.text(v, column.widget, zone)


def _cells(
    records: Sequence[Mapping[str, Any]], column: Column, zone: tzinfo, who: str
) -> list[Any]:
    convert = _converter(column, zone)
    cells = []
    for record in records:
        raw = record.get(column.widget.name)
        try:
            cells.append(convert(raw))
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise Refused(
                f"{who}: record {record.get('_id', '?')} field '{column.name}' has "
                f"{_shown(raw)}, which {exc}"
            ) from None
    return cells


def _shown(raw: Any) -> str:
    text = raw if isinstance(raw, str) else repr(raw)
    return f"'{text[:60]}'"


def page_batch(
    records: Sequence[Mapping[str, Any]], columns: Sequence[Column], zone: tzinfo, who: str
) -> pa.RecordBatch:
    """One page of records as a record batch with the columns' Arrow types."""
    arrays = [pa.array(_cells(records, c, zone, who), type=ARROW_TYPES[c.type]) for c in columns]
    return pa.RecordBatch.from_arrays(arrays, schema=schema(columns))
