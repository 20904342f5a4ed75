"""The header line of a CSV file: the column names, read without touching the rest."""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator
from typing import BinaryIO

from kpiengine import SourceError, open_regular_file
from kpiengine_csv.csvfile import CsvFile
from kpiengine_csv.lines import field_limit
from kpiengine_csv.undecodable import undecodable_error

CHUNK = 64 * 1024


class _HeaderTooLong(Exception):
    def __init__(self, open_quote: bool) -> None:
        self.open_quote = open_quote


class _UnclosedQuote(Exception):
    pass


class _RecordEnd:
    """Finds where the first record ends — at a line end outside double quotes — a piece of text
    at a time, looking at each character once (a doubled quote inside quotes counts twice, which
    keeps the parity right)."""

    def __init__(self) -> None:
        self.in_quotes = False

    def find(self, text: str) -> int | None:
        """The index just past the record's line end in `text`, or None if it goes on."""
        start = 0
        while (newline := text.find("\n", start)) >= 0:
            self._cross(text, start, newline)
            if not self.in_quotes:
                return newline + 1
            start = newline + 1
        self._cross(text, start, len(text))
        return None

    def _cross(self, text: str, start: int, end: int) -> None:
        if text.count('"', start, end) % 2:
            self.in_quotes = not self.in_quotes


def _decoded(handle: BinaryIO, codec: str) -> Iterator[str]:
    """The file's text a chunk at a time. At a byte that does not decode: the text before it,
    then the UnicodeDecodeError — so a bad byte below the header does not trouble it."""
    decoder = codecs.getincrementaldecoder(codec)()
    while raw := handle.read(CHUNK):
        state = decoder.getstate()
        try:
            yield decoder.decode(raw)
        except UnicodeDecodeError:
            decoder.setstate(state)
            for index in range(len(raw)):  # this chunk only: the text before the bad byte
                yield decoder.decode(raw[index : index + 1])
    yield decoder.decode(b"", final=True)


def _first_record(file: CsvFile) -> str:
    limits = file.limits
    end, parts, size = _RecordEnd(), [], 0
    with open_regular_file(file.path) as handle:
        for text in _decoded(handle, file.codec):
            stop = end.find(text)
            parts.append(text if stop is None else text[:stop])
            size += len(parts[-1])  # characters: never more than the bytes they take
            if size > limits.line_bytes:
                raise _HeaderTooLong(end.in_quotes)
            if stop is not None:
                break
    if end.in_quotes:
        raise _UnclosedQuote()
    record = "".join(parts)
    if len(record.encode("utf-8")) > limits.line_bytes:
        raise _HeaderTooLong(open_quote=False)
    return record


def read_header(file: CsvFile) -> list[str]:
    """The column names on line 1; SourceError when the file is missing, empty, undecodable or
    not a regular file, or its header breaks a limit."""
    limits = file.limits
    try:
        text = _first_record(file)
    except FileNotFoundError:
        raise missing_file_error(file) from None
    except UnicodeDecodeError:
        raise undecodable_error(file, 1) from None
    except OSError as exc:
        raise file.error(f"cannot read {file.where()}: {exc.strerror or exc}") from exc
    except _HeaderTooLong as exc:
        raise file.error(header_too_long(file, exc.open_quote)) from None
    except _UnclosedQuote:
        raise file.error(
            f"{file.where(1)}: the header opens a double quote that never closes"
        ) from None
    with field_limit(limits.record_bytes):
        names = next(csv.reader(io.StringIO(text, newline=""), delimiter=file.delimiter), None)
    if not names:
        raise file.error(f"{file.where()} is empty — its first line should name the columns")
    if len(names) > limits.columns:
        raise file.error(f"{file.where(1)}: the header has {limits.too_many_columns(len(names))}")
    return names


def header_too_long(file: CsvFile, open_quote: bool) -> str:
    """`deals.csv:1: the header is longer than 1 MiB (option max_line_bytes) — …`."""
    why = (
        " — a double quote in it opens and never closes, so the rest of the file reads as one name"
        if open_quote
        else ""
    )
    return f"{file.where(1)}: the header is {file.limits.line_too_long()}{why}"


def missing_file_error(file: CsvFile) -> SourceError:
    """`source 'deals': cannot find data/deals.csv (looked for /home/…/data/deals.csv)`."""
    where, full = file.where(), str(file.path.resolve())
    looked = "" if where == full else f" (looked for {full})"
    return file.error(f"cannot find {where}{looked}")


def duplicate_columns(names: list[str]) -> set[str]:
    """Names that appear more than once in the header (which one a ruleset means is unclear)."""
    return {name for name, count in Counter(names).items() if count > 1}
