"""`explain` is the run's own computation: `explain --format json` prints, for every subject and
period, exactly the result row `run -o json:-` writes (as parsed JSON), beside its derivation."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from kpitest import EXAMPLE, ROOT

from kpiengine.cli import cli

PLANS = [
    EXAMPLE,
    *sorted((ROOT / "tests" / "golden" / "payouts").glob("*/plan.yaml")),
]


def run_rows(plan):
    result = CliRunner().invoke(cli, ["run", "--ruleset", str(plan), "-o", "json:-"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout, parse_float=Decimal)["results"]


def explained(plan, subject):
    args = ["explain", "--ruleset", str(plan), "--subject", subject, "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout, parse_float=Decimal)


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: Path(p).parent.name)
def test_explain_json_rows_are_the_run_rows(plan):
    rows = run_rows(plan)
    assert rows
    for subject in dict.fromkeys(r["subject"] for r in rows):
        shown = explained(plan, subject)
        assert all("derivation" in s for s in shown)
        without = [{k: v for k, v in s.items() if k != "derivation"} for s in shown]
        assert without == [r for r in rows if r["subject"] == subject]
