"""Incremental refresh: fetch_changes on hs_lastmodifieddate, archived deals, merge by id."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hubspot_server import CHANNEL, UNLIMITED, account, deal, quick_policy, serving

from kpiengine import FetchRequest
from kpiengine.data.incremental import merge
from kpiengine_hubspot import HubSpotSource

COLUMNS = {
    "id": "string",
    "owner": "string",
    "amount": "number",
    "won": "boolean",
    "closed_on": "date",
    "modified_at": "string",
}
PERIOD = (date(2025, 1, 1), date(2025, 4, 1))
SINCE = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture
def hs(monkeypatch):
    monkeypatch.setattr(HubSpotSource, "retry_policy", quick_policy())
    monkeypatch.setattr(HubSpotSource, "rate_limits", UNLIMITED)
    with serving(account()) as mock:
        yield mock


def source(mock, tmp_path, **options):
    options = {"base_url": mock.url, "access_token": mock.token, **options}
    return HubSpotSource("deals", options, tmp_path)


def request(tmp_path, period=PERIOD):
    return FetchRequest("deals", COLUMNS, frozenset({"closed_on"}), *period, tmp_path)


def snapshot_and_changes(mock, tmp_path, change, since=SINCE, **options):
    """A full fetch, then `change(mock)`, then the changes since `since`."""
    snapshot = source(mock, tmp_path, **options).fetch(request(tmp_path))
    change(mock)
    changes = source(mock, tmp_path, **options).fetch_changes(request(tmp_path), since)
    return snapshot, changes


def by_id(table):
    return {row["id"]: row for row in table.to_pylist()}


def q1_deals(mock):
    """Three Q1 deals last modified in February; returns their ids."""
    return [
        deal(mock, "li.si@example.com", 100 * (i + 1), closed=f"2025-0{i + 1}-10T00:00:00Z",
             hs_lastmodifieddate=f"2025-02-0{i + 1}T00:00:00Z")
        for i in range(3)
    ]  # fmt: skip


def test_a_refresh_fetches_only_what_changed_and_merges_to_a_fresh_fetch(hs, tmp_path):
    _first, second, third = q1_deals(hs)

    def change(mock):
        mock.update(second, "2025-03-05T12:00:00.000Z", amount="250", dealstage="closedlost")
        mock.archive(third, "2025-03-06T00:00:00.000Z")
        deal(mock, "zhang.san@example.com", 900, closed="2025-03-20T00:00:00Z",
             hs_lastmodifieddate="2025-03-20T08:00:00.000Z")  # fmt: skip

    snapshot, changes = snapshot_and_changes(hs, tmp_path, change)
    assert sorted(by_id(changes.upserts)) == sorted([second, max(hs.records, key=int)])
    assert changes.deleted == frozenset({third})
    assert changes.watermark == datetime(2025, 3, 20, 8, tzinfo=UTC)
    merged = merge(snapshot, changes, "id", "deals")
    fresh = source(hs, tmp_path).fetch(request(tmp_path))
    assert by_id(merged) == by_id(fresh)
    assert by_id(merged)[second]["won"] is False
    assert merged.schema == fresh.schema


def test_the_changes_query_sorts_and_filters_on_the_modification_time_with_a_lookback(hs, tmp_path):
    source(hs, tmp_path).fetch_changes(request(tmp_path), SINCE)
    body = hs.searches()[0].body
    lookback = int((SINCE - timedelta(minutes=5)).timestamp() * 1000)
    assert body["sorts"] == [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}]
    assert body["filterGroups"] == [
        {
            "filters": [
                {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(lookback)}
            ]
        }
    ]
    archived = hs.seen("/crm/v3/objects/deals", "GET")
    assert [r.query["archived"] for r in archived] == ["true"]


def test_a_deal_moved_out_of_the_period_comes_back_to_replace_its_cached_copy(hs, tmp_path):
    moved, _, _ = q1_deals(hs)

    def change(mock):
        mock.update(moved, "2025-04-02T00:00:00Z", closedate="2025-05-01T00:00:00Z")

    snapshot, changes = snapshot_and_changes(hs, tmp_path, change)
    merged = by_id(merge(snapshot, changes, "id", "deals"))
    assert merged[moved]["closed_on"] == date(2025, 5, 1)  # the engine's period filter drops it


def test_a_deal_moved_to_another_pipeline_is_reported_deleted(hs, tmp_path):
    kept, moved, _ = q1_deals(hs)

    def change(mock):
        mock.update(moved, "2025-03-03T00:00:00Z", pipeline=CHANNEL, dealstage="9567448")
        mock.update(kept, "2025-03-04T00:00:00Z", amount="111")

    snapshot, changes = snapshot_and_changes(hs, tmp_path, change, pipeline="Sales Pipeline")
    assert list(by_id(changes.upserts)) == [kept]
    assert changes.deleted == frozenset({moved})
    assert moved not in by_id(merge(snapshot, changes, "id", "deals"))


def test_archived_before_the_last_refresh_are_not_reported_again(hs, tmp_path):
    old, recent, _ = q1_deals(hs)
    hs.archive(old, "2025-01-15T00:00:00Z")
    hs.archive(recent, "2025-03-02T00:00:00Z")
    changes = source(hs, tmp_path).fetch_changes(request(tmp_path), SINCE)
    assert changes.deleted == frozenset({recent})


def test_archived_deals_are_listed_page_by_page(hs, tmp_path):
    ids = [hs.add(amount="1") for _ in range(250)]
    for record_id in ids:
        hs.archive(record_id, "2025-03-02T00:00:00Z")
    changes = source(hs, tmp_path).fetch_changes(request(tmp_path), SINCE)
    assert changes.deleted == frozenset(ids)
    pages = hs.seen("/crm/v3/objects/deals", "GET")
    assert [r.query["limit"] for r in pages] == ["100", "100", "100"]


def test_nothing_changed_gives_typed_empty_upserts_and_keeps_the_watermark(hs, tmp_path):
    q1_deals(hs)
    changes = source(hs, tmp_path).fetch_changes(request(tmp_path), SINCE)
    assert changes.upserts.num_rows == 0
    assert changes.upserts.column_names == list(COLUMNS)
    assert changes.deleted == frozenset()
    assert changes.watermark == SINCE


def test_the_watermark_never_passes_the_time_the_refresh_started(hs, tmp_path):
    deal(hs, "li.si@example.com", 1, hs_lastmodifieddate="2099-01-01T00:00:00Z")
    before = datetime.now(UTC)
    changes = source(hs, tmp_path).fetch_changes(request(tmp_path), SINCE)
    assert before <= changes.watermark <= datetime.now(UTC)


def test_a_naive_since_is_taken_as_utc(hs, tmp_path):
    source(hs, tmp_path).fetch_changes(request(tmp_path), SINCE.replace(tzinfo=None))
    value = hs.searches()[0].body["filterGroups"][0]["filters"][0]["value"]
    assert value == str(int((SINCE - timedelta(minutes=5)).timestamp() * 1000))


def test_changes_past_the_cap_restart_on_the_modification_time(hs, tmp_path, monkeypatch):
    hs.search_cap = 1_000
    monkeypatch.setattr(HubSpotSource, "search_cap", 1_000)
    for i in range(1_500):
        hs.add(
            amount=str(i),
            hs_lastmodifieddate=f"2025-03-02T00:{i // 3 // 60:02d}:{i // 3 % 60:02d}Z",
        )
    changes = source(hs, tmp_path).fetch_changes(request(tmp_path), SINCE)
    ids = changes.upserts.column("id").to_pylist()
    assert len(ids) == len(set(ids)) == 1_500
    assert sum(s.body["after"] == "0" for s in hs.searches()) == 2


def test_a_deal_changed_while_the_pages_are_read_keeps_its_last_version(hs, tmp_path):
    seconds = [f"2025-03-02T00:{i // 60:02d}:{i % 60:02d}Z" for i in range(450)]
    ids = [hs.add(amount=str(i), hs_lastmodifieddate=seconds[i]) for i in range(450)]
    real_search = hs.search
    touched = []

    def search_then_touch(object_type, body):  # after the first page, deal 0 is modified
        answer = real_search(object_type, body)
        if body["after"] == "0" and not touched:
            touched.append(ids[0])
            hs.update(ids[0], "2025-03-03T00:00:00Z", amount="999")
        return answer

    hs.search = search_then_touch
    changes = source(hs, tmp_path).fetch_changes(request(tmp_path), SINCE)
    rows = by_id(changes.upserts)
    assert len(rows) == changes.upserts.num_rows == 450
    assert rows[ids[0]]["amount"] == 999
    assert changes.watermark == datetime(2025, 3, 3, tzinfo=UTC)
