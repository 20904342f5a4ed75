"""`kpiengine preview`: a source's first records under the ruleset's names, with the count."""

import io
from datetime import date
from decimal import Decimal

import pytest
from kpitest import EXAMPLE, ROOT, invoke
from rich.console import Console

from kpiengine.data.preview import Preview, cell_text, preview_source, show_preview
from kpiengine.errors import KpiEngineError
from kpiengine.plan.load import load_ruleset
from kpiengine.plugins import registry


def preview_of(source_id, limit=3, ruleset=EXAMPLE):
    loaded = load_ruleset(ruleset, registry())
    return preview_source(loaded.ruleset, registry(), source_id, limit)


def test_preview_prints_the_first_records_as_tab_separated_text_when_piped():
    result = invoke("preview", "--ruleset", EXAMPLE, "--source", "deals", "--limit", "2")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "amount\tclosed_on\tcreated_on\towner\tstage",
        "171600\t2025-02-01\t2024-11-12\tR005\tlost",
        "409200\t2025-01-31\t2024-11-14\tR001\tlost",
        "760 records from source 'deals' (plugin csv); the first 2 shown",
    ]


def test_columns_take_the_ruleset_names_and_types():
    preview = preview_of("deals")
    assert "owner" in preview.columns and "sales_rep_id" not in preview.columns
    row = dict(zip(preview.columns, preview.rows[0], strict=True))
    assert row["owner"] == "R005"
    assert row["amount"] == Decimal(171600)
    assert row["closed_on"] == date(2025, 2, 1)


def test_limit_keeps_that_many_records_and_the_total_counts_them_all():
    preview = preview_of("deals", limit=5)
    assert (len(preview.rows), preview.total) == (5, 760)


def test_a_short_source_says_how_many_without_the_first_n():
    preview = preview_of("reps", limit=50)
    assert len(preview.rows) == preview.total == 12
    assert invoke("preview", "-r", EXAMPLE, "--source", "reps", "-n", "50").stdout.endswith(
        "12 records from source 'reps' (plugin csv)\n"
    )


def test_an_unknown_source_suggests_the_closest_id():
    result = invoke("preview", "--ruleset", EXAMPLE, "--source", "deal")
    assert result.exit_code == 1
    assert "there is no source 'deal' in this ruleset — did you mean 'deals'?" in result.stderr


def test_a_limit_below_one_is_a_usage_error():
    assert invoke("preview", "--ruleset", EXAMPLE, "--source", "deals", "-n", "0").exit_code == 2


def test_a_source_the_ruleset_does_not_read_shows_every_field_it_lists(tmp_path):
    ruleset = tmp_path / "plan.yaml"
    text = EXAMPLE.read_text("utf-8").replace("../examples", str(ROOT / "examples"))
    extra = f"  spare: {{plugin: csv, options: {{path: {ROOT / 'examples/data/reps.csv'}}}}}\n"
    ruleset.write_text(text.replace("sources:\n", "sources:\n" + extra, 1), "utf-8")
    preview = preview_of("spare", ruleset=ruleset)
    assert preview.columns == ("hired_on", "name", "region", "rep_id", "team")
    assert preview.total == 12


def test_a_source_failure_is_reported_naming_the_source(tmp_path):
    ruleset = tmp_path / "plan.yaml"
    text = EXAMPLE.read_text("utf-8").replace("../examples", str(ROOT / "examples"))
    ruleset.write_text(text.replace("reviews.csv", "gone.csv"), "utf-8")
    with pytest.raises(KpiEngineError, match="reviews"):
        preview_of("reviews", ruleset=ruleset)


def test_on_a_terminal_the_records_are_a_table():
    out = io.StringIO()
    preview = Preview("deals", "csv", ("amount", "owner"), ((Decimal("1.500000"), "张三"),), 9, ())
    show_preview(preview, Console(file=out, force_terminal=True, width=80, color_system=None))
    text = out.getvalue()
    assert "deals (csv)" in text and "│    1.5 │ 张三  │" in text
    assert "9 records from source 'deals' (plugin csv); the first 1 shown" in text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (Decimal("1200.000000"), "1200"),
        (Decimal("0E-6"), "0"),
        (Decimal("0.850000"), "0.85"),
        (True, "true"),
        (date(2025, 3, 1), "2025-03-01"),
        ("华东\t一组\n二", "华东 一组 二"),
        (42, "42"),
    ],
)
def test_cells_are_shown_as_the_user_wrote_them(value, text):
    assert cell_text(value) == text
