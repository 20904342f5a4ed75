"""The spine: one row for every subject in every period, with the subject's groups and start."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from kpiengine.data.subjects import Subject
from kpiengine.evaluate.frame import Frame
from kpiengine.plan.periods import MONTHS_PER, Period
from kpiengine.plan.ruleset import Frequency
from kpiengine.sql import ident

SUBJECT, NAME, PERIOD, PIDX = "__subject", "__name", "__period", "__pidx"
PSTART, PEND, MONTHS, START = "__pstart", "__pend", "__months", "__start"
ORDER = "__row_order"
"""The row's place in the results: by period, then subject id (numbered on the narrow spine,
so the wide result rows are sorted by one integer)."""


def group_column(group: str) -> str:
    return f"__group:{group}"


def period_index(period: Period, frequency: Frequency) -> int:
    """The period's index within its year, as the aggregation queries number periods."""
    return (period.start.month - 1) // MONTHS_PER[frequency]


def subject_table(subjects: Sequence[Subject], groups: Sequence[str]) -> pa.Table:
    columns = {
        "pos": pa.array(range(len(subjects)), pa.int64()),
        SUBJECT: pa.array([s.id for s in subjects], pa.string()),
        NAME: pa.array([s.name for s in subjects], pa.string()),
        START: pa.array([s.start for s in subjects], pa.date32()),
    }
    for group in groups:
        columns[group_column(group)] = pa.array(
            [s.groups.get(group, "") for s in subjects], pa.string()
        )
    return pa.table(columns)


def period_table(periods: Sequence[Period], frequency: Frequency) -> pa.Table:
    return pa.table(
        {
            "pos": pa.array(range(len(periods)), pa.int64()),
            PERIOD: pa.array([p.id for p in periods], pa.string()),
            PIDX: pa.array([period_index(p, frequency) for p in periods], pa.int64()),
            PSTART: pa.array([p.start for p in periods], pa.date32()),
            PEND: pa.array([p.end for p in periods], pa.date32()),
            MONTHS: pa.array([p.months for p in periods], pa.int64()),
        }
    )


def start_spine(
    frame: Frame,
    subjects: Sequence[Subject],
    periods: Sequence[Period],
    groups: Sequence[str],
    frequency: Frequency,
) -> None:
    """Every subject in every period (period by period, subjects in their order), as the
    frame's first stage: a cross join in DuckDB, not a Python list of pairs. `ORDER` numbers
    the rows in the order of the results."""
    frame.con.register("__spine_subjects", subject_table(subjects, groups))
    frame.con.register("__spine_periods", period_table(periods, frequency))
    group_columns = "".join(f", s.{ident(group_column(g))}" for g in groups)
    frame.start(
        f"SELECT s.{SUBJECT}, s.{NAME}, p.{PERIOD}, p.{PIDX}, p.{PSTART}, p.{PEND}, "
        f"p.{MONTHS}, s.{START}{group_columns}, "
        f"row_number() OVER (ORDER BY p.pos, s.{SUBJECT}) AS {ORDER} "
        "FROM __spine_periods AS p CROSS JOIN __spine_subjects AS s ORDER BY p.pos, s.pos"
    )
    frame.con.unregister("__spine_subjects")
    frame.con.unregister("__spine_periods")
