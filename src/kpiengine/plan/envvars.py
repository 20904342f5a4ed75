"""`${NAME}` in plugin options: which environment variables a ruleset may read, and reading them.

A ruleset is shared, copied from templates and edited by many: it must not be able to read
whatever the environment holds (a cloud key, a database password) and send it somewhere. It reads
only the variables the user allows in `KPIENGINE_ALLOW_ENV` — names and prefixes ending in `*`,
separated by commas (`KPIENGINE_ALLOW_ENV="JDY_*,SF_*,HUBSPOT_TOKEN"`) — and only as an option's
whole value (`plan.option_variables` says which options may take one). Variables are read when
the plan runs, after validation, so secrets never sit in a ruleset.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from kpiengine.errors import KpiEngineError

ALLOW_ENV: Final = "KPIENGINE_ALLOW_ENV"
"""The environment variable that lists the variables rulesets may read."""

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_VAR = re.compile(rf"\$\{{({_NAME})\}}")
_ENTRY = re.compile(rf"({_NAME})(\*?)")
WHOLE_VARIABLE = rf"^\$\{{{_NAME}\}}$"
"""A text that is one `${NAME}` and nothing else, as a regular expression (Python and ECMA)."""


class UnsetVariableError(KpiEngineError):
    """An option names an environment variable that is not set."""


class VariableUseError(KpiEngineError):
    """An option uses an environment variable where none may be, or one that is not allowed."""


@dataclass(frozen=True)
class Allowance:
    """What `KPIENGINE_ALLOW_ENV` allows: whole names, prefixes (`JDY_*`), and the entries
    ignored because they are neither (a lone `*` would allow everything: it allows nothing)."""

    names: frozenset[str]
    prefixes: tuple[str, ...]
    ignored: tuple[str, ...]

    def allows(self, name: str) -> bool:
        return name in self.names or any(name.startswith(p) for p in self.prefixes)

    def listed(self) -> str:
        return ", ".join([*sorted(self.names), *(f"{p}*" for p in self.prefixes)])


def allowance(env: Mapping[str, str]) -> Allowance:
    """The variables `env`'s `KPIENGINE_ALLOW_ENV` allows."""
    names: set[str] = set()
    prefixes: list[str] = []
    ignored: list[str] = []
    for entry in (e.strip() for e in env.get(ALLOW_ENV, "").split(",")):
        match = _ENTRY.fullmatch(entry)
        if match is None:
            ignored += [entry] if entry else []
        elif match.group(2):
            prefixes.append(match.group(1))
        else:
            names.add(match.group(1))
    return Allowance(frozenset(names), tuple(sorted(prefixes)), tuple(ignored))


def not_allowed(name: str, env: Mapping[str, str]) -> str | None:
    """Why a ruleset may not read the variable `name`, or None when it may."""
    allowed = allowance(env)
    if allowed.allows(name):
        return None
    if ALLOW_ENV not in env:
        now, fix = f"{ALLOW_ENV} is not set", f"set {ALLOW_ENV}={name}"
    else:
        now, fix = f"{ALLOW_ENV} allows: {allowed.listed() or 'none'}", f"add {name} to it"
    if allowed.ignored:
        shown = ", ".join(f"'{e}'" for e in allowed.ignored)
        now += f"; ignored: {shown}, which are not names or prefixes such as JDY_*"
    return (
        f"the environment variable {name} is not allowed: a ruleset reads only the variables "
        f"{ALLOW_ENV} allows ({now}) — {fix} if this ruleset should read it"
    )


def _lookup(name: str, where: str, env: Mapping[str, str]) -> str:
    refusal = not_allowed(name, env)
    if refusal is not None:
        raise VariableUseError(f"{where}: {refusal}")
    if name not in env:
        raise UnsetVariableError(
            f"{where}: the environment variable {name} is not set; "
            f"set it before running (export {name}=…)"
        )
    return env[name]


def resolve(value: Any, where: str, env: Mapping[str, str] | None = None) -> Any:
    """A copy of `value` with every whole `${NAME}` replaced from the environment: an allowed,
    set variable. A `${NAME}` inside longer text is refused (checked before, at load)."""
    env = os.environ if env is None else env
    if isinstance(value, str):
        name = whole_variable(value)
        if name is not None:
            return _lookup(name, where, env)
        if has_variables(value):
            raise VariableUseError(f"{where}: a variable is taken only as an option's whole value")
        return value
    if isinstance(value, Mapping):
        return {k: resolve(v, f"{where}.{k}", env) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, f"{where}[{i}]", env) for i, v in enumerate(value)]
    return value


def has_variables(value: Any) -> bool:
    if isinstance(value, str):
        return bool(_VAR.search(value))
    if isinstance(value, Mapping):
        return any(has_variables(v) for v in value.values())
    if isinstance(value, list):
        return any(has_variables(v) for v in value)
    return False


def whole_variable(value: Any) -> str | None:
    """NAME when `value` is `${NAME}` and nothing else; None otherwise."""
    if isinstance(value, str) and re.fullmatch(WHOLE_VARIABLE, value):
        return value[2:-1]
    return None


def variables_in(text: str) -> list[str]:
    """The names of the `${NAME}`s in `text`, each once, in order."""
    return list(dict.fromkeys(_VAR.findall(text)))


def variable_values(value: Any, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each set variable's value (value → `${NAME}`) among the whole `${NAME}`s in `value`:
    what messages show instead of the value."""
    env = os.environ if env is None else env
    found: dict[str, str] = {}
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found.update(variable_values(item, env))
        return found
    name = whole_variable(value)
    if name is not None and name in env and not_allowed(name, env) is None:
        found[env[name]] = f"${{{name}}}"
    return found
