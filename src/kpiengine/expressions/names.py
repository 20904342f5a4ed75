"""What an expression reads: its names (dotted ones as one string) and the functions it calls."""

from __future__ import annotations

import ast


def dotted(node: ast.Attribute) -> str:
    """`revenue.actual` or `team.revenue.actual`: the checked forms Name.attr, Name.attr.attr."""
    parts = [node.attr]
    value = node.value
    while isinstance(value, ast.Attribute):
        parts.append(value.attr)
        value = value.value
    parts.append(value.id if isinstance(value, ast.Name) else "?")
    return ".".join(reversed(parts))


def names_of(tree: ast.AST) -> frozenset[str]:
    """Every variable read: bare `amount`, and `revenue.actual` as one name."""
    found: set[str] = set()
    for node in _reads(tree):
        if isinstance(node, ast.Attribute):
            found.add(dotted(node))
        elif isinstance(node, ast.Name):
            found.add(node.id)
    return frozenset(found)


def functions_of(tree: ast.AST) -> frozenset[str]:
    """Every function called, by name."""
    return frozenset(
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    )


def _reads(tree: ast.AST) -> list[ast.AST]:
    """Nodes that read a value: not a call's function name, not the Name under a dot."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Attribute | ast.Name):
            found.append(node)
            continue
        if isinstance(node, ast.Call):
            pending.extend(node.args)
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found
