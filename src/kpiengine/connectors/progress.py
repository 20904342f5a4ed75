"""`source 'deals': 1,200 records fetched` on stderr while a connector pages through an API."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sized
from types import TracebackType
from typing import TextIO, TypeVar

S = TypeVar("S", bound=Sized)


class Progress:
    """A records-fetched counter redrawn in place on stderr, only when stderr is a terminal.

    Piped or captured output (CI, `2> log`, tests) gets nothing, so logs stay clean. Use as a
    context manager: the line is finished on exit.
    """

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.count = 0
        self.shown = self._is_terminal()
        self.drawn = False

    def _is_terminal(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def add(self, records: int) -> None:
        """Count `records` more and redraw the line."""
        self.count += records
        if self.shown:
            self.stream.write(f"\r{self.label}: {self.count:,} records fetched")
            self.stream.flush()
            self.drawn = True

    def each(self, pages: Iterable[S]) -> Iterator[S]:
        """`pages` one at a time, each counted (by its length) once the caller is done with it."""
        for page in pages:
            yield page
            self.add(len(page))

    def close(self) -> None:
        """Finish the line (only if something was drawn)."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
