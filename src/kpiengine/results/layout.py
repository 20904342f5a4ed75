"""The columns of a result table: what each holds, its CSV header and its place in the JSON."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Kind = Literal["text", "number", "money", "float", "amount", "bool", "integer", "list"]
"""How a column's text is read and shown.

Every cell holds text (a list of texts for `list`); numbers are exact decimals without exponent
or trailing zeros (`36`, `0.9`, `1234.5`).

- text: a string.
- number: an exact decimal; a JSON number.
- money: an exact decimal shown with the currency's places in CSV (half-up); a JSON number.
- float: an exact decimal that the JSON always shows as a float (scores, totals).
- amount: money already rounded, with exactly the currency's places; a JSON string (`"12000.00"`).
- bool: `true` or `false`.
- integer: a whole number (ranks).
- list: several texts; CSV joins them with `; `.
"""


@dataclass(frozen=True)
class ResultColumn:
    """One column: `key` in the table, `header` in CSV, `path` in each row's JSON object."""

    key: str
    header: str | None
    kind: Kind
    path: tuple[str, ...] | None


@dataclass(frozen=True)
class IndicatorInfo:
    """What every row says about an indicator besides its values."""

    id: str
    name: str
    unit: str | None
    weight: Decimal
    actual: Kind = "number"
    target: Kind = "number"


@dataclass(frozen=True)
class Layout:
    """The sections of a result row, in the order the CSV and the JSON show them."""

    groups: tuple[str, ...] = ()
    indicators: tuple[IndicatorInfo, ...] = ()
    metrics: tuple[tuple[str, Kind], ...] = ()
    ranks: tuple[str, ...] = ()
    incentives: tuple[str, ...] = ()

    def subject_columns(self) -> list[ResultColumn]:
        """A subject × period row (docs/results.md); `grade_name` is kept but not written."""
        return [
            ResultColumn("subject", "subject", "text", ("subject",)),
            ResultColumn("name", "name", "text", ("name",)),
            ResultColumn("period", "period", "text", ("period",)),
            *(ResultColumn(f"group:{g}", g, "text", ("groups", g)) for g in self.groups),
            *self._indicator_columns(),
            *self._metric_columns(),
            ResultColumn("total", "total", "float", ("total",)),
            ResultColumn("grade", "grade", "text", ("grade",)),
            *(ResultColumn(f"rank:{g}", f"rank.{g}", "integer", ("ranks", g)) for g in self.ranks),
            *(ResultColumn(f"line:{i}", i, "amount", ("incentives", i)) for i in self.incentives),
            ResultColumn("payout", "payout", "amount", ("payout",)),
            ResultColumn("honors", "honors", "list", ("honors",)),
            ResultColumn("feedback", "feedback", "list", ("feedback",)),
            ResultColumn("warnings", "warnings", "list", ("warnings",)),
            ResultColumn("grade_name", None, "text", None),
        ]

    def group_columns(self) -> list[ResultColumn]:
        """A group × period row (JSON only)."""
        return [
            ResultColumn("group", "group", "text", ("group",)),
            ResultColumn("value", "value", "text", ("value",)),
            ResultColumn("period", "period", "text", ("period",)),
            ResultColumn("members", "members", "list", ("members",)),
            *self._indicator_columns(),
            *self._metric_columns(),
            ResultColumn("total", "total", "float", ("total",)),
            ResultColumn("grade", "grade", "text", ("grade",)),
            ResultColumn("warnings", "warnings", "list", ("warnings",)),
        ]

    def _indicator_columns(self) -> list[ResultColumn]:
        columns = []
        for ind in self.indicators:
            money = ind.unit == "money"
            kinds: dict[str, Kind] = {
                "actual": "money" if money and ind.actual == "number" else ind.actual,
                "target": "money" if money and ind.target == "number" else ind.target,
                "attainment": "number",
                "score": "float",
            }
            columns += [
                ResultColumn(
                    indicator_key(ind.id, field),
                    f"{ind.id}.{field}",
                    kind,
                    ("indicators", ind.id, field),
                )
                for field, kind in kinds.items()
            ]
        return columns

    def _metric_columns(self) -> list[ResultColumn]:
        return [ResultColumn(f"metric:{m}", m, kind, ("metrics", m)) for m, kind in self.metrics]


def indicator_key(indicator: str, field: str) -> str:
    return f"indicator:{indicator}.{field}"
