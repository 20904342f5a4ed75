"""The sqlite source keeps kpiengine's source contract: the whole suite, by subclassing it."""

from typing import ClassVar

import pytest
from kpiengine.testing import SourceContract

from sqlite_sample import make_database

# kpiengine's own test run collects these tests too; there they skip unless the plugin is installed.
sqlite_plugin = pytest.importorskip(
    "kpiengine_sqlite", reason="install the example: pip install -e examples/kpiengine-sqlite"
)


class TestSqliteSourceKeepsTheContract(SourceContract):
    source_class = sqlite_plugin.SqliteSource
    columns: ClassVar = {
        "sales_rep": "string",
        "amount": "number",
        "stage": "string",
        "closed_on": "date",
    }
    pushdown = True

    @pytest.fixture
    def options(self, tmp_path):
        make_database(tmp_path / "crm.db")
        return {"path": "crm.db", "table": "deals", "date_column": "closed_on"}

    @pytest.fixture
    def bad_options(self):
        return {"path": "no-such.db", "table": "deals"}


class TestSqliteSourceWithoutPushdownKeepsTheContract(TestSqliteSourceKeepsTheContract):
    pushdown = False

    @pytest.fixture
    def options(self, tmp_path):
        make_database(tmp_path / "crm.db")
        return {"path": "crm.db", "table": "deals"}

    @pytest.fixture
    def bad_options(self, tmp_path):
        make_database(tmp_path / "crm.db")
        return {"path": "crm.db", "table": "dealz"}
