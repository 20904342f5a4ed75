"""Evaluation periods of a calendar year: 2025-03, 2025-Q1, 2025-H1, 2025."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kpiengine.plan.ruleset import Calendar, Frequency

MONTHS_PER: dict[Frequency, int] = {"month": 1, "quarter": 3, "half": 6, "year": 12}
_PERIOD = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])|H([12])))?$")


@dataclass(frozen=True, order=True)
class Period:
    """A span of whole months: [start, end) in dates, named the way users write it."""

    start: date
    end: date
    id: str

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _name(year: int, month: int, frequency: Frequency) -> str:
    if frequency == "month":
        return f"{year}-{month:02d}"
    if frequency == "quarter":
        return f"{year}-Q{(month - 1) // 3 + 1}"
    if frequency == "half":
        return f"{year}-H{(month - 1) // 6 + 1}"
    return str(year)


def make_period(year: int, month: int, frequency: Frequency) -> Period:
    start = date(year, month, 1)
    end = _add_months(start, MONTHS_PER[frequency])
    return Period(start, end, _name(year, month, frequency))


def calendar_periods(calendar: Calendar) -> tuple[Period, ...]:
    step = MONTHS_PER[calendar.frequency]
    return tuple(
        make_period(calendar.year, month, calendar.frequency) for month in range(1, 13, step)
    )


def calendar_span(calendar: Calendar) -> tuple[date, date]:
    """From the first day of the calendar's year to the day after its last period: the dates a
    run asks its sources for."""
    periods = calendar_periods(calendar)
    return periods[0].start, periods[-1].end


def parse_period(text: str) -> Period | None:
    """A period as users write it ("2025", "2025-Q1", "2025-H2", "2025-03"), or None."""
    match = _PERIOD.match(text.strip())
    if not match:
        return None
    year, month, quarter, half = match.groups()
    if month:
        if not 1 <= int(month) <= 12:
            return None
        return make_period(int(year), int(month), "month")
    if quarter:
        return make_period(int(year), (int(quarter) - 1) * 3 + 1, "quarter")
    if half:
        return make_period(int(year), (int(half) - 1) * 6 + 1, "half")
    return make_period(int(year), 1, "year")
