"""Who is evaluated: one row per person from the subjects source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kpiengine.data.store import Store
from kpiengine.errors import SourceError
from kpiengine.names import RECORD
from kpiengine.plan.ruleset import Subjects
from kpiengine.sql import ident


@dataclass(frozen=True)
class Subject:
    id: str
    name: str
    groups: dict[str, str]
    start: date | None


def load_subjects(store: Store, config: Subjects) -> list[Subject]:
    """Subjects in id order; a duplicate or empty id is an error naming the source."""
    columns = [config.id, config.name or config.id, *config.groups]
    select = ", ".join(ident(c) for c in columns)
    start = ident(config.start) if config.start else "NULL"
    rows = store.query(
        f"SELECT {select}, {start} FROM {store.view(config.source)} ORDER BY {ident(RECORD)}"
    )
    subjects: dict[str, Subject] = {}
    for row in rows:
        sid = str(row[0] or "").strip()
        if not sid:
            raise SourceError(
                f"subjects source '{config.source}': a row has an empty '{config.id}'"
            )
        if sid in subjects:
            raise SourceError(
                f"subjects source '{config.source}': the id '{sid}' appears twice in '{config.id}'"
            )
        groups = {
            g: str(v) if v is not None else ""
            for g, v in zip(config.groups, row[2:-1], strict=True)
        }
        subjects[sid] = Subject(sid, str(row[1] or sid), groups, _start(config, sid, row[-1]))
    return sorted(subjects.values(), key=lambda s: s.id)


def _start(config: Subjects, sid: str, value: object) -> date | None:
    """The start date; DuckDB hands a date Python cannot hold (year 0, or past 9999) as text."""
    if value is None or isinstance(value, date):
        return value
    raise SourceError(
        f"subjects source '{config.source}': the {config.start} of '{sid}' is {value}, "
        "outside the dates kpiengine handles (years 1 to 9999)"
    )
