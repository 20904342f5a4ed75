"""The salesforce source keeps kpiengine's source contract (kpiengine.testing), against the mock."""

from typing import ClassVar

import pytest
from salesforce_server import deal, quick_policy, serving

from kpiengine.testing import SourceContract
from kpiengine_salesforce import SalesforceSource


class TestSalesforceSource(SourceContract):
    source_class = SalesforceSource
    columns: ClassVar = {
        "owner": "string",
        "amount": "number",
        "stage": "string",
        "won": "boolean",
        "created_on": "date",
        "closed_on": "date",
    }
    pushdown = True

    @pytest.fixture(autouse=True)
    def quick(self, monkeypatch):
        monkeypatch.setattr(SalesforceSource, "retry_policy", quick_policy())

    @pytest.fixture
    def org(self):
        with serving() as mock:
            reps = [mock.add_user(f"Rep {i}", f"rep{i}@acme.example") for i in range(4)]
            for i in range(130):
                stage = "Closed Won" if i % 3 else "Closed Lost"
                day = f"2025-{i % 12 + 1:02d}-{i % 27 + 1:02d}"
                deal(mock, reps[i % 4], 1000 + i, stage, day)
            yield mock

    @pytest.fixture
    def options(self, org):
        return {
            "instance_url": org.url,
            "client_id": org.client_id,
            "client_secret": org.client_secret,
        }

    @pytest.fixture
    def bad_options(self, options):
        return {**options, "object": "NoSuchObject__c"}
