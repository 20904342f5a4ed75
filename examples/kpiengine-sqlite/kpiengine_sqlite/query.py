"""The SELECT the source runs: names checked and quoted, values always passed as parameters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from kpiengine import SourceError


def checked_name(name: str, what: str, source_id: str) -> str:
    """`name` if it is a plain name (letters — Chinese too —, digits, _), else a SourceError.

    Names cannot be SQL parameters, so they are refused unless plain, and quoted as well.
    """
    if not name.isidentifier():
        raise SourceError(
            f"source '{source_id}': the {what} '{name}' is not a plain name: use letters, "
            "digits and _, not starting with a digit"
        )
    return name


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Period:
    """Keep records whose `column` is in [start, end); either bound may be open."""

    column: str
    start: date | None
    end: date | None


@dataclass(frozen=True)
class Select:
    sql: str
    params: tuple[str, ...]


def select(table: str, columns: Sequence[str], period: Period | None) -> Select:
    """`SELECT "a", "b" FROM "t" [WHERE "d" >= ? AND "d" < ?]`, with ISO dates as parameters.

    ISO text sorts like the dates it holds, so the comparison is a date comparison.
    """
    sql = f"SELECT {', '.join(quoted(c) for c in columns)} FROM {quoted(table)}"
    conditions, params = [], []
    if period is not None and period.start is not None:
        conditions.append(f"{quoted(period.column)} >= ?")
        params.append(period.start.isoformat())
    if period is not None and period.end is not None:
        conditions.append(f"{quoted(period.column)} < ?")
        params.append(period.end.isoformat())
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    return Select(sql, tuple(params))
