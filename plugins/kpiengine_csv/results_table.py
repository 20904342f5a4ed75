"""Results flattened to one row per subject and period, with columns stable from run to run."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kpiengine import Results, SubjectResult
from kpiengine_csv.cells import decimal_text, indicator_cells, joined, money_text, value_text

Cells = dict[str, str]


def _head(row: SubjectResult, places: int) -> Cells:
    return {"subject": row.subject, "name": row.name, "period": row.period}


def _groups(row: SubjectResult, places: int) -> Cells:
    return dict(row.groups)


def _indicators(row: SubjectResult, places: int) -> Cells:
    cells: Cells = {}
    for ind in row.indicators.values():
        cells.update(indicator_cells(ind, places))
    return cells


def _metrics(row: SubjectResult, places: int) -> Cells:
    return {key: value_text(value) for key, value in row.metrics.items()}


def _grade(row: SubjectResult, places: int) -> Cells:
    return {"total": decimal_text(row.total), "grade": row.grade or ""}


def _ranks(row: SubjectResult, places: int) -> Cells:
    return {f"rank.{group}": str(rank) for group, rank in row.ranks.items()}


def _incentives(row: SubjectResult, places: int) -> Cells:
    return {key: money_text(amount, places) for key, amount in row.incentives.items()}


def _tail(row: SubjectResult, places: int) -> Cells:
    return {
        "payout": money_text(row.payout, places),
        "honors": joined(row.honors),
        "feedback": joined(row.feedback),
        "warnings": joined(row.warnings),
    }


SECTIONS: tuple[Callable[[SubjectResult, int], Cells], ...] = (
    _head,
    _groups,
    _indicators,
    _metrics,
    _grade,
    _ranks,
    _incentives,
    _tail,
)
"""Column sections in order; within a section, keys in the order rows first show them."""

EMPTY_HEADER = [
    "subject",
    "name",
    "period",
    "total",
    "grade",
    "payout",
    "honors",
    "feedback",
    "warnings",
]
"""The columns of a run without rows, so a reader of the file still finds them."""


def _columns(sections: Iterable[list[Cells]]) -> list[str]:
    columns: dict[str, None] = {}
    for section in sections:
        for cells in section:
            columns.update(dict.fromkeys(cells))
    return list(columns)


def results_table(results: Results) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of text cells, in the results' row order."""
    places = results.money_places
    sections = [[section(row, places) for row in results.rows] for section in SECTIONS]
    header = _columns(sections) if results.rows else list(EMPTY_HEADER)
    merged = [
        dict(kv for section in sections for kv in section[i].items())
        for i in range(len(results.rows))
    ]
    return header, [[cells.get(column, "") for column in header] for cells in merged]
