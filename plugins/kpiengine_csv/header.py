"""The header line of a CSV file: the column names, read without touching the rest."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter

from kpiengine import SourceError
from kpiengine_csv.csvfile import CsvFile
from kpiengine_csv.undecodable import undecodable_error


def _first_record(file: CsvFile) -> str:
    # Byte by byte, so a bad byte further down the file is not decoded here: the header is
    # short, and the rows' problems belong to the fetch, which can name their line.
    decoder = codecs.getincrementaldecoder(file.codec)()
    text = ""
    with file.path.open("rb") as handle:
        while byte := handle.read(1):
            text += decoder.decode(byte)
            if text.endswith("\n") and text.count('"') % 2 == 0:
                break
    return text


def read_header(file: CsvFile) -> list[str]:
    """The column names on line 1; SourceError when the file is missing, empty or undecodable."""
    try:
        text = _first_record(file)
    except FileNotFoundError:
        raise missing_file_error(file) from None
    except UnicodeDecodeError:
        raise undecodable_error(file, 1) from None
    except OSError as exc:
        raise file.error(f"cannot read {file.where()}: {exc.strerror or exc}") from exc
    names = next(csv.reader(io.StringIO(text, newline=""), delimiter=file.delimiter), None)
    if not names:
        raise file.error(f"{file.where()} is empty — its first line should name the columns")
    return names


def missing_file_error(file: CsvFile) -> SourceError:
    """`source 'deals': cannot find data/deals.csv (looked for /home/…/data/deals.csv)`."""
    where, full = file.where(), str(file.path.resolve())
    looked = "" if where == full else f" (looked for {full})"
    return file.error(f"cannot find {where}{looked}")


def duplicate_columns(names: list[str]) -> set[str]:
    """Names that appear more than once in the header (which one a ruleset means is unclear)."""
    return {name for name, count in Counter(names).items() if count > 1}
