"""The run's periods as a `data/list` filter on a date field, so only those records travel."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from kpiengine import Refused
from kpiengine_jiandaoyun.widgets import Widget

FAR_PAST = datetime(1900, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(2200, 1, 1, tzinfo=UTC)
"""Open ends are written as far dates: whether `range` accepts null is not documented."""


def utc_text(moment: datetime) -> str:
    """`2024-12-31T16:00:00.000Z`: the form Jiandaoyun stores and compares times in."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def period_filter(
    widget: Widget, start: date | None, end: date | None, zone: tzinfo, who: str
) -> dict[str, Any] | None:
    """`range` over [start, end) in `zone` (both ends inclusive for Jiandaoyun, hence −1 ms)."""
    if start is None and end is None:
        return None
    if widget.type != "datetime":
        raise Refused(
            f"{who}: date_field '{widget.label}' is a {widget.type} field, not a date "
            "— name a date field, or remove date_field"
        )
    low = datetime.combine(start, time(), zone) if start else FAR_PAST
    high = datetime.combine(end, time(), zone) - timedelta(milliseconds=1) if end else FAR_FUTURE
    condition = {
        "field": widget.name,
        "type": "datetime",
        "method": "range",
        "value": [utc_text(low), utc_text(high)],
    }
    return {"rel": "and", "cond": [condition]}
