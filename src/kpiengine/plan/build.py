"""Build the typed Ruleset from a schema-checked document, reporting every semantic problem."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, cast

from kpiengine.errors import ExpressionError
from kpiengine.expressions import (
    Expression,
    FunctionTable,
    Template,
    compile_expression,
    compile_template,
)
from kpiengine.expressions.failure import ExpressionFailure, failure_message
from kpiengine.expressions.kinds import Kind as ValueKind
from kpiengine.plan.kinds import CONDITION, LEVEL, NUMBER, OWN_FIELDS, Wanted, score_kinds
from kpiengine.plan.problems import Path as DocPath
from kpiengine.plan.problems import Problem, format_path
from kpiengine.plan.ruleset import (
    AGG_FUNCS,
    INDICATOR_FIELDS,
    Aggregation,
    Feedback,
    Grade,
    Indicator,
    Metric,
    OutputSpec,
    SourceSpec,
    Subjects,
    Targets,
)
from kpiengine.plan.yamlload import Document
from kpiengine.suggest import did_you_mean

Kind = Literal["row", "result"]
RESULT_NAMES = ("total", "grade")
PERIODS_A_YEAR = {"month": 12, "quarter": 4, "half": 2, "year": 1}


def number(value: Any) -> Decimal:
    """YAML numbers as exact decimals: 0.1 stays 0.1. Anything else — text, `.nan`, `.inf` — is
    0 here: the schema and `plan.numbers` have reported it."""
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)
    return found if found.is_finite() else Decimal(0)


def known_names(known: Iterable[str]) -> str:
    """A short reminder of what may be written: `revenue.…` stands for an indicator's fields."""
    shown = sorted({n.rsplit(".", 1)[0] + ".…" if "." in n else n for n in known})
    if not shown:
        return ""
    listed = ", ".join(shown[:12]) + (", …" if len(shown) > 12 else "")
    return f" (known: {listed})"


def _without_rule(exc: ExpressionError) -> str:
    """The message without its rule: a problem line already shows the path."""
    if isinstance(exc, ExpressionFailure):
        return failure_message("", exc.text, exc.reason)
    return str(exc)


class Builder:
    """Turns document data into model objects, collecting problems instead of stopping at one."""

    def __init__(
        self,
        doc: Document,
        functions: FunctionTable,
        source_fields: Mapping[str, frozenset[str] | None],
        kinds: Mapping[str, ValueKind] | None = None,
    ) -> None:
        self.doc = doc
        self.functions = functions
        self.source_fields = source_fields
        self.kinds: Mapping[str, ValueKind] = kinds or {}
        """The kind of each name a result expression reads (`plan.kinds.result_kinds`)."""
        self.problems: list[Problem] = []

    # -- reporting ---------------------------------------------------------------------------

    def error(self, path: DocPath, message: str, *, key: bool = False) -> None:
        self.problems.append(self.doc.problem(path, message, key=key))

    def warn(self, path: DocPath, message: str) -> None:
        self.problems.append(self.doc.problem(path, message, severity="warning"))

    def unknown(self, path: DocPath, what: str, name: str, known: Iterable[str]) -> None:
        known = list(known)
        hint = did_you_mean(name, known) or known_names(known)
        self.error(path, f"unknown {what} '{name}'{hint}")

    # -- expressions -------------------------------------------------------------------------

    def expression(
        self,
        text: Any,
        path: DocPath,
        kind: Kind,
        wanted: Wanted | None = None,
        names: Mapping[str, ValueKind] | None = None,
    ) -> Expression | None:
        """The compiled expression, or None with its problem reported. A result expression
        reads `names` (by default the plan's) with their kinds; `wanted` is what it must give."""
        if not isinstance(text, str | int | float) or isinstance(text, bool):
            return None
        if isinstance(text, float) and not math.isfinite(text):
            return None  # `.nan` is no expression: `plan.numbers` reports it
        if names is None and kind == "result":
            names = self.kinds
        try:
            expr = compile_expression(
                str(text), kind=kind, functions=self.functions, rule=format_path(path), names=names
            )
        except ExpressionError as exc:
            self.error(path, _without_rule(exc))
            return None
        refusal = wanted.refusal(expr.value_kind) if wanted is not None else None
        if refusal is not None:
            self.error(path, failure_message("", expr.text, refusal))
            return None
        return expr

    def template(self, text: Any, path: DocPath) -> Template | None:
        if not isinstance(text, str):
            return None
        try:
            return compile_template(text, rule=format_path(path), functions=self.functions)
        except ExpressionError as exc:
            self.error(path, _without_rule(exc))
            return None

    def check_names(
        self, expr: Expression | None, path: DocPath, known: frozenset[str] | None, what: str
    ) -> None:
        if expr is None or known is None:
            return
        for name in sorted(expr.names - known):
            self.unknown(path, what, name, known)

    # -- sources and fields ------------------------------------------------------------------

    def fields_of(self, source: str) -> frozenset[str] | None:
        return self.source_fields.get(source)

    def check_source(self, source: Any, path: DocPath, sources: Mapping[str, Any]) -> bool:
        if not isinstance(source, str):
            return False
        if source not in sources:
            self.unknown(path, "source", source, sources)
            return False
        return True

    def check_field(self, source: str, name: Any, path: DocPath) -> None:
        known = self.fields_of(source)
        if isinstance(name, str) and known is not None and name not in known:
            self.no_field(path, source, name, known)

    def no_field(self, path: DocPath, source: str, name: str, known: frozenset[str]) -> None:
        self.error(
            path,
            f"source '{source}' has no field '{name}'{did_you_mean(name, known)} "
            f"(fields: {', '.join(sorted(known))})",
        )

    def aggregation(
        self,
        data: Mapping[str, Any],
        path: DocPath,
        sources: Mapping[str, Any],
        levels: bool = False,
    ) -> Aggregation | None:
        source = data.get("source")
        ok = self.check_source(source, (*path, "source"), sources)
        funcs = [f for f in AGG_FUNCS if f in data]
        if len(funcs) != 1 or not ok:
            if ok:
                self.error(path, f"write exactly one of {', '.join(AGG_FUNCS)}")
            return None
        source = cast(str, source)
        func = funcs[0]
        if "owner" not in (self.fields_of(source) or {"owner"}):
            self.error(
                (*path, "source"),
                f"source '{source}' has no 'owner' column to tie records to subjects; "
                f"map one with `fields: {{owner: <column>}}` on the source",
            )
        value = self.agg_value(data[func], func, (*path, func), source, levels)
        where = self.row_expression(data.get("where"), (*path, "where"), source, CONDITION)
        date = data.get("date")
        self.check_field(source, date, (*path, "date"))
        return Aggregation(
            source,
            func,
            value,
            where,
            date if isinstance(date, str) else None,
            format_path(path),
        )

    def agg_value(
        self, value: Any, func: str, path: DocPath, source: str, levels: bool
    ) -> Expression | None:
        if func == "count" and value == "*":
            return None
        return self.row_expression(value, path, source, aggregated(func, levels))

    def row_expression(
        self, text: Any, path: DocPath, source: str, wanted: Wanted | None = None
    ) -> Expression | None:
        if text is None:
            return None
        expr = self.expression(text, path, "row", wanted)
        known = self.fields_of(source)
        if expr is not None and known is not None:
            for name in sorted(expr.names - known):
                self.no_field(path, source, name, known)
        return expr


def aggregated(func: str, levels: bool) -> Wanted | None:
    """What an aggregation's value must be: a number to sum, average or compare; a level
    name or a number for the last level reached; anything to count."""
    if func in ("count", "count_distinct"):
        return None
    return LEVEL if func == "last" and levels else NUMBER


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_sources(data: Mapping[str, Any]) -> dict[str, SourceSpec]:
    """Each well-formed source entry (the schema reports the others)."""
    specs: dict[str, SourceSpec] = {}
    for sid, src in sorted((data.get("sources") or {}).items()):
        if isinstance(src, Mapping) and isinstance(src.get("plugin"), str):
            specs[sid] = SourceSpec(
                sid, src["plugin"], dict(src.get("options") or {}), dict(src.get("fields") or {})
            )
    return specs


def build_subjects(b: Builder, data: Mapping[str, Any], sources: Mapping[str, Any]) -> Subjects:
    raw = data.get("subjects") or {}
    path: DocPath = ("subjects",)
    source = raw.get("source", "")
    if b.check_source(source, (*path, "source"), sources):
        for key in ("id", "name", "start"):
            b.check_field(source, raw.get(key), (*path, key))
        for i, group in enumerate(raw.get("groups") or []):
            b.check_field(source, group, (*path, "groups", i))
    return Subjects(
        source=str(source),
        id=str(raw.get("id", "id")),
        name=raw.get("name"),
        groups=tuple(str(g) for g in raw.get("groups") or ()),
        start=raw.get("start"),
    )


def build_targets(b: Builder, data: Mapping[str, Any], sources: Mapping[str, Any]) -> Targets:
    raw = data.get("targets") or {}
    source = raw.get("source")
    if source is not None and b.check_source(source, ("targets", "source"), sources):
        for column in ("subject", "indicator", "period", "value"):
            known = b.fields_of(source)
            if known is not None and column not in known:
                b.error(
                    ("targets", "source"),
                    f"the targets source '{source}' needs a column '{column}' "
                    f"(columns: subject, indicator, period, value){did_you_mean(column, known)}",
                )
    split = raw.get("split", "even")
    weights = tuple(number(w) for w in raw.get("weights") or ())
    if split == "weights" and not weights:
        b.error(("targets", "split"), "split: weights needs a `weights:` list, one per period")
    frequency = (data.get("calendar") or {}).get("frequency")
    count = PERIODS_A_YEAR.get(str(frequency))
    if weights and count and len(weights) != count:
        b.error(
            ("targets", "weights"),
            f"give {count} weights, one for each {frequency} of the year, not {len(weights)}",
        )
    return Targets(source, split, weights, raw.get("prorate"))


def build_metrics(
    b: Builder, data: Mapping[str, Any], sources: Mapping[str, Any]
) -> dict[str, Metric]:
    metrics: dict[str, Metric] = {}
    for mid, raw in (data.get("metrics") or {}).items():
        if isinstance(raw, Mapping):
            agg = b.aggregation(raw, ("metrics", mid), sources)
            if agg is not None:
                metrics[mid] = Metric(mid, agg)
    return metrics


def indicator_ids(data: Mapping[str, Any]) -> list[str]:
    return [i["id"] for i in data.get("indicators") or [] if isinstance(i, Mapping) and "id" in i]


def dotted(ids: Iterable[str], fields: Iterable[str] = INDICATOR_FIELDS) -> frozenset[str]:
    return frozenset(f"{i}.{f}" for i in ids for f in fields)


def result_scope(data: Mapping[str, Any], metrics: Iterable[str]) -> frozenset[str]:
    """Names a result-level expression may read: other indicators by id, metrics, total, grade."""
    return dotted(indicator_ids(data)) | frozenset(metrics)


def build_actual(
    b: Builder,
    raw: Any,
    path: DocPath,
    sources: Mapping[str, Any],
    scope: frozenset[str],
    levels: bool,
) -> Aggregation | Expression | None:
    if isinstance(raw, Mapping):
        return b.aggregation(raw, path, sources, levels)
    expr = b.expression(raw, path, "result", LEVEL if levels else NUMBER)
    b.check_names(expr, path, scope, "name")
    return expr


def build_target(b: Builder, ind: Mapping[str, Any], path: DocPath) -> Decimal | str | None:
    target = ind.get("target")
    levels = ind.get("levels")
    if target is None:
        return None
    if isinstance(levels, Mapping):
        if str(target) not in levels:
            b.error(
                (*path, "target"),
                f"'{target}' is not one of the levels"
                f"{did_you_mean(str(target), levels)} (levels: {', '.join(levels)})",
            )
        return str(target)
    if isinstance(target, str):
        b.error(
            (*path, "target"),
            f"expected a number, got text '{target}' "
            "(a text target needs `levels:` on the indicator)",
        )
        return None
    return number(target)


def build_levels(b: Builder, raw: Any) -> dict[str, Decimal] | None:
    if not isinstance(raw, Mapping):
        return None
    return {str(k): number(v) for k, v in raw.items() if isinstance(v, int | float)}


def build_indicator(
    b: Builder,
    raw: Mapping[str, Any],
    index: int,
    sources: Mapping[str, Any],
    metrics: Iterable[str],
    all_ids: list[str],
) -> Indicator | None:
    path: DocPath = ("indicators", index)
    iid = str(raw.get("id", ""))
    others = [i for i in all_ids if i != iid]
    actual_scope = dotted(others, ("actual", "target")) | frozenset(metrics)
    levels = isinstance(raw.get("levels"), Mapping)
    actual = build_actual(b, raw.get("actual"), (*path, "actual"), sources, actual_scope, levels)
    score_scope = frozenset(OWN_FIELDS) | frozenset(metrics)
    score_scope |= dotted(others, OWN_FIELDS)
    score = (
        b.expression(raw["score"], (*path, "score"), "result", NUMBER, score_kinds(b.kinds, raw))
        if "score" in raw
        else None
    )
    b.check_names(score, (*path, "score"), score_scope, "name")
    if actual is None:
        return None
    return Indicator(
        id=iid,
        name=str(raw.get("name", iid)),
        unit=raw.get("unit"),
        weight=number(raw.get("weight", 0)),
        actual=actual,
        target=build_target(b, raw, path),
        levels=build_levels(b, raw.get("levels")),
        better=raw.get("better", "higher"),
        cap=number(raw["cap"]) if "cap" in raw else None,
        score=score,
        rule=format_path(path),
    )


def check_duplicate_ids(b: Builder, items: list[Any], section: str, key: str) -> None:
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or key not in item:
            continue
        value = str(item[key])
        if value in seen:
            b.error(
                (section, index, key),
                f"{key} '{value}' is used twice (first at {section}[{seen[value]}])",
            )
        seen.setdefault(value, index)


def order_indicators(b: Builder, indicators: Sequence[Indicator]) -> tuple[str, ...]:
    """Indicators whose actual is computed from others come after them; a cycle is an error."""
    by_id = {i.id: i for i in indicators}
    ordered: list[Indicator] = []
    state: dict[str, str] = {}

    def visit(ind: Indicator, chain: list[str]) -> None:
        if state.get(ind.id) == "done":
            return
        if state.get(ind.id) == "visiting":
            cycle = " → ".join([*chain[chain.index(ind.id) :], ind.id])
            b.error(("indicators",), f"indicators depend on each other in a circle: {cycle}")
            return
        state[ind.id] = "visiting"
        if isinstance(ind.actual, Expression):
            for dep in sorted({n.split(".")[0] for n in ind.actual.names if "." in n}):
                if dep in by_id:
                    visit(by_id[dep], [*chain, ind.id])
        state[ind.id] = "done"
        ordered.append(ind)

    for ind in indicators:
        visit(ind, [])
    return tuple(i.id for i in ordered)


def check_weights(
    b: Builder, data: Mapping[str, Any], raw: list[Any], indicators: list[Indicator]
) -> None:
    """Weights that do not add up to 100 change every total, grade and payout: an error unless
    the ruleset says `weights: free`."""
    if not all(isinstance(r, Mapping) and _is_number(r.get("weight")) for r in raw):
        return  # a missing or mistyped weight is reported already; a sum would only add noise
    total = sum((i.weight for i in indicators), Decimal(0))
    if indicators and total != 100 and str(data.get("weights", "100")) != "free":
        b.error(
            ("indicators",),
            f"the weights add up to {total:f}, not 100 [weights-not-100] — correct them, or "
            "write `weights: free` at the top of the ruleset if the total is meant",
        )


def build_indicators(
    b: Builder, data: Mapping[str, Any], sources: Mapping[str, Any], metrics: Mapping[str, Metric]
) -> tuple[Indicator, ...]:
    raw_list = [i for i in data.get("indicators") or []]
    check_duplicate_ids(b, raw_list, "indicators", "id")
    all_ids = indicator_ids(data)
    for i, raw in enumerate(raw_list):
        if isinstance(raw, Mapping) and raw.get("id") in metrics:
            b.error(("indicators", i, "id"), f"'{raw['id']}' is already the id of a metric")
    built = [
        ind
        for i, raw in enumerate(raw_list)
        if isinstance(raw, Mapping)
        if (ind := build_indicator(b, raw, i, sources, metrics, all_ids)) is not None
    ]
    check_weights(b, data, raw_list, built)
    return tuple(built)


def build_grades(b: Builder, data: Mapping[str, Any]) -> tuple[Grade, ...]:
    raw_list = [g for g in data.get("grades") or [] if isinstance(g, Mapping)]
    check_duplicate_ids(b, raw_list, "grades", "grade")
    grades = tuple(
        Grade(str(g["grade"]), g.get("name"), number(g["min"]))
        for g in raw_list
        if "grade" in g and isinstance(g.get("min"), int | float)
    )
    check_bands(b, grades)
    return grades


def check_bands(b: Builder, grades: tuple[Grade, ...]) -> None:
    """Bands are read top-down, first reached wins: each must sit below the one before it."""
    for index in range(1, len(grades)):
        above, band = grades[index - 1], grades[index]
        if band.min >= above.min:
            b.error(
                ("grades", index, "min"),
                f"band {band.grade} (min {band.min:f}) overlaps band {above.grade} "
                f"(min {above.min:f}) listed before it, so {band.grade} can never be reached; "
                "list the bands from the highest min down, each min lower than the one above",
            )
    if grades and min(g.min for g in grades) > 0:
        lowest = min(grades, key=lambda g: g.min)
        b.error(
            ("grades", grades.index(lowest), "min"),
            f"totals below {lowest.min:f} fall into a gap with no grade; "
            "end the list with a band that has min: 0",
        )


def build_feedback(
    b: Builder, data: Mapping[str, Any], scope: frozenset[str]
) -> tuple[Feedback, ...]:
    items: list[Feedback] = []
    for index, raw in enumerate(data.get("feedback") or []):
        if not isinstance(raw, Mapping):
            continue
        path: DocPath = ("feedback", index)
        when = b.expression(raw.get("when"), (*path, "when"), "result", CONDITION)
        b.check_names(when, (*path, "when"), scope, "name")
        message = b.template(raw.get("message"), (*path, "message"))
        if message is not None:
            for name in sorted(message.names - scope):
                b.unknown((*path, "message"), "name", name, scope)
        if when is not None and message is not None:
            items.append(Feedback(when, message))
    return tuple(items)


def build_outputs(data: Mapping[str, Any]) -> tuple[OutputSpec, ...]:
    return tuple(
        OutputSpec(o["plugin"], dict(o.get("options") or {}))
        for o in data.get("outputs") or []
        if isinstance(o, Mapping) and "plugin" in o
    )
