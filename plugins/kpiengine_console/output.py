"""The console output: the results as tables in the terminal, plain text when piped."""

from __future__ import annotations

import sys
from typing import Any, ClassVar

from rich.console import Console

from kpiengine import Output, Results
from kpiengine_console.console_options import OUTPUT_OPTIONS, PARTS
from kpiengine_console.render import render

PIPED_WIDTH = 200
"""Width when stdout is a file or pipe: wide enough that tables are not wrapped."""


def stdout_console(width: int | None) -> Console:
    """A Console on the current stdout; Rich drops colour codes when it is not a terminal."""
    console = Console(file=sys.stdout, width=width, highlight=False, emoji=False)
    if width is None and not console.is_terminal:
        console.width = PIPED_WIDTH
    return console


class ConsoleOutput(Output):
    """Results as a table per period, with warnings and feedback under each."""

    name: ClassVar[str] = "console"
    options_schema: ClassVar[dict[str, Any]] = OUTPUT_OPTIONS

    def write(self, results: Results) -> None:
        """Print the tables to stdout."""
        console = stdout_console(self.options.get("width"))
        render(results, console, self.options.get("show") or PARTS)
