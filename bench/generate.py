"""Deterministic benchmark data: reps in teams, a year of deals, annual targets — CSV and Parquet.

    python bench/generate.py                         # 200k deals, 500 reps → bench/data/
    python bench/generate.py --deals 10000000 --reps 10000 --out bench/data/d10M

The same --seed, --deals and --reps always give byte-identical files. Deals are made and written
in chunks of a million (numpy arrays → Arrow record batches → CSV and Parquet writers), so memory
stays flat however many deals are asked for.

Files (every one both as .csv and .parquet):
  reps      rep_id, name, team, region              ten reps a team, teams spread over six regions
  deals     deal_id, owner, amount, stage, product, created_on, closed_on
            amount in yuan, whole (70%) or with cents; stage won | lost | open; closed_on empty
            for open deals; created 2024-10-01 … 2025-12-31, so some 2024 deals close in 2025
  targets   subject, indicator, period, value       annual ("2025") targets for revenue,
            cloud_revenue and big_deals — multiples of 12, so a month's share is exact
  manifest.json                                    the parameters, to tell whether data is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

VERSION = 1
"""Bump when the data a seed makes changes, so generated folders are recognised as stale."""

CHUNK = 1_000_000
"""Deals per chunk; fixed, because each chunk has its own random stream."""

YEAR_START = np.datetime64("2025-01-01")
YEAR_END = np.datetime64("2025-12-31")
FIRST_CREATED = np.datetime64("2024-10-01")
CREATED_DAYS = int((YEAR_END - FIRST_CREATED).astype(int)) + 1

PRODUCTS = ["云ERP", "CRM", "数据分析", "实施服务", "硬件"]
PRODUCT_P = [0.30, 0.25, 0.20, 0.15, 0.10]
CLOUD = ("云ERP", "CRM")
STAGES = ["won", "lost", "open"]
STAGE_P = [0.36, 0.46, 0.18]
REGIONS = ["华东", "华南", "华北", "华中", "西南", "西北"]
TEAM_SIZE = 10
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏建国晨宇浩然欣怡子轩梓涵"

BIG_DEAL = 100_000
"""Yuan: a won deal at least this large is a big deal (bench/ruleset.yaml says the same)."""

DEALS_SCHEMA = pa.schema(
    [
        ("deal_id", pa.string()),
        ("owner", pa.string()),
        ("amount", pa.float64()),
        ("stage", pa.string()),
        ("product", pa.string()),
        ("created_on", pa.date32()),
        ("closed_on", pa.date32()),
    ]
)
"""CSV schema: amounts as float64 print as their shortest text (1234, 1234.5, 1234.56)."""

PARQUET_DEALS_SCHEMA = DEALS_SCHEMA.set(2, pa.field("amount", pa.decimal128(14, 2)))
"""Parquet keeps amounts exact, as DECIMAL(14, 2)."""


@dataclass(frozen=True)
class Params:
    deals: int
    reps: int
    seed: int


def rep_ids(count: int) -> pa.Array:
    return pa.array([f"R{i:06d}" for i in range(1, count + 1)], pa.string())


def rep_weights(params: Params) -> np.ndarray:
    """How busy each rep is, relative (mean 1): some reps own far more deals than others."""
    rng = np.random.default_rng([params.seed, 0])
    weights: np.ndarray = rng.lognormal(0.0, 0.35, params.reps)
    relative: np.ndarray = weights / weights.mean()
    return relative


def reps_table(params: Params) -> pa.Table:
    index = np.arange(params.reps)
    team = index // TEAM_SIZE
    region = [REGIONS[t % len(REGIONS)] for t in team]
    return pa.table(
        {
            "rep_id": rep_ids(params.reps),
            "name": [SURNAMES[i % 20] + GIVEN[(i // 20) % len(GIVEN)] for i in index],
            "team": [f"{r}{t + 1:04d}组" for r, t in zip(region, team, strict=True)],
            "region": region,
        }
    )


@dataclass
class DealArrays:
    """One chunk of deals as plain arrays (indices into the tables above)."""

    first_id: int
    owner: np.ndarray
    cents: np.ndarray
    stage: np.ndarray
    product: np.ndarray
    created: np.ndarray
    closed: np.ndarray


def draw_deals(rng: np.random.Generator, count: int, owner_p: np.ndarray, first: int) -> DealArrays:
    """The random part of the data: every distribution the benchmark relies on is here."""
    owner = rng.choice(len(owner_p), size=count, p=owner_p)
    cents = np.rint(rng.lognormal(np.log(30_000), 1.0, count) * 100).astype(np.int64)
    cents = np.clip(cents, 10_000, 500_000_000)
    whole = rng.random(count) < 0.7
    cents = np.where(whole, cents // 100 * 100, cents)
    stage = rng.choice(3, size=count, p=STAGE_P)
    product = rng.choice(len(PRODUCTS), size=count, p=PRODUCT_P)
    created = FIRST_CREATED + rng.integers(0, CREATED_DAYS, count).astype("timedelta64[D]")
    days_open = 1 + np.minimum(rng.exponential(35.0, count), 200).astype(np.int64)
    closed = created + days_open.astype("timedelta64[D]")
    stage = np.where(closed > YEAR_END, 2, stage)  # not closed by year end: still open
    return DealArrays(first, owner, cents, stage, product, created, closed)


def deal_ids(first: int, count: int) -> pa.Array:
    numbers = pa.array(np.arange(first, first + count), pa.int64()).cast(pa.string())
    padded = pc.utf8_lpad(numbers, 9, "0")
    return pc.binary_join_element_wise("D", padded, "")


def cents_as_decimal(cents: np.ndarray) -> pa.Array:
    """Exact DECIMAL(14, 2) from whole cents (non-negative): the int128 storage, little-endian."""
    storage = np.zeros((len(cents), 2), dtype=np.int64)
    storage[:, 0] = cents
    buffer = pa.py_buffer(storage.tobytes())
    return pa.Array.from_buffers(pa.decimal128(14, 2), len(cents), [None, buffer])


def deals_batch(arrays: DealArrays, owners: pa.Array, exact: bool) -> pa.RecordBatch:
    count = len(arrays.owner)
    is_open = arrays.stage == 2
    amount = cents_as_decimal(arrays.cents) if exact else pa.array(arrays.cents / 100)
    columns = [
        deal_ids(arrays.first_id, count),
        owners.take(pa.array(arrays.owner)),
        amount,
        pa.array(STAGES).take(pa.array(arrays.stage)),
        pa.array(PRODUCTS).take(pa.array(arrays.product)),
        pa.array(arrays.created, pa.date32()),
        pa.array(arrays.closed, pa.date32(), mask=is_open),
    ]
    return pa.RecordBatch.from_arrays(
        columns, schema=PARQUET_DEALS_SCHEMA if exact else DEALS_SCHEMA
    )


def deal_chunks(params: Params) -> Iterator[DealArrays]:
    owner_p = rep_weights(params) / params.reps
    owner_p = owner_p / owner_p.sum()
    for chunk, start in enumerate(range(0, params.deals, CHUNK)):
        rng = np.random.default_rng([params.seed, 1, chunk])
        yield draw_deals(rng, min(CHUNK, params.deals - start), owner_p, start + 1)


@dataclass(frozen=True)
class Expectation:
    """What one deal brings, on average, to each target's indicator within 2025."""

    revenue: float
    cloud_revenue: float
    big_deals: float


def expectation(params: Params) -> Expectation:
    """Measured on a sample drawn like the deals, so targets track the data's distributions."""
    rng = np.random.default_rng([params.seed, 2])
    sample = draw_deals(rng, 400_000, np.array([1.0]), 1)
    won = (sample.stage == 0) & (sample.closed >= YEAR_START) & (sample.closed <= YEAR_END)
    cloud = np.isin(sample.product, [PRODUCTS.index(p) for p in CLOUD])
    amount = sample.cents / 100
    return Expectation(
        revenue=float((amount * won).mean()),
        cloud_revenue=float((amount * (won & cloud)).mean()),
        big_deals=float((won & (amount >= BIG_DEAL)).mean()),
    )


def round_to(values: np.ndarray, step: int) -> np.ndarray:
    return np.maximum(step, np.rint(values / step).astype(np.int64) * step)


def targets_table(params: Params) -> pa.Table:
    """Annual targets near each rep's expected result (×0.9…1.4), so attainment spreads around 1."""
    per_rep = params.deals / params.reps * rep_weights(params)
    expect = expectation(params)
    rng = np.random.default_rng([params.seed, 3])
    ids = rep_ids(params.reps).to_pylist()
    rows: list[tuple[str, str, int]] = []
    for indicator, mean, step in (
        ("revenue", expect.revenue, 12_000),
        ("cloud_revenue", expect.cloud_revenue, 12_000),
        ("big_deals", expect.big_deals, 12),
    ):
        values = round_to(per_rep * mean * rng.uniform(0.9, 1.4, params.reps), step)
        rows.extend(zip(ids, [indicator] * params.reps, values.tolist(), strict=True))
    return pa.table(
        {
            "subject": [r[0] for r in rows],
            "indicator": [r[1] for r in rows],
            "period": ["2025"] * len(rows),
            "value": pa.array([r[2] for r in rows], pa.int64()),
        }
    )


CSV_OPTIONS = pacsv.WriteOptions(quoting_style="needed")


def write_table(table: pa.Table, out: Path, name: str) -> None:
    pacsv.write_csv(table, out / f"{name}.csv", CSV_OPTIONS)
    pq.write_table(table, out / f"{name}.parquet")


def write_deals(params: Params, out: Path, owners: pa.Array) -> None:
    with (
        pacsv.CSVWriter(out / "deals.csv", DEALS_SCHEMA, write_options=CSV_OPTIONS) as csv_out,
        pq.ParquetWriter(out / "deals.parquet", PARQUET_DEALS_SCHEMA) as parquet_out,
    ):
        for arrays in deal_chunks(params):
            csv_out.write_batch(deals_batch(arrays, owners, exact=False))
            parquet_out.write_batch(deals_batch(arrays, owners, exact=True))


def manifest_path(out: Path) -> Path:
    return out / "manifest.json"


def manifest(params: Params) -> dict[str, int]:
    return {**asdict(params), "version": VERSION}


def is_current(params: Params, out: Path) -> bool:
    """True when `out` already holds complete data made with these parameters."""
    try:
        return bool(json.loads(manifest_path(out).read_text()) == manifest(params))
    except (OSError, ValueError):
        return False


def generate(params: Params, out: Path) -> None:
    """Write reps, deals and targets (CSV and Parquet) to `out`; the manifest is written last."""
    out.mkdir(parents=True, exist_ok=True)
    manifest_path(out).unlink(missing_ok=True)
    reps = reps_table(params)
    write_table(reps, out, "reps")
    write_table(targets_table(params), out, "targets")
    write_deals(params, out, reps.column("rep_id").combine_chunks())
    manifest_path(out).write_text(json.dumps(manifest(params)) + "\n")


def parse_count(text: str) -> int:
    """200000, 200k, 1M, 1.5M, 10_000_000."""
    text = text.strip().replace("_", "")
    scale = {"k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000}.get(text[-1:], 1)
    number = float(text[:-1]) if scale > 1 else float(text)
    return int(number * scale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=parse_count, default=200_000, help="deals (200k, 10M)")
    parser.add_argument("--reps", type=parse_count, default=500, help="reps (500, 10k)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data")
    parser.add_argument("--force", action="store_true", help="regenerate even if current")
    args = parser.parse_args(argv)
    params = Params(args.deals, args.reps, args.seed)
    if not args.force and is_current(params, args.out):
        print(f"{args.out}: already holds {params}", file=sys.stderr)
        return 0
    generate(params, args.out)
    print(f"{args.out}: wrote {params}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
