"""The spine: one row for every subject in every period, with the subject's groups and start."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from kpiengine.columnar.frame import Frame
from kpiengine.periods import MONTHS_PER, Period
from kpiengine.ruleset import Frequency
from kpiengine.subjects import Subject

SUBJECT, NAME, PERIOD, PIDX = "__subject", "__name", "__period", "__pidx"
PSTART, PEND, MONTHS, START = "__pstart", "__pend", "__months", "__start"


def group_column(group: str) -> str:
    return f"__group:{group}"


def period_index(period: Period, frequency: Frequency) -> int:
    """The period's index within its year, as the aggregation queries number periods."""
    return (period.start.month - 1) // MONTHS_PER[frequency]


def spine_table(
    subjects: Sequence[Subject],
    periods: Sequence[Period],
    groups: Sequence[str],
    frequency: Frequency,
) -> pa.Table:
    pairs = [(s, p) for p in periods for s in subjects]
    columns = {
        SUBJECT: pa.array([s.id for s, _ in pairs], pa.string()),
        NAME: pa.array([s.name for s, _ in pairs], pa.string()),
        PERIOD: pa.array([p.id for _, p in pairs], pa.string()),
        PIDX: pa.array([period_index(p, frequency) for _, p in pairs], pa.int64()),
        PSTART: pa.array([p.start for _, p in pairs], pa.date32()),
        PEND: pa.array([p.end for _, p in pairs], pa.date32()),
        MONTHS: pa.array([p.months for _, p in pairs], pa.int64()),
        START: pa.array([s.start for s, _ in pairs], pa.date32()),
    }
    for group in groups:
        columns[group_column(group)] = pa.array([s.groups.get(group, "") for s, _ in pairs])
    return pa.table(columns)


def start_spine(frame: Frame, table: pa.Table) -> None:
    frame.con.register("__spine_arrow", table)
    frame.start("SELECT * FROM __spine_arrow")
    frame.con.unregister("__spine_arrow")
