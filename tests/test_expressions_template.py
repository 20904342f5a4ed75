"""Feedback message templates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kpiengine.errors import ExpressionError
from kpiengine.expressions import compile_template

RULE = "feedback[0].message"


def render(text, **names):
    return compile_template(text, rule=RULE).render(names)


def test_design_example():
    template = compile_template(
        "销售额完成率 {revenue.attainment:.0%},建议参加高级销售策略培训", rule=RULE
    )
    assert template.names == {"revenue.attainment"}
    rendered = template.render({"revenue.attainment": Decimal("0.75")})
    assert rendered == "销售额完成率 75%,建议参加高级销售策略培训"


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("{x:.0%}", Decimal("0.745"), "75%"),  # half-up, not half-even
        ("{x:.1%}", Decimal("0.7449"), "74.5%"),
        ("{x:.2f}", Decimal("0.125"), "0.13"),
        ("{x:,.2f}", Decimal("900000"), "900,000.00"),
        ("{x}", Decimal("900000.000000"), "900000"),
        ("{x}", Decimal("0.750000"), "0.75"),
        ("{x:,}", Decimal("1234567.5"), "1,234,567.5"),
        ("{x:.1}", Decimal("2.25"), "2.3"),
        ("{x:>8}", Decimal("12.5"), "    12.5"),
        ("{x:*^9.1f}", Decimal("3"), "***3.0***"),
        ("{x:+.1f}", Decimal("3"), "+3.0"),
        ("{x:08.2f}", Decimal("-3.14159"), "-0003.14"),
        ("{x:d}", Decimal("42.000"), "42"),
        ("{x:x}", Decimal("255"), "ff"),
        ("{x:e}", Decimal("1234.5"), "1.2345e+3"),
        ("{x}", 3, "3"),
        ("{x}", 0.1, "0.1"),
        ("{x}", "良好", "良好"),
        ("{x:>4}", "良好", "  良好"),
        ("{x}", dt.date(2025, 3, 9), "2025-03-09"),
        ("{x}", None, "—"),
        ("{x:.0%}", None, "—"),
        ("{x}", True, "True"),
        ("{{x}} = {x}", Decimal(1), "{x} = 1"),
        ("{x * 100:.0f} 分", Decimal("0.855"), "86 分"),
        ("{round(x, 1)}", Decimal("0.25"), "0.3"),
        ("{x if x > 0 else 'none'}", Decimal("-1"), "none"),
        ("{'a:b'}", None, "a:b"),
        ("{x::>3}", Decimal(1), "::1"),
    ],
)
def test_formats(text, value, expected):
    assert render(text, x=value) == expected


def test_names_of_all_fields():
    template = compile_template("{a.actual:,.0f} / {a.target:,.0f} ({b:.0%})", rule=RULE)
    assert template.names == {"a.actual", "a.target", "b"}


def test_missing_value_text_can_be_chosen():
    template = compile_template("完成率 {x:.0%}", rule=RULE)
    assert template.render({"x": None}, missing="无数据") == "完成率 无数据"


def test_plain_text_template():
    template = compile_template("继续保持", rule=RULE)
    assert template.names == frozenset()
    assert template.render({}) == "继续保持"


def refuse(text):
    with pytest.raises(ExpressionError) as caught:
        compile_template(text, rule=RULE)
    message = str(caught.value)
    assert message.startswith(RULE + ": ")
    return message


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{x.__class__}", "names starting with '_'"),
        ("{x.__class__.__init__.__globals__}", "after a dot only"),
        ("{x[0]}", "indexing"),
        ("{x!r}", "not a valid expression"),
        ("{x:{y}}", "may not contain another '{'"),
        ("{x:%Y-%m}", "not a format"),
        ("{x:.100f}", "not a format"),
        ("{x:1000}", "not a format"),
        ("{x:s}", "not a format"),
        ("{x:c}", "not a format"),
        ("{x:#x}", "not a format"),
        ("{x:.2f}{y:.2f", "'{' is not closed"),
        ("a } b", "single '}'"),
        ("{}", "empty {} field"),
        ("{ }", "empty {} field"),
        ("{__import__('os')}", "unknown function '__import__'"),
        ("{open('/etc/passwd')}", "unknown function 'open'"),
        ("{'a' * 10**9}", "multiplying text"),
        ("{(x := 1)}", "not a format"),
        ("{" + "x" * 2_000 + "}", "too long"),
        ("{x}" * 21, "at most 20"),
    ],
)
def test_bad_templates_are_refused(text, reason):
    assert reason in refuse(text)


@pytest.mark.parametrize(
    ("text", "value", "reason"),
    [
        ("{x:.0%}", "良好", "needs a number, but the value is the text '良好'"),
        ("{x:,}", "a", "needs a number"),
        ("{x:d}", Decimal("2.5"), "needs a whole number"),
        ("{x:,n}", Decimal("2.5"), "could not be shown"),
        ("{x + 1}", "a", "'+' works on numbers"),
    ],
)
def test_render_failure_is_an_expression_error(text, value, reason):
    with pytest.raises(ExpressionError) as caught:
        compile_template(text, rule=RULE).render({"x": value})
    assert str(caught.value).startswith(RULE + ": ")
    assert reason in str(caught.value)
