"""Merge a source's incremental changes into its cached snapshot, by record id."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from kpiengine.errors import SourceError
from kpiengine.source import Changes


def merge(snapshot: pa.Table, changes: Changes, id_column: str, source_id: str) -> pa.Table:
    """The snapshot without deleted or changed records, then the changed ones: one row per id."""
    if id_column not in snapshot.column_names or id_column not in changes.upserts.column_names:
        raise SourceError(
            f"source '{source_id}': incremental changes need the '{id_column}' column"
        )
    upserts = None
    if changes.upserts.num_rows:
        upserts = changes.upserts.select(snapshot.column_names).cast(snapshot.schema)
    gone = pa.array(sorted(changes.deleted | _ids(changes.upserts, id_column)), pa.string())
    ids = pc.cast(snapshot[id_column], pa.string())
    kept = snapshot.filter(pc.invert(pc.is_in(ids, value_set=gone)))
    return pa.concat_tables([kept, upserts]) if upserts is not None else kept


def _ids(table: pa.Table, id_column: str) -> set[str]:
    return {str(v) for v in table[id_column].to_pylist() if v is not None}
