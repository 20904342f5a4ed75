"""Silent wrong numbers, second campaign: a number is exact, or refused with a message — at load
(`file:line:col: path: message`) or, for what only a run can find, naming the rule and the
subject. Never NaN pasted into SQL, never 0 for an overflow, never a traceback."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from kpitest import invoke
from numbers_plan import prepare, problems, write

from kpiengine.errors import ConfigError, KpiEngineError
from kpiengine.evaluate.engine import evaluate
from kpiengine.plan.load import load_ruleset
from kpiengine.plugins import registry


@pytest.fixture
def here(tmp_path, monkeypatch):
    return prepare(tmp_path, monkeypatch)


def run(path, period="2025-Q1"):
    results = evaluate(load_ruleset(path, registry()).ruleset, registry(), [period])
    results.store.close()
    return {row.subject: row for row in results.results.rows}


def run_fails(path):
    with pytest.raises(KpiEngineError) as failure:
        run(path)
    assert not isinstance(failure.value, ConfigError), failure.value
    return str(failure.value)


# -- .nan, .inf and numbers beyond the exact range are refused at load -----------------------------


def test_nan_tier_rate_is_refused_at_load(here):
    """The tier rate `.nan` was pasted into SQL as NaN, which DuckDB read as the metric `nan`:
    the line paid that metric × the base, and `validate` said ok."""
    write(
        here,
        """\
        - id: commission
          base: revenue.actual
          tiers:
            "on": revenue.attainment
            mode: flat
            rates: [{from: 0, rate: .nan}]
        """,
        metric=(
            "  won_deals:",
            "  nan: {source: deals, sum: amount, date: closed_on}\n  won_deals:",
        ),
    )
    code, lines = problems(here)
    assert code == 1
    assert lines == [
        "28:31: incentives[0].tiers.rates[0].rate: "
        "'.nan' (not a number) is not a number kpiengine can calculate with"
    ]


WHERE_NUMBERS_ARE = {
    "indicator weight": ("    weight: 100\n", "    weight: {}\n", "indicators[0].weight"),
    "indicator target": ("    target: 1000000\n", "    target: {}\n", "indicators[0].target"),
    "indicator cap": (
        "    target: 1000000\n",
        "    target: 1000000\n    cap: {}\n",
        "indicators[0].cap",
    ),
    "tier from": ("{from: 1.0, rate: 0.03}", "{{from: {}, rate: 0.03}}", "rates[1].from"),
    "tier rate": ("{from: 1.0, rate: 0.03}", "{{from: 1.0, rate: {}}}", "rates[1].rate"),
    "grade min": ("{grade: A, min: 90}", "{{grade: A, min: {}}}", "grades[0].min"),
    "incentive cap": (
        "    base: revenue.actual\n",
        "    base: revenue.actual\n    cap: {}\n",
        "incentives[0].cap",
    ),
    "incentive minimum": (
        "    base: revenue.actual\n",
        "    base: revenue.actual\n    minimum: {}\n",
        "incentives[0].minimum",
    ),
    "multiplier": (
        "    base: revenue.actual\n",
        "    base: revenue.actual\n    multiplier: {}\n",
        "incentives[0].multiplier",
    ),
    "by_grade amount": (
        "  - id: commission\n",
        "  - {{id: bonus, by_grade: {{A: {}}}}}\n  - id: commission\n",
        "incentives[0].by_grade.A",
    ),
    "formula amount": (
        "  - id: commission\n",
        "  - {{id: formula, amount: {}}}\n  - id: commission\n",
        "incentives[0].amount",
    ),
    "curve point": (
        "  - id: commission\n",
        "  - {{id: kicker, curve: {{'on': revenue.attainment, amount: 1000, "
        "points: [[0, 0], [1, {}]]}}}}\n  - id: commission\n",
        "incentives[0].curve.points[1][1]",
    ),
    "split weight": (
        "subjects:",
        "targets: {{source: targets, split: weights, weights: [1, 1, 1, {}]}}\nsubjects:",
        "targets.weights[3]",
    ),
    "level value": (
        "    target: 1000000\n",
        "    target: 1000000\n  - id: teamwork\n    weight: 0\n    levels: {{good: {}}}\n"
        "    target: good\n    actual: {{source: deals, last: stage, date: closed_on}}\n",
        "indicators[1].levels.good",
    ),
    "plugin option": (
        "{path: deals.csv}",
        "{{path: deals.csv, delimiter: {}}}",
        "sources.deals.options.delimiter",
    ),
}


@pytest.mark.parametrize("place", list(WHERE_NUMBERS_ARE))
@pytest.mark.parametrize("written", [".nan", ".inf", "-.inf", ".NaN", "1e400"])
def test_nan_and_inf_are_refused_wherever_a_number_is_accepted(here, place, written):
    old, new, path = WHERE_NUMBERS_ARE[place]
    write(here, change=(old, new.format(written)))
    code, lines = problems(here)
    assert code == 1
    found = [line for line in lines if line.split(": ")[1].endswith(path)]
    assert found, lines
    assert written in found[0]
    assert "not a number kpiengine can calculate with" in found[0] or "too large" in found[0]


BEYOND = {
    "a weight of 10^14": (
        "indicator weight",
        "100000000000000",
        "must stay below 100,000,000,000,000",
    ),
    "a target of 10^20": ("indicator target", "1e20", "must stay below 100,000,000,000,000"),
    "a rate with 13 places": ("tier rate", "0.0000000000001", "has 13 decimal places"),
    "a rate a float cannot hold": ("tier rate", "0.030000000000000000001", "would be read as 0.03"),
    "a cap with 17 digits": (
        "incentive cap",
        "12345678901234.567",
        "more digits than a YAML number",
    ),
    "a weight with 7 places": ("indicator weight", "99.9999999", "at most 6 are kept here"),
    "a split weight of 10^6": ("split weight", "1000000", "must stay below 1,000,000"),
    "a grade min of -10^15": ("grade min", "-1e15", "must stay below 100,000,000,000,000"),
    "an amount of 10^20": ("formula amount", "100000000000000000000", "must stay below"),
}


@pytest.mark.parametrize("case", list(BEYOND))
def test_numbers_beyond_the_exact_range_are_refused_at_load(here, case):
    place, written, says = BEYOND[case]
    old, new, path = WHERE_NUMBERS_ARE[place]
    write(here, change=(old, new.format(written)))
    code, lines = problems(here)
    assert code == 1
    found = [line for line in lines if line.split(": ")[1].endswith(path)]
    assert found and says in found[0], lines


def test_numbers_inside_the_range_load_as_written(here):
    write(
        here,
        change=("{from: 1.0, rate: 0.03}", "{from: 1.0, rate: 0.123456789012}"),
        weight=("    weight: 100\n", "    weight: 99.999999\n"),
        other=("    target: 1000000\n", "    target: 9999999999999.99\n"),
        free=("name: numbers\n", "name: numbers\nweights: free\n"),
    )
    ruleset = load_ruleset(here / "plan.yaml", registry()).ruleset
    assert ruleset.indicators[0].weight == Decimal("99.999999")
    assert ruleset.indicators[0].target == Decimal("9999999999999.99")
    assert ruleset.incentives[0].tiers.rates[1] == (Decimal("1.0"), Decimal("0.123456789012"))


def test_no_number_is_pasted_into_sql_as_anything_but_a_number_literal():
    """NaN and Infinity are column names to DuckDB, and 1E+20 a DOUBLE: a constant is written
    as plain digits, or not at all."""
    from kpiengine.expressions.sql import number_literal
    from kpiengine.numeric import exact_constant
    from kpiengine.numeric import number_literal as exact_literal

    for special in ("NaN", "Infinity", "-Infinity", "sNaN"):
        with pytest.raises(ValueError):
            exact_literal(Decimal(special))
    assert exact_literal(Decimal("1E+20")) == "100000000000000000000"
    assert exact_literal(Decimal("-5E-7")) == "(-0.0000005)"
    assert number_literal(1e-7) == "0.0000001"
    assert exact_constant(Decimal("1E+13")) == "CAST(10000000000000 AS DECIMAL(38, 12))"


# -- overflow during a run: an error naming the rule and the subject, never 0 ---------------------


def test_score_overflow_is_an_error_not_zero(here):
    """`revenue.actual ** 5` is too large for DECIMAL(38, 12): it scored 0 without a word."""
    write(here, change=("    target: 1000000\n", "    target: 1000000\n    score: actual ** 5\n"))
    message = run_fails(here / "plan.yaml")
    assert message.startswith("indicators[0].score: cannot be computed for subject 'R1' in 2025-Q1")
    assert "no value is rounded or replaced by 0" in message


def test_amount_overflow_with_a_multiplier_is_a_clear_error(here):
    """An amount of 10^20 times an expression multiplier overflowed DuckDB's decimals: a
    traceback."""
    write(
        here,
        """\
        - id: huge
          amount: "100000000000000000000"
          multiplier: revenue.attainment
        """,
    )
    result = invoke("run", "--ruleset", "plan.yaml", "--period", "2025-Q1", "-o", "json:-")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "error: incentives[0]: cannot be computed for subject 'R1' in 2025-Q1" in result.stderr


def test_overflow_in_a_group_names_the_group(here):
    """Each member's score fits (3×10^8 cubed is 2.7×10^25); the team's (6×10^8 cubed) does not."""
    write(here, change=("    target: 1000000\n", "    target: 1000000\n    score: actual ** 3\n"))
    (here / "deals.csv").write_text(
        "owner,amount,stage,closed_on\nR1,300000000,won,2025-01-10\nR2,300000000,won,2025-01-10\n",
        "utf-8",
    )
    message = run_fails(here / "plan.yaml")
    assert message.startswith(
        "indicators[0].score: cannot be computed for group team 't1' in 2025-Q1"
    )


def marginal(base, on, rates):
    """The marginal payout, in Decimal: each slice of `on` at its rate, on the base's share."""
    paid = Decimal(0)
    for index, (low, rate) in enumerate(rates):
        high = rates[index + 1][0] if index + 1 < len(rates) else None
        top = on if high is None else min(on, high)
        paid += rate * max(top - low, Decimal(0))
    exact = (base * paid / on).quantize(Decimal("1e-12"), ROUND_HALF_UP)
    return exact.quantize(Decimal("1e-6"), ROUND_HALF_UP).quantize(Decimal("0.01"), ROUND_HALF_UP)


@pytest.mark.parametrize(
    "amount",
    ["9999999999999999.99", "12345678901234567.89", "10000000000000000", "7654321098765432.1"],
)
def test_marginal_tiers_on_a_base_near_1e16_are_exact_or_refused(here, amount):
    """Marginal tiers on a base around 10^16: the line is the exact payout to the cent, or the run
    stops naming the incentive and the subject — never a few cents off."""
    (here / "deals.csv").write_text(
        f"owner,amount,stage,closed_on\nR1,{amount},won,2025-01-10\nR2,1,won,2025-01-10\n", "utf-8"
    )
    (here / "targets.csv").write_text(
        "subject,indicator,period,value\nR1,revenue,2025-Q1,9000000000000000\n"
        "R2,revenue,2025-Q1,1\n",
        "utf-8",
    )
    write(
        here,
        change=("    target: 1000000\n", ""),
        targets=("subjects:", "targets: {source: targets}\nsubjects:"),
        weight=("    weight: 100\n", "    weight: 0.000001\n"),
        free=("name: numbers\n", "name: numbers\nweights: free\n"),
    )
    rates = [(Decimal(0), Decimal("0.01")), (Decimal("1.0"), Decimal("0.03"))]
    base = Decimal(amount)
    on = (base / Decimal("9000000000000000")).quantize(Decimal("1e-12"), ROUND_HALF_UP)
    try:
        rows = run(here / "plan.yaml")
    except KpiEngineError as failure:
        assert str(failure).startswith("incentives[0]: cannot be computed for subject 'R1'")
        return
    assert rows["R1"].incentives["commission"] == marginal(base, on, rates)


def test_hire_date_0000_01_01_is_a_clear_error(here):
    """A start date Python cannot hold came back from DuckDB as text: a traceback."""
    (here / "reps.csv").write_text("id,name,team,hired\nR1,甲,t1,0000-01-01\nR2,乙,t1,2020-01-01\n")
    write(here, change=("groups: [team]}", "groups: [team], start: hired}"))
    message = run_fails(here / "plan.yaml")
    assert message.startswith("subjects source 'reps': the hired of 'R1' is ")
    assert "outside the dates kpiengine handles (years 1 to 9999)" in message
