"""The ruleset JSON Schema, plugins' option schemas merged into it, and checking a document.

Problems come out as `file:line:col: path: message` in the user's words: mapping, list, text
and number rather than object, array, string and integer; one message per mistake.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Final

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from kpiengine.errors import PluginError
from kpiengine.option_roles import role_mistakes
from kpiengine.plan.envvars import WHOLE_VARIABLE
from kpiengine.plan.problems import Path, Problem
from kpiengine.plan.yamlload import Document
from kpiengine.suggest import closest, did_you_mean

SCHEMA_FILE: Final = "ruleset.schema.json"

# jsonschema ships no type information: its ValidationError is handled as this alias.
Error = Any


@cache
def _schema_text() -> str:
    return resources.files("kpiengine.plan").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def base_schema() -> dict[str, Any]:
    """The ruleset JSON Schema (draft 2020-12) shipped inside the package; a fresh copy."""
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


def full_schema(
    sources: Mapping[str, Mapping[str, Any]], outputs: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """The base schema with each plugin's options schema (plugin name → JSON Schema) merged in.

    A known `plugin:` gets its options checked at `sources.X.options…`/`outputs[i].options…`;
    an unknown one is reported once, at `plugin`, naming the installed plugins. With no plugins
    of a kind given, `plugin:` of that kind is not checked at all.
    """
    schema = base_schema()
    _merge_plugins(schema["$defs"]["source"], sources, "source")
    _merge_plugins(schema["$defs"]["output"], outputs, "output")
    return schema


def _merge_plugins(
    entry: dict[str, Any], options: Mapping[str, Mapping[str, Any]], kind: str
) -> None:
    names = sorted(options)
    if not names:
        return
    entry["properties"]["plugin"]["enum"] = names
    entry["allOf"] = [_when_plugin(name, options[name], kind) for name in names]


def _when_plugin(name: str, options: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """`if plugin == name then options follow that plugin's schema`: silent for other plugins."""
    try:
        Draft202012Validator.check_schema(options)
    except SchemaError as exc:
        raise PluginError(
            f"{kind} plugin '{name}' has an invalid options schema: {exc.message}"
        ) from exc
    mistakes = role_mistakes(options)
    if mistakes:
        raise PluginError(f"{kind} plugin '{name}' has an invalid options schema: {mistakes[0]}")
    embedded = variables_allowed(copy.deepcopy(dict(options)))
    # Its own `$id` makes a plugin schema's "#/$defs/…" references resolve inside that schema.
    embedded.setdefault("$id", f"urn:kpiengine:{kind}:{name}:options")
    embedded.setdefault("title", f"{name} options")
    then: dict[str, Any] = {"properties": {"options": embedded}}
    if embedded.get("required"):
        then["required"] = ["options"]
    when = {"properties": {"plugin": {"const": name}}, "required": ["plugin"]}
    return {"if": when, "then": then}


_DATA_KEYS: Final = frozenset({"const", "enum", "default", "examples", "propertyNames"})
"""Keys of a schema whose contents are not schemas of option values (or, for propertyNames,
constrain keys, which `${NAME}` never fills)."""


def variables_allowed(schema: Any) -> Any:
    """`schema` where each `pattern` also accepts a whole `${NAME}`.

    A variable's value is known only when the plan runs: the form its option must have is checked
    then, against the plugin's own schema (`plan.resolved_options`). Text that only contains a
    `${NAME}` is checked as written here, and again once resolved.
    """
    if isinstance(schema, list):
        return [variables_allowed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    found = {k: v if k in _DATA_KEYS else variables_allowed(v) for k, v in schema.items()}
    pattern = found.get("pattern")
    if isinstance(pattern, str):
        found["pattern"] = f"(?:{pattern})|{WHOLE_VARIABLE}"
        found.setdefault("patternErrorMessage", f"text of the form {pattern}")
    return found


def check_schema(doc: Document, schema: Mapping[str, Any]) -> list[Problem]:
    """Every schema problem of `doc` in one pass, by position, the best match first at each."""
    validator = Draft202012Validator(schema)
    found = [f for error in validator.iter_errors(doc.data) for f in _explain(doc, error)]
    return _ordered(found)


# -- one problem per mistake ---------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    problem: Problem
    rank: int  # lower comes first among problems at one position
    is_type: bool = False
    fixes: frozenset[str] = frozenset()  # a missing key: any of these would fix it
    suggests: str | None = None  # an unknown key: the key it probably meant


def _ordered(found: list[_Found]) -> list[Problem]:
    mistyped = {f.problem.path for f in found if f.is_type}
    meant = {(f.problem.path[:-1], f.suggests) for f in found if f.suggests}
    kept: dict[Problem, _Found] = {}
    for f in found:
        if f.problem.path in mistyped and not f.is_type:
            continue  # the value has the wrong type: anything else said about it is noise
        if any((f.problem.path, key) in meant for key in f.fixes):
            continue  # "missing 'weight'" when the same mapping has "unknown key 'wieght'"
        kept.setdefault(f.problem, f)
    ranked = sorted(kept.values(), key=_position)
    return [f.problem for f in ranked]


def _position(f: _Found) -> tuple[int, int, int, str]:
    return f.problem.line, f.problem.column, f.rank, f.problem.format()


def _path(error: Error) -> Path:
    return tuple(error.absolute_path)


def _explain(doc: Document, error: Error) -> list[_Found]:
    validator = error.validator
    if validator in ("oneOf", "anyOf"):
        return _explain_choice(doc, error)
    if validator == "additionalProperties":
        return _unknown_keys(doc, error)
    if validator in ("required", "dependentRequired"):
        return _missing_keys(doc, error)
    if "propertyNames" in error.absolute_schema_path:
        key = str(error.instance)
        message = f"the key '{key}' is not valid: {_key_message(error)}"
        return [_Found(doc.problem((*_path(error), key), message, key=True), 2)]
    problem = doc.problem(_path(error), _message(error))
    return [_Found(problem, _RANKS.get(validator, 4), is_type=validator == "type")]


_RANKS: Final = {"type": 0, "required": 1, "additionalProperties": 2, "enum": 3, "const": 3}


# -- keys -----------------------------------------------------------------------------------


def _allowed_keys(schema: Mapping[str, Any]) -> list[str]:
    return list(schema.get("properties", {}))


def _is_declared(key: str, schema: Mapping[str, Any]) -> bool:
    patterns = schema.get("patternProperties", {})
    return key in schema.get("properties", {}) or any(re.search(p, key) for p in patterns)


def _unknown_keys(doc: Document, error: Error) -> list[_Found]:
    allowed = _allowed_keys(error.schema)
    found = []
    for key in error.instance:
        if _is_declared(key, error.schema):
            continue
        meant = closest(key, allowed)
        listed = f"; the keys allowed here are: {', '.join(allowed)}" if allowed else ""
        message = f"unknown key '{key}'{did_you_mean(key, allowed) or listed}"
        problem = doc.problem((*_path(error), key), message, key=True)
        found.append(_Found(problem, 2, suggests=meant))
    return found


def _missing(required: Iterable[str], instance: Mapping[str, Any]) -> list[str]:
    return [name for name in required if name not in instance]


def _missing_keys(doc: Document, error: Error) -> list[_Found]:
    instance, path = error.instance, _path(error)
    if error.validator == "required":
        pairs = [(name, "") for name in _missing(error.validator_value, instance)]
    else:
        pairs = [
            (name, f" (needed with '{having}')")
            for having, needs in error.validator_value.items()
            if having in instance
            for name in _missing(needs, instance)
        ]
    return [
        _Found(doc.problem(path, f"missing required key '{name}'{why}"), 1, fixes=frozenset([name]))
        for name, why in pairs
    ]


# -- oneOf / anyOf: pick the branch the user meant -------------------------------------------


def _required_choices(branches: Sequence[Any]) -> list[str] | None:
    """The key names when every branch is just `{"required": [name]}`: "one of these keys"."""
    names = []
    for branch in branches:
        if not (isinstance(branch, dict) and list(branch) == ["required"]):
            return None
        if len(branch["required"]) != 1:
            return None
        names.append(str(branch["required"][0]))
    return names


def _explain_choice(doc: Document, error: Error) -> list[_Found]:
    names = _required_choices(error.validator_value)
    if names is not None:
        return _choice_of_keys(doc, error, names)
    branches: dict[int, list[Error]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    fitting = [errors for errors in branches.values() if not any(map(_own_type_error, errors))]
    if fitting:
        return [f for sub in min(fitting, key=len) for f in _explain(doc, sub)]
    types = [t for sub in error.context if _own_type_error(sub) for t in _types(sub)]
    message = _type_message(types, error.instance) if types else str(error.message)
    return [_Found(doc.problem(_path(error), message), 0, is_type=bool(types))]


def _own_type_error(error: Error) -> bool:
    return bool(error.validator == "type" and not error.relative_path)


def _types(error: Error) -> list[str]:
    value = error.validator_value
    return [value] if isinstance(value, str) else list(value)


def _choice_of_keys(doc: Document, error: Error, names: list[str]) -> list[_Found]:
    if not isinstance(error.instance, dict):
        return []  # the type error at the same place says it all
    listed = ", ".join(names)
    present = [name for name in names if name in error.instance]
    if not present:
        need = "one of" if error.validator == "oneOf" else "at least one of"
        problem = doc.problem(_path(error), f"needs {need}: {listed}")
        return [_Found(problem, 1, fixes=frozenset(names))]
    found = " and ".join(f"'{name}'" for name in present)
    return [_Found(doc.problem(_path(error), f"takes only one of {listed}; found {found}"), 1)]


# -- messages in the user's words ------------------------------------------------------------

_TYPE_WORDS: Final = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "yes/no (true or false)",
    "null": "nothing",
}
_NUMBER: Final = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
_CHINESE_UNITS: Final = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(value: Any) -> str:
    """A value as the user wrote it: `text '1,000'`, `number 5`, `a list`."""
    if isinstance(value, bool):
        return f"yes/no value {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"number {value}"
    if isinstance(value, str):
        return f"text '{_short(value)}'"
    if value is None:
        return "nothing"
    return "a mapping" if isinstance(value, dict) else "a list"


def _as_plain_number(text: str) -> Decimal | None:
    """What `1,000`, `90%` or `1,500万` mean as a plain number, or None."""
    cleaned = text.strip().replace(",", "").replace("\uff0c", "")  # fullwidth comma
    scale = Decimal(1)
    if cleaned.endswith("%"):
        cleaned, scale = cleaned[:-1], Decimal("0.01")
    elif cleaned[-1:] in _CHINESE_UNITS:
        cleaned, scale = cleaned[:-1], _CHINESE_UNITS[cleaned[-1]]
    if not _NUMBER.fullmatch(cleaned):
        return None
    return Decimal(cleaned) * scale


def _number_hint(text: str) -> str:
    number = _as_plain_number(text)
    if number is None:
        return ""
    if _NUMBER.fullmatch(text.strip()):
        return " — remove the quotes"
    plain = format(number.normalize(), "f")
    return f" — write it as a plain number: {plain}"


def _type_message(types: Sequence[str], instance: Any) -> str:
    words = " or ".join(dict.fromkeys(_TYPE_WORDS.get(t, t) for t in types))
    hint = ""
    if isinstance(instance, str) and {"number", "integer"} & set(types):
        hint = _number_hint(instance)
    return f"expected {words}, got {describe(instance)}{hint}"


def _enum_message(error: Error) -> str:
    options = [str(o) for o in error.validator_value]
    instance, path = error.instance, _path(error)
    hint = did_you_mean(instance, options) if isinstance(instance, str) else ""
    listed = ", ".join(options)
    if len(path) >= 2 and path[-1] == "plugin" and path[0] in ("sources", "outputs"):
        kind = str(path[0])[:-1]
        return f"unknown {kind} plugin '{instance}'{hint} (installed: {listed})"
    return f"must be one of: {listed}{hint or f' (got {describe(instance)})'}"


def _pattern_message(error: Error) -> str:
    wanted = error.schema.get("patternErrorMessage")
    if wanted:
        return f"expected {wanted}, got {describe(error.instance)}"
    return f"{describe(error.instance)} does not have the expected form ({error.validator_value})"


def _key_message(error: Error) -> str:
    wanted = error.schema.get("patternErrorMessage")
    return f"expected {wanted}" if error.validator == "pattern" and wanted else _message(error)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _items_message(error: Error) -> str:
    schema, got = error.schema, len(error.instance)
    if schema.get("minItems") == schema.get("maxItems"):
        return f"must have exactly {_count(schema['minItems'], 'item')}, got {got}"
    if error.validator == "minItems":
        return f"needs at least {_count(error.validator_value, 'item')}, got {got}"
    return f"takes at most {_count(error.validator_value, 'item')}, got {got}"


def _duplicate_message(error: Error) -> str:
    seen: list[Any] = []
    for item in error.instance:
        if item in seen:
            shown = f"'{_short(item)}'" if isinstance(item, str) else describe(item)
            return f"lists {shown} more than once"
        seen.append(item)
    return "lists the same item more than once"


def _length_message(error: Error) -> str:
    n = error.validator_value
    if error.validator == "minLength":
        return "must not be empty" if n == 1 else f"must be at least {n} characters long"
    return f"must be at most {n} characters long"


def _bound(word: str) -> Callable[[Error], str]:
    return lambda e: f"must be {word} {e.validator_value}, got {describe(e.instance)}"


_MESSAGES: Final[dict[str, Callable[[Error], str]]] = {
    "type": lambda e: _type_message(_types(e), e.instance),
    "enum": _enum_message,
    "const": lambda e: f"must be {json.dumps(e.validator_value)} (got {describe(e.instance)})",
    "pattern": _pattern_message,
    "minimum": _bound("at least"),
    "maximum": _bound("at most"),
    "exclusiveMinimum": _bound("more than"),
    "exclusiveMaximum": _bound("less than"),
    "multipleOf": _bound("a multiple of"),
    "minLength": _length_message,
    "maxLength": _length_message,
    "minItems": _items_message,
    "maxItems": _items_message,
    "uniqueItems": _duplicate_message,
    "minProperties": lambda e: (
        "must not be empty"
        if e.validator_value == 1
        else f"needs at least {e.validator_value} keys"
    ),
    "maxProperties": lambda e: f"takes at most {e.validator_value} keys",
    "not": lambda e: "is not allowed here",
}


def _message(error: Error) -> str:
    if error.validator is None:  # a `false` schema
        return "is not allowed here"
    make = _MESSAGES.get(error.validator)
    return make(error) if make is not None else str(error.message)
