"""The SOQL a fetch sends: the select list, the period pushed down, `where`, a modified-since.

The run's period is pushed down on the date columns the request names (a deal created in the
period OR closed in it), on the fields whose type is known: CloseDate (a date) and CreatedDate
(a date-time, compared from midnight in the `timezone` option). When a requested date column is
another field, nothing is pushed down — whether it holds a date or a date-time decides how SOQL
must write the bound — and the engine filters the period itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, tzinfo

from kpiengine_salesforce.columns import Column

DATE_FIELDS = {"closedate": "date", "createddate": "datetime"}
"""Fields of a known type the period can be pushed down on (lower-cased path → SOQL type)."""


def datetime_literal(moment: datetime) -> str:
    """`2024-12-31T16:00:00Z`: a SOQL date-time literal (unquoted, UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bound(day: date, kind: str, zone: tzinfo) -> str:
    if kind == "date":
        return day.isoformat()
    return datetime_literal(datetime.combine(day, time(), zone))


def _range(path: str, kind: str, start: date | None, end: date | None, zone: tzinfo) -> str:
    parts = []
    if start is not None:
        parts.append(f"{path} >= {_bound(start, kind, zone)}")
    if end is not None:
        parts.append(f"{path} < {_bound(end, kind, zone)}")
    return " AND ".join(parts)


def period_condition(
    columns: Sequence[Column],
    date_columns: frozenset[str],
    start: date | None,
    end: date | None,
    zone: tzinfo,
) -> str | None:
    """`(CloseDate >= … AND CloseDate < …) OR (CreatedDate >= … …)`, or None to push nothing."""
    dated = [c for c in columns if c.name in date_columns and c.path]
    if (start is None and end is None) or not dated:
        return None
    kinds = [DATE_FIELDS.get(str(c.path).lower()) for c in dated]
    if None in kinds:
        return None
    ranges = {
        _range(str(c.path), str(k), start, end, zone) for c, k in zip(dated, kinds, strict=True)
    }
    ordered = sorted(ranges)
    return ordered[0] if len(ordered) == 1 else " OR ".join(f"({r})" for r in ordered)


def select(
    paths: Sequence[str],
    sobject: str,
    conditions: Sequence[str | None] = (),
    order_by: str = "Id",
) -> str:
    """`SELECT … FROM … WHERE (a) AND (b) ORDER BY …`; None conditions are left out."""
    query = f"SELECT {', '.join(paths)} FROM {sobject}"
    present = [c for c in conditions if c]
    if present:
        query += " WHERE " + " AND ".join(f"({c})" for c in present)
    return f"{query} ORDER BY {order_by}"
