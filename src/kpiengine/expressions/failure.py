"""How the expressions package reports a refused or failed expression."""

from __future__ import annotations

import unicodedata

from kpiengine.errors import ExpressionError

SHOWN_TEXT = 80


class Refusal(Exception):
    """Raised inside this package with a reason in plain words; the caller adds rule and text.

    It never leaves the package: `compile_expression`, `Expression.evaluate` and
    `Template.render` turn it into an `ExpressionFailure`.
    """


class ExpressionFailure(ExpressionError):
    """An expression was refused or failed; names the rule, shows the text, says what is wrong."""

    def __init__(self, rule: str, text: str, reason: str) -> None:
        self.rule = rule
        self.text = text
        self.reason = reason
        super().__init__(failure_message(rule, text, reason))


def failure_message(rule: str, text: str, reason: str) -> str:
    """`indicators[2].actual.where: unknown function 'opne' (in "opne(x)")`."""
    where = f"{rule}: " if rule else ""
    return f'{where}{reason} (in "{shown(text)}")'


def shown(text: str) -> str:
    """The text as it is safe to print: cut short, control characters made visible."""
    cut = text if len(text) <= SHOWN_TEXT else text[: SHOWN_TEXT - 1] + "…"
    return "".join(_visible(c) for c in cut)


def _visible(char: str) -> str:
    if unicodedata.category(char) in ("Cc", "Cs"):
        return f"\\u{ord(char):04x}"
    return char
