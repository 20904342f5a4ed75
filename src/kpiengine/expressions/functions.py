"""The table of functions an expression may call: the built-ins, plus what plugins add."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from kpiengine.errors import PluginError
from kpiengine.expressions.builtin_functions import BUILTINS
from kpiengine.expressions.function import Function, PluginFunction, from_plugin
from kpiengine.expressions.values import Value


class FunctionTable:
    """Allow-listed functions by name. Immutable: `with_plugins` returns a new table."""

    def __init__(self, functions: Iterable[Function] = BUILTINS) -> None:
        self._functions = {f.name: f for f in functions}

    def with_plugins(self, functions: Iterable[PluginFunction]) -> FunctionTable:
        """This table plus plugins' functions (e.g. `registry().functions.values()`).

        A plugin function without SQL may be used only in result expressions. Its scalar
        form is strict: given None anywhere it returns None without being called.
        Raises PluginError for a name that a built-in (or an earlier plugin) already has.
        """
        table = dict(self._functions)
        for registered in functions:
            function = from_plugin(registered)
            if function.name in table:
                raise PluginError(_clash(table[function.name], registered))
            table[function.name] = function
        return FunctionTable(table.values())

    def get(self, name: str) -> Function | None:
        return self._functions.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._functions

    def __iter__(self) -> Iterator[Function]:
        return iter(self._functions.values())

    def names(self) -> list[str]:
        return sorted(self._functions)

    def callables(self) -> dict[str, Callable[..., Value]]:
        """Each function's scalar form by name, for simpleeval."""
        return {name: f.call for name, f in self._functions.items()}


def _clash(existing: Function, registered: PluginFunction) -> str:
    owner = f"plugin '{existing.plugin}'" if existing.plugin else "kpiengine itself"
    return (
        f"function '{registered.name}' from plugin '{registered.plugin}' "
        f"is already defined by {owner}"
    )


DEFAULT_FUNCTIONS = FunctionTable()
"""The built-in functions only."""
