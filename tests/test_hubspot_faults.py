"""The hubspot source under HubSpot's failures: rate limits, expired tokens, outages, secrets."""

import logging

import pytest
from hubspot_server import (
    EXPIRED,
    UNLIMITED,
    account,
    deal,
    error_body,
    quick_policy,
    rate_limit_body,
    serving,
)

from kpiengine import FetchRequest, SourceError
from kpiengine_hubspot import HubSpotSource

SEARCH = "/crm/v3/objects/deals/search"
COLUMNS = {"id": "string", "owner": "string", "amount": "number", "won": "boolean"}


@pytest.fixture
def sleeps(monkeypatch):
    recorded = []
    monkeypatch.setattr(HubSpotSource, "retry_policy", quick_policy(recorded))
    monkeypatch.setattr(HubSpotSource, "rate_limits", UNLIMITED)
    monkeypatch.setattr(HubSpotSource, "timeout", 0.3)
    return recorded


@pytest.fixture
def hs(sleeps):
    with serving(account()) as mock:
        for i in range(450):  # three search pages
            deal(
                mock,
                "li.si@example.com",
                100 + i,
                created=f"2025-01-01T00:{i // 60:02d}:{i % 60:02d}Z",
            )
        yield mock


def fetch(mock, tmp_path, **options):
    options = {"base_url": mock.url, "access_token": mock.token, **options}
    request = FetchRequest("deals", COLUMNS, frozenset(), None, None, tmp_path)
    return HubSpotSource("deals", options, tmp_path).fetch(request)


def test_a_ten_secondly_429_waits_out_the_window_and_goes_on(hs, tmp_path, sleeps):
    hs.inject(path=SEARCH, status=429, body=rate_limit_body("TEN_SECONDLY_ROLLING"), skip=1)
    assert fetch(hs, tmp_path).num_rows == 450
    assert sleeps == [10.0]


def test_retry_after_is_honoured_when_hubspot_sends_it(hs, tmp_path, sleeps):
    hs.inject(
        path="/crm/v3/owners", status=429, body=rate_limit_body("TEN_SECONDLY_ROLLING"),
        retry_after="3",
    )  # fmt: skip
    assert fetch(hs, tmp_path).num_rows == 450
    assert sleeps == [3.0]


def test_the_search_limit_per_second_waits_a_second_and_retries(hs, tmp_path, sleeps):
    hs.inject(path=SEARCH, status=429, body=rate_limit_body("SECONDLY"), skip=2, times=2)
    assert fetch(hs, tmp_path).num_rows == 450
    assert sleeps == [1.0, 1.0]
    assert [s.body["after"] for s in hs.searches()] == ["0", "199", "398", "398", "398"]


def test_the_daily_limit_stops_at_once_with_a_message(hs, tmp_path, sleeps):
    hs.inject(path=SEARCH, status=429, body=rate_limit_body("DAILY"), skip=1, times=5)
    with pytest.raises(SourceError) as failure:
        fetch(hs, tmp_path)
    assert str(failure.value) == (
        "source 'deals': HubSpot's daily API limit for this account is used up (429 DAILY); "
        "the run stops here — run it again after midnight in the HubSpot account's time zone"
    )
    assert sleeps == [] and len(hs.searches()) == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504, 423])
def test_a_server_error_is_retried(hs, tmp_path, sleeps, status):
    hs.inject(path=SEARCH, status=status, body="<html>Bad gateway</html>", skip=1)
    assert fetch(hs, tmp_path).num_rows == 450
    assert len(sleeps) == 1


def test_a_lasting_outage_stops_after_the_retries_with_a_message(hs, tmp_path, sleeps):
    hs.inject(path=SEARCH, status=502, times=100)
    with pytest.raises(SourceError, match="HubSpot still failed after 4 attempts"):
        fetch(hs, tmp_path)
    assert len(sleeps) == 3


def test_a_timeout_is_retried(hs, tmp_path, sleeps):
    hs.inject(path=SEARCH, delay=1.0, skip=1)
    assert fetch(hs, tmp_path).num_rows == 450
    assert len(sleeps) == 1


def test_a_token_expired_once_mid_run_is_tried_again_and_the_run_goes_on(hs, tmp_path, sleeps):
    hs.inject(path=SEARCH, status=401, body=EXPIRED, skip=1)
    assert fetch(hs, tmp_path).num_rows == 450
    assert sleeps == []


def test_a_token_that_stays_expired_mid_run_stops_naming_the_option(hs, tmp_path, sleeps):
    hs.inject(path=SEARCH, status=401, body=EXPIRED, skip=1, times=2)
    with pytest.raises(SourceError) as failure:
        fetch(hs, tmp_path)
    assert str(failure.value) == (
        "source 'deals': HubSpot says the access token has expired (HTTP 401) — create a new "
        "private app token and set the environment variable its access_token option names"
    )
    assert sleeps == []


def test_a_wrong_token_is_refused_before_any_record(hs, tmp_path):
    with pytest.raises(SourceError, match="the access token was refused"):
        fetch(hs, tmp_path, access_token="pat-na1-wrong-token")


def test_a_missing_scope_is_named(hs, tmp_path):
    hs.missing_scopes = {"/crm/v3/owners": ["crm.objects.owners.read"]}
    with pytest.raises(SourceError, match=r"lacks the scopes crm\.objects\.owners\.read"):
        fetch(hs, tmp_path)


def test_a_page_without_results_is_a_message_not_a_crash(hs, tmp_path):
    hs.inject(path=SEARCH, status=200, body={"total": 3})
    with pytest.raises(SourceError, match="HubSpot's answer about records has no list"):
        fetch(hs, tmp_path)


def test_an_answer_that_is_not_json_names_the_base_url(hs, tmp_path):
    hs.inject(path=SEARCH, status=200, body="<html>login</html>")
    with pytest.raises(SourceError, match=r"did not answer .* with JSON .* base URL"):
        fetch(hs, tmp_path)


@pytest.mark.parametrize(
    "fault",
    [
        {
            "status": 401,
            "body": error_body("Bad token {auth}", "INVALID_AUTHENTICATION"),
            "times": 2,
        },
        {"status": 400, "body": error_body("Echo: {auth}", "VALIDATION_ERROR")},
        {"status": 403, "body": error_body("Token {auth} lacks scopes", "MISSING_SCOPES")},
        {"status": 502, "body": "Token {auth}", "times": 10},
        {"status": 429, "body": rate_limit_body("DAILY")},
    ],
    ids=["401", "400-echo", "403-echo", "outage", "daily"],
)
def test_the_token_never_appears_in_messages_or_logs(hs, tmp_path, caplog, fault):
    caplog.set_level(logging.DEBUG)
    hs.inject(path=SEARCH, **fault)
    with pytest.raises(SourceError) as failure:
        fetch(hs, tmp_path)
    shown = str(failure.value) + repr(failure.value.__cause__) + caplog.text
    assert "source 'deals'" in str(failure.value)
    assert hs.token not in shown


def test_a_server_echoing_the_token_sees_it_masked(hs, tmp_path):
    hs.inject(path=SEARCH, status=400, body=error_body("Bad header {auth}", "VALIDATION_ERROR"))
    with pytest.raises(SourceError, match=r"invalid: Bad header Bearer \*\*\*$"):
        fetch(hs, tmp_path)


def test_searches_and_reads_wait_for_their_own_rate_limits(hs, tmp_path, monkeypatch):
    import kpiengine_hubspot.connection as connection

    kinds = []

    class Recorder:
        def __init__(self, limits):
            assert set(limits) == {"read", "search"}

        def acquire(self, kind):
            kinds.append(kind)
            return 0.0

    monkeypatch.setattr(connection, "RateLimiter", Recorder)
    fetch(hs, tmp_path)
    assert kinds == ["read", "read", "read"] + ["search"] * 3  # owners ×2, pipelines, 3 pages
    assert connection.RATES == {"read": 10.0, "search": 4.0}
