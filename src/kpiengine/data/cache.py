"""The source cache: a cacheable source's fetched records kept as Parquet, reused until --refresh.

One entry per source configuration, named by a hash of everything that shapes the records (plugin,
resolved options, `fields`, requested columns and types, period span). Option values, secrets
included, only ever enter that hash: no option is written to the cache in clear. An entry is two
files: the records (`.parquet`) and their description (`.json`: when they were fetched, the
fetch's notes, and the SHA-256 of the Parquet file). Each is written whole or not at all
(temporary file, then rename), and a failed fetch leaves the previous entry in place.

An entry is used only if its description reads and its records are the very bytes it describes:
one damaged, half-replaced or edited by hand is discarded and fetched again, with a warning.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from kpiengine.data.cache_policy import current_policy
from kpiengine.errors import OutputError
from kpiengine.results.atomic import atomic_write
from kpiengine.source import FetchRequest

CACHE_DIR_ENV = "KPIENGINE_CACHE_DIR"
"""Environment variable naming the cache folder, instead of `.kpiengine-cache/` by the ruleset."""
CACHE_DIR_NAME = ".kpiengine-cache"
FORMAT = 2
"""Bumped when the layout of entries changes, so old entries are simply not found again."""

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
    warnings: tuple[str, ...] = ()
    """What the engine warns about the fetch: a cache entry that could not be used."""


def cache_directory(base_dir: Path) -> Path:
    """`$KPIENGINE_CACHE_DIR` if set, else `.kpiengine-cache/` in the ruleset's folder."""
    configured = os.environ.get(CACHE_DIR_ENV)
    return Path(configured).expanduser() if configured else base_dir / CACHE_DIR_NAME


def active_cache(base_dir: Path) -> SourceCache | None:
    """The cache for a ruleset in `base_dir` under the current policy; None when not caching."""
    policy = current_policy()
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
        if isinstance(cached, Fetched):
            updated = update(cached) if update is not None else None
            if updated is None:
                return cached
            fetched = updated
        else:
            fetched = fetch()
        if isinstance(cached, Discarded):
            fetched = replace(fetched, warnings=(*fetched.warnings, cached.warning))
        problem = self._write(path, _requested(fetched, request), request.source_id)
        return fetched if problem is None else replace(fetched, info=(*fetched.info, problem))

    def _write(self, path: Path, fetched: Fetched, source_id: str) -> str | None:
        """Keep the entry; a cache that cannot be written is said, not fatal: it only saves time."""
        try:
            _prepare(self.directory)
            write_entry(path, fetched, source_id)
        except (OSError, OutputError, pa.ArrowException) as exc:
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


def description_of(path: Path) -> Path:
    """The entry's description, beside its records: `deals-<key>.json`."""
    return path.with_suffix(".json")


def write_entry(path: Path, fetched: Fetched, source_id: str) -> None:
    """Write the records, then their description (no options), each atomically."""
    import pyarrow.parquet as pq  # loads only when a cache is written

    sink = pa.BufferOutputStream()
    pq.write_table(fetched.table.replace_schema_metadata(None), sink)
    records = sink.getvalue().to_pybytes()
    meta = {
        "format": FORMAT,
        "source": source_id,
        "fetched_at": datetime.now().isoformat(timespec="seconds"),
        "watermark": fetched.watermark.isoformat() if fetched.watermark else None,
        "notes": list(fetched.notes),
        "sha256": hashlib.sha256(records).hexdigest(),
    }
    with atomic_write(path, mode="wb", encoding=None) as handle:
        handle.write(records)
    with atomic_write(description_of(path), encoding="utf-8") as handle:
        json.dump(meta, handle, ensure_ascii=False, indent=1)


@dataclass(frozen=True)
class Discarded:
    """An entry that was there but could not be used: why, as the run's warning."""

    warning: str


class _Unusable(Exception):
    """Why an entry cannot be used, in a few words."""


def read_entry(path: Path, source_id: str) -> Fetched | Discarded | None:
    """The entry's records and notes, with one more note saying they came from the cache.

    None when there is no entry; Discarded (and the entry removed) when there is one that cannot
    be used: a description that does not read, records missing, damaged or changed since.
    """
    if not path.exists() and not description_of(path).exists():
        return None
    try:
        return _read(path, source_id)
    except _Unusable as exc:
        for part in (path, description_of(path)):
            with suppress(OSError):
                part.unlink(missing_ok=True)
        return Discarded(
            f"source '{source_id}': its cache entry {path.name} could not be used ({exc}); "
            "its records were fetched again"
        )


def _read(path: Path, source_id: str) -> Fetched:
    meta = _description(description_of(path))
    try:
        records = path.read_bytes()
    except OSError as exc:
        raise _Unusable(f"its records cannot be read: {exc.strerror or exc}") from exc
    if hashlib.sha256(records).hexdigest() != meta["sha256"]:
        raise _Unusable("its records were changed after they were fetched")
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(pa.BufferReader(records))
    except (OSError, pa.ArrowException) as exc:
        raise _Unusable("its records are not a Parquet table") from exc
    when = str(meta["fetched_at"]).replace("T", " ")[:16]
    note = (
        f"source '{source_id}': records fetched {when}, read from the cache "
        "(--refresh fetches them again)"
    )
    return Fetched(table, tuple(meta["notes"]), meta["watermark"], (note,))


def _description(path: Path) -> dict[str, Any]:
    """The entry's description, checked key by key."""
    try:
        meta = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise _Unusable(f"its description cannot be read: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise _Unusable("its description is not valid JSON") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _Unusable("its description is not one this version writes")
    notes, digest = meta.get("notes"), meta.get("sha256")
    if not (isinstance(notes, list) and all(isinstance(n, str) for n in notes)):
        raise _Unusable("its description's notes are not a list of texts")
    if not (isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest)):
        raise _Unusable("its description has no SHA-256 of its records")
    return {**meta, "watermark": _watermark(meta.get("watermark"))}


def _watermark(mark: Any) -> datetime | None:
    if mark is None:
        return None
    try:
        return datetime.fromisoformat(str(mark))
    except ValueError as exc:
        raise _Unusable("its description's watermark is not a time") from exc
