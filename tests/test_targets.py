from datetime import date
from fractions import Fraction

import pytest

from kpiengine.evaluate.shares import on_board
from kpiengine.plan.periods import parse_period
from kpiengine.plan.workdays import workdays

Q1 = parse_period("2025-Q1")


@pytest.mark.parametrize(
    ("start", "how", "share"),
    [
        (None, "months", Fraction(1)),
        (date(2024, 6, 1), "months", Fraction(1)),
        (date(2025, 3, 1), "months", Fraction(1, 3)),
        (date(2025, 3, 15), "months", Fraction(1, 3)),
        (date(2025, 3, 16), "months", Fraction(0)),
        (date(2025, 2, 10), "months", Fraction(2, 3)),
        (date(2025, 3, 1), "days", Fraction(31, 90)),
        (date(2025, 4, 1), "days", Fraction(0)),
        (date(2025, 3, 1), None, Fraction(1)),
    ],
)
def test_share_of_the_period_on_board(start, how, share):
    assert on_board(start, Q1, how) == share


def test_workdays_follow_the_statutory_calendar_with_adjusted_days():
    # 2025-01-26 (Sunday) and 2025-02-08 (Saturday) were working days; 春节 28 Jan – 4 Feb off.
    assert workdays(date(2025, 1, 26), date(2025, 1, 27)) == 1
    assert workdays(date(2025, 1, 28), date(2025, 2, 5)) == 0
    assert workdays(date(2025, 2, 8), date(2025, 2, 9)) == 1


def test_workdays_outside_the_calendar_package_is_a_clear_error():
    from kpiengine.errors import KpiEngineError

    with pytest.raises(KpiEngineError, match="statutory holiday calendar for 1999"):
        workdays(date(1999, 1, 1), date(1999, 2, 1))
