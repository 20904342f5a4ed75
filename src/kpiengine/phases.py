"""What a long run is doing, on stderr — only when stderr is a terminal (never in logs or CI)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


def _terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def phase(text: str, stream: TextIO | None = None) -> Iterator[None]:
    """A spinner with `text` while the block runs, then `text … done in 1.2 s`."""
    stream = stream if stream is not None else sys.stderr
    if not _terminal(stream):
        yield
        return
    from rich.console import Console  # only on a terminal: rich costs start-up time

    console = Console(file=stream, highlight=False)
    started = time.perf_counter()
    with console.status(text):
        yield
    console.print(f"{text} … {time.perf_counter() - started:.1f} s", style="dim")
