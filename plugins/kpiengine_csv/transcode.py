"""A utf-8 view of a CSV file, because DuckDB reads utf-8 but Chinese Excel writes gbk.

DuckDB's own gbk support lives in an extension downloaded from the internet, which a run must
never need; Python's codecs do the same job chunk by chunk.
"""

from __future__ import annotations

import codecs
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kpiengine_csv.csvfile import CsvFile
from kpiengine_csv.undecodable import undecodable_error

CHUNK = 1 << 20


@contextmanager
def utf8_file(file: CsvFile) -> Iterator[Path]:
    """The file itself when it is utf-8, else a utf-8 copy that lives as long as the context."""
    if file.is_utf8:
        yield file.path
        return
    with tempfile.TemporaryDirectory(prefix="kpiengine-csv-") as folder:
        copy = Path(folder, "utf8.csv")
        _transcode(file, copy)
        yield copy


def _transcode(file: CsvFile, target: Path) -> None:
    decoder = codecs.getincrementaldecoder(file.codec)()
    with file.path.open("rb") as source, target.open("w", encoding="utf-8", newline="") as out:
        try:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                out.write(decoder.decode(chunk))
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            raise undecodable_error(file) from None
