"""Golden payouts: small rulesets + data whose every incentive line was worked out by hand.

Each directory under tests/golden/payouts/ holds `plan.yaml`, its CSV data and `expected.yaml`:
the rows to check, with the arithmetic behind every amount written next to it. An expected row
lists every incentive of the plan, so a line that pays nothing must be there as "0.00".
`expected.yaml` may carry `xfail: <reason>` (and `strict: false`) for a case the engine does not
meet yet; the structural checks still run on it.
"""

import re
from decimal import Decimal
from functools import cache

import pytest
import yaml
from conftest import ROOT, invoke, run_json

GOLDEN = ROOT / "tests" / "golden" / "payouts"
CASES = sorted(p for p in GOLDEN.iterdir() if (p / "plan.yaml").is_file())
MONEY = r"^-?\d+\.\d{2}$"


def expected_of(case):
    return yaml.safe_load((case / "expected.yaml").read_text("utf-8"))


def plan_of(case):
    return yaml.safe_load((case / "plan.yaml").read_text("utf-8"))


@cache
def results_of(case):
    return run_json(case / "plan.yaml")


def with_known_failures(case):
    expected = expected_of(case)
    if "xfail" not in expected:
        return pytest.param(case, id=case.name)
    mark = pytest.mark.xfail(strict=expected.get("strict", True), reason=expected["xfail"])
    return pytest.param(case, id=case.name, marks=mark)


def find(results, subject, period):
    rows = [r for r in results["results"] if (r["subject"], r["period"]) == (subject, period)]
    assert len(rows) == 1, f"{subject} {period}: {len(rows)} rows"
    return rows[0]


def same_number(actual, expected):
    """JSON numbers are floats: equal to the hand-worked value to 12 significant digits."""
    actual, expected = Decimal(repr(actual)), Decimal(str(expected))
    return abs(actual - expected) <= abs(expected) * Decimal("1e-12")


def check_row(row, want):
    where = f"{want['subject']} {want['period']}"
    assert row["incentives"] == want["incentives"], where
    assert row["payout"] == want["payout"], where
    if "honors" in want:
        assert row["honors"] == want["honors"], where
    if "grade" in want:
        assert row["grade"] == want["grade"], where
    for indicator, target in want.get("targets", {}).items():
        got = row["indicators"][indicator]["target"]
        assert same_number(got, target), f"{where}: {indicator} target {got}, not {target}"


def test_the_golden_cases_cover_the_acceptance_list():
    names = {c.name for c in CASES}
    assert len(names) >= 12
    assert all((c / "expected.yaml").is_file() for c in CASES)


@pytest.mark.parametrize("case", [with_known_failures(c) for c in CASES])
def test_golden_payouts_match_the_hand_worked_values(case):
    results = results_of(case)
    for want in expected_of(case)["results"]:
        check_row(find(results, want["subject"], want["period"]), want)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_incentive_is_on_every_result_and_payout_is_the_sum_of_the_lines(case):
    ids = [inc["id"] for inc in plan_of(case)["incentives"]]
    results = results_of(case)
    assert results["results"]
    for row in results["results"]:
        assert list(row["incentives"]) == ids
        for amount in [*row["incentives"].values(), row["payout"]]:
            assert isinstance(amount, str)
            assert re.match(MONEY, amount), amount
        lines = sum((Decimal(v) for v in row["incentives"].values()), Decimal(0))
        assert Decimal(row["payout"]) == lines


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_every_expected_row_lists_every_incentive(case):
    ids = [inc["id"] for inc in plan_of(case)["incentives"]]
    for want in expected_of(case)["results"]:
        assert list(want["incentives"]) == ids, f"{want['subject']} {want['period']}"
        total = sum((Decimal(v) for v in want["incentives"].values()), Decimal(0))
        assert Decimal(want["payout"]) == total, "the hand-worked payout adds up its lines"


def test_explain_shows_each_slice_and_the_distance_to_the_next_tier():
    plan = GOLDEN / "marginal-three-tiers" / "plan.yaml"
    result = invoke("explain", "--ruleset", plan, "--subject", "C", "--period", "2025-Q1")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "slice 0.5–1: 0.4 at 3% = 0.03 × 900000 × 0.4 / 0.9 = 12000" in text
    assert "¥100,000.00 more 销售额 reaches the 5% tier" in text
    assert "commission)  12000.00" in text
