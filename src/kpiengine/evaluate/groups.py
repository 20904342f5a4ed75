"""Group results as a frame of their own: each group's records aggregated together, additive
targets summed over the members, a rate or level target kept when all members share it."""

from __future__ import annotations

from collections.abc import Sequence

from kpiengine.data.store import Store
from kpiengine.evaluate.frame import Frame
from kpiengine.evaluate.measures import add_measures, join_aggregations
from kpiengine.evaluate.scores import score_frame
from kpiengine.evaluate.spine import MONTHS, PEND, PERIOD, PIDX, PSTART, SUBJECT, group_column
from kpiengine.plan.periods import Period
from kpiengine.plan.ruleset import Ruleset
from kpiengine.rows import all_aggregations
from kpiengine.sql import ident

GROUP, VALUE, MEMBERS = "__gname", "__gvalue", "__member_ids"
FIELDS = ("actual", "target", "attainment", "weight", "score")


def group_spine_sql(people: str, group: str) -> str:
    g = ident(group_column(group))
    return (
        f"SELECT ? AS {GROUP}, {g} AS {VALUE}, {PERIOD}, ANY_VALUE({PIDX}) AS {PIDX}, "
        f"ANY_VALUE({PSTART}) AS {PSTART}, ANY_VALUE({PEND}) AS {PEND}, "
        f"ANY_VALUE({MONTHS}) AS {MONTHS}, list({SUBJECT} ORDER BY {SUBJECT}) AS {MEMBERS} "
        f"FROM {people} WHERE {g} <> '' GROUP BY ALL"
    )


def member_targets_sql(people: str, ruleset: Ruleset, group: str) -> str:
    g = ident(group_column(group))
    columns = []
    for ind in ruleset.indicators:
        t = ident(f"{ind.id}.target")
        if ind.additive:
            value = f"SUM({t})"
        else:
            common = f"COUNT(DISTINCT {t}) = 1 AND COUNT({t}) = COUNT(*)"
            value = f"CASE WHEN {common} THEN ANY_VALUE({t}) END"
        columns.append(f"{value} AS {ident(f'{ind.id}.target')}")
    return f"SELECT {g} AS {VALUE}, {PERIOD}, {', '.join(columns)} FROM {people} GROUP BY ALL"


def group_frame(
    people: Frame,
    store: Store,
    ruleset: Ruleset,
    group: str,
    number: int,
    periods: Sequence[Period],
) -> Frame:
    """One row per group value and period, scored like a person."""
    frame = Frame(people.con, f"__group{number}")
    frame.start(group_spine_sql(people.table, group), [group])
    aggs = all_aggregations(ruleset)
    join_aggregations(frame, store, ruleset, aggs, periods, VALUE, group, people.prefix)
    add_measures(frame, ruleset)
    targets = ident(f"{frame.prefix}_targets")
    people.con.execute(
        f"CREATE OR REPLACE TABLE {targets} AS {member_targets_sql(people.table, ruleset, group)}"
    )
    frame.add(
        {f"{i.id}.target": f"m.{ident(f'{i.id}.target')}" for i in ruleset.indicators},
        f"LEFT JOIN {targets} AS m ON m.{VALUE} = t.{VALUE} AND m.{PERIOD} = t.{PERIOD}",
    )
    score_frame(frame, ruleset)
    frame.materialize()
    return frame


def join_group_names(people: Frame, group: Frame, ruleset: Ruleset, name: str) -> None:
    """Members read their group's result as `team.revenue.attainment` (only the names the plan
    reads are joined)."""
    columns = {
        f"{name}.{i.id}.{f}": f"gr.{ident(f'{i.id}.{f}')}"
        for i in ruleset.indicators
        for f in FIELDS
        if f"{name}.{i.id}.{f}" in ruleset.names_read
    }
    on = f"gr.{VALUE} = t.{ident(group_column(name))} AND gr.{PERIOD} = t.{PERIOD}"
    people.add(columns, f"LEFT JOIN {group.table} AS gr ON {on}")
