"""What both forms of `explain` read: the subject's rows of the traced plan and its result rows,
and the values an expression or a score read, as text."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from kpiengine.errors import KpiEngineError
from kpiengine.evaluate.derivation import frame_rows
from kpiengine.evaluate.engine import Run
from kpiengine.evaluate.frame import RESULT_COLUMNS
from kpiengine.evaluate.scores import OWN
from kpiengine.expressions import Expression
from kpiengine.names import PERIOD, raw_score_column
from kpiengine.plan.periods import Period
from kpiengine.plan.ruleset import Aggregation, Indicator
from kpiengine.suggest import did_you_mean
from kpiengine.text import tidy

Row = Mapping[str, Any]


def subject_rows(run: Run, subject: str) -> list[dict[str, Any]]:
    """The subject's rows of the traced people frame (every column by its name), in period
    order."""
    rows = frame_rows(run.evaluation.people, subject)
    if not rows:
        ids = [str(s) for s in run.evaluation.table.subjects.column("subject").to_pylist()]
        raise KpiEngineError(f"there is no subject '{subject}'{did_you_mean(subject, ids)}")
    return rows


def result_texts(run: Run, subject: str) -> list[str]:
    """The subject's result rows exactly as `run -o json:-` writes them."""
    return list(run.evaluation.table.where(subject=subject).json_rows())


def result_rows(run: Run, subject: str) -> list[dict[str, Any]]:
    parsed: list[dict[str, Any]] = [
        json.loads(text, parse_float=Decimal) for text in result_texts(run, subject)
    ]
    return parsed


def period_of(run: Run, row: Row) -> Period:
    return next(p for p in run.periods if p.id == row[PERIOD])


def values_of(expr: Expression, row: Row, own: Indicator | None = None) -> str:
    """The values an expression read, from the row's columns (an indicator's own `actual`,
    `target`… in a custom score are its columns)."""

    def column(name: str) -> str:
        if own is not None and name in OWN:
            return f"{own.id}.{name}"
        return RESULT_COLUMNS.get(name, name)

    return ", ".join(f"{n} = {tidy(row.get(column(n)))}" for n in sorted(expr.names))


def aggregations_of(run: Run, ind: Indicator) -> list[tuple[str, Aggregation]]:
    if isinstance(ind.actual, Aggregation):
        return [("", ind.actual)]
    metrics = run.ruleset.metrics
    return [(n, metrics[n].aggregation) for n in sorted(ind.actual.names) if n in metrics]


def score_formula(ind: Indicator, row: Row) -> str:
    score, raw = row.get(f"{ind.id}.score"), row.get(raw_score_column(ind.id))
    if row.get(f"{ind.id}.actual") is None:
        return "no data, scored 0"
    if ind.score is not None:
        text = f"{ind.score.text} ({values_of(ind.score, row, ind)})"
    elif row.get(f"{ind.id}.attainment") is None:
        return "no attainment: no score, counted as 0"
    else:
        text = f"weight × attainment = {tidy(ind.weight)} × {tidy(row[f'{ind.id}.attainment'])}"
        if ind.cap is not None:
            text += f", at most weight × cap = {tidy(ind.weight)} × {tidy(ind.cap)}"
    if raw is None:
        return f"{text}: no score, counted as 0"
    return f"{text} = {tidy(score)}"
