import math
import os
from pathlib import Path

import pytest
import yaml

from kpiengine.errors import ConfigError
from kpiengine.plan import yamlload
from kpiengine.plan.yamlload import MAX_BYTES, Mark, load_document, load_text

DATA = Path(__file__).parent / "data" / "yaml"

BACKENDS = [
    pytest.param(getattr(yaml, "CBaseLoader", None), id="libyaml"),
    pytest.param(yaml.BaseLoader, id="pure-python"),
]


@pytest.fixture(params=BACKENDS)
def backend(request, monkeypatch):
    """Run the test with libyaml's parser and with yaml's pure-Python one."""
    if request.param is None:
        pytest.skip("PyYAML was built without libyaml")
    monkeypatch.setattr(yamlload, "_LOADER", request.param)
    return request.param


def refused(text, file="r.yaml"):
    """The problems load_text reports, checking it refuses without expanding the document: the
    work is bounded by the text's size — the parser yields no more events than the text has
    characters (an expanded alias bomb builds millions of values from a few hundred)."""
    events = 0
    parse = yamlload.yaml.parse

    def counted(*args, **kwargs):
        nonlocal events
        for event in parse(*args, **kwargs):
            events += 1
            yield event

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlload.yaml, "parse", counted)
        with pytest.raises(ConfigError) as caught:
            load_text(text, file)
    assert events <= len(text) + 2
    return [p.format() for p in caught.value.problems]


# -- positions -----------------------------------------------------------------------------

NESTED = """\
name: 2025年销售绩效计划
indicators:
  - id: revenue
    name: 销售额
    levels: {优秀: 1.0, 良好: 0.8}
  - id: csat
    weight: 30
"""


def test_keys_values_and_list_items_keep_their_positions(backend):
    doc = load_text(NESTED, "r.yaml")
    assert doc.value_marks[()] == Mark(1, 1)
    assert doc.value_marks[("name",)] == Mark(1, 7)
    assert doc.key_marks[("indicators",)] == Mark(2, 1)
    assert doc.value_marks[("indicators", 0)] == Mark(3, 5)
    assert doc.value_marks[("indicators", 0, "name")] == Mark(4, 11)
    assert doc.value_marks[("indicators", 1, "weight")] == Mark(7, 13)
    assert doc.key_marks[("indicators", 1, "weight")] == Mark(7, 5)


def test_chinese_keys_and_values_keep_character_columns(backend):
    doc = load_text(NESTED, "r.yaml")
    assert doc.data["indicators"][0]["levels"] == {"优秀": 1.0, "良好": 0.8}
    assert doc.key_marks[("indicators", 0, "levels", "良好")] == Mark(5, 23)
    assert doc.value_marks[("indicators", 0, "levels", "良好")] == Mark(5, 27)


def test_locate_falls_back_to_the_nearest_ancestor():
    doc = load_text(NESTED, "r.yaml")
    assert doc.locate(("indicators", 1, "missing", "deeper")) == Mark(6, 5)
    assert doc.locate(("indicators", 1, "weight"), key=True) == Mark(7, 5)
    assert doc.locate(("indicators", 1), key=True) == Mark(6, 5)


def test_problem_is_located_at_the_key_when_asked():
    doc = load_text(NESTED, "r.yaml")
    problem = doc.problem(("indicators", 1, "weight"), "too heavy", key=True)
    assert problem.format() == "r.yaml:7:5: indicators[1].weight: too heavy"
    warning = doc.problem(("indicators", 1, "weight"), "heavy", severity="warning")
    assert warning.format() == "r.yaml:7:13: indicators[1].weight: warning: heavy"


def test_empty_text_loads_as_nothing():
    doc = load_text("", "r.yaml")
    assert doc.data is None
    assert doc.locate(("anything",)) == Mark(1, 1)


# -- scalars -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("2025-03-01", "2025-03-01"),
        ("2025-03-01 10:00:00", "2025-03-01 10:00:00"),
        ("2025-Q1", "2025-Q1"),
        ("1:30", "1:30"),
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("Y", "Y"),
        ("true", True),
        ("False", False),
        ("~", None),
        ("null", None),
        ("", None),
        ("42", 42),
        ("-7", -7),
        ("0x1F", 31),
        ("0o17", 15),
        ("0.9", 0.9),
        ("1e3", 1000.0),
        ("1,000", "1,000"),
        ("1_000", "1_000"),
        ("90%", "90%"),
        ("'5'", "5"),
        ('"true"', "true"),
        ("!!str 5", "5"),
        ("!!int '12'", 12),
        ("!!float 1", 1.0),
        ("! 7", "7"),
        ("优秀", "优秀"),
        ("9" * 200, "9" * 200),
    ],
)
def test_scalars_resolve_by_yaml_core_rules_and_dates_stay_text(written, value, backend):
    assert load_text(f"v: {written}\n", "r.yaml").data == {"v": value}


def test_infinity_and_nan_are_floats():
    data = load_text("a: .inf\nb: -.Inf\nc: .nan\n", "r.yaml").data
    assert data["a"] == math.inf and data["b"] == -math.inf and math.isnan(data["c"])


def test_aliases_reuse_the_anchored_value():
    data = load_text("base: &b {path: x.csv}\nother: *b\n", "r.yaml").data
    assert data["other"] == {"path": "x.csv"}


# -- refusals ------------------------------------------------------------------------------


def billion_laughs():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


HOSTILE = [
    pytest.param(
        billion_laughs(),
        "r.yaml:5:8: e[0]: the aliases in this file would expand to more than 10,000 values; "
        "write the values out instead",
        id="billion-laughs",
    ),
    pytest.param(
        "a: &a x\nb: [" + ", ".join(["*a"] * 101) + "]\n",
        "r.yaml:2:405: b[100]: more than 100 aliases ('*name'); write the values out instead",
        id="more-than-100-aliases",
    ),
    pytest.param(
        "a: " + "[" * 10_000 + "]" * 10_000 + "\n",
        "the YAML is nested more than 64 levels deep; flatten it",
        id="flow-10000-deep",
    ),
    pytest.param(
        "- " * 10_000 + "x\n",
        "r.yaml:1:129: [0]: the YAML is nested more than 64 levels deep; flatten it",
        id="block-sequence-10000-deep",
    ),
    pytest.param(
        "".join(" " * i + f"k{i}:\n" for i in range(1000)) + " " * 1000 + "x\n",
        "r.yaml:65:65: k0: the YAML is nested more than 64 levels deep; flatten it",
        id="block-mapping-1000-deep",
    ),
    pytest.param(
        "a: &a " + "[" * 40 + "]" * 40 + "\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n",
        "r.yaml:2:34: b: the YAML is nested more than 64 levels deep; flatten it",
        id="alias-nests-too-deep",
    ),
    pytest.param(
        "- 1\n" * 20_001,
        "r.yaml:20001:3: (top level): the file holds more than 20,000 values; that is too many",
        id="too-many-values",
    ),
    pytest.param(
        "a: 1\nb: 2\na: 3\n",
        "r.yaml:3:1: a: key 'a' appears twice; the first is at line 1",
        id="duplicate-key",
    ),
    pytest.param(
        "x: !!python/object/apply:os.system ['echo hi']\n",
        "r.yaml:1:4: x: the tag '!!python/object/apply:os.system' is not allowed; "
        "a ruleset holds plain text, numbers, yes/no, lists and mappings only",
        id="python-object-tag",
    ),
    pytest.param(
        "x: !!python/name:os.system\n",
        "r.yaml:1:4: x: the tag '!!python/name:os.system' is not allowed; "
        "a ruleset holds plain text, numbers, yes/no, lists and mappings only",
        id="python-name-tag",
    ),
    pytest.param(
        "x: !!timestamp 2025-03-01\n",
        "r.yaml:1:4: x: the tag '!!timestamp' is not allowed; "
        "a ruleset holds plain text, numbers, yes/no, lists and mappings only",
        id="timestamp-tag",
    ),
    pytest.param(
        "x: !!set {a, b}\n",
        "r.yaml:1:4: x: the tag '!!set' is not allowed; "
        "a ruleset holds plain text, numbers, yes/no, lists and mappings only",
        id="set-tag",
    ),
    pytest.param(
        "x: !!int ten\n",
        "r.yaml:1:4: x: 'ten' is not a whole number, but it is tagged !!int",
        id="bad-explicit-int",
    ),
    pytest.param(
        "levels:\n  2025: 1\n",
        "r.yaml:2:3: levels: the key 2025 must be text — write it in quotes: '2025'",
        id="number-key",
    ),
    pytest.param(
        "true: 1\n",
        "r.yaml:1:1: (top level): the key true must be text — write it in quotes: 'true'",
        id="boolean-key",
    ),
    pytest.param(
        "? [a, b]\n: 1\n",
        "r.yaml:1:3: (top level): a key must be text, not a list",
        id="list-key",
    ),
    pytest.param(
        "base: &b {a: 1}\n*b : 2\n",
        "r.yaml:2:1: (top level): a key must be text, not a mapping",
        id="alias-key",
    ),
    pytest.param(
        "a: &a [1, *a]\n",
        "r.yaml:1:11: a[1]: the alias '*a' is inside the value '&a' names, so it never ends",
        id="recursive-alias",
    ),
    pytest.param(
        "a: *nowhere\n",
        "r.yaml:1:4: a: the alias '*nowhere' has no anchor '&nowhere' before it",
        id="undefined-alias",
    ),
    pytest.param(
        "base: &b {a: 1}\nx:\n  <<: *b\n",
        "r.yaml:3:3: x: merge keys ('<<') are not supported; write the keys out in full",
        id="merge-key",
    ),
    pytest.param(
        "a: 1\n---\nb: 2\n",
        "r.yaml:2:1: (top level): a second YAML document starts here ('---'); "
        "a ruleset file holds one",
        id="second-document",
    ),
    pytest.param(
        "a: x\x07y\n",
        "r.yaml:1:5: (top level): the character U+0007 is not allowed in YAML; remove it",
        id="control-character",
    ),
    pytest.param(
        "a: " + "x" * MAX_BYTES + "\n",
        "r.yaml:1:1: (top level): the file is larger than 2 MiB; that is too big for a ruleset",
        id="oversized-text",
    ),
    pytest.param(
        "a: " + "字" * (MAX_BYTES // 3) + "\n",
        "r.yaml:1:1: (top level): the file is larger than 2 MiB; that is too big for a ruleset",
        id="oversized-in-utf8-bytes",
    ),
]


@pytest.mark.parametrize(("text", "expected"), HOSTILE)
def test_hostile_yaml_is_refused_quickly_with_a_located_problem(text, expected, backend):
    problems = refused(text)
    assert len(problems) == 1
    if expected.startswith("r.yaml:"):
        assert problems[0] == expected
    else:
        assert problems[0].endswith(expected)


def test_every_soft_problem_is_reported_in_one_pass(backend):
    text = "a: 1\nb: !!binary aGk=\na: 2\n3: x\n"
    assert refused(text) == [
        "r.yaml:2:4: b: the tag '!!binary' is not allowed; "
        "a ruleset holds plain text, numbers, yes/no, lists and mappings only",
        "r.yaml:3:1: a: key 'a' appears twice; the first is at line 1",
        "r.yaml:4:1: (top level): the key 3 must be text — write it in quotes: '3'",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a: b: c\n",
            "r.yaml:1:5: (top level): a ':' here starts a second key on one line — "
            "put text containing ': ' in quotes, or check the indentation",
        ),
        ("a:\n\t- x\n", "r.yaml:2:1: (top level): a tab cannot be used here; indent with spaces"),
        (
            "a: [1, 2\n",
            "r.yaml:2:1: (top level): a [ list ] is not closed: expected ',' or ']' "
            "(in the [ list ] that starts at line 1, column 4)",
        ),
        (
            'a: "abc\n',
            "r.yaml:2:1: (top level): the file ends before this is finished — is a closing "
            "quote or bracket missing? (in the quoted text that starts at line 1, column 4)",
        ),
        ("a: 1\nb 2\nc: 3\n", "r.yaml:2:1: (top level): a ':' is missing after this key"),
        (
            "a: @x\n",
            "r.yaml:1:4: (top level): a value cannot start with '@' — put the value in quotes",
        ),
        (
            "a:\n  b: 1\n c: 2\n",
            "r.yaml:3:2: (top level): this does not fit here — check its indentation against "
            "the lines above, or put the value in quotes (in the mapping that starts at line 1, "
            "column 1)",
        ),
    ],
)
def test_syntax_errors_become_readable_located_problems(text, expected, backend):
    assert refused(text) == [expected]


def test_problems_found_before_a_syntax_error_are_kept(backend):
    assert refused("a: 1\na: 2\nb: [1,\n") == [
        "r.yaml:2:1: a: key 'a' appears twice; the first is at line 1",
        "r.yaml:4:1: (top level): a value was expected here",
    ]


# -- files ---------------------------------------------------------------------------------


def test_load_document_names_the_file_as_displayed(tmp_path):
    path = tmp_path / "ruleset.yaml"
    path.write_text("名字: 张三\n", encoding="utf-8")
    doc = load_document(path, display="rulesets/ruleset.yaml")
    assert doc.file == "rulesets/ruleset.yaml"
    assert doc.data == {"名字": "张三"}
    assert doc.text == "名字: 张三\n"


def test_load_document_skips_a_utf8_byte_order_mark(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load_document(path).data == {"a": 1}


def test_a_gbk_file_is_refused_at_its_first_bad_byte(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_bytes("a: 1\nname: 销售额\n".encode("gbk"))
    with pytest.raises(ConfigError) as caught:
        load_document(path, display="r.yaml")
    assert [p.format() for p in caught.value.problems] == [
        "r.yaml:2:7: (top level): the file is not UTF-8 text (byte 0xcf here); "
        "save it as UTF-8 (in Excel or Notepad: 'Save as' → 'UTF-8')"
    ]


def test_an_oversized_file_is_refused_before_parsing(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: [" + b"[" * MAX_BYTES + b"\n")

    def never(*args, **kwargs):
        raise AssertionError("an oversized file reached the YAML parser")

    monkeypatch.setattr(yamlload.yaml, "parse", never)
    with pytest.raises(ConfigError) as caught:
        load_document(path, display="big.yaml")
    assert [p.format() for p in caught.value.problems] == [
        "big.yaml:1:1: (top level): the file is larger than 2 MiB; that is too big for a ruleset"
    ]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_file_is_refused_without_reading_it_all():
    with pytest.raises(ConfigError, match="it is a character device, not a regular file"):
        load_document(Path("/dev/zero"))


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_document(tmp_path / "nope.yaml", display="nope.yaml")
    assert [p.format() for p in caught.value.problems] == [
        "nope.yaml:1:1: (top level): cannot read the file: No such file or directory"
    ]


def test_the_design_example_loads_with_its_chinese_text():
    doc = load_document(DATA / "design_example.yaml")
    assert doc.data["name"] == "2025年销售绩效计划"
    assert doc.data["indicators"][3]["levels"]["待改进"] == 0.3
    assert doc.data["incentives"][0]["tiers"]["on"] == "revenue.attainment"
    assert doc.data["incentives"][2]["curve"]["points"] == [[0.7, 0], [1.0, 1.0], [1.5, 2.0]]
