"""The zoho source keeps kpiengine's source contract (kpiengine.testing), against the mock."""

from typing import ClassVar

import pytest
from zoho_server import USERS, deal, quick_policy, serving

from kpiengine.testing import SourceContract
from kpiengine_zoho import ZohoSource


class TestZohoSource(SourceContract):
    source_class = ZohoSource
    columns: ClassVar = {
        "owner": "string",
        "amount": "number",
        "won": "boolean",
        "closed_on": "date",
    }
    # Closing dates are filtered exactly; with created_on too, its window is a day wider.
    pushdown = True

    @pytest.fixture(autouse=True)
    def quick(self, monkeypatch):
        monkeypatch.setattr(ZohoSource, "retry_policy", quick_policy())

    @pytest.fixture
    def zoho(self):
        with serving() as mock:
            mock.add_users(USERS)
            emails = [u["email"] for u in USERS]
            stages = ["Closed Won", "Closed Lost", "Negotiation/Review"]
            mock.add_records(
                [
                    deal(
                        i,
                        emails[i % 4],
                        1000 + i,
                        stages[i % 3],
                        f"2025-{i % 12 + 1:02d}-{i % 27 + 1:02d}",
                    )
                    for i in range(130)
                ]
            )
            yield mock

    @pytest.fixture
    def options(self, zoho):
        return {
            "client_id": zoho.client_id,
            "client_secret": zoho.client_secret,
            "refresh_token": zoho.refresh_token,
            "accounts_url": zoho.accounts_url,
        }

    @pytest.fixture
    def bad_options(self, options):
        return {**options, "refresh_token": "1000.revoked-refresh-token"}
