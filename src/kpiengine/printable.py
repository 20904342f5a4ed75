"""Text printed to a terminal: no control character from a ruleset or the data reaches it.

A name, an id, a message or a file's path may hold terminal escapes (ESC `[2J` clears the
screen, OSC 8 hides a link behind harmless text, OSC 52 writes the clipboard) or characters that
reorder what is shown (U+202E). Everything the command line prints from them goes through
`printable`, which shows each such character as an escape (`\\x1b`, `\\u202e`) instead.
"""

from __future__ import annotations

import re
from typing import Final

_OTHERS: Final = "\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
"""DEL, the C1 controls, and the marks and overrides that change the direction of text."""
_ANY: Final = re.compile(f"[\x00-\x1f{_OTHERS}]")
_BUT_LINES: Final = re.compile(f"[\x00-\x08\x0b-\x1f{_OTHERS}]")
"""As `_ANY`, but for the tab and the newline."""


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, lines: bool = False) -> str:
    """`text` with every control character shown as an escape; with `lines`, newlines and tabs
    are kept (a message of several lines, an indented explanation)."""
    return (_BUT_LINES if lines else _ANY).sub(_escape, text)
