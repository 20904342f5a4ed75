"""Signing in to Salesforce (OAuth 2.0 client-credentials or JWT bearer) and where its API is.

Both flows POST a form to `{host}/services/oauth2/token` and get an access token with the org's
`instance_url`, the base of every later call. Neither gives a refresh token: when a session
expires (401 INVALID_SESSION_ID) the source simply signs in again, once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kpiengine import FileTooLarge, JsonApi, Redactor, Refused, read_regular_file
from kpiengine_salesforce.options import DEFAULT_LOGIN_URL

if TYPE_CHECKING:  # PyJWT and cryptography load for the JWT flow only, not at start-up
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

TOKEN_PATH = "/services/oauth2/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
JWT_LIFETIME = 180
"""Seconds an assertion is valid: Salesforce wants `exp` within about five minutes."""
MAX_KEY_BYTES = 64 * 1024
"""The largest key file read: a 16384-bit RSA key in PEM is under 13 KiB."""


@dataclass(frozen=True)
class Flow:
    """How to sign in: the flow's name ("client_credentials" or "jwt"), the token endpoint, and
    the form to post (built anew for each sign-in: a JWT carries its own expiry)."""

    name: str
    token_url: str
    form: Callable[[], dict[str, str]]


def _root(url: str) -> str:
    return url.strip().rstrip("/")


def choose_flow(options: Mapping[str, Any], base_dir: Path, who: str) -> Flow:
    """The flow the options describe (the options schema allows exactly one)."""
    client_id = str(options["client_id"])
    if options.get("client_secret"):
        form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": str(options["client_secret"]),
        }
        return Flow("client_credentials", _root(options["instance_url"]) + TOKEN_PATH, lambda: form)
    login_url = _root(str(options.get("login_url") or DEFAULT_LOGIN_URL))
    key = load_key(base_dir / str(options["private_key_file"]), who)
    claims = {"iss": client_id, "sub": str(options["username"]), "aud": audience(login_url)}
    return Flow("jwt", login_url + TOKEN_PATH, lambda: jwt_form(claims, key))


def audience(login_url: str) -> str:
    """The JWT `aud`: login.salesforce.com for production, test.salesforce.com for a sandbox.

    A My Domain login address still wants the generic audience; any other address (an
    Experience Cloud site) is its own audience.
    """
    host = urlsplit(login_url).hostname or ""
    if host.endswith(".sandbox.my.salesforce.com"):
        return "https://test.salesforce.com"
    if host.endswith(".my.salesforce.com"):
        return "https://login.salesforce.com"
    return _root(login_url)


def jwt_form(claims: Mapping[str, str], key: RSAPrivateKey) -> dict[str, str]:
    """The token request of the JWT bearer flow: an RS256 assertion expiring in 3 minutes."""
    import jwt

    payload = {**claims, "exp": int(time.time()) + JWT_LIFETIME}
    assertion = jwt.encode(payload, key, algorithm="RS256")
    return {"grant_type": JWT_GRANT, "assertion": assertion}


def load_key(path: Path, who: str) -> RSAPrivateKey:
    """The RSA private key in the PEM file, or Refused naming the option private_key_file."""
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    where = f"{who}: the private key file '{path}' (option private_key_file)"
    try:
        data = read_regular_file(path, MAX_KEY_BYTES)
    except FileTooLarge as exc:
        raise Refused(f"{where} cannot be read: {exc} — a PEM private key is a few KiB") from None
    except OSError as exc:
        raise Refused(f"{where} cannot be read: {exc.strerror or exc}") from None
    try:
        key = load_pem_private_key(data, password=None)
    except TypeError:
        raise Refused(
            f"{where} is protected by a passphrase — save it without one, e.g. "
            "openssl pkey -in key.pem -out key-plain.pem, and keep that file private"
        ) from None
    except ValueError:
        raise Refused(f"{where} is not a PEM private key (-----BEGIN PRIVATE KEY-----)") from None
    if not isinstance(key, RSAPrivateKey):
        raise Refused(f"{where} is not an RSA key: Salesforce signs JWTs with RS256 only")
    return key


class Session:
    """The signed-in session. `sign_in` is a `TokenHolder`'s fetch: it posts the flow's form,
    keeps the token out of every message from then on, and remembers the org's address."""

    def __init__(self, api: JsonApi, flow: Flow, redactor: Redactor) -> None:
        self.api = api
        self.flow = flow
        self.redactor = redactor
        self._instance_url: str | None = None

    def sign_in(self) -> str:
        form = self.flow.form()
        if "assertion" in form:
            self.redactor.add(form["assertion"])
        token, instance_url = self._answer(self.api.post_form(self.flow.token_url, form))
        self.redactor.add(token)
        self._instance_url = instance_url
        return token

    def _answer(self, payload: Any) -> tuple[str, str]:
        token = payload.get("access_token") if isinstance(payload, Mapping) else None
        url = payload.get("instance_url") if isinstance(payload, Mapping) else None
        if not isinstance(token, str) or not token or not isinstance(url, str) or not url:
            raise Refused(
                f"Salesforce's sign-in answer for {self.api.who} has no access_token and "
                "instance_url — check instance_url / login_url"
            )
        return token, _root(url)

    @property
    def instance_url(self) -> str:
        """The org's API address, from the last sign-in."""
        if self._instance_url is None:
            raise RuntimeError("sign in before asking for the instance URL")
        return self._instance_url
