"""Properties of tier tables, curves and money, checked over generated plans (hypothesis).

Tier and curve arithmetic is exact Decimal, but a division is rounded at Decimal's 28 digits, so
comparisons between two computed amounts allow a difference far below a millionth of a cent.
"""

import json
import tempfile
import textwrap
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kpiengine.curves import curve_value
from kpiengine.evaluate.engine import evaluate
from kpiengine.plan.load import load_ruleset
from kpiengine.plugins import registry
from kpiengine.tiers import flat, marginal, tier_index

NOISE = Decimal("1e-12")


def decimals(low, high, places):
    scale = 10**places
    return st.integers(low * scale, high * scale).map(lambda n: Decimal(n).scaleb(-places))


def positive(high, places):
    return decimals(0, high, places).filter(lambda d: d > 0)


@st.composite
def rate_tables(draw, rising=False, falling=False):
    """A valid table: `from` starting at 0 and rising strictly, rates from 0 to 100%."""
    gaps = draw(st.lists(positive(10**6, 2), min_size=0, max_size=5))
    froms = [Decimal(0)]
    for gap in gaps:
        froms.append(froms[-1] + gap)
    rates = draw(st.lists(decimals(0, 1, 4), min_size=len(froms), max_size=len(froms)))
    if rising:
        rates.sort()
    if falling:
        rates.sort(reverse=True)
    return tuple(zip(froms, rates, strict=True))


def total(slices):
    return sum((s.amount for s in slices), Decimal(0))


def at_most(a, b):
    return a <= b + NOISE * max(Decimal(1), abs(b))


def half_up(value):
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# -- tier tables ---------------------------------------------------------------------------------


@given(rate_tables(rising=True), positive(10**6, 2), positive(10**7, 2), positive(10**7, 2))
def test_marginal_payout_never_decreases_as_on_rises_with_a_fixed_base(rates, base, a, b):
    low, high = sorted((a, b))
    assert at_most(total(marginal(low, base, rates)), total(marginal(high, base, rates)))


@given(rate_tables(), positive(10**7, 2), positive(10**7, 2))
def test_marginal_payout_on_an_amount_never_decreases_as_the_amount_rises(rates, a, b):
    # `on: revenue.actual`, `base: revenue.actual`: each slice of the amount at its own rate —
    # true of any table, decelerating ones included.
    low, high = sorted((a, b))
    assert at_most(total(marginal(low, low, rates)), total(marginal(high, high, rates)))


@given(rate_tables(), positive(100, 4), positive(10, 4), positive(10, 4))
def test_marginal_payout_never_decreases_when_base_grows_with_on(rates, per_unit, a, b):
    # `on: revenue.attainment`, `base: revenue.actual` = attainment × target: rising together.
    low, high = sorted((a, b))
    paid_low = total(marginal(low, low * per_unit, rates))
    paid_high = total(marginal(high, high * per_unit, rates))
    assert at_most(paid_low, paid_high)


def test_with_a_fixed_base_a_decelerating_table_pays_its_average_rate_over_on():
    # base × slice / on: with the base held still, a higher `on` spreads it over more slices
    # at lower rates. This is the defined semantics (DESIGN §3), shown here on purpose.
    rates = ((Decimal(0), Decimal("0.10")), (Decimal(50), Decimal("0.05")))
    assert total(marginal(Decimal(50), Decimal(100), rates)) == Decimal(10)
    assert total(marginal(Decimal(100), Decimal(100), rates)) == Decimal("7.5")


@given(rate_tables(), positive(10**7, 2), positive(10**6, 2), positive(10**6, 2))
def test_payout_never_decreases_as_the_base_rises(rates, on, a, b):
    low, high = sorted((a, b))
    assert at_most(total(marginal(on, low, rates)), total(marginal(on, high, rates)))
    assert flat(on, low, rates).amount <= flat(on, high, rates).amount


@given(rate_tables(rising=True), positive(10**6, 2), positive(10**7, 2), positive(10**7, 2))
def test_flat_payout_never_decreases_as_on_rises_when_rates_rise(rates, base, a, b):
    low, high = sorted((a, b))
    assert flat(low, base, rates).amount <= flat(high, base, rates).amount


@given(rate_tables(), positive(10**6, 2), st.data())
def test_flat_and_marginal_agree_inside_the_first_tier(rates, base, data):
    end = rates[1][0] if len(rates) > 1 else Decimal(10**7)
    on = data.draw(positive(10**7, 2).filter(lambda x: x < end), label="on")
    r0 = rates[0][1]
    assert flat(on, base, rates).amount == r0 * base
    assert total(marginal(on, base, rates)) == r0 * base


@given(rate_tables(), positive(10**6, 2))
def test_a_value_on_a_boundary_takes_the_higher_tier(rates, base):
    for index, (low, rate) in enumerate(rates):
        assert tier_index(low, rates) == index
        assert flat(low, base, rates).rate == rate
        if index:
            assert tier_index(low - Decimal("0.01"), rates) == index - 1


@given(rate_tables(), positive(10**7, 2), positive(10**6, 2))
def test_marginal_slices_cover_on_exactly_once(rates, on, base):
    slices = marginal(on, base, rates)
    assert sum((s.size for s in slices), Decimal(0)) == on
    assert all(s.size >= 0 for s in slices)


@given(rate_tables(), positive(10**7, 2))
def test_marginal_on_an_amount_is_each_slice_times_its_rate(rates, amount):
    tops = [high for high, _ in rates[1:]] + [amount]
    pairs = zip(rates, tops, strict=True)
    expected = sum(rate * max(Decimal(0), min(amount, top) - low) for (low, rate), top in pairs)
    assert abs(total(marginal(amount, amount, rates)) - expected) <= NOISE * max(1, expected)


# -- curves --------------------------------------------------------------------------------------


@st.composite
def curves(draw, monotone=True):
    xs = sorted(set(draw(st.lists(decimals(0, 300, 2), min_size=2, max_size=6))))
    if len(xs) < 2:
        xs = [Decimal(0), Decimal(1)]
    ys = draw(st.lists(decimals(0, 5, 3), min_size=len(xs), max_size=len(xs)))
    return tuple(zip(xs, sorted(ys) if monotone else ys, strict=True))


@given(curves(), decimals(-50, 400, 3), decimals(-50, 400, 3))
def test_the_curve_is_monotone_when_its_y_values_are(points, a, b):
    low, high = sorted((a, b))
    assert at_most(curve_value(low, points)[0], curve_value(high, points)[0])


@given(curves(monotone=False), st.data())
def test_the_curve_passes_through_its_points_and_is_flat_beyond_its_ends(points, data):
    for x, y in points:
        assert curve_value(x, points)[0] == y
    below = data.draw(decimals(-100, 0, 2), label="below") + points[0][0] - Decimal("0.01")
    beyond = data.draw(decimals(0, 100, 2), label="beyond") + points[-1][0] + Decimal("0.01")
    assert curve_value(below, points)[0] == points[0][1]
    assert curve_value(beyond, points)[0] == points[-1][1]


@given(curves(monotone=False), st.data())
def test_the_curve_stays_between_the_ends_of_its_segment(points, data):
    index = data.draw(st.integers(0, len(points) - 2), label="segment")
    (xa, ya), (xb, yb) = points[index], points[index + 1]
    x = data.draw(decimals(0, 1, 3), label="t") * (xb - xa) + xa
    y = curve_value(x, points)[0]
    assert min(ya, yb) - NOISE <= y <= max(ya, yb) + NOISE


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
    document = [json.loads(text) for text in results.table.json_rows()]
    for row, shown in zip(results.rows, document, strict=True):
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
        money = [Decimal(v) for v in shown["incentives"].values()]
        assert Decimal(shown["payout"]) == sum(money, Decimal(0))
