"""The toolkit's rate limiter: token buckets with an injected clock, safe across threads."""

import threading

import pytest

from kpiengine import RateLimiter, TokenBucket


class FakeTime:
    """A clock that only moves when something sleeps."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []
        self.lock = threading.Lock()

    def clock(self):
        return self.now

    def sleep(self, seconds):
        with self.lock:
            self.sleeps.append(seconds)


def test_a_burst_up_to_capacity_passes_without_waiting():
    t = FakeTime()
    bucket = TokenBucket(5, clock=t.clock, sleep=t.sleep)
    assert [bucket.acquire() for _ in range(5)] == [0.0] * 5
    assert t.sleeps == []


def test_beyond_the_burst_each_call_waits_one_interval_more():
    t = FakeTime()
    bucket = TokenBucket(10, capacity=2, clock=t.clock, sleep=t.sleep)
    waits = [bucket.acquire() for _ in range(5)]
    assert waits[:2] == [0.0, 0.0]
    assert waits[2:] == pytest.approx([0.1, 0.2, 0.3])


def test_tokens_come_back_with_time_up_to_capacity():
    t = FakeTime()
    bucket = TokenBucket(10, capacity=2, clock=t.clock, sleep=t.sleep)
    bucket.acquire(), bucket.acquire()
    t.now += 60.0
    assert [bucket.acquire() for _ in range(3)] == pytest.approx([0.0, 0.0, 0.1])


def test_concurrent_callers_each_reserve_their_own_slot():
    t = FakeTime()
    bucket = TokenBucket(10, capacity=1, clock=t.clock, sleep=t.sleep)
    threads = [threading.Thread(target=bucket.acquire) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert sorted(t.sleeps) == pytest.approx([k / 10 for k in range(1, 20)])


def test_a_rate_limiter_applies_the_kind_and_the_overall_limit():
    t = FakeTime()
    limiter = RateLimiter({"read": 30, "batch": 1}, overall=50, clock=t.clock, sleep=t.sleep)
    assert limiter.acquire("batch") == 0.0
    assert limiter.acquire("batch") == pytest.approx(1.0)
    assert limiter.acquire("read") == 0.0


def test_an_unknown_kind_of_call_is_a_bug():
    limiter = RateLimiter({"read": 30})
    with pytest.raises(KeyError):
        limiter.acquire("write")


def test_a_bucket_needs_a_positive_rate():
    with pytest.raises(ValueError):
        TokenBucket(0)
