"""A ruleset with `plugin: jiandaoyun` and Chinese labels, end to end against the local API.

The same deals served by Jiandaoyun and read from a CSV file give the same results; the API key,
given through an environment variable, never shows in any output, log or file — failures
included; and the output plugin writes the results into a form, updating them on a re-run.
"""

import json
import logging
from decimal import Decimal

import pytest
from click.testing import CliRunner
from jiandaoyun_server import APP, DEAL_WIDGETS, ENTRY, deal_record, quick_policy, serving
from kpitest import comparable, from_variable

from kpiengine.cli.commands import cli
from kpiengine_jiandaoyun import JiandaoyunOutput, JiandaoyunSource

KEY_ENV = "JDY_TEST_API_KEY"
RESULTS_ENTRY = "entry-results"
RESULT_WIDGETS = [
    {"name": "_widget_1800000000001", "label": "工号", "type": "text"},
    {"name": "_widget_1800000000002", "label": "考核期间", "type": "text"},
    {"name": "_widget_1800000000003", "label": "总分", "type": "number"},
    {"name": "_widget_1800000000004", "label": "等级", "type": "text"},
    {"name": "_widget_1800000000005", "label": "销售额得分", "type": "number"},
    {"name": "_widget_1800000000006", "label": "奖金", "type": "number"},
]
DEALS = [
    ("zhangsan", "380000", "赢单", "2025-01-10"),
    ("zhangsan", "520000", "赢单", "2025-03-31"),
    ("zhangsan", "120000", "输单", "2025-02-15"),
    ("lisi", "1100000", "赢单", "2025-01-01"),
    ("lisi", "40000.50", "赢单", "2025-04-01"),
    ("wangwu", "99.99", "赢单", "2025-06-30"),
    ("nobody", "5000", "赢单", "2025-05-05"),
]
REPS = "rep_id,name,team\nzhangsan,张三,华东一组\nlisi,李四,华东一组\nwangwu,王五,华南组\n"
PLAN = """\
kpiengine: 1
name: 简道云销售绩效
currency: CNY
calendar: {{year: 2025, frequency: quarter}}
sources:
  reps: {{plugin: csv, options: {{path: reps.csv}}}}
  deals:
{deals}
subjects: {{source: reps, id: rep_id, name: name, groups: [team]}}
indicators:
  - id: revenue
    name: 销售额
    weight: 70
    actual: {{source: deals, sum: amount, where: "stage == '赢单'", date: closed_on}}
    target: 1000000
  - id: won
    name: 赢单数
    weight: 30
    actual: {{source: deals, count: "*", where: "stage == '赢单'", date: closed_on}}
    target: 2
    cap: 1.5
grades:
  - {{grade: A, min: 85}}
  - {{grade: B, min: 60}}
  - {{grade: C, min: 0}}
incentives:
  - id: commission
    name: 销售提成
    base: revenue.actual
    tiers:
      on: revenue.attainment
      mode: marginal
      rates:
        - {{from: 0, rate: 0}}
        - {{from: 0.5, rate: 0.03}}
        - {{from: 1.0, rate: 0.05}}
  - id: bonus
    name: 绩效奖金
    by_grade: {{A: 10000, B: 5000}}
{outputs}"""
JDY_DEALS = """\
    plugin: jiandaoyun
    options:
      base_url: "{url}"
      api_key: "${{{env}}}"
      app_id: {app}
      entry_id: {entry}
      date_field: 成交日期
    fields: {{owner: 负责人, amount: 金额, stage: 阶段, closed_on: 成交日期}}"""
CSV_DEALS = """\
    plugin: csv
    options: {path: deals.csv}"""
JDY_OUTPUT = """\
outputs:
  - plugin: jiandaoyun
    options:
      base_url: "{url}"
      api_key: "${{{env}}}"
      app_id: {app}
      entry_id: {entry}
      fields: {{subject: 工号, period: 考核期间, total: 总分, grade: 等级,
               revenue.score: 销售额得分, payout: 奖金}}
"""


@pytest.fixture(autouse=True)
def allowed(monkeypatch):
    """The user allows the connector's variables, as its page says."""
    monkeypatch.setenv("KPIENGINE_ALLOW_ENV", "JDY_*")


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(JiandaoyunSource, "retry_policy", quick_policy())
    monkeypatch.setattr(JiandaoyunOutput, "retry_policy", quick_policy())


@pytest.fixture
def jdy(monkeypatch):
    with serving() as mock:
        mock.add_form(APP, ENTRY, DEAL_WIDGETS)
        mock.add_form(APP, RESULTS_ENTRY, RESULT_WIDGETS)
        mock.add_records(APP, ENTRY, [deal_record(o, Decimal(a), s, d) for o, a, s, d in DEALS])
        monkeypatch.setenv(KEY_ENV, mock.api_key)
        yield mock


def write_plan(folder, mock, with_output=False):
    (folder / "reps.csv").write_text(REPS, "utf-8")
    deals = JDY_DEALS.format(url=mock.url, env=KEY_ENV, app=APP, entry=ENTRY)
    outputs = JDY_OUTPUT.format(url=mock.url, env=KEY_ENV, app=APP, entry=RESULTS_ENTRY)
    text = PLAN.format(deals=deals, outputs=outputs if with_output else "")
    path = folder / "plan.yaml"
    path.write_text(text, "utf-8")
    return path


def write_csv_plan(folder):
    (folder / "reps.csv").write_text(REPS, "utf-8")
    rows = "".join(f"{o},{a},{s},{d}\n" for o, a, s, d in DEALS)
    (folder / "deals.csv").write_text("owner,amount,stage,closed_on\n" + rows, "utf-8")
    path = folder / "plan.yaml"
    path.write_text(PLAN.format(deals=CSV_DEALS, outputs=""), "utf-8")
    return path


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def results_without_ruleset(stdout):
    return comparable(json.loads(stdout))


def files_mention(folder, secret):
    return [p for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_the_ruleset_validates_without_the_key_set_and_without_network(jdy, tmp_path, monkeypatch):
    plan = write_plan(tmp_path, jdy, with_output=True)
    monkeypatch.delenv(KEY_ENV)
    result = invoke("validate", plan)
    assert result.exit_code == 0, result.output
    assert jdy.requests == []


def test_results_from_jiandaoyun_equal_results_from_the_same_rows_in_csv(jdy, tmp_path):
    (tmp_path / "jdy").mkdir(), (tmp_path / "csv").mkdir()
    from_jdy = invoke("run", "--ruleset", write_plan(tmp_path / "jdy", jdy), "-o", "json:-")
    from_csv = invoke("run", "--ruleset", write_csv_plan(tmp_path / "csv"), "-o", "json:-")
    assert from_jdy.exit_code == 0, from_jdy.output
    assert from_csv.exit_code == 0, from_csv.output
    document = results_without_ruleset(from_jdy.stdout)
    assert document == results_without_ruleset(from_csv.stdout)
    lisi_q1 = next(
        r for r in document["results"] if r["subject"] == "lisi" and r["period"] == "2025-Q1"
    )
    assert lisi_q1["indicators"]["revenue"]["actual"] == 1100000
    assert Decimal(lisi_q1["payout"]) > 0


def test_the_key_never_appears_in_output_logs_or_files(jdy, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    result = invoke(
        "run",
        "--ruleset",
        write_plan(tmp_path, jdy, with_output=True),
        "-o",
        "json:-",
        "-o",
        f"csv:{tmp_path / 'out.csv'}",
    )
    assert result.exit_code == 0, result.output
    for text in (result.stdout, result.stderr, caplog.text):
        assert jdy.api_key not in text
    assert files_mention(tmp_path, jdy.api_key) == []
    assert (tmp_path / "out.csv").exists()


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            {"code": 8301, "msg": "API Key 鉴权失败"},
            "the Jiandaoyun API key for source 'deals' was rejected",
        ),
        ({"code": 9999, "msg": "bad header {auth}"}, "bad header Bearer ***"),
        ({"status": 502, "times": 20}, "Jiandaoyun still failed after 4 attempts"),
    ],
    ids=["bad-key", "key-echoed-by-server", "outage"],
)
def test_failures_stop_the_run_without_showing_the_key(jdy, tmp_path, caplog, fault, expected):
    caplog.set_level(logging.DEBUG)
    jdy.inject(**fault)
    result = invoke("run", "--ruleset", write_plan(tmp_path, jdy), "-o", "json:-", "--no-cache")
    assert result.exit_code == 1
    assert expected in result.stderr
    for text in (result.stdout, result.stderr, caplog.text):
        assert jdy.api_key not in text
    assert files_mention(tmp_path, jdy.api_key) == []


def test_the_output_creates_the_rows_then_updates_them_on_a_rerun(jdy, tmp_path):
    plan = write_plan(tmp_path, jdy, with_output=True)
    assert invoke("run", "--ruleset", plan, "--no-cache").exit_code == 0
    form = jdy.forms[(APP, RESULTS_ENTRY)]
    first = {r["_id"]: dict(r) for r in form.records}
    assert len(first) == 3 * 4
    assert len(jdy.seen("/api/v5/app/entry/data/batch_create")) == 1

    jdy.forms[(APP, ENTRY)].records.append(
        {"_id": jdy.new_id(), **deal_record("wangwu", Decimal(500000), "赢单", "2025-02-02")}
    )
    assert invoke("run", "--ruleset", plan, "--no-cache").exit_code == 0
    assert {r["_id"] for r in form.records} == set(first)
    assert len(jdy.seen("/api/v5/app/entry/data/update")) == 12
    by_key = {(r["_widget_1800000000001"], r["_widget_1800000000002"]): r for r in form.records}
    assert by_key[("wangwu", "2025-Q1")]["_widget_1800000000005"] > 0
    assert by_key[("zhangsan", "2025-Q1")]["_widget_1800000000004"] in ("A", "B", "C")


def test_the_shipped_example_validates_without_its_key(monkeypatch):
    from kpitest import ROOT

    monkeypatch.delenv("JDY_API_KEY", raising=False)
    result = invoke("validate", ROOT / "rulesets" / "examples" / "jiandaoyun.yaml")
    assert result.exit_code == 0, result.output


def test_preview_shows_the_records_by_engine_name_without_the_key(jdy, tmp_path):
    result = invoke("preview", "--ruleset", write_plan(tmp_path, jdy), "--source", "deals")
    assert result.exit_code == 0, result.output
    assert "zhangsan" in result.stdout and "1100000" in result.stdout
    assert jdy.api_key not in result.stdout + result.stderr


def test_explain_traces_the_jiandaoyun_records_without_the_key(jdy, tmp_path):
    plan = write_plan(tmp_path, jdy)
    result = invoke("explain", "--ruleset", plan, "--subject", "zhangsan", "--period", "2025-Q1")
    assert result.exit_code == 0, result.output
    assert "amount=380000" in result.stdout and "amount=520000" in result.stdout
    assert jdy.api_key not in result.stdout + result.stderr


def test_the_api_address_may_come_from_an_environment_variable(jdy, tmp_path, monkeypatch):
    (tmp_path / "jdy").mkdir(), (tmp_path / "csv").mkdir()
    plan = write_plan(tmp_path / "jdy", jdy, with_output=True)
    plan = from_variable(plan, jdy.url, "JDY_TEST_BASE_URL")  # the source's and the output's
    assert invoke("validate", plan).exit_code == 0  # checked when the plan runs
    monkeypatch.setenv("JDY_TEST_BASE_URL", jdy.url)
    from_jdy = invoke("run", "--ruleset", plan, "-o", "json:-")
    from_csv = invoke("run", "--ruleset", write_csv_plan(tmp_path / "csv"), "-o", "json:-")
    assert from_jdy.exit_code == 0, from_jdy.output
    assert results_without_ruleset(from_jdy.stdout) == results_without_ruleset(from_csv.stdout)
    assert invoke("run", "--ruleset", plan).exit_code == 0  # the ruleset's output
    assert len(jdy.forms[(APP, RESULTS_ENTRY)].records) == 3 * 4


def test_an_api_address_variable_that_holds_no_web_address_is_refused_unshown(
    jdy, tmp_path, monkeypatch
):
    plan = from_variable(write_plan(tmp_path, jdy), jdy.url, "JDY_TEST_BASE_URL")
    monkeypatch.setenv("JDY_TEST_BASE_URL", "jdy-token-7f3a9c")  # a key in the wrong variable
    result = invoke("run", "--ruleset", plan, "-o", "json:-")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: sources.deals.options.base_url: the environment variable JDY_TEST_BASE_URL "
        "does not hold a web address such as https://api.jiandaoyun.com\n"
    )
    assert "7f3a9c" not in result.output
    assert jdy.requests == []
