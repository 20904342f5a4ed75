"""The jiandaoyun source against a local Jiandaoyun API: labels, types, paging, faults, errors."""

import logging
from datetime import date
from decimal import Decimal

import pytest
from jiandaoyun_server import (
    APP,
    CLOSED,
    DEAL_WIDGETS,
    ENTRY,
    JiandaoyunMock,
    deal_record,
    quick_policy,
    serving,
)

from kpiengine import FetchRequest, SourceError
from kpiengine_jiandaoyun import JiandaoyunSource

DATA_LIST = "/api/v5/app/entry/data/list"
WIDGET_LIST = "/api/v5/app/entry/widget/list"
COLUMNS = {"负责人": "string", "金额": "number", "阶段": "string", "成交日期": "date"}


@pytest.fixture
def sleeps(monkeypatch):
    recorded = []
    monkeypatch.setattr(JiandaoyunSource, "retry_policy", quick_policy(recorded))
    return recorded


@pytest.fixture
def jdy(sleeps):
    with serving() as mock:
        mock.add_form(APP, ENTRY, DEAL_WIDGETS)
        yield mock


def deals(mock, count, start=0):
    mock.add_records(
        APP,
        ENTRY,
        [
            deal_record(f"rep{i % 3}", 100 + i, "赢单", f"2025-{i % 12 + 1:02d}-15")
            for i in range(start, start + count)
        ],
    )


def source(mock, tmp_path, **options):
    base = {"base_url": mock.url, "api_key": mock.api_key, "app_id": APP, "entry_id": ENTRY}
    return JiandaoyunSource("deals", {**base, **options}, tmp_path)


def fetch(mock, tmp_path, columns=COLUMNS, period=None, **options):
    start, end = period or (None, None)
    request = FetchRequest("deals", columns, frozenset(), start, end, tmp_path)
    return source(mock, tmp_path, **options).fetch(request)


# -- reading -----------------------------------------------------------------------------------


def test_labels_resolve_to_widgets_and_columns_keep_the_names_asked_for(jdy, tmp_path):
    deals(jdy, 2)
    table = fetch(jdy, tmp_path)
    assert table.column_names == list(COLUMNS)
    assert table.to_pylist()[0] == {
        "负责人": "rep0",
        "金额": Decimal("100"),
        "阶段": "赢单",
        "成交日期": date(2025, 1, 15),
    }


def test_widget_names_work_as_well_as_labels(jdy, tmp_path):
    deals(jdy, 1)
    table = fetch(jdy, tmp_path, {CLOSED: "date", "金额": "number"})
    assert table.to_pylist() == [{CLOSED: date(2025, 1, 15), "金额": Decimal("100")}]


def test_columns_are_typed_as_requested(jdy, tmp_path):
    deals(jdy, 1)
    table = fetch(jdy, tmp_path)
    assert [str(t) for t in table.schema.types] == [
        "string",
        "decimal128(38, 6)",
        "string",
        "date32[day]",
    ]


def test_members_give_usernames_departments_names_and_subforms_json(jdy, tmp_path):
    deals(jdy, 1)
    columns = {"负责人": "string", "部门": "string", "产品明细": "string", "提交人": "string"}
    row = fetch(jdy, tmp_path, columns).to_pylist()[0]
    assert row == {
        "负责人": "rep0",
        "部门": "华东销售部",
        "产品明细": '[{"产品": "软件", "数量": 2}]',
        "提交人": "admin",
    }


def test_a_date_is_the_day_in_asia_shanghai_by_default(jdy, tmp_path):
    jdy.add_records(APP, ENTRY, [{CLOSED: "2025-03-31T16:30:00.000Z"}])
    assert fetch(jdy, tmp_path, {"成交日期": "date"}).column(0).to_pylist() == [date(2025, 4, 1)]


def test_the_timezone_option_changes_which_day_a_time_falls_on(jdy, tmp_path):
    jdy.add_records(APP, ENTRY, [{CLOSED: "2025-03-31T16:30:00.000Z"}])
    table = fetch(jdy, tmp_path, {"成交日期": "date"}, timezone="UTC")
    assert table.column(0).to_pylist() == [date(2025, 3, 31)]


def test_numbers_are_exact(jdy, tmp_path):
    jdy.add_records(APP, ENTRY, [{"_widget_1700000000002": 0.1}, {"_widget_1700000000002": 1e6}])
    values = fetch(jdy, tmp_path, {"金额": "number"}).column(0).to_pylist()
    assert values == [Decimal("0.1"), Decimal("1000000")]


def test_without_requested_columns_every_field_comes_as_text_by_label(jdy, tmp_path):
    deals(jdy, 1)
    table = fetch(jdy, tmp_path, {})
    assert table.column_names == [w["label"] for w in DEAL_WIDGETS]


def test_an_empty_form_gives_an_empty_table_with_typed_columns(jdy, tmp_path):
    table = fetch(jdy, tmp_path)
    assert table.num_rows == 0
    assert str(table.schema.field("金额").type) == "decimal128(38, 6)"


# -- paging ------------------------------------------------------------------------------------


def test_pages_of_100_follow_the_data_id_cursor_until_a_short_page(jdy, tmp_path):
    deals(jdy, 250)
    table = fetch(jdy, tmp_path)
    assert table.num_rows == 250
    bodies = [r.body for r in jdy.seen(DATA_LIST)]
    assert [b["limit"] for b in bodies] == [100, 100, 100]
    assert "data_id" not in bodies[0]
    records = sorted(r["_id"] for r in jdy.forms[(APP, ENTRY)].records)
    assert [b.get("data_id") for b in bodies[1:]] == [records[99], records[199]]


def test_a_last_page_of_exactly_100_is_followed_by_an_empty_page(jdy, tmp_path):
    deals(jdy, 200)
    assert fetch(jdy, tmp_path).num_rows == 200
    assert len(jdy.seen(DATA_LIST)) == 3


def test_every_request_is_a_json_post_with_the_bearer_key(jdy, tmp_path):
    deals(jdy, 1)
    fetch(jdy, tmp_path)
    assert [r.path for r in jdy.requests] == [WIDGET_LIST, DATA_LIST]
    for seen in jdy.requests:
        assert seen.headers["authorization"] == f"Bearer {jdy.api_key}"
        assert seen.headers["content-type"].startswith("application/json")
        assert seen.body["app_id"] == APP and seen.body["entry_id"] == ENTRY


def test_only_the_fields_asked_for_are_requested(jdy, tmp_path):
    deals(jdy, 1)
    fetch(jdy, tmp_path, {"金额": "number"})
    assert jdy.seen(DATA_LIST)[0].body["fields"] == ["_widget_1700000000002"]


def test_a_base_url_ending_in_api_is_accepted(jdy, tmp_path):
    deals(jdy, 1)
    assert fetch(jdy, tmp_path, base_url=jdy.url + "/api/").num_rows == 1


# -- the period pushed down --------------------------------------------------------------------


def test_the_period_is_pushed_down_as_a_range_on_date_field(jdy, tmp_path):
    deals(jdy, 24)
    period = (date(2025, 4, 1), date(2025, 7, 1))
    table = fetch(jdy, tmp_path, period=period, date_field="成交日期")
    days = table.column("成交日期").to_pylist()
    assert len(days) == 6 and all(period[0] <= d < period[1] for d in days)
    condition = jdy.seen(DATA_LIST)[0].body["filter"]["cond"][0]
    assert condition == {
        "field": CLOSED,
        "type": "datetime",
        "method": "range",
        "value": ["2025-03-31T16:00:00.000Z", "2025-06-30T15:59:59.999Z"],
    }


def test_without_date_field_nothing_is_filtered(jdy, tmp_path):
    deals(jdy, 24)
    table = fetch(jdy, tmp_path, period=(date(2025, 4, 1), date(2025, 7, 1)))
    assert table.num_rows == 24
    assert "filter" not in jdy.seen(DATA_LIST)[0].body


def test_a_date_field_that_is_not_a_date_is_refused_naming_the_option(jdy, tmp_path):
    with pytest.raises(SourceError, match="date_field '金额' is a number field, not a date"):
        fetch(jdy, tmp_path, period=(date(2025, 1, 1), date(2026, 1, 1)), date_field="金额")


# -- faults the server injects -----------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        {"code": 8303, "msg": "超出请求频率限制"},
        {"code": 8304, "msg": "超出接口请求频率限制"},
        {"status": 429, "body": "Too Many Requests"},
        {"status": 502, "body": "<html>Bad Gateway</html>"},
        {"status": 503},
    ],
    ids=["8303", "8304", "http-429", "http-502", "http-503"],
)
def test_rate_limits_and_server_errors_wait_and_retry(jdy, tmp_path, sleeps, fault):
    deals(jdy, 150)
    jdy.inject(path=DATA_LIST, times=2, **fault)
    assert fetch(jdy, tmp_path).num_rows == 150
    assert len(sleeps) == 2
    assert all(s >= 1.0 for s in sleeps)  # Jiandaoyun asks for a second at least


def test_retry_after_from_a_429_is_honoured(jdy, tmp_path, sleeps):
    deals(jdy, 1)
    jdy.inject(path=DATA_LIST, status=429, retry_after="3")
    fetch(jdy, tmp_path)
    assert sleeps == [3.0]


def test_a_timeout_is_retried(jdy, tmp_path):
    deals(jdy, 5)
    jdy.inject(path=DATA_LIST, delay=0.6)
    assert fetch(jdy, tmp_path, timeout=0.2).num_rows == 5
    assert len(jdy.seen(DATA_LIST)) == 2


def test_a_lasting_outage_stops_after_the_attempts_with_a_clear_message(jdy, tmp_path, sleeps):
    jdy.inject(status=502, times=50)
    with pytest.raises(SourceError) as failure:
        fetch(jdy, tmp_path)
    assert str(failure.value).startswith("source 'deals': Jiandaoyun still failed after 4 attempts")
    assert len(jdy.requests) == 4


@pytest.mark.parametrize("code", [8301, 17018])
def test_a_bad_key_stops_at_once_with_the_documented_sentence(tmp_path, sleeps, code):
    with serving(JiandaoyunMock(bad_key_code=code)) as mock:
        mock.add_form(APP, ENTRY, DEAL_WIDGETS)
        with pytest.raises(SourceError) as failure:
            fetch(mock, tmp_path, api_key="wrong-key-abcdef")
        assert len(mock.requests) == 1
    assert "the Jiandaoyun API key for source 'deals' was rejected" in str(failure.value)
    assert "wrong-key-abcdef" not in str(failure.value)
    assert sleeps == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"entry_id": "no-such-form"},
            "no form 'no-such-form' in app 'app-sales-2025' (code 3000)"
            " — check the option entry_id of source 'deals'",
        ),
        ({"app_id": "no-such-app"}, "no app 'no-such-app' (code 2004) — check the option app_id"),
    ],
)
def test_a_missing_app_or_form_names_the_option_to_fix(jdy, tmp_path, options, expected):
    with pytest.raises(SourceError) as failure:
        fetch(jdy, tmp_path, **options)
    assert expected in str(failure.value)


def test_an_invalid_filter_names_date_field(jdy, tmp_path):
    jdy.inject(path=DATA_LIST, code=4815, msg="过滤条件无效")
    with pytest.raises(
        SourceError, match=r"filter of source 'deals' as invalid .*option date_field"
    ):
        fetch(jdy, tmp_path, period=(date(2025, 1, 1), date(2026, 1, 1)), date_field="成交日期")


def test_an_exhausted_quota_stops_without_retrying(jdy, tmp_path, sleeps):
    jdy.inject(path=DATA_LIST, code=7212, msg="本月数据量已用完", times=5)
    with pytest.raises(SourceError, match=r"data quota is used up .*source 'deals' stops"):
        fetch(jdy, tmp_path)
    assert len(jdy.seen(DATA_LIST)) == 1 and sleeps == []


def test_an_unknown_label_suggests_the_closest_one(jdy, tmp_path):
    with pytest.raises(SourceError) as failure:
        fetch(jdy, tmp_path, {"负债人": "string"})
    message = str(failure.value)
    assert "the Jiandaoyun form has no field '负债人' — did you mean '负责人'?" in message
    assert "sources.deals.fields" in message


def test_a_value_that_is_not_a_number_names_the_record_and_field(jdy, tmp_path):
    jdy.add_records(APP, ENTRY, [{"_widget_1700000000002": "十二万"}])
    record = jdy.forms[(APP, ENTRY)].records[0]["_id"]
    with pytest.raises(SourceError) as failure:
        fetch(jdy, tmp_path, {"金额": "number"})
    assert str(failure.value) == (
        f"source 'deals': record {record} field '金额' has '十二万', which is not a number"
    )


def test_a_key_echoed_by_the_server_never_reaches_the_message_or_logs(jdy, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    jdy.inject(path=WIDGET_LIST, code=9999, msg="unexpected header {auth}")
    with pytest.raises(SourceError) as failure:
        fetch(jdy, tmp_path)
    assert "unexpected header Bearer ***" in str(failure.value)
    assert jdy.api_key not in str(failure.value)
    assert jdy.api_key not in caplog.text


# -- validation does no I/O --------------------------------------------------------------------


def test_fields_needs_no_network_and_returns_none(jdy, tmp_path):
    assert source(jdy, tmp_path).fields() is None
    assert jdy.requests == []


def test_an_unknown_timezone_is_refused_before_any_request(jdy, tmp_path):
    with pytest.raises(SourceError, match="timezone 'Asia/Shangai' is not a time zone"):
        source(jdy, tmp_path, timezone="Asia/Shangai").fields()
    assert jdy.requests == []
