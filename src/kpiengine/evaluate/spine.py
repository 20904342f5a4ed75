"""The spine: one row for every subject in every period, with the subject's groups and start."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from kpiengine.data.subjects import Subject
from kpiengine.evaluate.frame import Frame
from kpiengine.names import (
    MONTHS,
    NAME,
    PEND,
    PERIOD,
    PIDX,
    PSTART,
    ROW_ORDER,
    SPINE_PERIODS,
    SPINE_SUBJECTS,
    START,
    SUBJECT,
    group_column,
)
from kpiengine.plan.periods import MONTHS_PER, Period
from kpiengine.plan.ruleset import Frequency
from kpiengine.sql import ident

_SUBJECT = ident(SUBJECT)
_NAME = ident(NAME)
_PERIOD = ident(PERIOD)
_PIDX = ident(PIDX)
_PSTART = ident(PSTART)
_PEND = ident(PEND)
_MONTHS = ident(MONTHS)
_START = ident(START)
_ROW_ORDER = ident(ROW_ORDER)


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
    frame's first stage: a cross join in DuckDB, not a Python list of pairs. `ROW_ORDER` numbers
    the rows in the order of the results."""
    frame.con.register(SPINE_SUBJECTS, subject_table(subjects, groups))
    frame.con.register(SPINE_PERIODS, period_table(periods, frequency))
    group_columns = "".join(f", s.{ident(group_column(g))}" for g in groups)
    frame.start(
        f"SELECT s.{_SUBJECT}, s.{_NAME}, p.{_PERIOD}, p.{_PIDX}, p.{_PSTART}, p.{_PEND}, "
        f"p.{_MONTHS}, s.{_START}{group_columns}, "
        f"row_number() OVER (ORDER BY p.pos, s.{_SUBJECT}) AS {_ROW_ORDER} "
        f"FROM {ident(SPINE_PERIODS)} AS p CROSS JOIN {ident(SPINE_SUBJECTS)} AS s "
        "ORDER BY p.pos, s.pos"
    )
    frame.con.unregister(SPINE_SUBJECTS)
    frame.con.unregister(SPINE_PERIODS)
