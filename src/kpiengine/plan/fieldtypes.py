"""Which fields of which source a ruleset reads, and as what type: what the engine asks for."""

from __future__ import annotations

import ast
import itertools
from collections import defaultdict
from collections.abc import Iterator

from kpiengine.expressions import Expression
from kpiengine.plan.ruleset import Aggregation, Ruleset
from kpiengine.source import FieldType

NUMERIC_FUNCS = frozenset({"sum", "avg", "min", "max"})
_PRIORITY: dict[FieldType, int] = {"string": 0, "boolean": 1, "integer": 2, "number": 3, "date": 4}


def _constant_type(node: ast.AST) -> FieldType | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return "boolean"
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return "string"
        if isinstance(node.value, int | float):
            return "number"
    if isinstance(node, ast.Tuple | ast.List) and node.elts:
        return _constant_type(node.elts[0])
    return None


def _compare_types(node: ast.Compare) -> Iterator[tuple[str, FieldType]]:
    sides = [node.left, *node.comparators]
    for left, right in itertools.pairwise(sides):
        for a, b in ((left, right), (right, left)):
            kind = _constant_type(b)
            if isinstance(a, ast.Name) and kind is not None:
                yield a.id, kind


def infer(expr: Expression) -> dict[str, FieldType]:
    """Types from use: compared with text → string, with a number or in arithmetic → number."""
    types: dict[str, FieldType] = {}
    for node in ast.walk(expr.tree):
        if isinstance(node, ast.Compare):
            for name, kind in _compare_types(node):
                types.setdefault(name, kind)
        elif isinstance(node, ast.BinOp) or (
            isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not)
        ):
            operands = [node.left, node.right] if isinstance(node, ast.BinOp) else [node.operand]
            for operand in operands:
                if isinstance(operand, ast.Name):
                    types[operand.id] = "number"
        for name in _conditions(node):
            types.setdefault(name, "boolean")
    return {name: types.get(name, "string") for name in expr.names}


def _conditions(node: ast.AST) -> list[str]:
    """Fields used as a condition on their own: `won and amount > 0`, `not won`, `x if won …`."""
    found: list[ast.AST] = []
    if isinstance(node, ast.BoolOp):
        found = list(node.values)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        found = [node.operand]
    elif isinstance(node, ast.IfExp):
        found = [node.test]
    return [n.id for n in found if isinstance(n, ast.Name)]


def _merge(into: dict[str, FieldType], name: str, kind: FieldType) -> None:
    if name not in into or _PRIORITY[kind] > _PRIORITY[into[name]]:
        into[name] = kind


def bare_field(expr: Expression) -> str | None:
    """The field name when the expression is just one field (`sum: amount`)."""
    node = expr.node
    return node.id if isinstance(node, ast.Name) else None


def aggregation_fields(agg: Aggregation, levels: bool = False) -> dict[str, FieldType]:
    fields: dict[str, FieldType] = {"owner": "string"}
    if agg.value is not None:
        inferred = infer(agg.value)
        name = bare_field(agg.value)
        if name is not None:
            numeric = agg.func in NUMERIC_FUNCS or (agg.func == "last" and not levels)
            inferred[name] = "number" if numeric else inferred[name]
        for name, kind in inferred.items():
            _merge(fields, name, kind)
    if agg.where is not None:
        for name, kind in infer(agg.where).items():
            _merge(fields, name, kind)
        condition = bare_field(agg.where)
        if condition is not None:  # `where: won` — the field is itself the condition
            fields[condition] = "boolean"
    if agg.date:
        fields[agg.date] = "date"
    return fields


def required_fields(ruleset: Ruleset) -> dict[str, dict[str, FieldType]]:
    """source id → engine field name → type, for every field the ruleset reads."""
    needed: dict[str, dict[str, FieldType]] = defaultdict(dict)
    for agg, levels in _aggregations(ruleset):
        for name, kind in aggregation_fields(agg, levels).items():
            _merge(needed[agg.source], name, kind)
    subjects = ruleset.subjects
    for column in (subjects.id, subjects.name, *subjects.groups):
        if column:
            _merge(needed[subjects.source], column, "string")
    if subjects.start:
        _merge(needed[subjects.source], subjects.start, "date")
    _record_incentive_fields(ruleset, needed)
    if ruleset.targets.source:
        for column in ("subject", "indicator", "period", "value"):
            _merge(needed[ruleset.targets.source], column, "string")
    return dict(needed)


def _record_incentive_fields(ruleset: Ruleset, needed: dict[str, dict[str, FieldType]]) -> None:
    for inc in ruleset.incentives:
        tiers = inc.tiers
        if tiers is None or tiers.records is None:
            continue
        source = needed[tiers.records.source]
        for name, kind in aggregation_fields(tiers.records).items():
            _merge(source, name, kind)
        for expr in (tiers.on, inc.base):
            for name, kind in (infer(expr) if expr else {}).items():
                _merge(source, name, "number" if kind == "string" else kind)


def record_dates(ruleset: Ruleset) -> dict[str, frozenset[str]]:
    """source id → the fields that place its records in periods (what a connector may filter on).

    Other date fields, such as a subject's start date, must not be filtered by the period.
    """
    dates: dict[str, set[str]] = defaultdict(set)
    aggs = [a for a, _ in _aggregations(ruleset)]
    aggs += [i.tiers.records for i in ruleset.incentives if i.tiers and i.tiers.records]
    for agg in aggs:
        if agg.date:
            dates[agg.source].add(agg.date)
    return {source: frozenset(names) for source, names in dates.items()}


def _aggregations(ruleset: Ruleset) -> Iterator[tuple[Aggregation, bool]]:
    for metric in ruleset.metrics.values():
        yield metric.aggregation, False
    for ind in ruleset.indicators:
        if isinstance(ind.actual, Aggregation):
            yield ind.actual, bool(ind.levels)


KIND_WORDS: dict[FieldType, str] = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "date": "a date",
    "boolean": "true/false",
}


def evidence(expr: Expression) -> dict[str, set[FieldType]]:
    """The types an expression's use of each field shows, without guessing where it shows none."""
    found: dict[str, set[FieldType]] = defaultdict(set)
    for node in ast.walk(expr.tree):
        if isinstance(node, ast.Compare):
            for name, kind in _compare_types(node):
                found[name].add(kind)
        elif isinstance(node, ast.BinOp):
            for operand in (node.left, node.right):
                if isinstance(operand, ast.Name):
                    found[operand.id].add("number")
        for name in _conditions(node):
            found[name].add("boolean")
    return found


def _value_uses(agg: Aggregation, levels: bool) -> Iterator[tuple[str, FieldType, str]]:
    if agg.value is None:
        return
    for name, kinds in evidence(agg.value).items():
        yield from ((name, k, agg.func) for k in kinds)
    field = bare_field(agg.value)
    if field is not None and (agg.func in NUMERIC_FUNCS or (agg.func == "last" and not levels)):
        yield field, "number", agg.func


def _uses(agg: Aggregation, levels: bool) -> Iterator[tuple[str, FieldType, str]]:
    """(field, type, the key of the aggregation that shows it)."""
    yield from _value_uses(agg, levels)
    if agg.where is not None:
        for name, kinds in evidence(agg.where).items():
            yield from ((name, k, "where") for k in kinds)
        condition = bare_field(agg.where)
        if condition is not None:
            yield condition, "boolean", "where"
    if agg.date:
        yield agg.date, "date", "date"


def conflict_message(name: str, source: str, kind: FieldType, before: tuple[FieldType, str]) -> str:
    return (
        f"field '{name}' of source '{source}' is used as {KIND_WORDS[kind]} here but as "
        f"{KIND_WORDS[before[0]]} in {before[1]}; a field has one type — compare numbers with "
        "numbers (amount >= 100000) and text with text (stage == 'won')"
    )


def type_conflicts(ruleset: Ruleset) -> list[tuple[str, str]]:
    """(rule, message) for each field a ruleset uses as two different types — a number summed
    in one place and compared with text in another would fail on the first record."""
    first: dict[tuple[str, str], tuple[FieldType, str]] = {}
    found: list[tuple[str, str]] = []
    reported: set[tuple[str, str]] = set()
    for agg, levels in _aggregations(ruleset):
        for name, kind, part in _uses(agg, levels):
            key, rule = (agg.source, name), f"{agg.rule}.{part}"
            seen = first.setdefault(key, (kind, rule))
            if seen[0] != kind and key not in reported:
                reported.add(key)
                found.append((rule, conflict_message(name, agg.source, kind, seen)))
    return found
