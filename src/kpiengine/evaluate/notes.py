"""Feedback for the rows that have any: fetched into Python, its messages rendered there (one
wording wherever it is shown), and joined back onto the frame as a small table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from kpiengine.evaluate.frame import RESULT_COLUMNS, Frame
from kpiengine.names import (
    MARK,
    NOTE_FEEDBACK,
    NOTE_KEY,
    NOTE_PIDX,
    PERIOD,
    PIDX,
    SUBJECT,
    feedback_column,
)
from kpiengine.plan.ruleset import Ruleset
from kpiengine.sql import ident


def feedback(ruleset: Ruleset, row: Mapping[str, Any]) -> list[str]:
    """The messages of the row's feedback items whose `when` holds."""
    names = {k: v for k, v in row.items() if not k.startswith(MARK)}
    names |= {name: row[column] for name, column in RESULT_COLUMNS.items() if column in row}
    return [
        item.message.render(names)
        for number, item in enumerate(ruleset.feedback)
        if row[feedback_column(number)]
    ]


def feedback_table(frame: Frame, ruleset: Ruleset) -> pa.Table:
    """Subject, period index and feedback of each row with a feedback item."""
    flags = [feedback_column(n) for n in range(len(ruleset.feedback))]
    names = [name for item in ruleset.feedback for name in item.message.names]
    where = " OR ".join(ident(flag) for flag in flags) or "FALSE"
    columns = [SUBJECT, PIDX, PERIOD, *flags, *(RESULT_COLUMNS.get(n, n) for n in names)]
    rows = frame.rows(f"{ident(PIDX)}, {ident(SUBJECT)}", columns, whole=[PIDX], where=where)
    return pa.table(
        {
            NOTE_KEY: pa.array([r[SUBJECT] for r in rows], pa.string()),
            NOTE_PIDX: pa.array([r[PIDX] for r in rows], pa.int64()),
            NOTE_FEEDBACK: pa.array([feedback(ruleset, r) for r in rows], pa.list_(pa.string())),
        }
    )
