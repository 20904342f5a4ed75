"""Generated rulesets with hostile numbers and expressions of every kind (hypothesis): each is
either refused with a message — at load (`ConfigError`, every problem at file:line:col) or by
the run (`KpiEngineError`, the same for `run` and `explain`) — or evaluated, and then `run -o
json:-` rows equal `explain --format json` rows. No other exception, no traceback."""

import json
import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_explain_agrees import assert_derivation_matches, explained_rows, reg, run_rows

from kpiengine.errors import ConfigError, KpiEngineError
from kpiengine.plan.load import load_ruleset

PROBLEM = re.compile(r"^\S*plan\.yaml:\d+:\d+: \S.*: .+")

GOOD_NUMBERS = ["1", "0.5", "1.5", "2", "40", "100", "1000", "2500", "0.05", "0.125"]
HOSTILE_NUMBERS = [
    ".nan",
    ".inf",
    "-.inf",
    "1e400",
    "-1",
    "1e15",
    "100000000000000000000",
    "0.0000000000001",
    "0.1234567890123456789",
    "12345678901234.567",
    "99.9999999",
]
NUMBER_EXPRESSIONS = [
    "revenue.attainment",
    "revenue.actual",
    "revenue.actual * 2",
    "revenue.actual ** 3",
    "total",
    "won_deals",
    "1000",
    "coalesce(revenue.attainment, 0)",
    "round(revenue.attainment, 2)",
    "revenue.actual / 0",
    "min(total, 100) / 10",
]
SCORES = ["weight * attainment", "actual", "weight * min(attainment, 1.5)", "actual ** 3"]
CONDITIONS = ["revenue.attainment > 1", "won_deals >= 1", "grade == 'A'", "True", "'a' == 'a'"]
OTHER_KINDS = ["grade", "'x'", "lower(grade)", "None", "grade + 1", "revenue.actual and True"]
GOOD_AMOUNTS = ["0", "120.5", "800", "2999.99"]
HOSTILE_AMOUNTS = ["1000000000000", "100000000000000000", "99999999999999999999999999.5"]

NUMBER_SLOTS = ("weight", "target", "cap", "from", "rate", "point", "by_grade", "line_cap", "min")
NUMBER_EXPRESSION_SLOTS = ("on", "base", "curve_on", "amount", "multiplier", "rank_by", "score")
CONDITION_SLOTS = ("gate", "when")
SLOTS = (*NUMBER_SLOTS, *NUMBER_EXPRESSION_SLOTS, *CONDITION_SLOTS, "deal")


@st.composite
def slot_values(draw):
    """A value for every slot: fitting ones, but for a few slots (at most three, and a third of
    the time a deal's amount) anything."""
    hostile = draw(st.sets(st.sampled_from(SLOTS[:-1]), max_size=3))
    if draw(st.sampled_from([False, False, True])):  # a deal the plan cannot hold exactly
        hostile.add("deal")
    anything = NUMBER_EXPRESSIONS + CONDITIONS + OTHER_KINDS
    values = {}
    for slot in SLOTS:
        wild = slot in hostile
        if slot in NUMBER_SLOTS:
            pool = GOOD_NUMBERS + HOSTILE_NUMBERS if wild else GOOD_NUMBERS
        elif slot == "deal":
            pool = HOSTILE_AMOUNTS if wild else GOOD_AMOUNTS
        elif slot in CONDITION_SLOTS:
            pool = anything + HOSTILE_NUMBERS if wild else CONDITIONS
        else:
            fitting = SCORES if slot == "score" else NUMBER_EXPRESSIONS
            pool = anything + HOSTILE_NUMBERS if wild else fitting
        values[slot] = draw(st.sampled_from(pool))
    return values


def plan(values):
    """The ruleset as YAML text, each slot's value written as it is (`.nan` stays `.nan`)."""
    slot = {name: f"SLOT{n}X" for n, name in enumerate(SLOTS)}
    document = {
        "kpiengine": 1,
        "name": "fuzz",
        "weights": "free",
        "currency": "CNY",
        "calendar": {"year": 2025, "frequency": "half"},
        "sources": {
            "reps": {"plugin": "csv", "options": {"path": "reps.csv"}},
            "deals": {"plugin": "csv", "options": {"path": "deals.csv"}},
        },
        "subjects": {"source": "reps", "id": "id", "name": "name", "groups": ["team"]},
        "metrics": {"won_deals": {"source": "deals", "count": "*", "date": "closed_on"}},
        "indicators": [
            {
                "id": "revenue",
                "weight": slot["weight"],
                "target": slot["target"],
                "cap": slot["cap"],
                "actual": {"source": "deals", "sum": "amount", "date": "closed_on"},
            },
            {
                "id": "deals",
                "weight": 10,
                "target": 2,
                "score": slot["score"],
                "actual": "won_deals",
            },
        ],
        "grades": [{"grade": "A", "min": slot["min"]}, {"grade": "B", "min": 0}],
        "feedback": [{"when": slot["when"], "message": "{total:.1f}"}],
        "incentives": [
            {
                "id": "commission",
                "base": slot["base"],
                "tiers": {
                    "on": slot["on"],
                    "mode": "marginal",
                    "rates": [
                        {"from": 0, "rate": 0.01},
                        {"from": slot["from"], "rate": slot["rate"]},
                    ],
                },
                "gate": slot["gate"],
                "cap": slot["line_cap"],
            },
            {
                "id": "kicker",
                "curve": {
                    "on": slot["curve_on"],
                    "points": [[0, 0], [10, slot["point"]]],
                    "amount": 1000,
                },
            },
            {"id": "bonus", "by_grade": {"A": slot["by_grade"]}},
            {"id": "formula", "amount": slot["amount"], "multiplier": slot["multiplier"]},
            {
                "id": "champion",
                "honor": {"rank_by": slot["rank_by"], "within": "team"},
                "amount": 50,
            },
        ],
    }
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    return re.sub(r"SLOT(\d+)X", lambda m: _written(values, SLOTS[int(m.group(1))]), text)


def _written(values, slot):
    """A number as it is (`.nan` stays `.nan`); an expression in quotes (it may start with a
    quote or hold ': '), unless a number was drawn for it."""
    value = values[slot]
    if slot in NUMBER_SLOTS or slot == "deal" or value in HOSTILE_NUMBERS:
        return value
    return json.dumps(value)


def files(values):
    deals = "".join(
        f"{owner},{values['deal'] if n == 0 else 100 * (n + 1)},2025-0{n % 6 + 1}-1{n}\n"
        for n, owner in enumerate(["R1", "R2", "R1", "R3"])
    )
    return {
        "reps.csv": "id,name,team\nR1,甲,t1\nR2,乙,t1\nR3,丙,t2\n",
        "deals.csv": "owner,amount,closed_on\n" + deals,
    }


def outcome(path):
    """'refused', 'stopped' or 'ran' — asserting each says what it must."""
    try:
        ruleset = load_ruleset(path, reg()).ruleset
    except ConfigError as refusal:
        lines = str(refusal).splitlines()
        assert lines and all(PROBLEM.match(line) for line in lines), lines
        return "refused"
    try:
        rows = run_rows(ruleset)
    except KpiEngineError as failure:
        try:
            explained_rows(ruleset, ["R1"])
        except KpiEngineError as same:
            assert str(same) == str(failure)
        else:
            raise AssertionError(f"explain ran where run stopped: {failure}") from None
        assert str(failure) and "Traceback" not in str(failure)
        return "stopped"
    subjects = list(dict.fromkeys(r["subject"] for r in rows))
    shown = explained_rows(ruleset, subjects)
    for subject in subjects:
        without = [{k: v for k, v in s.items() if k != "derivation"} for s in shown[subject]]
        assert without == [r for r in rows if r["subject"] == subject], subject
        for row in shown[subject]:
            assert_derivation_matches(row, row["derivation"])
    return "ran"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(slot_values())
def test_generated_rulesets_are_refused_with_a_message_or_run_and_explain_agrees(values):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, text in files(values).items():
            (root / name).write_text(text, "utf-8")
        (root / "plan.yaml").write_text(plan(values), "utf-8")
        event(outcome(root / "plan.yaml"))


def test_the_generated_rulesets_reach_every_outcome(tmp_path, monkeypatch):
    """The generator is not vacuous: fitting values run, a `.nan` is refused, a deal of 10^26
    stops the run."""
    monkeypatch.chdir(tmp_path)
    fitting = {
        **{s: "1" for s in NUMBER_SLOTS},
        **{s: "revenue.attainment" for s in NUMBER_EXPRESSION_SLOTS},
        **{s: "won_deals >= 1" for s in CONDITION_SLOTS},
        "deal": "800",
    }
    seen = []
    for change in (
        {},
        {"rate": ".nan"},
        {"deal": "99999999999999999999999999.5", "base": "revenue.actual * 2"},
    ):
        for name, text in files(fitting | change).items():
            (tmp_path / name).write_text(text, "utf-8")
        (tmp_path / "plan.yaml").write_text(plan(fitting | change), "utf-8")
        seen.append(outcome(tmp_path / "plan.yaml"))
    assert seen == ["ran", "refused", "stopped"]
