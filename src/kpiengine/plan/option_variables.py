"""Which options may take their value from an environment variable, by the plugin's declaration.

A secret, a web address and a file the plugin reads (`kpiengine.option_roles`) may be a whole
`${NAME}` naming an allowed variable; nothing else may. Never a `${NAME}` inside longer text:
`"http://host/${AWS_SECRET}"` would send a variable's value wherever the text goes, and
`"/nonexistent/${SECRET}/deals.csv"` would print it in "cannot find …". A file the plugin writes
is written in the ruleset. The same findings refuse the ruleset at load (as `file:line:col`) and,
should a ruleset be built some other way, the plugin when the plan runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kpiengine.option_roles import FROM_VARIABLE, Role, option_roles
from kpiengine.plan.envvars import has_variables, not_allowed, variables_in, whole_variable
from kpiengine.plan.problems import Path


@dataclass(frozen=True)
class Finding:
    """A refused use of a variable: where in the options, and why."""

    path: Path
    message: str


_WHAT: dict[Role, str] = {
    "secret": "secret",
    "web-address": "web address",
    "file-read": "file path",
    "file-written": "file path",
}


def variable_findings(
    options: Mapping[str, Any], schema: Mapping[str, Any], env: Mapping[str, str]
) -> list[Finding]:
    """Every refused use of a variable in `options`, in the options' order."""
    roles = option_roles(schema)
    return [f for key, value in options.items() for f in _option(key, value, roles, env)]


def _option(
    key: str, value: Any, roles: Mapping[str, Role], env: Mapping[str, str]
) -> Iterator[Finding]:
    if not has_variables(value):
        return
    role = roles.get(key)
    if not isinstance(value, str):
        yield Finding((key, *_first_variable(value)), _takes_none(roles))
        return
    name = whole_variable(value)
    if role == "file-written":
        yield Finding((key,), _written())
    elif role not in FROM_VARIABLE:
        yield Finding((key,), _takes_none(roles))
    elif name is None:
        yield Finding((key,), _not_whole(role, variables_in(value)[0]))
    else:
        refusal = not_allowed(name, env)
        if refusal is not None:
            yield Finding((key,), refusal)


def _first_variable(value: Any) -> Path:
    """Where in a list or mapping the first `${NAME}` is."""
    items = value.items() if isinstance(value, Mapping) else enumerate(value)
    for part, item in items:
        if has_variables(item):
            return (part, *(() if isinstance(item, str) else _first_variable(item)))
    return ()


def _takes_none(roles: Mapping[str, Role]) -> str:
    able = sorted(name for name, role in roles.items() if role in FROM_VARIABLE)
    which = f"here: {', '.join(able)}" if able else "this plugin has none"
    return (
        "takes no environment variable: write its value here (only a secret, a web address "
        f"or a file the plugin reads may be a whole ${{NAME}}; {which})"
    )


def _not_whole(role: Role | None, name: str) -> str:
    what = _WHAT.get(role, "value") if role is not None else "value"
    start = "a secret is" if role == "secret" else "this option takes"
    return (
        f"{start} a variable only as its whole value, never inside longer text: write "
        f'"${{{name}}}" and put the whole {what} in {name}'
    )


def _written() -> str:
    return (
        "is a file the run writes: write its path here, inside the ruleset's folder "
        "(run --output-dir chooses another folder), not from an environment variable"
    )
