"""`ApiSource`: who, redactor, guard and caller set up for a source that reads a vendor's API."""

from pathlib import Path
from typing import ClassVar

import pytest

from kpiengine import Refused, RetryPolicy, SourceError
from kpiengine.connectors import DEFAULT_TIMEOUT, TIMEOUT_OPTION, ApiSource

SECRET = "key-0123456789abcdef"
POLICY = RetryPolicy(attempts=2)


class DemoSource(ApiSource):
    name = "demo"
    options_schema: ClassVar[dict] = {
        "type": "object",
        "properties": {"key": {"type": "string", "writeOnly": True}, "timeout": TIMEOUT_OPTION},
    }
    retry_policy = POLICY


def source(**options):
    return DemoSource("deals", {"key": SECRET, **options}, Path("."))


def test_who_names_the_source():
    assert source().who == "source 'deals'"


def test_the_redactor_knows_the_write_only_options():
    assert source().redactor.redact(f"key={SECRET}") == "key=***"


def test_guarded_turns_a_refusal_into_a_source_error_without_secrets():
    demo = source()
    with pytest.raises(SourceError, match=r"^source 'deals': key \*\*\* refused$"), demo.guarded():
        raise Refused(f"source 'deals': key {SECRET} refused")


def test_the_caller_has_the_source_its_policy_and_the_timeout_option():
    caller = source(timeout=7).caller()
    assert (caller.who, caller.error, caller.policy, caller.timeout) == (
        "source 'deals'",
        SourceError,
        POLICY,
        7.0,
    )


def test_without_a_timeout_option_the_class_default_applies(monkeypatch):
    assert source().caller().timeout == DEFAULT_TIMEOUT
    monkeypatch.setattr(DemoSource, "timeout", 0.5)
    assert source().caller().timeout == 0.5
