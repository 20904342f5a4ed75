"""The one exception tree: library code raises these with a message written for the user."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kpiengine.plan.problems import Problem


class KpiEngineError(Exception):
    """Base of every error kpiengine reports to a user; the CLI turns it into exit code 1."""


class ConfigError(KpiEngineError):
    """A ruleset (or its YAML) is wrong; carries every problem found in one pass."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(p.format() for p in self.problems))


class ExpressionError(KpiEngineError):
    """An expression is refused (parse, allow-list, bounds) or fails while evaluating."""


class PluginError(KpiEngineError):
    """A plugin is broken or two plugins clash."""


class SourceError(KpiEngineError):
    """A source could not deliver its records; the message names the source and record."""


class OutputError(KpiEngineError):
    """An output could not be written; nothing half-written is left behind."""
