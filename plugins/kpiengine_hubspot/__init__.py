"""The built-in hubspot plugin: HubSpot CRM records (deals by default) as a source.

How it reads HubSpot (contract: ../shared/reference/crm-apis.md §3):

- **Auth.** `access_token` is a private app's token, sent as `Authorization: Bearer`. It is
  static: a 401 is tried once more with it (HubSpot's 401s are not a reliable "refresh" signal),
  then the run stops naming the option. OAuth access tokens work too but are not refreshed.
- **Records.** `POST /crm/v3/objects/{object}/search`, 200 a page, sorted ascending on
  `createdate` (it never changes while pages are read), paged by `after`. Before a page would
  pass the 10,000-result cap, a new query starts `GTE` the last `createdate` seen; each page
  after a query's first starts on the previous page's last record, so a record archived or
  modified mid-read (which moves every later one up a place) starts a new query the same way
  instead of making one go missing. One row per id (the last version) is kept.
- **Period.** Each date field the ruleset dates records by gives a filter group
  `start ≤ property < end` (local midnight in `timezone`); the groups are OR'ed — a deal created
  in the period or closed in it comes back — and the engine keeps, for each rule, the records its
  own date puts in the period. Beyond HubSpot's filter limits (5 groups, 6 filters a group, 18 in
  all) the period is not pushed down. `pipeline` adds `pipeline EQ <id>` to every group.
- **Values.** Every property value arrives as a string: amounts become exact decimals, datetimes
  the day in `timezone` (date-only properties their own day), booleans `true`/`false`.
- **Owners** come from `/crm/v3/owners` (active and archived, 100 a page); a deal's
  `hubspot_owner_id` is the owner's `id`; `owner_key` gives email (default), name or id. An owner
  not listed shows its id, with a note.
- **Stages and won** come from `/crm/v3/pipelines/{object}`: `stage` is the stage's label; `won`
  is true for a stage whose metadata says `isClosed` "true" with `probability` 1.0 (a stage
  without `isClosed` — it is common use, not in the specification — on probability 1.0 alone).
- **Limits.** Client side: reads under 10 a second (the smallest 10-second burst limit, 100),
  searches under 4 a second (search is limited to 5 a second per account). A 429
  `TEN_SECONDLY_ROLLING` waits `Retry-After` or else 10 s and retries; the search limit
  (`SECONDLY`, "secondly limit") waits 1 s; 5xx, 423 and 477 and timeouts back off and retry;
  `DAILY` stops at once with a message (the quota renews at midnight, account time).
- **Incremental refresh** (`fetch_changes`): a search on `hs_lastmodifieddate GTE` the watermark
  less 5 minutes (the search index lags a little), sorted on it, with no period or pipeline
  filter so that a deal moved out of either replaces its cached copy; a deal now outside the
  `pipeline` is reported deleted, as are deals archived since (a full pass over
  `GET /crm/v3/objects/{object}?archived=true`, 100 a page, kept to those archived since). The
  watermark is the newest modification seen, never past the refresh's start. Limits: HubSpot
  lists archived records for 90 days and never lists records deleted for good (GDPR deletions),
  so an occasional `kpiengine run --refresh` is needed to drop those.
- `object` may name another object type; the engine fields are read from deal properties
  (`dealname`, `amount`, `dealstage`, …), so for other objects map the fields you need.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kpiengine import Deferred, hookimpl
from kpiengine_hubspot.options import SOURCE_OPTIONS

if TYPE_CHECKING:
    from kpiengine_hubspot.source import HubSpotSource

__all__ = ["HubSpotSource"]

KPIENGINE_API = 2
"""The kpiengine plugin API this plugin is written for (docs/plugins.md)."""


@hookimpl
def register_sources(register: Callable[[Any], None]) -> None:
    """Register the hubspot source."""
    register(
        Deferred(
            "kpiengine_hubspot.source:HubSpotSource", name="hubspot", options_schema=SOURCE_OPTIONS
        )
    )


_CLASSES: dict[str, str] = {
    "HubSpotSource": "kpiengine_hubspot.source",
}
"""The plugin's classes, imported on first use: registering them imports none (`Deferred`)."""


def __getattr__(name: str) -> Any:
    module = _CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module 'kpiengine_hubspot' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
