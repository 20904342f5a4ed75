"""A small CRM database made by the tests, and the same records as CSV files."""

import csv
import sqlite3
from pathlib import Path

REPS = [("R1", "张三", "华东"), ("R2", "李四", "华东"), ("R3", "王五", "华南")]
DEALS = [
    (1, "R1", "1200.50", "won", "2025-01-15"),
    (2, "R1", "800", "lost", "2025-02-01"),
    (3, "R2", "3000", "won", "2025-03-31"),
    (4, "R2", "500", "won", "2025-04-01"),
    (5, "R3", "700.25", "won", "2025-11-30 16:20:00"),
    (6, "R1", "999", "won", "2024-12-31"),
    (7, "R3", "111", "won", "2026-01-01"),
    (8, "R2", "50", "won", None),
]
DEAL_COLUMNS = ("id", "sales_rep", "amount", "stage", "closed_on")
REP_COLUMNS = ("rep_id", "name", "team")


def make_database(path: Path) -> Path:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE reps (rep_id TEXT, name TEXT, team TEXT)")
        con.execute(
            "CREATE TABLE deals (id INTEGER PRIMARY KEY, sales_rep TEXT, amount DECIMAL(12, 2), "
            "stage TEXT, closed_on DATE)"
        )
        con.executemany("INSERT INTO reps VALUES (?, ?, ?)", REPS)
        con.executemany("INSERT INTO deals VALUES (?, ?, ?, ?, ?)", DEALS)
    con.close()
    return path


def write_csv(path: Path, header, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def make_csv_files(folder: Path) -> None:
    write_csv(folder / "reps.csv", REP_COLUMNS, REPS)
    write_csv(folder / "deals.csv", DEAL_COLUMNS, DEALS)
