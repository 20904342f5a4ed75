"""A file's run record: `NAME.run.json` beside a file whose format has no place for the run id.

A JSON document says which run made it (`"run": {"id": …}`); a CSV file cannot without a line
that is not data. Beside a CSV written to a regular file the csv output writes `out.csv.run.json`:
the run's id, the file's name and the SHA-256 of its bytes. A JSON document and a CSV of one run
have the same id; a record whose SHA-256 is not the file's belongs to another write of it.
Nothing is recorded for standard output, a device or a FIFO.
"""

from __future__ import annotations

import json
from pathlib import Path

from kpiengine.results.atomic import atomic_write
from kpiengine.results.destination import Replace, destination

SUFFIX = ".run.json"
RECORD_VERSION = 1


def record_path(path: Path) -> Path:
    """Where the run record of `path` is: `out.csv` → `out.csv.run.json`."""
    return path.with_name(path.name + SUFFIX)


def write_run_record(path: Path, run_id: str | None, sha256: str) -> None:
    """Record that the regular file `path`, whose bytes have this SHA-256, was written by the run
    `run_id`; nothing when there is no run id or `path` is not a regular file."""
    if run_id is None or not isinstance(destination(path), Replace):
        return
    record = {
        "kpiengine": RECORD_VERSION,
        "run": {"id": run_id},
        "file": path.name,
        "sha256": sha256,
    }
    with atomic_write(record_path(path)) as handle:
        handle.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
