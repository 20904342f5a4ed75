"""The typed, immutable ruleset the engine runs — built from a validated YAML document."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from kpiengine.expressions import Expression, Template

AggFunc = Literal["sum", "count", "avg", "min", "max", "count_distinct", "last"]
AGG_FUNCS: tuple[AggFunc, ...] = ("sum", "count", "avg", "min", "max", "count_distinct", "last")
ADDITIVE: frozenset[str] = frozenset({"sum", "count", "count_distinct"})
Frequency = Literal["month", "quarter", "half", "year"]
INDICATOR_FIELDS = ("actual", "target", "attainment", "weight", "score")


@dataclass(frozen=True)
class SourceSpec:
    id: str
    plugin: str
    options: Mapping[str, Any]
    fields: Mapping[str, str]
    """engine name → the source's own column name, only where they differ."""

    def column(self, name: str) -> str:
        return self.fields.get(name, name)


@dataclass(frozen=True)
class Aggregation:
    """`{source, sum|count|…: field or expression, where, date}`: a value per subject, period."""

    source: str
    func: AggFunc
    value: Expression | None
    """None for `count: "*"`."""
    where: Expression | None
    date: str | None
    rule: str
    """Where it stands in the ruleset, e.g. `indicators[0].actual`."""
    value_sql: str | None = None
    """SQL computed by the engine to aggregate instead of `value` (per-record incentive payouts)."""

    @property
    def additive(self) -> bool:
        return self.func in ADDITIVE


@dataclass(frozen=True)
class Metric:
    id: str
    aggregation: Aggregation


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    unit: str | None
    weight: Decimal
    actual: Aggregation | Expression
    target: Decimal | str | None
    """A constant target (number or level name); None when it comes from the targets source."""
    levels: Mapping[str, Decimal] | None
    better: Literal["higher", "lower"]
    cap: Decimal | None
    score: Expression | None
    rule: str = ""
    """Where it stands in the ruleset, e.g. `indicators[0]`."""

    @property
    def additive(self) -> bool:
        """Targets of additive indicators (sums, counts) are split over periods; others are not."""
        return isinstance(self.actual, Aggregation) and self.actual.additive and not self.levels


@dataclass(frozen=True)
class Grade:
    grade: str
    name: str | None
    min: Decimal


@dataclass(frozen=True)
class Feedback:
    when: Expression
    message: Template


Rate = tuple[Decimal, Decimal]
"""(from, rate): `from` inclusive, the table starting at 0 and rising strictly."""


@dataclass(frozen=True)
class Tiers:
    on: Expression
    mode: Literal["marginal", "flat"]
    rates: tuple[Rate, ...]
    per: Literal["period", "record"] = "period"
    records: Aggregation | None = None
    """per: record — the source, `where` and `date` of the records paid one by one."""


@dataclass(frozen=True)
class Curve:
    on: Expression
    points: tuple[tuple[Decimal, Decimal], ...]
    amount: Expression


@dataclass(frozen=True)
class Honor:
    rank_by: Expression
    within: str | None
    top: int


@dataclass(frozen=True)
class Incentive:
    """One incentive line: exactly one of tiers, curve, by_grade, honor or a formula amount."""

    id: str
    name: str
    base: Expression | None = None
    tiers: Tiers | None = None
    curve: Curve | None = None
    by_grade: Mapping[str, Decimal] | None = None
    honor: Honor | None = None
    amount: Expression | None = None
    gate: Expression | None = None
    cap: Decimal | None = None
    minimum: Decimal | None = None
    multiplier: Expression | None = None
    rule: str = ""
    """Where it stands in the ruleset, e.g. `incentives[0]`."""


@dataclass(frozen=True)
class OutputSpec:
    plugin: str
    options: Mapping[str, Any]


@dataclass(frozen=True)
class Calendar:
    year: int
    frequency: Frequency


@dataclass(frozen=True)
class Subjects:
    source: str
    id: str
    name: str | None
    groups: tuple[str, ...]
    start: str | None


@dataclass(frozen=True)
class Targets:
    source: str | None
    split: Literal["even", "weights", "workdays"]
    weights: tuple[Decimal, ...]
    prorate: Literal["months", "days"] | None


@dataclass(frozen=True)
class Ruleset:
    file: Path
    sha256: str
    name: str
    locale: str
    currency: str
    calendar: Calendar
    sources: Mapping[str, SourceSpec]
    subjects: Subjects
    targets: Targets
    metrics: Mapping[str, Metric]
    indicators: tuple[Indicator, ...]
    grades: tuple[Grade, ...]
    feedback: tuple[Feedback, ...]
    outputs: tuple[OutputSpec, ...]
    incentives: tuple[Incentive, ...] = field(default=())
    order: tuple[str, ...] = ()
    weights: Literal["100", "free"] = "100"
    """Whether the weights must add up to 100 (the default) or may add up to anything."""
    """Indicator ids in evaluation order: those computed from others come after them."""

    @property
    def base_dir(self) -> Path:
        return self.file.parent

    def indicator(self, indicator_id: str) -> Indicator:
        return next(i for i in self.indicators if i.id == indicator_id)

    @cached_property
    def names_read(self) -> frozenset[str]:
        """Every name an expression or message of the plan reads."""
        return frozenset(_names(self))

    @cached_property
    def evaluation_order(self) -> tuple[Indicator, ...]:
        return tuple(self.indicator(i) for i in self.order) if self.order else self.indicators


def _names(value: object) -> Iterator[str]:
    if isinstance(value, Expression | Template):
        yield from value.names
    elif is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            yield from _names(getattr(value, item.name))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _names(item)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _names(item)
