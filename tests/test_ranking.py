from decimal import Decimal

from kpiengine.ranking import competition_ranks, ranks_within


def test_ties_share_a_rank_and_the_next_rank_is_skipped():
    scores = {"a": Decimal(90), "b": Decimal(85), "c": Decimal(85), "d": Decimal(70)}
    assert competition_ranks(scores) == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_ranks_are_counted_within_each_group_only():
    totals = {"a": Decimal(50), "b": Decimal(60), "c": Decimal(10), "d": Decimal(5)}
    group = {"a": "east", "b": "east", "c": "south", "d": "south"}
    assert ranks_within(list(totals), totals, group) == {"a": 2, "b": 1, "c": 1, "d": 2}
