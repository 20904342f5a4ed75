"""The columns a fetch delivers: engine fields and vendor fields, each with its SOQL field path.

Engine fields (the same in every CRM source) map to the object's standard fields; the owner is
read through the Owner relationship (the User it points to) as the `owner_key` option says. Any
other requested column is taken as a Salesforce field API name, possibly through relationships
(`Region__c`, `Account.Name`), as the ruleset's `fields` mapping names it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kpiengine import FieldType
from kpiengine.connectors import CRM_FIELDS, Refused

ENGINE_FIELDS: dict[str, FieldType] = CRM_FIELDS
"""What every CRM source offers, by engine name, with the type it comes as."""

STANDARD_PATHS = {
    "id": "Id",
    "name": "Name",
    "amount": "Amount",
    "currency": "CurrencyIsoCode",
    "stage": "StageName",
    "won": "IsWon",
    "created_on": "CreatedDate",
    "closed_on": "CloseDate",
    "modified_at": "SystemModstamp",
}
OWNER_PATHS = {"email": "Owner.Email", "name": "Owner.Name", "id": "OwnerId"}
CURRENCY_PATH = "CurrencyIsoCode"

FIELD_PATH = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*){0,4}")
"""An API name, or a path through up to four relationships; nothing else reaches the query."""


@dataclass(frozen=True)
class Column:
    """A delivered column: the name the request used, the field path read, the engine type.

    `path` None means the org has no such field (a single-currency org's currency): every
    record gets `constant`.
    """

    name: str
    path: str | None
    type: FieldType
    constant: str | None = None

    @property
    def steps(self) -> tuple[str, ...]:
        return tuple(self.path.split(".")) if self.path else ()


def engine_path(name: str, owner_key: str) -> str | None:
    """The field path behind an engine field name, None if `name` is not one."""
    if name == "owner":
        return OWNER_PATHS[owner_key]
    return STANDARD_PATHS.get(name)


def plan_columns(
    wanted: Mapping[str, FieldType], owner_key: str, who: str, fields_option: str
) -> list[Column]:
    """The requested columns with their paths; every engine field when none is requested."""
    if not wanted:
        wanted = ENGINE_FIELDS
    return [_column(name, kind, owner_key, who, fields_option) for name, kind in wanted.items()]


def _column(name: str, kind: FieldType, owner_key: str, who: str, fields_option: str) -> Column:
    path = engine_path(name, owner_key)
    if path is not None:
        return Column(name, path, kind)
    if not FIELD_PATH.fullmatch(name):
        raise Refused(
            f"{who}: '{name}' is neither an engine field ({', '.join(ENGINE_FIELDS)}) nor a "
            f"Salesforce field API name such as Region__c or Account.Name — check "
            f"{fields_option}"
        )
    return Column(name, name, kind)


def select_paths(columns: Sequence[Column], always: Sequence[str] = ("Id",)) -> list[str]:
    """The SOQL select list: `always` first, then each column's path once (SOQL refuses a
    field selected twice, whatever its letter case)."""
    chosen: dict[str, str] = {}
    for path in [*always, *(c.path for c in columns if c.path)]:
        chosen.setdefault(path.lower(), path)
    return list(chosen.values())


def raw_value(record: Mapping[str, Any], steps: Sequence[str]) -> Any:
    """The value at a field path in a record; None through an empty relationship."""
    current: Any = record
    for step in steps:
        if not isinstance(current, Mapping):
            return None
        current = _get(current, step)
    return current


def _get(mapping: Mapping[str, Any], key: str) -> Any:
    if key in mapping:
        return mapping[key]
    # Salesforce answers with each field's own spelling, whatever case the query used.
    lowered = key.lower()
    for name, value in mapping.items():
        if name.lower() == lowered:
            return value
    return None
