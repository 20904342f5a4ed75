"""Scalar evaluation: Decimal numbers, None as SQL NULL, and failures as ExpressionError."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kpiengine.errors import ExpressionError
from kpiengine.expressions import compile_expression

RULE = "indicators[0].score"


def value(text, kind="result", **names):
    return compile_expression(text, kind=kind, rule=RULE).evaluate(names)


def fails(text, kind="result", **names):
    expression = compile_expression(text, kind=kind, rule=RULE)
    with pytest.raises(ExpressionError) as caught:
        expression.evaluate(names)
    message = str(caught.value)
    assert message.startswith(RULE + ": ")
    assert text in message
    return message


def test_number_literals_are_exact_decimals():
    assert value("0.1 + 0.2") == Decimal("0.3")
    assert value("0.1 + 0.2 == 0.3") is True
    assert isinstance(value("1"), Decimal)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (3, Decimal(3)),
        (0.1, Decimal("0.1")),
        (Decimal("2.50"), Decimal("2.50")),
        ("won", "won"),
        (True, True),
        (None, None),
        (dt.date(2025, 3, 1), dt.date(2025, 3, 1)),
    ],
)
def test_inputs_become_expression_values(given, expected):
    result = value("x", x=given)
    assert result == expected
    assert type(result) is type(expected)


def test_division_is_decimal_and_by_zero_gives_none():
    assert value("won_deals / opportunities", won_deals=2, opportunities=25) == Decimal("0.08")
    assert value("won_deals / opportunities", won_deals=2, opportunities=0) is None
    assert value("0 / 0") is None


def test_power_is_exact_for_whole_exponents():
    assert value("1.1 ** 2") == Decimal("1.21")
    assert value("x ** 0", x=0) == Decimal(1)


@pytest.mark.parametrize(
    "text",
    ["x + 1", "1 - x", "x * 2", "x / 2", "2 / x", "x ** 2", "-x", "+x", "abs(x)", "round(x, 1)"],
)
def test_arithmetic_with_none_gives_none(text):
    assert value(text, x=None) is None


@pytest.mark.parametrize(
    "text", ["x == 1", "x != 1", "x < 1", "1 <= x", "x in (1, 2)", "x not in (1,)"]
)
def test_comparison_with_none_gives_none(text):
    assert value(text, x=None) is None


@pytest.mark.parametrize(
    ("a", "b", "both", "either"),
    [
        (True, None, None, True),
        (False, None, False, None),
        (None, None, None, None),
        (True, False, False, True),
        (True, True, True, True),
    ],
)
def test_and_or_are_three_valued(a, b, both, either):
    assert value("a and b", a=a, b=b) is both
    assert value("b and a", a=a, b=b) is both
    assert value("a or b", a=a, b=b) is either
    assert value("b or a", a=a, b=b) is either


def test_not_of_none_is_none():
    assert value("not x", x=None) is None
    assert value("not x", x=False) is True


def test_if_with_unknown_condition_takes_the_else_branch():
    assert value("1 if c else 2", c=None) == 2
    assert value("1 if c else 2", c=True) == 1


def test_chained_comparison_is_three_valued_and():
    assert value("0 < x < 10", x=5) is True
    assert value("0 < x < 10", x=None) is None
    assert value("x < 0 < y", x=1, y=None) is False


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("stage == 'won'", {"stage": "won"}, True),
        ("stage in ('won', 'closed')", {"stage": "closed"}, True),
        ("stage not in ('won', 'closed')", {"stage": "lost"}, True),
        ("stage == '赢单'", {"stage": "赢单"}, True),
        ("stage < 'b'", {"stage": "a"}, True),
        ("len(name) == 2", {"name": "张三"}, True),
        ("startswith(name, '张')", {"name": "张三"}, True),
        ("contains(name, '三')", {"name": "张三"}, True),
        ("lower(code) == 'ab'", {"code": "AB"}, True),
        ("upper(code)", {"code": "ab"}, "AB"),
        ("year(d) == 2025 and month(d) == 3", {"d": dt.date(2025, 3, 9)}, True),
        ("d >= '2025-03-01'", {"d": dt.date(2025, 3, 9)}, True),
        ("d < '2025-03-10'", {"d": dt.datetime(2025, 3, 9, 18, 30)}, True),
        ("d == e", {"d": dt.date(2025, 3, 9), "e": dt.datetime(2025, 3, 9)}, True),
        ("x in (-1, 2.5)", {"x": Decimal("-1.000000")}, True),
        ("flag == True", {"flag": True}, True),
    ],
)
def test_text_dates_and_lists(text, names, expected):
    assert compile_expression(text, kind="row").evaluate(names) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("round(2.675, 2)", Decimal("2.68")),
        ("round(2.5)", Decimal("3")),
        ("round(-2.5)", Decimal("-3")),
        ("round(0.125, 2)", Decimal("0.13")),
        ("round(1250, -2)", Decimal("1300")),
        ("round(-1250, -2)", Decimal("-1300")),
        ("min(3, 1, 2)", Decimal(1)),
        ("max(3, 1, 2)", Decimal(3)),
        ("abs(-2)", Decimal(2)),
        ("clamp(1.5, 0, 1.2)", Decimal("1.2")),
        ("clamp(-1, 0, 1.2)", Decimal(0)),
        ("coalesce(None, 2, 3)", Decimal(2)),
        ("coalesce(None, None)", None),
    ],
)
def test_builtin_functions(text, expected):
    assert value(text) == expected


def test_round_of_a_float_input_is_half_up_on_its_decimal_value():
    assert value("round(x, 2)", x=2.675) == Decimal("2.68")


@pytest.mark.parametrize("text", ["min(x, 1)", "max(1, x)", "clamp(x, 0, 1)", "clamp(1, x, 2)"])
def test_min_max_clamp_of_none_are_none(text):
    # unlike DuckDB's least/greatest, which skip NULLs: no data must not score the cap
    assert value(text, x=None) is None


def test_dotted_names_are_looked_up_flat():
    names = {"revenue.attainment": Decimal("0.75"), "weight": 40}
    assert value("weight * min(revenue.attainment, 1.2)", **names) == Decimal("30.00")


def test_dotted_names_are_never_read_as_attributes():
    class Indicator:
        actual = Decimal(1)

    message = fails("revenue.actual", revenue=Indicator())
    assert "'revenue.actual' is not known here" in message


def test_missing_name_is_reported_with_a_suggestion():
    message = fails("amount > 0", kind="row", amout=1)
    assert "'amount' is not known here — did you mean 'amout'?" in message


@pytest.mark.parametrize(
    ("text", "names", "reason"),
    [
        ("stage + 1", {"stage": "won"}, "'+' works on numbers, not on the text 'won'"),
        ("stage * 3", {"stage": "a"}, "'*' works on numbers"),
        ("-stage", {"stage": "a"}, "'-' works on numbers"),
        ("flag + 1", {"flag": True}, "'+' works on numbers, not on the true/false value True"),
        ("d - 1", {"d": dt.date(2025, 1, 1)}, "works on numbers, not on the date 2025-01-01"),
        ("x < stage", {"x": 1, "stage": "a"}, "cannot compare the number 1 with the text 'a'"),
        ("x == stage", {"x": 1, "stage": "1"}, "cannot compare the number 1 with the text '1'"),
        ("d > '2025-13-01'", {"d": dt.date(2025, 1, 1)}, "'2025-13-01' is not a date"),
        ("x and True", {"x": 1}, "'and' needs a true/false value, not the number 1"),
        ("not x", {"x": "a"}, "'not' needs a true/false value"),
        ("1 if x else 2", {"x": 0}, "'if' needs a true/false value"),
        ("lower(x)", {"x": 1}, "lower() works on text, not on the number 1"),
        ("year(x)", {"x": "2025-01-01"}, "year() works on dates"),
        ("min(x, 1)", {"x": "a"}, "min() works on numbers"),
        ("x in ('a', 'b')", {"x": 1}, "cannot compare the number 1 with the text 'a'"),
        ("x ** 100", {"x": 10**5}, "too large"),
        ("x * x", {"x": Decimal("1e60")}, "too large"),
        ("x + 1", {"x": float("nan")}, "not a number"),
        ("x + 1", {"x": Decimal("Infinity")}, "not a number"),
    ],
)
def test_evaluation_failure_is_an_expression_error(text, names, reason):
    assert reason in fails(text, **names)


def test_unsupported_python_value_is_a_programming_error():
    with pytest.raises(TypeError, match="cannot be a list"):
        compile_expression("x", kind="row").evaluate({"x": [1, 2]})


def test_extra_names_are_ignored():
    assert value("x", x=1, y=object()) == 1


def test_huge_results_stay_bounded():
    assert Decimal(10) ** 95 < value("x ** 100", x=9) < Decimal(10) ** 96
    assert "too large" in fails("x ** 100 * x ** 100", x=9)
