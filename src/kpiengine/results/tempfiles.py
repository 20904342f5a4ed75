"""The temporary file an atomic write fills beside its target: `.NAME.<pid>.kpiengine-tmp`.

The name is predictable so that one left behind by a killed run is found and removed by the
next write to the same file: a temporary file whose process is gone is stale. (A process that
was killed but not yet waited for still counts as running.) Writes to one path from two threads
of this process take turns, so one process never has two temporary files for one path.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SUFFIX = ".kpiengine-tmp"

_guard = threading.Lock()
_turns: dict[Path, threading.Lock] = {}


def temp_path(path: Path) -> Path:
    """This process's temporary file for `path`, in the same folder (so a rename replaces)."""
    return path.with_name(f".{path.name}.{os.getpid()}{SUFFIX}")


@contextmanager
def turn(path: Path) -> Iterator[None]:
    """Hold `path` against the other threads of this process that would write it."""
    with _guard:
        lock = _turns.setdefault(path, threading.Lock())
    with lock:
        yield


def remove_stale(path: Path) -> None:
    """Remove the temporary files for `path` left by processes that are gone (or by this
    process's id in an earlier life: during `turn(path)` none of ours is in use)."""
    try:
        entries = list(os.scandir(path.parent))
    except OSError:  # a folder not yet made, or not listable: nothing to clean
        return
    for entry in entries:
        pid = _writer(entry.name, path.name)
        if pid is not None and (pid == os.getpid() or not _running(pid)):
            Path(entry.path).unlink(missing_ok=True)


def _writer(name: str, target: str) -> int | None:
    """The process id in `name` if it is a temporary file of `target`."""
    prefix = f".{target}."
    if not (name.startswith(prefix) and name.endswith(SUFFIX)):
        return None
    digits = name[len(prefix) : -len(SUFFIX)]
    return int(digits) if digits.isascii() and digits.isdigit() and int(digits) > 0 else None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, as another user's
        return True
    return True
