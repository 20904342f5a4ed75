"""The engine's CRM fields as HubSpot properties, and the columns a request resolves to.

Every CRM source offers the same engine fields, so a ruleset switches CRMs by changing only its
`sources` block; any other name a request carries is a HubSpot property's internal name (from
the source's `fields` mapping).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Literal

from kpiengine import FieldType

Role = Literal["id", "owner", "stage", "won", "modified", "currency", "plain"]
"""How a column's value is made from the record: its id, an owner or stage looked up, the
won flag of its stage, a modification time as UTC text, the currency (the account's when the
deal has none), or the property as it is."""

MODIFIED_BY_OBJECT = {"contacts": "lastmodifieddate", "0-1": "lastmodifieddate"}
"""Contacts name their modification time differently from every other object."""
MODIFIED = "hs_lastmodifieddate"
CREATED = "createdate"
PIPELINE = "pipeline"


@dataclass(frozen=True)
class EngineField:
    kind: FieldType
    prop: str | None
    role: Role


ENGINE_FIELDS: dict[str, EngineField] = {
    "id": EngineField("string", None, "id"),
    "name": EngineField("string", "dealname", "plain"),
    "owner": EngineField("string", "hubspot_owner_id", "owner"),
    "amount": EngineField("number", "amount", "plain"),
    "currency": EngineField("string", "deal_currency_code", "currency"),
    "stage": EngineField("string", "dealstage", "stage"),
    "won": EngineField("boolean", "dealstage", "won"),
    "created_on": EngineField("date", CREATED, "plain"),
    "closed_on": EngineField("date", "closedate", "plain"),
    "modified_at": EngineField("string", MODIFIED, "modified"),
}
ENGINE_TYPES: dict[str, FieldType] = {name: f.kind for name, f in ENGINE_FIELDS.items()}


def modified_property(object_type: str) -> str:
    """The property holding a record's last modification time."""
    return MODIFIED_BY_OBJECT.get(object_type, MODIFIED)


@dataclass(frozen=True)
class Column:
    """A column the source delivers: the name asked for, its type, the property (`prop`)
    behind it, how its value is made, and the time zone of its dates."""

    name: str
    kind: FieldType
    prop: str | None
    role: Role
    zone: tzinfo

    @property
    def dates_records(self) -> bool:
        """Whether the period filter can use this column's property."""
        return self.prop is not None and self.role in ("plain", "modified")


def _engine_column(name: str, kind: FieldType, object_type: str, zone: tzinfo) -> Column:
    field = ENGINE_FIELDS[name]
    prop = modified_property(object_type) if field.role == "modified" else field.prop
    return Column(name, kind, prop, field.role, zone)


def plan_columns(
    wanted: Mapping[str, FieldType],
    object_type: str,
    zone: tzinfo,
    property_types: Mapping[str, str],
) -> list[Column]:
    """The requested columns: engine fields by their meaning, anything else as a property.

    A date-only property (HubSpot type `date`) is stored at UTC midnight: its day is read in UTC.
    """
    columns = []
    for name, kind in wanted.items():
        if name in ENGINE_FIELDS:
            columns.append(_engine_column(name, kind, object_type, zone))
        else:
            own = UTC if property_types.get(name) == "date" else zone
            columns.append(Column(name, kind, name, "plain", own))
    return columns


def properties_of(columns: list[Column], *extra: str) -> tuple[str, ...]:
    """The properties to ask HubSpot for: the columns' and `extra`, each once."""
    names = [c.prop for c in columns if c.prop is not None]
    return tuple(dict.fromkeys([*names, *extra]))
