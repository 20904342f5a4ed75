"""`kpiengine explain --format json`: each period's result row exactly as `run -o json:-` writes
it, with a `derivation` object — the working, read from the traced plan's columns."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from kpiengine.cli.explain_rows import (
    Row,
    aggregations_of,
    period_of,
    result_texts,
    score_formula,
    subject_rows,
)
from kpiengine.evaluate.derivation import record_count
from kpiengine.evaluate.engine import Run
from kpiengine.names import (
    GRADE,
    GRADE_NAME,
    NEXT_BAND,
    SUBJECT,
    TO_NEXT_BAND,
    TOTAL,
    line_column,
    raw_score_column,
    target_how_column,
    working_column,
)
from kpiengine.plan.ruleset import Incentive, Indicator
from kpiengine.text import tidy


def derivation(run: Run, row: Row) -> dict[str, Any]:
    """The working of one result row, as JSON values (numbers as exact text)."""
    return {
        "indicators": {i.id: indicator_derivation(run, i, row) for i in run.ruleset.indicators},
        "total": _json(row[TOTAL]),
        "grade": {"grade": row.get(GRADE), "name": row.get(GRADE_NAME)}
        | {"next_band": row.get(NEXT_BAND), "to_next_band": _json(row.get(TO_NEXT_BAND))},
        "incentives": {i.id: incentive_derivation(i, row) for i in run.ruleset.incentives},
    }


def indicator_derivation(run: Run, ind: Indicator, row: Row) -> dict[str, Any]:
    parts = ("actual", "target", "attainment", "weight", "score")
    found = {p: _json(row.get(f"{ind.id}.{p}")) for p in parts}
    found["raw_score"] = _json(row.get(raw_score_column(ind.id)))
    found["target_how"] = row.get(target_how_column(ind.id))
    found["records"] = {
        name or ind.id: record_count(run.store, agg, row[SUBJECT], period_of(run, row))
        for name, agg in aggregations_of(run, ind)
    }
    found["score_formula"] = score_formula(ind, row)
    return found


def incentive_derivation(inc: Incentive, row: Row) -> dict[str, Any]:
    prefix = working_column(inc.id, "")
    steps = {k[len(prefix) :]: _json(v) for k, v in row.items() if k.startswith(prefix)}
    return {"amount": _json(row[line_column(inc.id)]), "steps": steps}


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return tidy(value)
    return value


def explain_json(run: Run, subject: str) -> str:
    """Each period's result row, exactly as `run -o json:-` writes it, with `derivation`."""
    rows = subject_rows(run, subject)
    texts = result_texts(run, subject)
    items = []
    for row, text in zip(rows, texts, strict=True):
        extra = json.dumps(derivation(run, row), ensure_ascii=False, sort_keys=True)
        items.append(text[:-1] + ',"derivation":' + extra + "}")
    return "[\n" + ",\n".join(items) + "\n]"
