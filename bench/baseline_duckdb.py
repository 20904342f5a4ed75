"""Baseline (a): the benchmark plan as hand-written DuckDB SQL — the "near the metal" reference.

    python bench/baseline_duckdb.py --data bench/data --csv out.csv --json out.json [--parquet]

What someone fluent in SQL writes for bench/ruleset.yaml: read the files directly, one scan of
the deals per date field with filtered aggregates, scores in DOUBLE, money in DECIMAL (exact:
amounts are DECIMAL(14, 2) and the annual targets are multiples of 12, so a month's target is
exact too), `round(x, 2)` rounds half away from zero — half-up for the non-negative amounts
here. The results go to CSV and JSON with COPY.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
from plan import check_ruleset

DEALS_COLUMNS = (
    "{'deal_id': 'VARCHAR', 'owner': 'VARCHAR', 'amount': 'DECIMAL(14,2)', 'stage': 'VARCHAR', "
    "'product': 'VARCHAR', 'created_on': 'DATE', 'closed_on': 'DATE'}"
)
REPS_COLUMNS = "{'rep_id': 'VARCHAR', 'name': 'VARCHAR', 'team': 'VARCHAR', 'region': 'VARCHAR'}"
TARGETS_COLUMNS = (
    "{'subject': 'VARCHAR', 'indicator': 'VARCHAR', 'period': 'VARCHAR', 'value': 'BIGINT'}"
)

PAID_SQL = """
paid AS (
    SELECT *,
        -- marginal tiers on attainment, base revenue: each slice of attainment [from, to) pays
        -- rate × base × slice / attainment = rate × target × slice (exact in DECIMAL)
        CASE WHEN won_deals >= 3 THEN round(least(60000,
              0.02 * greatest(0, least(revenue, 1.0 * revenue_target) - 0.6 * revenue_target)
            + 0.04 * greatest(0, least(revenue, 1.3 * revenue_target) - 1.0 * revenue_target)
            + 0.07 * greatest(0, revenue - 1.3 * revenue_target)), 2)
        ELSE 0 END::DECIMAL(18, 2) AS commission,
        (CASE grade WHEN 'S' THEN 8000 WHEN 'A' THEN 5000 WHEN 'B' THEN 2000 ELSE 0 END)
            ::DECIMAL(18, 2) AS bonus,
        -- the top revenue of the team that month; only a positive value can win
        (CASE WHEN revenue_rank_team <= 1 AND revenue > 0 THEN 3000 ELSE 0 END)::DECIMAL(18, 2)
            AS champion
    FROM graded
)
"""
PAID_COLUMNS = """,
    commission, bonus, champion, commission + bonus + champion AS payout,
    CASE WHEN champion > 0 THEN '销售冠军' ELSE '' END AS honors"""

RESULTS_SQL = """
CREATE TEMP TABLE results AS
WITH
spine AS (
    SELECT r.rep_id, r.team, r.region, m.month
    FROM reps r CROSS JOIN (SELECT range::INTEGER AS month FROM range(1, 13)) m
),
created AS (                      -- one scan for the metric dated by created_on
    SELECT owner, month(created_on) AS month, count(*) AS opportunities
    FROM deals
    WHERE created_on >= DATE '2025-01-01' AND created_on < DATE '2026-01-01'
    GROUP BY ALL
),
closed AS (                       -- one scan for everything dated by closed_on
    SELECT owner, month(closed_on) AS month,
        count(*) FILTER (stage = 'won') AS won_deals,
        count(*) FILTER (stage = 'lost') AS lost_deals,
        count(*) FILTER (stage IN ('won', 'lost')) AS closed_deals,
        coalesce(sum(amount) FILTER (stage = 'won'), 0) AS revenue,
        coalesce(sum(amount) FILTER (stage = 'won' AND product IN ('云ERP', 'CRM')), 0)
            AS cloud_revenue,
        count(*) FILTER (stage = 'won' AND amount >= 100000) AS big_deals,
        -- an exact DECIMAL sum divided once: the same double on every run, whatever the threads
        sum(amount) FILTER (stage = 'won' AND amount >= 1000)
            / count(*) FILTER (stage = 'won' AND amount >= 1000) AS avg_deal
    FROM deals
    WHERE closed_on >= DATE '2025-01-01' AND closed_on < DATE '2026-01-01'
    GROUP BY ALL
),
annual AS (
    SELECT subject,
        max(value) FILTER (indicator = 'revenue') AS revenue,
        max(value) FILTER (indicator = 'cloud_revenue') AS cloud_revenue,
        max(value) FILTER (indicator = 'big_deals') AS big_deals
    FROM targets WHERE period = '2025'
    GROUP BY subject
),
actuals AS (
    SELECT s.rep_id, s.team, s.region, s.month,
        coalesce(cr.opportunities, 0) AS opportunities,
        coalesce(cl.won_deals, 0) AS won_deals,
        coalesce(cl.lost_deals, 0) AS lost_deals,
        coalesce(cl.closed_deals, 0) AS closed_deals,
        coalesce(cl.revenue, 0)::DECIMAL(18, 2) AS revenue,
        coalesce(cl.cloud_revenue, 0)::DECIMAL(18, 2) AS cloud_revenue,
        coalesce(cl.big_deals, 0) AS big_deals,
        cl.avg_deal,
        (a.revenue // 12)::DECIMAL(18, 2) AS revenue_target,
        (a.cloud_revenue // 12)::DECIMAL(18, 2) AS cloud_revenue_target,
        a.big_deals // 12 AS big_deals_target
    FROM spine s
    LEFT JOIN created cr ON cr.owner = s.rep_id AND cr.month = s.month
    LEFT JOIN closed cl ON cl.owner = s.rep_id AND cl.month = s.month
    LEFT JOIN annual a ON a.subject = s.rep_id
),
ratios AS (
    SELECT *,
        won_deals / nullif(opportunities, 0) AS conversion,
        lost_deals / nullif(closed_deals, 0) AS loss_rate,
        revenue / nullif(revenue_target, 0) AS revenue_att,
        cloud_revenue / nullif(cloud_revenue_target, 0) AS cloud_revenue_att,
        big_deals / nullif(big_deals_target, 0) AS big_deals_att
    FROM actuals
),
attained AS (
    SELECT *,
        conversion / 0.35 AS conversion_att,
        avg_deal / 55000 AS avg_deal_att,
        0.55 / nullif(loss_rate, 0) AS loss_rate_att       -- lower is better: target / actual
    FROM ratios
),
scored AS (                       -- no attainment (no data, a zero divisor) scores 0
    SELECT *,                     -- (least() skips NULLs, so the NULL case is spelled out)
        CASE WHEN revenue_att IS NULL THEN 0 ELSE 30 * least(revenue_att, 1.5) END
            AS revenue_score,
        coalesce(15 * cloud_revenue_att, 0) AS cloud_revenue_score,
        CASE WHEN big_deals_att IS NULL THEN 0 ELSE 15 * least(big_deals_att, 2) END
            AS big_deals_score,
        CASE WHEN conversion_att IS NULL THEN 0 ELSE 20 * least(conversion_att, 1.2) END
            AS conversion_score,
        CASE WHEN avg_deal_att IS NULL THEN 0 ELSE 10 * least(avg_deal_att, 1.3) END
            AS avg_deal_score,
        CASE WHEN loss_rate_att IS NULL THEN 0 ELSE 10 * least(loss_rate_att, 1.5) END
            AS loss_rate_score
    FROM attained
),
totals AS (
    SELECT *,
        revenue_score + cloud_revenue_score + big_deals_score + conversion_score
            + avg_deal_score + loss_rate_score AS total
    FROM scored
),
graded AS (
    SELECT *,
        round(total, 9) AS total_9,   -- grades and ranks on 9 decimals: float noise is no tie-break
        CASE WHEN round(total, 9) >= 95 THEN 'S' WHEN round(total, 9) >= 85 THEN 'A'
             WHEN round(total, 9) >= 70 THEN 'B' WHEN round(total, 9) >= 60 THEN 'C'
             ELSE 'D' END AS grade,
        rank() OVER (PARTITION BY month, team ORDER BY round(total, 9) DESC) AS rank_team,
        rank() OVER (PARTITION BY month, region ORDER BY round(total, 9) DESC) AS rank_region,
        rank() OVER (PARTITION BY month, team ORDER BY revenue DESC) AS revenue_rank_team
    FROM totals
),
{paid}SELECT
    rep_id AS subject, printf('2025-%02d', month) AS period, team, region,
    opportunities, won_deals, lost_deals, closed_deals,
    revenue AS "revenue.actual", revenue_target AS "revenue.target",
    revenue_att AS "revenue.attainment", revenue_score AS "revenue.score",
    cloud_revenue AS "cloud_revenue.actual", cloud_revenue_target AS "cloud_revenue.target",
    cloud_revenue_att AS "cloud_revenue.attainment", cloud_revenue_score AS "cloud_revenue.score",
    big_deals AS "big_deals.actual", big_deals_target AS "big_deals.target",
    big_deals_att AS "big_deals.attainment", big_deals_score AS "big_deals.score",
    conversion AS "conversion.actual", 0.35 AS "conversion.target",
    conversion_att AS "conversion.attainment", conversion_score AS "conversion.score",
    avg_deal AS "avg_deal.actual", 55000 AS "avg_deal.target",
    avg_deal_att AS "avg_deal.attainment", avg_deal_score AS "avg_deal.score",
    loss_rate AS "loss_rate.actual", 0.55 AS "loss_rate.target",
    loss_rate_att AS "loss_rate.attainment", loss_rate_score AS "loss_rate.score",
    total, grade, rank_team AS "rank.team", rank_region AS "rank.region"{paid_columns}
FROM paid
ORDER BY month, subject
"""


def results_sql(incentives: bool) -> str:
    """The query; without incentives the `paid` step and its columns are left out."""
    if incentives:
        return RESULTS_SQL.format(paid=PAID_SQL, paid_columns=PAID_COLUMNS)
    return RESULTS_SQL.format(paid="paid AS (SELECT * FROM graded)\n", paid_columns="")


def load_sources(con: duckdb.DuckDBPyConnection, data: Path, parquet: bool) -> None:
    """The files, read where they lie with their column types written out. The deals CSV is
    parsed once into a table (both date fields scan it); Parquet is scanned directly."""
    for name, columns in (("reps", REPS_COLUMNS), ("deals", DEALS_COLUMNS),
                          ("targets", TARGETS_COLUMNS)):  # fmt: skip
        path = str(data / f"{name}.{'parquet' if parquet else 'csv'}").replace("'", "''")
        reader = (
            f"read_parquet('{path}')"
            if parquet
            else f"read_csv('{path}', header = true, auto_detect = false, columns = {columns})"
        )
        if name == "deals" and not parquet:
            con.execute(f"CREATE TEMP TABLE deals AS SELECT * EXCLUDE (deal_id) FROM {reader}")
        else:
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM {reader}")


def check_targets(con: duckdb.DuckDBPyConnection) -> None:
    """The exact-money shortcut needs annual targets that twelve months divide evenly."""
    bad = con.execute("SELECT count(*) FROM targets WHERE value % 12 <> 0 OR value <= 0").fetchone()
    if bad and bad[0]:
        raise SystemExit(f"{bad[0]} annual targets are not positive multiples of 12")


def run(data: Path, csv_out: Path, json_out: Path | None, parquet: bool, incentives: bool) -> None:
    con = duckdb.connect()
    load_sources(con, data, parquet)
    check_targets(con)
    con.execute(results_sql(incentives))
    con.execute(f"COPY results TO '{csv_out}' (HEADER, DELIMITER ',')")
    if json_out is not None:
        con.execute(f"COPY results TO '{json_out}' (FORMAT json)")


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
