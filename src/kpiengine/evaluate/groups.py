"""Group results as a frame of their own: each group's records aggregated together, additive
targets summed over the members, a rate or level target kept when all members share it."""

from __future__ import annotations

from collections.abc import Sequence

from kpiengine.data.store import Store
from kpiengine.evaluate.aggregations import all_aggregations
from kpiengine.evaluate.checked import group as group_row
from kpiengine.evaluate.frame import Frame
from kpiengine.evaluate.measures import add_measures, join_aggregations
from kpiengine.evaluate.scores import score_frame
from kpiengine.names import (
    GROUP,
    MEMBER_IDS,
    MONTHS,
    PEND,
    PERIOD,
    PIDX,
    PSTART,
    SUBJECT,
    VALUE,
    group_column,
    group_prefix,
)
from kpiengine.plan.periods import Period
from kpiengine.plan.ruleset import Ruleset
from kpiengine.sql import ident

_SUBJECT = ident(SUBJECT)
_PERIOD = ident(PERIOD)
_PIDX = ident(PIDX)
_PSTART = ident(PSTART)
_PEND = ident(PEND)
_MONTHS = ident(MONTHS)
_VALUE = ident(VALUE)
_GROUP = ident(GROUP)
_MEMBER_IDS = ident(MEMBER_IDS)

FIELDS = ("actual", "target", "attainment", "weight", "score")


def group_spine_sql(people: str, group: str) -> str:
    g = ident(group_column(group))
    return (
        f"SELECT ? AS {_GROUP}, {g} AS {_VALUE}, {_PERIOD}, ANY_VALUE({_PIDX}) AS {_PIDX}, "
        f"ANY_VALUE({_PSTART}) AS {_PSTART}, ANY_VALUE({_PEND}) AS {_PEND}, "
        f"ANY_VALUE({_MONTHS}) AS {_MONTHS}, list({_SUBJECT} ORDER BY {_SUBJECT}) AS {_MEMBER_IDS} "
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
    return f"SELECT {g} AS {_VALUE}, {_PERIOD}, {', '.join(columns)} FROM {people} GROUP BY ALL"


def group_frame(
    people: Frame,
    store: Store,
    ruleset: Ruleset,
    group: str,
    number: int,
    periods: Sequence[Period],
) -> Frame:
    """One row per group value and period, scored like a person."""
    frame = Frame(people.con, group_prefix(number), checked=people.checked, who=group_row())
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
        f"LEFT JOIN {targets} AS m ON m.{_VALUE} = t.{_VALUE} AND m.{_PERIOD} = t.{_PERIOD}",
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
    on = f"gr.{_VALUE} = t.{ident(group_column(name))} AND gr.{_PERIOD} = t.{_PERIOD}"
    people.add(columns, f"LEFT JOIN {group.table} AS gr ON {on}")
