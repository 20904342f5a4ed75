"""The toolkit's token holder: fetched on first use, refreshed once however many ask."""

import threading

from kpiengine import TokenHolder


def counter():
    issued = []

    def fetch():
        issued.append(f"token-{len(issued) + 1}")
        return issued[-1]

    return fetch, issued


def test_the_token_is_fetched_on_first_use_and_kept():
    fetch, issued = counter()
    holder = TokenHolder(fetch)
    assert issued == []
    assert holder.token() == holder.token() == "token-1"
    assert issued == ["token-1"]


def test_refreshing_a_stale_token_fetches_a_new_one():
    fetch, _ = counter()
    holder = TokenHolder(fetch)
    stale = holder.token()
    assert holder.refresh(stale) == "token-2"
    assert holder.token() == "token-2"


def test_many_callers_refreshing_the_same_stale_token_refresh_once():
    fetch, issued = counter()
    holder = TokenHolder(fetch)
    stale = holder.token()
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(holder.refresh(stale))) for _ in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert results == ["token-2"] * 10
    assert issued == ["token-1", "token-2"]
    assert holder.refreshes == 1


def test_a_static_key_stays_the_same_after_a_refresh():
    holder = TokenHolder.static("api-key-123")
    assert holder.refresh(holder.token()) == "api-key-123"
