"""Write docs/plugins/: one Markdown page per built-in plugin, rendered from its options schemas.

Run from anywhere: `python tools/plugin_docs.py` rewrites the pages, `--check` only says which are
out of date (tests/test_plugin_docs.py runs the same check). The built-in plugins are the entry
points in pyproject.toml, imported from this checkout, so the pages never depend on what else is
installed. A schema keyword the renderer does not know is an error rather than a silent omission.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from kpiengine.output import Output
from kpiengine.plugins import Registry, check, collect, new_manager
from kpiengine.source import Source
from plugin_examples import EXAMPLES

ROOT = Path(__file__).resolve().parent.parent
PAGES = Path("docs", "plugins")
COMMAND = "python tools/plugin_docs.py"
INDEX = "README.md"
SENTENCE_END = re.compile(r"(?<=[A-Za-z0-9)])\.\s+(?=[A-Z])")
"""Where a description's first sentence ends: not inside "e.g. one" or "v3.0"."""

Schema = Mapping[str, Any]

ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "writeOnly",
        "x-kpiengine",
        "deprecated",
        "patternErrorMessage",
    }
)
RENDERED = frozenset(
    {
        "type", "enum", "const", "properties", "required", "additionalProperties", "items",
        "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems", "minProperties",
        "maxProperties", "oneOf", "anyOf", "dependentRequired",
    }
)  # fmt: skip
TYPE_WORDS = {
    "string": "text",
    "number": "number",
    "integer": "whole number",
    "boolean": "true/false",
    "null": "`null`",
    "object": "mapping",
    "array": "list",
}


class DocsError(Exception):
    """A schema or example the pages cannot be written from; the message says what to fix."""


@dataclass(frozen=True)
class Option:
    """One row of an options table: a dotted name, its schema and whether it must be given."""

    name: str
    schema: Schema
    required: str


# -- which plugins ------------------------------------------------------------------------------


def builtin_entry_points(root: Path = ROOT) -> dict[str, str]:
    """The `kpiengine` entry points of pyproject.toml: plugin name → module."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    points: dict[str, str] = pyproject["project"]["entry-points"]["kpiengine"]
    return dict(sorted(points.items()))


def builtin_registry() -> Registry:
    """What the built-in plugins register, loaded by name from this checkout's pyproject.toml."""
    pm = new_manager()
    for name, module in builtin_entry_points().items():
        pm.register(importlib.import_module(module), name=name)
    check(pm)
    return collect(pm)


# -- Markdown text --------------------------------------------------------------------------------


def _underscores(match: re.Match[str]) -> str:
    # between letters or digits (created_on, Region__c) underscores cannot start emphasis
    text, start, end = match.string, match.start(), match.end()
    inside = start > 0 and end < len(text) and text[start - 1].isalnum() and text[end].isalnum()
    return match.group() if inside else match.group().replace("_", "\\_")


def _plain(text: str) -> str:
    return re.sub(r"_+", _underscores, re.sub(r"([\\*<|])", r"\\\1", text))


def md(text: str) -> str:
    """Text for a table cell: Markdown specials escaped outside `code`, pipes everywhere."""
    parts = text.split("`")
    for i, part in enumerate(parts):
        parts[i] = part.replace("|", "\\|") if i % 2 else _plain(part)
    return "`".join(parts)


def flow(value: Any) -> str:
    """A value as a ruleset writes it: YAML flow style, quoted only where YAML needs it."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1000)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def code(value: Any) -> str:
    return f"`{flow(value)}`"


def names(items: Sequence[str]) -> str:
    """`a`, `b` and `c`."""
    shown = [f"`{n}`" for n in items]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def sentence(text: str) -> str:
    """The text with a full stop (descriptions may start with a value such as utf-8-sig)."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _capital(text: str) -> str:
    return sentence(text[:1].upper() + text[1:])


# -- one option ---------------------------------------------------------------------------------


def kind(schema: Schema) -> str:
    """The option's type in the user's words: text, list of text, one of `stop`, `skip`…"""
    if "const" in schema:
        return code(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(code(v) for v in schema["enum"])
    types = schema.get("type", [])
    words = [_type_word(t, schema) for t in ([types] if isinstance(types, str) else types)]
    return " or ".join(words) or "any value"


def _type_word(name: str, schema: Schema) -> str:
    if name == "array" and isinstance(schema.get("items"), Mapping):
        items = schema["items"]
        if "enum" in items:
            return "list, each item " + kind(items)
        return "list of " + kind(items) if "properties" not in items else "list of mappings"
    values = schema.get("additionalProperties")
    if name == "object" and isinstance(values, Mapping) and "properties" not in schema:
        return "mapping: name → " + kind(values)
    return TYPE_WORDS[name]


def _bounds(schema: Schema) -> list[str]:
    low = [f"at least {schema['minimum']}"] if "minimum" in schema else []
    low += [f"more than {schema['exclusiveMinimum']}"] if "exclusiveMinimum" in schema else []
    high = [f"at most {schema['maximum']}"] if "maximum" in schema else []
    high += [f"less than {schema['exclusiveMaximum']}"] if "exclusiveMaximum" in schema else []
    if "minimum" in schema and "maximum" in schema:
        return [f"From {schema['minimum']} to {schema['maximum']}."]
    return [_capital(" and ".join(low + high))] if low or high else []


def _count(schema: Schema, low: str, high: str, noun: str) -> list[str]:
    least, most = schema.get(low), schema.get(high)
    plural = f"{noun}s" if noun != "entry" else "entries"
    if least is not None and least == most:
        return [f"Exactly {least} {noun if least == 1 else plural}."]
    found = [f"at least {least} {noun if least == 1 else plural}"] if least else []
    found += [f"at most {most} {noun if most == 1 else plural}"] if most is not None else []
    return [_capital(" and ".join(found))] if found else []


def limits(schema: Schema) -> list[str]:
    """Sentences for the checks on a value beyond its type: bounds, lengths, patterns…"""
    found = _bounds(schema)
    if "multipleOf" in schema:
        found.append(f"A multiple of {schema['multipleOf']}.")
    if schema.get("minLength") != 1 or "maxLength" in schema:  # non-empty goes without saying
        found += _count(schema, "minLength", "maxLength", "character")
    if "pattern" in schema:
        shown = schema.get("patternErrorMessage")
        found.append(f"Written as {shown}." if shown else f"Matches `{schema['pattern']}`.")
    if "format" in schema:
        found.append(f"Format: {schema['format']}.")
    found += _count(schema, "minItems", "maxItems", "item")
    if schema.get("uniqueItems"):
        found.append("No item twice.")
    found += _count(schema, "minProperties", "maxProperties", "entry")
    return found


def _inner(schema: Schema) -> list[str]:
    """What the items of a list or the values of a mapping must be, beyond their type."""
    for key, noun in (("items", "item"), ("additionalProperties", "value")):
        inner = schema.get(key)
        if isinstance(inner, Mapping) and "properties" not in inner:
            said = [inner["description"]] if "description" in inner else []
            said += limits(inner)
            if said:
                return [f"Each {noun}: " + " ".join(sentence(s) for s in said)]
    return []


ROLE_MARKS = {
    "web-address": "**Web address:** may be a whole `${NAME}`.",
    "file-read": "**File read:** may be a whole `${NAME}`; never written by a run.",
    "file-written": "**File written:** inside the ruleset's folder (or `run --output-dir`).",
}
"""What the pages say of an option by the role its plugin declares (`x-kpiengine`)."""


def what(option: Option) -> str:
    """The "what it does" cell: secret or role, description, then the checks on the value."""
    schema = option.schema
    marks = ["**Secret.**"] if schema.get("writeOnly") else []
    marks += [ROLE_MARKS[schema["x-kpiengine"]]] if "x-kpiengine" in schema else []
    marks += ["**Deprecated.**"] if schema.get("deprecated") else []
    said = [sentence(schema["description"]), *limits(schema), *_inner(schema)]
    return " ".join(marks + [md(s) for s in said])


def row(option: Option) -> str:
    default = code(option.schema["default"]) if "default" in option.schema else ""
    cells = [f"`{option.name}`", kind(option.schema), default, option.required, what(option)]
    return "| " + " | ".join(md(c) if i < 3 else c for i, c in enumerate(cells)) + " |"


# -- one schema ---------------------------------------------------------------------------------


def check_keywords(schema: Schema, where: str) -> None:
    """Every keyword is one the pages show: a new one must be taught here, not dropped."""
    unknown = sorted(set(schema) - ANNOTATIONS - RENDERED)
    if unknown:
        raise DocsError(
            f"{where}: {COMMAND} does not know how to show the schema keyword '{unknown[0]}'; "
            "teach it (tools/plugin_docs.py) so the pages do not leave the rule out"
        )
    for key in ("oneOf", "anyOf"):
        if any(not isinstance(e, Mapping) or set(e) != {"required"} for e in schema.get(key, [])):
            raise DocsError(f"{where}: {COMMAND} shows '{key}' only as lists of required options")
    for key, sub in schema.get("properties", {}).items():
        check_keywords(sub, f"{where}.{key}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), Mapping):
            check_keywords(schema[key], f"{where} ({key})")


def _alternatives(schema: Schema, key: str) -> list[list[str]]:
    return [list(entry["required"]) for entry in schema.get(key, [])]


def _choice(groups: list[list[str]], prefix: str) -> str:
    shown = [" with ".join(f"`{prefix}{n}`" for n in group) for group in groups]
    return ", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else shown[0]


def rules(schema: Schema, prefix: str = "") -> list[str]:
    """The rules between options (one of…, with… also…), as sentences; nested ones included."""
    found = []
    if groups := _alternatives(schema, "oneOf"):
        found.append(f"Give exactly one of {_choice(groups, prefix)}.")
    if groups := _alternatives(schema, "anyOf"):
        found.append(f"Give at least one of {_choice(groups, prefix)}.")
    for key, needs in schema.get("dependentRequired", {}).items():
        found.append(f"With `{prefix}{key}`, give {names([prefix + n for n in needs])} too.")
    for key, sub in schema.get("properties", {}).items():
        found += rules(sub, f"{prefix}{key}.")
    return found


def _ruled(schema: Schema) -> set[str]:
    """The options a rule between options names: whether they are needed depends on others."""
    ruled = {n for k in ("oneOf", "anyOf") for group in _alternatives(schema, k) for n in group}
    for key, needs in schema.get("dependentRequired", {}).items():
        ruled |= {key, *needs}
    return ruled


def _required(key: str, schema: Schema, within: str | None) -> str:
    if key in schema.get("required", []):
        return "yes" if within is None else f"yes, {within}"
    return "see below" if key in _ruled(schema) else "no"


def flatten(schema: Schema, prefix: str = "", within: str | None = None) -> Iterator[Option]:
    """Every option, nested mappings' ones as `auth.client_id` and list items' as `rows[].id`."""
    for key, sub in schema.get("properties", {}).items():
        option = Option(prefix + key, sub, _required(key, schema, within))
        yield option
        if "properties" in sub:
            given = within if option.required.startswith("yes") else f"if `{option.name}` is given"
            yield from flatten(sub, f"{option.name}.", given)
        items = sub.get("items")
        if isinstance(items, Mapping) and "properties" in items:
            yield from flatten(items, f"{option.name}[].", f"in each item of `{option.name}`")


def options_of(schema: Schema, where: str) -> list[Option]:
    """The table's rows; an option without a description is an error naming it."""
    check_keywords(schema, where)
    options = list(flatten(schema))
    for option in options:
        if not str(option.schema.get("description", "")).strip():
            raise DocsError(
                f"{where}: option '{option.name}' has no description — add a \"description\" "
                "to it in the plugin's options_schema, then run " + COMMAND
            )
    return options


# -- a plugin's source or output ------------------------------------------------------------------


def example(kind: str, name: str, schema: Schema) -> str:
    """The example snippet, after checking it is a ruleset's block whose options are valid."""
    where = f"the example of {kind} '{name}' in tools/plugin_examples.py"
    text = EXAMPLES.get((kind, name))
    if text is None:
        raise DocsError(f"{kind} '{name}' has no example: add one to tools/plugin_examples.py")
    data = yaml.safe_load(text)
    entries = list(data["sources"].values()) if kind == "source" else data["outputs"]
    if len(entries) != 1 or entries[0].get("plugin") != name:
        raise DocsError(f"{where} must be one {kind} with plugin: {name}")
    error = best_match(Draft202012Validator(schema).iter_errors(entries[0].get("options", {})))
    if error is not None:
        raise DocsError(f"{where}: options {error.message}")
    return text


def source_notes(cls: type[Source]) -> list[str]:
    if not cls.cacheable:
        return ["Read afresh on every run, so edits to the file show at once (nothing is cached)."]
    kept = "What it fetches is kept in `.kpiengine-cache/` beside the ruleset (no secrets are kept)"
    if cls.id_column:
        return [
            f"{kept}; later runs ask only for the records changed or deleted since the last fetch "
            f"and merge them by `{cls.id_column}`. `--refresh` fetches everything again, "
            "`--no-cache` neither reads nor writes the cache."
        ]
    return [f"{kept} and reused by later runs; `--refresh` fetches again, `--no-cache` skips it."]


def output_notes(cls: type[Output]) -> list[str]:
    """What `-o` on the command line can do with the output, which only sets its target."""
    needed = set(cls.options_schema.get("required", [])) - {cls.target_option}
    if needed:
        return ["Needs options `-o` cannot give: name it in the ruleset's `outputs:`."]
    if cls.target_option is None:
        return [
            f"`kpiengine run -o {cls.name}` uses it, with default options, instead of the "
            "ruleset's `outputs`."
        ]
    return [
        f"`kpiengine run -o {cls.name}:TARGET` uses it instead of the ruleset's `outputs`, with "
        f"`{cls.target_option}` set to TARGET (relative to the folder you run in) and the other "
        "options at their defaults."
    ]


def table(options: list[Option]) -> list[str]:
    if not options:
        return ["It takes no options."]
    head = ["| option | type | default | required | what it does |", "|---|---|---|---|---|"]
    return head + [row(o) for o in options]


def section(kind: str, cls: type[Source] | type[Output]) -> list[str]:
    """The page's part about one source or output: what it is, its options, an example."""
    schema, where = cls.options_schema, f"{kind} '{cls.name}'"
    if not str(schema.get("description", "")).strip():
        raise DocsError(f"{where}: its options_schema has no description of the {kind}")
    options = options_of(schema, where)
    notes = source_notes(cls) if issubclass(cls, Source) else output_notes(cls)
    lines = [f"## {kind.capitalize()} `{cls.name}`", "", md(sentence(schema["description"]))]
    lines += ["", *notes, "", *table(options), ""]
    lines += [f"- {md(r)}" for r in rules(schema)]
    if schema.get("additionalProperties") is False:
        lines.append("- Any other option is an error.")
    if any(o.schema.get("writeOnly") for o in options):
        lines.append(
            "- Write a **secret** as `${NAME}`, set the environment variable `NAME` and allow it "
            "in `KPIENGINE_ALLOW_ENV` before the run: the value never sits in the ruleset, and "
            "kpiengine keeps it out of messages."
        )
    block = example(kind, cls.name, schema)
    return [*lines, "", "Example:", "", "```yaml", block.rstrip("\n"), "```", ""]


# -- the pages ----------------------------------------------------------------------------------

GENERATED = (
    "<!-- Generated by tools/plugin_docs.py from the plugins' options schemas; do not edit. "
    f"Change a schema (or tools/plugin_examples.py), then run: {COMMAND} -->"
)


@dataclass(frozen=True)
class Plugin:
    """A built-in plugin with the sources and outputs it registers."""

    name: str
    sources: list[type[Source]]
    outputs: list[type[Output]]


def plugins(reg: Registry) -> list[Plugin]:
    found = []
    for name in builtin_entry_points():
        sources = [reg.source(n) for n in sorted(reg.sources) if reg.sources[n][1] == name]
        outputs = [reg.output(n) for n in sorted(reg.outputs) if reg.outputs[n][1] == name]
        if sources or outputs:
            found.append(Plugin(name, sources, outputs))
    return found


def _registers(plugin: Plugin) -> str:
    parts = [f"the source `{c.name}`" for c in plugin.sources]
    parts += [f"the output `{c.name}`" for c in plugin.outputs]
    return " and ".join(parts)


def page(plugin: Plugin) -> str:
    lines = [GENERATED, "", f"# The `{plugin.name}` plugin", ""]
    lines += [
        f"Built in; it registers {_registers(plugin)}. [All plugins](README.md) · "
        "[the ruleset format](../ruleset.md)",
        "",
    ]
    for source in plugin.sources:
        lines += section("source", source)
    for output in plugin.outputs:
        lines += section("output", output)
    return "\n".join(lines).rstrip("\n") + "\n"


def _summary(kind: str, plugin: Plugin, cls: type[Source] | type[Output]) -> str:
    first = SENTENCE_END.split(str(cls.options_schema["description"]))[0]
    return f"| [`{cls.name}`]({plugin.name}.md#{kind}-{cls.name}) | {md(sentence(first))} |"


def index(found: list[Plugin]) -> str:
    lines = [GENERATED, "", "# Plugin options", ""]
    lines += [
        "What each built-in source and output takes under `options:` in a ruleset, one page per "
        "plugin, written from the same options schema that `kpiengine validate` checks and "
        "`schemas/ruleset.schema.json` gives editors. [The ruleset format](../ruleset.md) "
        "describes the rest of a `sources:` entry (`plugin`, `fields`) and of an `outputs:` one; "
        "`kpiengine plugins --all` lists the options of every installed plugin, third parties' "
        "too.",
        "",
    ]
    lines += ["## Sources", "", "| source | what it reads |", "|---|---|"]
    lines += [_summary("source", p, c) for p in found for c in p.sources]
    lines += ["", "## Outputs", "", "| output | what it writes |", "|---|---|"]
    lines += [_summary("output", p, c) for p in found for c in p.outputs]
    return "\n".join(lines) + "\n"


def render(reg: Registry) -> dict[Path, str]:
    """Every page, by its path under the repository root."""
    found = plugins(reg)
    pages = {PAGES / f"{p.name}.md": page(p) for p in found}
    return {PAGES / INDEX: index(found), **pages}


def stale(pages: Mapping[Path, str], root: Path = ROOT) -> list[str]:
    """What differs on disk, one sentence a page: out of date, missing, or of no plugin."""
    found = []
    for path, text in pages.items():
        on_disk = _read(root / path)
        if on_disk != text:
            found.append(f"{path} is {'missing' if on_disk is None else 'out of date'}")
    extra = sorted(p.relative_to(root) for p in (root / PAGES).glob("*.md"))
    return found + [f"{p} is the page of no built-in plugin" for p in extra if p not in pages]


def _read(path: Path) -> str | None:
    return path.read_text("utf-8") if path.exists() else None


def write(pages: Mapping[Path, str], root: Path = ROOT) -> None:
    (root / PAGES).mkdir(parents=True, exist_ok=True)
    for extra in (root / PAGES).glob("*.md"):
        if extra.relative_to(root) not in pages:
            extra.unlink()
    for path, text in pages.items():
        if _read(root / path) != text:
            (root / path).write_text(text, "utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only say which pages are stale")
    args = parser.parse_args(argv)
    try:
        pages = render(builtin_registry())
    except DocsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not args.check:
        write(pages)
        return 0
    differ = stale(pages)
    for problem in differ:
        print(f"{problem}; regenerate the pages: {COMMAND}", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
