from datetime import date

import pytest

from kpiengine.plan.periods import calendar_periods, parse_period
from kpiengine.plan.ruleset import Calendar


@pytest.mark.parametrize(
    ("frequency", "ids"),
    [
        ("quarter", ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]),
        ("half", ["2025-H1", "2025-H2"]),
        ("year", ["2025"]),
    ],
)
def test_calendar_periods_cover_the_year(frequency, ids):
    periods = calendar_periods(Calendar(2025, frequency))
    assert [p.id for p in periods] == ids
    assert periods[0].start == date(2025, 1, 1)
    assert periods[-1].end == date(2026, 1, 1)


def test_monthly_periods_are_named_by_month():
    periods = calendar_periods(Calendar(2025, "month"))
    assert [p.id for p in periods][:3] == ["2025-01", "2025-02", "2025-03"]
    assert periods[11].start == date(2025, 12, 1) and periods[11].end == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2025", date(2025, 1, 1), date(2026, 1, 1)),
        ("2025-Q2", date(2025, 4, 1), date(2025, 7, 1)),
        ("2025-H2", date(2025, 7, 1), date(2026, 1, 1)),
        ("2025-03", date(2025, 3, 1), date(2025, 4, 1)),
    ],
)
def test_parse_period_reads_what_users_write(text, start, end):
    period = parse_period(text)
    assert period is not None
    assert (period.start, period.end, period.id) == (start, end, text)


@pytest.mark.parametrize("text", ["2025-Q5", "2025-13", "25-Q1", "2025Q1", ""])
def test_parse_period_refuses_what_is_not_a_period(text):
    assert parse_period(text) is None


def test_a_year_contains_its_quarters_but_not_the_next_year():
    year, q3 = parse_period("2025"), parse_period("2025-Q3")
    assert year.contains(q3) and not q3.contains(year)
    assert not year.contains(parse_period("2026-Q1"))
