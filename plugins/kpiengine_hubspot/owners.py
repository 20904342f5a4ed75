"""Deal owners from `/crm/v3/owners`: a deal's `hubspot_owner_id` is the owner's `id`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kpiengine import JsonApi
from kpiengine_hubspot.listing import listed

OWNERS = "/crm/v3/owners"
PAGE = 100
"""The owners endpoint's default page size, the one its specification documents."""


@dataclass(frozen=True)
class Owner:
    """One HubSpot owner (a user, or a queue, which has no email)."""

    id: str
    email: str | None
    name: str | None

    def key(self, owner_key: str) -> str | None:
        """The owner as the option `owner_key` asks: email, name or id."""
        if owner_key == "email":
            return self.email
        if owner_key == "name":
            return self.name or self.email
        return self.id


def _text(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    return str(value).strip() or None


def owner_from(raw: Mapping[str, Any]) -> Owner:
    """An owner from the API; unknown keys (teams, userId, …) are ignored."""
    parts = (_text(raw, "firstName"), _text(raw, "lastName"))
    name = " ".join(p for p in parts if p) or None
    return Owner(str(raw.get("id") or ""), _text(raw, "email"), name)


def load_owners(api: JsonApi) -> dict[str, Owner]:
    """Every owner by id, deactivated (archived) ones too: old deals still point at them."""
    owners: dict[str, Owner] = {}
    for archived in ("false", "true"):
        params = {"limit": PAGE, "archived": archived}
        for page in listed(api, OWNERS, params, "owners"):
            for raw in page:
                owner = owner_from(raw)
                if owner.id:
                    owners.setdefault(owner.id, owner)
    return owners
