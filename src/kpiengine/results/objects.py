"""Result objects from a result table's rows (built only when an output asks), and a result
table from result objects (for results that were not computed as columns)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any, overload

import pyarrow as pa

from kpiengine.names import ORDER
from kpiengine.results.layout import IndicatorInfo, Layout, ResultColumn, indicator_key
from kpiengine.results.model import GroupResult, IndicatorResult, Results, SubjectResult
from kpiengine.results.table import ResultTable, arrow_type
from kpiengine.results.text import amount_text, read_column, value_kind, value_text

Cells = Mapping[str, Any]


def _rows(table: pa.Table, columns: Sequence[ResultColumn]) -> Iterator[dict[str, Any]]:
    for batch in table.to_batches():
        values = [read_column(c.kind, batch.column(c.key).to_pylist()) for c in columns]
        keys = [c.key for c in columns]
        for row in zip(*values, strict=True):
            yield dict(zip(keys, row, strict=True))


def _indicators(layout: Layout, row: Cells) -> dict[str, IndicatorResult]:
    def get(ind: IndicatorInfo, field: str) -> Any:
        return row[indicator_key(ind.id, field)]

    return {
        ind.id: IndicatorResult(
            id=ind.id,
            name=ind.name,
            unit=ind.unit,
            actual=get(ind, "actual"),
            target=get(ind, "target"),
            attainment=get(ind, "attainment"),
            score=get(ind, "score") or Decimal(0),
            weight=ind.weight,
        )
        for ind in layout.indicators
    }


def subject_result(layout: Layout, row: Cells) -> SubjectResult:
    lines = {i: row[f"line:{i}"] for i in layout.incentives}
    return SubjectResult(
        subject=row["subject"],
        name=row["name"],
        period=row["period"],
        groups={g: row[f"group:{g}"] for g in layout.groups},
        indicators=_indicators(layout, row),
        metrics={m: row[f"metric:{m}"] for m, _ in layout.metrics},
        total=row["total"] or Decimal(0),
        grade=row["grade"],
        grade_name=row["grade_name"],
        ranks={g: row[f"rank:{g}"] for g in layout.ranks},
        incentives=lines,
        payout=row["payout"] if row["payout"] is not None else Decimal(0),
        honors=row["honors"] or (),
        feedback=row["feedback"] or (),
        warnings=row["warnings"] or (),
    )


def group_result(layout: Layout, row: Cells) -> GroupResult:
    return GroupResult(
        group=row["group"],
        value=row["value"],
        period=row["period"],
        members=row["members"] or (),
        indicators=_indicators(layout, row),
        metrics={m: row[f"metric:{m}"] for m, _ in layout.metrics},
        total=row["total"] or Decimal(0),
        grade=row["grade"],
        warnings=row["warnings"] or (),
    )


class _Lazy(Sequence[Any]):
    """A table's rows as result objects, built on first use."""

    def __init__(self, table: ResultTable, groups: bool) -> None:
        self._table = table
        self._groups = groups

    @cached_property
    def _items(self) -> tuple[Any, ...]:
        layout = self._table.layout
        if self._groups:
            found = _rows(self._table.groups, layout.group_columns())
            return tuple(group_result(layout, r) for r in found)
        found = _rows(self._table.subjects, layout.subject_columns())
        return tuple(subject_result(layout, r) for r in found)

    def __len__(self) -> int:
        source = self._table.groups if self._groups else self._table.subjects
        return int(source.num_rows)

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        return self._items[index]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)


def lazy_subjects(table: ResultTable) -> Sequence[SubjectResult]:
    """The table's subject rows as SubjectResults, built when first read."""
    return _Lazy(table, groups=False)


def lazy_groups(table: ResultTable) -> Sequence[GroupResult]:
    return _Lazy(table, groups=True)


# --- objects to a table ---------------------------------------------------------------------


def _first_seen(keys: Iterable[Iterable[str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for found in keys for k in found))


def layout_of(rows: Sequence[SubjectResult], groups: Sequence[GroupResult]) -> Layout:
    """The columns result objects fill: keys in the order rows first show them."""
    everyone: list[SubjectResult | GroupResult] = [*rows, *groups]
    infos: dict[str, IndicatorResult] = {}
    for row in everyone:
        for ind in row.indicators.values():
            infos.setdefault(ind.id, ind)

    def kind(ind: str, field: str) -> Any:
        return value_kind([getattr(r.indicators.get(ind), field, None) for r in everyone])

    return Layout(
        groups=_first_seen(r.groups for r in rows),
        indicators=tuple(
            IndicatorInfo(
                i.id, i.name, i.unit, i.weight, kind(i.id, "actual"), kind(i.id, "target")
            )
            for i in infos.values()
        ),
        metrics=tuple(
            (m, value_kind([r.metrics.get(m) for r in everyone]))
            for m in _first_seen(r.metrics for r in everyone)
        ),
        ranks=_first_seen(r.ranks for r in rows),
        incentives=_first_seen(r.incentives for r in rows),
    )


def _common(layout: Layout, row: SubjectResult | GroupResult) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for info in layout.indicators:
        ind = row.indicators.get(info.id)
        for field in ("actual", "target", "attainment", "score"):
            cells[indicator_key(info.id, field)] = value_text(getattr(ind, field, None))
    for m, _ in layout.metrics:
        cells[f"metric:{m}"] = value_text(row.metrics.get(m))
    cells["total"] = value_text(row.total)
    cells["grade"] = row.grade
    cells["warnings"] = list(row.warnings)
    return cells


def _subject_cells(layout: Layout, row: SubjectResult, places: int) -> dict[str, Any]:
    def money(value: Decimal | None) -> str | None:
        return None if value is None else amount_text(value, places)

    return {
        "subject": row.subject,
        "name": row.name,
        "period": row.period,
        **{f"group:{g}": row.groups.get(g) for g in layout.groups},
        **_common(layout, row),
        **{f"rank:{g}": _whole(row.ranks.get(g)) for g in layout.ranks},
        **{f"line:{i}": money(row.incentives.get(i)) for i in layout.incentives},
        "payout": money(row.payout),
        "honors": list(row.honors),
        "feedback": list(row.feedback),
        "grade_name": row.grade_name,
    }


def _whole(value: int | None) -> str | None:
    return None if value is None else str(value)


def _group_cells(layout: Layout, row: GroupResult) -> dict[str, Any]:
    return {
        "group": row.group,
        "value": row.value,
        "period": row.period,
        "members": list(row.members),
        **_common(layout, row),
    }


def _arrow(columns: Sequence[ResultColumn], cells: Sequence[dict[str, Any]]) -> pa.Table:
    arrays = {ORDER: pa.array(range(1, len(cells) + 1), pa.int64())}
    for column in columns:
        arrays[column.key] = pa.array([c[column.key] for c in cells], arrow_type(column))
    return pa.table(arrays)


def table_of(
    rows: Sequence[SubjectResult], groups: Sequence[GroupResult], money_places: int
) -> ResultTable:
    """A result table holding these result objects, in their order."""
    layout = layout_of(rows, groups)
    subjects = [_subject_cells(layout, r, money_places) for r in rows]
    group_cells = [_group_cells(layout, g) for g in groups]
    return ResultTable(
        layout,
        money_places,
        _arrow(layout.subject_columns(), subjects),
        _arrow(layout.group_columns(), group_cells),
    )


def result_table(results: Results) -> ResultTable:
    """The results as a ResultTable: the run's own, or one built from the result objects."""
    if results.table is not None:
        return results.table
    return table_of(results.rows, results.groups, results.money_places)
