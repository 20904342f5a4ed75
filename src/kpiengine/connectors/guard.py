"""A connector's entry points, guarded: a vendor's failure reaches the user as one sentence."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from kpiengine.connectors.failures import Refused, certificate_sentence, untrusted_certificate
from kpiengine.connectors.limits import ResponseTooLarge
from kpiengine.connectors.redact import Redactor
from kpiengine.connectors.retry import RetriesExhausted
from kpiengine.errors import KpiEngineError


def _network_errors() -> tuple[type[BaseException], ...]:
    # httpx loads only when a connector makes a client: until then none of its errors can occur.
    httpx = sys.modules.get("httpx")
    return (httpx.TransportError,) if httpx is not None else ()


@contextmanager
def guarded(who: str, error: Callable[[str], KpiEngineError], redactor: Redactor) -> Iterator[None]:
    """A block whose expected failures become `error(sentence)`, secrets removed.

    Wrap each entry point of a connector (`fields`, `fetch`, `fetch_changes`, `write`) in it, with
    `error` its SourceError or OutputError. A `Refused` becomes `error(message)`; retries given up
    (`RetriesExhausted`), an answer over the size limit and an httpx network failure outside a
    `JsonApi` become a sentence naming `who`. Anything else (a `KpiEngineError` raised directly,
    a bug) goes through with its type and traceback. The block runs under `redactor.scrubbed()`,
    so no message, log record or traceback from it shows a secret.
    """
    with redactor.scrubbed():
        try:
            yield
        except Refused as exc:
            raise error(redactor.redact(exc.message)) from None
        except RetriesExhausted as exc:
            message = f"{who} still failed after {exc.attempts} attempts ({exc.last.reason})"
            raise error(redactor.redact(f"{message}; try again later")) from None
        except ResponseTooLarge as exc:
            raise error(redactor.redact(f"{who} received {exc} (option max_response_mb)")) from None
        except _network_errors() as exc:
            raise error(redactor.redact(_network_sentence(exc, who))) from None


def _network_sentence(exc: BaseException, who: str) -> str:
    bad = untrusted_certificate(exc)
    if bad is not None:
        return certificate_sentence(bad, "the server", who)
    return f"{who} could not reach its server: {exc}"
