"""Text to syntax tree, with simpleeval's parser, inside the bounds of `bounds.py`.

The length is checked before Python's parser runs, and the tree is measured without
recursion, so no input can make parsing slow or raise RecursionError.
"""

from __future__ import annotations

import ast
import unicodedata
import warnings

import simpleeval

from kpiengine.expressions.bounds import MAX_DEPTH, MAX_NODES, MAX_TEXT
from kpiengine.expressions.failure import Refusal

# Quotes a Chinese input method produces that NFKC leaves alone.
_CURLY = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}


def parse(text: str) -> ast.Expr:
    """The statement holding the expression, ready for `SimpleEval.eval(previously_parsed=)`.

    Not yet allow-listed: `allowlist.check` does that. Line breaks count as spaces, so a
    long expression may be written over several YAML lines.
    """
    _check_text(text)
    flat = text.replace("\r", " ").replace("\n", " ")
    statement = _parse(flat)
    _check_rest(flat.strip(), statement)
    _measure(statement)
    return statement


def _check_text(text: str) -> None:
    if not isinstance(text, str):
        raise Refusal("an expression must be written as text")
    if len(text) > MAX_TEXT:
        raise Refusal(
            f"the expression is too long ({len(text):,} characters; at most {MAX_TEXT:,})"
        )
    if not text.strip():
        raise Refusal("the expression is empty")
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs") and char not in "\t\r\n":
            raise Refusal(f"the expression contains the control character U+{ord(char):04X}")


def _parse(flat: str) -> ast.Expr:
    try:
        with warnings.catch_warnings():
            # Several statements (`a; b`) are an error here, not a warning.
            warnings.simplefilter("error", simpleeval.MultipleExpressions)
            statement = simpleeval.SimpleEval.parse(flat)
    except simpleeval.MultipleExpressions:
        raise Refusal("write a single expression ('; ' separates several)") from None
    except SyntaxError as exc:
        raise Refusal(_syntax_reason(flat, exc)) from None
    except (RecursionError, MemoryError):
        raise Refusal(f"the expression is nested too deeply (at most {MAX_DEPTH} levels)") from None
    if not isinstance(statement, ast.Expr):
        raise Refusal(_statement_reason(statement))
    return statement


def _syntax_reason(flat: str, exc: SyntaxError) -> str:
    offset = (exc.offset or 0) - 1
    char = flat.strip()[offset] if 0 <= offset < len(flat.strip()) else ""
    ascii_char = _CURLY.get(char) or unicodedata.normalize("NFKC", char)
    if char and ascii_char != char and ascii_char.isascii():
        return f"'{char}' is a full-width character: write '{ascii_char}' instead"
    where = f" (at character {exc.offset})" if exc.offset else ""
    return f"this is not a valid expression: {exc.msg}{where}"


def _statement_reason(statement: ast.stmt) -> str:
    if isinstance(statement, ast.Assign | ast.AugAssign | ast.AnnAssign):
        return "assignment ('=') is not allowed; to compare two values write '=='"
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return "'import' is not allowed"
    return f"only an expression is allowed here, not a '{type(statement).__name__}' statement"


def _check_rest(stripped: str, statement: ast.Expr) -> None:
    """Refuse what Python's parser ignores after the expression: a comment or a ';'."""
    end = statement.end_col_offset or 0  # a UTF-8 byte offset
    rest = stripped.encode()[end:].decode().strip()
    if rest.startswith("#"):
        raise Refusal("comments ('#') are not allowed in an expression")
    if rest:
        raise Refusal(f"unexpected '{rest}' after the expression")


def _measure(statement: ast.Expr) -> None:
    """Count parts and nesting with an explicit stack: a deep tree cannot overflow it."""
    stack: list[tuple[ast.AST, int]] = [(statement.value, 0)]
    count = 0
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.expr):
            count, depth = count + 1, depth + 1
            if count > MAX_NODES:
                raise Refusal(f"the expression has too many parts (at most {MAX_NODES})")
            if depth > MAX_DEPTH:
                raise Refusal(f"the expression is nested too deeply (at most {MAX_DEPTH} levels)")
        stack.extend((child, depth) for child in ast.iter_child_nodes(node))
