"""A Parquet file as a source: typed columns, only those the ruleset reads, no text to parse."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from kpiengine import FetchRequest, FieldType, Source, SourceError
from kpiengine_parquet.options import OPTIONS


def field_type(kind: pa.DataType) -> FieldType:
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_integer(kind):
        return "integer"
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "number"
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        return "date"
    return "string"


class ParquetSource(Source):
    """The columns of a Parquet file; the engine casts them to the types it needs."""

    name: ClassVar[str] = "parquet"
    options_schema: ClassVar[dict[str, Any]] = OPTIONS
    cacheable: ClassVar[bool] = False  # a local file: reading it again is cheap and sees edits

    @property
    def path(self) -> Path:
        return Path(self.base_dir, self.options["path"])

    def _schema(self) -> pa.Schema:
        try:
            import pyarrow.parquet as pq  # loads only when a Parquet source is read

            return pq.read_schema(self.path)
        except FileNotFoundError:
            raise SourceError(
                f"source '{self.source_id}': cannot find {self.options['path']} "
                f"(looked for {self.path.resolve()})"
            ) from None
        except (OSError, pa.ArrowException) as exc:
            raise SourceError(
                f"source '{self.source_id}': {self.path} is not a readable Parquet file ({exc})"
            ) from exc

    def fields(self) -> Mapping[str, FieldType] | None:
        """The file's columns, from its footer (no rows are read); SourceError when the file is
        missing or not Parquet."""
        return {f.name: field_type(f.type) for f in self._schema()}

    def fetch(self, request: FetchRequest) -> pa.Table:
        present = self._schema().names
        missing = [c for c in request.columns if c not in present]
        if missing:
            raise SourceError(
                f"source '{self.source_id}': {self.path} has no column '{missing[0]}' "
                f"(columns: {', '.join(present)})"
            )
        columns = list(request.columns) or present
        try:
            import pyarrow.parquet as pq

            return pq.read_table(self.path, columns=columns)
        except (OSError, pa.ArrowException) as exc:
            raise SourceError(
                f"source '{self.source_id}': cannot read {self.path} ({exc})"
            ) from exc
