"""Toolkit additions for OAuth connectors: form-encoded posts, and secrets learned during a run."""

import logging

import httpx
import pytest

from kpiengine import JsonApi, Redactor, RetryPolicy, SourceError, make_client

SECRET = "client-secret-0123456789"


def api(handler, sleeps, redactor=None):
    client = make_client("https://vendor.invalid", transport=httpx.MockTransport(handler))
    return JsonApi(
        client,
        who="source 'deals'",
        service="Vendor",
        error=SourceError,
        redactor=redactor or Redactor([SECRET]),
        policy=RetryPolicy(attempts=3, base_delay=0.5, sleep=sleeps.append),
    )


def test_post_form_sends_a_url_encoded_form_and_returns_the_json_answer():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"access_token": "abc", "issued_at": 1.5})

    answer = api(handler, []).post_form("/oauth/token", {"grant_type": "x y", "secret": "a&b=c"})
    assert answer["access_token"] == "abc" and str(answer["issued_at"]) == "1.5"
    assert seen[0].method == "POST"
    assert seen[0].headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert seen[0].content == b"grant_type=x+y&secret=a%26b%3Dc"
    assert "Authorization" not in seen[0].headers


def test_post_form_retries_like_every_call_and_redacts_the_final_message():
    sleeps, calls = [], []

    def handler(request):
        calls.append(request)
        return httpx.Response(503, text=f"down, got {request.content.decode()}")

    with pytest.raises(SourceError) as failure:
        api(handler, sleeps).post_form("/oauth/token", {"client_secret": SECRET})
    assert len(calls) == 3 and len(sleeps) == 2
    assert SECRET not in str(failure.value)


def test_a_secret_added_later_is_masked_in_text_and_in_logs(caplog):
    redactor = Redactor([SECRET])
    token = "00D!session-token-learned-at-sign-in"
    assert redactor.redact(f"token {token}") == f"token {token}"
    redactor.add(token)
    redactor.add("ab")  # too short to mask without garbling every message
    assert redactor.redact(f"{SECRET} {token} ab") == "*** *** ab"
    caplog.set_level(logging.INFO)
    with redactor.scrubbed():
        logging.getLogger("vendor").info("sent %s", token)
    assert token not in caplog.text and "sent ***" in caplog.text
