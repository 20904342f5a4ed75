"""A data check's finding: a stable code, a severity, and a message a user can act on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kpiengine.errors import KpiEngineError

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")

EXAMPLES = 5
"""Examples (values, records) a check names; its counts say how many there are in all."""


@dataclass(frozen=True)
class Check:
    """One finding about the data or the plan, reported wherever the results are read.

    `code` never changes meaning (docs/results.md lists them); `counts` are whole numbers
    (records, values, subjects); `examples` name the first few records or values concerned.
    """

    code: str
    severity: Severity
    message: str
    source: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    examples: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The check as the results document writes it."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "source": self.source,
            "counts": dict(self.counts),
            "examples": list(self.examples),
        }

    def line(self) -> str:
        """`warning [owner-unknown]: source 'deals': …`, as the console prints it."""
        return f"{self.severity} [{self.code}]: {self.message}"


def ordered(checks: Iterable[Check]) -> tuple[Check, ...]:
    """Errors first, then warnings, then information; in the order found within each."""
    found = list(checks)
    return tuple(sorted(found, key=lambda c: SEVERITIES.index(c.severity)))


def failing(checks: Iterable[Check], strict: bool) -> tuple[Check, ...]:
    """The checks that stop a run: errors, and warnings too when `strict`."""
    stopping = ("error", "warning") if strict else ("error",)
    return tuple(c for c in checks if c.severity in stopping)


class ChecksFailed(KpiEngineError):
    """The data failed a check that stops the run (an error, or a warning with --strict)."""

    def __init__(self, checks: Iterable[Check], strict: bool = False) -> None:
        self.checks = tuple(checks)
        self.strict = strict
        count = len(self.checks)
        what = "check" if count == 1 else "checks"
        why = " (--strict stops on warnings too)" if strict else ""
        lines = "\n".join(c.line() for c in self.checks)
        super().__init__(f"the data failed {count} {what}; nothing was written{why}:\n{lines}")
