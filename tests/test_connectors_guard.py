"""`guarded`: a connector's expected failures become its SourceError/OutputError, secrets gone."""

import logging

import httpx
import pytest

from kpiengine import (
    OutputError,
    PluginError,
    Redactor,
    Refused,
    RetriesExhausted,
    Retryable,
    SourceError,
)
from kpiengine.connectors import guarded

SECRET = "key-0123456789abcdef"
WHO = "source 'deals'"


def guard(error=SourceError):
    return guarded(WHO, error, Redactor([SECRET]))


def test_a_refusal_becomes_the_connectors_error_with_its_secret_masked():
    with pytest.raises(SourceError) as caught, guard():
        raise Refused(f"{WHO}: the key {SECRET} was rejected")
    assert str(caught.value) == f"{WHO}: the key *** was rejected"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_an_output_gets_an_output_error():
    with pytest.raises(OutputError, match="no such form"), guard(OutputError):
        raise Refused("the jiandaoyun output: no such form")


def test_an_httpx_transport_error_becomes_a_sentence_naming_the_source():
    with pytest.raises(SourceError) as caught, guard():
        raise httpx.ConnectError(f"cannot connect to https://u:{SECRET}@vendor.invalid")
    message = str(caught.value)
    assert message.startswith(f"{WHO} could not reach its server: cannot connect")
    assert SECRET not in message and "***" in message


def test_a_timeout_is_a_transport_error_too():
    with pytest.raises(SourceError, match=r"^source 'deals' could not reach its server"), guard():
        raise httpx.ReadTimeout("timed out")


def test_retries_given_up_name_the_source_the_attempts_and_the_last_reason():
    last = Retryable(f"Vendor answered HTTP 503 for {WHO} with {SECRET}")
    with pytest.raises(SourceError) as caught, guard():
        raise RetriesExhausted(last, 4)
    assert str(caught.value) == (
        f"{WHO} still failed after 4 attempts (Vendor answered HTTP 503 for {WHO} with ***); "
        "try again later"
    )


def test_a_kpiengine_error_passes_through_unchanged_in_type_but_scrubbed():
    with pytest.raises(PluginError) as caught, guard():
        raise PluginError(f"bad option {SECRET}")
    assert type(caught.value) is PluginError
    assert str(caught.value) == "bad option ***"


def test_a_bug_keeps_its_type_and_traceback():
    with pytest.raises(KeyError) as caught, guard():
        {}["missing " + SECRET]
    assert caught.traceback  # not turned into a user message
    assert SECRET not in str(caught.value)


def test_an_http_status_error_is_not_a_network_failure_and_passes_through():
    request = httpx.Request("GET", "https://vendor.invalid")
    response = httpx.Response(500, request=request)
    with pytest.raises(httpx.HTTPStatusError), guard():
        response.raise_for_status()


def test_log_records_inside_the_block_are_redacted(caplog):
    with caplog.at_level(logging.INFO, logger="kpiengine.test"), guard():
        logging.getLogger("kpiengine.test").info("sending %s", SECRET)
    assert caplog.messages == ["sending ***"]


def test_the_block_returns_what_it_computes():
    with guard():
        value = 42
    assert value == 42
