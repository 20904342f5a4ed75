"""One expression function: its scalar form, its SQL form, and what it accepts.

Built-ins are defined in `builtin_functions.py`; plugins' functions are adapted here.
"""

from __future__ import annotations

import ast
import inspect
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import simpleeval

from kpiengine.errors import PluginError
from kpiengine.expressions.bounds import MAX_FUNCTION_TEXT
from kpiengine.expressions.failure import Refusal
from kpiengine.expressions.kinds import Kind
from kpiengine.expressions.values import Value, to_value


class SqlArg(NamedTuple):
    """An argument as SQL, with what a renderer needs to know to avoid repeating it."""

    sql: str
    plain: bool  # a column or a constant: cheap to write twice
    maybe_null: bool  # False only for a constant that is not None


SqlRenderer = Callable[[Sequence[SqlArg]], str]
ArgumentCheck = Callable[[Sequence[ast.expr]], None]


@dataclass(frozen=True)
class Function:
    """An allow-listed function.

    `scalar` gets Values and returns a Value; `sql` renders DuckDB SQL from the arguments'
    SQL (None: the function has no SQL form and may only be used in result expressions).
    `params` is the kind every argument must have; `returns` None means "the kind its
    arguments share". A `strict` function gives None when any argument is None, like SQL.
    """

    name: str
    scalar: Callable[..., Value]
    sql: SqlRenderer | None
    min_args: int
    max_args: int | None
    params: Kind = "any"
    returns: Kind | None = "any"
    strict: bool = True
    check: ArgumentCheck | None = None
    plugin: str = ""

    def call(self, *args: Value) -> Value:
        """The scalar form, with SQL's rule that a strict function of None is None."""
        if self.strict and any(arg is None for arg in args):
            return None
        return self.scalar(*args)

    def arity(self) -> str:
        """How many arguments, in words: `2`, `1 to 2`, `at least 2`."""
        if self.max_args is None:
            return f"at least {self.min_args}"
        if self.max_args == self.min_args:
            return str(self.min_args)
        return f"{self.min_args} to {self.max_args}"

    def origin(self) -> str:
        """`function 'x'`, with the plugin it comes from if any."""
        source = f" (from plugin '{self.plugin}')" if self.plugin else ""
        return f"function '{self.name}'{source}"


class PluginFunction(Protocol):
    """What a plugin registers (kpiengine.plugins.Function has this shape)."""

    @property
    def name(self) -> str: ...
    @property
    def fn(self) -> Callable[..., Any]: ...
    @property
    def sql(self) -> str | None: ...
    @property
    def plugin(self) -> str: ...


def from_plugin(registered: PluginFunction) -> Function:
    """Adapt a plugin's function; raises PluginError when it cannot be offered safely."""
    _check_name(registered)
    low, high = _arity(registered)
    renderer = _template(registered, low, high) if registered.sql is not None else None
    if renderer is not None:
        low = high = _placeholders(registered)
    return Function(
        name=registered.name,
        scalar=_guarded(registered),
        sql=renderer,
        min_args=low,
        max_args=high,
        plugin=registered.plugin,
    )


def _plugin_error(registered: PluginFunction, problem: str) -> PluginError:
    return PluginError(f"plugin '{registered.plugin}': function '{registered.name}' {problem}")


def _check_name(registered: PluginFunction) -> None:
    name = registered.name
    if not (isinstance(name, str) and name.isidentifier() and not name.startswith("_")):
        raise _plugin_error(registered, "needs a name made of letters, digits and '_'")
    if any(registered.fn is unsafe for unsafe in simpleeval.DISALLOW_FUNCTIONS):
        raise _plugin_error(registered, "exposes a Python built-in that is unsafe in rulesets")


def _arity(registered: PluginFunction) -> tuple[int, int | None]:
    try:
        params = list(inspect.signature(registered.fn).parameters.values())
    except (TypeError, ValueError):  # some C callables have no signature: accept any count
        return 0, None
    if any(p.kind is p.KEYWORD_ONLY and p.default is p.empty for p in params):
        raise _plugin_error(registered, "has keyword-only arguments; expressions pass by position")
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    low = sum(1 for p in positional if p.default is p.empty)
    varargs = any(p.kind is p.VAR_POSITIONAL for p in params)
    return low, None if varargs else len(positional)


def _placeholders(registered: PluginFunction) -> int:
    fields = [f for _, f, _, _ in string.Formatter().parse(registered.sql or "") if f is not None]
    return len({int(f) for f in fields})


def _template(registered: PluginFunction, low: int, high: int | None) -> SqlRenderer:
    """Render a template like "greatest({0}, {1})": positional fields only, each index used."""
    template = registered.sql or ""
    try:
        pieces = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise _plugin_error(registered, f"has a bad SQL template {template!r}: {exc}") from None
    for _, field, spec, conversion in pieces:
        if field is not None and (not field.isdigit() or spec or conversion):
            raise _plugin_error(registered, f"SQL template {template!r} may use only {{0}}, {{1}}…")
    count = _placeholders(registered)
    used = {int(f) for _, f, _, _ in pieces if f is not None}
    if used != set(range(count)) or count < low or (high is not None and count > high):
        raise _plugin_error(
            registered, f"SQL template {template!r} must use {{0}}…{{n}} once each, n+1 arguments"
        )

    def render(args: Sequence[SqlArg]) -> str:
        out = [literal + (args[int(f)].sql if f is not None else "") for literal, f, _, _ in pieces]
        return "".join(out)

    return render


def _guarded(registered: PluginFunction) -> Callable[..., Value]:
    """The plugin's callable, with its failures and odd results turned into plain reasons."""

    def call(*args: Value) -> Value:
        try:
            result = registered.fn(*args)
        except Refusal:
            raise
        except Exception as exc:  # third-party code: name it, keep the cause
            raise Refusal(
                f"function '{registered.name}' (from plugin '{registered.plugin}') failed: {exc}"
            ) from exc
        return _plugin_result(registered, result)

    return call


def _plugin_result(registered: PluginFunction, result: object) -> Value:
    try:
        value = to_value(result)
    except TypeError:
        raise Refusal(
            f"function '{registered.name}' (from plugin '{registered.plugin}') returned "
            f"a {type(result).__name__}, which expressions cannot use"
        ) from None
    if isinstance(value, str) and len(value) > MAX_FUNCTION_TEXT:
        raise Refusal(f"function '{registered.name}' returned text longer than {MAX_FUNCTION_TEXT}")
    return value
