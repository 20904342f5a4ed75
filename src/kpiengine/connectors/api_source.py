"""The base of a source that reads a vendor's API, with the toolkit's plumbing set up once."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, ClassVar

from kpiengine.connectors.caller import Caller
from kpiengine.connectors.client import DEFAULT_TIMEOUT
from kpiengine.connectors.guard import guarded
from kpiengine.connectors.limits import DEFAULT_DEADLINE
from kpiengine.connectors.redact import Redactor
from kpiengine.connectors.retry import RetryPolicy
from kpiengine.errors import SourceError
from kpiengine.source import Source


class ApiSource(Source):
    """A `Source` whose records come from a vendor's API.

    `who` names the source in messages ("source 'deals'"); `redactor` masks the options the
    schema marks `writeOnly`. Run each entry point inside `with self.guarded():` and open the
    vendor's APIs from `self.caller()`. A subclass sets `name`, `options_schema` and
    `retry_policy`, and keeps to the vendor's specifics: its auth, its error codes, its paging.
    """

    retry_policy: ClassVar[RetryPolicy] = RetryPolicy()
    """How transient failures are retried; tests set a policy that does not really sleep."""
    timeout: ClassVar[float] = DEFAULT_TIMEOUT
    """Seconds to wait for an answer when the options set no `timeout`; tests shorten it."""
    deadline: ClassVar[float] = DEFAULT_DEADLINE
    """Seconds one request may take in all when the options set no `deadline`."""

    def __init__(self, source_id: str, options: Mapping[str, Any], base_dir: Path) -> None:
        super().__init__(source_id, options, base_dir)
        self.who = f"source '{source_id}'"
        self.redactor = Redactor.for_options(options, self.options_schema)

    def guarded(self) -> AbstractContextManager[None]:
        """`guarded` for this source: its failures become a `SourceError` naming it."""
        return guarded(self.who, SourceError, self.redactor)

    def caller(self) -> Caller:
        """This source as the caller of its vendor's APIs (its retry policy, timeout, deadline
        and largest answer)."""
        return Caller.from_options(
            self.who,
            SourceError,
            self.redactor,
            self.retry_policy,
            self.options,
            timeout=self.timeout,
            deadline=self.deadline,
        )
