"""The hubspot source against a local HubSpot API: fields, parsing, lookups, period, paging."""

from datetime import date
from decimal import Decimal

import httpx
import pytest
from hubspot_server import (
    CHANNEL,
    UNLIMITED,
    account,
    deal,
    owner_id,
    quick_policy,
    serving,
)

from kpiengine import FetchRequest, SourceError
from kpiengine_hubspot import HubSpotSource

SEARCH = "/crm/v3/objects/deals/search"
COLUMNS = {
    "id": "string",
    "name": "string",
    "owner": "string",
    "amount": "number",
    "currency": "string",
    "stage": "string",
    "won": "boolean",
    "created_on": "date",
    "closed_on": "date",
    "modified_at": "string",
}


@pytest.fixture
def sleeps(monkeypatch):
    recorded = []
    monkeypatch.setattr(HubSpotSource, "retry_policy", quick_policy(recorded))
    monkeypatch.setattr(HubSpotSource, "rate_limits", UNLIMITED)
    monkeypatch.setattr(HubSpotSource, "timeout", 0.5)
    return recorded


@pytest.fixture
def hs(sleeps):
    with serving(account()) as mock:
        yield mock


def source(mock, tmp_path, **options):
    return HubSpotSource(
        "deals", {"base_url": mock.url, "access_token": mock.token, **options}, tmp_path
    )


def request(tmp_path, columns=COLUMNS, period=None):
    start, end = period or (None, None)
    dates = frozenset(c for c, kind in columns.items() if kind == "date")
    return FetchRequest("deals", columns, dates, start, end, tmp_path)


def fetch(mock, tmp_path, columns=COLUMNS, period=None, **options):
    return source(mock, tmp_path, **options).fetch(request(tmp_path, columns, period))


def rows(mock, tmp_path, columns=COLUMNS, **options):
    return fetch(mock, tmp_path, columns, **options).to_pylist()


# -- fields and values -------------------------------------------------------------------------


def test_engine_fields_come_typed_with_owner_email_stage_label_and_won(hs, tmp_path):
    deal_id = deal(
        hs,
        "zhang.san@example.com",
        "380000.50",
        closed="2025-03-31T10:00:00.000Z",
        deal_currency_code="CNY",
        hs_lastmodifieddate="2025-04-01T08:09:10.123Z",
    )
    table = fetch(hs, tmp_path)
    assert [str(t) for t in table.schema.types] == [
        "string", "string", "string", "decimal128(38, 6)", "string", "string", "bool",
        "date32[day]", "date32[day]", "string",
    ]  # fmt: skip
    assert table.to_pylist() == [
        {
            "id": deal_id,
            "name": "Deal 380000.50",
            "owner": "zhang.san@example.com",
            "amount": Decimal("380000.50"),
            "currency": "CNY",
            "stage": "Closed Won",
            "won": True,
            "created_on": date(2025, 1, 5),
            "closed_on": date(2025, 3, 31),
            "modified_at": "2025-04-01T08:09:10Z",
        }
    ]


def test_fields_are_the_engine_fields_without_any_request(hs, tmp_path):
    assert source(hs, tmp_path).fields() == COLUMNS
    assert hs.requests == []


@pytest.mark.parametrize(
    ("column", "kind", "raw", "expected"),
    [
        ("amount", "number", "1234.5678905", Decimal("1234.567891")),
        ("amount", "number", "1,200", Decimal("1200")),
        ("seats", "integer", "12", 12),
        ("seats", "number", "0.5", Decimal("0.5")),
        ("is_renewal", "boolean", "true", True),
        ("is_renewal", "boolean", "false", False),
        ("contract_signed_on", "date", "2025-06-30", date(2025, 6, 30)),
        ("contract_signed_on", "date", "1751241600000", date(2025, 6, 30)),
        ("closedate", "date", "2025-06-30T23:59:59.999Z", date(2025, 6, 30)),
        ("region", "string", "华东", "华东"),
        ("amount", "number", "", None),
    ],
)
def test_every_property_value_arrives_as_text_and_is_parsed(
    hs, tmp_path, column, kind, raw, expected
):
    hs.add(**{column: raw})
    value = rows(hs, tmp_path, {column: kind})[0][column]
    assert value == expected


def test_a_value_that_does_not_parse_names_the_record_and_field(hs, tmp_path):
    deal_id = deal(hs, "li.si@example.com", "lots")
    with pytest.raises(SourceError, match=rf"source 'deals'.*record {deal_id}.*'lots'.*'amount'"):
        fetch(hs, tmp_path, {"amount": "number"})


def test_owner_key_chooses_email_name_or_id(hs, tmp_path):
    deal(hs, "wang.wu@example.com", 1)
    columns = {"owner": "string"}
    assert rows(hs, tmp_path, columns)[0]["owner"] == "wang.wu@example.com"
    assert rows(hs, tmp_path, columns, owner_key="name")[0]["owner"] == "Wu Wang"
    assert rows(hs, tmp_path, columns, owner_key="id")[0]["owner"] == owner_id(
        "wang.wu@example.com"
    )


def test_owner_id_needs_no_owners_request(hs, tmp_path):
    deal(hs, "wang.wu@example.com", 1)
    rows(hs, tmp_path, {"owner": "string"}, owner_key="id")
    assert hs.seen("/crm/v3/owners") == []


def test_a_deactivated_owner_is_found_among_the_archived_owners(hs, tmp_path):
    deal(hs, "gone@example.com", 1)
    assert rows(hs, tmp_path, {"owner": "string"})[0]["owner"] == "gone@example.com"
    assert [r.query["archived"] for r in hs.seen("/crm/v3/owners")] == ["false", "true"]


def test_an_owner_missing_from_the_owners_list_shows_its_id_and_a_note(hs, tmp_path):
    hs.add(amount="5", hubspot_owner_id="999")
    src = source(hs, tmp_path)
    assert src.fetch(request(tmp_path, {"owner": "string"})).to_pylist() == [{"owner": "999"}]
    assert src.notes == [
        "source 'deals': 1 owner(s) have no email in HubSpot's owners list (999); their deals "
        "show the owner id instead"
    ]


def test_owners_are_paged_and_a_page_ending_exactly_on_the_limit_is_the_last(hs, tmp_path):
    hs.owners = [
        {"id": str(500 + i), "email": f"rep{i}@example.com", "firstName": "R", "lastName": str(i)}
        for i in range(200)
    ]
    hs.add(amount="1", hubspot_owner_id="699")
    assert rows(hs, tmp_path, {"owner": "string"}) == [{"owner": "rep199@example.com"}]
    active = [r for r in hs.seen("/crm/v3/owners") if r.query["archived"] == "false"]
    assert [r.query.get("after") is None for r in active] == [True, False]
    assert all(r.query["limit"] == "100" for r in active)


@pytest.mark.parametrize(
    ("stage", "label", "won"),
    [
        ("closedwon", "Closed Won", True),
        ("closedlost", "Closed Lost", False),
        ("contractsent", "Contract Sent", False),
        ("9567449", "赢单", True),  # no isClosed: won on probability 1.0
        ("9567450", "输单", False),
        ("9567448", "谈判中", False),
    ],
)
def test_stage_ids_become_labels_and_won_follows_closed_with_probability_one(
    hs, tmp_path, stage, label, won
):
    deal(hs, "li.si@example.com", 1, stage=stage)
    assert rows(hs, tmp_path, {"stage": "string", "won": "boolean"}) == [
        {"stage": label, "won": won}
    ]


def test_a_stage_in_no_pipeline_shows_its_id_is_not_won_and_is_noted(hs, tmp_path):
    deal(hs, "li.si@example.com", 1, stage="retiredstage")
    src = source(hs, tmp_path)
    table = src.fetch(request(tmp_path, {"stage": "string", "won": "boolean"}))
    assert table.to_pylist() == [{"stage": "retiredstage", "won": False}]
    assert "1 stage id(s) are in no HubSpot pipeline (retiredstage)" in src.notes[0]


def test_the_timezone_option_puts_a_late_utc_close_on_the_local_day(hs, tmp_path):
    deal(hs, "li.si@example.com", 1, closed="2025-03-31T17:30:00.000Z")
    columns = {"closed_on": "date"}
    assert rows(hs, tmp_path, columns)[0]["closed_on"] == date(2025, 3, 31)
    shanghai = rows(hs, tmp_path, columns, timezone="Asia/Shanghai")
    assert shanghai[0]["closed_on"] == date(2025, 4, 1)


def test_a_date_only_property_keeps_its_day_in_any_time_zone(hs, tmp_path):
    deal(hs, "li.si@example.com", 1, contract_signed_on="2025-06-30T00:00:00Z")
    table = fetch(hs, tmp_path, {"contract_signed_on": "date"}, timezone="America/New_York")
    assert table.to_pylist() == [{"contract_signed_on": date(2025, 6, 30)}]


def test_an_unknown_timezone_is_a_source_error_without_network(hs, tmp_path):
    with pytest.raises(SourceError, match="timezone 'Mars/Base' is not a time zone"):
        source(hs, tmp_path, timezone="Mars/Base").fields()
    assert hs.requests == []


def test_a_misspelt_property_is_a_source_error_naming_the_closest_and_the_mapping(hs, tmp_path):
    deal(hs, "li.si@example.com", 1)
    with pytest.raises(SourceError) as failure:
        fetch(hs, tmp_path, {"regoin": "string"})
    assert str(failure.value) == (
        "source 'deals': HubSpot has no property 'regoin' — did you mean 'region'?; write a "
        "property's internal name (Settings → Properties → the property → details) in "
        "sources.deals.fields"
    )
    assert hs.searches() == []


def test_engine_fields_alone_need_no_properties_request(hs, tmp_path):
    deal(hs, "li.si@example.com", 1)
    rows(hs, tmp_path)
    assert hs.seen("/crm/v3/properties") == []


# -- the query ---------------------------------------------------------------------------------


def test_the_search_asks_for_200_sorted_ascending_with_only_the_properties_needed(hs, tmp_path):
    deal(hs, "li.si@example.com", 1)
    rows(hs, tmp_path, {"amount": "number", "owner": "string"})
    body = hs.searches()[0].body
    assert body["limit"] == 200 and body["after"] == "0"
    assert body["sorts"] == [{"propertyName": "createdate", "direction": "ASCENDING"}]
    assert body["properties"] == ["amount", "hubspot_owner_id", "createdate"]
    assert body["filterGroups"] == []
    assert hs.searches()[0].headers["authorization"] == f"Bearer {hs.token}"


def test_the_period_is_pushed_down_as_created_or_closed_within_it(hs, tmp_path):
    inside_closed = deal(hs, "li.si@example.com", 1, closed="2025-02-01T00:00:00Z")
    inside_created = deal(hs, "li.si@example.com", 2, closed=None, created="2025-03-31T23:59:59Z")
    deal(hs, "li.si@example.com", 3, closed="2025-04-01T00:00:00Z", created="2024-12-31T00:00:00Z")
    deal(hs, "li.si@example.com", 4, closed=None, created="2024-12-31T23:59:59Z")
    columns = {"id": "string", "created_on": "date", "closed_on": "date"}
    table = fetch(hs, tmp_path, columns, period=(date(2025, 1, 1), date(2025, 4, 1)))
    assert sorted(table.column("id").to_pylist()) == sorted([inside_closed, inside_created])
    start, end = "1735689600000", "1743465600000"
    assert hs.searches()[0].body["filterGroups"] == [
        {
            "filters": [
                {"propertyName": "createdate", "operator": "GTE", "value": start},
                {"propertyName": "createdate", "operator": "LT", "value": end},
            ]
        },
        {
            "filters": [
                {"propertyName": "closedate", "operator": "GTE", "value": start},
                {"propertyName": "closedate", "operator": "LT", "value": end},
            ]
        },
    ]


def test_period_bounds_are_local_midnight_in_the_time_zone(hs, tmp_path):
    deal(hs, "li.si@example.com", 1, closed="2025-03-31T17:30:00Z")  # 1 April in Shanghai
    columns = {"closed_on": "date"}
    period = (date(2025, 4, 1), date(2025, 5, 1))
    assert fetch(hs, tmp_path, columns, period, timezone="Asia/Shanghai").num_rows == 1
    assert fetch(hs, tmp_path, columns, period).num_rows == 0


def test_the_pipeline_option_by_label_or_id_filters_the_search(hs, tmp_path):
    deal(hs, "li.si@example.com", 1, stage="9567449", pipeline=CHANNEL)
    deal(hs, "li.si@example.com", 2)
    for wanted in ("渠道销售", CHANNEL):
        table = fetch(hs, tmp_path, {"amount": "number", "stage": "string"}, pipeline=wanted)
        assert table.to_pylist() == [{"amount": Decimal(1), "stage": "赢单"}]
    pipeline_filter = {"propertyName": "pipeline", "operator": "EQ", "value": CHANNEL}
    assert hs.searches()[-1].body["filterGroups"] == [{"filters": [pipeline_filter]}]


def test_more_date_fields_than_the_search_filters_allow_fetch_every_deal(hs, tmp_path):
    deal(hs, "li.si@example.com", 1, closed="2020-01-01T00:00:00Z")
    dates = ["created_on", "closed_on", "contract_signed_on", "first_meeting_on", "renewal_on"]
    columns = {name: "date" for name in dates}
    table = fetch(hs, tmp_path, columns, (date(2025, 1, 1), date(2025, 4, 1)), pipeline="default")
    assert table.num_rows == 1  # the engine filters the period itself
    pipeline_filter = {"propertyName": "pipeline", "operator": "EQ", "value": "default"}
    assert hs.searches()[0].body["filterGroups"] == [{"filters": [pipeline_filter]}]


def test_the_currency_option_fills_deals_without_a_currency_code(hs, tmp_path):
    deal(hs, "li.si@example.com", 1, deal_currency_code="USD")
    deal(hs, "li.si@example.com", 2)
    columns = {"amount": "number", "currency": "string"}
    assert [r["currency"] for r in rows(hs, tmp_path, columns)] == ["USD", None]
    assert [r["currency"] for r in rows(hs, tmp_path, columns, currency="CNY")] == ["USD", "CNY"]


def test_an_unknown_pipeline_names_the_option_and_the_pipelines(hs, tmp_path):
    with pytest.raises(SourceError) as failure:
        fetch(hs, tmp_path, {"amount": "number"}, pipeline="Sales Pipelin")
    assert "HubSpot has no pipeline 'Sales Pipelin' — did you mean 'Sales Pipeline'?" in str(
        failure.value
    )
    assert "check the option pipeline" in str(failure.value)


def test_the_deals_object_may_be_written_0_3(hs, tmp_path):
    deal(hs, "li.si@example.com", 7)
    assert rows(hs, tmp_path, {"amount": "number"}, object="0-3") == [{"amount": Decimal(7)}]
    assert hs.searches()[0].path == "/crm/v3/objects/0-3/search"


def test_an_unknown_object_type_names_the_option(hs, tmp_path):
    with pytest.raises(SourceError, match=r"HubSpot has no object type 'dealz'.*option object"):
        fetch(hs, tmp_path, {"amount": "number"}, object="dealz")


# -- paging and the 10,000 cap -----------------------------------------------------------------


def add_many(mock, count, same_time_every=1, start=0):
    """`count` deals created one second apart, `same_time_every` of them sharing each second."""
    for i in range(start, start + count):
        second = i // same_time_every
        created = f"2025-01-01T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"
        mock.add(amount=str(i), createdate=created)


@pytest.mark.parametrize(
    ("count", "afters"),
    [
        (0, ["0"]),
        (199, ["0"]),
        (200, ["0"]),
        (399, ["0", "199"]),
        (400, ["0", "199", "398"]),
    ],
)
def test_a_page_that_ends_exactly_on_the_limit_is_the_last_one(hs, tmp_path, count, afters):
    add_many(hs, count)
    table = fetch(hs, tmp_path, {"id": "string", "amount": "number"})
    assert table.num_rows == count
    # Each page after the first starts on the previous page's last record (a check it is
    # still there), so pages hold 200, then 199 new records.
    assert [s.body["after"] for s in hs.searches()] == afters


def test_more_than_10000_deals_restart_from_the_last_time_seen_without_duplicates(hs, tmp_path):
    add_many(hs, 10_450, same_time_every=3)
    table = fetch(hs, tmp_path, {"id": "string"})
    ids = table.column("id").to_pylist()
    assert len(ids) == len(set(ids)) == 10_450
    asked = [s.body for s in hs.searches()]
    # A request the client retried (its answer was late on a busy machine) is seen twice in a row.
    bodies = [b for i, b in enumerate(asked) if i == 0 or b != asked[i - 1]]
    assert len(bodies) == 53
    assert [b["after"] for b in bodies].count("0") == 2
    assert max(int(b["after"]) for b in bodies) == 9_751
    # The first query's last record is the 9,951st, created at second 9950 // 3 = 3316.
    restart = str((1735689600 + 3316) * 1000)
    assert bodies[50]["filterGroups"] == [
        {"filters": [{"propertyName": "createdate", "operator": "GTE", "value": restart}]}
    ]


def test_the_mock_answers_400_past_the_10000th_result(hs):
    body = {"limit": 200, "after": "10000", "filterGroups": []}
    answer = httpx.post(
        f"{hs.url}{SEARCH}", json=body, headers={"Authorization": f"Bearer {hs.token}"}
    )
    assert answer.status_code == 400
    assert answer.json()["category"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("ties", [1, 7, 200])
def test_a_lower_cap_restarts_as_often_as_needed(hs, tmp_path, monkeypatch, ties):
    hs.search_cap = 1_000
    monkeypatch.setattr(HubSpotSource, "search_cap", 1_000)
    add_many(hs, 2_600, same_time_every=ties)
    ids = fetch(hs, tmp_path, {"id": "string"}).column("id").to_pylist()
    assert len(ids) == len(set(ids)) == 2_600
    assert all(int(s.body["after"]) + 200 <= 1_000 for s in hs.searches())


def archive_after_first_page(mock, record_id):
    """Archive `record_id` as soon as the first search page has been answered."""
    real_search = mock.search

    def search(object_type, body):
        answer = real_search(object_type, body)
        if body["after"] == "0" and not mock.archived_during_read:
            mock.archived_during_read = True
            mock.archive(record_id, "2025-06-01T00:00:00Z")
        return answer

    mock.archived_during_read = False
    mock.search = search


def test_a_deal_archived_while_the_pages_are_read_makes_no_other_deal_go_missing(hs, tmp_path):
    add_many(hs, 450)
    first = min(hs.records, key=int)
    archive_after_first_page(hs, first)
    ids = set(fetch(hs, tmp_path, {"id": "string"}).column("id").to_pylist())
    assert ids == set(hs.records)  # the archived deal was read before it went
    afters = [s.body["after"] for s in hs.searches()]
    assert afters == ["0", "199", "0", "199"]  # moved results: a new query from the last time


def test_more_deals_than_the_cap_at_one_time_stop_with_a_message(hs, tmp_path, monkeypatch):
    hs.search_cap = 1_000
    monkeypatch.setattr(HubSpotSource, "search_cap", 1_000)
    add_many(hs, 1_200, same_time_every=1_200)
    with pytest.raises(SourceError, match="more than 1,000 HubSpot records share one createdate"):
        fetch(hs, tmp_path, {"id": "string"})
