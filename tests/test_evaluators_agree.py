"""One plan, two evaluators: the columnar one (`run`) and the row one (`explain`) must agree —
money to the cent, every other number to 1e-9, every text and list exactly."""

import json
import math
from decimal import Decimal
from pathlib import Path

import pytest
from kpitest import EXAMPLE, ROOT

from kpiengine import json_document
from kpiengine.data.subjects import load_subjects
from kpiengine.evaluate.engine import evaluate, traced_rows
from kpiengine.plan.load import load_ruleset
from kpiengine.plan.periods import calendar_periods
from kpiengine.plugins import registry
from kpiengine.scoring import grade_of

PLANS = [EXAMPLE, *sorted((ROOT / "tests" / "golden" / "payouts").glob("*/plan.yaml"))]


def differences(a, b, path=""):
    if isinstance(a, float) or isinstance(b, float):
        close = a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
        return [] if close else [f"{path}: {a!r} != {b!r}"]
    if isinstance(a, dict) and isinstance(b, dict):
        keys = list(dict.fromkeys([*a, *b]))
        return [d for k in keys for d in differences(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def plain(value):
    return float(value) if isinstance(value, Decimal) else value


def indicators(ruleset, scored):
    return {
        s.indicator.id: {
            "actual": plain(s.actual),
            "target": plain(s.target.value if s.target else None),
            "attainment": plain(s.attainment),
            "score": float(s.score),
        }
        for s in sorted(scored, key=lambda s: ruleset.indicators.index(s.indicator))
    }


def scored_row(ruleset, row):
    """What a subject or group row of the document says, from the row evaluator's working."""
    grade = grade_of(row.total, ruleset.grades)
    return {
        "period": row.period.id,
        "indicators": indicators(ruleset, row.scored),
        "metrics": {k: plain(v) for k, v in row.metrics.items()},
        "total": float(row.total),
        "grade": grade.grade if grade else None,
        "warnings": [w for s in row.scored for w in s.warnings],
    }


def subject_row(ruleset, row, places):
    return {
        "subject": row.subject.id,
        "name": row.subject.name,
        "groups": dict(row.subject.groups),
        **scored_row(ruleset, row),
        "ranks": dict(row.ranks),
        "incentives": {line.incentive.id: f"{line.amount:.{places}f}" for line in row.lines},
        "payout": f"{row.payout:.{places}f}",
        "honors": row.honors,
        "feedback": row.feedback,
    }


def group_row(ruleset, row):
    members = [m.subject.id for m in row.members]
    return {"group": row.group, "value": row.value, "members": members, **scored_row(ruleset, row)}


def row_evaluator(ruleset, run):
    subjects = load_subjects(run.store, ruleset.subjects)
    every = calendar_periods(ruleset.calendar)
    rows, groups = traced_rows(ruleset, run.store, subjects, run.periods, every)
    places = run.results.money_places
    return {
        "results": [subject_row(ruleset, r, places) for r in rows],
        "groups": [group_row(ruleset, g) for g in groups],
    }


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: Path(p).parent.name)
def test_the_columnar_and_row_evaluators_agree(plan):
    reg = registry()
    ruleset = load_ruleset(Path(plan), reg).ruleset
    run = evaluate(ruleset, reg)
    columnar = json.loads(b"".join(json_document(run.results)))
    rows = row_evaluator(ruleset, run)
    del columnar["kpiengine"], columnar["ruleset"], columnar["periods"]
    assert differences(columnar, rows) == []
    assert len(columnar["results"]) == len(rows["results"]) > 0
