"""Retrying a vendor call with tenacity: exponential backoff with jitter, `Retry-After` honoured.

Only `Retryable` failures are retried; anything else (a `Refused`, a bug) goes straight through.
The total time spent waiting is bounded, so a run that cannot get through stops with a message
instead of hanging.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import tenacity

from kpiengine.connectors.failures import Retryable

T = TypeVar("T")

log = logging.getLogger("kpiengine.connectors")


@dataclass(frozen=True)
class RetryPolicy:
    """How a connector retries a transient failure.

    The n-th wait is `base_delay × 2^(n-1)` plus up to `base_delay` of random jitter, at most
    `max_delay` — unless the vendor said how long to wait (`Retryable.retry_after`), which is
    honoured as given. Retrying stops after `attempts` tries in all, or before the waits would add
    up to more than `max_total` seconds. `sleep` is how to wait: tests pass a function that
    records the delay instead of sleeping.
    """

    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_total: float = 120.0
    sleep: Callable[[float], None] = time.sleep


class RetriesExhausted(Exception):
    """Every attempt failed with a `Retryable`; `last` is the final failure."""

    def __init__(self, last: Retryable, attempts: int) -> None:
        super().__init__(f"{last.reason} (after {attempts} attempts)")
        self.last = last
        self.attempts = attempts


class _Backoff(tenacity.wait.wait_base):
    """Exponential backoff with jitter, or the wait the vendor asked for."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        failure = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(failure, Retryable) and failure.retry_after is not None:
            return max(failure.retry_after, 0.0)
        base = self.policy.base_delay
        exponent = min(retry_state.attempt_number - 1, 30)
        return min(self.policy.max_delay, base * 2.0**exponent + random.uniform(0, base))


class _WaitBudget(tenacity.stop.stop_base):
    """Stop before the waits (slept so far plus the next one) would exceed the budget."""

    def __init__(self, max_total: float) -> None:
        self.max_total = max_total

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return retry_state.idle_for + retry_state.upcoming_sleep > self.max_total


def _log_retry(retry_state: tenacity.RetryCallState) -> None:
    failure = retry_state.outcome.exception() if retry_state.outcome else None
    reason = failure.reason if isinstance(failure, Retryable) else repr(failure)
    log.info(
        "%s; retrying in %.1f s (attempt %d)",
        reason,
        retry_state.upcoming_sleep,
        retry_state.attempt_number + 1,
    )


def with_retries(call: Callable[[], T], policy: RetryPolicy) -> T:
    """The result of `call()`, retried on `Retryable` per `policy`.

    Raises `RetriesExhausted` when the policy gives up; any other exception propagates at once.
    """
    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(Retryable),
        wait=_Backoff(policy),
        stop=(
            tenacity.stop_after_attempt(policy.attempts)
            | _WaitBudget(policy.max_total)
            | tenacity.stop_before_delay(policy.max_total)
        ),
        sleep=policy.sleep,
        before_sleep=_log_retry,
    )
    try:
        return retrying(call)
    except tenacity.RetryError as exc:
        last = exc.last_attempt.exception()
        assert isinstance(last, Retryable)  # only Retryable is retried
        raise RetriesExhausted(last, exc.last_attempt.attempt_number) from None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A `Retry-After` header (seconds, or an HTTP date) as seconds from now; None if absent/bad."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
