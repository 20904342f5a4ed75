"""Baseline (b): the benchmark plan as an analyst writes it with pandas.

    python bench/baseline_pandas.py --data bench/data --csv out.csv --json out.json [--parquet]

Read the files into DataFrames, flag the records each measure counts, one groupby per date
field, reindex onto every rep × month, then scores in float64 and money in integer cents (the
careful analyst's way to keep money exact: amounts become whole cents once, and the commission
is worked out in millionths of a cent and rounded half-up to a cent at the end).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from plan import (
    AVG_MIN,
    BIG_DEAL,
    BONUS,
    CAPS,
    CHAMPION,
    CHAMPION_NAME,
    CLOUD,
    COMMISSION_CAP,
    COMMISSION_GATE_MIN_WON,
    CONSTANT_TARGETS,
    GRADES,
    INDICATORS,
    METRICS,
    TIERS,
    WEIGHTS,
    YEAR,
    check_ruleset,
)

MONEY = ["revenue", "cloud_revenue"]
"""Indicators whose actual and target are money (kept in cents)."""
MILLIONTHS = 1_000_000
"""Commission is summed in millionths of a cent: tier bounds have 2 decimals, rates 4."""


def read(data: Path, name: str, parquet: bool) -> pd.DataFrame:
    if parquet:
        table = pq.read_table(data / f"{name}.parquet")
        if "amount" in table.column_names:  # DECIMAL → float64 once, not a column of Decimals
            table = table.set_column(
                table.schema.get_field_index("amount"), "amount", table["amount"].cast(pa.float64())
            )
        return table.to_pandas(date_as_object=False)
    dates = ["created_on", "closed_on"] if name == "deals" else []
    types = {"amount": "float64", "value": "int64"}
    return pd.read_csv(
        data / f"{name}.csv", dtype={k: v for k, v in types.items()}, parse_dates=dates,
        date_format="%Y-%m-%d", keep_default_na=False, na_values=[""],
    )  # fmt: skip


def in_year(dates: pd.Series) -> pd.Series:
    return dates.dt.year == YEAR


def per_month(deals: pd.DataFrame, date: str, flags: dict[str, pd.Series]) -> pd.DataFrame:
    """Sum each flag (or amount) column over the deals dated in the year, by owner and month."""
    keep = in_year(deals[date])
    frame = pd.DataFrame({k: v[keep] for k, v in flags.items()})
    frame["owner"] = deals.loc[keep, "owner"]
    frame["month"] = deals.loc[keep, date].dt.month
    return frame.groupby(["owner", "month"]).sum()


def actuals(deals: pd.DataFrame) -> pd.DataFrame:
    cents = (deals["amount"] * 100).round().astype("int64")
    won = deals["stage"] == "won"
    lost = deals["stage"] == "lost"
    counted = won & (cents >= AVG_MIN * 100)
    created = per_month(deals, "created_on", {"opportunities": pd.Series(1, deals.index)})
    closed = per_month(
        deals,
        "closed_on",
        {
            "won_deals": won.astype("int64"),
            "lost_deals": lost.astype("int64"),
            "closed_deals": (won | lost).astype("int64"),
            "revenue": cents.where(won, 0),
            "cloud_revenue": cents.where(won & deals["product"].isin(CLOUD), 0),
            "big_deals": (won & (cents >= BIG_DEAL * 100)).astype("int64"),
            "avg_sum": cents.where(counted, 0),
            "avg_count": counted.astype("int64"),
        },
    )
    return created.join(closed, how="outer")


def spine(reps: pd.DataFrame, values: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Every rep × month, with zero where a rep had no records that month."""
    index = pd.MultiIndex.from_product([reps["rep_id"], range(1, 13)], names=["owner", "month"])
    frame = values.reindex(index, fill_value=0).fillna(0).astype("int64").reset_index()
    frame = frame.merge(reps.rename(columns={"rep_id": "owner"}), on="owner", how="left")
    annual = targets[targets["period"].astype(str) == str(YEAR)].pivot(
        index="subject", columns="indicator", values="value"
    )
    if ((annual % 12 != 0) | (annual <= 0)).any().any():
        raise SystemExit("annual targets must be positive multiples of 12 (months share evenly)")
    monthly = (annual // 12).add_suffix("_target")
    frame = frame.merge(monthly, left_on="owner", right_index=True, how="left")
    for money in MONEY:
        frame[f"{money}_target"] *= 100  # cents
    return frame


def ratio(top: pd.Series, bottom: pd.Series) -> pd.Series:
    """top / bottom, NaN (no data) where bottom is 0."""
    return top / bottom.where(bottom != 0)


def score(frame: pd.DataFrame) -> pd.DataFrame:
    frame["conversion"] = ratio(frame["won_deals"], frame["opportunities"])
    frame["loss_rate"] = ratio(frame["lost_deals"], frame["closed_deals"])
    frame["avg_deal"] = ratio(frame["avg_sum"], frame["avg_count"]) / 100
    for iid in ["revenue", "cloud_revenue", "big_deals"]:
        frame[f"{iid}_att"] = ratio(frame[iid], frame[f"{iid}_target"])
    frame["conversion_att"] = frame["conversion"] / float(CONSTANT_TARGETS["conversion"])
    frame["avg_deal_att"] = frame["avg_deal"] / float(CONSTANT_TARGETS["avg_deal"])
    frame["loss_rate_att"] = ratio(
        pd.Series(float(CONSTANT_TARGETS["loss_rate"]), frame.index), frame["loss_rate"]
    )
    for iid in INDICATORS:
        cap = CAPS[iid]
        counted = frame[f"{iid}_att"] if cap is None else frame[f"{iid}_att"].clip(upper=float(cap))
        frame[f"{iid}_score"] = (WEIGHTS[iid] * counted).fillna(0.0)
    frame["total"] = sum(frame[f"{iid}_score"] for iid in INDICATORS)
    return frame


def grade_and_rank(frame: pd.DataFrame) -> pd.DataFrame:
    total = frame["total"].round(9)  # grades and ranks on 9 decimals: float noise is no tie-break
    frame["grade"] = np.select([total >= low for _, low in GRADES], [g for g, _ in GRADES], "")
    for group in ("team", "region"):
        frame[f"rank_{group}"] = (
            total.groupby([frame["month"], frame[group]]).rank(method="min", ascending=False)
        ).astype("int64")
    return frame


def commission_cents(frame: pd.DataFrame) -> pd.Series:
    """Marginal tiers on attainment with base revenue: rate × target × attainment slice, exact."""
    actual = frame["revenue"] * 100  # hundredths of a cent, so 2-decimal tier bounds are exact
    target = frame["revenue_target"]
    bounds = [int(low * 100) for low, _ in TIERS] + [None]
    total = pd.Series(0, frame.index, dtype="int64")
    for (low, rate), high in zip(TIERS, bounds[1:], strict=True):
        top = actual if high is None else np.minimum(actual, high * target)
        piece = (top - int(low * 100) * target).clip(lower=0)
        total += int(rate * 10_000) * piece
    cents = (total + MILLIONTHS // 2) // MILLIONTHS  # half-up
    cents = cents.clip(upper=int(COMMISSION_CAP * 100))
    return cents.where(frame["won_deals"] >= COMMISSION_GATE_MIN_WON, 0)


def pay(frame: pd.DataFrame) -> pd.DataFrame:
    frame["commission"] = commission_cents(frame)
    bonus = {grade: int(amount * 100) for grade, amount in BONUS.items()}
    frame["bonus"] = frame["grade"].map(bonus).fillna(0).astype("int64")
    best = (
        frame["revenue"]
        .groupby([frame["month"], frame["team"]])
        .rank(method="min", ascending=False)
    )
    champion = (best <= 1) & (frame["revenue"] > 0)  # only a positive value can win
    frame["champion"] = np.where(champion, int(CHAMPION * 100), 0)
    frame["payout"] = frame["commission"] + frame["bonus"] + frame["champion"]
    frame["honors"] = np.where(champion, CHAMPION_NAME, "")
    return frame


def money(cents: pd.Series) -> pd.Series:
    """Whole cents as text with two decimals: 123456 → '1234.56'."""
    return (cents // 100).astype(str) + "." + (cents % 100).astype(str).str.zfill(2)


def results(frame: pd.DataFrame, incentives: bool) -> pd.DataFrame:
    out = pd.DataFrame(
        {"subject": frame["owner"], "period": [f"{YEAR}-{m:02d}" for m in frame["month"]]}
    )
    out["team"], out["region"] = frame["team"], frame["region"]
    for metric in METRICS:
        out[metric] = frame[metric]
    constant = {k: float(v) for k, v in CONSTANT_TARGETS.items()}
    for iid in INDICATORS:
        is_money = iid in MONEY
        out[f"{iid}.actual"] = money(frame[iid]) if is_money else frame[iid]
        target = frame[f"{iid}_target"] if f"{iid}_target" in frame else constant[iid]
        out[f"{iid}.target"] = money(target) if is_money else target
        out[f"{iid}.attainment"] = frame[f"{iid}_att"]
        out[f"{iid}.score"] = frame[f"{iid}_score"]
    for column in ("total", "grade"):
        out[column] = frame[column]
    out["rank.team"], out["rank.region"] = frame["rank_team"], frame["rank_region"]
    if incentives:
        for column in ("commission", "bonus", "champion", "payout"):
            out[column] = money(frame[column])
        out["honors"] = frame["honors"]
    return out.sort_values(["period", "subject"], kind="stable")


def run(data: Path, csv_out: Path, json_out: Path | None, parquet: bool, incentives: bool) -> None:
    reps = read(data, "reps", parquet)
    deals = read(data, "deals", parquet)
    targets = read(data, "targets", parquet)
    frame = score(spine(reps, actuals(deals), targets))
    frame = grade_and_rank(frame)
    if incentives:
        frame = pay(frame)
    out = results(frame, incentives)
    out.to_csv(csv_out, index=False, na_rep="")
    if json_out is not None:
        out.to_json(json_out, orient="records", lines=True, force_ascii=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of generate.py's files")
    parser.add_argument("--csv", type=Path, required=True, help="results CSV to write")
    parser.add_argument("--json", type=Path, help="results JSON (one object a line) to write")
    parser.add_argument("--parquet", action="store_true", help="read the .parquet files")
    parser.add_argument("--no-incentives", action="store_true", help="scores and grades only")
    args = parser.parse_args(argv)
    check_ruleset()
    run(args.data, args.csv, args.json, args.parquet, not args.no_incentives)
    return 0


if __name__ == "__main__":
    sys.exit(main())
