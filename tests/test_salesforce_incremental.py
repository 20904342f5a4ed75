"""Incremental refresh: fetch_changes against the local org, merged into a snapshot by id."""

from datetime import UTC, date, datetime

import pytest
from salesforce_server import deal, quick_policy, serving, stamp

from kpiengine import FetchRequest
from kpiengine.data.incremental import merge
from kpiengine_salesforce import SalesforceSource

COLUMNS = {"id": "string", "owner": "string", "amount": "number", "closed_on": "date"}
SNAPSHOT_AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
BEFORE = stamp(datetime(2025, 5, 1, tzinfo=UTC))


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(SalesforceSource, "retry_policy", quick_policy())


@pytest.fixture
def org():
    with serving() as mock:
        mock.rep = mock.add_user("Li", "li@acme.example")
        yield mock


def request(tmp_path, period=(date(2025, 1, 1), date(2026, 1, 1))):
    return FetchRequest("deals", COLUMNS, frozenset({"closed_on"}), *period, tmp_path)


def source(org, tmp_path, **more):
    options = {
        "instance_url": org.url,
        "client_id": org.client_id,
        "client_secret": org.client_secret,
        **more,
    }
    return SalesforceSource("deals", options, tmp_path)


def by_id(table):
    return {row["id"]: row for row in table.to_pylist()}


def changed(record, when, **fields):
    record.update(fields, SystemModstamp=stamp(when), LastModifiedDate=stamp(when))


def test_changes_merged_into_the_snapshot_equal_a_fresh_fetch(org, tmp_path):
    kept, edited, removed, moved_out, left_where = (
        deal(org, org.rep, n, "Closed Won", "2025-03-01", SystemModstamp=BEFORE, Type="New")
        for n in (1, 2, 3, 4, 5)
    )
    src = source(org, tmp_path, where="Type = 'New'")
    snapshot = src.fetch(request(tmp_path))
    assert snapshot.num_rows == 5

    changed(edited, datetime(2025, 6, 2, tzinfo=UTC), Amount=200)
    changed(removed, datetime(2025, 6, 3, tzinfo=UTC), IsDeleted=True)
    changed(moved_out, datetime(2025, 6, 4, tzinfo=UTC), CloseDate="2024-12-31")
    changed(left_where, datetime(2025, 6, 5, tzinfo=UTC), Type="Renewal")
    added = deal(org, org.rep, 6, "Closed Won", "2025-04-01", Type="New")
    changed(added, datetime(2025, 6, 6, 9, 30, 15, 250000, tzinfo=UTC))

    changes = src.fetch_changes(request(tmp_path), SNAPSHOT_AT)

    assert set(by_id(changes.upserts)) == {edited["Id"], added["Id"]}
    assert changes.deleted == {removed["Id"], moved_out["Id"], left_where["Id"]}
    assert changes.watermark == datetime(2025, 6, 6, 9, 30, 15, 250000, tzinfo=UTC)
    merged = merge(snapshot, changes, "id", "deals")
    assert by_id(merged) == by_id(src.fetch(request(tmp_path)))
    assert kept["Id"] in by_id(merged)


def test_changes_are_asked_for_by_system_modstamp_with_query_all(org, tmp_path):
    deal(org, org.rep, 1, "Closed Won", "2025-03-01", SystemModstamp=BEFORE)
    source(org, tmp_path).fetch_changes(request(tmp_path), SNAPSHOT_AT)
    changed_ids, upserts = org.seen("/query")
    assert changed_ids.path.endswith("/queryAll")
    assert changed_ids.query["q"] == (
        "SELECT Id, IsDeleted, SystemModstamp FROM Opportunity WHERE "
        "(SystemModstamp >= 2025-06-01T12:00:00Z) ORDER BY SystemModstamp, Id"
    )
    assert upserts.path.endswith("/query")
    assert upserts.query["q"].endswith(
        "WHERE (CloseDate >= 2025-01-01 AND CloseDate < 2026-01-01) AND "
        "(SystemModstamp >= 2025-06-01T12:00:00Z) ORDER BY Id"
    )


def test_nothing_changed_gives_no_upserts_no_deletions_and_the_same_watermark(org, tmp_path):
    deal(org, org.rep, 1, "Closed Won", "2025-03-01", SystemModstamp=BEFORE)
    changes = source(org, tmp_path).fetch_changes(request(tmp_path), SNAPSHOT_AT)
    assert changes.upserts.num_rows == 0
    assert changes.upserts.column_names == list(COLUMNS)
    assert changes.deleted == frozenset()
    assert changes.watermark == SNAPSHOT_AT


def test_the_change_at_the_watermark_itself_is_read_again(org, tmp_path):
    record = deal(org, org.rep, 1, "Closed Won", "2025-03-01")
    changed(record, SNAPSHOT_AT)
    changes = source(org, tmp_path).fetch_changes(request(tmp_path), SNAPSHOT_AT)
    assert set(by_id(changes.upserts)) == {record["Id"]}


def test_a_naive_since_is_taken_as_utc(org, tmp_path):
    source(org, tmp_path).fetch_changes(request(tmp_path), datetime(2025, 6, 1, 12, 0))
    assert "SystemModstamp >= 2025-06-01T12:00:00Z" in org.queries[0]


def test_the_source_names_its_id_column_for_merging():
    assert SalesforceSource.id_column == "id"
