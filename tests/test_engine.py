"""Engine semantics on small plans, with data from a test source plugin registered in a fixture."""

import json
import textwrap
import types
from decimal import Decimal
from typing import ClassVar

import pyarrow as pa
import pytest
from kpitest import invoke

from kpiengine import Source, hookimpl
from kpiengine.evaluate.engine import evaluate
from kpiengine.expressions import compile_expression
from kpiengine.plan.load import load_ruleset
from kpiengine.plugins import default_manager, registry

TABLES: dict = {}


class MemorySource(Source):
    """Serves tables from TABLES — a third-party source as a test would write one."""

    name = "memory"
    options_schema: ClassVar[dict] = {
        "type": "object",
        "properties": {"table": {"type": "string"}},
        "required": ["table"],
        "additionalProperties": False,
    }

    def fields(self):
        return {c: "string" for c in TABLES[self.options["table"]].column_names}

    def fetch(self, request):
        return TABLES[self.options["table"]]


@pytest.fixture
def memory_plugin():
    module = types.ModuleType("memory_test_plugin")
    module.register_sources = hookimpl(lambda register: register(MemorySource))
    pm = default_manager()
    pm.register(module, name="memory_test_plugin")
    yield
    pm.unregister(name="memory_test_plugin")
    TABLES.clear()


REPS = pa.table(
    {
        "id": ["A", "B", "C"],
        "name": ["甲", "乙", "丙"],
        "team": ["t1", "t1", "t2"],
    }
)


def deals(*rows):
    owner, amount, stage, day = zip(*rows, strict=True)
    return pa.table(
        {
            "owner": list(owner),
            "amount": [Decimal(a) for a in amount],
            "stage": list(stage),
            "day": pa.array([__import__("datetime").date.fromisoformat(d) for d in day]),
        }
    )


HEADER = """
kpiengine: 1
name: test plan
weights: free  # plans of one or two indicators, weighted as each test needs
calendar: {year: 2025, frequency: quarter}
sources:
  reps: {plugin: memory, options: {table: reps}}
  deals: {plugin: memory, options: {table: deals}}
  targets: {plugin: memory, options: {table: targets}}
subjects: {source: reps, id: id, name: name, groups: [team]}
grades:
  - {grade: A, min: 90}
  - {grade: B, min: 0}
"""


def write_plan(tmp_path, body, header=HEADER):
    path = tmp_path / "plan.yaml"
    path.write_text(textwrap.dedent(header) + textwrap.dedent(body), "utf-8")
    return path


def run_plan(tmp_path, body, periods=(), header=HEADER):
    loaded = load_ruleset(write_plan(tmp_path, body, header), registry())
    return evaluate(loaded.ruleset, registry(), periods)


def row(run, subject, period):
    return next(r for r in run.results.rows if (r.subject, r.period) == (subject, period))


@pytest.fixture
def data(memory_plugin):
    TABLES["reps"] = REPS
    TABLES["deals"] = deals(
        ("A", "100", "won", "2025-01-10"),
        ("A", "50", "lost", "2025-02-01"),
        ("A", "30", "won", "2025-04-02"),
        ("B", "80", "won", "2025-03-31"),
        ("B", "20", "won", "2025-03-31"),
        ("Z", "999", "won", "2025-01-01"),
    )
    TABLES["targets"] = pa.table(
        {
            "subject": ["A", "B", "C"],
            "indicator": ["revenue"] * 3,
            "period": ["2025", "2025-Q1", "2025-H1"],
            "value": ["400", "50", "60"],
        }
    )


def test_a_plugin_registered_in_a_fixture_serves_a_ruleset(tmp_path, data):
    run = run_plan(
        tmp_path,
        """
        indicators:
          - {id: revenue, name: 销售额, weight: 100, target: 100,
             actual: {source: deals, sum: amount, where: "stage == 'won'", date: day}}
    """,
    )
    assert row(run, "A", "2025-Q1").indicators["revenue"].actual == Decimal(100)
    assert row(run, "A", "2025-Q2").indicators["revenue"].actual == Decimal(30)
    assert row(run, "B", "2025-Q1").indicators["revenue"].actual == Decimal(100)


def test_records_of_nobody_evaluated_are_reported_not_silently_dropped(tmp_path, data):
    run = run_plan(
        tmp_path,
        """
        indicators:
          - {id: revenue, name: 销售额, weight: 100, target: 100,
             actual: {source: deals, sum: amount, date: day}}
    """,
    )
    (check,) = [c for c in run.checks if c.code == "owner-unknown"]
    assert check.severity == "warning"
    assert check.counts == {"records": 1, "owners": 1}
    assert "1 record in 2025-Q1 … 2025-Q4 belongs to no subject and is not counted" in check.message


def test_every_subject_gets_every_period_and_an_empty_sum_is_zero(tmp_path, data):
    run = run_plan(
        tmp_path,
        """
        indicators:
          - {id: revenue, name: 销售额, weight: 100, target: 100,
             actual: {source: deals, sum: amount, date: day}}
    """,
    )
    assert len(run.results.rows) == 3 * 4
    empty = row(run, "C", "2025-Q3").indicators["revenue"]
    assert (empty.actual, empty.score) == (Decimal(0), Decimal(0))


def test_an_empty_average_is_no_data_with_a_warning_and_scores_zero(tmp_path, data):
    run = run_plan(
        tmp_path,
        """
        indicators:
          - {id: size, name: 单均, weight: 100, target: 50,
             actual: {source: deals, avg: amount, date: day}}
    """,
    )
    result = row(run, "C", "2025-Q1")
    assert result.indicators["size"].actual is None
    assert result.indicators["size"].score == 0
    assert result.warnings == ("单均: no data in 2025-Q1, scored 0",)
    assert row(run, "A", "2025-Q1").indicators["size"].actual == Decimal(75)


def test_targets_split_evenly_used_as_written_or_split_from_a_half(tmp_path, data):
    run = run_plan(
        tmp_path,
        """
        indicators:
          - {id: revenue, name: 销售额, weight: 100,
             actual: {source: deals, sum: amount, date: day}}
        targets: {source: targets, split: even}
    """,
    )
    assert row(run, "A", "2025-Q1").indicators["revenue"].target == Decimal(100)
    assert row(run, "B", "2025-Q1").indicators["revenue"].target == Decimal(50)
    assert row(run, "C", "2025-Q2").indicators["revenue"].target == Decimal(30)
    missing = row(run, "B", "2025-Q2")
    assert missing.indicators["revenue"].target is None
    assert "销售额: no target for 2025-Q2, scored 0" in missing.warnings


def test_targets_split_by_weights(tmp_path, data):
    run = run_plan(
        tmp_path,
        """
        indicators:
          - {id: revenue, name: 销售额, weight: 100,
             actual: {source: deals, sum: amount, date: day}}
        targets: {source: targets, split: weights, weights: [0.1, 0.2, 0.3, 0.4]}
    """,
    )
    assert row(run, "A", "2025-Q1").indicators["revenue"].target == Decimal(40)
    assert row(run, "A", "2025-Q4").indicators["revenue"].target == Decimal(160)
    assert row(run, "C", "2025-Q2").indicators["revenue"].target == Decimal(40)


def test_a_rate_target_is_not_split(tmp_path, data):
    TABLES["targets"] = pa.table(
        {"subject": ["A"], "indicator": ["size"], "period": ["2025"], "value": ["80"]}
    )
    run = run_plan(
        tmp_path,
        """
        indicators:
          - {id: size, name: 单均, weight: 100, actual: {source: deals, avg: amount, date: day}}
        targets: {source: targets}
    """,
    )
    assert row(run, "A", "2025-Q1").indicators["size"].target == Decimal(80)


def test_lower_is_better_inverts_attainment_and_cap_limits_the_score_only(tmp_path, data):
    run = run_plan(
        tmp_path,
        """
        indicators:
          - {id: losses, name: 丢单额, weight: 100, target: 100, better: lower, cap: 1.5,
             actual: {source: deals, sum: amount, where: "stage == 'lost'", date: day}}
    """,
    )
    result = row(run, "A", "2025-Q1").indicators["losses"]
    assert result.attainment == Decimal(2)
    assert result.score == Decimal(150)


def test_derived_indicators_read_metrics_and_other_indicators(tmp_path, data):
    run = run_plan(
        tmp_path,
        """
        metrics:
          deal_count: {source: deals, count: "*", date: day}
        indicators:
          - {id: per_deal, name: 单均, weight: 50, target: 50,
             actual: revenue.actual / deal_count}
          - {id: revenue, name: 销售额, weight: 50, target: 100,
             actual: {source: deals, sum: amount, date: day}}
    """,
    )
    result = row(run, "A", "2025-Q1")
    assert result.indicators["per_deal"].actual == Decimal(75)
    assert result.metrics == {"deal_count": Decimal(2)}
    assert list(result.indicators) == ["per_deal", "revenue"]
    assert row(run, "C", "2025-Q1").indicators["per_deal"].actual is None


def test_indicators_that_depend_on_each_other_in_a_circle_are_refused(tmp_path, data):
    path = write_plan(
        tmp_path,
        """
        indicators:
          - {id: a, name: a, weight: 50, target: 1, actual: b.actual + 1}
          - {id: b, name: b, weight: 50, target: 1, actual: a.actual + 1}
    """,
    )
    result = invoke("validate", path)
    assert result.exit_code == 1
    assert "indicators depend on each other in a circle: a → b → a" in result.stderr


def test_ranks_are_within_the_group_and_period(tmp_path, data):
    run = run_plan(
        tmp_path,
        """
        indicators:
          - {id: revenue, name: 销售额, weight: 100, target: 100,
             actual: {source: deals, sum: amount, date: day}}
    """,
    )
    q1 = {r.subject: r.ranks["team"] for r in run.results.rows if r.period == "2025-Q1"}
    assert q1 == {"A": 1, "B": 2, "C": 1}


def test_feedback_fires_and_formats_its_message(tmp_path, data):
    run = run_plan(
        tmp_path,
        """
        indicators:
          - {id: revenue, name: 销售额, weight: 100, target: 150,
             actual: {source: deals, sum: amount, date: day}}
        feedback:
          - when: revenue.attainment < 0.8 and grade == 'B'
            message: "完成率 {revenue.attainment:.0%},总分 {total:.1f}"
    """,
    )
    assert row(run, "A", "2025-Q1").feedback == ()
    assert row(run, "A", "2025-Q2").feedback == ("完成率 20%,总分 20.0",)


def test_monthly_periods(tmp_path, data):
    header = HEADER.replace("frequency: quarter", "frequency: month")
    run = run_plan(
        tmp_path,
        """
        indicators:
          - {id: revenue, name: 销售额, weight: 100, target: 100,
             actual: {source: deals, sum: amount, date: day}}
    """,
        periods=("2025-03",),
        header=header,
    )
    assert run.results.periods == ("2025-03",)
    assert row(run, "B", "2025-03").indicators["revenue"].actual == Decimal(100)


def test_levels_unknown_to_the_scale_warn(tmp_path, memory_plugin):
    TABLES["reps"] = REPS
    TABLES["reviews"] = pa.table(
        {"owner": ["A", "B"], "level": ["优秀", "棒"], "day": ["2025-01-05", "2025-01-05"]}
    )
    TABLES["targets"] = pa.table(
        {"subject": [], "indicator": [], "period": [], "value": []},
        schema=pa.schema([(c, pa.string()) for c in ("subject", "indicator", "period", "value")]),
    )
    header = HEADER.replace(
        "deals: {plugin: memory, options: {table: deals}}",
        "reviews: {plugin: memory, options: {table: reviews}}",
    )
    run = run_plan(
        tmp_path,
        """
        indicators:
          - {id: team, name: 团队, weight: 100, target: 优秀, levels: {优秀: 1.0, 良好: 0.8},
             actual: {source: reviews, last: level, date: day}}
    """,
        header=header,
    )
    assert row(run, "A", "2025-Q1").indicators["team"].score == Decimal(100)
    assert any("'棒' is not one of the levels" in w for w in row(run, "B", "2025-Q1").warnings)


@pytest.mark.parametrize(
    "where",
    [
        "stage == 'won'",
        "amount >= 50 and stage != 'lost'",
        "not (amount < 60) or stage in ('x',)",
        "amount * 2 - 10 > 150 if stage == 'won' else amount > 40",
        "round(amount / 3, 1) > 20",
    ],
)
def test_the_sql_filter_counts_what_the_scalar_evaluator_accepts(tmp_path, data, where):
    run = run_plan(
        tmp_path,
        f"""
        indicators:
          - {{id: n, name: n, weight: 100, target: 1,
             actual: {{source: deals, sum: amount, where: "{where}", date: day}}}}
    """,
    )
    expr = compile_expression(where, kind="row")
    table = TABLES["deals"].to_pylist()
    for subject in ("A", "B"):
        for period, months in (("2025-Q1", (1, 2, 3)), ("2025-Q2", (4, 5, 6))):
            expected = sum(
                (
                    r["amount"]
                    for r in table
                    if r["owner"] == subject
                    and r["day"].month in months
                    and expr.evaluate(r) is True
                ),
                Decimal(0),
            )
            assert row(run, subject, period).indicators["n"].actual == expected


def test_run_json_through_the_cli_with_a_plugin_source(tmp_path, data):
    path = write_plan(
        tmp_path,
        """
        indicators:
          - {id: revenue, name: 销售额, weight: 100, target: 100,
             actual: {source: deals, sum: amount, date: day}}
    """,
    )
    result = invoke("run", "--ruleset", path, "--period", "2025-Q1", "-o", "json:-")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [r["total"] for r in document["results"]] == [150.0, 100.0, 0.0]
    assert [r["grade"] for r in document["results"]] == ["A", "A", "B"]


def test_team_results_sum_the_members_and_recompute_attainment(tmp_path, data):
    run = run_plan(
        tmp_path,
        """
        indicators:
          - {id: revenue, name: 销售额, weight: 100,
             actual: {source: deals, sum: amount, where: "stage == 'won'", date: day}}
        targets: {source: targets}
    """,
    )
    team = next(g for g in run.results.groups if (g.value, g.period) == ("t1", "2025-Q1"))
    assert team.members == ("A", "B")
    revenue = team.indicators["revenue"]
    # A: 100 won of a 100 target (400 a year / 4); B: 100 won of a 50 target (its Q1 row)
    assert (revenue.actual, revenue.target) == (Decimal(200), Decimal(150))
    assert revenue.attainment == round(Decimal(200) / Decimal(150), 12)


def test_a_manager_incentive_can_pay_on_the_teams_attainment(tmp_path, data):
    run = run_plan(
        tmp_path,
        """
        indicators:
          - {id: revenue, name: 销售额, weight: 100,
             actual: {source: deals, sum: amount, where: "stage == 'won'", date: day}}
        targets: {source: targets}
        incentives:
          - id: team_bonus
            name: 团队奖
            amount: 1000
            gate: team.revenue.attainment >= 1
    """,
    )
    assert row(run, "A", "2025-Q1").incentives["team_bonus"] == Decimal("1000.00")
    assert row(run, "A", "2025-Q2").incentives["team_bonus"] == Decimal("0.00")


def test_nobody_is_champion_when_nobody_sold(tmp_path, data):
    run = run_plan(
        tmp_path,
        """
        indicators:
          - {id: revenue, name: 销售额, weight: 100, target: 100,
             actual: {source: deals, sum: amount, where: "stage == 'won'", date: day}}
        incentives:
          - {id: champion, name: 销售冠军, amount: 50,
             honor: {rank_by: revenue.actual, within: team}}
    """,
    )
    q1 = {r.subject: r.honors for r in run.results.rows if r.period == "2025-Q1"}
    assert q1 == {"A": ("销售冠军",), "B": ("销售冠军",), "C": ()}
    assert all(r.honors == () for r in run.results.rows if r.period == "2025-Q3")


@pytest.mark.parametrize("trace", [False, True], ids=["columnar", "rows"])
@pytest.mark.parametrize(
    ("won", "target", "commission"),
    [
        ("347780.75", "438000", "1699.62"),
        ("375774.50", "233000", "9761.22"),
        ("1473081.25", "1862000", "7117.63"),  # a base in the millions (found at 10M deals)
    ],
)
def test_a_half_cent_reached_through_attainment_rounds_up(
    tmp_path, memory_plugin, trace, won, target, commission
):
    # 347,780.75 of 438,000: 0.02 × (attainment − 0.6) × base / attainment = 1,699.615 exactly,
    # though attainment itself is a repeating decimal; half-up gives 1,699.62.
    TABLES["reps"] = REPS
    TABLES["deals"] = deals(("A", won, "won", "2025-01-10"))
    TABLES["targets"] = pa.table(
        {"subject": ["A"], "indicator": ["revenue"], "period": ["2025-Q1"], "value": [target]}
    )
    loaded = load_ruleset(
        write_plan(
            tmp_path,
            """
        indicators:
          - {id: revenue, name: 销售额, weight: 100,
             actual: {source: deals, sum: amount, where: "stage == 'won'", date: day}}
        targets: {source: targets}
        incentives:
          - id: commission
            name: 提成
            base: revenue.actual
            tiers:
              on: revenue.attainment
              mode: marginal
              rates: [{from: 0, rate: 0}, {from: 0.6, rate: 0.02}, {from: 1.0, rate: 0.04},
                      {from: 1.3, rate: 0.07}]
    """,
        ),
        registry(),
    )
    run = evaluate(loaded.ruleset, registry(), ("2025-Q1",), trace=trace)
    assert row(run, "A", "2025-Q1").incentives["commission"] == Decimal(commission)


@pytest.mark.parametrize("trace", [False, True], ids=["columnar", "rows"])
def test_a_total_exactly_at_a_band_reaches_it(tmp_path, memory_plugin, trace):
    # Found at 100k reps: 20 × (0.1 / 0.35) + 10 × (0.55 / 0.875) = 40/7 + 44/7 = 12 exactly,
    # though neither score is a finite decimal; the total must reach the band at 12.
    TABLES["reps"] = REPS
    TABLES["deals"] = deals(
        ("A", "1", "won", "2025-01-10"),
        *[("A", "1", "open", "2025-01-11")] * 9,
        *[("A", "1", "lost", "2025-01-12")] * 7,
    )
    TABLES["targets"] = pa.table({"subject": [], "indicator": [], "period": [], "value": []})
    loaded = load_ruleset(
        write_plan(
            tmp_path,
            """
        metrics:
          opportunities: {source: deals, count: "*", date: day}
          won: {source: deals, count: "*", where: "stage == 'won'", date: day}
          lost: {source: deals, count: "*", where: "stage == 'lost'", date: day}
        indicators:
          - {id: conversion, name: 转化率, weight: 20, target: 0.35,
             actual: won / (won + 9)}
          - {id: loss_rate, name: 丢单率, weight: 10, target: 0.55, better: lower,
             actual: lost / (lost + 1)}
    """,
            HEADER.replace("min: 90", "min: 12"),
        ),
        registry(),
    )
    run = evaluate(loaded.ruleset, registry(), ("2025-Q1",), trace=trace)
    result = row(run, "A", "2025-Q1")
    assert (result.total, result.grade) == (Decimal(12), "A")


@pytest.mark.parametrize("trace", [False, True], ids=["columnar", "rows"])
def test_thirds_that_add_up_to_a_band_reach_it(tmp_path, memory_plugin, trace):
    # Three scores of 10/3 are 3.333333333333 each to twelve places, 9.999999999999 together;
    # totals are graded at eight places, so 10 reaches the band at 10.
    TABLES["reps"] = REPS
    TABLES["deals"] = deals(("A", "1", "won", "2025-01-10"))
    TABLES["targets"] = pa.table({"subject": [], "indicator": [], "period": [], "value": []})
    third = "{{id: {0}, name: {0}, weight: 10, target: 3, actual: won}}"
    indicators = "\n".join(f"  - {third.format(name)}" for name in ("a", "b", "c"))
    body = f"""
metrics:
  won: {{source: deals, count: "*", where: "stage == 'won'", date: day}}
indicators:
{indicators}
"""
    loaded = load_ruleset(
        write_plan(tmp_path, body, HEADER.replace("min: 90", "min: 10")), registry()
    )
    run = evaluate(loaded.ruleset, registry(), ("2025-Q1",), trace=trace)
    result = row(run, "A", "2025-Q1")
    assert (result.total, result.grade) == (Decimal(10), "A")


def test_both_evaluators_word_every_warning_alike(tmp_path, memory_plugin):
    TABLES["reps"] = REPS
    TABLES["deals"] = deals(("A", "100", "won", "2025-01-10"), ("B", "50", "lost", "2025-02-01"))
    TABLES["reviews"] = pa.table(
        {"owner": ["A", "B"], "level": ["良好", "棒"], "day": ["2025-01-05", "2025-01-05"]}
    )
    TABLES["targets"] = pa.table(
        {"subject": ["A"], "indicator": ["revenue"], "period": ["2025"], "value": ["400"]}
    )
    header = HEADER.replace(
        "targets: {plugin: memory",
        "reviews: {plugin: memory, options: {table: reviews}}\n  targets: {plugin: memory",
    )
    loaded = load_ruleset(
        write_plan(
            tmp_path,
            """
        metrics:
          lost: {source: deals, count: "*", where: "stage == 'lost'", date: day}
        indicators:
          - {id: revenue, name: 销售额, weight: 20,
             actual: {source: deals, sum: amount, where: "stage == 'won'", date: day}}
          - {id: losses, name: 丢单, weight: 20, target: 1, better: lower, actual: lost}
          - {id: zero, name: 零目标, weight: 20, target: 0, actual: lost}
          - {id: level, name: 等级, weight: 20, target: 零, levels: {良好: 0.8, 零: 0},
             actual: {source: reviews, last: level, date: day}}
    """,
            header,
        ),
        registry(),
    )
    columnar = evaluate(loaded.ruleset, registry()).results.rows
    rows = evaluate(loaded.ruleset, registry(), trace=True).results.rows
    assert [r.warnings for r in columnar] == [r.warnings for r in rows]
    said = " | ".join(w for r in columnar for w in r.warnings)
    for words in (
        "销售额: no target for 2025-Q2, scored 0",
        "丢单: attainment undefined, the result is 0",
        "零目标: attainment undefined, the target is 0",
        "等级: attainment undefined, the target is 0",
        "等级: the result '棒' is not one of the levels (良好, 零)",
        "等级: no data in 2025-Q2, scored 0",
    ):
        assert words in said
