"""Comparisons in a `where` (or an aggregated value) against text no record has:
`stage == 'Won'` while the data says `won` would make every result 0 without a word."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from itertools import pairwise

from kpiengine.checks.census import Census
from kpiengine.checks.model import Check
from kpiengine.checks.scope import SHOWN, Scope, listed
from kpiengine.expressions import Expression
from kpiengine.names import RECORD
from kpiengine.sql import ident, literal
from kpiengine.suggest import closest

_EQUALITY = (ast.Eq, ast.NotEq)
_MEMBERSHIP = (ast.In, ast.NotIn)


def _text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _pair(op: ast.cmpop, left: ast.AST, right: ast.AST) -> Iterator[tuple[str, str]]:
    """(field, text) for `field == 'x'`, `'x' != field`, `field in ('x', 'y')`."""
    if isinstance(op, _EQUALITY):
        for name, other in ((left, right), (right, left)):
            text = _text(other)
            if isinstance(name, ast.Name) and text is not None:
                yield name.id, text
    elif (
        isinstance(op, _MEMBERSHIP)
        and isinstance(left, ast.Name)
        and isinstance(right, ast.Tuple | ast.List | ast.Set)
    ):
        for element in right.elts:
            text = _text(element)
            if text is not None:
                yield left.id, text


def text_comparisons(expression: Expression) -> Iterator[tuple[str, str]]:
    """Every (field, text literal) the expression compares for equality or membership."""
    for node in ast.walk(expression.node):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for op, (left, right) in zip(node.ops, pairwise(operands), strict=True):
                yield from _pair(op, left, right)


def _compared(scope: Scope) -> dict[tuple[str, str], dict[str, list[str]]]:
    """(source, field) → text → the rules that compare the field with it."""
    found: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for agg in scope.aggregations():
        for expression in (agg.where, agg.value):
            if expression is None:
                continue
            for field, text in text_comparisons(expression):
                if scope.store.fields.get(agg.source, {}).get(field) == "string":
                    rules = found[(agg.source, field)][text]
                    rule = expression.rule or agg.rule
                    if rule not in rules:
                        rules.append(rule)
    return found


def _values(scope: Scope, source: str, field: str) -> tuple[list[str], int]:
    """The field's first distinct values in record order, and how many there are."""
    view, column = scope.store.view(source), ident(field)
    sql = (
        f"SELECT {column} AS v, min({ident(RECORD)}) AS first, count(*) OVER () AS n "
        f"FROM {view} WHERE {column} IS NOT NULL GROUP BY {column} ORDER BY first LIMIT 20"
    )
    rows = scope.store.query(sql)
    return [str(r[0]) for r in rows], int(rows[0][2]) if rows else 0


def _check(scope: Scope, source: str, field: str, text: str, rules: list[str]) -> Check:
    values, count = _values(scope, source, field)
    match = closest(text, values)
    hint = f" — did you mean {literal(match)}?" if match is not None else ""
    has = f"its values are {listed([literal(v) for v in values[:10]], count)}" if values else ""
    compare = "compares" if len(rules) == 1 else "compare"
    return Check(
        code="text-not-in-data",
        severity="warning",
        message=(
            f"source '{source}': no record has {field} {literal(text)} ({' and '.join(rules)} "
            f"{compare} {field} with it); {has or 'it is blank in every record'}{hint}"
        ),
        source=source,
        counts={"values": count},
        examples=tuple(values[:SHOWN]),
    )


def ask_literals(scope: Scope, census: Census) -> None:
    """How many records have each text a rule compares a field with."""
    for (source, field), rules in _compared(scope).items():
        for text in rules:
            census.ask(source, f"{field} = {text}", f"{ident(field)} = ?", [text])


def literal_checks(scope: Scope, census: Census) -> list[Check]:
    """A warning for each text a rule compares a field with that no record of the source has."""
    checks = []
    for (source, field), rules in sorted(_compared(scope).items()):
        if not census[source, "records"]:
            continue  # an empty source is reported once, as empty
        for text in sorted(rules):
            if not census[source, f"{field} = {text}"]:
                checks.append(_check(scope, source, field, text, rules[text]))
    return checks
