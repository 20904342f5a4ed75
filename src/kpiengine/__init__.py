"""kpiengine: a sales performance plan, written as YAML, run as code.

This module is the public API that plugins (built-in and third-party) import from. Its names
are imported when first used (PEP 562), so that `kpiengine --help`, `validate` and a plugin's
registration never import DuckDB, pyarrow or httpx.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kpiengine.deferred import Deferred
from kpiengine.errors import (
    ConfigError,
    ExpressionError,
    KpiEngineError,
    OutputError,
    PluginError,
    SourceError,
)
from kpiengine.hookspecs import PLUGIN_API, hookimpl
from kpiengine.printable import printable  # eager: a lazy name would be shadowed by its module

if TYPE_CHECKING:
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
    from kpiengine.files import (
        FileTooLarge,
        NotRegularFile,
        byte_size,
        open_regular_file,
        read_regular_file,
    )
    from kpiengine.output import Output, Written
    from kpiengine.results import IndicatorInfo, Layout, ResultTable
    from kpiengine.results.atomic import atomic_write
    from kpiengine.results.document import json_document
    from kpiengine.results.formulas import neutralised_cell
    from kpiengine.results.model import Results
    from kpiengine.results.streams import write_stdout
    from kpiengine.results.text import decimal_text
    from kpiengine.results.views import GroupResult, IndicatorResult, SubjectResult
    from kpiengine.source import Changes, FetchRequest, FieldType, Source

_WHERE: dict[str, str] = {
    "Changes": "kpiengine.source",
    "Check": "kpiengine.checks",
    "FetchRequest": "kpiengine.source",
    "FieldType": "kpiengine.source",
    "FileTooLarge": "kpiengine.files",
    "GroupResult": "kpiengine.results.views",
    "IndicatorInfo": "kpiengine.results",
    "IndicatorResult": "kpiengine.results.views",
    "JsonApi": "kpiengine.connectors",
    "Layout": "kpiengine.results",
    "NotRegularFile": "kpiengine.files",
    "Output": "kpiengine.output",
    "Progress": "kpiengine.connectors",
    "RateLimiter": "kpiengine.connectors",
    "Redactor": "kpiengine.connectors",
    "Refused": "kpiengine.connectors",
    "ResultTable": "kpiengine.results",
    "Results": "kpiengine.results.model",
    "RetriesExhausted": "kpiengine.connectors",
    "RetryPolicy": "kpiengine.connectors",
    "Retryable": "kpiengine.connectors",
    "Source": "kpiengine.source",
    "SubjectResult": "kpiengine.results.views",
    "TokenBucket": "kpiengine.connectors",
    "TokenHolder": "kpiengine.connectors",
    "Written": "kpiengine.output",
    "atomic_write": "kpiengine.results.atomic",
    "byte_size": "kpiengine.files",
    "check_http": "kpiengine.connectors",
    "decimal_text": "kpiengine.results.text",
    "json_document": "kpiengine.results.document",
    "make_client": "kpiengine.connectors",
    "neutralised_cell": "kpiengine.results.formulas",
    "open_regular_file": "kpiengine.files",
    "read_regular_file": "kpiengine.files",
    "retry_after_seconds": "kpiengine.connectors",
    "secret_option_names": "kpiengine.connectors",
    "with_retries": "kpiengine.connectors",
    "write_stdout": "kpiengine.results.streams",
}
"""Each public name imported on first use, and the module it lives in."""


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'kpiengine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__version__ = "0.1.0"

__all__ = [
    "PLUGIN_API",
    "Changes",
    "Check",
    "ConfigError",
    "Deferred",
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
