"""A period's results as a rich Table: who, the score of each indicator, total, grade, payout."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from rich.table import Table
from rich.text import Text

from kpiengine import GroupResult, Results, SubjectResult, printable
from kpiengine_console.labels import labels_for
from kpiengine_console.numbers import money_text, score_text


def shown(text: str) -> Text:
    """Plain text for a cell or a line: never read as markup ("[b]"), and with its control
    characters escaped, so a name holding a terminal escape prints as text."""
    return Text(printable(text))


@dataclass(frozen=True)
class View:
    """What a run's tables show, worked out once from every row so periods line up."""

    show: frozenset[str]
    words: Mapping[str, str]
    groups: tuple[str, ...]
    indicators: Mapping[str, str]
    ranks: tuple[str, ...]
    payout: bool
    money_places: int


@dataclass(frozen=True)
class Column:
    header: str
    right: bool
    cell: Callable[[SubjectResult], str]


def _first_seen(keys: Iterable[Iterable[str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(key for group in keys for key in group))


def view_of(results: Results, show: Collection[str]) -> View:
    """The columns the run needs; `show` names the parts to include."""
    rows = results.rows
    names = {i.id: i.name for row in reversed(rows) for i in row.indicators.values()}
    ids = _first_seen(row.indicators for row in rows)
    return View(
        show=frozenset(show),
        words=labels_for(results.locale),
        groups=_first_seen(row.groups for row in rows),
        indicators={i: names[i] for i in ids},
        ranks=_first_seen(row.ranks for row in rows),
        payout=any(row.incentives for row in rows),
        money_places=results.money_places,
    )


def _group(name: str, row: SubjectResult) -> str:
    return row.groups.get(name, "")


def _score(indicator: str, row: SubjectResult) -> str:
    found = row.indicators.get(indicator)
    return "" if found is None else score_text(found.score)


def _rank(group: str, row: SubjectResult) -> str:
    rank = row.ranks.get(group)
    return "" if rank is None else str(rank)


def _grade(row: SubjectResult) -> str:
    return " ".join(part for part in (row.grade, row.grade_name) if part)


def columns(view: View) -> list[Column]:
    """The table's columns, in the order a reader scans them."""
    w, show = view.words, view.show
    cols = [
        Column(w["subject"], False, lambda r: r.subject),
        Column(w["name"], False, lambda r: r.name),
    ]
    if "groups" in show:
        cols += [Column(g, False, partial(_group, g)) for g in view.groups]
    if "scores" in show:
        cols += [Column(name, True, partial(_score, i)) for i, name in view.indicators.items()]
    if "total" in show:
        cols.append(Column(w["total"], True, lambda r: score_text(r.total)))
    if "grade" in show:
        cols.append(Column(w["grade"], False, _grade))
    if "ranks" in show:
        cols += [Column(w["rank"].format(group=g), True, partial(_rank, g)) for g in view.ranks]
    if "payout" in show and view.payout:
        places = view.money_places
        cols.append(Column(w["payout"], True, lambda r: money_text(r.payout, places)))
    return cols


def period_table(title: str, rows: Sequence[SubjectResult], view: View) -> Table:
    """One period's table; cells are plain text (`shown`)."""
    table = Table(title=shown(title))
    cols = columns(view)
    for col in cols:
        table.add_column(shown(col.header), justify="right" if col.right else "left")
    for row in rows:
        table.add_row(*(shown(col.cell(row)) for col in cols))
    return table


def group_table(title: str, groups: Sequence[GroupResult], view: View) -> Table:
    """Each group's result in one period: the members together, scored on the sums."""
    w = view.words
    table = Table(title=shown(title))
    headers = [w["group"], w["members"], *view.indicators.values(), w["total"], w["grade"]]
    for index, header in enumerate(headers):
        table.add_column(shown(header), justify="left" if index == 0 else "right")
    for g in groups:
        scores = [_group_score(g, i) for i in view.indicators]
        cells = [f"{g.group} {g.value}", str(len(g.members)), *scores, score_text(g.total)]
        table.add_row(*(shown(c) for c in [*cells, g.grade or ""]))
    return table


def _group_score(group: GroupResult, indicator: str) -> str:
    found = group.indicators.get(indicator)
    return "" if found is None else score_text(found.score)


def notes(rows: Sequence[SubjectResult], view: View) -> list[Text]:
    """The lines under a table: each person's honors, warnings and feedback."""
    parts = [("honors", "honor"), ("warnings", "warning"), ("feedback", "feedback")]
    lines = []
    for row in rows:
        for part, word in parts:
            if part in view.show:
                label = view.words[word]
                lines += [
                    shown(f"{row.subject} {row.name} — {label}: {text}")
                    for text in getattr(row, part)
                ]
    return lines
