from decimal import Decimal

import pytest

from kpiengine.connectors import CRM_FIELDS, parse_integer, parse_number
from kpiengine.plugins import registry


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("1,200.50", Decimal("1200.500000")),
        (12, Decimal(12)),
        (Decimal("0.1234567"), Decimal("0.123457")),
        ("  -3.5 ", Decimal("-3.5")),
        ("", None),
        (None, None),
    ],
)
def test_vendor_numbers_become_exact_decimals(given, expected):
    assert parse_number(given) == expected


@pytest.mark.parametrize("given", ["12,5O0", "abc", True, "nan", "1e999999"])
def test_what_is_not_a_number_says_so(given):
    with pytest.raises(ValueError, match=r"not a number|too large"):
        parse_number(given)


def test_whole_numbers_refuse_fractions():
    assert parse_integer("12.0") == 12
    with pytest.raises(ValueError, match="not a whole number"):
        parse_integer("12.5")


@pytest.mark.parametrize("plugin", ["salesforce", "hubspot", "zoho"])
def test_every_crm_source_offers_the_same_fields(plugin, tmp_path):
    source_class = registry().source(plugin)
    options = {
        "salesforce": {
            "instance_url": "https://x.my.salesforce.com",
            "client_id": "a",
            "client_secret": "b",
        },
        "hubspot": {"access_token": "t"},
        "zoho": {"client_id": "a", "client_secret": "b", "refresh_token": "c"},
    }[plugin]
    assert dict(source_class("deals", options, tmp_path).fields()) == CRM_FIELDS
