"""The source cache: a cacheable source's fetched records kept as Parquet, reused until --refresh.

One file per source configuration, named by a hash of everything that shapes the records (plugin,
resolved options, `fields`, requested columns and types, period span). Option values, secrets
included, only ever enter that hash: no option is written to the cache in clear. An entry is
written whole or not at all (temporary file, then rename), so a run reads either one complete
earlier fetch or a complete new one, and a failed fetch leaves the previous entry in place.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from kpiengine.errors import OutputError
from kpiengine.results.atomic import atomic_write
from kpiengine.source import FetchRequest

CACHE_DIR_ENV = "KPIENGINE_CACHE_DIR"
"""Environment variable naming the cache folder, instead of `.kpiengine-cache/` by the ruleset."""
CACHE_DIR_NAME = ".kpiengine-cache"
FORMAT = 1
"""Bumped when the layout of entries changes, so old entries are simply not found again."""

_META_KEY = b"kpiengine.data.cache"
_SAFE_ID = re.compile(r"[A-Za-z0-9_]{1,64}")


@dataclass(frozen=True)
class Fetched:
    """A source's records and the sentences its fetch left for the user."""

    table: pa.Table
    notes: tuple[str, ...] = ()
    """What the source plugin said (rows set aside, owners it could not look up)."""
    watermark: datetime | None = None
    """When these records were current: the next incremental refresh asks for changes since."""
    info: tuple[str, ...] = ()
    """What the engine said about the fetch itself: read from the cache, merged, not kept."""


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


def cache_directory(base_dir: Path) -> Path:
    """`$KPIENGINE_CACHE_DIR` if set, else `.kpiengine-cache/` in the ruleset's folder."""
    configured = os.environ.get(CACHE_DIR_ENV)
    return Path(configured).expanduser() if configured else base_dir / CACHE_DIR_NAME


def active_cache(base_dir: Path) -> SourceCache | None:
    """The cache for a ruleset in `base_dir` under the current policy; None when not caching."""
    policy = _POLICY.get()
    if policy is None or not policy.enabled:
        return None
    return SourceCache(cache_directory(base_dir), refresh=policy.refresh)


def cache_key(
    plugin: str, options: Mapping[str, Any], fields: Mapping[str, str], request: FetchRequest
) -> str:
    """A hex digest of everything that shapes a fetch; options (and their secrets) only hashed."""
    material = {
        "format": FORMAT,
        "plugin": plugin,
        "source": request.source_id,
        "options": options,
        "fields": dict(fields),
        "columns": sorted(request.columns.items()),
        "date_columns": sorted(request.date_columns),
        "period": [str(request.start), str(request.end)],
        "base_dir": str(request.base_dir),
    }
    text = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SourceCache:
    """The cache folder of one run; `refresh` skips reading but still writes."""

    directory: Path
    refresh: bool = False

    def entry(self, source_id: str, key: str) -> Path:
        """The entry's file: the source id (for people looking in the folder) and the key."""
        stem = f"{source_id}-{key}" if _SAFE_ID.fullmatch(source_id) else key
        return self.directory / f"{stem}.parquet"

    def through(
        self,
        key: str,
        request: FetchRequest,
        fetch: Callable[[], Fetched],
        update: Callable[[Fetched], Fetched | None] | None = None,
    ) -> Fetched:
        """The cached records under `key` (brought up to date by `update` when the source can
        tell what changed), or `fetch()`'s; what is returned is then kept under `key`."""
        path = self.entry(request.source_id, key)
        cached = None if self.refresh else read_entry(path, request.source_id)
        if cached is None:
            fetched = fetch()
        else:
            updated = update(cached) if update is not None else None
            if updated is None:
                return cached
            fetched = updated
        problem = self._write(path, _requested(fetched, request), request.source_id)
        return fetched if problem is None else replace(fetched, info=(*fetched.info, problem))

    def _write(self, path: Path, fetched: Fetched, source_id: str) -> str | None:
        """Keep the entry; a cache that cannot be written is said, not fatal: it only saves time."""
        try:
            _prepare(self.directory)
            write_entry(path, fetched, source_id)
        except (OutputError, pa.ArrowException) as exc:
            return (
                f"source '{source_id}': its records could not be kept in the cache ({exc}); "
                "the next run fetches them again"
            )
        return None


def _requested(fetched: Fetched, request: FetchRequest) -> Fetched:
    """Only the requested columns are kept: the run reads no others."""
    if not request.columns:
        return fetched
    keep = [c for c in fetched.table.column_names if c in request.columns]
    return replace(fetched, table=fetched.table.select(keep))


def _prepare(directory: Path) -> None:
    """Create the folder private to the user, and keep fetched records out of version control."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        ignore = directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# fetched source data: never commit it\n*\n", "utf-8")
    except OSError as exc:
        raise OutputError(f"cannot create the cache folder {directory}: {exc.strerror}") from exc


def write_entry(path: Path, fetched: Fetched, source_id: str) -> None:
    """Write the records and their notes (no options) atomically: whole, or not at all."""
    meta = {
        "source": source_id,
        "fetched_at": datetime.now().isoformat(timespec="seconds"),
        "watermark": fetched.watermark.isoformat() if fetched.watermark else None,
        "notes": list(fetched.notes),
    }
    table = fetched.table.replace_schema_metadata(
        {_META_KEY: json.dumps(meta, ensure_ascii=False).encode("utf-8")}
    )
    with atomic_write(path, mode="wb", encoding=None) as handle:
        import pyarrow.parquet as pq  # loads only when a cache is written

        pq.write_table(table, handle)


def read_entry(path: Path, source_id: str) -> Fetched | None:
    """The entry's records and notes, with one more note saying they came from the cache.

    None when there is no usable entry: a missing or damaged file is simply fetched again.
    """
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
    except (OSError, pa.ArrowException):
        return None
    raw = (table.schema.metadata or {}).get(_META_KEY)
    if raw is None:
        return None
    meta = json.loads(raw)
    when = str(meta.get("fetched_at", "?")).replace("T", " ")[:16]
    note = (
        f"source '{source_id}': records fetched {when}, read from the cache "
        "(--refresh fetches them again)"
    )
    notes = tuple(str(n) for n in meta.get("notes", []))
    mark = meta.get("watermark")
    watermark = datetime.fromisoformat(mark) if isinstance(mark, str) else None
    return Fetched(table.replace_schema_metadata(None), notes, watermark, (note,))
