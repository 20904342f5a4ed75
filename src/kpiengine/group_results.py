"""Results for each group (team, region): the members' records aggregated together, additive
targets summed over the members, attainment and score recomputed on the sums."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

import pyarrow as pa

from kpiengine.aggregate import MEMBERS, run_aggregations
from kpiengine.data.store import Store
from kpiengine.data.subjects import Subject
from kpiengine.plan.periods import Period
from kpiengine.plan.ruleset import Indicator, Ruleset
from kpiengine.rows import GroupRow, Row, all_aggregations, metric_values
from kpiengine.scoring import score_indicators, total_of
from kpiengine.targets import ResolvedTarget


def register_members(store: Store, subjects: Sequence[Subject], groups: Sequence[str]) -> None:
    """A table of subject id → group values, joined to records to aggregate by group."""
    columns = {"id": [s.id for s in subjects]}
    columns.update({g: [s.groups.get(g, "") for s in subjects] for g in groups})
    table = pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})
    store.con.register(f"{MEMBERS}_arrow", table)
    store.con.execute(f"CREATE OR REPLACE TABLE {MEMBERS} AS SELECT * FROM {MEMBERS}_arrow")
    store.con.unregister(f"{MEMBERS}_arrow")


def group_target(ind: Indicator, members: Sequence[Row]) -> ResolvedTarget | None:
    """Additive targets add up over the members; a rate or level target must be common to all."""
    targets = [s.target for m in members for s in m.scored if s.indicator is ind and s.target]
    values = [t.value for t in targets]
    if ind.additive:
        numbers = [v for v in values if isinstance(v, Decimal)]
        if not numbers:
            return None
        return ResolvedTarget(sum(numbers, Decimal(0)), f"sum of {len(numbers)} members' targets")
    if len(targets) == len(members) and len(set(values)) == 1:
        return ResolvedTarget(values[0], "the members' common target")
    return None


def score_group(
    ruleset: Ruleset,
    group: str,
    value: str,
    period: Period,
    members: list[Row],
    cell: dict[str, object],
) -> GroupRow:
    metrics = metric_values(ruleset, cell)
    scored = score_indicators(
        ruleset, cell, metrics, lambda ind: group_target(ind, members), period.id
    )
    total = total_of(scored)
    return GroupRow(group, value, period, members, metrics, scored, total)


def group_rows(
    ruleset: Ruleset, store: Store, rows: Sequence[Row], periods: Sequence[Period]
) -> list[GroupRow]:
    """One row per group value and period, for every group in `subjects.groups`."""
    result: list[GroupRow] = []
    aggs = all_aggregations(ruleset)
    for group in ruleset.subjects.groups:
        values = run_aggregations(store, aggs, ruleset.calendar.frequency, periods, group)
        teams: dict[tuple[str, str], list[Row]] = defaultdict(list)
        for row in rows:
            if row.subject.groups.get(group):
                teams[(row.subject.groups[group], row.period.id)].append(row)
        for (value, _), members in sorted(teams.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            cell = dict(values.get((value, members[0].period.id), {}))
            result.append(score_group(ruleset, group, value, members[0].period, members, cell))
    return result


def attach_group_names(rows: Sequence[Row], groups: Sequence[GroupRow]) -> None:
    """Let each member's expressions read its groups' results: `team.revenue.attainment`."""
    by_key = {(g.group, g.value, g.period.id): g for g in groups}
    for row in rows:
        for group, value in row.subject.groups.items():
            found = by_key.get((group, value, row.period.id))
            if found is not None:
                row.group_names.update(found.names())
