"""The benchmark plan's numbers, as the hand-written baselines (DuckDB, pandas) hard-code them.

bench/ruleset.yaml is the plan; baseline_duckdb.py and baseline_pandas.py are written by hand
for it, the way an analyst would, so they carry its numbers as constants. `check_ruleset`
compares these constants with the YAML and stops a run whose ruleset has drifted from them —
otherwise a changed weight would show up as a "disagreement" between kpiengine and a baseline.
(baseline_loop.py reads the YAML itself and needs no constants.)
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

YEAR = 2025
PERIODS = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
BIG_DEAL = 100_000
AVG_MIN = 1_000
CLOUD = ("云ERP", "CRM")

INDICATORS = ["revenue", "cloud_revenue", "big_deals", "conversion", "avg_deal", "loss_rate"]
METRICS = ["opportunities", "won_deals", "lost_deals", "closed_deals"]
WEIGHTS = {
    "revenue": 30,
    "cloud_revenue": 15,
    "big_deals": 15,
    "conversion": 20,
    "avg_deal": 10,
    "loss_rate": 10,
}
CAPS: dict[str, Decimal | None] = {
    "revenue": Decimal("1.5"),
    "cloud_revenue": None,
    "big_deals": Decimal("2"),
    "conversion": Decimal("1.2"),
    "avg_deal": Decimal("1.3"),
    "loss_rate": Decimal("1.5"),
}
CONSTANT_TARGETS = {
    "conversion": Decimal("0.35"),
    "avg_deal": Decimal("55000"),
    "loss_rate": Decimal("0.55"),
}
FILE_TARGETS = ["revenue", "cloud_revenue", "big_deals"]
"""Annual targets in targets.csv, split evenly over the twelve months."""

GRADES = [("S", 95), ("A", 85), ("B", 70), ("C", 60), ("D", 0)]

TIERS = [(Decimal("0"), Decimal("0")), (Decimal("0.6"), Decimal("0.02")),
         (Decimal("1.0"), Decimal("0.04")), (Decimal("1.3"), Decimal("0.07"))]  # fmt: skip
"""Commission: marginal tiers (from, rate) on revenue attainment, base revenue.actual."""
COMMISSION_GATE_MIN_WON = 3
COMMISSION_CAP = Decimal("60000")
BONUS = {"S": Decimal("8000"), "A": Decimal("5000"), "B": Decimal("2000")}
CHAMPION = Decimal("3000")
CHAMPION_NAME = "销售冠军"
INCENTIVES = ["commission", "bonus", "champion"]

WHERE = {
    "won_deals": "stage == 'won'",
    "lost_deals": "stage == 'lost'",
    "closed_deals": "stage in ('won', 'lost')",
    "revenue": "stage == 'won'",
    "cloud_revenue": "stage == 'won' and product in ('云ERP', 'CRM')",
    "big_deals": "stage == 'won' and amount >= 100000",
    "avg_deal": "stage == 'won' and amount >= 1000",
}

RULESET = Path(__file__).with_name("ruleset.yaml")

_BOOL = "tag:yaml.org,2002:bool"


class PlanLoader(yaml.SafeLoader):
    """YAML 1.2 booleans: `on`, `off`, `yes`, `no` stay text — `tiers: {on: …}` is a key."""


PlanLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
PlanLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=PlanLoader)


def _num(value: Any) -> Decimal:
    return Decimal(str(value))


def _indicator_facts(ind: dict[str, Any]) -> dict[str, Any]:
    actual = ind["actual"]
    return {
        "weight": _num(ind["weight"]),
        "cap": _num(ind["cap"]) if "cap" in ind else None,
        "target": _num(ind["target"]) if "target" in ind else None,
        "where": actual.get("where") if isinstance(actual, dict) else None,
    }


def _expected_indicator(iid: str) -> dict[str, Any]:
    return {
        "weight": Decimal(WEIGHTS[iid]),
        "cap": CAPS[iid],
        "target": CONSTANT_TARGETS.get(iid),
        "where": WHERE.get(iid) if iid not in ("conversion", "loss_rate") else None,
    }


def _incentive_facts(doc: dict[str, Any]) -> dict[str, Any]:
    by_id = {i["id"]: i for i in doc.get("incentives", [])}
    commission = by_id["commission"]
    return {
        "base": commission["base"],
        "tiers": [(_num(r["from"]), _num(r["rate"])) for r in commission["tiers"]["rates"]],
        "on": commission["tiers"]["on"],
        "mode": commission["tiers"]["mode"],
        "gate": commission["gate"],
        "cap": _num(commission["cap"]),
        "bonus": {k: _num(v) for k, v in by_id["bonus"]["by_grade"].items()},
        "champion": (_num(by_id["champion"]["amount"]), by_id["champion"]["name"]),
    }


def _expected_incentives() -> dict[str, Any]:
    return {
        "base": "revenue.actual",
        "tiers": TIERS,
        "on": "revenue.attainment",
        "mode": "marginal",
        "gate": f"won_deals >= {COMMISSION_GATE_MIN_WON}",
        "cap": COMMISSION_CAP,
        "bonus": BONUS,
        "champion": (CHAMPION, CHAMPION_NAME),
    }


def drift(path: Path = RULESET) -> list[str]:
    """Where the ruleset's numbers differ from the constants above (empty when they agree)."""
    doc = load_yaml(path)
    found = {ind["id"]: _indicator_facts(ind) for ind in doc["indicators"]}
    problems = [
        f"indicator {iid}: ruleset {found.get(iid)} != baselines {_expected_indicator(iid)}"
        for iid in INDICATORS
        if found.get(iid) != _expected_indicator(iid)
    ]
    if list(found) != INDICATORS:
        problems.append(f"indicators {list(found)} != {INDICATORS}")
    metric_where = {m: v.get("where") for m, v in doc["metrics"].items()}
    if metric_where != {m: WHERE.get(m) for m in METRICS}:
        problems.append(f"metrics {metric_where}")
    grades = [(g["grade"], g["min"]) for g in doc["grades"]]
    if grades != GRADES:
        problems.append(f"grades {grades} != {GRADES}")
    if doc.get("incentives") and _incentive_facts(doc) != _expected_incentives():
        problems.append(f"incentives {_incentive_facts(doc)} != {_expected_incentives()}")
    return problems


def check_ruleset(path: Path = RULESET) -> None:
    """Stop (SystemExit) when the ruleset no longer says what the baselines compute."""
    problems = drift(path)
    if problems:
        raise SystemExit(
            f"{path} and bench/plan.py disagree — update the baselines:\n  " + "\n  ".join(problems)
        )
