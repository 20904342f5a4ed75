"""The engine's own names: every column and table the plan makes beside the user's ids.

A user's id matches `[A-Za-z_][A-Za-z0-9_]*` (and an indicator's columns add `.actual`,
`.target`, …). Every name here starts with `$`, which no id may contain, so a metric called
`__period`, `total_` or `grade_name` can never stand for one of the engine's columns. This is
the only module that spells them; every other module imports them from here.
"""

from __future__ import annotations

MARK = "$"


def internal(word: str) -> str:
    """An engine name (`$word`): out of reach of anything a ruleset can name."""
    return f"{MARK}{word}"


# the spine: one row per subject × period
SUBJECT, NAME, PERIOD, PIDX = (internal(w) for w in ("subject", "name", "period", "pidx"))
PSTART, PEND, MONTHS, START = (internal(w) for w in ("pstart", "pend", "months", "start"))
ROW_ORDER = internal("row_order")
"""The row's place in the results: by period, then subject id (numbered on the narrow spine,
so the wide result rows are sorted by one integer)."""

# scores and results
TOTAL, GRADE, GRADE_NAME = internal("total"), internal("grade"), internal("grade_name")

# groups
GROUP, VALUE, MEMBER_IDS = internal("gname"), internal("gvalue"), internal("member_ids")
GROUP_NUMBER = internal("gno")
GROUP_PIDX, GROUP_VALUE = internal("gpidx"), internal("gval")
"""The group results' sort keys beside GROUP_NUMBER (period index, group value)."""
MEMBERS_ARROW = internal("members_arrow")
MEMBERS = internal("members")
"""The table of each subject's groups, read when a group's records are aggregated."""

# the working explain reads
NEXT_BAND, TO_NEXT_BAND = internal("work:grade:next"), internal("work:grade:gap")

# records and aggregation tables
RECORD = internal("row")
"""A record's position in what its source delivered (a column of every source view)."""
SOURCE_ROW = internal("kpiengine_row")
"""The position column added to a source's Arrow table before its view renames it RECORD."""
OWNER, APERIOD = internal("owner"), internal("aperiod")
"""An aggregation table's key: whose records, and the period's index within its year."""

# result tables and notes
ORDER = internal("order")
NOTES = internal("notes")
NOTE_KEY, NOTE_PIDX, NOTE_FEEDBACK = internal("nkey"), internal("npidx"), internal("nfeedback")

# tables the targets stage registers
PERIOD_TEXTS, SHARES, BOARDS = internal("tp"), internal("share"), internal("board")
SPINE_SUBJECTS, SPINE_PERIODS = internal("spine_subjects"), internal("spine_periods")
PEOPLE = internal("people")


def group_column(group: str) -> str:
    """The spine column holding each subject's value of a group (`team` → `$group:team`)."""
    return internal(f"group:{group}")


def group_prefix(number: int) -> str:
    return internal(f"group{number}")


def rank_column(group: str) -> str:
    return internal(f"rank:{group}")


def feedback_column(number: int) -> str:
    return internal(f"feedback:{number}")


def line_column(incentive: str) -> str:
    """An incentive line's amount, rounded to the minor unit."""
    return internal(f"line:{incentive}")


def honored_column(incentive: str) -> str:
    return internal(f"honored:{incentive}")


def shown_column(incentive: str) -> str:
    """Whether an honor is listed: won, and its gate holds."""
    return internal(f"shown:{incentive}")


def agg_column(rule: str, part: str = "") -> str:
    """An aggregation's value (`part` `#sum` and `#count` for an average's two halves)."""
    return internal(f"agg:{rule}{part}")


def agg_table(prefix: str, source: str, date: str | None) -> str:
    """The table of one (source, date field) scan, named by what it scans: a group's frame finds
    the people frame's table by the same key."""
    return f"{prefix}_agg:{source}:{date or ''}"


def working_column(incentive: str, part: str) -> str:
    """A step of an incentive line's working that `explain` reads (`on`, `base`, `raw`, …)."""
    return internal(f"work:{incentive}:{part}")


def raw_score_column(indicator: str) -> str:
    """The score before `no data` and `no score` become 0 (NULL where there is none)."""
    return internal(f"raw_score:{indicator}")


def weighted_column(indicator: str) -> str:
    """weight × actual / target, before an indicator's cap and its `no data` rule."""
    return internal(f"weighted:{indicator}")


def estimate_column(quotient: str) -> str:
    """The DOUBLE estimate of a quotient column's units (see `kpiengine.numeric`)."""
    return internal(f"estimate:{quotient}")


def target_how_column(indicator: str) -> str:
    """How an indicator's target was chosen (a row, a split, the ruleset's), when traced."""
    return internal(f"target_how:{indicator}")


def indicator_column(indicator: str, part: str) -> str:
    """An indicator's own column (`revenue.actual`): the name expressions read it by."""
    return f"{indicator}.{part}"
