"""What an expression reads and calls."""

from __future__ import annotations

import pytest

from kpiengine.expressions import compile_expression


@pytest.mark.parametrize(
    ("text", "kind", "names", "functions"),
    [
        ("won_deals / opportunities", "result", {"won_deals", "opportunities"}, set()),
        ("revenue.attainment < 0.8", "result", {"revenue.attainment"}, set()),
        ("stage == 'won' and amount > 0", "row", {"stage", "amount"}, set()),
        ("weight * min(attainment, cap)", "result", {"weight", "attainment", "cap"}, {"min"}),
        (
            "round(revenue.actual / csat.actual, 2)",
            "result",
            {"revenue.actual", "csat.actual"},
            {"round"},
        ),
        ("year(closed_on) == 2025", "row", {"closed_on"}, {"year"}),
        ("1 + 2", "row", set(), set()),
        ("min(max(a, 1), 2)", "row", {"a"}, {"min", "max"}),
        ("客户 in ('甲', '乙')", "row", {"客户"}, set()),
    ],
)
def test_names_and_functions(text, kind, names, functions):
    expression = compile_expression(text, kind=kind)
    assert expression.names == names
    assert expression.functions == functions


def test_a_field_named_like_a_function_is_a_name():
    expression = compile_expression("year == 2025 and year(d) == year", kind="row")
    assert expression.names == {"year", "d"}
    assert expression.functions == {"year"}
    assert expression.evaluate({"year": 2025, "d": __import__("datetime").date(2025, 1, 1)})


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("a + 1", "number"),
        ("a > 1", "bool"),
        ("lower(s)", "text"),
        ("a", "any"),
        ("coalesce(a, 'x')", "text"),
        ("1 if c else None", "number"),
        ("None", "null"),
    ],
)
def test_value_kind_is_known_where_the_syntax_fixes_it(text, kind):
    assert compile_expression(text, kind="row").value_kind == kind


def test_expressions_compare_by_text_and_kind():
    a = compile_expression("x + 1", kind="row", rule="r")
    assert a == compile_expression("x + 1", kind="row", rule="r")
    assert a != compile_expression("x + 1", kind="result", rule="r")
    assert "tree" not in repr(a)
