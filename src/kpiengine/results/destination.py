"""Where a file write lands: this process's own standard output or error, a file written straight
through (a device, a FIFO, anything under /dev or /proc), or a regular file or new path that is
replaced atomically. A symlink is followed first, so its target is what gets replaced."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

SYSTEM_TREES = (Path("/dev"), Path("/proc"))
"""Never a temporary file here: /dev/stdout, /proc/self/fd/1 and their like are opened, not
replaced (replacing one as root would put a regular file where the device was)."""

STREAM_NAMES = {
    "/dev/stdout": 1,
    "/dev/stderr": 2,
    "/dev/fd/1": 1,
    "/dev/fd/2": 2,
    "/proc/self/fd/1": 1,
    "/proc/self/fd/2": 2,
}


@dataclass(frozen=True)
class Stream:
    """One of this process's standard streams (1 or 2): written through the open stream."""

    fd: int


@dataclass(frozen=True)
class Through:
    """A device, FIFO or system file: opened and written in place, never replaced."""

    path: Path


@dataclass(frozen=True)
class Replace:
    """A regular file or a new path (`path` with any symlink resolved): written beside it, then
    renamed over it; `previous` is the file being replaced, if there is one."""

    path: Path
    previous: os.stat_result | None


Destination = Stream | Through | Replace


def destination(path: Path) -> Destination:
    """How to write `path`; raises OSError when it cannot be looked at (a parent not readable)."""
    info = _stat(path)
    fd = standard_stream(path, info)
    if fd is not None:
        return Stream(fd)
    real = Path(os.path.realpath(path))
    if _in_system_tree(Path(os.path.abspath(path))) or _in_system_tree(real):
        return Through(path)
    if info is None or stat.S_ISREG(info.st_mode):
        return Replace(real, info)
    return Through(path)


def standard_stream(path: Path, info: os.stat_result | None) -> int | None:
    """1 or 2 when `path` is this process's standard output or error: by name (/dev/stdout), or
    as the same file (a link to /dev/stdout, or the file that stdout was redirected to)."""
    named = STREAM_NAMES.get(os.path.abspath(path))
    if named is not None:
        return named
    if info is None:
        return None
    return next((fd for fd in (1, 2) if _same_file(info, fd)), None)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None


def _same_file(info: os.stat_result, fd: int) -> bool:
    try:
        other = os.fstat(fd)
    except OSError:  # the stream is closed
        return False
    return (info.st_dev, info.st_ino) == (other.st_dev, other.st_ino)


def _in_system_tree(path: Path) -> bool:
    return any(path.is_relative_to(tree) for tree in SYSTEM_TREES)


def is_standard_stream(path: Path) -> bool:
    """Whether writing `path` writes this process's standard output or error."""
    try:
        info = _stat(path)
    except OSError:
        info = None
    return standard_stream(path, info) is not None
