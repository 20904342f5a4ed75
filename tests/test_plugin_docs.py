"""docs/plugins/: the option pages tools/plugin_docs.py writes from the plugins' options schemas."""

import re
import sys
from typing import ClassVar

import pytest
from kpitest import ROOT

from kpiengine import Source

sys.path.insert(0, str(ROOT / "tools"))  # the tool runs as `python tools/plugin_docs.py`

import plugin_docs

REGENERATE = "python tools/plugin_docs.py"


@pytest.fixture(scope="module")
def pages():
    return plugin_docs.render(plugin_docs.builtin_registry())


def test_the_plugin_pages_are_up_to_date_with_the_schemas(pages):
    differ = plugin_docs.stale(pages)
    assert not differ, (
        "the pages in docs/plugins/ no longer match the plugins' options schemas: "
        + "; ".join(differ)
        + f" — regenerate them with `.venv/bin/{REGENERATE}` and commit the result"
    )


def test_every_builtin_source_and_output_has_a_section(pages):
    reg = plugin_docs.builtin_registry()
    text = "".join(pages.values())
    for kind, table in (("Source", reg.sources), ("Output", reg.outputs)):
        for name, (_, plugin) in table.items():
            assert f"## {kind} `{name}`" in pages[plugin_docs.PAGES / f"{plugin}.md"]
            assert f"({plugin}.md#{kind.lower()}-{name})" in text


def test_the_csv_page_tells_ops_each_option(pages):
    csv = pages[plugin_docs.PAGES / "csv.md"]
    for option in ("path", "delimiter", "encoding", "on_error", "rejects", "types"):
        assert f"| `{option}` |" in csv
    assert "| `encoding` | one of `utf-8`, `utf-8-sig`, `gbk`," in csv
    assert "| `on_error` | one of `stop`, `skip` | `stop` | no |" in csv
    assert "```yaml\nsources:\n  deals:\n    plugin: csv\n" in csv


def test_secrets_and_rules_between_options_are_shown(pages):
    salesforce = pages[plugin_docs.PAGES / "salesforce.md"]
    assert "| `client_secret` | text |  | see below | **Secret.** " in salesforce
    assert "- Give exactly one of `client_secret` or `private_key_file`." in salesforce
    assert "- With `client_secret`, give `instance_url` too." in salesforce


def test_the_ruleset_format_and_the_hooks_page_link_the_option_pages(pages):
    ruleset = (ROOT / "docs" / "ruleset.md").read_text("utf-8")
    for path in pages:
        if path.name != plugin_docs.INDEX:
            assert f"(plugins/{path.name})" in ruleset, f"docs/ruleset.md does not link {path}"
    assert "(plugins/README.md)" in ruleset
    assert "(plugins/README.md)" in (ROOT / "docs" / "plugins.md").read_text("utf-8")


# -- the renderer, on schemas made for the test -----------------------------------------------


class Fake(Source):
    name: ClassVar[str] = "fake"
    options_schema: ClassVar[dict] = {
        "type": "object",
        "description": "Read fake records.",
        "properties": {
            "auth": {
                "type": "object",
                "description": "How to sign in.",
                "properties": {
                    "client_id": {
                        "type": "string",
                        "writeOnly": True,
                        "description": "The client's id.",
                    },
                },
                "required": ["client_id"],
            },
            "limit": {
                "type": "integer",
                "minimum": 1,
                "maximum": 500,
                "default": 100,
                "description": "Records per page.",
            },
            "mode": {"enum": ["fast", "safe"], "description": "How to read."},
        },
        "required": ["limit"],
        "additionalProperties": False,
    }


FAKE_EXAMPLE = "sources:\n  things:\n    plugin: fake\n    options: {limit: 10}\n"


@pytest.fixture
def fake_example(monkeypatch):
    monkeypatch.setitem(plugin_docs.EXAMPLES, ("source", "fake"), FAKE_EXAMPLE)


def with_schema(monkeypatch, **changes):
    schema = {**Fake.options_schema, **changes}
    monkeypatch.setattr(Fake, "options_schema", schema)


def test_nested_options_are_flattened_with_dotted_names(fake_example):
    lines = plugin_docs.section("source", Fake)
    assert "| `auth` | mapping |  | no | How to sign in. |" in lines
    assert (
        "| `auth.client_id` | text |  | yes, if `auth` is given | **Secret.** The client's id. |"
        in lines
    )
    assert "| `limit` | whole number | `100` | yes | Records per page. From 1 to 500. |" in lines
    assert "| `mode` | one of `fast`, `safe` |  | no | How to read. |" in lines
    assert "- Any other option is an error." in lines
    assert "```yaml\n" + FAKE_EXAMPLE + "```" in "\n".join(lines)


def test_an_option_without_a_description_is_refused_naming_it(monkeypatch, fake_example):
    props = dict(Fake.options_schema["properties"])
    props["mode"] = {"enum": ["fast", "safe"]}
    with_schema(monkeypatch, properties=props)
    with pytest.raises(plugin_docs.DocsError, match="source 'fake': option 'mode' has no desc"):
        plugin_docs.section("source", Fake)


def test_a_schema_keyword_the_pages_cannot_show_is_refused(monkeypatch, fake_example):
    with_schema(monkeypatch, allOf=[{"required": ["mode"]}])
    with pytest.raises(plugin_docs.DocsError, match="schema keyword 'allOf'"):
        plugin_docs.section("source", Fake)


def test_an_example_whose_options_are_invalid_is_refused(monkeypatch):
    bad = FAKE_EXAMPLE.replace("limit: 10", "limit: 0")
    monkeypatch.setitem(plugin_docs.EXAMPLES, ("source", "fake"), bad)
    with pytest.raises(plugin_docs.DocsError, match=r"example of source 'fake'.*0 is less than"):
        plugin_docs.section("source", Fake)


def test_a_plugin_without_an_example_is_refused():
    with pytest.raises(plugin_docs.DocsError, match=r"add one to tools/plugin_examples\.py"):
        plugin_docs.section("source", Fake)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("created_on and Region__c", "created_on and Region__c"),
        ("by widget name (_widget_…)", r"by widget name (\_widget\_…)"),
        ("<indicator>.actual|target", r"\<indicator>.actual\|target"),
        ("a `x|y` code span", r"a `x\|y` code span"),
    ],
)
def test_table_text_is_escaped_only_where_markdown_would_misread_it(text, shown):
    assert plugin_docs.md(text) == shown


def test_stale_names_pages_out_of_date_missing_or_of_no_plugin(tmp_path):
    folder = tmp_path / plugin_docs.PAGES
    folder.mkdir(parents=True)
    (folder / "a.md").write_text("old\n", "utf-8")
    (folder / "gone.md").write_text("x\n", "utf-8")
    pages = {plugin_docs.PAGES / "a.md": "new\n", plugin_docs.PAGES / "b.md": "b\n"}
    found = plugin_docs.stale(pages, tmp_path)
    assert [re.sub(r".*/", "", p) for p in found] == [
        "a.md is out of date",
        "b.md is missing",
        "gone.md is the page of no built-in plugin",
    ]
    plugin_docs.write(pages, tmp_path)
    assert plugin_docs.stale(pages, tmp_path) == []
    assert not (folder / "gone.md").exists()
