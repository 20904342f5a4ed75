"""One scan of each source for every check: how many records each condition a check asks about
keeps, counted together (`count(*) FILTER (WHERE …)`), so a healthy run pays a single pass."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from kpiengine.data.store import Store


class Census:
    """Conditions asked per source, then counted in one query per source."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.wanted: dict[str, dict[str, tuple[str, list[Any]]]] = defaultdict(dict)
        self.counts: dict[tuple[str, str], int] = {}

    def ask(self, source: str, key: str, where: str, params: list[Any] | None = None) -> None:
        """Count the records of `source` that `where` keeps, under `key`."""
        self.wanted[source][key] = (where, list(params or []))

    def take(self) -> None:
        """Count everything asked: one scan per source."""
        for source, conditions in self.wanted.items():
            keys = list(conditions)
            selects = ", ".join(f"count(*) FILTER (WHERE {conditions[key][0]})" for key in keys)
            params = [p for key in keys for p in conditions[key][1]]
            row = self.store.query(f"SELECT {selects} FROM {self.store.view(source)}", params)[0]
            self.counts.update({(source, key): int(n) for key, n in zip(keys, row, strict=True)})

    def __getitem__(self, item: tuple[str, str]) -> int:
        return self.counts[item]
