"""`preview --limit` is bounded: a number DuckDB cannot take is a usage mistake, not a traceback."""

import pytest
from kpitest import EXAMPLE, invoke

from kpiengine.cli.commands import PREVIEW_LIMIT


@pytest.mark.parametrize("limit", ["99999999999999999999999", str(PREVIEW_LIMIT + 1), "0"])
def test_preview_limit_is_bounded(limit):
    result = invoke("preview", "--ruleset", EXAMPLE, "--source", "deals", "--limit", limit)
    assert result.exit_code == 2
    assert (
        f"Invalid value for '--limit' / '-n': {limit} is not in the range 1<=x<=1000000"
    ) in result.stderr


def test_preview_limit_at_its_bound_shows_every_record():
    result = invoke("preview", "--ruleset", EXAMPLE, "--source", "deals", "--limit", PREVIEW_LIMIT)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "760 records from source 'deals' (plugin csv)"
    assert len(result.stdout.splitlines()) == 762  # the header, 760 records, the count


def test_preview_help_states_the_bound():
    assert "at most 1,000,000" in invoke("preview", "--help").stdout
