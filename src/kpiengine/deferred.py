"""A plugin's source or output registered by where it lives, imported only when a run uses it.

`kpiengine --help`, `validate`, `plugins` and `schema` read what a plugin registers — each class's
name, its options' schema and, for an output, the option naming its file — but need none of its
code. A plugin that registers `Deferred("package.module:Class", name=…, options_schema=…)`
instead of the class keeps its implementation (and DuckDB, pyarrow, httpx, whatever it imports)
out of those commands; the class is imported the first time a run asks for it, and must say the
same name and schema.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kpiengine.errors import PluginError


@dataclass(frozen=True)
class Deferred:
    """A source or output class by its import path, `package.module:Class`, with what loading
    and checking a ruleset reads without importing it."""

    where: str
    name: str
    options_schema: Mapping[str, Any] = field(repr=False)
    target_option: str | None = None
    """For an output: the option `-o NAME:TARGET` sets (its `Output.target_option`)."""

    def load(self, plugin: str) -> type[Any]:
        """The class itself, checked against what was registered; a PluginError naming the
        plugin if it cannot be imported or says something else."""
        module, _, attribute = self.where.partition(":")
        try:
            cls: type[Any] = getattr(importlib.import_module(module), attribute)
        except Exception as exc:  # a broken third-party package: name it, keep the cause
            raise PluginError(
                f"plugin '{plugin}' registered '{self.name}' at {self.where}, "
                f"which failed to load: {exc}"
            ) from exc
        said = (
            getattr(cls, "name", None),
            getattr(cls, "options_schema", None),
            getattr(cls, "target_option", None),
        )
        if said != (self.name, self.options_schema, self.target_option):
            raise PluginError(
                f"plugin '{plugin}' registered '{self.name}' at {self.where}, but that class "
                "has another name, options schema or target option than it registered"
            )
        return cls
