"""A ruleset with `plugin: salesforce`, end to end against the local org.

The same deals served by Salesforce and read from a CSV file give the same results; the
credentials, given through environment variables, never show in any output, log or file —
failures included.
"""

import json
import logging
from datetime import date, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from kpitest import comparable, from_variable
from salesforce_server import deal, quick_policy, serving

from kpiengine.cli.commands import cli
from kpiengine_salesforce import SalesforceSource

ID_ENV, SECRET_ENV = "SF_TEST_CLIENT_ID", "SF_TEST_CLIENT_SECRET"
REPS = (
    "rep_id,name,team\n"
    "zhang@acme.example,张三,East\nli@acme.example,李四,East\nwang@acme.example,王五,South\n"
)
DEALS = [
    ("zhang@acme.example", "380000", "Closed Won", "2025-01-10"),
    ("zhang@acme.example", "520000", "Closed Won", "2025-03-31"),
    ("zhang@acme.example", "120000", "Closed Lost", "2025-02-15"),
    ("li@acme.example", "1100000", "Closed Won", "2025-01-01"),
    ("li@acme.example", "40000.50", "Closed Won", "2025-04-01"),
    ("li@acme.example", "70000", "Negotiation/Review", "2025-05-20"),
    ("wang@acme.example", "99.99", "Closed Won", "2025-06-30"),
    ("wang@acme.example", "5000", "Closed Won", "2024-12-31"),
    ("nobody@acme.example", "5000", "Closed Won", "2025-05-05"),
]
PLAN = """\
kpiengine: 1
name: Salesforce plan
currency: CNY
calendar: {{year: 2025, frequency: quarter}}
sources:
  reps: {{plugin: csv, options: {{path: reps.csv}}}}
  deals:
{deals}
subjects: {{source: reps, id: rep_id, name: name, groups: [team]}}
metrics:
  closing: {{source: deals, count: "*", date: closed_on}}
  opened: {{source: deals, count: "*", date: created_on}}
indicators:
  - id: revenue
    weight: 70
    actual: {{source: deals, sum: amount, where: "stage == 'Closed Won'", date: closed_on}}
    target: 1000000
  - id: won_deals
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
    base: revenue.actual
    tiers:
      on: revenue.attainment
      mode: marginal
      rates:
        - {{from: 0, rate: 0}}
        - {{from: 0.5, rate: 0.03}}
        - {{from: 1.0, rate: 0.05}}
"""
SF_DEALS = """\
    plugin: salesforce
    options:
      instance_url: "{url}"
      client_id: "${{{id_env}}}"
      client_secret: "${{{secret_env}}}"
      timezone: Asia/Shanghai"""
CSV_DEALS = """\
    plugin: csv
    options: {path: deals.csv}"""


@pytest.fixture(autouse=True)
def allowed(monkeypatch):
    """The user allows the connector's variables, as its page says."""
    monkeypatch.setenv("KPIENGINE_ALLOW_ENV", "SF_*")


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(SalesforceSource, "retry_policy", quick_policy())


@pytest.fixture
def org(monkeypatch):
    with serving() as mock:
        users = {}
        for owner, amount, stage, day in DEALS:
            if owner not in users:
                users[owner] = mock.add_user(owner.split("@")[0], owner)
            deal(mock, users[owner], Decimal(amount), stage, day)
        monkeypatch.setenv(ID_ENV, mock.client_id)
        monkeypatch.setenv(SECRET_ENV, mock.client_secret)
        yield mock


def write_plan(folder, org):
    folder.mkdir(exist_ok=True)
    (folder / "reps.csv").write_text(REPS, "utf-8")
    deals = SF_DEALS.format(url=org.url, id_env=ID_ENV, secret_env=SECRET_ENV)
    path = folder / "plan.yaml"
    path.write_text(PLAN.format(deals=deals), "utf-8")
    return path


def write_csv_plan(folder):
    folder.mkdir(exist_ok=True)
    (folder / "reps.csv").write_text(REPS, "utf-8")
    rows = "".join(f"{o},{a},{s},{d},{opened_on(d)}\n" for o, a, s, d in DEALS)
    header = "owner,amount,stage,closed_on,created_on\n"
    (folder / "deals.csv").write_text(header + rows, "utf-8")
    path = folder / "plan.yaml"
    path.write_text(PLAN.format(deals=CSV_DEALS), "utf-8")
    return path


def opened_on(close):
    """The day the mock's `deal` creates a deal: 20 days before it closes (02:00 UTC)."""
    return (date.fromisoformat(close) - timedelta(days=20)).isoformat()


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def results_without_ruleset(stdout):
    return comparable(json.loads(stdout))


def secrets_of(org):
    return [org.client_id, org.client_secret, *org.issued]


def files_mentioning(folder, secrets):
    return [
        p
        for p in folder.rglob("*")
        if p.is_file() and any(s.encode() in p.read_bytes() for s in secrets)
    ]


def test_results_from_salesforce_equal_results_from_the_same_rows_in_csv(org, tmp_path):
    from_sf = invoke("run", "--ruleset", write_plan(tmp_path / "sf", org), "-o", "json:-")
    from_csv = invoke("run", "--ruleset", write_csv_plan(tmp_path / "csv"), "-o", "json:-")
    assert from_sf.exit_code == 0, from_sf.output
    assert from_csv.exit_code == 0, from_csv.output
    document = results_without_ruleset(from_sf.stdout)
    assert document == results_without_ruleset(from_csv.stdout)
    li_q1 = next(
        r
        for r in document["results"]
        if (r["subject"], r["period"]) == ("li@acme.example", "2025-Q1")
    )
    assert li_q1["indicators"]["revenue"]["actual"] == 1100000
    assert Decimal(li_q1["payout"]) > 0
    assert li_q1["metrics"] == {"closing": 1, "opened": 1}
    assert (
        "(CloseDate >= 2025-01-01 AND CloseDate < 2026-01-01) OR (CreatedDate >= "
        in (org.queries[0])
    )


def test_the_ruleset_validates_without_the_credentials_set_and_without_network(
    org, tmp_path, monkeypatch
):
    plan = write_plan(tmp_path, org)
    monkeypatch.delenv(ID_ENV)
    monkeypatch.delenv(SECRET_ENV)
    result = invoke("validate", plan)
    assert result.exit_code == 0, result.output
    assert org.requests == []


def test_the_credentials_never_appear_in_output_logs_or_files(org, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    plan = write_plan(tmp_path, org)
    out = tmp_path / "out.csv"
    result = invoke("run", "--ruleset", plan, "-o", "json:-", "-o", f"csv:{out}")
    assert result.exit_code == 0, result.output
    assert out.exists() and (tmp_path / ".kpiengine-cache").exists()
    for text in (result.stdout, result.stderr, caplog.text):
        assert all(secret not in text for secret in secrets_of(org))
    assert files_mentioning(tmp_path, secrets_of(org)) == []


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            {
                "path": "/oauth2/token",
                "status": 400,
                "errors": {"error": "invalid_client", "error_description": "{form}"},
            },
            "Salesforce refused to sign in source 'deals' (invalid_client: grant_type=client_",
        ),
        (
            {
                "path": "/query",
                "status": 400,
                "errors": [{"message": "bad {auth}", "errorCode": "X"}],
            },
            "(X: bad Bearer ***)",
        ),
        (
            {
                "path": "/query",
                "status": 403,
                "errors": [
                    {
                        "message": "TotalRequests Limit exceeded.",
                        "errorCode": "REQUEST_LIMIT_EXCEEDED",
                    }
                ],
            },
            "the Salesforce org's daily API request limit is spent",
        ),
        (
            {"path": "/query", "status": 502, "times": 20},
            "Salesforce still failed after 4 attempts",
        ),
    ],
    ids=["sign-in-echoes-form", "api-echoes-token", "daily-limit", "outage"],
)
def test_failures_stop_the_run_without_showing_the_credentials(
    org, tmp_path, caplog, fault, expected
):
    caplog.set_level(logging.DEBUG)
    org.inject(**fault)
    result = invoke("run", "--ruleset", write_plan(tmp_path, org), "-o", "json:-", "--no-cache")
    assert result.exit_code == 1
    assert expected in result.stderr
    for text in (result.stdout, result.stderr, caplog.text):
        assert all(secret not in text for secret in secrets_of(org))
    assert files_mentioning(tmp_path, secrets_of(org)) == []


def test_preview_shows_the_deals_by_engine_name(org, tmp_path):
    result = invoke("preview", "--ruleset", write_plan(tmp_path, org), "--source", "deals")
    assert result.exit_code == 0, result.output
    assert "li@acme.example" in result.stdout and "1100000" in result.stdout
    assert all(secret not in result.stdout + result.stderr for secret in secrets_of(org))


def test_the_shipped_example_validates_without_its_credentials(monkeypatch):
    from kpitest import ROOT

    for name in ("SF_CLIENT_ID", "SF_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    result = invoke("validate", ROOT / "rulesets" / "examples" / "salesforce.yaml")
    assert result.exit_code == 0, result.output


def test_the_instance_address_may_come_from_an_environment_variable(org, tmp_path, monkeypatch):
    plan = from_variable(write_plan(tmp_path / "sf", org), org.url, "SF_TEST_INSTANCE_URL")
    assert invoke("validate", plan).exit_code == 0  # checked when the plan runs
    monkeypatch.setenv("SF_TEST_INSTANCE_URL", org.url)
    from_sf = invoke("run", "--ruleset", plan, "-o", "json:-")
    from_csv = invoke("run", "--ruleset", write_csv_plan(tmp_path / "csv"), "-o", "json:-")
    assert from_sf.exit_code == 0, from_sf.output
    assert results_without_ruleset(from_sf.stdout) == results_without_ruleset(from_csv.stdout)
    assert org.queries
