"""The csv output: one row per subject and period, written atomically (or to stdout with `-`),
with the run's record beside a file (`out.csv.run.json`: the run id a CSV has no place for)."""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterable, Iterator
from typing import IO, Any, ClassVar

from kpiengine import Output, OutputError, Results, Written
from kpiengine_csv.checks import checks_csv
from kpiengine_csv.output_options import OUTPUT_OPTIONS


def encoded(chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    """UTF-8 chunks in the file's encoding (UTF-8 ones pass through untouched)."""
    if encoding == "utf-8-sig":
        yield codecs.BOM_UTF8
    for chunk in chunks:
        yield chunk if encoding.startswith("utf-8") else chunk.decode("utf-8").encode(encoding)


def write_all(handle: IO[bytes], chunks: Iterable[bytes]) -> str:
    """Write the chunks; the SHA-256 of what was written."""
    digest = hashlib.sha256()
    for chunk in chunks:
        handle.write(chunk)
        digest.update(chunk)
    return digest.hexdigest()


class CsvOutput(Output):
    """Results as a CSV file: subject, name, period, groups, indicators, …, warnings."""

    name: ClassVar[str] = "csv"
    target_option: ClassVar[str | None] = "path"
    options_schema: ClassVar[dict[str, Any]] = OUTPUT_OPTIONS

    def write(self, results: Results) -> Written:
        """Write the results (and the checks, if asked); a previous file stays whole if
        anything fails."""
        delimiter = self.options.get("delimiter", ",")
        rows = len(results.table)
        what = f"{rows} row{'' if rows == 1 else 's'}"
        self._write("path", results.table.csv_chunks(delimiter), results.run_id)
        if "checks" in self.options:
            self._write("checks", checks_csv(results.checks, delimiter), results.run_id)
            count, where = len(results.checks), self.wrote("", "checks").where or "-"
            what += f"; {count} check{'' if count == 1 else 's'} in {where}"
        return self.wrote(what)

    def _write(self, option: str, chunks: Iterable[bytes], run_id: str | None) -> None:
        encoding = self.options.get("encoding", default_encoding(self.options[option]))
        try:
            with self.open_target(option) as handle:
                sha256 = write_all(handle, encoded(chunks, encoding))
        except UnicodeEncodeError as exc:
            bad = exc.object[exc.start : exc.end]
            raise OutputError(
                f"cannot write {self.options[option]} as {encoding}: '{bad}' has no {encoding} "
                "form — use encoding: utf-8-sig"
            ) from exc
        self.record_run(run_id, sha256, option)


def default_encoding(path: str) -> str:
    """UTF-8 with a BOM for a file, for Excel; plain UTF-8 printed (`-`), for other programs."""
    return "utf-8" if path == "-" else "utf-8-sig"
