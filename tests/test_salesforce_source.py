"""The salesforce source against a local org: engine fields, paging, pushdown, faults, errors."""

import logging
from datetime import date
from decimal import Decimal

import pytest
from salesforce_server import MockOrg, deal, quick_policy, serving

from kpiengine import FetchRequest, SourceError
from kpiengine_salesforce import SalesforceSource

QUERY = "/services/data/v62.0/query"
ENGINE = {
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
COLUMNS = {"owner": "string", "amount": "number", "stage": "string", "closed_on": "date"}


@pytest.fixture
def sleeps(monkeypatch):
    recorded = []
    monkeypatch.setattr(SalesforceSource, "retry_policy", quick_policy(recorded))
    return recorded


@pytest.fixture
def org(sleeps):
    with serving() as mock:
        mock.rep = mock.add_user("张三", "zhangsan@acme.example")
        yield mock


def deals(org, count, start=0):
    for i in range(start, start + count):
        deal(org, org.rep, 100 + i, "Closed Won", f"2025-{i % 12 + 1:02d}-15")


def source(org, tmp_path, **options):
    base = {"instance_url": org.url, "client_id": org.client_id, "client_secret": org.client_secret}
    return SalesforceSource("deals", {**base, **options}, tmp_path)


def fetch(org, tmp_path, columns=COLUMNS, period=None, dates=frozenset(), **options):
    start, end = period or (None, None)
    request = FetchRequest("deals", columns, frozenset(dates), start, end, tmp_path)
    return source(org, tmp_path, **options).fetch(request)


def failure_of(org, tmp_path, **kwargs):
    with pytest.raises(SourceError) as failure:
        fetch(org, tmp_path, **kwargs)
    return str(failure.value)


# -- the engine's fields -----------------------------------------------------------------------


def test_engine_fields_come_typed_from_the_standard_fields(org, tmp_path):
    record = deal(
        org,
        org.rep,
        "125000.5",
        "Closed Won",
        "2025-03-31",
        CreatedDate="2025-03-01T16:30:00.000+0000",
        SystemModstamp="2025-04-02T08:15:30.250+0000",
        CurrencyIsoCode="USD",
    )
    table = fetch(org, tmp_path, ENGINE)
    assert table.to_pylist() == [
        {
            "id": record["Id"],
            "name": record["Name"],
            "owner": "zhangsan@acme.example",
            "amount": Decimal("125000.5"),
            "currency": "USD",
            "stage": "Closed Won",
            "won": True,
            "created_on": date(2025, 3, 1),
            "closed_on": date(2025, 3, 31),
            "modified_at": "2025-04-02T08:15:30.250Z",
        }
    ]
    assert [str(t) for t in table.schema.types] == [
        *["string"] * 3,
        "decimal128(38, 6)",
        *["string"] * 2,
        "bool",
        *["date32[day]"] * 2,
        "string",
    ]


def test_without_requested_columns_every_engine_field_comes(org, tmp_path):
    deals(org, 1)
    assert fetch(org, tmp_path, {}).column_names == list(ENGINE)


def test_fields_lists_the_engine_fields_without_any_request(org, tmp_path):
    assert source(org, tmp_path).fields() == ENGINE
    assert org.requests == []


@pytest.mark.parametrize(
    ("owner_key", "path", "expected"),
    [("email", "Owner.Email", "zhangsan@acme.example"), ("name", "Owner.Name", "张三")],
)
def test_the_owner_is_read_through_the_user_it_points_to(org, tmp_path, owner_key, path, expected):
    deals(org, 1)
    table = fetch(org, tmp_path, {"owner": "string"}, owner_key=owner_key)
    assert table.column("owner").to_pylist() == [expected]
    assert org.queries[0].startswith(f"SELECT Id, {path} FROM Opportunity")


def test_owner_key_id_gives_the_user_id(org, tmp_path):
    deals(org, 1)
    table = fetch(org, tmp_path, {"owner": "string"}, owner_key="id")
    assert table.column("owner").to_pylist() == [org.rep]
    assert org.queries[0].startswith("SELECT Id, OwnerId FROM")


def test_other_fields_are_read_by_api_name_and_relationship_path(org, tmp_path):
    deal(org, org.rep, 1, "Closed Won", "2025-01-01", Region__c="华东", Signed_On__c="2025-01-03")
    columns = {"region__c": "string", "Signed_On__c": "date", "Owner.Name": "string"}
    assert fetch(org, tmp_path, columns).to_pylist() == [
        {"region__c": "华东", "Signed_On__c": date(2025, 1, 3), "Owner.Name": "张三"}
    ]


def test_an_empty_amount_is_empty_not_zero(org, tmp_path):
    deal(org, org.rep, None, "Prospecting", "2025-01-01")
    assert fetch(org, tmp_path, {"amount": "number"}).column(0).to_pylist() == [None]


def test_no_records_give_an_empty_table_with_typed_columns(org, tmp_path):
    table = fetch(org, tmp_path, ENGINE)
    assert table.num_rows == 0
    assert str(table.schema.field("amount").type) == "decimal128(38, 6)"


def test_created_on_is_the_day_in_the_timezone_option(org, tmp_path):
    deal(org, org.rep, 1, "Closed Won", "2025-04-01", CreatedDate="2025-03-31T16:30:00.000+0000")
    utc = fetch(org, tmp_path, {"created_on": "date"})
    shanghai = fetch(org, tmp_path, {"created_on": "date"}, timezone="Asia/Shanghai")
    assert utc.column(0).to_pylist() == [date(2025, 3, 31)]
    assert shanghai.column(0).to_pylist() == [date(2025, 4, 1)]


def test_a_single_currency_org_takes_its_currency_from_the_option(tmp_path, sleeps):
    with serving(MockOrg(multi_currency=False)) as org:
        rep = org.add_user("Li", "li@acme.example")
        deal(org, rep, 10, "Closed Won", "2025-01-01")
        table = fetch(org, tmp_path, {"currency": "string", "amount": "number"}, currency="CNY")
        assert table.column("currency").to_pylist() == ["CNY"]
        assert all("CurrencyIsoCode" not in q for q in org.queries)


def test_a_single_currency_org_without_the_option_leaves_currency_empty_and_says_so(
    tmp_path, sleeps
):
    with serving(MockOrg(multi_currency=False)) as org:
        rep = org.add_user("Li", "li@acme.example")
        deal(org, rep, 10, "Closed Won", "2025-01-01")
        src = source(org, tmp_path)
        request = FetchRequest("deals", {"currency": "string"}, frozenset(), None, None, tmp_path)
        assert src.fetch(request).column(0).to_pylist() == [None]
    assert src.notes == [
        "source 'deals': this Salesforce org has a single currency (no CurrencyIsoCode), so "
        "currency is empty — set the option currency (e.g. CNY)"
    ]


def test_a_value_of_the_wrong_kind_names_the_record_and_field(org, tmp_path):
    record = deal(org, org.rep, 1, "Closed Won", "2025-01-01", Region__c="north")
    message = failure_of(org, tmp_path, columns={"Region__c": "number"})
    assert message == (
        f"source 'deals': Salesforce record {record['Id']} field Region__c ('Region__c') has "
        "'north', which is not a number"
    )


# -- paging ------------------------------------------------------------------------------------


def test_pages_of_2000_follow_next_records_url_until_done(org, tmp_path):
    deals(org, 4001)
    table = fetch(org, tmp_path, {"id": "string", "amount": "number"})
    assert table.num_rows == 4001
    assert len(set(table.column("id").to_pylist())) == 4001
    pages = org.seen(QUERY)
    assert [p.path for p in pages[1:]] == [
        pages[1].path.rsplit("-", 1)[0] + "-2000",
        pages[1].path.rsplit("-", 1)[0] + "-4000",
    ]
    assert [p.query for p in pages[1:]] == [{}, {}]  # a nextRecordsUrl is fetched as it is


def test_a_last_page_that_ends_exactly_on_the_limit_is_the_last_request(org, tmp_path):
    deals(org, 4000)
    assert fetch(org, tmp_path, {"id": "string"}).num_rows == 4000
    assert len(org.seen(QUERY)) == 2


@pytest.mark.parametrize(("size", "count", "requests"), [(200, 400, 2), (200, 401, 3), (500, 0, 1)])
def test_the_page_size_the_org_answers_with_is_followed(tmp_path, sleeps, size, count, requests):
    with serving(MockOrg(page_size=size)) as org:
        org.rep = org.add_user("Li", "li@acme.example")
        deals(org, count)
        assert fetch(org, tmp_path, {"id": "string"}).num_rows == count
        assert len(org.seen(QUERY)) == requests


def test_a_next_records_url_to_another_place_is_not_followed(org, tmp_path):
    deals(org, 1)
    body = (
        '{"totalSize": 2, "done": false, "records": [], "nextRecordsUrl": "https://evil.example/x"}'
    )
    org.inject(path=QUERY, status=200, body=body)
    assert "not done but has no nextRecordsUrl" in failure_of(org, tmp_path)
    assert len(org.seen(QUERY)) == 1


# -- the period and `where`, pushed down ----------------------------------------------------------


def test_the_period_is_pushed_down_on_close_and_created_dates_ored(org, tmp_path):
    deal(org, org.rep, 1, "Closed Won", "2025-05-10", CreatedDate="2025-01-02T00:00:00.000+0000")
    deal(org, org.rep, 2, "Closed Won", "2025-08-10", CreatedDate="2025-04-02T00:00:00.000+0000")
    deal(org, org.rep, 3, "Closed Won", "2025-09-10", CreatedDate="2025-07-02T00:00:00.000+0000")
    table = fetch(
        org,
        tmp_path,
        {"amount": "number", "created_on": "date", "closed_on": "date"},
        period=(date(2025, 4, 1), date(2025, 7, 1)),
        dates={"created_on", "closed_on"},
        timezone="Asia/Shanghai",
    )
    assert table.column("amount").to_pylist() == [Decimal(1), Decimal(2)]
    assert org.queries[0].endswith(
        "WHERE ((CloseDate >= 2025-04-01 AND CloseDate < 2025-07-01) OR "
        "(CreatedDate >= 2025-03-31T16:00:00Z AND CreatedDate < 2025-06-30T16:00:00Z)) "
        "ORDER BY Id"
    )


def test_a_date_field_of_unknown_type_pushes_nothing_down(org, tmp_path):
    deals(org, 3)
    columns = {"Signed_On__c": "date", "amount": "number"}
    table = fetch(
        org, tmp_path, columns, period=(date(2025, 2, 1), date(2025, 3, 1)), dates={"Signed_On__c"}
    )
    assert table.num_rows == 3
    assert "WHERE" not in org.queries[0]


def test_where_is_appended_with_and_in_parentheses(org, tmp_path):
    deal(org, org.rep, 1, "Closed Won", "2025-02-01", Type="New Business")
    deal(org, org.rep, 2, "Closed Won", "2025-02-01", Type="Renewal")
    deal(org, org.rep, 3, "Closed Won", "2024-02-01", Type="New Business")
    table = fetch(
        org,
        tmp_path,
        {"amount": "number", "closed_on": "date"},
        period=(date(2025, 1, 1), date(2026, 1, 1)),
        dates={"closed_on"},
        where="Type = 'New Business' OR Type = 'Upsell'",
    )
    assert table.column("amount").to_pylist() == [Decimal(1)]
    assert (
        "WHERE (CloseDate >= 2025-01-01 AND CloseDate < 2026-01-01) AND (Type = 'New "
        in (org.queries[0])
    )


@pytest.mark.parametrize(
    ("where", "problem"),
    [
        ("WHERE Amount > 0", "write the condition without the word WHERE"),
        ("Amount > 0) OR (Name != null", "a ')' closes a parenthesis that was never opened"),
        ("(Amount > 0", "a '(' is never closed"),
        ("Name = 'Acme", "a 'quoted text' is not closed"),
        ("Amount > 0 ORDER BY Amount", "it may hold a condition only, not ORDER"),
        ("Amount > 0 LIMIT 5", "it may hold a condition only, not LIMIT"),
        ("Amount > 0; DELETE", "a condition has no semicolon"),
        ('Type = "Renewal"', "single quotes"),
        ("Type ＝ ‘Renewal’", "full-width punctuation outside quotes (‘ → ', ’ → ', ＝ → =)"),
        ("Amount", "it compares nothing"),
        ("   ", "it is empty"),
    ],
)
def test_an_unusable_where_is_refused_before_any_request(org, tmp_path, where, problem):
    with pytest.raises(SourceError) as failure:
        source(org, tmp_path, where=where).fields()
    assert problem in str(failure.value)
    assert "source 'deals': the option where is not a usable SOQL condition" in str(failure.value)
    assert org.requests == []


@pytest.mark.parametrize(
    "where",
    [
        "Type = 'a; b (c' AND Name LIKE 'O''Brien%'".replace("''", "\\'"),
        "Id IN (SELECT OpportunityId FROM OpportunityLineItem WHERE Quantity > 1)",
        "CloseDate = LAST_N_DAYS:30",
        "NOT (IsWon = false)",
    ],
)
def test_a_sane_where_passes_the_check(org, tmp_path, where):
    assert source(org, tmp_path, where=where).fields() == ENGINE


# -- errors that name what to fix -----------------------------------------------------------------


def test_a_field_the_object_does_not_have_names_the_fields_mapping(org, tmp_path):
    message = failure_of(org, tmp_path, columns={"Regoin__c": "string"})
    assert message.startswith(
        "Salesforce Opportunity has no field 'Regoin__c' (No such column 'Regoin__c' on entity "
        "'Opportunity'."
    )
    assert message.endswith("— check sources.deals.fields")


def test_a_field_in_where_that_does_not_exist_names_the_option_where(org, tmp_path):
    message = failure_of(org, tmp_path, where="Stage__c = 'x'")
    assert "has no field 'Stage__c'" in message and message.endswith("— check the option where")


def test_an_engine_field_missing_on_another_object_says_to_map_it(org, tmp_path):
    org.records["Deal__c"] = []
    org.fields_of = lambda sobject: {"Id": "id", "Name": "string"}
    message = failure_of(org, tmp_path, columns={"amount": "number"}, object="Deal__c")
    assert message.endswith(
        "— check the engine field 'amount': map it to a field of Deal__c in "
        "sources.deals.fields, or check the option object"
    )


def test_a_query_salesforce_cannot_read_names_the_option_where(org, tmp_path):
    message = failure_of(org, tmp_path, where="Amount = = 5")
    assert message.startswith("Salesforce could not read the query of source 'deals' (MALFORMED")
    assert message.endswith("— check the option where")


def test_an_object_that_does_not_exist_names_the_option_object(org, tmp_path):
    message = failure_of(org, tmp_path, object="Dael__c")
    assert message.startswith("Salesforce has no object 'Dael__c' that source 'deals''s user")
    assert message.endswith("— check the option object")


def test_an_api_version_the_org_does_not_have_names_the_option(org, tmp_path):
    message = failure_of(org, tmp_path, api_version="v20.0")
    assert "check the options api_version ('v20.0') and instance_url" in message


def test_api_version_may_be_written_without_the_v(org, tmp_path):
    deals(org, 1)
    assert fetch(org, tmp_path, api_version="61.0").num_rows == 1
    assert org.seen("/services/data/v61.0/query")


# -- faults ------------------------------------------------------------------------------------


def test_an_expired_session_mid_run_signs_in_again_once_and_continues(org, tmp_path):
    deals(org, 4500)
    org.inject(path="/query/", expire_session=True)  # as page 2 is asked for
    table = fetch(org, tmp_path, {"id": "string"})
    assert table.num_rows == 4500
    assert len(org.token_requests) == 2
    statuses = [r.headers["authorization"] for r in org.seen(QUERY)]
    assert len(statuses) == 4  # page 1, page 2 refused, page 2 again, page 3
    assert statuses[1] != statuses[2] and statuses[2] == statuses[3]


def test_a_session_refused_again_after_signing_in_stops(org, tmp_path, sleeps):
    deals(org, 1)
    expired = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    org.inject(path=QUERY, status=401, errors=expired, times=2)
    message = failure_of(org, tmp_path)
    assert message.startswith(
        "Salesforce refused the session of source 'deals' even after signing in again "
        "(INVALID_SESSION_ID: Session expired or invalid)"
    )
    assert len(org.token_requests) == 2 and sleeps == []


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 429, "body": "Too Many Requests"},
        {"status": 500, "errors": [{"message": "An unexpected error", "errorCode": "UNKNOWN"}]},
        {"status": 502, "body": "<html>Bad Gateway</html>"},
        {"status": 503, "errors": [{"message": "down", "errorCode": "SERVER_UNAVAILABLE"}]},
    ],
    ids=["429", "500", "502", "503"],
)
def test_rate_limits_and_server_errors_wait_and_retry(org, tmp_path, sleeps, fault):
    deals(org, 2500)
    org.inject(path="/query/", times=2, **fault)
    assert fetch(org, tmp_path, {"id": "string"}).num_rows == 2500
    assert len(sleeps) == 2 and all(s >= 1.0 for s in sleeps)


def test_retry_after_is_honoured(org, tmp_path, sleeps):
    deals(org, 1)
    org.inject(path=QUERY, status=429, retry_after="7")
    fetch(org, tmp_path)
    assert sleeps == [7.0]


def test_a_timeout_is_retried(org, tmp_path):
    deals(org, 3)
    org.inject(path=QUERY, delay=0.6)
    assert fetch(org, tmp_path, timeout=0.2).num_rows == 3
    assert len(org.seen(QUERY)) == 2


def test_a_lasting_outage_stops_after_the_attempts(org, tmp_path):
    org.inject(path=QUERY, status=503, times=50)
    message = failure_of(org, tmp_path)
    assert message.startswith("source 'deals': Salesforce still failed after 4 attempts")
    assert len(org.seen(QUERY)) == 4


def test_the_daily_api_limit_stops_at_once_saying_so(tmp_path, sleeps):
    with serving(MockOrg(api_limit=2)) as org:
        org.rep = org.add_user("Li", "li@acme.example")
        deals(org, 4500)
        message = failure_of(org, tmp_path, columns={"id": "string"})
        assert len(org.seen(QUERY)) == 3
    assert message.startswith(
        "the Salesforce org's daily API request limit is spent (REQUEST_LIMIT_EXCEEDED: "
        "TotalRequests Limit exceeded.); source 'deals' stops here without retrying"
    )
    assert sleeps == []


# -- secrets -----------------------------------------------------------------------------------


def test_a_secret_echoed_by_the_token_endpoint_never_reaches_the_message_or_logs(
    org, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    echo = {"error": "invalid_request", "error_description": "bad request {form}"}
    org.inject(path="/oauth2/token", status=400, errors=echo)
    message = failure_of(org, tmp_path)
    assert "client_secret=***" in message
    for secret in (org.client_secret, org.client_id):
        assert secret not in message and secret not in caplog.text


def test_the_session_token_echoed_by_the_api_never_reaches_the_message_or_logs(
    org, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    org.inject(path=QUERY, status=400, errors=[{"message": "header {auth}", "errorCode": "X"}])
    message = failure_of(org, tmp_path)
    assert "header Bearer ***" in message
    assert org.issued and all(t not in message + caplog.text for t in org.issued)
