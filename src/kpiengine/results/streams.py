"""Writing to this process's standard output or error: through the stream already open, after
whatever was printed to it before."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any, TextIO


def stream(fd: int) -> TextIO:
    """The stream of file descriptor 1 or 2."""
    return sys.stdout if fd == 1 else sys.stderr


@contextmanager
def on_stream(
    text: TextIO, mode: str, encoding: str | None, newline: str | None
) -> Iterator[IO[Any]]:
    """The open stream itself, for bytes (`mode` with `b`) or text, left open afterwards. Not
    opened again by name: that would truncate a file that stdout appends to."""
    text.flush()
    if "b" in mode:
        yield text.buffer
        text.buffer.flush()
        return
    wrapper = io.TextIOWrapper(text.buffer, encoding=encoding, newline=newline)
    try:
        yield wrapper
    finally:
        wrapper.detach()  # flushes, and leaves the stream's own buffer open


def write_stdout(chunks: Iterable[bytes]) -> None:
    """Bytes to standard output, after any text already written to it."""
    with on_stream(sys.stdout, "wb", None, None) as handle:
        for chunk in chunks:
            handle.write(chunk)
