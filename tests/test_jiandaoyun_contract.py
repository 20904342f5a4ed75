"""The jiandaoyun source keeps kpiengine's source contract (kpiengine.testing), against the mock."""

from typing import ClassVar

import pytest
from jiandaoyun_server import APP, DEAL_WIDGETS, ENTRY, deal_record, quick_policy, serving

from kpiengine.testing import SourceContract
from kpiengine_jiandaoyun import JiandaoyunSource


class TestJiandaoyunSource(SourceContract):
    source_class = JiandaoyunSource
    columns: ClassVar = {"负责人": "string", "金额": "number", "成交日期": "date"}
    pushdown = True

    @pytest.fixture(autouse=True)
    def quick(self, monkeypatch):
        monkeypatch.setattr(JiandaoyunSource, "retry_policy", quick_policy())

    @pytest.fixture
    def jdy(self):
        with serving() as mock:
            mock.add_form(APP, ENTRY, DEAL_WIDGETS)
            records = [
                deal_record(
                    f"rep{i % 4}", 1000 + i, "赢单", f"2025-{i % 12 + 1:02d}-{i % 27 + 1:02d}"
                )
                for i in range(130)
            ]
            mock.add_records(APP, ENTRY, records)
            yield mock

    @pytest.fixture
    def options(self, jdy):
        return {
            "base_url": jdy.url,
            "api_key": jdy.api_key,
            "app_id": APP,
            "entry_id": ENTRY,
            "date_field": "成交日期",
        }

    @pytest.fixture
    def bad_options(self, options):
        return {**options, "entry_id": "no-such-form"}
