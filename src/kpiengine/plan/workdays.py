"""Working days by the Chinese statutory calendar, with its adjusted working days (调休).

The calendar comes from the maintained `chinese_calendar` package, not a hand-written list.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import chinese_calendar

from kpiengine.errors import KpiEngineError


@cache
def workdays(start: date, end: date) -> int:
    """Working days in [start, end)."""
    days = (start + timedelta(n) for n in range((end - start).days))
    try:
        return sum(1 for day in days if chinese_calendar.is_workday(day))
    except NotImplementedError as exc:
        raise KpiEngineError(
            f"split: workdays needs the statutory holiday calendar for {start.year}, which the "
            f"installed chinese_calendar package does not have ({exc}); upgrade it with "
            "`pip install -U chinese-calendar`, or use split: even or weights"
        ) from exc
