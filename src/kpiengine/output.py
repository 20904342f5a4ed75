"""The public contract for output plugins."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from kpiengine.results.model import Results


class Output:
    """Base class of output plugins; register subclasses in `register_outputs`."""

    name: ClassVar[str]
    """The plugin name used in `outputs:` and in `-o NAME[:TARGET]`."""
    options_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    """JSON Schema (draft 2020-12) of the `options` mapping."""
    target_option: ClassVar[str | None] = None
    """The option that `-o NAME:TARGET` sets (e.g. `path`); None if the output takes no target."""

    def __init__(self, options: Mapping[str, Any], base_dir: Path) -> None:
        self.options = options
        self.base_dir = base_dir

    def write(self, results: Results) -> None:
        """Write the results; raise OutputError on failure, leaving no half-written file."""
        raise NotImplementedError
