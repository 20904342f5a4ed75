"""A ruleset with `plugin: zoho`, end to end against the local Zoho CRM.

The same deals served by Zoho and read from a CSV file give the same results; the credentials,
given through environment variables, never show in any output, log or file — failures included.
"""

import json
import logging
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from kpitest import comparable, from_variable
from zoho_server import USERS, ZohoMock, deal, quick_policy, serving

from kpiengine.cli.commands import cli
from kpiengine_zoho import ZohoSource

ENV = {
    "client_id": "ZOHO_TEST_CLIENT_ID",
    "client_secret": "ZOHO_TEST_CLIENT_SECRET",
    "refresh_token": "ZOHO_TEST_REFRESH_TOKEN",
}
# owner, amount, stage, closing date, created (in the CRM user's offset), lead source
DEALS = [
    (
        "zhangsan@example.com",
        "380000",
        "Closed Won",
        "2025-01-10",
        "2024-12-20T10:00:00+08:00",
        "Web",
    ),
    (
        "zhangsan@example.com",
        "520000",
        "Closed Won",
        "2025-03-31",
        "2025-03-31T23:30:00+08:00",
        "Web",
    ),
    (
        "zhangsan@example.com",
        "120000",
        "Closed Lost",
        "2025-02-15",
        "2025-01-05T09:00:00+08:00",
        "Partner",
    ),
    (
        "lisi@example.com",
        "1100000",
        "Closed Won",
        "2025-01-01",
        "2025-01-01T00:10:00+08:00",
        "Partner",
    ),
    (
        "lisi@example.com",
        "40000.50",
        "Closed Won",
        "2025-04-01",
        "2025-03-01T12:00:00+08:00",
        "Web",
    ),
    ("lisi@example.com", "75000", "Negotiation/Review", None, "2025-05-20T15:00:00+08:00", "Web"),
    ("wangwu@example.com", "99.99", "Closed Won", "2025-06-30", "2025-06-01T08:00:00+08:00", "Web"),
    ("p.boyle@example.com", "5000", "Closed Won", "2024-12-31", "2024-11-11T11:00:00+08:00", "Web"),
]
REPS = (
    "rep_id,name,team\n"
    "zhangsan@example.com,张三,华东一组\n"
    "lisi@example.com,李四,华东一组\n"
    "wangwu@example.com,王五,华南组\n"
)
PLAN = """\
kpiengine: 1
name: Zoho 销售绩效
currency: CNY
calendar: {{year: 2025, frequency: quarter}}
sources:
  reps: {{plugin: csv, options: {{path: reps.csv}}}}
  deals:
{deals}
subjects: {{source: reps, id: rep_id, name: name, groups: [team]}}
metrics:
  opportunities: {{source: deals, count: "*", date: created_on}}
  web_deals: {{source: deals, count: "*", where: "lead_source == 'Web'", date: created_on}}
indicators:
  - id: revenue
    name: 销售额
    weight: 70
    actual: {{source: deals, sum: amount, where: "won == 'true'", date: closed_on}}
    target: 1000000
  - id: won
    name: 赢单数
    weight: 30
    actual: {{source: deals, count: "*", where: "stage == 'Closed Won'", date: closed_on}}
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
ZOHO_DEALS = """\
    plugin: zoho
    options:
      client_id: "${{ZOHO_TEST_CLIENT_ID}}"
      client_secret: "${{ZOHO_TEST_CLIENT_SECRET}}"
      refresh_token: "${{ZOHO_TEST_REFRESH_TOKEN}}"
      accounts_url: "{url}"
    fields: {{lead_source: Lead_Source}}"""
CSV_DEALS = """\
    plugin: csv
    options: {path: deals.csv}"""


@pytest.fixture(autouse=True)
def allowed(monkeypatch):
    """The user allows the connector's variables, as its page says."""
    monkeypatch.setenv("KPIENGINE_ALLOW_ENV", "ZOHO_*")


@pytest.fixture
def zoho(monkeypatch):
    monkeypatch.setattr(ZohoSource, "retry_policy", quick_policy())
    with serving(ZohoMock()) as mock:
        mock.add_users(USERS)
        mock.add_records(
            [
                deal(i, o, amount, stage, day, created=created, Lead_Source=lead)
                for i, (o, amount, stage, day, created, lead) in enumerate(DEALS)
            ]
        )
        for option, variable in ENV.items():
            monkeypatch.setenv(variable, getattr(mock, option))
        yield mock


def secrets_of(mock):
    return [mock.client_id, mock.client_secret, mock.refresh_token, *mock.issued]


def write_plan(folder, mock):
    (folder / "reps.csv").write_text(REPS, "utf-8")
    path = folder / "plan.yaml"
    path.write_text(PLAN.format(deals=ZOHO_DEALS.format(url=mock.accounts_url)), "utf-8")
    return path


def write_csv_plan(folder, deals=DEALS):
    (folder / "reps.csv").write_text(REPS, "utf-8")
    lines = ["owner,amount,stage,won,closed_on,created_on,lead_source"]
    for owner, amount, stage, day, created, lead in deals:
        won = "true" if stage == "Closed Won" else "false"
        lines.append(f"{owner},{amount},{stage},{won},{day or ''},{created[:10]},{lead}")
    (folder / "deals.csv").write_text("\n".join(lines) + "\n", "utf-8")
    path = folder / "plan.yaml"
    path.write_text(PLAN.format(deals=CSV_DEALS), "utf-8")
    return path


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def results_without_ruleset(stdout):
    return comparable(json.loads(stdout))


def files_mention(folder, secret):
    return [p for p in folder.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


def test_the_ruleset_validates_without_the_credentials_and_without_network(
    zoho, tmp_path, monkeypatch
):
    plan = write_plan(tmp_path, zoho)
    for variable in ENV.values():
        monkeypatch.delenv(variable)
    result = invoke("validate", plan)
    assert result.exit_code == 0, result.output
    assert zoho.requests == []


def test_results_from_zoho_equal_results_from_the_same_rows_in_csv(zoho, tmp_path):
    (tmp_path / "zoho").mkdir(), (tmp_path / "csv").mkdir()
    from_zoho = invoke("run", "--ruleset", write_plan(tmp_path / "zoho", zoho), "-o", "json:-")
    from_csv = invoke("run", "--ruleset", write_csv_plan(tmp_path / "csv"), "-o", "json:-")
    assert from_zoho.exit_code == 0, from_zoho.output
    assert from_csv.exit_code == 0, from_csv.output
    document = results_without_ruleset(from_zoho.stdout)
    assert document == results_without_ruleset(from_csv.stdout)
    zhangsan_q1 = next(
        r
        for r in document["results"]
        if (r["subject"], r["period"]) == ("zhangsan@example.com", "2025-Q1")
    )
    assert zhangsan_q1["indicators"]["revenue"]["actual"] == 900000
    assert zhangsan_q1["metrics"] == {"opportunities": 2, "web_deals": 1}
    assert len(zoho.seen("/crm/v8/coql")) == 1  # the year's deals in one query


def test_a_second_run_merges_only_what_changed_in_zoho_into_the_cache(zoho, tmp_path):
    (tmp_path / "zoho").mkdir(), (tmp_path / "csv").mkdir()
    plan = write_plan(tmp_path / "zoho", zoho)
    assert invoke("run", "--ruleset", plan, "-o", "json:-").exit_code == 0
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    rows = zoho.modules["Deals"]
    rows[0].update(Amount=480000, Modified_Time=now)  # zhangsan's 380000 deal
    zoho.delete(rows[3]["id"], now)  # lisi's 1100000 deal
    second = invoke("run", "--ruleset", plan, "-o", "json:-")
    assert second.exit_code == 0, second.output
    assert len(zoho.seen("/crm/v8/coql")) == 1  # the first run only
    (changes,) = zoho.seen("/crm/v8/Deals")
    assert "if-modified-since" in changes.headers
    assert len(zoho.seen("/crm/v8/Deals/deleted")) == 1
    now_in_csv = [(DEALS[0][0], "480000", *DEALS[0][2:]), *DEALS[1:3], *DEALS[4:]]
    from_csv = invoke(
        "run", "--ruleset", write_csv_plan(tmp_path / "csv", now_in_csv), "-o", "json:-"
    )
    assert results_without_ruleset(second.stdout) == results_without_ruleset(from_csv.stdout)


def test_the_credentials_never_appear_in_output_logs_or_files(zoho, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    plan = write_plan(tmp_path, zoho)
    result = invoke("run", "--ruleset", plan, "-o", "json:-", "-o", f"csv:{tmp_path / 'out.csv'}")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.csv").exists()
    for secret in secrets_of(zoho):
        for text in (result.stdout, result.stderr, caplog.text):
            assert secret not in text
        assert files_mention(tmp_path, secret) == []


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            {
                "server": "accounts",
                "status": 200,
                "kind": "application/json",
                "body": '{"error": "invalid_code"}',
            },
            "the Zoho refresh token of source 'deals' was refused",
        ),
        (
            {"code": "INVALID_DATA", "message": "bad header {auth}"},
            "bad header Zoho-oauthtoken ***",
        ),
        (
            {
                "code": "TOO_MANY_REQUESTS",
                "status": 429,
                "headers": {"X-API-CREDITS-REMAINING": "0"},
            },
            "used up its API credits",
        ),
        ({"status": 502, "times": 20}, "Zoho CRM still failed after 4 attempts"),
    ],
    ids=["bad-refresh-token", "token-echoed-by-server", "credits-spent", "outage"],
)
def test_failures_stop_the_run_without_showing_the_credentials(
    zoho, tmp_path, caplog, fault, expected
):
    caplog.set_level(logging.DEBUG)
    zoho.inject(**fault)
    result = invoke("run", "--ruleset", write_plan(tmp_path, zoho), "-o", "json:-", "--no-cache")
    assert result.exit_code == 1
    assert expected in result.stderr
    for secret in secrets_of(zoho):
        for text in (result.stdout, result.stderr, caplog.text):
            assert secret not in text
        assert files_mention(tmp_path, secret) == []


def test_the_shipped_example_validates_without_its_credentials(monkeypatch):
    from kpitest import ROOT

    for variable in ("ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET", "ZOHO_REFRESH_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    result = invoke("validate", ROOT / "rulesets" / "examples" / "zoho.yaml")
    assert result.exit_code == 0, result.output


def test_kpiengine_plugins_lists_the_zoho_source():
    result = invoke("plugins")
    assert result.exit_code == 0, result.output
    assert "source zoho" in result.output


def test_the_accounts_address_may_come_from_an_environment_variable(zoho, tmp_path, monkeypatch):
    (tmp_path / "zoho").mkdir(), (tmp_path / "csv").mkdir()
    plan = write_plan(tmp_path / "zoho", zoho)
    plan = from_variable(plan, zoho.accounts_url, "ZOHO_TEST_ACCOUNTS_URL")
    assert invoke("validate", plan).exit_code == 0  # checked when the plan runs
    monkeypatch.setenv("ZOHO_TEST_ACCOUNTS_URL", zoho.accounts_url)
    from_zoho = invoke("run", "--ruleset", plan, "-o", "json:-")
    from_csv = invoke("run", "--ruleset", write_csv_plan(tmp_path / "csv"), "-o", "json:-")
    assert from_zoho.exit_code == 0, from_zoho.output
    assert results_without_ruleset(from_zoho.stdout) == results_without_ruleset(from_csv.stdout)
