"""The object's properties from `/crm/v3/properties/{object}`: names and types.

Asked only when the ruleset reads a property by its own name (through `fields`): HubSpot
silently ignores an unknown name in a query, so a misspelt one would read as an empty column.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from kpiengine import JsonApi, Refused
from kpiengine_hubspot.listing import results


def load_properties(api: JsonApi, object_type: str) -> dict[str, str]:
    """Every property of `object_type`: internal name → HubSpot type (string, date, …)."""
    payload = api.get(f"/crm/v3/properties/{object_type}")
    found = results(payload, api.who, "properties")
    return {str(p["name"]): str(p.get("type") or "string") for p in found if p.get("name")}


def check_names(names: Iterable[str], known: Mapping[str, str], who: str, option: str) -> None:
    """`Refused` naming the first name that is not a property, with the closest one."""
    for name in names:
        if name in known:
            continue
        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f" — did you mean '{close[0]}'?" if close else ""
        raise Refused(
            f"{who}: HubSpot has no property '{name}'{hint}; write a property's internal name "
            f"(Settings → Properties → the property → details) in {option}"
        )
