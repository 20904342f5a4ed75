"""The shared `timeout` and `timezone` options, `retry_later` and `Progress.each`."""

import io
from zoneinfo import ZoneInfo

import httpx
import pytest

from kpiengine import Progress, Refused, Retryable
from kpiengine.connectors import (
    DEFAULT_TIMEOUT,
    TIMEOUT_OPTION,
    option_timeout,
    option_zone,
    retry_later,
)


def test_the_timeout_schema_defaults_to_the_toolkits_timeout():
    assert TIMEOUT_OPTION["default"] == DEFAULT_TIMEOUT
    assert (TIMEOUT_OPTION["exclusiveMinimum"], TIMEOUT_OPTION["maximum"]) == (0, 300)


@pytest.mark.parametrize(
    ("options", "default", "expected"),
    [({}, DEFAULT_TIMEOUT, 30.0), ({"timeout": 5}, 30.0, 5.0), ({}, 0.3, 0.3)],
)
def test_option_timeout(options, default, expected):
    found = option_timeout(options, default)
    assert found == expected and isinstance(found, float)


def test_option_zone_reads_the_option_or_the_default():
    assert option_zone({"timezone": "America/New_York"}, "UTC", "s") == ZoneInfo("America/New_York")
    assert option_zone({}, "Asia/Shanghai", "s") == ZoneInfo("Asia/Shanghai")


def test_an_unknown_zone_is_refused_naming_the_source():
    with pytest.raises(Refused, match=r"^source 'deals': timezone 'Mars/Olympus'"):
        option_zone({"timezone": "Mars/Olympus"}, "UTC", "source 'deals'")


def test_retry_later_honours_retry_after_over_the_vendors_wait():
    response = httpx.Response(429, headers={"Retry-After": "7"})
    found = retry_later(response, "busy", 10.0)
    assert isinstance(found, Retryable)
    assert (found.reason, found.retry_after) == ("busy", 7.0)


def test_retry_later_falls_back_on_the_vendors_wait_then_the_backoff():
    assert retry_later(httpx.Response(429), "busy", 10.0).retry_after == 10.0
    assert retry_later(httpx.Response(429), "busy").retry_after is None


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_each_yields_every_page_and_counts_it_after_use():
    stream = Terminal()
    seen = []
    with Progress("source 'deals'", stream) as progress:
        for page in progress.each([[1, 2], [], [3]]):
            seen.append((list(page), progress.count))
    assert seen == [([1, 2], 0), ([], 2), ([3], 2)]
    assert progress.count == 3
    assert stream.getvalue().endswith("source 'deals': 3 records fetched\n")
