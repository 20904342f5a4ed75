"""Warnings and feedback for the rows that have any: fetched into Python, worded there (one
wording for both evaluators), and joined back onto the frame as a small table."""

from __future__ import annotations

import pyarrow as pa

from kpiengine.columnar.frame import Frame
from kpiengine.columnar.results import INDICATOR_COLUMNS, feedback, warnings
from kpiengine.columnar.spine import PERIOD, PIDX, SUBJECT
from kpiengine.ruleset import Ruleset
from kpiengine.sql import ident

NOTES = "__notes"
NOTE_KEY, NOTE_PIDX, NOTE_WARNINGS, NOTE_FEEDBACK = (
    "__nkey",
    "__npidx",
    "__nwarnings",
    "__nfeedback",
)


def _feedback_columns(ruleset: Ruleset) -> list[str]:
    flags = [f"__feedback:{n}" for n in range(len(ruleset.feedback))]
    return [*flags, *(name for item in ruleset.feedback for name in item.message.names)]


def flagged_sql(ruleset: Ruleset, people: bool) -> str:
    """Rows with a missing value somewhere (a warning) or, for people, a feedback item."""
    found = [
        f"{ident(f'{ind.id}.{field}')} IS NULL"
        for ind in ruleset.indicators
        for field in INDICATOR_COLUMNS
        if field != "score"
    ]
    if people:
        found += [ident(f"__feedback:{n}") for n in range(len(ruleset.feedback))]
    return " OR ".join(found) or "FALSE"


def note_table(frame: Frame, ruleset: Ruleset, key: str) -> pa.Table:
    """`key`, period index, warnings and feedback of each flagged row."""
    people = key == SUBJECT
    indicators = [f"{i.id}.{f}" for i in ruleset.indicators for f in INDICATOR_COLUMNS]
    columns = [key, PIDX, PERIOD, *indicators, *(_feedback_columns(ruleset) if people else [])]
    rows = frame.rows(f"{PIDX}, {key}", columns, whole=[PIDX], where=flagged_sql(ruleset, people))
    return pa.table(
        {
            NOTE_KEY: pa.array([r[key] for r in rows], pa.string()),
            NOTE_PIDX: pa.array([r[PIDX] for r in rows], pa.int64()),
            NOTE_WARNINGS: pa.array(
                [list(warnings(ruleset, r)) for r in rows], pa.list_(pa.string())
            ),
            NOTE_FEEDBACK: pa.array(
                [list(feedback(ruleset, r)) if people else [] for r in rows],
                pa.list_(pa.string()),
            ),
        }
    )
