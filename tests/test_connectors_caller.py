"""`Caller`: one source's who, error, redactor, policy and timeout shared by every API it opens."""

import httpx
import pytest

from kpiengine import Redactor, RetryPolicy, SourceError, TokenHolder
from kpiengine.connectors import Caller

SECRET = "tok-0123456789abcdef"


def caller(sleeps, timeout=12.5):
    return Caller(
        "source 'deals'",
        SourceError,
        Redactor([SECRET]),
        RetryPolicy(attempts=3, base_delay=0.5, sleep=sleeps.append),
        timeout,
    )


def mocked(monkeypatch, handler):
    """Every client a Caller makes answers through `handler`; returns the clients made."""
    made = []
    real = httpx.Client.__init__

    def init(self, **kwargs):
        kwargs["transport"] = httpx.MockTransport(handler)
        real(self, **kwargs)
        made.append(self)

    monkeypatch.setattr(httpx.Client, "__init__", init)
    return made


def test_open_sends_with_the_vendors_parts_and_closes_the_client(monkeypatch):
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    made = mocked(monkeypatch, handler)
    with caller([]).open(
        "https://vendor.invalid", "Vendor", tokens=TokenHolder.static(SECRET), auth_scheme="Key"
    ) as api:
        assert api.get("/v1/ping") == {"ok": True}
        assert (api.who, api.service, api.error) == ("source 'deals'", "Vendor", SourceError)
    assert seen[0].headers["Authorization"] == f"Key {SECRET}"
    assert str(seen[0].url) == "https://vendor.invalid/v1/ping"
    assert made[0].timeout == httpx.Timeout(12.5)
    assert made[0].is_closed


def test_apis_share_the_callers_policy_and_redactor(monkeypatch):
    sleeps = []
    answers = iter([httpx.Response(503), httpx.Response(503), httpx.Response(503)])
    mocked(monkeypatch, lambda request: next(answers))
    with pytest.raises(SourceError) as caught, caller(sleeps).open("https://x.invalid", "V") as api:
        api.get("/v1/ping")
    assert len(sleeps) == 2  # three attempts in all, per the caller's policy
    assert "still failed after 3 attempts" in str(caught.value)


def test_api_on_a_shared_client_uses_the_check_given():
    def check(response, payload):
        raise AssertionError("never called: no request is made")

    c = caller([])
    with c.client("https://vendor.invalid") as client:
        api = c.api(client, "Vendor", check=check)
        assert api.client is client and api.check is check and api.policy is c.policy
        assert api.redactor is c.redactor and api.tokens is None
