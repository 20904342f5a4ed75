"""The run's periods as COQL criteria: a record is asked for when ANY of its requested date
fields falls in the periods — a deal created in them or closed in them.

Dates (`Closing_Date`) are compared exactly. A date-time (`Created_Time`) is compared on a window
one day wider at each end: its day is the one in the CRM user's time zone, which the query does
not know, and a day covers every offset (−12:00 to +14:00). The engine drops the extra records.
A requested date field whose kind is not known (a custom field) cannot be filtered on without
losing its records, so then nothing is filtered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from kpiengine_zoho.columns import Column, DateKind

MARGIN = timedelta(days=1)


def _literal(day: date, kind: DateKind, shift: timedelta) -> str:
    if kind == "date":
        return f"'{day.isoformat()}'"
    return f"'{(day + shift).isoformat()}T00:00:00+00:00'"


def _condition(field: str, kind: DateKind, start: date | None, end: date | None) -> str:
    parts = []
    if start is not None:
        parts.append(f"{field} >= {_literal(start, kind, -MARGIN)}")
    if end is not None:
        parts.append(f"{field} < {_literal(end, kind, MARGIN)}")
    return f"({' and '.join(parts)})"


def period_criteria(
    columns: Sequence[Column], date_columns: frozenset[str], start: date | None, end: date | None
) -> str | None:
    """COQL criteria for [start, end) on the requested date columns; None: do not filter."""
    if start is None and end is None:
        return None
    fields: dict[str, DateKind] = {}
    for column in columns:
        if column.name in date_columns:
            known = column.date_field
            if known is None:
                return None
            fields[known[0]] = known[1]
    if not fields:
        return None
    conditions = [_condition(f, kind, start, end) for f, kind in fields.items()]
    return conditions[0] if len(conditions) == 1 else f"({' or '.join(conditions)})"
