"""The toolkit's retries: backoff with jitter, Retry-After honoured, bounded, refusals final."""

from datetime import UTC, datetime

import pytest

from kpiengine import Refused, RetriesExhausted, Retryable, RetryPolicy, with_retries


def policy(sleeps, **kwargs):
    return RetryPolicy(sleep=sleeps.append, **{"base_delay": 1.0, **kwargs})


def failing(times, then="ok", failure=None):
    calls = []

    def call():
        calls.append(1)
        if len(calls) <= times:
            raise failure or Retryable("HTTP 503")
        return then

    return call, calls


def test_a_transient_failure_is_retried_until_it_succeeds():
    sleeps = []
    call, calls = failing(2)
    assert with_retries(call, policy(sleeps)) == "ok"
    assert len(calls) == 3
    assert len(sleeps) == 2


def test_backoff_doubles_from_the_base_delay_with_jitter_below_one_base():
    sleeps = []
    call, _ = failing(4)
    with_retries(call, policy(sleeps, base_delay=1.0, max_delay=100.0))
    for n, slept in enumerate(sleeps):
        assert 2**n <= slept <= 2**n + 1.0


def test_backoff_never_exceeds_the_max_delay():
    sleeps = []
    call, _ = failing(5)
    with_retries(call, policy(sleeps, base_delay=1.0, max_delay=3.0, attempts=6))
    assert max(sleeps) <= 3.0


def test_retry_after_is_honoured_as_given():
    sleeps = []
    call, _ = failing(1, failure=Retryable("HTTP 429", retry_after=7.0))
    with_retries(call, policy(sleeps, max_delay=1.0))
    assert sleeps == [7.0]


def test_retrying_stops_after_the_attempts_with_the_last_reason():
    sleeps = []
    call, calls = failing(10, failure=Retryable("HTTP 502 from the gateway"))
    with pytest.raises(RetriesExhausted) as failure:
        with_retries(call, policy(sleeps, attempts=3))
    assert len(calls) == 3
    assert failure.value.attempts == 3
    assert failure.value.last.reason == "HTTP 502 from the gateway"


def test_the_total_wait_is_bounded_even_when_the_vendor_asks_for_more():
    sleeps = []
    call, calls = failing(10, failure=Retryable("rate limited", retry_after=50.0))
    with pytest.raises(RetriesExhausted):
        with_retries(call, policy(sleeps, attempts=10, max_total=120.0))
    assert sum(sleeps) <= 120.0
    assert len(calls) == 3  # waits of 50 + 50 fit, a third would not


@pytest.mark.parametrize("failure", [Refused("the API key was rejected"), KeyError("a bug")])
def test_a_permanent_failure_or_a_bug_is_not_retried(failure):
    sleeps = []
    call, calls = failing(1, failure=failure)
    with pytest.raises(type(failure)):
        with_retries(call, policy(sleeps))
    assert calls == [1]
    assert sleeps == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("3", 3.0),
        (" 0.5 ", 0.5),
        ("-4", 0.0),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_header_as_seconds_or_http_date(header, expected):
    from kpiengine import retry_after_seconds

    now = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)
    assert retry_after_seconds(header, now=now) == expected
