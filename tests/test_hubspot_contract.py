"""The hubspot source keeps kpiengine's source contract (kpiengine.testing), against the mock."""

from typing import ClassVar

import pytest
from hubspot_server import UNLIMITED, account, deal, quick_policy, serving

from kpiengine.testing import SourceContract
from kpiengine_hubspot import HubSpotSource

EMAILS = ["zhang.san@example.com", "li.si@example.com", "wang.wu@example.com"]


class TestHubSpotSource(SourceContract):
    source_class = HubSpotSource
    columns: ClassVar = {
        "id": "string",
        "owner": "string",
        "amount": "number",
        "created_on": "date",
        "closed_on": "date",
    }
    pushdown = True

    @pytest.fixture(autouse=True)
    def quick(self, monkeypatch):
        monkeypatch.setattr(HubSpotSource, "retry_policy", quick_policy())
        monkeypatch.setattr(HubSpotSource, "rate_limits", UNLIMITED)

    @pytest.fixture
    def hs(self):
        with serving(account()) as mock:
            for i in range(230):
                closed = f"2025-{i % 12 + 1:02d}-{i % 27 + 1:02d}T{i % 24:02d}:30:00.000Z"
                created = f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}T08:00:00.000Z"
                stage = "closedwon" if i % 3 else "contractsent"
                closed = closed if i % 3 else None
                deal(mock, EMAILS[i % 3], 1000 + i, stage, closed, created)
            yield mock

    @pytest.fixture
    def options(self, hs):
        return {"base_url": hs.url, "access_token": hs.token, "timezone": "Asia/Shanghai"}

    @pytest.fixture
    def bad_options(self, options):
        return {**options, "object": "dealz"}
