"""Local files the engine reads for the user — rulesets, data files, key files: regular files only.

A FIFO blocks whoever opens it until something writes to it, and a device such as `/dev/zero`
never ends, so either would hang a run or fill its memory. They are opened without blocking,
looked at, and refused with a sentence saying what they are; a regular file is read as usual.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


class NotRegularFile(OSError):
    """The path is a FIFO, a device, a socket or a folder; `str()` says which."""


class FileTooLarge(OSError):
    """The file holds more bytes than the reader allows; `limit` is that many bytes."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


def _kind(mode: int) -> str:
    return KINDS.get(stat.S_IFMT(mode), "not a regular file")


def open_regular_file(path: Path) -> BinaryIO:
    """`path` opened for reading in binary; NotRegularFile (an OSError) unless a regular file.

    Symbolic links are followed: what counts is the file they point to. Opening never blocks.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"it is {_kind(mode)}, not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of the regular file at `path`; FileTooLarge when it holds over `max_bytes`.

    Never reads more than one byte past the limit, whatever the file claims to be.
    """
    with open_regular_file(path) as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileTooLarge(f"it is larger than {byte_size(max_bytes)}", max_bytes)
    return data


def byte_size(count: int) -> str:
    """`64 KiB`, `2 MiB`, `1,500 bytes`: a limit as people read it."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count // size:,} {unit}"
    return f"{count:,} bytes"
