"""Where a run may write: the files a ruleset names stay in its folder, and nothing is written
onto the ruleset or a file the run reads.

A ruleset is shared and copied: its `outputs` and any option a plugin declares `file-written`
(the csv source's `rejects`) write inside the ruleset's folder — or inside the folder
`run --output-dir` names, which then holds them instead — never to an absolute path, through
`..`, onto a hidden file (`.bashrc`, `.git/…`) or through a link that leads out of that folder.
The command line's `-o` writes wherever the user can. Neither writes onto the ruleset itself or a
file a source of the run reads (`file-read` options).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path, PurePath
from typing import Any

from kpiengine.errors import OutputError
from kpiengine.option_roles import options_with_role
from kpiengine.plan.envvars import UnsetVariableError, VariableUseError, resolve
from kpiengine.plan.ruleset import Ruleset
from kpiengine.plugins import Registry

STDOUT = "-"

_OUTPUT_DIR: ContextVar[Path | None] = ContextVar("kpiengine_output_dir", default=None)


@contextmanager
def writing_into(folder: Path | None) -> Iterator[None]:
    """Inside this block a ruleset's files are written in `folder` (`run --output-dir`) rather
    than in the ruleset's folder; None keeps the ruleset's folder."""
    token = _OUTPUT_DIR.set(None if folder is None else Path(os.path.abspath(folder)))
    try:
        yield
    finally:
        _OUTPUT_DIR.reset(token)


def write_root(ruleset: Ruleset) -> Path:
    """The folder the ruleset's files are written in: `--output-dir`, else the ruleset's."""
    return _OUTPUT_DIR.get() or ruleset.base_dir


def path_form_problem(value: str) -> str | None:
    """Why a path a ruleset writes may not be written as it is (at load), or None."""
    if value == STDOUT:
        return None
    path = PurePath(value)
    if path.is_absolute() or ".." in path.parts:
        return (
            "is outside the ruleset's folder: a ruleset writes only inside its folder (or the "
            "folder run --output-dir names) — write a path such as results/out.csv; "
            "-o on the command line writes anywhere"
        )
    hidden = next((part for part in path.parts if part.startswith(".")), None)
    if hidden is not None:
        return f"names a hidden file or folder ('{hidden}'): a ruleset writes only visible files"
    return None


def placed(value: str, where: str, ruleset: Ruleset, registry: Registry) -> str:
    """A path the ruleset writes (`value`, checked at load), as the absolute path in the write
    root; OutputError when it leads out of that folder or onto a file the run reads."""
    if value == STDOUT:
        return value
    problem = path_form_problem(value)
    if problem is not None:
        raise OutputError(f"{where}: {problem}")
    root = write_root(ruleset)
    path = Path(root, value)
    if not _real(path).is_relative_to(_real(root)):
        raise OutputError(
            f"{where}: {value} leads out of the folder {root} (through a link): a ruleset "
            "writes only inside it"
        )
    refuse_read_file(path, where, ruleset, registry)
    return str(path)


def refuse_read_file(path: Path, where: str, ruleset: Ruleset, registry: Registry) -> None:
    """OutputError when writing `path` would overwrite the ruleset or a file a source reads."""
    for read in files_read(ruleset, registry):
        if _same(path, read):
            what = "the ruleset" if read == ruleset.file else "a file this run reads"
            raise OutputError(f"{where}: {path} is {what} ({read}): it is never written")


def files_read(ruleset: Ruleset, registry: Registry) -> list[Path]:
    """The ruleset and every file its sources read (a `${NAME}` not set yet is left out)."""
    found = [ruleset.file]
    for spec in ruleset.sources.values():
        if spec.plugin not in registry.sources:
            continue
        schema = registry.source(spec.plugin).options_schema
        for name in options_with_role(schema, "file-read"):
            value = _resolved(spec.options.get(name), f"sources.{spec.id}.options.{name}")
            if isinstance(value, str) and value:
                found.append(Path(ruleset.base_dir, value))
    return found


def _resolved(value: Any, where: str) -> Any:
    try:
        return resolve(value, where)
    except (UnsetVariableError, VariableUseError):
        return None


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _same(path: Path, other: Path) -> bool:
    """The same file: by its real path, or as one file under two names (a hard link)."""
    if _real(path) == _real(other):
        return True
    try:
        return os.path.samefile(path, other)
    except OSError:  # one of them is not there
        return False


def written_options(schema: Mapping[str, Any], target_option: str | None = None) -> list[str]:
    """The options that name a file the plugin writes: those its schema declares `file-written`,
    and an output's `target_option` (what `-o NAME:TARGET` sets) in any case."""
    names = set(options_with_role(schema, "file-written"))
    return sorted(names if target_option is None else {*names, target_option})


def placed_options(
    options: Mapping[str, Any],
    written: list[str],
    where: str,
    ruleset: Ruleset,
    registry: Registry,
) -> dict[str, Any]:
    """`options` with each option in `written` placed (`placed`)."""
    found = dict(options)
    for name in written:
        value = found.get(name)
        if isinstance(value, str):
            found[name] = placed(value, f"{where}.{name}", ruleset, registry)
    return found
