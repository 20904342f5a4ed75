import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from kpiengine.errors import PluginError
from kpiengine.plan.schema import base_schema, check_schema, full_schema
from kpiengine.plan.yamlload import load_document, load_text
from kpiengine.suggest import closest, did_you_mean

DATA = Path(__file__).parent / "data" / "yaml"

CSV_OPTIONS = {
    "type": "object",
    "properties": {"path": {"type": "string", "minLength": 1}},
    "required": ["path"],
    "additionalProperties": False,
}
SOURCES = {"csv": CSV_OPTIONS, "jiandaoyun": {"type": "object"}}
OUTPUTS = {"console": {"type": "object"}, "csv": CSV_OPTIONS}

RULESET = """\
kpiengine: 1
name: 测试计划
currency: CNY
calendar: {year: 2025, frequency: quarter}
sources:
  deals:
    plugin: csv
    options: {path: deals.csv}
subjects: {source: deals, id: owner}
indicators:
  - id: revenue
    name: 销售额
    weight: 40
    actual: {source: deals, sum: amount}
    target: 1000000
outputs:
  - {plugin: console}
"""


def problems(text, schema=None):
    doc = load_text(text, "ruleset.yaml")
    return [p.format() for p in check_schema(doc, schema or full_schema(SOURCES, OUTPUTS))]


def edited(old, new):
    assert old in RULESET
    return RULESET.replace(old, new, 1)


# -- the schema itself ----------------------------------------------------------------------


def test_ruleset_schema_is_a_valid_draft_2020_12_schema():
    schema = base_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_full_schema_is_valid_and_independent_of_plugin_order():
    schema = full_schema(SOURCES, OUTPUTS)
    Draft202012Validator.check_schema(schema)
    reordered = full_schema(dict(reversed(SOURCES.items())), dict(reversed(OUTPUTS.items())))
    assert json.dumps(schema, sort_keys=True) == json.dumps(reordered, sort_keys=True)
    assert schema["$defs"]["source"]["properties"]["plugin"]["enum"] == ["csv", "jiandaoyun"]


def test_base_schema_is_a_fresh_copy_each_time():
    base_schema()["properties"].clear()
    assert "indicators" in base_schema()["properties"]


def every_mapping(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from every_mapping(value)
    elif isinstance(node, list):
        for value in node:
            yield from every_mapping(value)


def test_every_mapping_with_properties_refuses_unknown_keys():
    for node in every_mapping(base_schema()):
        if "properties" in node and node.get("type") == "object":
            assert node.get("additionalProperties") is False, node.get("title")


def test_every_property_has_a_title_and_description_for_editors():
    for node in every_mapping(base_schema()):
        for name, prop in node.get("properties", {}).items() if "type" in node else ():
            assert "description" in prop or "$ref" in prop, name
            assert "title" in prop or "$ref" in prop, name


def test_the_design_example_ruleset_has_no_problems():
    doc = load_document(DATA / "design_example.yaml", display="design_example.yaml")
    assert check_schema(doc, base_schema()) == []
    assert check_schema(doc, full_schema(SOURCES, OUTPUTS)) == []


def test_the_small_ruleset_has_no_problems():
    assert problems(RULESET) == []


# -- problems in the user's words -----------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "    weight: 40",
            "    wieght: 40",
            [
                "ruleset.yaml:13:5: indicators[0].wieght: unknown key 'wieght'"
                " — did you mean 'weight'?"
            ],
            id="misspelt-key",
        ),
        pytest.param(
            "    weight: 40",
            '    weight: "1,000"',
            [
                "ruleset.yaml:13:13: indicators[0].weight: expected a number, got text '1,000'"
                " — write it as a plain number: 1000"
            ],
            id="wrong-type",
        ),
        pytest.param(
            "    target: 1000000",
            "    target: [1000000]",
            ["ruleset.yaml:15:13: indicators[0].target: expected a number or text, got a list"],
            id="wrong-type-of-two",
        ),
        pytest.param(
            "frequency: quarter",
            "frequency: quater",
            [
                "ruleset.yaml:4:35: calendar.frequency: must be one of: month, quarter, half, year"
                " — did you mean 'quarter'?"
            ],
            id="bad-enum",
        ),
        pytest.param(
            "frequency: quarter",
            "frequency: weekly",
            [
                "ruleset.yaml:4:35: calendar.frequency: must be one of: month, quarter, half, year"
                " (got text 'weekly')"
            ],
            id="bad-enum-nothing-close",
        ),
        pytest.param(
            "    weight: 40\n",
            "",
            ["ruleset.yaml:11:5: indicators[0]: missing required key 'weight'"],
            id="missing-key",
        ),
        pytest.param(
            "    plugin: csv",
            "    plugin: cvs",
            [
                "ruleset.yaml:7:13: sources.deals.plugin: unknown source plugin 'cvs'"
                " — did you mean 'csv'? (installed: csv, jiandaoyun)"
            ],
            id="unknown-plugin",
        ),
        pytest.param(
            "{path: deals.csv}",
            "{pth: deals.csv}",
            [
                "ruleset.yaml:8:15: sources.deals.options.pth: unknown key 'pth'"
                " — did you mean 'path'?"
            ],
            id="bad-plugin-option",
        ),
        pytest.param(
            "    options: {path: deals.csv}\n",
            "",
            ["ruleset.yaml:7:5: sources.deals: missing required key 'options'"],
            id="plugin-options-missing",
        ),
        pytest.param(
            "{plugin: console}",
            "{plugin: consle}",
            [
                "ruleset.yaml:17:14: outputs[0].plugin: unknown output plugin 'consle'"
                " — did you mean 'console'? (installed: console, csv)"
            ],
            id="unknown-output-plugin",
        ),
        pytest.param(
            "calendar:",
            "calender:",
            ["ruleset.yaml:4:1: calender: unknown key 'calender' — did you mean 'calendar'?"],
            id="misspelt-top-level-key",
        ),
        pytest.param(
            "kpiengine: 1",
            "kpiengine: 2",
            ["ruleset.yaml:1:12: kpiengine: must be 1 (got number 2)"],
            id="wrong-version",
        ),
        pytest.param(
            "currency: CNY",
            "currency: rmb",
            [
                "ruleset.yaml:3:11: currency: expected a three-letter currency code in capitals,"
                " such as CNY or USD, got text 'rmb'"
            ],
            id="bad-currency",
        ),
        pytest.param(
            "subjects:",
            "  won-deals: {plugin: csv, options: {path: w.csv}}\nsubjects:",
            [
                "ruleset.yaml:9:3: sources.won-deals: the key 'won-deals' is not valid: expected"
                " an id: letters A-Z, digits and _, not starting with a digit (e.g. won_deals)"
            ],
            id="bad-id",
        ),
        pytest.param(
            "sum: amount}",
            "summ: amount}",
            [
                "ruleset.yaml:14:29: indicators[0].actual.summ: unknown key 'summ'"
                " — did you mean 'sum'?"
            ],
            id="misspelt-measure",
        ),
        pytest.param(
            "sum: amount}",
            'sum: amount, count: "*"}',
            [
                "ruleset.yaml:14:13: indicators[0].actual: takes only one of sum, count, avg, min,"
                " max, count_distinct, last; found 'sum' and 'count'"
            ],
            id="two-measures",
        ),
        pytest.param(
            "sum: amount}",
            "where: x}",
            [
                "ruleset.yaml:14:13: indicators[0].actual: needs one of: sum, count, avg, min,"
                " max, count_distinct, last"
            ],
            id="no-measure",
        ),
        pytest.param(
            "    actual: {source: deals, sum: amount}",
            "    actual: 5",
            ["ruleset.yaml:14:13: indicators[0].actual: expected a mapping or text, got number 5"],
            id="actual-neither-mapping-nor-text",
        ),
        pytest.param(
            "    weight: 40",
            "    weight: -1",
            ["ruleset.yaml:13:13: indicators[0].weight: must be at least 0, got number -1"],
            id="below-minimum",
        ),
        pytest.param(
            "indicators:\n",
            "indicators: []\nx_indicators:\n",
            [
                "ruleset.yaml:10:13: indicators: needs at least 1 item, got 0",
                "ruleset.yaml:11:1: x_indicators: unknown key 'x_indicators'"
                " — did you mean 'indicators'?",
            ],
            id="empty-list",
        ),
    ],
)
def test_schema_problems_are_located_and_worded_for_the_user(old, new, expected):
    assert problems(edited(old, new)) == expected


def test_all_problems_come_in_one_pass_sorted_by_position():
    text = edited("frequency: quarter", "frequency: quater")
    text = text.replace("    weight: 40", "    wieght: 40").replace("kpiengine: 1", "kpiengine: 2")
    assert [p.split(":")[1] for p in problems(text)] == ["1", "4", "13"]


INCENTIVES = """\
incentives:
  - id: commission
    tiers: {on: revenue.attainment, mode: marginal, rates: [{from: 0, rate: 0}]}
  - id: nothing
  - id: kicker
    curve: {on: revenue.attainment, points: [[0.7, 0, 1], [1.0]], amount: 10000}
  - id: champion
    honor: {rank_by: revenue.actual, top: 0}
"""


def test_incentive_problems():
    assert problems(RULESET + INCENTIVES) == [
        "ruleset.yaml:19:5: incentives[0]: missing required key 'base' (needed with 'tiers')",
        "ruleset.yaml:21:5: incentives[1]: needs at least one of: tiers, by_grade, curve,"
        " honor, amount",
        "ruleset.yaml:23:46: incentives[2].curve.points[0]: must have exactly 2 items, got 3",
        "ruleset.yaml:23:59: incentives[2].curve.points[1]: must have exactly 2 items, got 1",
        "ruleset.yaml:25:43: incentives[3].honor.top: must be at least 1, got number 0",
    ]


def test_split_by_weights_needs_the_weights():
    text = RULESET + "targets: {source: deals, split: weights}\n"
    assert problems(text) == ["ruleset.yaml:18:10: targets: missing required key 'weights'"]


def test_an_empty_file_is_told_to_be_a_mapping():
    assert problems("") == ["ruleset.yaml:1:1: (top level): expected a mapping, got nothing"]


def test_without_known_plugins_any_plugin_name_passes():
    assert problems(edited("plugin: csv", "plugin: anything"), schema=base_schema()) == []


def test_plugin_schema_references_resolve_inside_the_plugin_schema():
    options = {
        "$defs": {"path": {"type": "string"}},
        "type": "object",
        "properties": {"path": {"$ref": "#/$defs/path"}},
    }
    schema = full_schema({"csv": options}, {})
    assert problems(edited("path: deals.csv", "path: 5"), schema=schema) == [
        "ruleset.yaml:8:21: sources.deals.options.path: expected text, got number 5"
    ]


def test_an_invalid_plugin_schema_is_a_plugin_error_naming_the_plugin():
    with pytest.raises(PluginError, match="source plugin 'broken' has an invalid options schema"):
        full_schema({"broken": {"type": "nonsense"}}, {})


# -- ${NAME} in options ---------------------------------------------------------------------

CRM_OPTIONS = {
    "type": "object",
    "properties": {
        "base_url": {
            "type": "string",
            "pattern": "^https?://[^/]+/?$",
            "patternErrorMessage": "a web address such as https://crm.example.com",
        },
        "module": {"type": "string", "pattern": "^[A-Za-z]+$"},
        "owner_key": {"enum": ["email", "id"]},
        "timeout": {"type": "number"},
    },
    "additionalProperties": False,
}


def crm_problems(options):
    text = edited(
        "plugin: csv\n    options: {path: deals.csv}", f"plugin: crm\n    options: {options}"
    )
    return problems(text, schema=full_schema({"crm": CRM_OPTIONS}, {}))


def test_a_text_option_with_a_form_lets_a_whole_variable_through_the_schema():
    # the schema checks forms only; which options may take a variable, and which variables,
    # is checked when the ruleset loads (tests/test_envvars.py)
    assert crm_problems('{base_url: "${CRM_URL}"}') == []


def test_a_variable_inside_longer_text_is_checked_as_written():
    assert crm_problems('{base_url: "x${CRM_URL}"}') == [
        "ruleset.yaml:8:25: sources.deals.options.base_url: expected a web address such as "
        "https://crm.example.com, got text 'x${CRM_URL}'"
    ]
    assert crm_problems('{module: "${CRM}s"}') == [
        "ruleset.yaml:8:23: sources.deals.options.module: expected text of the form ^[A-Za-z]+$, "
        "got text '${CRM}s'"
    ]


def test_choices_and_numbers_are_not_taken_from_a_variable():
    assert crm_problems('{owner_key: "${KEY}", timeout: "${TIMEOUT}"}') == [
        "ruleset.yaml:8:26: sources.deals.options.owner_key: must be one of: email, id "
        "(got text '${KEY}')",
        "ruleset.yaml:8:45: sources.deals.options.timeout: expected a number, got text "
        "'${TIMEOUT}'",
    ]


# -- suggestions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "candidates", "expected"),
    [
        ("wieght", ["weight", "name"], "weight"),
        ("Quarter", ["month", "quarter"], "quarter"),
        ("QUATER", ["month", "quarter"], "quarter"),
        ("banana", ["month", "quarter"], None),
        ("优秀的", ["优秀", "良好"], "优秀"),
        ("x", [], None),
    ],
)
def test_closest_is_case_insensitive_with_a_cutoff(word, candidates, expected):
    assert closest(word, candidates) == expected


def test_did_you_mean_phrases_the_suggestion_or_says_nothing():
    assert did_you_mean("cvs", ["csv", "json"]) == " — did you mean 'csv'?"
    assert did_you_mean("banana", ["csv", "json"]) == ""
