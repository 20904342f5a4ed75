"""Access tokens from the refresh token, and the API domain Zoho names with each one.

`POST {accounts_url}/oauth/v2/token` with `grant_type=refresh_token` and the client's id and
secret, form-encoded (in the body, never in the address, so no log line can show them). The answer
names `api_domain`, the data centre's API address, which every CRM call then uses (§4.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kpiengine import JsonApi, Redactor, Refused

TOKEN_PATH = "/oauth/v2/token"


def _domain(value: Any, who: str) -> str:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise Refused(
            f"Zoho accounts issued a token for {who} without a usable api_domain "
            f"({str(value)[:60]!r}) — check accounts_url"
        )
    return value.rstrip("/")


class AccessTokens:
    """Fetches access tokens for one source; `fetch` is a `TokenHolder`'s fetch function.

    Each token is added to the redactor the moment it arrives, so it is masked like the options'
    secrets. `api_domain` is set by the first fetch.
    """

    def __init__(self, accounts: JsonApi, options: Mapping[str, Any], redactor: Redactor) -> None:
        self.accounts = accounts
        self.form = {
            "grant_type": "refresh_token",
            "client_id": str(options["client_id"]),
            "client_secret": str(options["client_secret"]),
            "refresh_token": str(options["refresh_token"]),
        }
        self.redactor = redactor
        self.api_domain: str | None = None

    def fetch(self) -> str:
        """A new access token from the refresh token."""
        who = self.accounts.who
        payload = self.accounts.post_form(TOKEN_PATH, self.form)
        token = payload.get("access_token") if isinstance(payload, Mapping) else None
        if not isinstance(token, str) or not token:
            raise Refused(f"Zoho accounts answered {who}'s token request without a token")
        self.redactor.add(token)
        self.api_domain = _domain(payload.get("api_domain"), who)
        return token
