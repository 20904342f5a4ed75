"""kpiengine.testing: the contract passes a good source, catches broken ones, keeps tests local."""

import contextlib
import importlib.util
import socket
import socketserver
import threading
from datetime import date
from decimal import Decimal
from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from kpitest import invoke

from kpiengine import FetchRequest, Source, SourceError
from kpiengine.testing import (
    NetworkRefusedError,
    SourceContract,
    carries,
    fetch_table,
    is_loopback,
    loopback_only,
)

pytest_plugins = ["pytester"]

DEALS = pa.table(
    {
        "owner": ["A", "A", "B", "B", "C"],
        "amount": [Decimal(100), Decimal(50), Decimal(80), Decimal(20), Decimal(999)],
        "closed_on": [
            date(2025, 1, 10),
            date(2025, 2, 1),
            date(2025, 3, 31),
            date(2025, 3, 31),
            None,
        ],
    }
)


class GoodSource(Source):
    """A well-behaved source: pushes the period down, SourceErrors naming itself."""

    name = "good"
    options_schema: ClassVar[dict] = {
        "type": "object",
        "properties": {"table": {"type": "string"}},
        "required": ["table"],
        "additionalProperties": False,
    }

    def fields(self):
        return {"owner": "string", "amount": "number", "closed_on": "date"}

    def fetch(self, request):
        if self.options["table"] != "deals":
            raise SourceError(f"source '{self.source_id}': no table '{self.options['table']}'")
        missing = [c for c in request.columns if c not in DEALS.column_names]
        if missing:
            raise SourceError(f"source '{self.source_id}': no column '{missing[0]}'")
        return self.in_period(DEALS, request).select(list(request.columns))

    def in_period(self, table, request):
        if "closed_on" not in request.date_columns:
            return table
        day = table.column("closed_on")
        return table.filter(
            pc.and_(pc.greater_equal(day, request.start), pc.less(day, request.end))
        )


class TestGoodSourceKeepsTheContract(SourceContract):
    source_class = GoodSource
    columns: ClassVar[dict] = {"owner": "string", "amount": "number", "closed_on": "date"}
    pushdown = True
    check_registration = False

    @pytest.fixture
    def options(self):
        return {"table": "deals"}

    @pytest.fixture
    def bad_options(self):
        return {"table": "nope"}


# -- broken sources: each breaks one clause of the contract --------------------------------


class WrongTypes(GoodSource):
    def fetch(self, request):
        table = super().fetch(request)
        return table.set_column(1, "amount", pc.cast(table.column("amount"), pa.string()))


class NoBatchesForAnEmptyPeriod(GoodSource):
    def fetch(self, request):
        table = super().fetch(request)
        return table.to_batches() if table.num_rows else []


class KeyErrorOnBadOptions(GoodSource):
    def fetch(self, request):
        {"deals": DEALS}[self.options["table"]]  # a KeyError, not a SourceError, for a bad table
        return super().fetch(request)


class PhonesHome(GoodSource):
    def fetch(self, request):
        # a failure the source swallows: the guard fails the test all the same
        with contextlib.suppress(OSError):
            socket.create_connection(("203.0.113.9", 443), timeout=1).close()
        return super().fetch(request)


class ClaimsPushdownButReturnsEverything(GoodSource):
    def in_period(self, table, request):
        return table


class DropsTheFirstDay(GoodSource):
    def in_period(self, table, request):
        day = table.column("closed_on")
        return table.filter(pc.and_(pc.greater(day, request.start), pc.less(day, request.end)))


class BadSchema(GoodSource):
    options_schema: ClassVar[dict] = {"type": "objekt"}


class SpaceInName(GoodSource):
    name = "good source"


FETCHING = {
    "test_bad_options_are_a_source_error_naming_the_source",
    "test_fetch_delivers_every_declared_field",
    "test_fetch_returns_the_requested_columns_typed",
    "test_a_period_with_no_records_still_returns_typed_columns",
    "test_a_narrow_period_keeps_every_record_inside_it",
    "test_pushdown_returns_nothing_outside_the_period",
    "test_a_column_it_does_not_have_is_a_source_error_or_left_out",
}
READING_AMOUNT = FETCHING - {
    "test_bad_options_are_a_source_error_naming_the_source",
    "test_a_column_it_does_not_have_is_a_source_error_or_left_out",
}
BROKEN = {
    "WrongTypes": READING_AMOUNT,
    "NoBatchesForAnEmptyPeriod": {"test_a_period_with_no_records_still_returns_typed_columns"},
    "KeyErrorOnBadOptions": {"test_bad_options_are_a_source_error_naming_the_source"},
    "PhonesHome": FETCHING,
    "ClaimsPushdownButReturnsEverything": {"test_pushdown_returns_nothing_outside_the_period"},
    "DropsTheFirstDay": {"test_a_narrow_period_keeps_every_record_inside_it"},
    "BadSchema": {  # nothing can be validated against a broken schema
        "test_options_schema_is_a_valid_draft_2020_12_schema",
        "test_options_schema_accepts_the_options",
        "test_bad_options_are_a_source_error_naming_the_source",
    },
    "SpaceInName": {"test_name_is_an_identifier"},
    "GoodSource": {
        "test_it_registers_through_the_kpiengine_entry_point_group",
        "test_kpiengine_plugins_lists_it",
    },
}
"""Each broken source → the contract tests that must fail on it (and no others)."""

CONTRACTS = """
from test_testing_kit import TestGoodSourceKeepsTheContract as Good
from test_testing_kit import {names}
{classes}
"""
CONTRACT_CLASS = """
class Test{name}(Good):
    source_class = {name}
    check_registration = {registration}
"""


def test_the_contract_fails_each_broken_source_exactly_where_it_breaks(pytester):
    classes = "".join(
        CONTRACT_CLASS.format(name=name, registration=name == "GoodSource") for name in BROKEN
    )
    pytester.makepyfile(CONTRACTS.format(names=", ".join(BROKEN), classes=classes))
    recorder = pytester.inline_run("-p", "no:cacheprovider")
    failed: dict[str, set[str]] = {name: set() for name in BROKEN}
    for report in recorder.getreports("pytest_runtest_logreport"):
        _, cls, test = report.nodeid.split("::")
        if report.failed:
            failed[cls.removeprefix("Test")].add(test)
    assert failed == BROKEN


# -- the network guard ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        (b"127.0.0.1", True),
        ("10.0.0.1", False),
        ("203.0.113.9", False),
        ("api.jiandaoyun.com", False),
        ("localhost.evil.example", False),
        ("", False),
    ],
)
def test_only_this_machine_counts_as_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_the_guard_refuses_and_records_a_connection_beyond_this_machine():
    with loopback_only() as guard:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with pytest.raises(NetworkRefusedError, match="never the internet"), sock:
            sock.connect(("203.0.113.9", 443))
        with pytest.raises(OSError):
            socket.create_connection(("api.jiandaoyun.com", 443))
        with pytest.raises(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.sendto(b"x", ("8.8.8.8", 53))
    assert guard.refused == ["203.0.113.9", "api.jiandaoyun.com", "8.8.8.8"]


def test_the_guard_lets_a_local_server_answer_and_restores_sockets_after():
    class Echo(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.sendall(self.request.recv(16))

    before = socket.socket.connect
    with socketserver.TCPServer(("127.0.0.1", 0), Echo) as server:
        threading.Thread(target=server.handle_request, daemon=True).start()
        with loopback_only() as guard, socket.create_connection(server.server_address) as sock:
            sock.sendall(b"ping")
            assert sock.recv(16) == b"ping"
    assert guard.refused == []
    assert socket.socket.connect is before


# -- helpers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrow_type", "kind", "ok"),
    [
        (pa.string(), "string", True),
        (pa.large_string(), "string", True),
        (pa.dictionary(pa.int32(), pa.string()), "string", True),
        (pa.decimal128(38, 6), "number", True),
        (pa.float64(), "number", True),
        (pa.int64(), "number", True),
        (pa.int64(), "integer", True),
        (pa.float64(), "integer", False),
        (pa.date32(), "date", True),
        (pa.timestamp("s"), "date", False),
        (pa.string(), "date", False),
        (pa.bool_(), "boolean", True),
        (pa.null(), "number", True),
    ],
)
def test_which_arrow_types_carry_which_field_types(arrow_type, kind, ok):
    assert carries(arrow_type, kind) is ok


def test_fetch_table_joins_record_batches(tmp_path):
    class Batches(GoodSource):
        def fetch(self, request):
            return iter(DEALS.to_batches(max_chunksize=2))

    source = Batches("deals", {"table": "deals"}, tmp_path)
    table = fetch_table(source, FetchRequest("deals", {"owner": "string"}, base_dir=tmp_path))
    assert table.num_rows == 5


# -- the installed example plugin -------------------------------------------------------------

needs_sqlite_example = pytest.mark.skipif(
    importlib.util.find_spec("kpiengine_sqlite") is None,
    reason="the example plugin is not installed: pip install -e examples/kpiengine-sqlite",
)


@needs_sqlite_example
def test_kpiengine_plugins_lists_the_installed_example_plugin():
    result = invoke("plugins")
    assert result.exit_code == 0
    assert "sqlite  kpiengine-sqlite 0.1.0\n  source sqlite" in result.stdout


@needs_sqlite_example
def test_the_contract_finds_the_example_plugin_entry_point():
    from kpiengine_sqlite import SqliteSource

    class Probe(SourceContract):
        source_class = SqliteSource

    assert Probe()._entry_point().name == "sqlite"
