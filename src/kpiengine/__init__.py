"""kpiengine: a sales performance plan, written as YAML, run as code.

This module is the public API that plugins (built-in and third-party) import from.
"""

from __future__ import annotations

from kpiengine.checks import Check
from kpiengine.connectors import (
    JsonApi,
    Progress,
    RateLimiter,
    Redactor,
    Refused,
    RetriesExhausted,
    Retryable,
    RetryPolicy,
    TokenBucket,
    TokenHolder,
    check_http,
    make_client,
    retry_after_seconds,
    secret_option_names,
    with_retries,
)
from kpiengine.errors import (
    ConfigError,
    ExpressionError,
    KpiEngineError,
    OutputError,
    PluginError,
    SourceError,
)
from kpiengine.files import (
    FileTooLarge,
    NotRegularFile,
    byte_size,
    open_regular_file,
    read_regular_file,
)
from kpiengine.hookspecs import PLUGIN_API, hookimpl
from kpiengine.output import Output, Written
from kpiengine.printable import printable
from kpiengine.results import IndicatorInfo, Layout, ResultTable
from kpiengine.results.atomic import atomic_write
from kpiengine.results.document import json_document
from kpiengine.results.formulas import neutralised_cell
from kpiengine.results.model import Results
from kpiengine.results.streams import write_stdout
from kpiengine.results.text import decimal_text
from kpiengine.results.views import GroupResult, IndicatorResult, SubjectResult
from kpiengine.source import Changes, FetchRequest, FieldType, Source

__version__ = "0.1.0"

__all__ = [
    "PLUGIN_API",
    "Changes",
    "Check",
    "ConfigError",
    "ExpressionError",
    "FetchRequest",
    "FieldType",
    "FileTooLarge",
    "GroupResult",
    "IndicatorInfo",
    "IndicatorResult",
    "JsonApi",
    "KpiEngineError",
    "Layout",
    "NotRegularFile",
    "Output",
    "OutputError",
    "PluginError",
    "Progress",
    "RateLimiter",
    "Redactor",
    "Refused",
    "ResultTable",
    "Results",
    "RetriesExhausted",
    "RetryPolicy",
    "Retryable",
    "Source",
    "SourceError",
    "SubjectResult",
    "TokenBucket",
    "TokenHolder",
    "Written",
    "__version__",
    "atomic_write",
    "byte_size",
    "check_http",
    "decimal_text",
    "hookimpl",
    "json_document",
    "make_client",
    "neutralised_cell",
    "open_regular_file",
    "printable",
    "read_regular_file",
    "retry_after_seconds",
    "secret_option_names",
    "with_retries",
    "write_stdout",
]
