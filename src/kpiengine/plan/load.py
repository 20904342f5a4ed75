"""Load a ruleset: safe YAML → schema → typed Ruleset; every problem at once."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpiengine.errors import ConfigError, SourceError
from kpiengine.expressions import DEFAULT_FUNCTIONS, FunctionTable
from kpiengine.output import Output
from kpiengine.plan.assemble import build_ruleset
from kpiengine.plan.build import build_sources
from kpiengine.plan.envvars import has_variables
from kpiengine.plan.fieldtypes import type_conflicts
from kpiengine.plan.numbers import number_problems
from kpiengine.plan.option_variables import variable_findings
from kpiengine.plan.problems import Path as DocPath
from kpiengine.plan.problems import Problem, errors_in
from kpiengine.plan.ruleset import Ruleset, SourceSpec
from kpiengine.plan.schema import check_schema, full_schema
from kpiengine.plan.written_files import path_form_problem, written_options
from kpiengine.plan.yamlload import Document, load_document
from kpiengine.plugins import Registry
from kpiengine.source import Source


@dataclass(frozen=True)
class Loaded:
    """A valid ruleset and the warnings found on the way (weights not adding up to 100, …)."""

    ruleset: Ruleset
    warnings: tuple[Problem, ...]


def display_path(path: Path) -> str:
    """The path as the user should see it in messages: relative to where they stand if possible."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def schema_for(registry: Registry) -> dict[str, object]:
    sources = {n: cls.options_schema for n, (cls, _) in sorted(registry.sources.items())}
    outputs = {n: cls.options_schema for n, (cls, _) in sorted(registry.outputs.items())}
    return full_schema(sources, outputs)


def functions_for(registry: Registry) -> FunctionTable:
    return DEFAULT_FUNCTIONS.with_plugins(registry.functions.values())


def _engine_names(spec: SourceSpec, columns: Mapping[str, object]) -> frozenset[str]:
    mapped = set(spec.fields.values())
    return frozenset(spec.fields) | frozenset(c for c in columns if c not in mapped)


def probe_fields(
    doc: Document, registry: Registry, base_dir: Path, problems: list[Problem]
) -> dict[str, frozenset[str] | None]:
    """Ask each source which fields it has (a CSV reads its header) so names can be checked."""
    fields: dict[str, frozenset[str] | None] = {}
    data = doc.data if isinstance(doc.data, Mapping) else {}
    for sid, spec in build_sources(data).items():
        fields[sid] = None
        if spec.plugin not in registry.sources or has_variables(spec.options):
            continue
        try:
            columns = registry.source(spec.plugin)(sid, spec.options, base_dir).fields()
        except SourceError as exc:
            problems.append(doc.problem(("sources", sid, "options"), str(exc)))
            continue
        if columns is not None:
            fields[sid] = _engine_names(spec, columns)
            if not registry.source(spec.plugin).fields_complete:
                continue
            for name, column in spec.fields.items():
                if column not in columns:
                    problems.append(
                        doc.problem(
                            ("sources", sid, "fields", name),
                            f"source '{sid}' has no column '{column}' "
                            f"(columns: {', '.join(columns)})",
                        )
                    )
    return fields


def _plugin_options(
    doc: Document, registry: Registry
) -> list[tuple[DocPath, type[Source] | type[Output], Mapping[str, Any]]]:
    """Each source's and output's place, installed plugin and options, as written."""
    data = doc.data if isinstance(doc.data, Mapping) else {}
    sources, outputs = data.get("sources"), data.get("outputs")
    found: list[tuple[DocPath, Mapping[str, Any], Any]] = []
    if isinstance(sources, Mapping):
        found += [(("sources", sid), registry.sources, spec) for sid, spec in sources.items()]
    if isinstance(outputs, list):
        found += [(("outputs", i), registry.outputs, spec) for i, spec in enumerate(outputs)]
    return [
        (at, installed[spec["plugin"]][0], spec["options"])
        for at, installed, spec in found
        if isinstance(spec, Mapping)
        and spec.get("plugin") in installed
        and isinstance(spec.get("options"), Mapping)
    ]


def variable_problems(doc: Document, registry: Registry, known: list[Problem]) -> list[Problem]:
    """Each `${NAME}` an option may not take (`plan.option_variables`), where no problem is
    already known."""
    taken = {p.path for p in known}
    problems = []
    for at, cls, options in _plugin_options(doc, registry):
        for finding in variable_findings(options, cls.options_schema, os.environ):
            where = (*at, "options", *finding.path)
            if where not in taken:
                problems.append(doc.problem(where, finding.message))
    return problems


def written_path_problems(doc: Document, registry: Registry, known: list[Problem]) -> list[Problem]:
    """Each file the ruleset would write outside its folder (`plan.written_files`)."""
    taken = {p.path for p in known}
    problems = []
    for at, cls, options in _plugin_options(doc, registry):
        for name in written_options(cls.options_schema, getattr(cls, "target_option", None)):
            value, where = options.get(name), (*at, "options", name)
            problem = path_form_problem(value) if isinstance(value, str) else None
            if problem is not None and where not in taken:
                problems.append(doc.problem(where, problem))
    return problems


def check_document(doc: Document, path: Path, registry: Registry) -> tuple[Ruleset, list[Problem]]:
    """Every problem in the document, sorted by position, and the ruleset built from it."""
    numbers = number_problems(doc)
    problems = check_schema(doc, schema_for(registry)) + numbers
    problems += variable_problems(doc, registry, problems)
    problems += written_path_problems(doc, registry, problems)
    sources_ok = not any(p.path[:1] == ("sources",) for p in errors_in(problems))
    fields = probe_fields(doc, registry, path.parent, problems) if sources_ok else {}
    ruleset, more = build_ruleset(doc, path, functions_for(registry), fields)
    more = [p for p in more if not _about_refused_number(p, numbers)]
    if not errors_in(problems + more):
        more += [doc.problem(rule_path(rule), message) for rule, message in type_conflicts(ruleset)]
    return ruleset, sorted(set(problems + more), key=lambda p: (p.line, p.column, p.message))


def _about_refused_number(problem: Problem, numbers: list[Problem]) -> bool:
    """A problem of a tier, a point or a band that holds a refused number (`.nan` is built as 0,
    so "0 does not come after 0" would only be noise)."""
    depth = len(problem.path)
    return depth >= 2 and any(n.path[:depth] == problem.path for n in numbers)


def rule_path(rule: str) -> DocPath:
    """`indicators[0].actual` back to the document path ("indicators", 0, "actual")."""
    parts = re.findall(r"([^.\[\]]+)|\[(\d+)\]", rule)
    return tuple(int(index) if index else name for name, index in parts)


def load_ruleset(path: Path, registry: Registry) -> Loaded:
    """The ruleset at `path`, or ConfigError with every problem as file:line:col: path: message."""
    doc = load_document(path, display_path(path))
    ruleset, problems = check_document(doc, path.resolve(), registry)
    if errors_in(problems):
        raise ConfigError(problems)
    return Loaded(ruleset, tuple(problems))
