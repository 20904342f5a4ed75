"""`validate`'s look at the local files a plan reads, without reading their records.

A local file source (one that is not `cacheable`: csv, parquet) says cheaply which columns it has
— a header, a footer — and fails when its file is missing or unreadable. Each is built as the run
builds it, its `${NAME}`s resolved; one whose variable is not set is left to the run, as are
network sources: validating reaches no API and needs no secret.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kpiengine.data.store import make_source, naming
from kpiengine.errors import SourceError
from kpiengine.plan.envvars import UnsetVariableError, VariableUseError
from kpiengine.plan.fieldtypes import required_fields
from kpiengine.plan.resolved_options import VariableValueError
from kpiengine.plan.ruleset import Ruleset, SourceSpec
from kpiengine.plugins import Registry
from kpiengine.source import FieldType
from kpiengine.suggest import did_you_mean


def local_file_problems(ruleset: Ruleset, registry: Registry) -> list[str]:
    """A sentence for each local file that is missing or unreadable, or whose columns lack one
    the plan reads; empty when every local file is fit to run."""
    needed = required_fields(ruleset)
    found = []
    for spec in ruleset.sources.values():
        if registry.source(spec.plugin).cacheable:
            continue
        problem = _problem(spec, ruleset, registry, needed.get(spec.id, {}))
        if problem is not None:
            found.append(problem)
    return found


def _problem(
    spec: SourceSpec, ruleset: Ruleset, registry: Registry, wanted: Mapping[str, FieldType]
) -> str | None:
    try:
        with naming(spec).scrubbed():
            columns = make_source(spec, ruleset, registry).fields()
    except UnsetVariableError:
        return None  # the file is named when the plan runs, and the run reads it then
    except (SourceError, VariableUseError, VariableValueError) as exc:
        return str(exc)
    if columns is None or not registry.source(spec.plugin).fields_complete:
        return None
    missing = [c for c in dict.fromkeys(map(spec.column, wanted)) if c not in columns]
    return _missing_columns(spec, missing, list(columns)) if missing else None


def _missing_columns(spec: SourceSpec, missing: Sequence[str], columns: Sequence[str]) -> str:
    """`source 'deals': file deals.csv lacks a column the plan reads: 'closed_on' — did you …`."""
    engine = {column: name for name, column in spec.fields.items()}
    named = "; ".join(
        f"'{column}'{_mapped(engine.get(column))}{did_you_mean(column, columns)}"
        for column in missing
    )
    what = "a column" if len(missing) == 1 else "columns"
    return (
        f"source '{spec.id}': {_file(spec)} lacks {what} the plan reads: {named} "
        f"(columns: {', '.join(columns)})"
    )


def _mapped(name: str | None) -> str:
    return "" if name is None else f" (for {name})"


def _file(spec: SourceSpec) -> str:
    """The file as the ruleset names it (a `${NAME}` stays unresolved: it is never printed)."""
    path = spec.options.get("path")
    return f"file {path}" if isinstance(path, str) else "its file"
