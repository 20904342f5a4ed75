"""One plan, two evaluators: the columnar one (`run`) and the row one (`explain`) must agree —
money to the cent, every other number to 1e-9, every text and list exactly."""

import math
from pathlib import Path

import pytest
from kpitest import EXAMPLE, ROOT

from kpiengine.evaluate.engine import evaluate
from kpiengine.plan.load import load_ruleset
from kpiengine.plugins import registry
from kpiengine.results.model import results_document

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


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: Path(p).parent.name)
def test_the_columnar_and_row_evaluators_agree(plan):
    reg = registry()
    ruleset = load_ruleset(Path(plan), reg).ruleset
    columnar = results_document(evaluate(ruleset, reg).results)
    rows = results_document(evaluate(ruleset, reg, trace=True).results)
    assert differences(columnar, rows) == []
    assert len(columnar["results"]) == len(rows["results"]) > 0
