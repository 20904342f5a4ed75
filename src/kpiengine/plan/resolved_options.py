"""A plugin's options as it receives them: every `${NAME}` resolved, and checked again.

The ruleset's schema lets an option whose text must have a form (a web address) be a whole
`${NAME}`, since its value is known only when the plan runs. Here the uses of variables are
checked again (`option_variables`: which options may take one, and which variables are allowed),
then the resolved options meet the plugin's own schema; a refusal names the option and the
variable, never the value — a variable may hold a secret.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any, Final

from jsonschema import Draft202012Validator

from kpiengine.errors import KpiEngineError
from kpiengine.plan.envvars import VariableUseError, has_variables, resolve, whole_variable
from kpiengine.plan.option_variables import variable_findings
from kpiengine.plan.problems import Path, format_path

# jsonschema ships no type information: its ValidationError is handled as this alias.
Error = Any

_TYPES: Final = {"string": "text", "number": "a number", "integer": "a whole number"}


class VariableValueError(KpiEngineError):
    """An environment variable holds a value the option it fills does not accept."""


def resolved_options(
    options: Mapping[str, Any],
    schema: Mapping[str, Any],
    where: str,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """`options` (found at `where`, e.g. `sources.crm.options`) with every `${NAME}` resolved;
    VariableUseError when a variable is used where none may be, or is not allowed;
    VariableValueError when a resolved value does not fit the plugin's options `schema`."""
    env = os.environ if env is None else env
    findings = variable_findings(options, schema, env)
    if findings:
        found = findings[0]
        raise VariableUseError(f"{format_path((where, *found.path))}: {found.message}")
    resolved: dict[str, Any] = resolve(options, where, env)
    if not has_variables(options):
        return resolved
    error = next(Draft202012Validator(schema).iter_errors(resolved), None)
    if error is not None:
        raise VariableValueError(_refusal(_blamed(error, options), options, where))
    return resolved


def _blamed(error: Error, options: Mapping[str, Any]) -> Error:
    """The error about a value that came from a variable; `error` itself when none is."""
    for leaf in _leaves(error):
        raw = _at(options, tuple(leaf.absolute_path))
        if isinstance(raw, str) and has_variables(raw):
            return leaf
    return error


def _leaves(error: Error) -> Iterator[Error]:
    """The errors that say what is wrong with a value: below `anyOf`/`oneOf`, their branches'."""
    if error.context:
        for sub in error.context:
            yield from _leaves(sub)
    else:
        yield error


def _at(value: Any, path: Path) -> Any:
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _refusal(error: Error, options: Mapping[str, Any], where: str) -> str:
    path = tuple(error.absolute_path)
    at, raw = format_path((where, *path)), _at(options, path)
    name = whole_variable(raw)
    if name is not None:
        return f"{at}: the environment variable {name} does not hold {_wanted(error)}"
    # the schema refused nothing a variable brought; never expected after load
    return f"{at}: is not {_wanted(error)}"


def _wanted(error: Error) -> str:
    """What the option takes, in the user's words (never the value it got)."""
    kind, value = error.validator, error.validator_value
    if kind == "pattern":
        return str(error.schema.get("patternErrorMessage") or f"text of the form {value}")
    if kind == "minLength":
        return "any text" if value == 1 else f"text of at least {value} characters"
    if kind == "maxLength":
        return f"text of at most {value} characters"
    if kind == "enum":
        return f"one of: {', '.join(str(v) for v in value)}"
    if kind == "type" and isinstance(value, str):
        return _TYPES.get(value, value)
    return "a value this option accepts"
