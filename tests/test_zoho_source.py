"""The zoho source against a local Zoho CRM: auth, fields, paging, COQL periods, faults, errors."""

import logging
from datetime import date
from decimal import Decimal

import pytest
from zoho_server import USERS, ZohoMock, deal, many_deals, quick_policy, serving

from kpiengine import FetchRequest, SourceError
from kpiengine_zoho import ZohoSource

RECORDS = "/crm/v8/Deals"
COQL = "/crm/v8/coql"
USERS_PATH = "/crm/v8/users"
TOKEN = "/oauth/v2/token"
COLUMNS = {"owner": "string", "amount": "number", "stage": "string", "closed_on": "date"}
YEAR = (date(2025, 1, 1), date(2026, 1, 1))


@pytest.fixture
def sleeps(monkeypatch):
    recorded = []
    monkeypatch.setattr(ZohoSource, "retry_policy", quick_policy(recorded))
    return recorded


@pytest.fixture
def zoho(sleeps):
    with serving() as mock:
        mock.add_users(USERS)
        yield mock


def options(mock, **more):
    return {
        "client_id": mock.client_id,
        "client_secret": mock.client_secret,
        "refresh_token": mock.refresh_token,
        "accounts_url": mock.accounts_url,
        **more,
    }


def source(mock, tmp_path, **more):
    return ZohoSource("deals", options(mock, **more), tmp_path)


def fetch(mock, tmp_path, columns=COLUMNS, period=None, **more):
    start, end = period or (None, None)
    dates = frozenset(c for c, kind in columns.items() if kind == "date")
    request = FetchRequest("deals", columns, dates, start, end, tmp_path)
    return source(mock, tmp_path, **more).fetch(request)


def secrets_of(mock):
    return [mock.client_id, mock.client_secret, mock.refresh_token, *mock.issued]


# -- fields and values -------------------------------------------------------------------------


def test_fields_are_the_engine_fields_and_need_no_network(zoho, tmp_path):
    assert source(zoho, tmp_path).fields() == {
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
    assert zoho.requests == []


def test_every_engine_field_comes_typed_from_the_deal(zoho, tmp_path):
    zoho.add_records(
        [
            deal(
                1,
                "zhangsan@example.com",
                125000.5,
                "Closed Won",
                "2025-03-31",
                created="2025-03-01T23:30:00+08:00",
                modified="2025-04-01T08:15:00+05:30",
            )
        ]
    )
    table = fetch(zoho, tmp_path, source(zoho, tmp_path).fields())
    assert table.to_pylist() == [
        {
            "id": "3652397000000100001",
            "name": "Deal 1",
            "owner": "zhangsan@example.com",
            "amount": Decimal("125000.5"),
            "currency": "CNY",
            "stage": "Closed Won",
            "won": True,
            "created_on": date(2025, 3, 1),
            "closed_on": date(2025, 3, 31),
            "modified_at": "2025-04-01T02:45:00Z",
        }
    ]
    assert [str(t) for t in table.schema.types] == [
        "string",
        "string",
        "string",
        "decimal128(38, 6)",
        "string",
        "string",
        "bool",
        "date32[day]",
        "date32[day]",
        "string",
    ]


@pytest.mark.parametrize(
    ("owner_key", "expected"),
    [("email", "lisi@example.com"), ("name", "李四"), ("id", "554023000000235013")],
)
@pytest.mark.parametrize("period", [None, YEAR], ids=["get-records", "coql"])
def test_owner_key_chooses_the_owners_email_name_or_id(zoho, tmp_path, owner_key, expected, period):
    zoho.add_records([deal(1, "lisi@example.com", 10, "Closed Won", "2025-05-05")])
    table = fetch(
        zoho, tmp_path, {"owner": "string", "closed_on": "date"}, period, owner_key=owner_key
    )
    assert table.column("owner").to_pylist() == [expected]


@pytest.mark.parametrize(
    ("won_stages", "expected"),
    [(None, [True, False, False]), (["Closed Won", "Negotiation/Review"], [True, False, True])],
    ids=["probability-100", "won-stages"],
)
def test_won_is_probability_100_unless_won_stages_names_them(zoho, tmp_path, won_stages, expected):
    zoho.add_records(
        [
            deal(1, "lisi@example.com", 10, "Closed Won", "2025-05-05"),
            deal(2, "lisi@example.com", 10, "Closed Lost", "2025-05-05"),
            deal(3, "lisi@example.com", 10, "Negotiation/Review", "2025-05-05"),
        ]
    )
    more = {"won_stages": won_stages} if won_stages else {}
    table = fetch(zoho, tmp_path, {"won": "boolean"}, **more)
    assert table.column("won").to_pylist() == expected
    asked = zoho.seen(RECORDS)[0].query["fields"]
    assert asked == ("Stage" if won_stages else "Probability")


def test_other_zoho_fields_are_read_by_their_api_name(zoho, tmp_path):
    zoho.add_records([deal(3, "lisi@example.com", 10, "Closed Won", "2025-05-05")])
    columns = {"Lead_Source": "string", "Account_Name": "string", "Region__c": "string"}
    row = fetch(zoho, tmp_path, columns).to_pylist()[0]
    assert row == {
        "id": "3652397000000100003",
        "Lead_Source": "Web",
        "Account_Name": "Account 3",
        "Region__c": None,
    }
    assert zoho.seen(RECORDS)[0].query["fields"] == "Lead_Source,Account_Name,Region__c"


def test_numbers_are_exact(zoho, tmp_path):
    zoho.add_records(
        [
            deal(1, "lisi@example.com", Decimal("0.1"), "Closed Won", "2025-05-05"),
            deal(2, "lisi@example.com", Decimal("1234567.891"), "Closed Won", "2025-05-05"),
        ]
    )
    amounts = fetch(zoho, tmp_path, {"amount": "number"}).column("amount").to_pylist()
    assert amounts == [Decimal("0.1"), Decimal("1234567.891")]


def test_a_value_that_is_not_a_number_names_the_record_and_field(zoho, tmp_path):
    zoho.add_records([deal(1, "lisi@example.com", "lots", "Closed Won", "2025-05-05")])
    with pytest.raises(SourceError) as failure:
        fetch(zoho, tmp_path, {"amount": "number"})
    assert str(failure.value) == (
        "source 'deals': record 3652397000000100001 field 'amount' has 'lots', which is not a "
        "number"
    )


# -- auth --------------------------------------------------------------------------------------


def test_the_token_comes_form_encoded_and_calls_go_to_the_api_domain_it_names(zoho, tmp_path):
    zoho.add_records(many_deals(3))
    fetch(zoho, tmp_path)
    grant = zoho.seen(TOKEN, server="accounts")
    assert len(grant) == 1
    assert grant[0].headers["content-type"] == "application/x-www-form-urlencoded"
    assert grant[0].body == {
        "grant_type": "refresh_token",
        "client_id": zoho.client_id,
        "client_secret": zoho.client_secret,
        "refresh_token": zoho.refresh_token,
    }
    assert grant[0].query == {}  # no secret in an address a log could show
    calls = [r for r in zoho.requests if r.server == "api"]
    assert calls and all(
        r.headers["authorization"] == f"Zoho-oauthtoken {zoho.issued[0]}" for r in calls
    )


def test_an_accounts_url_with_a_trailing_slash_works(zoho, tmp_path):
    zoho.add_records(many_deals(2))
    assert fetch(zoho, tmp_path, accounts_url=zoho.accounts_url + "/").num_rows == 2
    assert len(zoho.seen(TOKEN, server="accounts")) == 1


def test_an_api_domain_that_is_no_address_is_refused(zoho, tmp_path):
    zoho.api_domain = "zohoapis.com"
    with pytest.raises(SourceError, match="without a usable api_domain"):
        fetch(zoho, tmp_path)


@pytest.mark.parametrize(
    ("wrong", "expected"),
    [
        ({"refresh_token": "1000.revoked-token-xyz"}, "the Zoho refresh token of source 'deals'"),
        ({"client_id": "1000.OTHERCLIENT"}, "Zoho does not know the client id"),
        ({"client_secret": "wrong-secret-value"}, "Zoho refused the client secret"),
    ],
    ids=["invalid_code", "invalid_client", "invalid_client_secret"],
)
def test_refused_credentials_stop_at_once_naming_what_to_check(
    zoho, tmp_path, sleeps, wrong, expected
):
    with pytest.raises(SourceError) as failure:
        fetch(zoho, tmp_path, **wrong)
    assert expected in str(failure.value)
    assert len(zoho.requests) == 1 and sleeps == []
    for secret in [*secrets_of(zoho), *wrong.values()]:
        assert secret not in str(failure.value)


def test_a_token_endpoint_outage_is_retried(zoho, tmp_path, sleeps):
    zoho.add_records(many_deals(2))
    zoho.inject(server="accounts", status=503, times=2)
    assert fetch(zoho, tmp_path).num_rows == 2
    assert len(zoho.seen(TOKEN, server="accounts")) == 3 and len(sleeps) == 2


def test_too_many_token_requests_say_to_wait_ten_minutes(tmp_path, sleeps):
    with serving(ZohoMock(token_limit=0)) as mock:
        with pytest.raises(SourceError, match="wait 10 minutes and run again"):
            fetch(mock, tmp_path)
        assert len(mock.requests) == 1


def test_a_token_expiring_mid_run_is_refreshed_once_and_the_page_token_still_works(
    zoho, tmp_path, sleeps
):
    zoho.add_records(many_deals(2201))
    zoho.inject(path=RECORDS, skip=10, expire_tokens=True)  # at the first page_token request
    table = fetch(zoho, tmp_path, {"amount": "number"})
    assert table.num_rows == 2201
    assert len(zoho.issued) == 2 and sleeps == []
    calls = zoho.seen(RECORDS)
    assert [r.query.get("page_token", "").startswith("pt") for r in calls[-3:]] == [True] * 3
    assert calls[-1].headers["authorization"] == f"Zoho-oauthtoken {zoho.issued[1]}"


def test_a_token_refused_again_after_the_refresh_stops_with_a_message(zoho, tmp_path):
    zoho.add_records(many_deals(3))
    zoho.inject(
        path=RECORDS, code="INVALID_TOKEN", status=401, message="invalid oauth token", times=2
    )
    with pytest.raises(SourceError) as failure:
        fetch(zoho, tmp_path)
    assert "Zoho CRM refused the access token issued for source 'deals'" in str(failure.value)
    assert "accounts_url" in str(failure.value)
    assert len(zoho.issued) == 2


# -- paging (Get Records) ----------------------------------------------------------------------


def test_pages_of_200_go_by_number_to_2000_then_by_page_token(zoho, tmp_path):
    zoho.add_records(many_deals(2201))
    assert fetch(zoho, tmp_path).num_rows == 2201
    calls = zoho.seen(RECORDS)
    assert [r.query.get("page") for r in calls] == [str(p) for p in range(1, 11)] + [None] * 2
    assert [r.query.get("page_token") for r in calls[10:]] == ["pt000011x2000", "pt000012x2200"]
    assert {r.query["per_page"] for r in calls} == {"200"}
    assert {(r.query["sort_by"], r.query["sort_order"]) for r in calls} == {("id", "asc")}
    assert {r.query["fields"] for r in calls} == {"Owner,Amount,Stage,Closing_Date"}


@pytest.mark.parametrize(
    ("count", "requests", "tokens"),
    [(1, 1, 0), (200, 1, 0), (201, 2, 0), (2000, 10, 0), (2001, 11, 1), (2200, 11, 1)],
)
def test_a_page_that_ends_exactly_on_the_limit_is_the_last(zoho, tmp_path, count, requests, tokens):
    zoho.add_records(many_deals(count))
    table = fetch(zoho, tmp_path)
    assert table.num_rows == count
    assert len(set(table.column("id").to_pylist())) == count
    calls = zoho.seen(RECORDS)
    assert len(calls) == requests
    assert sum("page_token" in r.query for r in calls) == tokens


def test_no_records_is_http_204_and_an_empty_typed_table(zoho, tmp_path):
    table = fetch(zoho, tmp_path)
    assert table.num_rows == 0
    assert table.column_names == ["id", *COLUMNS]
    assert str(table.schema.field("amount").type) == "decimal128(38, 6)"
    assert len(zoho.seen(RECORDS)) == 1


def test_an_expired_page_token_asks_to_run_again(zoho, tmp_path):
    zoho.add_records(many_deals(2001))
    zoho.inject(path=RECORDS, skip=10, code="EXPIRED_VALUE", message="the page token has expired")
    with pytest.raises(SourceError, match=r"page token expired .*EXPIRED_VALUE.*run again"):
        fetch(zoho, tmp_path)


# -- the period, pushed down as a COQL query ---------------------------------------------------


def test_the_period_is_a_coql_query_for_deals_closed_or_created_in_it(zoho, tmp_path):
    zoho.add_records(
        [
            deal(
                1,
                "lisi@example.com",
                1,
                "Closed Won",
                "2025-02-10",
                created="2024-11-01T09:00:00+08:00",
            ),
            deal(
                2, "lisi@example.com", 2, "Qualification", None, created="2025-03-31T23:00:00+08:00"
            ),
            deal(
                3,
                "lisi@example.com",
                3,
                "Closed Won",
                "2025-04-01",
                created="2025-04-02T00:30:00+08:00",
            ),
            deal(
                4,
                "lisi@example.com",
                4,
                "Closed Won",
                "2024-12-31",
                created="2024-12-01T00:00:00+08:00",
            ),
        ]
    )
    columns = {"amount": "number", "closed_on": "date", "created_on": "date"}
    table = fetch(zoho, tmp_path, columns, (date(2025, 1, 1), date(2025, 4, 1)))
    # 1 closed in Q1, 2 created in Q1; 3 is the widened created window's spare (the engine
    # drops it); 4 is outside on both dates.
    assert table.column("amount").to_pylist() == [1, 2, 3]
    assert [r.body for r in zoho.seen(COQL)] == [
        {
            "select_query": "select id, Amount, Closing_Date, Created_Time from Deals where "
            "((Closing_Date >= '2025-01-01' and Closing_Date < '2025-04-01') or "
            "(Created_Time >= '2024-12-31T00:00:00+00:00' and "
            "Created_Time < '2025-04-02T00:00:00+00:00')) order by id asc limit 2000 offset 0"
        }
    ]
    assert zoho.seen(RECORDS) == []


def test_a_period_on_the_closing_date_only_returns_nothing_outside_it(zoho, tmp_path):
    zoho.add_records(many_deals(300))
    period = (date(2025, 4, 1), date(2025, 7, 1))
    days = fetch(zoho, tmp_path, COLUMNS, period).column("closed_on").to_pylist()
    assert len(days) == 75 and all(period[0] <= d < period[1] for d in days)


@pytest.mark.parametrize(("count", "calls"), [(4000, 2), (4001, 3), (0, 1)])
def test_coql_pages_hold_2000_rows_and_follow_the_offset(zoho, tmp_path, count, calls):
    zoho.add_records(many_deals(count))
    assert fetch(zoho, tmp_path, COLUMNS, YEAR).num_rows == count
    queries = [r.body["select_query"] for r in zoho.seen(COQL)]
    assert len(queries) == calls
    assert [q.rsplit("offset ", 1)[1] for q in queries] == [str(2000 * i) for i in range(calls)]


def test_v6_pages_coql_by_200(zoho, tmp_path):
    zoho.add_records(many_deals(450))
    table = fetch(zoho, tmp_path, COLUMNS, YEAR, api_version="v6")
    assert table.num_rows == 450
    calls = zoho.seen("/crm/v6/coql")
    assert [c.body["select_query"].split("order by id asc ")[1] for c in calls] == [
        "limit 200 offset 0",
        "limit 200 offset 200",
        "limit 200 offset 400",
    ]


def test_coql_owners_are_resolved_through_the_users_once(zoho, tmp_path):
    zoho.add_records(many_deals(8))
    owners = fetch(zoho, tmp_path, COLUMNS, YEAR).column("owner").to_pylist()
    assert owners == [u["email"] for u in USERS] * 2  # the deactivated user's deals too
    assert [r.query["type"] for r in zoho.seen(USERS_PATH)] == ["ActiveUsers", "DeactiveUsers"]


def test_coql_owners_by_id_need_no_users(zoho, tmp_path):
    zoho.add_records(many_deals(4))
    fetch(zoho, tmp_path, COLUMNS, YEAR, owner_key="id")
    assert zoho.seen(USERS_PATH) == []


def test_an_owner_who_is_not_a_user_leaves_the_owner_empty_with_a_note(zoho, tmp_path):
    gone = deal(1, "lisi@example.com", 10, "Closed Won", "2025-05-05")
    gone["Owner"] = {"name": "Ex Employee", "id": "554023000000299999", "email": "ex@example.com"}
    zoho.add_records([gone])
    zoho_source = source(zoho, tmp_path)
    request = FetchRequest("deals", COLUMNS, frozenset({"closed_on"}), *YEAR, tmp_path)
    assert zoho_source.fetch(request).column("owner").to_pylist() == [None]
    assert zoho_source.notes == [
        "source 'deals': 1 owner(s) of records are not among the Zoho users "
        "(ids 554023000000299999); those records have no owner"
    ]


def test_a_custom_date_column_turns_the_pushdown_off_so_nothing_is_lost(zoho, tmp_path):
    zoho.add_records(
        [deal(1, "lisi@example.com", 10, "Closed Won", "2020-01-01", Contract_Date__c="2025-05-05")]
    )
    columns = {"closed_on": "date", "Contract_Date__c": "date"}
    table = fetch(zoho, tmp_path, columns, YEAR)
    assert table.column("Contract_Date__c").to_pylist() == [date(2025, 5, 5)]
    assert zoho.seen(COQL) == [] and len(zoho.seen(RECORDS)) == 1


# -- faults ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        {"code": "TOO_MANY_REQUESTS", "status": 429, "message": "too many requests"},
        {"code": "INTERNAL_ERROR", "status": 500, "message": "Internal Server Error"},
        {"status": 502, "body": "<html>Bad Gateway</html>"},
        {"status": 503},
    ],
    ids=["too-many-requests", "internal-error", "http-502", "http-503"],
)
@pytest.mark.parametrize("period", [None, YEAR], ids=["get-records", "coql"])
def test_rate_limits_and_server_errors_wait_and_retry(zoho, tmp_path, sleeps, fault, period):
    zoho.add_records(many_deals(450))
    zoho.inject(path=COQL if period else RECORDS, times=2, **fault)
    assert fetch(zoho, tmp_path, COLUMNS, period).num_rows == 450
    assert len(sleeps) == 2


def test_a_timeout_is_retried(zoho, tmp_path):
    zoho.add_records(many_deals(5))
    zoho.inject(path=RECORDS, delay=0.6)
    assert fetch(zoho, tmp_path, timeout=0.2).num_rows == 5
    assert len(zoho.seen(RECORDS)) == 2


def test_a_lasting_rate_limit_gives_up_after_the_attempts_with_a_message(zoho, tmp_path, sleeps):
    zoho.inject(path=RECORDS, code="TOO_MANY_REQUESTS", status=429, times=50)
    with pytest.raises(SourceError) as failure:
        fetch(zoho, tmp_path)
    assert str(failure.value).startswith(
        "source 'deals': Zoho CRM still failed after 4 attempts (Zoho CRM answered "
        "TOO_MANY_REQUESTS to source 'deals'"
    )
    assert len(zoho.seen(RECORDS)) == 4


def test_spent_credits_stop_at_once_without_retrying(tmp_path, sleeps):
    with serving(ZohoMock(credits=3)) as mock:
        mock.add_records(many_deals(1000))
        with pytest.raises(SourceError) as failure:
            fetch(mock, tmp_path)
        assert len(mock.seen(RECORDS)) == 4
    assert "used up its API credits for the last 24 hours" in str(failure.value)
    assert sleeps == []


def test_credits_running_low_do_not_stop_a_run(tmp_path, sleeps):
    with serving(ZohoMock(credits=12)) as mock:
        mock.add_records(many_deals(2001))
        assert fetch(mock, tmp_path).num_rows == 2001
    assert sleeps == []


# -- refusals name what to fix -----------------------------------------------------------------


def test_an_unknown_module_names_the_option(zoho, tmp_path):
    with pytest.raises(SourceError) as failure:
        fetch(zoho, tmp_path, module="Deal")
    assert "Zoho CRM has no module 'Deal' (INVALID_MODULE) — check the option module" in str(
        failure.value
    )


@pytest.mark.parametrize("period", [None, YEAR], ids=["get-records", "coql"])
def test_an_unknown_field_names_it_and_the_fields_mapping(zoho, tmp_path, period):
    zoho.add_records(many_deals(2))
    with pytest.raises(SourceError) as failure:
        fetch(zoho, tmp_path, {"Regoin__c": "string", "closed_on": "date"}, period)
    assert "Regoin__c" in str(failure.value)
    assert "sources.deals.fields" in str(failure.value)


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("OAUTH_SCOPE_MISMATCH", 401, "lacks a scope this needs (OAUTH_SCOPE_MISMATCH)"),
        ("NO_PERMISSION", 403, "may not read the module 'Deals'"),
    ],
)
def test_missing_scopes_and_permissions_say_so(zoho, tmp_path, code, status, expected):
    zoho.inject(path=RECORDS, code=code, status=status, times=2)
    with pytest.raises(SourceError) as failure:
        fetch(zoho, tmp_path)
    assert expected in str(failure.value)


def test_more_than_49_fields_are_refused_before_any_request(zoho, tmp_path):
    columns = {f"Field_{i}": "string" for i in range(50)}
    with pytest.raises(SourceError, match=r"asks Zoho for 50 fields.*sources\.deals\.fields"):
        fetch(zoho, tmp_path, columns)
    assert zoho.requests == []


# -- secrets -----------------------------------------------------------------------------------


def test_secrets_and_access_tokens_echoed_by_a_server_never_reach_messages_or_logs(
    zoho, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    zoho.add_records(many_deals(3))
    zoho.inject(path=RECORDS, code="INVALID_DATA", message="unexpected header {auth}")
    with pytest.raises(SourceError) as failure:
        fetch(zoho, tmp_path)
    assert "unexpected header Zoho-oauthtoken ***" in str(failure.value)
    for secret in secrets_of(zoho):
        assert secret not in str(failure.value)
        assert secret not in caplog.text


def test_a_token_endpoint_echoing_the_form_never_shows_the_secrets(zoho, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    zoho.inject(
        server="accounts",
        status=200,
        kind="application/json",
        body='{"error": "strange request {body}"}',
    )
    with pytest.raises(SourceError) as failure:
        fetch(zoho, tmp_path)
    assert "Zoho accounts refused an access token for source 'deals' (strange request" in str(
        failure.value
    )
    for secret in secrets_of(zoho):
        assert secret not in str(failure.value)
        assert secret not in caplog.text
