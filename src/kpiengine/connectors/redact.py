"""Secrets kept out of every message, log record and traceback a connector produces.

A `Redactor` knows the resolved secret values of a plugin's options (the options its schema
marks `"writeOnly": true`, such as an API key written as `${JDY_API_KEY}`). Inside
`redactor.scrubbed()`, every log record is cleaned as it is created — whichever logger made it,
httpx's included — and an exception leaving the block has the secrets removed from its message
and from the exceptions chained to it.

A secret is masked however a vendor echoes it back: as it is, URL-encoded, in another case
(`SK-LIVE-…`), or cut (its first or last `END_PIECE` characters or more, or any `INNER_PIECE`
characters from inside it, so a token cut by one character at either end is still masked). The
engine also uses a redactor to show an environment variable's value as its `${NAME}`
(`Redactor.naming`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import quote

from kpiengine.option_roles import options_with_role

MASK = "***"
MIN_SECRET = 4
"""Shorter values are not masked: hiding every "1" or "ab" would garble every message."""
END_PIECE = 8
"""A secret cut short — its first or its last this many characters or more — is masked: a vendor
that echoes a token cut by a character still shows most of it."""
INNER_PIECE = 12
"""A piece from inside a secret is masked from this length on. Shorter pieces are ordinary text
too often: a client id such as "test-consumer-key" holds the word "consumer"."""


def secret_option_names(schema: Mapping[str, Any]) -> list[str]:
    """The options an options schema marks as secret (`"writeOnly": true`)."""
    return options_with_role(schema, "secret")


def _fold(text: str) -> str:
    """`text` in lower case, character for character (so positions stay where they were)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


@dataclass(frozen=True)
class _Rule:
    """One value to hide (folded), what replaces it, and whether its pieces are hidden too."""

    value: str
    replacement: str
    pieces: bool

    @classmethod
    def of(cls, value: str, replacement: str, fragments: bool) -> _Rule:
        return cls(_fold(value), replacement, fragments and len(value) > END_PIECE)

    @cached_property
    def inner(self) -> frozenset[str]:
        """Every piece of `INNER_PIECE` characters."""
        size = INNER_PIECE
        return frozenset(self.value[i : i + size] for i in range(len(self.value) - size + 1))

    def spans(self, folded: str) -> Iterator[tuple[int, int]]:
        """Where in the folded text the value, or a long enough piece of it, stands."""
        yield from _found(folded, self.value)
        if not self.pieces:
            return
        yield from self._cut(folded)
        size = INNER_PIECE
        for i in range(len(folded) - size + 1):
            if folded[i : i + size] in self.inner:
                yield i, i + size

    def _cut(self, folded: str) -> Iterator[tuple[int, int]]:
        """The value cut short: its first characters, or its last, `END_PIECE` or more."""
        head, tail = self.value[:END_PIECE], self.value[-END_PIECE:]
        for start, _ in _found(folded, head):
            end = start + END_PIECE
            while end < len(folded) and end - start < len(self.value):
                if folded[end] != self.value[end - start]:
                    break
                end += 1
            yield start, end
        for start, end in _found(folded, tail):
            back = len(self.value) - END_PIECE
            while start > 0 and back > 0 and folded[start - 1] == self.value[back - 1]:
                start, back = start - 1, back - 1
            yield start, end


def _found(folded: str, value: str) -> Iterator[tuple[int, int]]:
    start = folded.find(value)
    while start >= 0:
        yield start, start + len(value)
        start = folded.find(value, start + 1)


class Redactor:
    """Replaces known secret values with `***` in text, log records and exceptions."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.rules: tuple[_Rule, ...] = ()
        self._learn(secrets)

    @classmethod
    def naming(cls, values: Mapping[str, str]) -> Redactor:
        """A redactor that shows each value as its name (`{value: "${JDY_BASE}"}`)."""
        redactor = cls(())
        redactor._learn(values, values)
        return redactor

    def add(self, secret: str) -> None:
        """Mask `secret` too from now on: a credential learned during the run (an access token)."""
        self._learn([secret])

    def _learn(self, secrets: Iterable[str], names: Mapping[str, str] | None = None) -> None:
        rules = list(self.rules)
        for secret in secrets:
            if isinstance(secret, str) and len(secret) >= MIN_SECRET:
                shown = MASK if names is None else names[secret]
                for form in dict.fromkeys([secret, quote(secret, safe="")]):
                    rules.append(_Rule.of(form, shown, fragments=names is None))
        # Longest first, so a secret that contains another is masked whole.
        self.rules = tuple(sorted(set(rules), key=lambda r: len(r.value), reverse=True))

    @classmethod
    def for_options(cls, options: Mapping[str, Any], schema: Mapping[str, Any]) -> Redactor:
        """A redactor for the resolved values of the options `schema` marks as secret."""
        return cls(str(options[name]) for name in secret_option_names(schema) if options.get(name))

    def redact(self, text: str) -> str:
        """`text` with every secret replaced by `***` (and every named value by its name)."""
        if not self.rules or not text:
            return text
        folded = _fold(text)
        marks: dict[int, str] = {}
        for rule in self.rules:
            for start, end in rule.spans(folded):
                for i in range(start, end):
                    marks.setdefault(i, rule.replacement)
        return _replaced(text, marks) if marks else text

    def scrub(self, exc: BaseException) -> None:
        """Remove the secrets from the messages of `exc` and every exception chained to it."""
        seen: set[int] = set()
        pending: list[BaseException | None] = [exc]
        while pending:
            current = pending.pop()
            if current is None or id(current) in seen:
                continue
            seen.add(id(current))
            current.args = tuple(self.redact(a) if isinstance(a, str) else a for a in current.args)
            for name in ("message", "reason"):
                value = getattr(current, name, None)
                if isinstance(value, str):
                    setattr(current, name, self.redact(value))
            pending += [current.__cause__, current.__context__]

    @contextmanager
    def scrubbed(self) -> Iterator[Redactor]:
        """A block in which log records are redacted and escaping exceptions are scrubbed."""
        _LOGS.add(self)
        try:
            yield self
        except BaseException as exc:
            self.scrub(exc)
            raise
        finally:
            _LOGS.remove(self)


def _replaced(text: str, marks: Mapping[int, str]) -> str:
    """`text` with each run of marked characters replaced once by its mark."""
    out: list[str] = []
    previous: str | None = None
    for i, char in enumerate(text):
        mark = marks.get(i)
        if mark is None:
            out.append(char)
        elif mark != previous or i - 1 not in marks:
            out.append(mark)
        previous = mark
    return "".join(out)


class _LogRedaction:
    """Redacts every log record while any redactor is active, via the log record factory.

    The factory is the one hook that sees every record of every logger before any handler
    (pytest's caplog included) does; it is installed once and costs nothing when idle.
    """

    def __init__(self) -> None:
        self.active: list[Redactor] = []
        self.lock = threading.Lock()
        self.previous: Any = None

    def add(self, redactor: Redactor) -> None:
        with self.lock:
            if self.previous is None:
                self.previous = logging.getLogRecordFactory()
                logging.setLogRecordFactory(self.make_record)
            self.active.append(redactor)

    def remove(self, redactor: Redactor) -> None:
        with self.lock:
            self.active.remove(redactor)

    def make_record(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.previous(*args, **kwargs)
        active = list(self.active)
        if active:
            self._clean(record, active)
        return record

    @staticmethod
    def _clean(record: logging.LogRecord, active: list[Redactor]) -> None:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: leave it for logging to report
            return
        clean = message
        for redactor in active:
            clean = redactor.redact(clean)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            for redactor in active:
                redactor.scrub(record.exc_info[1])


_LOGS = _LogRedaction()
