"""Secrets kept out of every message, log record and traceback a connector produces.

A `Redactor` knows the resolved secret values of a plugin's options (the options its schema
marks `"writeOnly": true`, such as an API key written as `${JDY_API_KEY}`). Inside
`redactor.scrubbed()`, every log record is cleaned as it is created — whichever logger made it,
httpx's included — and an exception leaving the block has the secrets removed from its message
and from the exceptions chained to it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

MASK = "***"
MIN_SECRET = 4
"""Shorter values are not masked: hiding every "1" or "ab" would garble every message."""


def secret_option_names(schema: Mapping[str, Any]) -> list[str]:
    """The options an options schema marks as secret (`"writeOnly": true`)."""
    properties = schema.get("properties") or {}
    return sorted(
        name
        for name, spec in properties.items()
        if isinstance(spec, Mapping) and spec.get("writeOnly") is True
    )


class Redactor:
    """Replaces known secret values with `***` in text, log records and exceptions."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets: tuple[str, ...] = ()
        self._learn(secrets)

    def add(self, secret: str) -> None:
        """Mask `secret` too from now on: a credential learned during the run (an access token)."""
        self._learn([secret])

    def _learn(self, secrets: Iterable[str]) -> None:
        forms = set(self.secrets)
        for secret in secrets:
            if isinstance(secret, str) and len(secret) >= MIN_SECRET:
                forms.update({secret, quote(secret, safe="")})
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = tuple(sorted(forms, key=len, reverse=True))

    @classmethod
    def for_options(cls, options: Mapping[str, Any], schema: Mapping[str, Any]) -> Redactor:
        """A redactor for the resolved values of the options `schema` marks as secret."""
        return cls(str(options[name]) for name in secret_option_names(schema) if options.get(name))

    def redact(self, text: str) -> str:
        """`text` with every secret replaced by `***`."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

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
