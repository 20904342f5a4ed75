"""The `where` option: a user-written SOQL condition, checked before it joins a query.

The condition is appended as `AND (<where>)`, so it must be one whole condition: quotes closed,
parentheses balanced (it cannot close the query's own), and no clause of its own (ORDER BY,
LIMIT, …) outside parentheses. Salesforce checks the rest (field names, operators) and its
answer names the option. Hand-written: SOQL has no Python parser, and these few checks are all
a condition needs to stay a condition.
"""

from __future__ import annotations

import re

from kpiengine import Refused

CLAUSES = frozenset(
    {"SELECT", "FROM", "WHERE", "ORDER", "GROUP", "HAVING", "LIMIT", "OFFSET", "WITH", "FOR"}
    | {"UPDATE", "USING", "TYPEOF"}
)
COMPARISON = re.compile(r"(=|<|>|\b(LIKE|IN|INCLUDES|EXCLUDES)\b)", re.IGNORECASE)
FULL_WIDTH = {"（": "(", "）": ")", "‘": "'", "’": "'", "“": "'", "”": "'", "＝": "=", "，": ","}
EXAMPLE = "Type = 'New Business' AND IsClosed = true"


def check_where(where: str, who: str) -> str:
    """`where` with its outer blanks removed, or Refused saying what to change."""
    condition = where.strip()
    outside, problem = _outside_strings(condition)
    problem = problem or _problem(condition, outside)
    if problem:
        raise Refused(
            f"{who}: the option where is not a usable SOQL condition: {problem} "
            f'(got "{_short(condition)}"; for example: {EXAMPLE})'
        )
    return condition


def _problem(condition: str, outside: str) -> str | None:
    checks = (_empty, _leading_where, _full_width, _double_quotes, _semicolon, _parentheses)
    for check in checks:
        problem = check(condition, outside)
        if problem:
            return problem
    return _clause(outside) or _no_comparison(outside)


def _outside_strings(condition: str) -> tuple[str, str | None]:
    """The text with every 'quoted string' blanked out, and an unclosed quote as a problem."""
    out, inside, escaped = [], False, False
    for char in condition:
        if inside:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "'":
                inside = False
            out.append(" " if char != "'" else char)
            continue
        inside = char == "'"
        out.append(char)
    return "".join(out), "a 'quoted text' is not closed" if inside else None


def _empty(condition: str, outside: str) -> str | None:
    return "it is empty" if not condition else None


def _leading_where(condition: str, outside: str) -> str | None:
    if outside.upper().startswith("WHERE "):
        return "write the condition without the word WHERE"
    return None


def _full_width(condition: str, outside: str) -> str | None:
    found = sorted({c for c in outside if c in FULL_WIDTH})
    if not found:
        return None
    fixes = ", ".join(f"{c} → {FULL_WIDTH[c]}" for c in found)
    return f"it has full-width punctuation outside quotes ({fixes})"


def _double_quotes(condition: str, outside: str) -> str | None:
    return "SOQL quotes text with single quotes ('…'), not double" if '"' in outside else None


def _semicolon(condition: str, outside: str) -> str | None:
    return "a condition has no semicolon (;)" if ";" in outside else None


def _parentheses(condition: str, outside: str) -> str | None:
    depth = 0
    for char in outside:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return "a ')' closes a parenthesis that was never opened"
    return "a '(' is never closed" if depth else None


def _clause(outside: str) -> str | None:
    depth = 0
    for match in re.finditer(r"[()]|[A-Za-z_]\w*", outside):
        token = match.group()
        if token in "()":
            depth += 1 if token == "(" else -1
        elif depth == 0 and token.upper() in CLAUSES:
            return f"it may hold a condition only, not {token.upper()}"
    return None


def _no_comparison(outside: str) -> str | None:
    return None if COMPARISON.search(outside) else "it compares nothing (no =, <, >, LIKE or IN)"


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
