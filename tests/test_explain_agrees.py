"""`explain` is the run's own computation: `explain --format json` prints, for every subject and
period, exactly the result row `run -o json:-` writes (as parsed JSON), beside its derivation.

Checked on every ruleset in the repository that validates (the connector examples read their
deals from the tests' local mock servers) and on generated plans and data (hypothesis). The run
side is an untraced evaluation written by the json document, as `run` does; the explain side is
a traced evaluation, as `explain` does: tracing adds working columns and must change no number.
"""

import contextlib
import csv
import json
import re
import tempfile
import textwrap
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kpitest import EXAMPLE, ROOT, invoke

from kpiengine.cli.explain_json import explain_json
from kpiengine.errors import ConfigError
from kpiengine.evaluate.engine import evaluate
from kpiengine.plan.load import load_ruleset
from kpiengine.plugins import registry
from kpiengine.results.document import json_document

KNOWN_INVALID = {
    f"tests/golden/invalid/{name}.yaml"
    for name in (
        "bad-names",
        "hostile-expression",
        "incentives-names",
        "incentives-tier-tables",
        "incentives-two-ways",
        "planted-mistakes",
        "type-conflict",
    )
} | {"tests/data/yaml/design_example.yaml"}
"""The rulesets that must not validate: no others may fail. The golden ones' mistakes are planted;
the design example is a YAML-loading fixture whose data paths lead nowhere (a missing local file
is a ruleset problem)."""


@cache
def reg():
    return registry()


def is_ruleset(path):
    document = yaml.safe_load(path.read_text("utf-8"))
    return isinstance(document, dict) and "kpiengine" in document


def repository_rulesets():
    """Every YAML ruleset under rulesets/ and tests/ (an `expected.yaml` is not one)."""
    found = [p for folder in ("rulesets", "tests") for p in (ROOT / folder).rglob("*.yaml")]
    return sorted(p.relative_to(ROOT).as_posix() for p in found if is_ruleset(p))


@pytest.fixture(autouse=True)
def allowed(monkeypatch):
    """The user allows the variables of the connector examples."""
    monkeypatch.setenv("KPIENGINE_ALLOW_ENV", "HUBSPOT_*,JDY_*,SF_*,ZOHO_*")


def validates(path):
    try:
        load_ruleset(path, reg())
    except ConfigError:
        return False
    return True


# -- the comparison ------------------------------------------------------------------------------


def number(value):
    return None if value is None else Decimal(str(value))


def run_rows(ruleset):
    """The rows `run -o json:-` writes: an untraced run, through the json document."""
    run = evaluate(ruleset, reg())
    run.store.close()
    document = b"".join(json_document(run.results))
    return json.loads(document, parse_float=Decimal)["results"]


def explained_rows(ruleset, subjects):
    """`explain --format json` for each subject in turn, from one traced run."""
    run = evaluate(ruleset, reg(), trace=True)
    try:
        return {s: json.loads(explain_json(run, s), parse_float=Decimal) for s in subjects}
    finally:
        run.store.close()


def assert_derivation_matches(row, derivation):
    assert number(derivation["total"]) == number(row["total"])
    assert derivation["grade"]["grade"] == row["grade"]
    amounts = {k: number(v["amount"]) for k, v in derivation["incentives"].items()}
    assert amounts == {k: number(v) for k, v in row["incentives"].items()}


def assert_explain_agrees(path):
    """Explain's rows, without `derivation`, are the run's rows; the derivation's total and
    incentive amounts are the row's. Returns the run's rows."""
    ruleset = load_ruleset(Path(path), reg()).ruleset
    rows = run_rows(ruleset)
    assert rows
    subjects = list(dict.fromkeys(r["subject"] for r in rows))
    shown = explained_rows(ruleset, subjects)
    for subject in subjects:
        without = [{k: v for k, v in s.items() if k != "derivation"} for s in shown[subject]]
        assert without == [r for r in rows if r["subject"] == subject], subject
        for row in shown[subject]:
            assert_derivation_matches(row, row["derivation"])
    return rows


# -- the connector examples, each reading its deals from the tests' mock of its CRM -------------


def repoint(path, folder, replacements):
    """A copy of the ruleset in `folder`, its data paths made absolute and `replacements`
    (pattern → text) applied: the rest is the ruleset as shipped."""
    text = path.read_text("utf-8")
    text = re.sub(r"(\.\./)+examples/data/", (ROOT / "examples" / "data").as_posix() + "/", text)
    for pattern, new in replacements.items():
        text, count = re.subn(pattern, new, text)
        assert count == 1, f"{path.name}: {pattern} matched {count} times"
    copy = folder / path.name
    copy.write_text(text, "utf-8")
    return copy


def sample_deals():
    """The shipped sample deals (examples/data/deals.csv), which the CRM mocks serve."""
    with (ROOT / "examples" / "data" / "deals.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def utc_morning(day):
    """A Shanghai day as an instant in UTC (10:00 there), the way the CRMs store times."""
    return f"{day}T02:00:00.000Z" if day else None


@contextlib.contextmanager
def hubspot_example(path, folder, monkeypatch):
    from hubspot_server import UNLIMITED, account, deal, quick_policy, serving

    from kpiengine_hubspot import HubSpotSource

    monkeypatch.setattr(HubSpotSource, "retry_policy", quick_policy())
    monkeypatch.setattr(HubSpotSource, "rate_limits", UNLIMITED)
    stages = {"won": "closedwon", "lost": "closedlost", "open": "contractsent"}
    with serving(account()) as mock:
        mock.property_types["kpi_rep_id"] = "string"
        for d in sample_deals():
            closed, created = utc_morning(d["closed_on"]), utc_morning(d["created_on"])
            rep = d["sales_rep_id"]
            deal(mock, None, d["amount"], stages[d["stage"]], closed, created, kpi_rep_id=rep)
        monkeypatch.setenv("HUBSPOT_TOKEN", mock.token)
        yield repoint(path, folder, {r"# base_url: \S+": f'base_url: "{mock.url}"'})


@contextlib.contextmanager
def jiandaoyun_example(path, folder, monkeypatch):
    from jiandaoyun_server import quick_policy, serving, utc_of_local_day

    from kpiengine_jiandaoyun import JiandaoyunSource

    monkeypatch.setattr(JiandaoyunSource, "retry_policy", quick_policy())
    sources = yaml.safe_load(path.read_text("utf-8"))["sources"]["deals"]
    options, fields = sources["options"], sources["fields"]
    kinds = {"owner": "text", "amount": "number", "stage": "combo", "closed_on": "datetime"}
    widgets = [
        {"name": f"_widget_17000000000{i:02d}", "label": fields[f], "type": kind}
        for i, (f, kind) in enumerate(kinds.items())
    ]
    widget = {f: w["name"] for f, w in zip(kinds, widgets, strict=True)}
    stages = {"won": "赢单", "lost": "输单", "open": "跟进中"}
    with serving() as mock:
        mock.add_form(options["app_id"], options["entry_id"], widgets)
        records = [
            {
                widget["owner"]: d["sales_rep_id"],
                widget["amount"]: Decimal(d["amount"]),
                widget["stage"]: stages[d["stage"]],
                widget["closed_on"]: utc_of_local_day(d["closed_on"]) if d["closed_on"] else None,
            }
            for d in sample_deals()
        ]
        mock.add_records(options["app_id"], options["entry_id"], records)
        monkeypatch.setenv("JDY_API_KEY", mock.api_key)
        yield repoint(path, folder, {r"# base_url: \S+": f'base_url: "{mock.url}"'})


@contextlib.contextmanager
def salesforce_example(path, folder, monkeypatch):
    import salesforce_server
    from salesforce_server import deal, quick_policy, serving

    from kpiengine_salesforce import SalesforceSource

    monkeypatch.setattr(SalesforceSource, "retry_policy", quick_policy())
    monkeypatch.setitem(salesforce_server.USER_FIELDS, "EmployeeNumber", "string")
    stages = {"won": "Closed Won", "lost": "Closed Lost", "open": "Negotiation/Review"}
    with serving() as org:
        users = {}
        for number, d in enumerate(sample_deals()):
            rep = d["sales_rep_id"]
            if rep not in users:
                users[rep] = org.add_user(rep, f"{rep.lower()}@acme.example")
                org.users[users[rep]]["EmployeeNumber"] = rep
            close = d["closed_on"] or "2025-12-31"
            kind = "Partner" if number % 10 == 0 else "New Business"  # the example skips partners
            opened = utc_morning(d["created_on"])
            amount, stage = Decimal(d["amount"]), stages[d["stage"]]
            deal(org, users[rep], amount, stage, close, CreatedDate=opened, Type=kind)
        monkeypatch.setenv("SF_CLIENT_ID", org.client_id)
        monkeypatch.setenv("SF_CLIENT_SECRET", org.client_secret)
        yield repoint(path, folder, {r"https://acme\.my\.salesforce\.com": org.url})


@contextlib.contextmanager
def zoho_example(path, folder, monkeypatch):
    from zoho_server import ZohoMock, quick_policy, serving

    from kpiengine_zoho import ZohoSource

    monkeypatch.setattr(ZohoSource, "retry_policy", quick_policy())
    stages = {"won": "Closed Won", "lost": "Closed Lost", "open": "Negotiation/Review"}
    deals = sample_deals()
    # The example keys people by their Zoho login: here the sample list's ids are the logins.
    users = {
        rep: {"id": str(554023000000235000 + n), "full_name": rep, "email": rep, "status": "active"}
        for n, rep in enumerate(sorted({d["sales_rep_id"] for d in deals}))
    }
    with serving(ZohoMock()) as mock:
        mock.add_users(list(users.values()))
        mock.add_records([zoho_deal(n, d, users, stages) for n, d in enumerate(deals)])
        for option in ("client_id", "client_secret", "refresh_token"):
            monkeypatch.setenv(f"ZOHO_{option.upper()}", getattr(mock, option))
        found = r"accounts_url: https://accounts\.zoho\.com\.cn"
        yield repoint(path, folder, {found: f'accounts_url: "{mock.accounts_url}"'})


def zoho_deal(number, d, users, stages):
    from zoho_server import FIRST_ID, STAGE_PROBABILITY

    user = users[d["sales_rep_id"]]
    stage = stages[d["stage"]]
    created = f"{d['created_on']}T10:00:00+08:00"
    return {
        "id": str(FIRST_ID + number),
        "Deal_Name": d["customer"],
        "Owner": {"name": user["full_name"], "id": user["id"], "email": user["email"]},
        "Amount": d["amount"],
        "Currency": "CNY",
        "Stage": stage,
        "Probability": STAGE_PROBABILITY[stage],
        "Closing_Date": d["closed_on"] or None,
        "Created_Time": created,
        "Modified_Time": created,
        "Lead_Source": "Web",
    }


@contextlib.contextmanager
def as_shipped(path, folder, monkeypatch):
    yield path


PREPARED = {
    "rulesets/examples/hubspot.yaml": hubspot_example,
    "rulesets/examples/jiandaoyun.yaml": jiandaoyun_example,
    "rulesets/examples/salesforce.yaml": salesforce_example,
    "rulesets/examples/zoho.yaml": zoho_example,
}
"""How a ruleset that cannot run as it sits is run; any other runs as shipped."""

RULESETS = repository_rulesets()
VALID = [p for p in RULESETS if p not in KNOWN_INVALID]


def test_the_rulesets_that_do_not_validate_are_exactly_the_known_invalid_ones():
    assert EXAMPLE.relative_to(ROOT).as_posix() in VALID
    assert set(PREPARED) <= set(VALID)
    assert {p for p in RULESETS if not validates(ROOT / p)} == KNOWN_INVALID


def test_every_connector_example_is_served_by_a_mock():
    examples = {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "rulesets" / "examples").glob("*.yaml")
    }
    assert examples <= set(PREPARED)


@pytest.mark.parametrize("name", VALID)
def test_explain_json_rows_are_the_run_rows(name, tmp_path, monkeypatch):
    prepare = PREPARED.get(name, as_shipped)
    with prepare(ROOT / name, tmp_path, monkeypatch) as path:
        rows = assert_explain_agrees(path)
    if name.startswith("rulesets/examples/"):  # the mock's deals reached the results
        assert any(number(r["indicators"]["revenue"]["actual"]) for r in rows)


def test_the_explain_command_prints_the_run_commands_rows():
    run = invoke("run", "--ruleset", EXAMPLE, "-o", "json:-")
    assert run.exit_code == 0, run.output
    rows = json.loads(run.stdout, parse_float=Decimal)["results"]
    subject = rows[0]["subject"]
    args = ("explain", "--ruleset", EXAMPLE, "--subject", subject, "--format", "json")
    shown = invoke(*args)
    assert shown.exit_code == 0, shown.output
    parsed = json.loads(shown.stdout, parse_float=Decimal)
    assert all("derivation" in s for s in parsed)
    without = [{k: v for k, v in s.items() if k != "derivation"} for s in parsed]
    assert without == [r for r in rows if r["subject"] == subject]


# -- generated plans and data ----------------------------------------------------------------------


def parsed(text):
    return yaml.safe_load(textwrap.dedent(text))


PLAN = parsed("""
    kpiengine: 1
    name: generated plan
    weights: free
    currency: CNY
    sources:
      reps: {plugin: csv, options: {path: reps.csv}}
      deals: {plugin: csv, options: {path: deals.csv}}
      reviews: {plugin: csv, options: {path: reviews.csv}}
    subjects: {source: reps, id: id, name: name, groups: [team]}
    metrics:
      won_deals: {source: deals, count: "*", where: "stage == 'won'", date: closed_on}
      opened: {source: deals, count: "*", date: created_on}
    feedback:
      - {when: revenue.attainment < 0.8, message: "销售额完成率 {revenue.attainment:.0%}"}
""")
INDICATORS = parsed("""
    revenue:
      name: 销售额
      unit: money
      actual: {source: deals, sum: amount, where: "stage == 'won'", date: closed_on}
    won:
      name: 赢单数
      weight: 20
      actual: {source: deals, count: "*", where: "stage == 'won'", date: closed_on}
    conversion: {weight: 10, actual: won_deals / opened, target: 0.3}
    discount:
      weight: 10
      better: lower
      target: 0.1
      actual: {source: deals, avg: discount, where: "stage == 'won'", date: closed_on}
    rating:
      weight: 10
      levels: {优秀: 1.0, 良好: 0.8, 合格: 0.6}
      target: 优秀
      actual: {source: reviews, last: level, date: reviewed_on}
""")
INCENTIVES = parsed("""
    marginal: {base: revenue.actual, tiers: {"on": revenue.attainment, mode: marginal}}
    flat: {base: revenue.actual, tiers: {"on": revenue.attainment, mode: flat}}
    per_record:
      base: amount
      tiers: {per: record, source: deals, where: "stage == 'won'", date: closed_on, "on": amount}
    curve: {curve: {"on": revenue.attainment, amount: 1000}}
    by_grade: {}
    honor: {honor: {rank_by: revenue.actual}, amount: 500}
    formula: {amount: total * 10}
""")
FROMS = {"marginal": [0.5, 0.8, 1.0, 1.5], "flat": [0.5, 0.8, 1.0, 1.5], "per_record": [100, 500]}
LEVELS = list(INDICATORS["rating"]["levels"])


def decimals(low, high, places=2):
    scale = 10**places
    return st.integers(low * scale, high * scale).map(lambda n: float(Decimal(n).scaleb(-places)))


def maybe(draw, strategy):
    """A drawn value half of the time, else None (the key is left out)."""
    return draw(strategy) if draw(st.booleans()) else None


def with_drawn(base, **drawn):
    return {**base, **{k: v for k, v in drawn.items() if v is not None}}


@st.composite
def rates(draw, froms):
    """A tier table: from 0, rising strictly through some of `froms`."""
    steps = sorted(draw(st.lists(st.sampled_from(froms), unique=True, max_size=3)))
    return [{"from": f, "rate": draw(decimals(0, 0.1, 3))} for f in [0, *steps]]


@st.composite
def indicators(draw, targets_csv):
    """Revenue (its target a constant or from the targets CSV), a count with a custom score
    sometimes, a derived rate, and sometimes a lower-is-better average and a levels one."""
    revenue = with_drawn(
        INDICATORS["revenue"],
        weight=draw(st.sampled_from([40, 60])),
        target=None if targets_csv else draw(st.sampled_from([1000, 2500, 5000])),
        cap=maybe(draw, st.sampled_from([1.2, 1.5])),
    )
    custom = st.sampled_from(["weight * min(attainment, 1.5)", "actual * 5"])
    won = with_drawn(INDICATORS["won"], target=draw(st.integers(1, 3)), score=maybe(draw, custom))
    found = {"revenue": revenue, "won": won, "conversion": INDICATORS["conversion"]}
    found |= {i: INDICATORS[i] for i in ("discount", "rating") if draw(st.booleans())}
    return [{"id": i, **indicator} for i, indicator in found.items()]


@st.composite
def modifiers(draw):
    return with_drawn(
        {},
        gate=maybe(draw, st.sampled_from(["won.actual >= 1", "total > 30"])),
        multiplier=maybe(draw, st.sampled_from([1.5, "1 + revenue.attainment / 10"])),
        minimum=maybe(draw, st.sampled_from([50, 200])),
        cap=maybe(draw, st.sampled_from([300, 1000])),
    )


@st.composite
def incentive(draw, kind, grades):
    paid = json.loads(json.dumps(INCENTIVES[kind]))  # a copy to fill in
    if kind in FROMS:
        paid["tiers"]["rates"] = draw(rates(FROMS[kind]))
        paid["tiers"].setdefault("mode", draw(st.sampled_from(["flat", "marginal"])))
    elif kind == "curve":
        paid["curve"]["points"] = [[0.5, 0], [1.0, 1.0], [1.5, draw(st.sampled_from([1, 2]))]]
    elif kind == "by_grade":
        listed = draw(st.lists(st.sampled_from(grades), unique=True, min_size=1))
        paid["by_grade"] = {g: 100 * (n + 1) for n, g in enumerate(listed)}
    elif kind == "honor":
        within = maybe(draw, st.just("team"))
        paid["honor"] |= with_drawn({"top": draw(st.integers(1, 2))}, within=within)
    return {"id": kind, "name": f"奖励 {kind}", **paid, **draw(modifiers())}


@st.composite
def plans(draw):
    """A plan and its data: (plan, {source: CSV text})."""
    reps = [(f"R{n}", draw(st.sampled_from(["t1", "t2"]))) for n in range(draw(st.integers(1, 4)))]
    targets_csv = draw(st.booleans())
    mins = sorted(draw(st.lists(st.integers(1, 120), unique=True, max_size=3)), reverse=True)
    grades = [{"grade": "SABC"[n], "min": m} for n, m in enumerate([*mins, 0])]
    kinds = draw(st.lists(st.sampled_from(list(INCENTIVES)), unique=True, min_size=1, max_size=4))
    plan = {
        **PLAN,
        "calendar": {"year": 2025, "frequency": draw(st.sampled_from(["quarter", "half", "year"]))},
        "indicators": draw(indicators(targets_csv)),
        "grades": grades,
        "incentives": [draw(incentive(k, [g["grade"] for g in grades])) for k in kinds],
    }
    if targets_csv:
        targets = {"plugin": "csv", "options": {"path": "targets.csv"}}
        plan["sources"] = {**plan["sources"], "targets": targets}
        plan["targets"] = {"source": "targets", "split": "even"}
    return plan, draw(data([r for r, _ in reps], targets_csv)) | {"reps": reps_csv(reps)}


def reps_csv(reps):
    return "id,name,team\n" + "".join(f"{r},{r} 名,{team}\n" for r, team in reps)


@st.composite
def data(draw, reps, targets_csv):
    owners = st.sampled_from([*reps, "nobody"])
    stage = st.sampled_from(["won", "lost", "open"])
    day = st.tuples(st.integers(1, 12), st.integers(1, 28))
    deal = st.tuples(owners, decimals(0, 3000), stage, day, decimals(0, 0.3))
    deals = [
        f"{o},{a},{s},2025-{max(m - 1, 1):02d}-{d:02d},2025-{m:02d}-{d:02d},{x}\n"
        for o, a, s, (m, d), x in draw(st.lists(deal, max_size=12))
    ]
    days = draw(st.lists(st.integers(0, 360), unique=True, max_size=6))  # no ties for `last`
    reviews = [
        f"{draw(owners)},{date(2025, 1, 1) + timedelta(days=n)},{draw(st.sampled_from(LEVELS))}\n"
        for n in days
    ]
    files = {
        "deals": "owner,amount,stage,created_on,closed_on,discount\n" + "".join(deals),
        "reviews": "owner,reviewed_on,level\n" + "".join(reviews),
    }
    if targets_csv:  # some people have a yearly revenue target, split over the periods
        yearly = [f"{r},revenue,2025,{draw(st.sampled_from([4000, 10000]))}\n" for r in reps]
        kept = [row for row in yearly if draw(st.booleans())]
        files["targets"] = "subject,indicator,period,value\n" + "".join(kept)
    return files


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_explain_agrees_with_run_on_generated_plans(generated):
    plan, files = generated
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, text in files.items():
            (root / f"{name}.csv").write_text(text, "utf-8")
        path = root / "plan.yaml"
        unshared = json.loads(json.dumps(plan))  # no YAML anchors for objects used twice
        path.write_text(yaml.safe_dump(unshared, allow_unicode=True, sort_keys=False), "utf-8")
        rows = assert_explain_agrees(path)
    periods = {"quarter": 4, "half": 2, "year": 1}[plan["calendar"]["frequency"]]
    assert len(rows) == periods * (files["reps"].count("\n") - 1)
