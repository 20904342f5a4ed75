"""Safe file writes: a failed or killed run leaves the previous file, never a half-written one.

A regular file (or a new path) is written to a temporary file beside it and renamed over it; a
symlink's target is what is replaced, and the link stays. A device, a FIFO, /dev/stdout and the
like are opened and written straight through: there is nothing to replace. A new file gets the
mode the umask gives (0644 under umask 022); a replaced file keeps its mode (and, where this
process may set them, its owner and group).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from kpiengine.errors import OutputError
from kpiengine.results.destination import (
    Destination,
    Replace,
    Stream,
    Through,
    destination,
)
from kpiengine.results.streams import on_stream, stream
from kpiengine.results.tempfiles import remove_stale, temp_path, turn

NEW_FILE_MODE = 0o666
"""What a new file asks for; the umask takes away the rest, as for any program's new file."""


@contextmanager
def atomic_write(
    path: Path, *, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None
) -> Iterator[IO[Any]]:
    """A handle on `path` for the body to write: a regular file or new path is replaced once the
    body finishes (and left as it was if the body fails); anything else is written through."""
    path = Path(path)
    try:
        where = destination(path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with _opened(where, mode, encoding, newline) as handle:
            yield handle
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _opened(
    where: Destination, mode: str, encoding: str | None, newline: str | None
) -> AbstractContextManager[IO[Any]]:
    if isinstance(where, Stream):
        return on_stream(stream(where.fd), mode, encoding, newline)
    if isinstance(where, Through):
        return _through(where.path, mode, encoding, newline)
    return _replacing(where, mode, encoding, newline)


@contextmanager
def _through(path: Path, mode: str, encoding: str | None, newline: str | None) -> Iterator[IO[Any]]:
    with open(path, mode, encoding=encoding, newline=newline) as handle:
        yield handle


@contextmanager
def _replacing(
    where: Replace, mode: str, encoding: str | None, newline: str | None
) -> Iterator[IO[Any]]:
    """Write a temporary file beside the target, then rename it over the target."""
    path = where.path
    path.parent.mkdir(parents=True, exist_ok=True)
    with turn(path):
        remove_stale(path)
        tmp = temp_path(path)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _first_mode(where.previous))
        try:
            with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            _keep_mode_and_owner(tmp, where.previous)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    _sync_folder(path.parent)


def _first_mode(previous: os.stat_result | None) -> int:
    """A new file's mode from the start; a replacement's only once it is whole (until then it
    is the writer's alone, so the text of a file others may not read is never readable)."""
    return NEW_FILE_MODE if previous is None else 0o600


def _keep_mode_and_owner(tmp: Path, previous: os.stat_result | None) -> None:
    if previous is None:
        return
    mine = os.stat(tmp)
    if (mine.st_uid, mine.st_gid) != (previous.st_uid, previous.st_gid):
        with suppress(PermissionError):  # only root may give a file away: it stays ours
            os.chown(tmp, previous.st_uid, previous.st_gid)
    os.chmod(tmp, previous.st_mode & 0o7777)  # after chown, which clears set-id bits


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; a folder that cannot be opened is no reason to fail."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
