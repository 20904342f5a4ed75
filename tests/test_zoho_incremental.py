"""Incremental refresh: records modified since a snapshot (If-Modified-Since), deletions, merge."""

from datetime import UTC, date, datetime

import pytest
from zoho_server import USERS, deal, many_deals, quick_policy, serving

from kpiengine import FetchRequest, SourceError
from kpiengine.data.incremental import merge
from kpiengine_zoho import ZohoSource

RECORDS = "/crm/v8/Deals"
DELETED = "/crm/v8/Deals/deleted"
COLUMNS = {"owner": "string", "amount": "number", "closed_on": "date", "modified_at": "string"}
SINCE = datetime(2025, 6, 1, 0, 1, 0, tzinfo=UTC)


@pytest.fixture
def zoho(monkeypatch):
    monkeypatch.setattr(ZohoSource, "retry_policy", quick_policy())
    with serving() as mock:
        mock.add_users(USERS)
        mock.add_records(many_deals(300))  # modified 2025-06-01T00:00:00–59Z
        # deleted before any snapshot: never reported as a change
        mock.delete(mock.modules["Deals"][6]["id"], "2025-05-01T00:00:00+00:00")
        yield mock


def make_source(mock, tmp_path):
    options = {
        "client_id": mock.client_id,
        "client_secret": mock.client_secret,
        "refresh_token": mock.refresh_token,
        "accounts_url": mock.accounts_url,
    }
    return ZohoSource("deals", options, tmp_path)


def request(tmp_path):
    return FetchRequest(
        "deals", COLUMNS, frozenset({"closed_on"}), date(2025, 1, 1), date(2026, 1, 1), tmp_path
    )


def by_id(table):
    return sorted(table.to_pylist(), key=lambda r: r["id"])


def change_things(mock):
    row = next(r for r in mock.modules["Deals"] if r["id"].endswith("0005"))
    row.update(Amount=99999, Modified_Time="2025-06-02T10:00:00+08:00")
    mock.add_records(
        [
            deal(
                1000,
                "lisi@example.com",
                500,
                "Closed Won",
                "2025-06-30",
                modified="2025-06-02T01:00:00+00:00",
            )
        ]
    )
    gone = next(r for r in mock.modules["Deals"] if r["id"].endswith("0007"))
    mock.delete(gone["id"], "2025-06-02T03:00:00+00:00")
    return gone["id"]


def test_changes_merged_into_the_snapshot_equal_a_fresh_fetch(zoho, tmp_path):
    source = make_source(zoho, tmp_path)
    snapshot = source.fetch(request(tmp_path))
    gone = change_things(zoho)
    changes = source.fetch_changes(request(tmp_path), SINCE)
    assert {r["id"][-4:] for r in changes.upserts.to_pylist()} == {"0005", "1000"}
    assert changes.deleted == frozenset({gone})
    assert changes.watermark == datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
    merged = merge(snapshot, changes, source.id_column, "deals")
    fresh = source.fetch(request(tmp_path))
    assert by_id(merged) == by_id(fresh.select(merged.column_names))


def test_changes_are_asked_for_with_if_modified_since_a_second_early(zoho, tmp_path):
    change_things(zoho)
    make_source(zoho, tmp_path).fetch_changes(request(tmp_path), SINCE)
    (records,) = zoho.seen(RECORDS)
    assert records.headers["if-modified-since"] == "2025-06-01T00:00:59+00:00"
    assert (records.query["sort_by"], records.query["sort_order"]) == ("Modified_Time", "asc")
    assert records.query["fields"].split(",")[-1] == "Modified_Time"
    (deleted,) = zoho.seen(DELETED)
    assert deleted.query["type"] == "all"
    assert deleted.headers["if-modified-since"] == "2025-06-01T00:00:59+00:00"


def test_nothing_changed_is_two_204s_an_empty_typed_table_and_the_same_watermark(zoho, tmp_path):
    source = make_source(zoho, tmp_path)
    changes = source.fetch_changes(request(tmp_path), datetime(2025, 7, 1, tzinfo=UTC))
    assert changes.upserts.num_rows == 0
    assert changes.upserts.schema == source.fetch(request(tmp_path)).schema
    assert changes.deleted == frozenset()
    assert changes.watermark == datetime(2025, 7, 1, tzinfo=UTC)


def test_many_changes_page_on_with_page_tokens_bound_to_the_same_header(zoho, tmp_path):
    zoho.add_records(many_deals(2000, start=300))
    changes = make_source(zoho, tmp_path).fetch_changes(
        request(tmp_path), datetime(2025, 1, 1, tzinfo=UTC)
    )
    assert changes.upserts.num_rows == 2299
    assert sum("page_token" in r.query for r in zoho.seen(RECORDS)) == 2


def test_a_naive_since_is_taken_as_utc(zoho, tmp_path):
    make_source(zoho, tmp_path).fetch_changes(request(tmp_path), datetime(2025, 6, 1, 0, 1))
    assert zoho.seen(RECORDS)[0].headers["if-modified-since"] == "2025-06-01T00:00:59+00:00"


def test_a_refused_deleted_list_is_a_source_error_without_secrets(zoho, tmp_path):
    zoho.inject(path=DELETED, code="NO_PERMISSION", status=403, message="permission denied")
    with pytest.raises(SourceError) as failure:
        make_source(zoho, tmp_path).fetch_changes(request(tmp_path), SINCE)
    assert "may not read the module 'Deals'" in str(failure.value)
    for secret in (zoho.client_secret, zoho.refresh_token, *zoho.issued):
        assert secret not in str(failure.value)
