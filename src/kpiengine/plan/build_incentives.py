"""Build and check `incentives:` — tiers, curves, grade bonuses, honors, formulas and modifiers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from kpiengine.expressions import Expression
from kpiengine.plan.build import Builder, number
from kpiengine.plan.kinds import CONDITION, NUMBER, Wanted
from kpiengine.plan.problems import Path as DocPath
from kpiengine.plan.problems import format_path
from kpiengine.plan.ruleset import Aggregation, Curve, Grade, Honor, Incentive, Rate, Tiers
from kpiengine.suggest import did_you_mean


def result_expression(
    b: Builder, raw: Any, path: DocPath, scope: frozenset[str], wanted: Wanted = NUMBER
) -> Expression | None:
    if raw is None:
        return None
    expr = b.expression(raw, path, "result", wanted)
    b.check_names(expr, path, scope, "name")
    return expr


def check_rising(b: Builder, values: Sequence[Decimal], path: DocPath, what: str) -> None:
    for index in range(1, len(values)):
        if values[index] <= values[index - 1]:
            b.error(
                (*path, index),
                f"{what} must rise strictly: {values[index]:f} does not come after "
                f"{values[index - 1]:f}",
            )


def build_rates(b: Builder, raw: Any, path: DocPath) -> tuple[Rate, ...]:
    rows = [r for r in raw or [] if isinstance(r, Mapping) and "from" in r and "rate" in r]
    rates = tuple((number(r["from"]), number(r["rate"])) for r in rows)
    if rates and rates[0][0] != 0:
        b.error(
            (*path, 0, "from"),
            f"the first tier must start at 0, not {rates[0][0]:f} (add {{from: 0, rate: 0}} "
            "if nothing is paid below it)",
        )
    check_rising(b, [r[0] for r in rates], path, "the tiers' `from` values")
    return rates


def build_records(
    b: Builder, raw: Mapping[str, Any], path: DocPath, sources: Mapping[str, Any]
) -> Aggregation | None:
    source = raw.get("source")
    if not b.check_source(source, (*path, "source"), sources):
        if source is None:
            b.error(path, "per: record needs `source:` — whose records are paid one by one")
        return None
    return b.aggregation(
        {"source": source, "count": "*", "where": raw.get("where"), "date": raw.get("date")},
        path,
        sources,
    )


def build_tiers(
    b: Builder,
    raw: Mapping[str, Any],
    path: DocPath,
    scope: frozenset[str],
    sources: Mapping[str, Any],
) -> Tiers | None:
    per = raw.get("per", "period")
    records = build_records(b, raw, path, sources) if per == "record" else None
    if per == "record":
        on = b.row_expression(raw.get("on"), (*path, "on"), str(raw.get("source")), NUMBER)
    else:
        on = result_expression(b, raw.get("on"), (*path, "on"), scope)
    rates = build_rates(b, raw.get("rates"), (*path, "rates"))
    if on is None or not rates:
        return None
    return Tiers(on, raw.get("mode", "marginal"), rates, per, records)


def build_curve(
    b: Builder, raw: Mapping[str, Any], path: DocPath, scope: frozenset[str]
) -> Curve | None:
    on = result_expression(b, raw.get("on"), (*path, "on"), scope)
    amount = result_expression(b, raw.get("amount"), (*path, "amount"), scope)
    points = tuple(
        (number(p[0]), number(p[1]))
        for p in raw.get("points") or []
        if isinstance(p, list) and len(p) == 2
    )
    check_rising(b, [p[0] for p in points], (*path, "points"), "the curve's x values")
    if on is None or amount is None or len(points) < 2:
        return None
    return Curve(on, points, amount)


def build_by_grade(
    b: Builder, raw: Any, path: DocPath, grades: Sequence[Grade]
) -> dict[str, Decimal] | None:
    if not isinstance(raw, Mapping):
        return None
    known = [g.grade for g in grades]
    for grade in raw:
        if str(grade) not in known:
            b.error(
                (*path, str(grade)),
                f"'{grade}' is not a grade defined in `grades:`"
                f"{did_you_mean(str(grade), known)} (grades: {', '.join(known)})",
                key=True,
            )
    return {str(k): number(v) for k, v in raw.items()}


def build_honor(
    b: Builder, raw: Mapping[str, Any], path: DocPath, scope: frozenset[str], groups: Sequence[str]
) -> Honor | None:
    within = raw.get("within")
    if within is not None and within not in groups:
        b.error(
            (*path, "within"),
            f"'{within}' is not one of `subjects.groups`"
            f"{did_you_mean(str(within), groups)} (groups: {', '.join(groups) or 'none'})",
        )
    rank_by = result_expression(b, raw.get("rank_by"), (*path, "rank_by"), scope)
    if rank_by is None:
        return None
    return Honor(rank_by, within, int(number(raw.get("top", 1))))


def optional_number(raw: Mapping[str, Any], key: str) -> Decimal | None:
    return number(raw[key]) if key in raw else None


def build_incentive(
    b: Builder,
    raw: Mapping[str, Any],
    path: DocPath,
    scope: frozenset[str],
    sources: Mapping[str, Any],
    grades: Sequence[Grade],
    groups: Sequence[str],
) -> Incentive:
    iid = str(raw.get("id", ""))
    tiers_raw, curve_raw, honor_raw = raw.get("tiers"), raw.get("curve"), raw.get("honor")
    per_record = isinstance(tiers_raw, Mapping) and tiers_raw.get("per") == "record"
    base_path = (*path, "base")
    base = (
        b.row_expression(raw.get("base"), base_path, str(tiers_raw.get("source")), NUMBER)
        if per_record and isinstance(tiers_raw, Mapping)
        else result_expression(b, raw.get("base"), base_path, scope)
    )
    return Incentive(
        id=iid,
        name=str(raw.get("name", iid)),
        base=base,
        tiers=build_tiers(b, tiers_raw, (*path, "tiers"), scope, sources)
        if isinstance(tiers_raw, Mapping)
        else None,
        curve=build_curve(b, curve_raw, (*path, "curve"), scope)
        if isinstance(curve_raw, Mapping)
        else None,
        by_grade=build_by_grade(b, raw.get("by_grade"), (*path, "by_grade"), grades),
        honor=build_honor(b, honor_raw, (*path, "honor"), scope, groups)
        if isinstance(honor_raw, Mapping)
        else None,
        amount=result_expression(b, raw.get("amount"), (*path, "amount"), scope),
        gate=result_expression(b, raw.get("gate"), (*path, "gate"), scope, CONDITION),
        cap=optional_number(raw, "cap"),
        minimum=optional_number(raw, "minimum"),
        multiplier=result_expression(b, raw.get("multiplier"), (*path, "multiplier"), scope),
        rule=format_path(path),
    )


def check_kinds(b: Builder, raw: Mapping[str, Any], path: DocPath) -> None:
    kinds = [k for k in ("tiers", "curve", "by_grade") if k in raw]
    if "honor" not in raw and "amount" in raw:
        kinds.append("amount")
    if len(kinds) > 1:
        b.error(
            path,
            f"an incentive pays one way; this one has {' and '.join(kinds)} — "
            "split it into separate incentives",
        )


def build_incentives(
    b: Builder,
    data: Mapping[str, Any],
    scope: frozenset[str],
    sources: Mapping[str, Any],
    grades: Sequence[Grade],
    groups: Sequence[str],
) -> tuple[Incentive, ...]:
    items = []
    seen: set[str] = set()
    for index, raw in enumerate(data.get("incentives") or []):
        if not isinstance(raw, Mapping):
            continue
        path: DocPath = ("incentives", index)
        if str(raw.get("id")) in seen:
            b.error((*path, "id"), f"incentive id '{raw.get('id')}' is used twice")
        seen.add(str(raw.get("id")))
        check_kinds(b, raw, path)
        items.append(build_incentive(b, raw, path, scope, sources, grades, groups))
    return tuple(items)
