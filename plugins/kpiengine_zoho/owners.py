"""A record's owner as the engine's `owner`: the user's email, full name or id (`owner_key`).

Get Records sends `Owner` as `{name, id, email}`; a COQL query sends only `{id}`, so the users
are then read once (`/users`, active and deactivated: old deals keep their departed owners).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Directory = Mapping[str, Mapping[str, str | None]]
"""User id → {"email": …, "name": …}."""


class Owners:
    """Resolves Owner lookups per `owner_key`; `load_users` is called at most once, when needed."""

    def __init__(self, key: str, load_users: Callable[[], Directory]) -> None:
        self.key = key
        self._load = load_users
        self._users: Directory | None = None
        self.unknown: set[str] = set()
        """Owner ids that are not among the org's users (their `owner` is empty)."""

    def of(self, owner: Any) -> str | None:
        """The owner's email, name or id; None when the record has no owner."""
        if not isinstance(owner, Mapping) or owner.get("id") in (None, ""):
            return None
        user_id = str(owner["id"])
        if self.key == "id":
            return user_id
        found = owner.get(self.key)
        if found not in (None, ""):
            return str(found)
        return self._from_directory(user_id)

    def _from_directory(self, user_id: str) -> str | None:
        if self._users is None:
            self._users = self._load()
        user = self._users.get(user_id)
        if user is None:
            self.unknown.add(user_id)
            return None
        return user.get(self.key)
