"""What kind of value each name of a result expression holds, and what each rule's expression
must give: a number where an amount, a score or a tier's `on` belongs, a condition in `where`,
`when` and `gate`. Checked when the ruleset is loaded, so a condition never pays as 1 and text
never as 0."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kpiengine.expressions.kinds import KIND_WORDS, Kind, known

OWN_FIELDS = ("actual", "target", "attainment", "weight")
"""What an indicator's own `score` reads by bare name."""

RESULTS: dict[str, Kind] = {"total": "number", "grade": "text"}


@dataclass(frozen=True)
class Wanted:
    """The kinds an expression may give in one place of a ruleset, in the user's words."""

    kinds: tuple[Kind, ...]
    words: str

    def refusal(self, found: Kind) -> str | None:
        """Why a value of kind `found` does not fit here (None when it fits or is not known)."""
        if not known(found) or found in self.kinds:
            return None
        return f"this gives {KIND_WORDS[found]} where {self.words} is needed{_hint(found, self)}"


NUMBER = Wanted(("number",), "a number")
LEVEL = Wanted(("number", "text"), "a number or a level name")
CONDITION = Wanted(("bool",), "a condition (true or false)")


def _hint(found: Kind, wanted: Wanted) -> str:
    if found == "bool" and "number" in wanted.kinds:
        return "; to count a condition as 1 write 1 if … else 0"
    if found == "number" and wanted is CONDITION:
        return "; compare the number, e.g. x > 0"
    return ""


def indicator_kinds(raw: Mapping[str, Any]) -> dict[str, Kind]:
    """An indicator's fields: a level indicator's actual (the last level reached) and target
    are level names; everything else is a number."""
    levels = isinstance(raw.get("levels"), Mapping)
    actual = raw.get("actual")
    actual_kind: Kind = "number"
    if levels and isinstance(actual, Mapping):
        actual_kind = "text" if "last" in actual else "number"
    elif levels:
        actual_kind = "any"  # a derived level: a name or a number, checked as LEVEL
    return {
        "actual": actual_kind,
        "target": "text" if levels else "number",
        "attainment": "number",
        "weight": "number",
        "score": "number",
    }


def result_kinds(data: Mapping[str, Any]) -> dict[str, Kind]:
    """The kind of every name a result expression may read: metrics (numbers), each
    indicator's fields, each group's (`team.revenue.attainment`), `total` and `grade`."""
    kinds: dict[str, Kind] = {str(m): "number" for m in data.get("metrics") or {}}
    groups = _groups(data)
    for raw in data.get("indicators") or []:
        if not isinstance(raw, Mapping) or "id" not in raw:
            continue
        for field, kind in indicator_kinds(raw).items():
            for prefix in ("", *(f"{g}." for g in groups)):
                kinds[f"{prefix}{raw['id']}.{field}"] = kind
    return kinds | RESULTS


def score_kinds(kinds: Mapping[str, Kind], raw: Mapping[str, Any]) -> dict[str, Kind]:
    """What an indicator's `score` reads: the plan's names, and its own fields by bare name."""
    own = indicator_kinds(raw)
    return {**kinds, **{field: own[field] for field in OWN_FIELDS}}


def _groups(data: Mapping[str, Any]) -> Iterable[str]:
    subjects = data.get("subjects")
    groups = subjects.get("groups") if isinstance(subjects, Mapping) else None
    return [str(g) for g in groups] if isinstance(groups, list) else []
