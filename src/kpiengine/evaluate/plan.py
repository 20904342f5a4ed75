"""A whole plan on DuckDB: spine, measures, targets, scores, groups, incentives, feedback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kpiengine.data.store import Store
from kpiengine.data.subjects import Subject
from kpiengine.evaluate.aggregations import all_aggregations, register_members
from kpiengine.evaluate.frame import Frame
from kpiengine.evaluate.groups import group_frame, join_group_names
from kpiengine.evaluate.incentives import add_incentives
from kpiengine.evaluate.kinds import check_kinds
from kpiengine.evaluate.measures import add_measures, join_aggregations
from kpiengine.evaluate.publish import result_table
from kpiengine.evaluate.scores import add_ranks, expression_sql, score_frame
from kpiengine.evaluate.spine import start_spine
from kpiengine.evaluate.targets import add_targets
from kpiengine.evaluate.working import add_working
from kpiengine.money import minor_units
from kpiengine.names import PEOPLE, feedback_column
from kpiengine.plan.periods import Period
from kpiengine.plan.ruleset import Ruleset
from kpiengine.results import ResultTable


def add_feedback_flags(frame: Frame, ruleset: Ruleset) -> None:
    frame.add(
        {
            feedback_column(n): f"COALESCE({expression_sql(item.when)}, FALSE)"
            for n, item in enumerate(ruleset.feedback)
        },
        rules={feedback_column(n): item.when.rule for n, item in enumerate(ruleset.feedback)},
    )


def people_frame(
    ruleset: Ruleset,
    store: Store,
    subjects: Sequence[Subject],
    periods: Sequence[Period],
    all_periods: Sequence[Period],
    trace: bool = False,
    checked: bool = False,
) -> Frame:
    """Every subject × period scored, ranked, with its groups' results joined in."""
    groups = ruleset.subjects.groups
    people = Frame(store.con, PEOPLE, checked=checked)
    start_spine(people, subjects, periods, groups, ruleset.calendar.frequency)
    join_aggregations(people, store, ruleset, all_aggregations(ruleset), periods)
    add_measures(people, ruleset)
    add_targets(people, store, ruleset, subjects, periods, all_periods, trace)
    score_frame(people, ruleset)
    people.materialize()  # what every later stage reads
    add_ranks(people, groups)
    return people


def group_frames(
    people: Frame,
    ruleset: Ruleset,
    store: Store,
    subjects: Sequence[Subject],
    periods: Sequence[Period],
) -> list[tuple[str, Frame]]:
    register_members(store, subjects, ruleset.subjects.groups)
    frames = []
    for number, group in enumerate(ruleset.subjects.groups):
        frame = group_frame(people, store, ruleset, group, number, periods)
        join_group_names(people, frame, ruleset, group)
        frames.append((group, frame))
    return frames


@dataclass
class Evaluation:
    """The plan's results, and the frames they were published from (read by `explain`)."""

    table: ResultTable
    people: Frame
    groups: list[tuple[str, Frame]]


def evaluate_columnar(
    ruleset: Ruleset,
    store: Store,
    subjects: Sequence[Subject],
    periods: Sequence[Period],
    all_periods: Sequence[Period],
    *,
    trace: bool = False,
    checked: bool = False,
) -> Evaluation:
    """Each subject's and each group's results for the periods, computed as columns; traced, the
    frames also hold the working `explain` reads (target choices, incentive steps, bands).
    Checked, a value that cannot be computed stops the run naming its rule and row
    (`evaluate.checked`)."""
    people = people_frame(ruleset, store, subjects, periods, all_periods, trace, checked)
    groups = group_frames(people, ruleset, store, subjects, periods)
    check_kinds(people, ruleset)
    places = minor_units(ruleset.currency)
    add_incentives(people, ruleset.incentives, places)
    add_feedback_flags(people, ruleset)
    if trace:
        add_working(people, ruleset, places)
    return Evaluation(result_table(people, groups, ruleset, places), people, groups)
