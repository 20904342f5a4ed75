"""How runs use the source cache (`--refresh`, `--no-cache`), set around a command: kept apart
from the cache itself so that a command reads it without importing pyarrow."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class CachePolicy:
    """How runs use the cache: `refresh` fetches every cacheable source again and replaces its
    entry; `enabled=False` neither reads nor writes the cache."""

    enabled: bool = True
    refresh: bool = False


_POLICY: ContextVar[CachePolicy | None] = ContextVar("kpiengine_cache_policy", default=None)


@contextmanager
def caching(policy: CachePolicy) -> Iterator[None]:
    """Runs inside this block use the cache as `policy` says; outside any block, runs don't.

    The command line wraps `run` and `explain` in it; a library caller opts in the same way.
    """
    token = _POLICY.set(policy)
    try:
        yield
    finally:
        _POLICY.reset(token)


def current_policy() -> CachePolicy | None:
    """The policy of the innermost `caching` block, or None outside any."""
    return _POLICY.get()
