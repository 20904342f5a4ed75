"""The safe expression language of rulesets, and feedback message templates.

An expression is parsed once with simpleeval's parser, checked against an allow-list and
bounds, then evaluated as a scalar (simpleeval, Decimal numbers, None as SQL NULL) or
compiled to DuckDB SQL that gives the same answers.

    >>> e = compile_expression("stage == 'won' and amount > 0", kind="row")
    >>> sorted(e.names)
    ['amount', 'stage']
    >>> e.evaluate({"stage": "won", "amount": 5})
    True
    >>> e.to_sql(quote_identifier)
    '(("stage" = \\'won\\') AND ("amount" > 0))'
"""

from __future__ import annotations

from kpiengine.expressions.expression import Expression, compile_expression, where_sql
from kpiengine.expressions.failure import ExpressionFailure
from kpiengine.expressions.function import Function, PluginFunction, SqlArg
from kpiengine.expressions.functions import DEFAULT_FUNCTIONS, FunctionTable
from kpiengine.expressions.kinds import INDICATOR_FIELDS, ExpressionKind, Kind
from kpiengine.expressions.sql import quote_identifier, quote_text
from kpiengine.expressions.template import Template, compile_template
from kpiengine.expressions.values import Value

__all__ = [
    "DEFAULT_FUNCTIONS",
    "INDICATOR_FIELDS",
    "Expression",
    "ExpressionFailure",
    "ExpressionKind",
    "Function",
    "FunctionTable",
    "Kind",
    "PluginFunction",
    "SqlArg",
    "Template",
    "Value",
    "compile_expression",
    "compile_template",
    "quote_identifier",
    "quote_text",
    "where_sql",
]
