"""Money through the engine, checked over generated plans and data (hypothesis): each line is
rounded half-up to the cent from its exact amount, and the payout is the sum of the lines."""

import tempfile
import textwrap
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kpiengine.evaluate.engine import evaluate
from kpiengine.plan.load import load_ruleset
from kpiengine.plugins import registry


def decimals(low, high, places):
    scale = 10**places
    return st.integers(low * scale, high * scale).map(lambda n: Decimal(n).scaleb(-places))


def half_up(value):
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# -- money, through the engine -------------------------------------------------------------------

PLAN = """
kpiengine: 1
name: generated plan
calendar: {year: 2025, frequency: quarter}
sources:
  reps: {plugin: csv, options: {path: reps.csv}}
  deals: {plugin: csv, options: {path: deals.csv}}
subjects: {source: reps, id: id, name: name, groups: [team]}
indicators:
  - id: revenue
    name: 销售额
    weight: 100
    target: 1000
    actual: {source: deals, sum: amount, date: closed_on}
grades:
  - {grade: A, min: 0}
incentives:
  - {id: five, amount: revenue.actual * 0.05}
  - {id: fifteen, amount: revenue.actual * 0.15}
  - {id: third, amount: revenue.actual / 3}
  - id: marginal
    base: revenue.actual
    tiers:
      on: revenue.attainment
      mode: marginal
      rates: [{from: 0, rate: 0.015}, {from: 0.5, rate: 0.035}, {from: 1, rate: 0.055}]
  - id: per_deal
    base: amount
    tiers:
      per: record
      source: deals
      date: closed_on
      on: amount
      mode: flat
      rates: [{from: 0, rate: 0.025}, {from: 100, rate: 0.045}]
"""

deal_rows = st.lists(
    st.tuples(st.sampled_from("AB"), decimals(0, 2000, 2), st.integers(1, 6)),
    min_size=1,
    max_size=8,
)


def run_generated(deals):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "reps.csv").write_text("id,name,team\nA,甲,t1\nB,乙,t1\n", "utf-8")
        lines = [f"{o},{a},2025-0{m}-15" for o, a, m in deals]
        (root / "deals.csv").write_text("owner,amount,closed_on\n" + "\n".join(lines) + "\n")
        (root / "plan.yaml").write_text(textwrap.dedent(PLAN), "utf-8")
        loaded = load_ruleset(root / "plan.yaml", registry())
        return evaluate(loaded.ruleset, registry(), ("2025-Q1",)).results


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deal_rows)
@example([("A", Decimal("0.1"), 1), ("B", Decimal("100.1"), 2)])  # lines of 0.005 and 5.005
@example([("A", Decimal("100"), 3), ("A", Decimal("0.3"), 4)])  # a deal on the boundary; Q2
def test_each_line_is_rounded_half_up_and_payout_is_the_sum_of_the_lines(deals):
    results = run_generated(deals)
    for row in results.rows:
        amounts = [a for o, a, month in deals if o == row.subject and month <= 3]
        revenue = sum(amounts, Decimal(0))
        assert row.incentives["five"] == half_up(revenue * Decimal("0.05"))
        assert row.incentives["fifteen"] == half_up(revenue * Decimal("0.15"))
        assert row.incentives["third"] == half_up(revenue / 3)
        # base = attainment × 1000, so each slice s of attainment pays rate × 1000 × s
        attainment = revenue / 1000
        slices = [
            (Decimal("0.015"), min(attainment, Decimal("0.5"))),
            (Decimal("0.035"), max(Decimal(0), min(attainment, Decimal(1)) - Decimal("0.5"))),
            (Decimal("0.055"), max(Decimal(0), attainment - 1)),
        ]
        tiered = sum((rate * 1000 * size for rate, size in slices), Decimal(0))
        assert row.incentives["marginal"] == half_up(tiered)
        per_deal = sum(a * (Decimal("0.045") if a >= 100 else Decimal("0.025")) for a in amounts)
        assert row.incentives["per_deal"] == half_up(Decimal(per_deal))
        assert all(v == v.quantize(Decimal("0.01")) for v in row.incentives.values())
        assert row.payout == sum(row.incentives.values(), Decimal(0))
