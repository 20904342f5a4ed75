"""What a plugin's option is, as its options schema declares it: a secret, a web address, a file
it reads or a file it writes. The engine decides from this which options may take their value
from an environment variable and where a plugin may write (docs/security.md).

A plugin declares it on a property of its options schema (the `properties` of the top level):

- `"writeOnly": true` — a **secret** (a token, a key, a client secret). It may be written as a
  whole `${NAME}`; its value is kept out of every message.
- `"x-kpiengine": "web-address"` — where the plugin connects. It may be a whole `${NAME}`
  (staging or production), checked against the schema once the variable is read.
- `"x-kpiengine": "file-read"` — a file the plugin reads, relative to the ruleset's folder. It may
  be a whole `${NAME}`; no output of the run may write onto it.
- `"x-kpiengine": "file-written"` — a file the plugin writes. It is written in the ruleset,
  never taken from a variable, and must stay inside the ruleset's folder (or `--output-dir`).

Any other option is written in the ruleset as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

ROLE_KEY: Final = "x-kpiengine"
"""The schema keyword that declares an option's role (besides `writeOnly` for a secret)."""

Role = Literal["secret", "web-address", "file-read", "file-written"]
ROLES: Final[tuple[Role, ...]] = ("web-address", "file-read", "file-written")
"""The values `x-kpiengine` takes; a secret is declared with `"writeOnly": true`."""
FROM_VARIABLE: Final[frozenset[Role]] = frozenset({"secret", "web-address", "file-read"})
"""The roles whose option may be a whole `${NAME}`."""


def _properties(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    found = schema.get("properties")
    return found if isinstance(found, Mapping) else {}


def option_role(spec: Any) -> Role | None:
    """The role a property's schema declares, or None for an ordinary option."""
    if not isinstance(spec, Mapping):
        return None
    if spec.get("writeOnly") is True:
        return "secret"
    role = spec.get(ROLE_KEY)
    return role if role in ROLES else None


def option_roles(schema: Mapping[str, Any]) -> dict[str, Role]:
    """Each top-level option that declares a role, with it."""
    found = {name: option_role(spec) for name, spec in _properties(schema).items()}
    return {name: role for name, role in found.items() if role is not None}


def options_with_role(schema: Mapping[str, Any], role: Role) -> list[str]:
    """The names of the options declared `role`, sorted."""
    return sorted(name for name, found in option_roles(schema).items() if found == role)


def role_mistakes(schema: Mapping[str, Any]) -> list[str]:
    """What is wrong with the declarations of an options schema, one sentence each: an unknown
    role, or a role on an option that is not text."""
    mistakes = []
    for name, spec in _properties(schema).items():
        if not isinstance(spec, Mapping) or (ROLE_KEY not in spec and not option_role(spec)):
            continue
        role = spec.get(ROLE_KEY)
        if ROLE_KEY in spec and role not in ROLES:
            mistakes.append(
                f"option '{name}' declares {ROLE_KEY}: {role!r}; the roles are {', '.join(ROLES)}"
            )
        elif spec.get("type") != "string":
            mistakes.append(f"option '{name}' declares a role but is not of type string")
    return mistakes
