"""`kpiengine validate` on incentives: every mistake named at its file:line:col, with the fix."""

import textwrap

import pytest
from kpitest import ROOT, invoke

DATA = ROOT / "examples" / "data"

HEADER = f"""\
kpiengine: 1
name: incentive checks
calendar: {{year: 2025, frequency: quarter}}
sources:
  reps: {{plugin: csv, options: {{path: {DATA / "reps.csv"}}}}}
  deals:
    plugin: csv
    options: {{path: {DATA / "deals.csv"}}}
    fields: {{owner: sales_rep_id}}
subjects: {{source: reps, id: rep_id, name: name, groups: [team, region]}}
metrics:
  won_deals: {{source: deals, count: "*", where: "stage == 'won'", date: closed_on}}
indicators:
  - id: revenue
    name: 销售额
    weight: 100
    actual: {{source: deals, sum: amount, where: "stage == 'won'", date: closed_on}}
    target: 1000000
grades:
  - {{grade: S, min: 95}}
  - {{grade: A, min: 85}}
  - {{grade: B, min: 0}}
incentives:
"""
FIRST_LINE = HEADER.count("\n") + 1
"""The line of the plan where an incentive snippet starts."""


def validate(folder, snippet):
    """Exit code and problems (`line:col: path: message`) of a plan with these incentives."""
    (folder / "plan.yaml").write_text(HEADER + textwrap.dedent(snippet).strip("\n") + "\n", "utf-8")
    result = invoke("validate", "plan.yaml")
    problems = [line.removeprefix("plan.yaml:") for line in result.stderr.splitlines()]
    return result.exit_code, problems


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# (snippet, line within the snippet, column, path, what the message must say)
MISTAKES = {
    "a tier table not starting at 0": (
        """
        - id: commission
          base: revenue.actual
          tiers:
            on: revenue.attainment
            mode: marginal
            rates: [{from: 0.5, rate: 0.03}, {from: 1.0, rate: 0.05}]
        """,
        6,
        20,
        "incentives[0].tiers.rates[0].from",
        "the first tier must start at 0, not 0.5 (add {from: 0, rate: 0}",
    ),
    "a `from` equal to the one before": (
        """
        - id: commission
          base: revenue.actual
          tiers:
            on: revenue.attainment
            mode: flat
            rates:
              - {from: 0, rate: 0}
              - {from: 1.0, rate: 0.03}
              - {from: 1.0, rate: 0.05}
        """,
        9,
        9,
        "incentives[0].tiers.rates[2]",
        "the tiers' `from` values must rise strictly: 1.0 does not come after 1.0",
    ),
    "a `from` lower than the one before": (
        """
        - id: commission
          base: revenue.actual
          tiers:
            on: revenue.actual
            mode: marginal
            rates:
              - {from: 0, rate: 0.01}
              - {from: 500000, rate: 0.02}
              - {from: 300000, rate: 0.03}
        """,
        9,
        9,
        "incentives[0].tiers.rates[2]",
        "must rise strictly: 300000 does not come after 500000",
    ),
    "curve x values not rising": (
        """
        - id: kicker
          curve:
            on: revenue.attainment
            points: [[0.7, 0], [1.0, 1.0], [0.9, 2.0]]
            amount: 10000
        """,
        4,
        36,
        "incentives[0].curve.points[2]",
        "the curve's x values must rise strictly: 0.9 does not come after 1.0",
    ),
    "a by_grade grade that is not defined": (
        """
        - id: bonus
          by_grade: {S: 20000, AA: 10000}
        """,
        2,
        24,
        "incentives[0].by_grade.AA",
        "'AA' is not a grade defined in `grades:` — did you mean 'A'? (grades: S, A, B)",
    ),
    "an unknown name in `on`": (
        """
        - id: commission
          base: revenue.actual
          tiers:
            on: revenu.attainment
            mode: marginal
            rates: [{from: 0, rate: 0.03}]
        """,
        4,
        9,
        "incentives[0].tiers.on",
        "unknown name 'revenu.attainment' — did you mean 'revenue.attainment'?",
    ),
    "a misspelt field in `base`": (
        """
        - id: commission
          base: revenue.actaul
          tiers:
            on: revenue.attainment
            mode: marginal
            rates: [{from: 0, rate: 0.03}]
        """,
        2,
        9,
        "incentives[0].base",
        "did you mean 'actual'?",
    ),
    "an unknown name in `gate`": (
        """
        - id: bonus
          by_grade: {A: 10000}
          gate: won_deal >= 2
        """,
        3,
        9,
        "incentives[0].gate",
        "unknown name 'won_deal' — did you mean 'won_deals'?",
    ),
    "an unknown name in a curve's `on`": (
        """
        - id: kicker
          curve: {on: revenue.atainment, points: [[0.7, 0], [1.0, 1.0]], amount: 10000}
        """,
        2,
        15,
        "incentives[0].curve.on",
        "did you mean 'attainment'?",
    ),
    "an unknown field in a per-record `base`": (
        """
        - id: per_deal
          base: amout
          tiers:
            per: record
            source: deals
            date: closed_on
            on: amount
            mode: flat
            rates: [{from: 0, rate: 0.01}]
        """,
        2,
        9,
        "incentives[0].base",
        "source 'deals' has no field 'amout' — did you mean 'amount'?",
    ),
    "`within` that is not one of subjects.groups": (
        """
        - id: champion
          honor: {rank_by: revenue.actual, within: teams, top: 1}
          amount: 5000
        """,
        2,
        44,
        "incentives[0].honor.within",
        "'teams' is not one of `subjects.groups` — did you mean 'team'? (groups: team, region)",
    ),
    "tiers and by_grade in one incentive": (
        """
        - id: commission
          base: revenue.actual
          tiers: {on: revenue.attainment, mode: flat, rates: [{from: 0, rate: 0.01}]}
          by_grade: {A: 10000}
        """,
        1,
        3,
        "incentives[0]",
        "an incentive pays one way; this one has tiers and by_grade — split it into separate",
    ),
    "a curve and an amount in one incentive": (
        """
        - id: kicker
          curve: {on: revenue.attainment, points: [[0.7, 0], [1.0, 1.0]], amount: 10000}
          amount: 5000
        """,
        1,
        3,
        "incentives[0]",
        "this one has curve and amount",
    ),
}


@pytest.mark.parametrize(
    ("snippet", "line", "column", "path", "message"), MISTAKES.values(), ids=list(MISTAKES)
)
def test_an_incentive_mistake_is_reported_once_at_its_line_and_column(
    here, snippet, line, column, path, message
):
    exit_code, problems = validate(here, snippet)
    assert exit_code == 1
    assert len(problems) == 1, problems
    where, _, text = problems[0].partition(": ")
    assert where == f"{FIRST_LINE + line - 1}:{column}"
    assert text.startswith(f"{path}: ")
    assert message in text


VALID = {
    "marginal tiers on attainment with gate, cap, minimum and multiplier": """
        - id: commission
          base: revenue.actual
          tiers:
            on: revenue.attainment
            mode: marginal
            rates: [{from: 0, rate: 0}, {from: 0.5, rate: 0.03}, {from: 1.0, rate: 0.05}]
          gate: revenue.attainment >= 0.3 and won_deals > 0
          cap: 200000
          minimum: 1000
          multiplier: "1.2 if grade == 'S' else 1"
    """,
    "per-record tiers": """
        - id: per_deal
          base: amount
          tiers:
            per: record
            source: deals
            where: "stage == 'won'"
            date: closed_on
            on: amount
            mode: flat
            rates: [{from: 0, rate: 0.01}, {from: 100000, rate: 0.02}]
    """,
    "a curve with an expression for its amount": """
        - id: kicker
          curve:
            on: revenue.attainment
            points: [[0.7, 0], [1.5, 2]]
            amount: revenue.target / 100
    """,
    "a formula over the total": """
        - id: bonus
          amount: 10000 * total / 100
    """,
    "grade bonuses naming only defined grades": """
        - id: bonus
          by_grade: {S: 20000, A: 10000}
    """,
    "an honor with an amount is one way of paying": """
        - id: champion
          honor: {rank_by: revenue.actual, within: region, top: 3}
          amount: 5000
    """,
    "an honor without an amount, across everyone": """
        - id: star
          honor: {rank_by: total}
    """,
}


@pytest.mark.parametrize("snippet", VALID.values(), ids=list(VALID))
def test_a_well_formed_incentive_validates(here, snippet):
    exit_code, problems = validate(here, snippet)
    assert (exit_code, problems) == (0, [])


def test_every_incentive_mistake_is_reported_in_one_pass(here):
    snippets = [textwrap.dedent(s).strip("\n") for s, *_ in MISTAKES.values()]
    renamed = [s.replace("id: ", f"id: n{i}_", 1) for i, s in enumerate(snippets)]
    exit_code, problems = validate(here, "\n".join(renamed))
    assert exit_code == 1
    assert len(problems) == len(MISTAKES)


@pytest.mark.parametrize(
    ("golden", "locations"),
    [
        (
            "incentives-tier-tables",
            ["27:18", "37:11", "43:66", "47:38", "52:28", "58:13", "63:7"],
        ),
        (
            "incentives-names",
            ["23:11", "25:11", "28:11", "30:26", "30:37", "32:46", "35:17", "36:17", "38:11"],
        ),
        ("incentives-two-ways", ["21:5", "28:5", "34:5"]),
    ],
)
def test_incentive_goldens_name_each_mistake_at_its_line_and_column(monkeypatch, golden, locations):
    monkeypatch.chdir(ROOT)
    relative = f"tests/golden/invalid/{golden}.yaml"
    result = invoke("validate", relative)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert [line.removeprefix(f"{relative}:").split(": ")[0] for line in lines] == locations
