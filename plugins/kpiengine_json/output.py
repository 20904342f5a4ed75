"""The json output: the results document of docs/results.md, byte-identical for identical
results."""

from __future__ import annotations

from typing import Any, ClassVar

from kpiengine import Output, Results, Written, json_document
from kpiengine_json.output_options import OUTPUT_OPTIONS


class JsonOutput(Output):
    """Results as the JSON document that tools and tests read (docs/results.md)."""

    name: ClassVar[str] = "json"
    target_option: ClassVar[str | None] = "path"
    options_schema: ClassVar[dict[str, Any]] = OUTPUT_OPTIONS

    def write(self, results: Results) -> Written:
        """Write the document; the previous file stays whole if anything fails."""
        with self.open_target() as handle:
            for chunk in json_document(results, self.options.get("indent", 2)):
                handle.write(chunk)
        return self.wrote(contents(results))


def contents(results: Results) -> str:
    """What the document holds, for the confirmation: `48 results, 4 groups`."""
    found, groups = len(results.table), results.table.group_count
    return f"{found} result{'' if found == 1 else 's'}, {groups} group{'' if groups == 1 else 's'}"
