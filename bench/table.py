"""The common results table every tool's output is normalised to, and how two are compared.

One row per rep × month, keyed by (subject, period), with the columns kpiengine's csv output
uses (`revenue.actual`, `rank.team`, `commission`, …). Money and counts must be equal exactly;
ratios, scores and totals (computed in floats by the DuckDB and pandas baselines, in 28-digit
Decimal by kpiengine and exactly by the loop) within a relative 1e-9.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from plan import INDICATORS, METRICS

FIELDS = ("actual", "target", "attainment", "score")
KEY = ("subject", "period")
GROUPS = ("team", "region")
RESULT = ("total", "grade", "rank.team", "rank.region")
INCENTIVE_COLUMNS = ("commission", "bonus", "champion", "payout", "honors")
COLUMNS = (
    *KEY,
    *GROUPS,
    *METRICS,
    *(f"{i}.{f}" for i in INDICATORS for f in FIELDS),
    *RESULT,
    *INCENTIVE_COLUMNS,
)

TEXT = {*KEY, *GROUPS, "grade", "honors"}
EXACT = {
    *METRICS,
    "rank.team",
    "rank.region",
    "big_deals.actual",
    "big_deals.target",
    "revenue.actual",
    "revenue.target",
    "cloud_revenue.actual",
    "cloud_revenue.target",
    "commission",
    "bonus",
    "champion",
    "payout",
}
"""Counts and money: equal as exact decimals (so 1200, 1200.0 and 1200.00 are one value)."""
RELATIVE_TOLERANCE = Decimal("1e-9")

Row = dict[str, str]
Table = dict[tuple[str, str], Row]


def write_table(path: Path, rows: Iterable[Mapping[str, object]], columns: Iterable[str]) -> None:
    """Rows as CSV: None as an empty cell, everything else as str()."""
    names = list(columns)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in names])


def read_table(path: Path, columns: Iterable[str] = COLUMNS) -> Table:
    """A tool's CSV (a baseline's, or kpiengine's with its BOM and extra columns) by key."""
    wanted = list(columns)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in wanted if c not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{path}: no column(s) {', '.join(missing)}")
        return {(r["subject"], r["period"]): {c: r[c] for c in wanted} for r in reader}


@dataclass(frozen=True)
class Difference:
    key: tuple[str, str]
    column: str
    expected: str
    actual: str

    def __str__(self) -> str:
        subject, period = self.key
        return f"{subject} {period} {self.column}: expected {self.expected!r}, got {self.actual!r}"


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def same(column: str, expected: str, actual: str) -> bool:
    """Whether two cells of `column` say the same thing (see the module's docstring)."""
    if column in TEXT or not expected or not actual:
        if column == "honors":
            return sorted(expected.split("; ")) == sorted(actual.split("; "))
        return expected == actual
    a, b = _number(expected), _number(actual)
    if a is None or b is None:
        return expected == actual
    if column in EXACT:
        return a == b
    return abs(a - b) <= RELATIVE_TOLERANCE * max(Decimal(1), abs(a), abs(b))


def differences(
    expected: Table, actual: Table, columns: Iterable[str], keys: Iterable[tuple[str, str]] | None
) -> list[Difference]:
    """Every cell that differs, over `keys` (default: every key of `expected`), in key order."""
    found: list[Difference] = []
    names = list(columns)
    for key in sorted(expected if keys is None else keys, key=lambda k: (k[1], k[0])):
        if key not in actual:
            found.append(Difference(key, "(row)", "present", "missing"))
            continue
        if key not in expected:
            found.append(Difference(key, "(row)", "absent", "present"))
            continue
        want, got = expected[key], actual[key]
        found.extend(
            Difference(key, c, want[c], got[c]) for c in names if not same(c, want[c], got[c])
        )
    return found
