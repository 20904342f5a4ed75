"""`${ENV_VAR}` in plugin options, resolved after validation so secrets never sit in a ruleset."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from kpiengine.errors import KpiEngineError

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_VAR = re.compile(rf"\$\{{({_NAME})\}}")
WHOLE_VARIABLE = rf"^\$\{{{_NAME}\}}$"
"""A text that is one `${NAME}` and nothing else, as a regular expression (Python and ECMA)."""


class UnsetVariableError(KpiEngineError):
    """An option names an environment variable that is not set."""


def _resolve_text(text: str, where: str, env: Mapping[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise UnsetVariableError(
                f"{where}: the environment variable {name} is not set; "
                f"set it before running (export {name}=…)"
            )
        return env[name]

    return _VAR.sub(value, text)


def resolve(value: Any, where: str, env: Mapping[str, str] | None = None) -> Any:
    """A copy of `value` with every `${NAME}` replaced from the environment."""
    env = os.environ if env is None else env
    if isinstance(value, str):
        return _resolve_text(value, where, env)
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
