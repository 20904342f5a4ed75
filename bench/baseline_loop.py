"""Baseline (c): a naive rules engine — one Python loop over the records, simpleeval per record.

    python bench/baseline_loop.py --ruleset bench/data/ruleset.yaml --csv out.csv --json out.json

What a simple rules engine does with bench/ruleset.yaml: read the YAML, parse each expression
once with simpleeval, then for every deal and every measure evaluate the `where` expression on
that record and add it to its rep × month. Scoring, grades, ranks and incentives are then worked
out per rep × month with exact fractions (money rounded half-up to the cent per incentive line),
so this baseline is also the exact reference the others are checked against.

It reads the ruleset itself, so it needs no constants from plan.py; it supports what the
benchmark plan uses (sum/count/avg measures, annual targets split evenly, caps, `better: lower`,
marginal or flat tiers, gates, caps, grade bonuses, honors) and refuses anything else.

At large sizes it is too slow to run in full: `--max-deals K` evaluates only the records of the
first teams — as many as hold about K of the `--total-deals` records — still reading every line
of the file. Its statistics (`--stats`) let the runner scale the evaluation time to the full
size; the results it writes cover those teams only, complete (ranks are within a team or a
region, so the runner compares team ranks and incentives only where it can — see run.py).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from plan import load_yaml
from simpleeval import EvalWithCompoundTypes

FIELD_TYPES = {"amount": Decimal, "value": Decimal, "created_on": date, "closed_on": date}
"""How the loop types a record's text (every other field stays text)."""

Key = tuple[str, int]
"""(rep id, month)."""


def typed(name: str, raw: Any) -> Any:
    kind = FIELD_TYPES.get(name)
    if raw is None or raw == "" or kind is None:
        return None if raw == "" else raw
    if isinstance(raw, kind):
        return raw
    return Decimal(str(raw)) if kind is Decimal else date.fromisoformat(str(raw))


def records(path: Path) -> Iterator[dict[str, Any]]:
    """The file's records as dicts of text (CSV) or Python values (Parquet), in file order."""
    if path.suffix == ".parquet":
        for batch in pq.ParquetFile(path).iter_batches(batch_size=65_536):
            yield from batch.to_pylist()
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


@dataclass
class Measure:
    """A metric or an indicator's actual: `{source, sum|count|avg: …, where, date}`."""

    id: str
    func: str
    value: str | None
    where: Any
    date: str


@dataclass
class Cell:
    sums: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class Plan:
    """The parts of the ruleset the loop runs, with expressions parsed once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.doc = load_yaml(path)
        self.evaluator = EvalWithCompoundTypes()
        self.year = int(self.doc["calendar"]["year"])
        if self.doc["calendar"]["frequency"] != "month":
            raise SystemExit("the loop baseline evaluates monthly plans only")
        self.measures = [self.measure(k, v) for k, v in self.doc.get("metrics", {}).items()]
        self.measures += [
            self.measure(i["id"], i["actual"])
            for i in self.doc["indicators"]
            if isinstance(i["actual"], dict)
        ]

    def parse(self, text: Any) -> Any:
        return None if text is None else self.evaluator.parse(str(text))

    def measure(self, mid: str, spec: Mapping[str, Any]) -> Measure:
        func = next(f for f in ("sum", "count", "avg") if f in spec)
        if spec["source"] != "deals" or any(f in spec for f in ("min", "max", "last")):
            raise SystemExit(f"{mid}: the loop baseline measures sum/count/avg over deals only")
        value = None if spec[func] == "*" else str(spec[func])
        if value is not None and FIELD_TYPES.get(value) is not Decimal:
            raise SystemExit(f"{mid}: the loop baseline sums and averages a number field only")
        return Measure(mid, func, value, self.parse(spec.get("where")), spec["date"])

    def evaluate(self, parsed: Any, names: Mapping[str, Any]) -> Any:
        self.evaluator.names = names
        try:
            return self.evaluator.eval("", previously_parsed=parsed)
        except ZeroDivisionError:
            return None  # x / 0 is "no data", as in the engine

    def source_path(self, source: str) -> Path:
        relative = str(self.doc["sources"][source]["options"]["path"])
        return (self.path.parent / relative).resolve()


# -- the per-record loop ----------------------------------------------------------------------


def count_record(plan: Plan, record: dict[str, Any], cells: dict[Key, Cell]) -> None:
    """Every measure's where expression, evaluated on this one record."""
    owner = record["owner"]
    for m in plan.measures:
        day = record[m.date]
        if day is None or day.year != plan.year:
            continue
        if m.where is not None and plan.evaluate(m.where, record) is not True:
            continue
        cell = cells[(owner, day.month)]
        if m.value is not None:
            cell.sums[m.id] += record[m.value]
        cell.counts[m.id] += 1


@dataclass
class LoopStats:
    records: int = 0
    evaluated: int = 0
    eval_seconds: float = 0.0
    score_seconds: float = 0.0
    reps: int = 0
    all_reps: int = 0


def run_loop(plan: Plan, kept: set[str], stats: LoopStats) -> dict[Key, Cell]:
    cells: dict[Key, Cell] = defaultdict(Cell)
    clock = time.perf_counter
    for raw in records(plan.source_path("deals")):
        stats.records += 1
        if raw["owner"] not in kept:
            continue
        start = clock()
        record = {k: typed(k, v) for k, v in raw.items()}
        count_record(plan, record, cells)
        stats.evaluated += 1
        stats.eval_seconds += clock() - start
    return cells


# -- subjects, targets and the slice ------------------------------------------------------------


@dataclass(frozen=True)
class Rep:
    id: str
    name: str
    groups: dict[str, str]


def load_reps(plan: Plan) -> list[Rep]:
    subjects = plan.doc["subjects"]
    groups = subjects.get("groups", [])
    return [
        Rep(r[subjects["id"]], r[subjects["name"]], {g: r[g] for g in groups})
        for r in records(plan.source_path(subjects["source"]))
    ]


def load_targets(plan: Plan) -> dict[tuple[str, str], Fraction]:
    """Annual targets only: (subject, indicator) → value."""
    found: dict[tuple[str, str], Fraction] = {}
    for row in records(plan.source_path(plan.doc["targets"]["source"])):
        if str(row["period"]) != str(plan.year):
            raise SystemExit(f"the loop baseline reads annual targets only, not {row['period']}")
        found[(row["subject"], row["indicator"])] = Fraction(str(row["value"]))
    return found


def first_teams(reps: list[Rep], share: float) -> list[Rep]:
    """The reps of the first ⌈share × teams⌉ teams (all reps when share ≥ 1)."""
    teams = list(dict.fromkeys(r.groups.get("team", r.id) for r in reps))
    keep = set(teams[: max(1, math.ceil(len(teams) * min(share, 1.0)))])
    return [r for r in reps if r.groups.get("team", r.id) in keep]


# -- scoring, per rep × month --------------------------------------------------------------------


def measure_value(m: Measure, cell: Cell | None) -> Fraction | None:
    count = cell.counts.get(m.id, 0) if cell else 0
    total = Fraction(cell.sums.get(m.id, Decimal(0))) if cell else Fraction(0)
    if m.func == "count":
        return Fraction(count)
    if m.func == "sum":
        return total
    return total / count if count else None


def attainment(ind: Mapping[str, Any], actual: Any, target: Any) -> Fraction | None:
    if actual is None or target is None:
        return None
    top, bottom = (target, actual) if ind.get("better") == "lower" else (actual, target)
    return None if bottom == 0 else Fraction(top) / Fraction(bottom)


def score_row(
    plan: Plan, rep: Rep, month: int, cell: Cell | None, targets: Mapping[tuple[str, str], Fraction]
) -> dict[str, Any]:
    measures = {m.id: measure_value(m, cell) for m in plan.measures}
    names: dict[str, Any] = {k: measures[k] for k in plan.doc.get("metrics", {})}
    row: dict[str, Any] = {"subject": rep.id, "period": f"{plan.year}-{month:02d}", **rep.groups}
    row.update(names)
    total = Fraction(0)
    for ind in plan.doc["indicators"]:
        iid = ind["id"]
        if "score" in ind or "levels" in ind:
            raise SystemExit(f"{iid}: the loop baseline scores weight × attainment only")
        actual = (
            measures[iid]
            if isinstance(ind["actual"], dict)
            else plan.evaluate(plan.parse(ind["actual"]), names)
        )
        target = Fraction(str(ind["target"])) if "target" in ind else None
        if target is None and (rep.id, iid) in targets:
            target = targets[(rep.id, iid)] / 12  # split: even over the twelve months
        att = attainment(ind, actual, target)
        weight = Fraction(str(ind["weight"]))
        cap = Fraction(str(ind["cap"])) if "cap" in ind else None
        score = Fraction(0) if att is None else weight * (att if cap is None else min(att, cap))
        total += score
        values = {"actual": actual, "target": target, "attainment": att, "score": score}
        names[iid] = {**values, "weight": weight}
        row.update({f"{iid}.{k}": v for k, v in values.items()})
    row["total"] = total
    row["grade"] = next(
        (g["grade"] for g in plan.doc["grades"] if total >= Fraction(str(g["min"]))), None
    )
    row["_names"] = {**names, "total": total, "grade": row["grade"]}
    return row


def competition_ranks(rows: list[dict[str, Any]], value: Any, group: str | None) -> list[int]:
    """1 for the highest value within (period, group); ties share a rank (1, 2, 2, 4)."""
    buckets: dict[tuple[str, str], list[Any]] = defaultdict(list)
    keys = [(r["period"], r.get(group, "") if group else "") for r in rows]
    values = [value(r) for r in rows]
    for key, v in zip(keys, values, strict=True):
        buckets[key].append(v)
    first: dict[tuple[str, str], dict[Any, int]] = {}
    for key, bucket in buckets.items():
        positions: dict[Any, int] = {}
        for position, v in enumerate(sorted(bucket, reverse=True), start=1):
            positions.setdefault(v, position)
        first[key] = positions
    return [first[k][v] for k, v in zip(keys, values, strict=True)]


# -- incentives --------------------------------------------------------------------------------


def half_up_cents(amount: Fraction) -> Fraction:
    sign = -1 if amount < 0 else 1
    return sign * Fraction(math.floor(abs(amount) * 100 + Fraction(1, 2)), 100)


def tiered(plan: Plan, spec: Mapping[str, Any], names: Mapping[str, Any]) -> Fraction:
    tiers = spec["tiers"]
    on = plan.evaluate(plan.parse(tiers["on"]), names)
    base = plan.evaluate(plan.parse(spec["base"]), names)
    if on is None or base is None or on <= 0:
        return Fraction(0)
    rates = [(Fraction(str(r["from"])), Fraction(str(r["rate"]))) for r in tiers["rates"]]
    if tiers.get("mode", "marginal") == "flat":
        return Fraction(base * next(rate for low, rate in reversed(rates) if on >= low))
    highs = [low for low, _ in rates[1:]] + [None]
    slices = [
        (min(on, high) if high is not None else on) - low
        for (low, _), high in zip(rates, highs, strict=True)
    ]
    return sum(
        (rate * base * max(s, 0) / on for (_, rate), s in zip(rates, slices, strict=True)),
        Fraction(0),
    )


def line_amount(
    plan: Plan, spec: Mapping[str, Any], names: Mapping[str, Any], honored: bool
) -> Fraction:
    if "tiers" in spec:
        amount = tiered(plan, spec, names)
    elif "by_grade" in spec:
        amount = Fraction(str(spec["by_grade"].get(names["grade"], 0)))
    elif "honor" in spec:
        amount = Fraction(str(spec.get("amount", 0))) if honored else Fraction(0)
    else:
        raise SystemExit(f"incentive {spec['id']}: the loop baseline has no curve/formula lines")
    if "gate" in spec and plan.evaluate(plan.parse(spec["gate"]), names) is not True:
        return Fraction(0)
    if "cap" in spec:
        amount = min(amount, Fraction(str(spec["cap"])))
    return half_up_cents(amount)


def add_incentives(plan: Plan, rows: list[dict[str, Any]]) -> None:
    honored: dict[str, list[bool]] = {}
    for spec in plan.doc.get("incentives", []):
        if "honor" in spec:
            honor = spec["honor"]
            rank_by = plan.parse(honor["rank_by"])
            values = [plan.evaluate(rank_by, r["_names"]) for r in rows]
            ranks = competition_ranks(rows, lambda r, e=rank_by: plan.evaluate(e, r["_names"]),
                                      honor.get("within"))  # fmt: skip
            top = int(honor.get("top", 1))
            # the top N within each group; only a positive value can win
            honored[spec["id"]] = [
                rank <= top and value is not None and value > 0
                for rank, value in zip(ranks, values, strict=True)
            ]
    for index, row in enumerate(rows):
        payout, honors = Fraction(0), []
        for spec in plan.doc.get("incentives", []):
            is_honored = honored.get(spec["id"], [False] * len(rows))[index]
            row[spec["id"]] = line_amount(plan, spec, row["_names"], is_honored)
            payout += row[spec["id"]]
            if is_honored:
                honors.append(spec.get("name", spec["id"]))
        row["payout"], row["honors"] = payout, "; ".join(honors)


# -- output ------------------------------------------------------------------------------------


def text(value: Any) -> str:
    """Exact decimals where a Fraction has one (money, counts), else the nearest float."""
    if value is None:
        return ""
    if isinstance(value, Fraction):
        denominator = value.denominator
        for prime in (2, 5):
            while denominator % prime == 0:
                denominator //= prime
        if denominator == 1:  # a terminating decimal: print all of it
            with localcontext(prec=80):
                return format(Decimal(value.numerator) / Decimal(value.denominator), "f")
        return repr(float(value))
    return str(value)


def cents_text(value: Fraction) -> str:
    """An incentive line or payout (already whole cents) as money: 3000 → '3000.00'."""
    return f"{Decimal(value.numerator) / Decimal(value.denominator):.2f}"


def write(
    rows: list[dict[str, Any]], columns: list[str], money: set[str], csv_out: Path,
    json_out: Path | None,
) -> None:  # fmt: skip
    def cells(row: dict[str, Any]) -> list[str]:
        return [cents_text(row[c]) if c in money else text(row.get(c)) for c in columns]

    with csv_out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(cells(r) for r in rows)
    if json_out is not None:
        with json_out.open("w", encoding="utf-8") as handle:
            for r in rows:
                line = dict(zip(columns, cells(r), strict=True))
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")


def columns_of(plan: Plan, incentives: bool) -> list[str]:
    groups = plan.doc["subjects"].get("groups", [])
    cols = ["subject", "period", *groups, *plan.doc.get("metrics", {})]
    for ind in plan.doc["indicators"]:
        cols += [f"{ind['id']}.{k}" for k in ("actual", "target", "attainment", "score")]
    cols += ["total", "grade", *(f"rank.{g}" for g in groups)]
    if incentives:
        cols += [*(i["id"] for i in plan.doc.get("incentives", [])), "payout", "honors"]
    return cols


def run(
    plan: Plan, csv_out: Path, json_out: Path | None, share: float, incentives: bool
) -> LoopStats:
    all_reps = load_reps(plan)
    reps = first_teams(all_reps, share)
    stats = LoopStats(reps=len(reps), all_reps=len(all_reps))
    targets = load_targets(plan)
    cells = run_loop(plan, {r.id for r in reps}, stats)
    start = time.perf_counter()
    rows = [
        score_row(plan, rep, m, cells.get((rep.id, m)), targets)
        for m in range(1, 13)
        for rep in reps
    ]
    for group in plan.doc["subjects"].get("groups", []):
        for row, rank in zip(
            rows, competition_ranks(rows, lambda r: r["total"], group), strict=True
        ):
            row[f"rank.{group}"] = rank
    if incentives:
        add_incentives(plan, rows)
    stats.score_seconds = time.perf_counter() - start
    money = {i["id"] for i in plan.doc.get("incentives", [])} | {"payout"} if incentives else set()
    write(rows, columns_of(plan, incentives), money, csv_out, json_out)
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ruleset", type=Path, required=True)
    parser.add_argument("--csv", type=Path, required=True, help="results CSV to write")
    parser.add_argument("--json", type=Path, help="results JSON (one object a line) to write")
    parser.add_argument("--max-deals", type=int, help="evaluate only the first teams' records")
    parser.add_argument("--total-deals", type=int, help="records in the file (with --max-deals)")
    parser.add_argument("--stats", type=Path, help="write timing statistics (JSON) here")
    parser.add_argument("--no-incentives", action="store_true", help="scores and grades only")
    args = parser.parse_args(argv)
    share = 1.0
    if args.max_deals is not None:
        share = args.max_deals / (args.total_deals or args.max_deals)
    stats = run(Plan(args.ruleset), args.csv, args.json, share, not args.no_incentives)
    if args.stats is not None:
        args.stats.write_text(json.dumps(stats.__dict__) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
