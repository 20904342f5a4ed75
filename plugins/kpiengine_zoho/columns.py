"""The columns a fetch delivers: engine fields and Zoho API fields, and what each needs from Zoho.

Engine fields (so a ruleset switches CRMs by changing only its `sources` block): `id`, `name`,
`owner`, `amount`, `currency`, `stage`, `won`, `created_on`, `closed_on`, `modified_at`. Any
other requested column is a Zoho field API name (`Lead_Source`, `Region__c`), read as is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from kpiengine import FieldType
from kpiengine.connectors import CRM_FIELDS, parse_number
from kpiengine_zoho import values
from kpiengine_zoho.owners import Owners
from kpiengine_zoho.settings import Settings

Record = Mapping[str, Any]
Reader = Callable[[Record, Owners], Any]
DateKind = Literal["date", "datetime"]

ENGINE_FIELDS: dict[str, FieldType] = CRM_FIELDS
DATE_FIELDS: dict[str, DateKind] = {
    "Closing_Date": "date",
    "Created_Time": "datetime",
    "Modified_Time": "datetime",
}
"""Zoho's standard date fields and whether each holds a date or a date-time (for COQL)."""
WON_PROBABILITY = 100


@dataclass(frozen=True)
class Column:
    """A delivered column: its requested name and type, the Zoho fields behind it, its reader."""

    name: str
    type: FieldType
    needs: tuple[str, ...]
    read: Reader

    @property
    def date_field(self) -> tuple[str, DateKind] | None:
        """The Zoho date field it is (for the period filter), when its kind is known."""
        if len(self.needs) == 1 and self.needs[0] in DATE_FIELDS:
            return self.needs[0], DATE_FIELDS[self.needs[0]]
        return None


def _field(name: str) -> Reader:
    return lambda record, owners: record.get(name)


def _won(settings: Settings) -> tuple[tuple[str, ...], Reader]:
    stages = settings.won_stages
    if stages is not None:

        def by_stage(record: Record, owners: Owners) -> bool | None:
            stage = record.get("Stage")
            return None if values.empty(stage) else stage in stages

        return ("Stage",), by_stage

    def by_probability(record: Record, owners: Owners) -> bool | None:
        found = parse_number(record.get("Probability"))
        return None if found is None else found >= WON_PROBABILITY

    return ("Probability",), by_probability


def _engine(settings: Settings) -> dict[str, tuple[tuple[str, ...], Reader]]:
    return {
        "id": ((), _field("id")),
        "name": ((settings.name_field,), _field(settings.name_field)),
        "owner": (("Owner",), lambda r, owners: owners.of(r.get("Owner"))),
        "amount": (("Amount",), _field("Amount")),
        "currency": (("Currency",), _field("Currency")),
        "stage": (("Stage",), _field("Stage")),
        "won": _won(settings),
        "created_on": (("Created_Time",), lambda r, o: values.day(r.get("Created_Time"))),
        "closed_on": (("Closing_Date",), _field("Closing_Date")),
        "modified_at": (("Modified_Time",), lambda r, o: values.utc_text(r.get("Modified_Time"))),
    }


def plan_columns(wanted: Mapping[str, FieldType], settings: Settings) -> list[Column]:
    """The requested columns (every engine field when none is requested), `id` always first."""
    engine = _engine(settings)
    asked = dict(wanted) or dict(ENGINE_FIELDS)
    columns = [Column("id", asked.pop("id", "string"), *engine["id"])]
    for name, kind in asked.items():
        needs, read = engine.get(name, ((name,), _field(name)))
        columns.append(Column(name, kind, needs, read))
    return columns


def zoho_fields(columns: list[Column]) -> list[str]:
    """The Zoho API field names to ask for, each once, in order (`id` comes anyway)."""
    return list(dict.fromkeys(f for c in columns for f in c.needs))
