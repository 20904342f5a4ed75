"""The org's users (`GET /crm/{version}/users`), for owners a COQL query names only by id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kpiengine import Refused
from kpiengine_zoho.connection import Crm
from kpiengine_zoho.owners import Directory

USER_TYPES = ("ActiveUsers", "DeactiveUsers")
PER_PAGE = 200
MAX_PAGES = 500
"""A bound on the paging loop (100,000 users), so a server that never says "no more" cannot hang
the run."""


def _users(payload: Any, who: str) -> tuple[list[Mapping[str, Any]], bool]:
    users = payload.get("users") if isinstance(payload, Mapping) else None
    if not isinstance(users, list) or not all(isinstance(u, Mapping) for u in users):
        raise Refused(f"{who}: Zoho's list of users has no `users`")
    info = payload.get("info")
    more = isinstance(info, Mapping) and info.get("more_records") is True
    return users, more


def _entry(user: Mapping[str, Any]) -> dict[str, str | None]:
    name = user.get("full_name")
    if not name:
        parts = (user.get("first_name"), user.get("last_name"))
        name = " ".join(str(p) for p in parts if p) or None
    email = user.get("email")
    return {"email": str(email) if email else None, "name": str(name) if name else None}


def load_users(crm: Crm) -> Directory:
    """Every active and deactivated user, by id."""
    found: dict[str, dict[str, str | None]] = {}
    for kind in USER_TYPES:
        for page in range(1, MAX_PAGES + 1):
            params = {"type": kind, "page": page, "per_page": PER_PAGE}
            payload = crm.api.get(crm.users_path, params)
            if payload is None:  # HTTP 204: none of this kind
                break
            users, more = _users(payload, crm.who)
            found.update({str(u["id"]): _entry(u) for u in users if u.get("id")})
            if not more:
                break
    return found
