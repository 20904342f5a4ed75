"""The error for a file whose bytes are not in the encoding the ruleset names."""

from __future__ import annotations

from kpiengine import SourceError
from kpiengine_csv.csvfile import CsvFile


def first_undecodable_line(file: CsvFile) -> int | None:
    """The line of the first byte that does not decode; None if the whole file decodes.

    Only called once decoding has failed, so reading the whole file here costs nothing on the
    normal path, and it is exact for every encoding (utf-16 included).
    """
    data = file.path.read_bytes()
    try:
        data.decode(file.codec)
    except UnicodeDecodeError as exc:
        return data[: exc.start].decode(file.codec, errors="replace").count("\n") + 1
    return None


def undecodable_error(file: CsvFile, line: int | None = None) -> SourceError:
    """`source 'deals': deals.csv:3: is not valid utf-8 text — if Excel saved it, try …`."""
    if line is None:
        line = first_undecodable_line(file)
    return file.error(
        f"{file.where(line)}: the file is not valid {file.encoding} text — {file.encoding_hint()}"
    )
