"""The CSV file a source reads: where it is, how it is encoded, and how messages name it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kpiengine import SourceError
from kpiengine_csv.limits import Limits

ENCODINGS = ("utf-8", "utf-8-sig", "gbk", "gb18030", "big5", "utf-16", "latin-1")
"""The encodings a ruleset may name; utf-8 also accepts a byte-order mark."""


def shown_path(path: Path) -> str:
    """The path as a user recognises it: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return os.path.normpath(path)  # rulesets/../data/deals.csv as data/deals.csv


@dataclass(frozen=True)
class CsvFile:
    """One CSV file of one source, with the reading options that never get guessed."""

    source_id: str
    path: Path
    delimiter: str = ","
    encoding: str = "utf-8"
    limits: Limits = field(default_factory=Limits)

    @property
    def codec(self) -> str:
        """The Python codec: plain utf-8 drops a byte-order mark, as Excel writes one."""
        return "utf-8-sig" if self.encoding == "utf-8" else self.encoding

    @property
    def is_utf8(self) -> bool:
        return self.encoding in ("utf-8", "utf-8-sig")

    def where(self, line: int | None = None) -> str:
        """`examples/data/deals.csv:14` — the file, and the line when there is one."""
        shown = shown_path(self.path)
        return shown if line is None else f"{shown}:{line}"

    def error(self, text: str) -> SourceError:
        """A SourceError that starts by naming the source."""
        return SourceError(f"source '{self.source_id}': {text}")

    def encoding_hint(self) -> str:
        """What to try when the bytes do not decode, for the usual Chinese Excel exports."""
        if self.is_utf8:
            return "if Excel saved it, try encoding: gbk"
        return "try encoding: gb18030 or utf-8"
