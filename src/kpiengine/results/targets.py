"""An output's target, the value of its `target_option` (`path`): `-` for standard output, else a
file path, relative to the folder the output was set up in (the ruleset's folder, or the current
one for `-o NAME:TARGET`)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from kpiengine.errors import OutputError
from kpiengine.results.atomic import atomic_write
from kpiengine.results.destination import is_standard_stream
from kpiengine.results.streams import on_stream

STDOUT = "-"


def target_path(target: str, base_dir: Path) -> Path:
    return Path(base_dir, target)


@contextmanager
def open_target(target: str, base_dir: Path) -> Iterator[IO[bytes]]:
    """A binary handle on the target: standard output for `-`, else `atomic_write`'s."""
    if target != STDOUT:
        with atomic_write(target_path(target, base_dir), mode="wb", encoding=None) as handle:
            yield handle
        return
    try:
        with on_stream(sys.stdout, "wb", None, None) as handle:
            yield handle
    except OSError as exc:
        raise OutputError(f"cannot write to standard output: {exc.strerror or exc}") from exc


def to_standard_stream(target: str, base_dir: Path) -> bool:
    """Whether the target is standard output or error: `-`, /dev/stdout, a link to it, …"""
    return target == STDOUT or is_standard_stream(target_path(target, base_dir))


def shown(target: str, base_dir: Path) -> str:
    """The target as a confirmation names it: from the current folder when it is inside it."""
    path = Path(os.path.abspath(target_path(target, base_dir)))
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
