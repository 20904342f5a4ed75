"""The jiandaoyun output: results into a form by label, batches of 100, updates on a re-run."""

from decimal import Decimal

import pytest
from jiandaoyun_server import APP, JiandaoyunMock, quick_policy, serving

from kpiengine import IndicatorInfo, Layout, OutputError, Results, ResultTable
from kpiengine_jiandaoyun import JiandaoyunOutput

ENTRY = "entry-results"
WIDGETS = [
    {"name": "_widget_1", "label": "工号", "type": "text"},
    {"name": "_widget_2", "label": "考核期间", "type": "text"},
    {"name": "_widget_3", "label": "总分", "type": "number"},
    {"name": "_widget_4", "label": "等级", "type": "text"},
    {"name": "_widget_5", "label": "销售额得分", "type": "number"},
    {"name": "_widget_6", "label": "奖金", "type": "number"},
    {"name": "_widget_7", "label": "提成", "type": "text"},
]
FIELDS = {
    "subject": "工号",
    "period": "考核期间",
    "total": "总分",
    "grade": "等级",
    "revenue.score": "销售额得分",
    "payout": "奖金",
    "incentives.commission": "提成",
}
BATCH_CREATE = "/api/v5/app/entry/data/batch_create"
UPDATE = "/api/v5/app/entry/data/update"


LAYOUT = Layout(
    groups=("team",),
    indicators=(IndicatorInfo("revenue", "销售额", "money", Decimal(40)),),
    ranks=("team",),
    incentives=("commission",),
)


def result(subject, period, total="85.5", payout="12000.50"):
    revenue = {"actual": "900000", "target": "1000000", "attainment": "0.9", "score": "36"}
    return {
        "subject": subject,
        "name": subject,
        "period": period,
        "group:team": "华东一组",
        **{f"indicator:revenue.{k}": v for k, v in revenue.items()},
        "total": total,
        "grade": "A",
        "grade_name": "优秀",
        "rank:team": "1",
        "line:commission": payout,
        "payout": payout,
    }


def results(*rows):
    periods = tuple(sorted({r["period"] for r in rows}))
    return Results(
        "plan", "0" * 64, "zh-CN", "CNY", periods, ResultTable.from_rows(LAYOUT, 2, rows)
    )


@pytest.fixture(autouse=True)
def sleeps(monkeypatch):
    recorded = []
    monkeypatch.setattr(JiandaoyunOutput, "retry_policy", quick_policy(recorded))
    return recorded


@pytest.fixture
def jdy():
    with serving() as mock:
        mock.add_form(APP, ENTRY, WIDGETS)
        yield mock


def output(mock, **options):
    base = {
        "base_url": mock.url,
        "api_key": mock.api_key,
        "app_id": APP,
        "entry_id": ENTRY,
        "fields": FIELDS,
    }
    return JiandaoyunOutput({**base, **options}, None)


def stored(mock):
    return sorted(mock.forms[(APP, ENTRY)].records, key=lambda r: (r["_widget_1"], r["_widget_2"]))


def test_results_are_created_with_values_mapped_by_label(jdy):
    out = output(jdy)
    out.write(results(result("R001", "2025-Q1"), result("R002", "2025-Q1", total="70")))
    assert (out.created, out.updated) == (2, 0)
    first = stored(jdy)[0]
    assert first["_widget_1"] == "R001" and first["_widget_2"] == "2025-Q1"
    assert first["_widget_3"] == Decimal("85.5")
    assert first["_widget_4"] == "A"
    assert first["_widget_5"] == 36
    assert first["_widget_6"] == Decimal("12000.5")
    assert first["_widget_7"] == "12000.50"  # money as text keeps its minor unit


def test_a_batch_create_carries_a_transaction_id_and_wrapped_values(jdy):
    output(jdy).write(results(result("R001", "2025-Q1")))
    body = jdy.seen(BATCH_CREATE)[0].body
    assert len(body["transaction_id"]) == 36
    assert body["data_list"][0]["_widget_1"] == {"value": "R001"}
    assert body["is_start_workflow"] is False


def test_more_than_100_results_go_in_batches_of_100(jdy):
    rows = [result(f"R{i:03d}", "2025-Q1") for i in range(150)]
    output(jdy).write(results(*rows))
    sizes = [len(r.body["data_list"]) for r in jdy.seen(BATCH_CREATE)]
    assert sizes == [100, 50]
    assert len(jdy.forms[(APP, ENTRY)].records) == 150


def test_rerunning_the_same_period_updates_instead_of_duplicating(jdy):
    output(jdy).write(results(result("R001", "2025-Q1"), result("R002", "2025-Q1")))
    ids = {r["_id"] for r in jdy.forms[(APP, ENTRY)].records}
    out = output(jdy)
    out.write(results(result("R001", "2025-Q1", total="99"), result("R003", "2025-Q1")))
    assert (out.created, out.updated) == (1, 1)
    records = stored(jdy)
    assert len(records) == 3
    assert ids <= {r["_id"] for r in records}
    assert records[0]["_widget_3"] == 99


def test_existing_rows_are_found_with_an_in_filter_on_a_key_field(jdy):
    output(jdy).write(results(result("R001", "2025-Q1"), result("R002", "2025-Q1")))
    lookup = jdy.seen("/api/v5/app/entry/data/list")[-1].body
    assert lookup["filter"] == {
        "rel": "and",
        "cond": [{"field": "_widget_2", "type": "text", "method": "in", "value": ["2025-Q1"]}],
    }


def test_a_resent_batch_after_a_gateway_error_is_not_duplicated(jdy, sleeps):
    jdy.inject(path=BATCH_CREATE, status=502)
    output(jdy).write(results(result("R001", "2025-Q1")))
    sent = [r.body["transaction_id"] for r in jdy.seen(BATCH_CREATE)]
    assert len(sent) == 2 and sent[0] == sent[1]
    assert len(jdy.forms[(APP, ENTRY)].records) == 1
    assert len(sleeps) == 1


def test_rate_limited_writes_wait_and_retry(jdy, sleeps):
    jdy.inject(path=BATCH_CREATE, code=8304, msg="超出接口请求频率限制")
    output(jdy).write(results(result("R001", "2025-Q1")))
    assert len(jdy.forms[(APP, ENTRY)].records) == 1
    assert len(sleeps) == 1


def test_custom_key_fields_decide_which_rows_match(jdy):
    output(jdy, key_fields=["subject"]).write(results(result("R001", "2025-Q1")))
    output(jdy, key_fields=["subject"]).write(results(result("R001", "2025-Q2")))
    assert [r["_widget_2"] for r in stored(jdy)] == ["2025-Q2"]


def test_an_unknown_label_names_the_fields_option(jdy):
    fields = {**FIELDS, "revenue.score": "销售额得份"}
    with pytest.raises(OutputError) as failure:
        output(jdy, fields=fields).write(results(result("R001", "2025-Q1")))
    assert "no field '销售额得份' — did you mean '销售额得分'?" in str(failure.value)
    assert str(failure.value).endswith("check the option fields")


def test_a_key_field_missing_from_fields_is_refused_before_any_request(jdy):
    fields = {k: v for k, v in FIELDS.items() if k != "period"}
    with pytest.raises(OutputError, match="key_fields period must also be in fields"):
        output(jdy, fields=fields).write(results(result("R001", "2025-Q1")))
    assert jdy.requests == []


def test_a_result_key_that_does_not_exist_is_refused_listing_the_keys(jdy):
    with pytest.raises(OutputError, match=r"fields names no result value revenue\.scor "):
        output(jdy, fields={**FIELDS, "revenue.scor": "销售额得分"}).write(
            results(result("R001", "2025-Q1"))
        )


def test_a_bad_key_is_rejected_with_a_message_that_does_not_show_it(sleeps):
    with serving(JiandaoyunMock(bad_key_code=17018)) as mock:
        mock.add_form(APP, ENTRY, WIDGETS)
        with pytest.raises(OutputError) as failure:
            output(mock, api_key="not-the-key-42").write(results(result("R001", "2025-Q1")))
    assert "the Jiandaoyun API key for the jiandaoyun output was rejected" in str(failure.value)
    assert "not-the-key-42" not in str(failure.value)
    assert sleeps == []


def test_no_results_means_no_requests(jdy):
    output(jdy).write(results())
    assert jdy.requests == []
