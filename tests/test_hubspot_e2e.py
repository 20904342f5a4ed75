"""A ruleset with `plugin: hubspot`, end to end against the local HubSpot API.

The same deals served by HubSpot and read from a CSV file give the same results; the token,
given through an environment variable, never shows in any output, log or file — failures
included; a re-run through the cache asks HubSpot only for what changed.
"""

import json
import logging

import pytest
from click.testing import CliRunner
from hubspot_server import (
    UNLIMITED,
    account,
    deal,
    error_body,
    quick_policy,
    rate_limit_body,
    serving,
)
from kpitest import comparable, from_variable

from kpiengine.cli.commands import cli
from kpiengine_hubspot import HubSpotSource

TOKEN_ENV = "HUBSPOT_TEST_TOKEN"
SEARCH = "/crm/v3/objects/deals/search"
ZHANG, LI, WANG = "zhang.san@example.com", "li.si@example.com", "wang.wu@example.com"
# owner, amount, stage, closed (UTC; +8 h gives the Shanghai day), created, local days
DEALS = [
    (ZHANG, "380000", "closedwon", "2025-01-10T02:00:00Z", "2024-12-01T02:00:00Z"),
    (ZHANG, "520000", "closedwon", "2025-03-31T16:30:00Z", "2025-01-02T02:00:00Z"),  # 1 April
    (ZHANG, "120000", "closedlost", "2025-02-15T02:00:00Z", "2025-01-20T02:00:00Z"),
    (LI, "1100000", "closedwon", "2024-12-31T16:00:00Z", "2024-11-11T02:00:00Z"),  # 1 January
    (LI, "40000.50", "closedwon", "2025-04-01T02:00:00Z", "2025-03-01T02:00:00Z"),
    (LI, "75000", "contractsent", None, "2025-05-05T02:00:00Z"),
    (WANG, "99.99", "closedwon", "2025-06-30T15:59:59Z", "2025-06-01T02:00:00Z"),
    (WANG, "5000", "closedwon", "2024-06-30T02:00:00Z", "2024-06-01T02:00:00Z"),  # last year
]
CSV_ROWS = [  # the same deals as an export would give them, in Shanghai days
    (ZHANG, "380000", "true", "2025-01-10", "2024-12-01"),
    (ZHANG, "520000", "true", "2025-04-01", "2025-01-02"),
    (ZHANG, "120000", "false", "2025-02-15", "2025-01-20"),
    (LI, "1100000", "true", "2025-01-01", "2024-11-11"),
    (LI, "40000.50", "true", "2025-04-01", "2025-03-01"),
    (LI, "75000", "false", "", "2025-05-05"),
    (WANG, "99.99", "true", "2025-06-30", "2025-06-01"),
    (WANG, "5000", "true", "2024-06-30", "2024-06-01"),
]
REPS = f"rep_id,name,team\n{ZHANG},张三,华东一组\n{LI},李四,华东一组\n{WANG},王五,华南组\n"
PLAN = """\
kpiengine: 1
name: HubSpot 销售绩效
currency: CNY
calendar: {{year: 2025, frequency: quarter}}
sources:
  reps: {{plugin: csv, options: {{path: reps.csv}}}}
  deals:
{deals}
subjects: {{source: reps, id: rep_id, name: name, groups: [team]}}
metrics:
  opportunities: {{source: deals, count: "*", date: created_on}}
indicators:
  - id: revenue
    name: 销售额
    weight: 70
    actual: {{source: deals, sum: amount, where: "won == 'true'", date: closed_on}}
    target: 1000000
  - id: won
    name: 赢单数
    weight: 30
    actual: {{source: deals, count: "*", where: "won == 'true'", date: closed_on}}
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
"""
HUBSPOT_DEALS = """\
    plugin: hubspot
    options:
      base_url: "{url}"
      access_token: "${{{env}}}"
      timezone: Asia/Shanghai
      pipeline: Sales Pipeline"""
CSV_DEALS = """\
    plugin: csv
    options: {path: deals.csv}"""


@pytest.fixture(autouse=True)
def allowed(monkeypatch):
    """The user allows the connector's variables, as its page says."""
    monkeypatch.setenv("KPIENGINE_ALLOW_ENV", "HUBSPOT_*")


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(HubSpotSource, "retry_policy", quick_policy())
    monkeypatch.setattr(HubSpotSource, "rate_limits", UNLIMITED)


@pytest.fixture
def hs(monkeypatch):
    with serving(account()) as mock:
        for owner, amount, stage, closed, created in DEALS:
            deal(mock, owner, amount, stage, closed, created)
        monkeypatch.setenv(TOKEN_ENV, mock.token)
        yield mock


def write_plan(folder, mock):
    folder.mkdir(exist_ok=True)
    (folder / "reps.csv").write_text(REPS, "utf-8")
    path = folder / "plan.yaml"
    path.write_text(PLAN.format(deals=HUBSPOT_DEALS.format(url=mock.url, env=TOKEN_ENV)), "utf-8")
    return path


def write_csv_plan(folder, rows=CSV_ROWS):
    folder.mkdir(exist_ok=True)
    (folder / "reps.csv").write_text(REPS, "utf-8")
    lines = "".join(",".join(row) + "\n" for row in rows)
    header = "owner,amount,won,closed_on,created_on\n"
    (folder / "deals.csv").write_text(header + lines, "utf-8")
    path = folder / "plan.yaml"
    path.write_text(PLAN.format(deals=CSV_DEALS), "utf-8")
    return path


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def results(plan, *extra):
    result = invoke("run", "--ruleset", plan, "-o", "json:-", *extra)
    assert result.exit_code == 0, result.output
    return comparable(json.loads(result.stdout))


def files_mention(folder, secret):
    return [p for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_the_ruleset_validates_without_the_token_set_and_without_network(hs, tmp_path, monkeypatch):
    plan = write_plan(tmp_path, hs)
    monkeypatch.delenv(TOKEN_ENV)
    result = invoke("validate", plan)
    assert result.exit_code == 0, result.output
    assert hs.requests == []


def test_results_from_hubspot_equal_results_from_the_same_deals_in_csv(hs, tmp_path):
    from_hubspot = results(write_plan(tmp_path / "hubspot", hs), "--no-cache")
    from_csv = results(write_csv_plan(tmp_path / "csv"))
    assert from_hubspot == from_csv
    zhang_q2 = next(
        r for r in from_hubspot["results"] if (r["subject"], r["period"]) == (ZHANG, "2025-Q2")
    )
    assert zhang_q2["indicators"]["revenue"]["actual"] == 520000  # closed on 1 April in Shanghai
    assert len(hs.searches()) == 1
    groups = hs.searches()[0].body["filterGroups"]
    assert {f["propertyName"] for g in groups for f in g["filters"]} == {
        "createdate",
        "closedate",
        "pipeline",
    }


def test_the_token_never_appears_in_output_logs_or_files(hs, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    plan = write_plan(tmp_path, hs)
    result = invoke("run", "--ruleset", plan, "-o", "json:-", "-o", f"csv:{tmp_path / 'out.csv'}")
    assert result.exit_code == 0, result.output
    for text in (result.stdout, result.stderr, caplog.text):
        assert hs.token not in text
    assert files_mention(tmp_path, hs.token) == []
    assert (tmp_path / ".kpiengine-cache").exists()


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            {"status": 401, "body": error_body("Bad token {auth}", "INVALID_AUTHENTICATION"),
             "times": 2},
            "HubSpot says the access token was refused",
        ),
        (
            {"status": 400, "body": error_body("Echoing {auth}", "VALIDATION_ERROR")},
            "Echoing Bearer ***",
        ),
        ({"status": 429, "body": rate_limit_body("DAILY")}, "daily API limit"),
        ({"status": 502, "body": "{auth}", "times": 20}, "HubSpot still failed after 4 attempts"),
    ],
    ids=["bad-token", "token-echoed-by-server", "daily-quota", "outage"],
)  # fmt: skip
def test_failures_stop_the_run_without_showing_the_token(hs, tmp_path, caplog, fault, expected):
    caplog.set_level(logging.DEBUG)
    hs.inject(path=SEARCH, **fault)
    result = invoke("run", "--ruleset", write_plan(tmp_path, hs), "-o", "json:-", "--no-cache")
    assert result.exit_code == 1
    assert expected in result.stderr
    for text in (result.stdout, result.stderr, caplog.text):
        assert hs.token not in text
    assert files_mention(tmp_path, hs.token) == []


def test_a_rerun_through_the_cache_asks_only_for_changes_and_matches_a_fresh_run(hs, tmp_path):
    plan = write_plan(tmp_path / "hubspot", hs)
    results(plan)
    zhang_lost = next(r.id for r in hs.records.values() if r.properties["amount"] == "120000")
    li_old = next(r.id for r in hs.records.values() if r.properties["amount"] == "1100000")
    now = "2099-01-01T00:00:00Z"  # after the cached fetch: a change it has not seen
    hs.update(zhang_lost, now, dealstage="closedwon")
    hs.archive(li_old, now)
    before = len(hs.searches())

    updated = results(plan)
    change_search = hs.searches()[before:]
    assert len(change_search) == 1
    assert change_search[0].body["sorts"][0]["propertyName"] == "hs_lastmodifieddate"
    assert updated == results(plan, "--refresh")
    rows = list(CSV_ROWS)
    rows[2] = (ZHANG, "120000", "true", "2025-02-15", "2025-01-20")
    del rows[3]
    assert updated == results(write_csv_plan(tmp_path / "csv", rows))


def test_the_shipped_example_validates_without_its_token(monkeypatch):
    from kpitest import ROOT

    monkeypatch.delenv("HUBSPOT_TOKEN", raising=False)
    result = invoke("validate", ROOT / "rulesets" / "examples" / "hubspot.yaml")
    assert result.exit_code == 0, result.output


def test_kpiengine_plugins_lists_the_hubspot_source():
    result = invoke("plugins")
    assert result.exit_code == 0
    assert "hubspot" in result.output and "source hubspot" in result.output


def test_preview_shows_the_deals_by_engine_name_without_the_token(hs, tmp_path):
    result = invoke("preview", "--ruleset", write_plan(tmp_path, hs), "--source", "deals")
    assert result.exit_code == 0, result.output
    assert ZHANG in result.stdout and "380000" in result.stdout
    assert hs.token not in result.stdout + result.stderr


def test_the_api_address_may_come_from_an_environment_variable(hs, tmp_path, monkeypatch):
    plan = from_variable(write_plan(tmp_path / "hubspot", hs), hs.url, "HUBSPOT_TEST_BASE_URL")
    assert invoke("validate", plan).exit_code == 0  # checked when the plan runs
    monkeypatch.setenv("HUBSPOT_TEST_BASE_URL", hs.url)
    assert results(plan, "--no-cache") == results(write_csv_plan(tmp_path / "csv"))
    assert len(hs.searches()) == 1
