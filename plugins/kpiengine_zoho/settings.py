"""The options that shape what is read, resolved once: module, version, owner key, won rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kpiengine_zoho.options import DEFAULT_API_VERSION, DEFAULT_MODULE, DEFAULT_OWNER_KEY

NAME_FIELDS = {
    "Deals": "Deal_Name",
    "Accounts": "Account_Name",
    "Contacts": "Full_Name",
    "Leads": "Full_Name",
    "Campaigns": "Campaign_Name",
    "Products": "Product_Name",
}
"""The field behind `name` in the standard modules; custom modules call it `Name`."""


@dataclass(frozen=True)
class Settings:
    module: str = DEFAULT_MODULE
    api_version: str = DEFAULT_API_VERSION
    owner_key: str = DEFAULT_OWNER_KEY
    won_stages: frozenset[str] | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Settings:
        stages = options.get("won_stages")
        return cls(
            module=str(options.get("module") or DEFAULT_MODULE),
            api_version=str(options.get("api_version") or DEFAULT_API_VERSION),
            owner_key=str(options.get("owner_key") or DEFAULT_OWNER_KEY),
            won_stages=frozenset(str(s) for s in stages) if stages else None,
        )

    @property
    def name_field(self) -> str:
        return NAME_FIELDS.get(self.module, "Name")
