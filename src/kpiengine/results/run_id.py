"""A run's id: which plan, on which records, for which periods — so the files of one run can be
matched (a JSON document and a CSV written side by side) and told from another run's.

It is derived, not drawn: the engine's version, the ruleset's SHA-256, the periods and a digest
of each source's records (`data.store.records_digest`). Two runs of the same plan on the same
records give the same id (and the same results); a run on other records, another id. It is
written once per document, never in a result row, so results stay byte-for-byte deterministic.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence

ID_LENGTH = 16
"""Hex digits kept: 64 bits tell runs apart; the id is a label, not a security check."""


def run_id(
    version: str, ruleset_sha256: str, periods: Sequence[str], digests: Mapping[str, str]
) -> str:
    """The id of a run of the ruleset with SHA-256 `ruleset_sha256` over these periods, on the
    records whose digests (source id → digest) are given."""
    material = {
        "kpiengine": version,
        "ruleset": ruleset_sha256,
        "periods": list(periods),
        "records": dict(sorted(digests.items())),
    }
    text = json.dumps(material, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_LENGTH]
