"""Golden payouts: small rulesets + data whose every incentive line was worked out by hand.

Each directory under tests/golden/payouts/ holds `plan.yaml`, its CSV data and `expected.yaml`:
the rows to check, with the arithmetic behind every amount written next to it. An expected row
lists every incentive of the plan, so a line that pays nothing must be there as "0.00".
`groups:` lists group results to check the same way (members, and each indicator's numbers).
`expected.yaml` may carry `xfail: <reason>` (and `strict: false`) for a case the engine does not
meet yet; the structural checks still run on it.
"""

import re
from decimal import Decimal
from functools import cache

import pytest
import yaml
from kpitest import ROOT, invoke, run_json

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


ACCEPTANCE = {
    "marginal-three-tiers",  # marginal tiers on attainment across three tiers
    "flat-boundary",  # flat tiers; values exactly on a boundary take the higher tier
    "tiers-on-amount",  # `on: revenue.actual`, base the same
    "decelerating-minimum",  # falling rates with a minimum, and a failed gate
    "per-record",  # per-deal tables, flat and marginal, summed per period
    "curve",  # below the first x, on a segment, beyond the end
    "formula-gate-cap",  # 10000 * total / 100, a failed gate, a cap
    "grades-honors",  # an unlisted grade pays 0; ties at the cut-off all honored
    "multiplier-cap",  # multiplier as an expression
    "half-cents",  # x.xx5 lines and payout = sum of the rounded lines
    "prorate-months",  # weights × months on board; rows for the period used as written
    "prorate-days",  # weights × days on board
    "split-workdays",  # Chinese statutory working days
    "team-results",  # team actuals and targets summed, pay on the team's attainment
}


def test_the_golden_cases_cover_the_acceptance_list():
    assert {c.name for c in CASES} >= ACCEPTANCE
    assert all((c / "expected.yaml").is_file() for c in CASES)


def check_group(results, want):
    key = (want["group"], want["value"], want["period"])
    rows = [g for g in results["groups"] if (g["group"], g["value"], g["period"]) == key]
    assert len(rows) == 1, f"{key}: {len(rows)} group rows"
    assert rows[0]["members"] == want["members"], key
    for indicator, fields in want["indicators"].items():
        for name, value in fields.items():
            got = rows[0]["indicators"][indicator][name]
            assert same_number(got, value), f"{key}: {indicator}.{name} {got}, not {value}"


@pytest.mark.parametrize("case", [with_known_failures(c) for c in CASES])
def test_golden_payouts_match_the_hand_worked_values(case):
    results = results_of(case)
    expected = expected_of(case)
    for want in expected["results"]:
        check_row(find(results, want["subject"], want["period"]), want)
    for want in expected.get("groups", []):
        check_group(results, want)


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
