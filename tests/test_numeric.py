"""The numeric policy (kpiengine.numeric, docs/ruleset.md "Numbers"): every value of a generated
plan equals an exact `Fraction` computation rounded where the policy says, and nothing passes
through floating point on the way."""

import itertools
import textwrap
from decimal import Decimal
from fractions import Fraction

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from kpitest import invoke

from kpiengine.evaluate.engine import evaluate
from kpiengine.numeric import (
    COMPARED_PLACES,
    EXACT_PLACES,
    QUOTIENT_LIMIT,
    SETTLE_PLACES,
    SOURCE_PLACES,
    TOTAL_PLACES,
    exact_divide,
    exact_product_quotient,
)
from kpiengine.plan.load import load_ruleset
from kpiengine.plugins import registry


def rounded(value, places):
    """Half away from zero at `places`, as Decimal's ROUND_HALF_UP (exact, from a Fraction)."""
    value = Fraction(value)
    units = (abs(value) * 10**places * 2 + 1) // 2
    return Fraction(units if value >= 0 else -units, 10**places)


def quotient(top, bottom):
    return rounded(Fraction(top) / Fraction(bottom), EXACT_PLACES)


def settled(amount):
    return rounded(rounded(amount, SETTLE_PLACES), 2)


# -- SQL quotients -------------------------------------------------------------------------------


def sql_value(sql):
    return duckdb.connect().sql(f"SELECT {sql}").fetchall()[0][0]


def decimal_sql(value):
    return f"CAST('{value}' AS DECIMAL(38, 12))"


@settings(max_examples=100, deadline=None)
@given(
    st.integers(-(10**26), 10**26),
    st.integers(1, 10**26).flatmap(lambda n: st.sampled_from([n, -n])),
    st.integers(-(10**4), 10**4),
    st.integers(0, 3),
)
@example(283500160000000000, 10**12, 1, 0)
@example(2776954600000000, 10**12, 50, 0)
@example(1, 2 * 10**12, 1, 0)  # exactly half a unit: 0.0000000000005 → 0.000000000001
@example(-3, 2 * 10**12, 1, 0)  # -1.5 units → -2 (half away from zero)
@example(35 * 10**12 + 1, 2 * 10**12, 1, 0)  # 17.5000000000005 → …501: a tie the estimate can't see
@example(10**12, 3 * 10**12, 30, 0)  # 30 / 3 … 10, and a third of a weight
def test_a_quotient_is_the_exact_fraction_rounded_half_up_or_an_error(top, bottom, w, wp):
    a, b = Decimal(top).scaleb(-12), Decimal(bottom).scaleb(-12)
    factor = Decimal(w).scaleb(-wp)
    sql = exact_product_quotient(factor, decimal_sql(a), decimal_sql(b))
    exact = Fraction(factor) * Fraction(a) / Fraction(b)
    if abs(factor * a) < QUOTIENT_LIMIT and abs(a) < 10**14 and abs(b) < 10**14:
        if abs(exact) < 10**25:
            assert Fraction(sql_value(sql)) == quotient(Fraction(factor) * Fraction(a), b)
    elif abs(factor * a) >= 10**14 or abs(b) >= 10**14:
        # out of the division's bounds: an overflow error, or — where the DOUBLE estimate
        # settles the rounding without the division — the exact quotient all the same
        try:
            value = sql_value(sql)
        except duckdb.OutOfRangeException:
            return
        assert abs(exact) < 10**2
        assert Fraction(value) == quotient(Fraction(factor) * Fraction(a), b)


def test_a_quotient_out_of_range_raises_instead_of_giving_a_number():
    with pytest.raises(duckdb.OutOfRangeException):
        sql_value(exact_divide(decimal_sql(10**25), decimal_sql("0.001")))


def test_a_quotient_by_zero_is_no_data():
    assert sql_value(exact_divide(decimal_sql(5), "NULLIF(0, 0)")) is None


# -- whole plans ---------------------------------------------------------------------------------

PLAN = """
kpiengine: 1
name: generated numbers
weights: free
calendar: {{year: 2025, frequency: quarter}}
sources:
  reps: {{plugin: csv, options: {{path: reps.csv}}}}
  deals: {{plugin: csv, options: {{path: deals.csv}}}}
subjects: {{source: reps, id: id, name: name, groups: [team]}}
indicators:
  - {{id: revenue, name: revenue, weight: {w1}, target: {t1}, cap: {cap},
     actual: {{source: deals, sum: amount, where: "stage == 'won'", date: closed_on}}}}
  - {{id: avg_deal, name: average deal, weight: {w2}, target: {t2},
     actual: {{source: deals, avg: amount, where: "stage == 'won'", date: closed_on}}}}
  - {{id: won, name: won deals, weight: {w3}, target: {t3},
     actual: {{source: deals, count: "*", where: "stage == 'won'", date: closed_on}}}}
grades:
  - {{grade: A, min: {band}}}
  - {{grade: B, min: 0}}
incentives:
  - id: commission
    base: revenue.actual
    tiers:
      on: revenue.attainment
      mode: marginal
      rates: [{rates}]
    cap: {line_cap}
  - {{id: third, amount: avg_deal.actual / 3}}
  - id: kicker
    curve: {{on: revenue.attainment, points: [[0, 0], [{x1}, {y1}], [2, 3]], amount: 1000}}
"""

REPS = "id,name,team\nA,甲,t1\nB,乙,t1\nC,丙,t1\n"


def cents(low, high):
    return st.integers(low * 100, high * 100).map(lambda n: Decimal(n).scaleb(-2))


def places(low, high, digits):
    return st.integers(low * 10**digits, high * 10**digits).map(
        lambda n: Decimal(n).scaleb(-digits)
    )


@st.composite
def plans(draw):
    froms = sorted(set(draw(st.lists(places(0, 2, 2), max_size=3))) - {Decimal(0)})
    rates = draw(st.lists(places(0, 1, 3), min_size=len(froms) + 1, max_size=len(froms) + 1))
    return {
        "w1": draw(places(1, 60, 1)),
        "w2": draw(places(1, 40, 2)),
        "w3": draw(st.integers(1, 30)),
        "t1": draw(cents(1, 10**6)),
        "t2": draw(cents(1, 10**5)),
        "t3": draw(st.integers(1, 9)),
        "cap": draw(places(1, 3, 1)),
        "band": draw(st.integers(1, 150)),
        "tiers": list(zip([Decimal(0), *froms], rates, strict=True)),
        "line_cap": draw(cents(1, 10**5)),
        "x1": draw(places(0, 2, 2).filter(lambda x: 0 < x < 2)),
        "y1": draw(places(0, 3, 3)),
    }


deal_rows = st.lists(
    st.tuples(st.sampled_from("ABC"), cents(0, 10**6), st.sampled_from(["won", "lost"])),
    max_size=8,
)


def run(tmp_path, plan, deals):
    rates = ", ".join(f"{{from: {low}, rate: {rate}}}" for low, rate in plan["tiers"])
    text = PLAN.format(rates=rates, **plan)
    (tmp_path / "plan.yaml").write_text(textwrap.dedent(text), "utf-8")
    (tmp_path / "reps.csv").write_text(REPS, "utf-8")
    lines = [f"{owner},{amount},{stage},2025-02-15" for owner, amount, stage in deals]
    (tmp_path / "deals.csv").write_text(
        "owner,amount,stage,closed_on\n" + "".join(f"{line}\n" for line in lines), "utf-8"
    )
    loaded = load_ruleset(tmp_path / "plan.yaml", registry())
    return evaluate(loaded.ruleset, registry(), ("2025-Q1",)).results


def marginal(base, on, tiers):
    """base × Σ rate × slice / on, with `on` the 12-place attainment."""
    if on <= 0:
        return Fraction(0)
    weighted = Fraction(0)
    for index, (low, rate) in enumerate(tiers):
        high = tiers[index + 1][0] if index + 1 < len(tiers) else None
        top = on if high is None else min(on, Fraction(high))
        weighted += Fraction(rate) * max(Fraction(0), top - Fraction(low))
    return quotient(Fraction(base) * weighted, on)


def curve(x, points):
    (x0, y0), (xn, yn) = points[0], points[-1]
    if x <= x0:
        return y0
    if x >= xn:
        return yn
    for (xa, ya), (xb, yb) in itertools.pairwise(points):
        if x <= xb:
            return ya + quotient((yb - ya) * (x - xa), xb - xa)
    raise AssertionError("unreachable")


def expected(plan, won):
    """Every value of one person, computed with Fractions and rounded where the policy says."""
    revenue, count = sum(won, Fraction(0)), len(won)
    average = quotient(revenue, count) if count else None
    values = {}
    rows = [
        ("revenue", revenue, plan["t1"], plan["w1"], plan["cap"]),
        ("avg_deal", average, plan["t2"], plan["w2"], None),
        ("won", Fraction(count), plan["t3"], plan["w3"], None),
    ]
    for ind, actual, target, weight, cap in rows:
        attainment = None if actual is None else quotient(actual, target)
        score = Fraction(0)
        if actual is not None:
            score = quotient(Fraction(weight) * actual, target)
            if cap is not None:
                score = min(score, Fraction(weight) * Fraction(cap))
        values[ind] = (actual, Fraction(target), attainment, score)
    total = rounded(sum(v[3] for v in values.values()), TOTAL_PLACES)
    on = values["revenue"][2]
    commission = min(marginal(revenue, on, plan["tiers"]), Fraction(plan["line_cap"]))
    third = quotient(average, 3) if average is not None else Fraction(0)
    points = [(Fraction(0), Fraction(0)), (Fraction(plan["x1"]), Fraction(plan["y1"]))]
    points.append((Fraction(2), Fraction(3)))
    kicker = 1000 * curve(on, points)
    lines = {"commission": commission, "third": third, "kicker": kicker}
    grade = "A" if rounded(total, COMPARED_PLACES) >= plan["band"] else "B"
    return values, total, grade, {k: settled(v) for k, v in lines.items()}


def exact(value):
    return None if value is None else Fraction(value)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(plans(), deal_rows)
@example(
    {
        "w1": Decimal(50), "w2": Decimal(10), "w3": 5, "t1": Decimal(1), "t2": Decimal("0.03"),
        "t3": 1, "cap": Decimal(2), "band": 100, "tiers": [(Decimal(0), Decimal("0.05"))],
        "line_cap": Decimal(100000), "x1": Decimal(1), "y1": Decimal(1),
    },
    [("A", Decimal("283500.16"), "won"), ("B", Decimal("0.01"), "won")],
)  # fmt: skip
def test_every_value_of_a_plan_is_the_exact_fraction_rounded_as_the_policy_says(
    tmp_path, plan, deals
):
    results = run(tmp_path, plan, deals)
    assert [r.subject for r in results.rows] == ["A", "B", "C"]
    for row in results.rows:
        won = [Fraction(a) for owner, a, stage in deals if owner == row.subject and stage == "won"]
        values, total, grade, lines = expected(plan, won)
        for ind, (actual, target, attainment, score) in values.items():
            got = row.indicators[ind]
            assert exact(got.actual) == actual, ind
            assert exact(got.target) == target, ind
            assert exact(got.attainment) == attainment, ind
            assert Fraction(got.score) == score, ind
        assert Fraction(row.total) == total
        assert row.grade == grade
        assert {k: Fraction(v) for k, v in row.incentives.items()} == lines
        assert Fraction(row.payout) == sum(lines.values())


# -- the two reproductions from the issue --------------------------------------------------------

ONE_INDICATOR = """
kpiengine: 1
name: reproductions
weights: free
calendar: {{year: 2025, frequency: quarter}}
sources:
  reps: {{plugin: csv, options: {{path: reps.csv}}}}
  deals: {{plugin: csv, options: {{path: deals.csv}}}}
subjects: {{source: reps, id: id, name: name, groups: [team]}}
indicators:
  - {{id: deal, name: deal, weight: {weight}, target: 1,
     actual: {{source: deals, {func}: amount, date: closed_on}}}}
grades:
  - {{grade: A, min: 0}}
"""


def run_json_text(tmp_path, func, weight, amount):
    (tmp_path / "plan.yaml").write_text(ONE_INDICATOR.format(func=func, weight=weight), "utf-8")
    (tmp_path / "reps.csv").write_text("id,name,team\nA,甲,t1\n", "utf-8")
    (tmp_path / "deals.csv").write_text(f"owner,amount,closed_on\nA,{amount},2025-02-15\n")
    result = invoke(
        "run", "--ruleset", tmp_path / "plan.yaml", "--period", "2025-Q1", "-o", "json:-"
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_average_of_one_deal_is_the_deal_itself(tmp_path):
    text = run_json_text(tmp_path, "avg", 1, "283500.16")
    assert '"actual":283500.16,' in text.replace(" ", "")
    assert "283500.1599" not in text


def test_a_score_of_50_times_an_attainment_has_no_float_noise(tmp_path):
    text = run_json_text(tmp_path, "sum", 50, "2776.9546")
    assert '"score":138847.73' in text.replace(" ", "")
    assert "138847.730000000016" not in text


def test_the_places_are_ordered_as_the_docs_say():
    assert SOURCE_PLACES <= SETTLE_PLACES < COMPARED_PLACES < TOTAL_PLACES < EXACT_PLACES
