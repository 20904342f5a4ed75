import pyarrow as pa
import pytest

from kpiengine.data.incremental import merge
from kpiengine.errors import SourceError
from kpiengine.source import Changes


def test_changes_replace_their_records_deleted_ones_go_and_new_ones_join():
    snapshot = pa.table({"id": ["1", "2", "3"], "amount": [1, 2, 3]})
    changes = Changes(pa.table({"id": ["2", "4"], "amount": [20, 40]}), frozenset({"3"}))
    merged = merge(snapshot, changes, "id", "crm")
    assert merged.to_pylist() == [
        {"id": "1", "amount": 1},
        {"id": "2", "amount": 20},
        {"id": "4", "amount": 40},
    ]


def test_no_changes_keep_the_snapshot():
    snapshot = pa.table({"id": ["1"], "amount": [1]})
    empty = Changes(snapshot.slice(0, 0))
    assert merge(snapshot, empty, "id", "crm").equals(snapshot)


def test_a_missing_id_column_is_a_source_error():
    with pytest.raises(SourceError, match=r"source 'crm'.*'id'"):
        merge(pa.table({"x": [1]}), Changes(pa.table({"x": [2]})), "id", "crm")
