"""A problem found in a ruleset, located at file:line:col and a path in the document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

PathPart = str | int
Path = tuple[PathPart, ...]
Severity = Literal["error", "warning"]


def format_path(path: Path) -> str:
    """`indicators[0].actual.where` — the path in the user's words."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "(top level)"


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: int
    path: Path
    message: str
    severity: Severity = "error"

    def format(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {format_path(self.path)}: {prefix}{self.message}"


def errors_in(problems: Sequence[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]
