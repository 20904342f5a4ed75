"""JsonApi against httpx.MockTransport: retries, Retry-After, timeouts, 401 refresh, redaction."""

import io

import httpx
import pytest

from kpiengine import (
    JsonApi,
    Progress,
    Redactor,
    Refused,
    RetryPolicy,
    SourceError,
    TokenHolder,
    make_client,
)

SECRET = "tok-0123456789abcdef"


def api(handler, sleeps=None, tokens=None, check=None, limiter=None):
    sleeps = [] if sleeps is None else sleeps
    client = make_client("https://vendor.invalid", transport=httpx.MockTransport(handler))
    return JsonApi(
        client,
        who="source 'deals'",
        service="Vendor",
        error=SourceError,
        redactor=Redactor([SECRET]),
        check=check,
        policy=RetryPolicy(attempts=4, base_delay=0.5, sleep=sleeps.append),
        limiter=limiter,
        tokens=tokens or TokenHolder.static(SECRET),
    )


def sequence(*responses):
    seen = []

    def handler(request):
        seen.append(request)
        answer = responses[min(len(seen), len(responses)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, seen


def test_a_post_sends_json_with_bearer_auth_and_returns_exact_numbers():
    handler, seen = sequence(httpx.Response(200, json={"amount": 12.5, "name": "张三"}))
    answer = api(handler).post("/v1/list", {"名称": "x"})
    assert str(answer["amount"]) == "12.5"
    assert answer["name"] == "张三"
    assert seen[0].headers["Authorization"] == f"Bearer {SECRET}"
    assert seen[0].content.decode() == '{"名称": "x"}'


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_429_and_5xx_are_retried(status):
    sleeps = []
    handler, seen = sequence(httpx.Response(status), httpx.Response(200, json={"ok": True}))
    assert api(handler, sleeps).post("/x", {}) == {"ok": True}
    assert len(seen) == 2 and len(sleeps) == 1


def test_retry_after_from_the_response_is_honoured():
    sleeps = []
    handler, _ = sequence(
        httpx.Response(429, headers={"Retry-After": "4"}), httpx.Response(200, json={})
    )
    api(handler, sleeps).post("/x", {})
    assert sleeps == [4.0]


def test_a_timeout_is_retried():
    handler, seen = sequence(httpx.ReadTimeout("slow"), httpx.Response(200, json={"ok": 1}))
    assert api(handler).post("/x", {}) == {"ok": 1}
    assert len(seen) == 2


def test_exhausted_retries_stop_with_a_message_naming_the_source():
    handler, seen = sequence(httpx.Response(503))
    with pytest.raises(SourceError) as failure:
        api(handler).post("/x", {})
    assert len(seen) == 4
    assert "source 'deals': Vendor still failed after 4 attempts" in str(failure.value)
    assert "HTTP 503" in str(failure.value)


def test_a_401_refreshes_the_token_once_and_retries_with_the_new_one():
    issued = iter(["old-token-1", "new-token-2"])
    tokens = TokenHolder(lambda: next(issued))
    handler, seen = sequence(httpx.Response(401), httpx.Response(200, json={"ok": 1}))
    assert api(handler, tokens=tokens).post("/x", {}) == {"ok": 1}
    sent = [r.headers["Authorization"] for r in seen]
    assert sent == ["Bearer old-token-1", "Bearer new-token-2"]
    assert tokens.refreshes == 1


def test_a_second_401_is_permanent_and_not_retried():
    handler, seen = sequence(httpx.Response(401))
    with pytest.raises(SourceError, match="refused the credentials of source 'deals'"):
        api(handler).post("/x", {})
    assert len(seen) == 2


def test_a_refusal_from_the_vendor_check_is_not_retried_and_is_redacted():
    def check(response, payload):
        if payload.get("code") == 7:
            raise Refused(f"daily quota used up for key {SECRET}")

    handler, seen = sequence(httpx.Response(400, json={"code": 7}))
    with pytest.raises(SourceError) as failure:
        api(handler, check=check).post("/x", {})
    assert str(failure.value) == "daily quota used up for key ***"
    assert len(seen) == 1


def test_an_answer_that_is_not_json_names_the_base_url():
    handler, _ = sequence(httpx.Response(200, text="<html>login</html>"))
    with pytest.raises(SourceError, match=r"did not answer source 'deals' with JSON.*base URL"):
        api(handler).post("/x", {})


def test_an_unexpected_status_is_refused_naming_the_base_url():
    handler, seen = sequence(httpx.Response(404))
    with pytest.raises(SourceError, match="HTTP 404 for source 'deals' — check its base URL"):
        api(handler).post("/x", {})
    assert len(seen) == 1


def test_each_call_waits_for_the_rate_limiter_of_its_kind():
    kinds = []

    class Limiter:
        def acquire(self, kind):
            kinds.append(kind)
            return 0.0

    handler, _ = sequence(httpx.Response(200, json={}))
    client = api(handler, limiter=Limiter())
    client.post("/a", {})
    client.post("/b", {}, kind="batch")
    assert kinds == ["read", "batch"]


def test_redirects_are_not_followed():
    handler, seen = sequence(httpx.Response(302, headers={"Location": "https://elsewhere.invalid"}))
    with pytest.raises(SourceError, match="HTTP 302"):
        api(handler).post("/x", {})
    assert len(seen) == 1


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_drawn_on_a_terminal():
    stream = Terminal()
    with Progress("source 'deals'", stream) as progress:
        progress.add(100)
        progress.add(50)
    assert stream.getvalue() == (
        "\rsource 'deals': 100 records fetched\rsource 'deals': 150 records fetched\n"
    )


def test_progress_stays_silent_when_stderr_is_not_a_terminal():
    stream = io.StringIO()
    with Progress("source 'deals'", stream) as progress:
        progress.add(100)
    assert stream.getvalue() == ""
    assert progress.count == 100


def test_a_get_sends_the_query_with_bearer_auth_and_no_body():
    handler, seen = sequence(httpx.Response(200, json={"results": [{"amount": 1.5}]}))
    answer = api(handler).get("/v3/owners", {"limit": 100, "after": None, "archived": "false"})
    assert str(answer["results"][0]["amount"]) == "1.5"
    assert seen[0].method == "GET"
    assert seen[0].url.path == "/v3/owners"
    assert dict(seen[0].url.params) == {"limit": "100", "archived": "false"}
    assert seen[0].headers["Authorization"] == f"Bearer {SECRET}"
    assert seen[0].content == b""


def test_a_get_is_retried_and_refreshes_the_token_like_a_post():
    tokens = iter(["first-token-1234", "second-token-5678"])
    holder = TokenHolder(lambda: next(tokens))
    handler, seen = sequence(
        httpx.Response(401), httpx.Response(503), httpx.Response(200, json={"ok": True})
    )
    assert api(handler, tokens=holder).get("/x") == {"ok": True}
    assert [r.headers["Authorization"] for r in seen] == [
        "Bearer first-token-1234",
        "Bearer second-token-5678",
        "Bearer second-token-5678",
    ]


def test_a_get_sends_extra_headers_and_a_204_answer_is_none():
    handler, seen = sequence(httpx.Response(204))
    answer = api(handler).get("/records", {"page": 1}, headers={"If-Modified-Since": "2025-01-01"})
    assert answer is None
    assert seen[0].headers["If-Modified-Since"] == "2025-01-01"
    assert seen[0].headers["Authorization"] == f"Bearer {SECRET}"


def test_a_post_answered_204_no_content_is_none():
    handler, _ = sequence(httpx.Response(204))
    assert api(handler).post("/query", {"q": 1}) is None
