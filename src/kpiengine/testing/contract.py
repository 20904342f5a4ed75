"""SourceContract: the contract every kpiengine source keeps, as pytest tests to subclass."""

from __future__ import annotations

import importlib.metadata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import pytest
from click.testing import CliRunner

from kpiengine.cli.commands import cli
from kpiengine.errors import SourceError
from kpiengine.plugins import ENTRY_POINT_GROUP, collect, new_manager
from kpiengine.source import FetchRequest, FieldType, Source
from kpiengine.testing.network import NetworkGuard, loopback_only
from kpiengine.testing.tables import dated_within, fetch_table, records, wrong_columns

MakeSource = Callable[[Mapping[str, Any]], Source]
MakeRequest = Callable[..., FetchRequest]
MISSING_COLUMN = "kpiengine_contract_no_such_column"


class SourceContract:
    """Subclass it as `TestMySource(SourceContract)` in your tests, and pytest runs the contract.

    Set `source_class` (your Source subclass) and `columns` (columns your test data has, with the
    type to ask for: include a date column to check the period filter), and override the
    `options` fixture to return options that work (it may use `tmp_path`, or a local server
    fixture of yours on 127.0.0.1). Optionally: `bad_options` (options the schema accepts but
    that cannot work, e.g. a missing file: they must raise SourceError), `pushdown = True` (your
    source filters on the period itself: nothing outside it may come back). Every test runs with
    the network limited to this machine.
    """

    source_class: ClassVar[type[Source]]
    """Your Source subclass."""
    columns: ClassVar[Mapping[str, FieldType]]
    """Columns the data behind `options` has, with the type to request each as."""
    pushdown: ClassVar[bool] = False
    """True when the source filters records on the period itself (e.g. in its API query)."""
    check_registration: ClassVar[bool] = True
    """False only while the package is not installed yet; the entry-point checks then skip."""
    source_id: ClassVar[str] = "contract"
    wide_period: ClassVar[tuple[date, date]] = (date(1970, 1, 1), date(2100, 1, 1))
    empty_period: ClassVar[tuple[date, date]] = (date(1901, 1, 1), date(1901, 1, 2))

    # -- fixtures you provide (override them) ------------------------------------------------

    @pytest.fixture
    def options(self) -> Mapping[str, Any]:
        """Options that work; override it."""
        pytest.fail("define an `options` fixture on your SourceContract subclass")

    @pytest.fixture
    def bad_options(self) -> Mapping[str, Any] | None:
        """Options the schema accepts but that cannot work; None skips that test."""
        return None

    @pytest.fixture
    def base_dir(self, tmp_path: Path) -> Path:
        """The folder relative paths in options are read from (the ruleset's folder in a run)."""
        return tmp_path

    # -- fixtures the contract provides ------------------------------------------------------

    @pytest.fixture(autouse=True)
    def loopback_network(self) -> Iterator[NetworkGuard]:
        """Every contract test fails if the source tried to reach beyond this machine."""
        with loopback_only() as guard:
            yield guard
        if guard.refused:
            pytest.fail(
                f"the source tried to reach {', '.join(guard.refused)}: tests must use a local "
                "server on 127.0.0.1",
                pytrace=False,
            )

    @pytest.fixture
    def make_source(self, base_dir: Path) -> MakeSource:
        """`make_source(options)`: a source built as the engine builds it."""
        cls = self.source_class
        return lambda options: cls(self.source_id, options, base_dir)

    @pytest.fixture
    def source(self, make_source: MakeSource, options: Mapping[str, Any]) -> Source:
        return make_source(options)

    @pytest.fixture
    def make_request(self, base_dir: Path) -> MakeRequest:
        """`make_request(columns=None, period=None)`: a FetchRequest as the engine makes one."""

        def make(
            columns: Mapping[str, FieldType] | None = None,
            period: tuple[date, date] | None = None,
        ) -> FetchRequest:
            wanted = dict(self.columns if columns is None else columns)
            start, end = period or self.wide_period
            dates = frozenset(c for c, kind in wanted.items() if kind == "date")
            return FetchRequest(self.source_id, wanted, dates, start, end, base_dir)

        return make

    # -- the contract --------------------------------------------------------------------

    def test_name_is_an_identifier(self) -> None:
        name = getattr(self.source_class, "name", None)
        assert isinstance(name, str) and name.isascii() and name.isidentifier(), (
            f"{self.source_class.__name__}.name must be a short identifier such as 'mycrm' "
            f"(rulesets write it as `plugin: mycrm`), not {name!r}"
        )

    def test_options_schema_is_a_valid_draft_2020_12_schema(self) -> None:
        schema = self.source_class.options_schema
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        assert not validator.is_valid(["a list"]), "options_schema must accept only a mapping"

    def test_options_schema_accepts_the_options(self, options: Mapping[str, Any]) -> None:
        jsonschema.Draft202012Validator(self.source_class.options_schema).validate(dict(options))

    def test_bad_options_are_a_source_error_naming_the_source(
        self,
        bad_options: Mapping[str, Any] | None,
        make_source: MakeSource,
        make_request: MakeRequest,
    ) -> None:
        if bad_options is None:
            pytest.skip("no `bad_options` fixture given")
        validator = jsonschema.Draft202012Validator(self.source_class.options_schema)
        assert validator.is_valid(dict(bad_options)), (
            "`bad_options` must pass options_schema: the ruleset check stops others earlier"
        )
        with pytest.raises(SourceError) as failure:
            source = make_source(bad_options)
            source.fields()
            fetch_table(source, make_request())
        assert self.source_id in str(failure.value), "the message must name the source id"

    def test_fields_are_a_mapping_of_field_types_or_none(self, source: Source) -> None:
        fields = source.fields()
        if fields is None:
            return
        assert isinstance(fields, Mapping), f"fields() must return a mapping or None: {fields!r}"
        kinds = {"string", "number", "integer", "date", "boolean"}
        assert all(isinstance(k, str) and v in kinds for k, v in fields.items()), fields
        missing = sorted(set(self.columns) - set(fields))
        assert not missing, f"fields() does not declare the columns {missing}"

    def test_fetch_delivers_every_declared_field(
        self, source: Source, make_request: MakeRequest
    ) -> None:
        fields = source.fields()
        if fields is None:
            pytest.skip("fields() returns None: the source does not declare its fields")
        table = fetch_table(source, make_request(columns=fields))
        assert not wrong_columns(table, fields), wrong_columns(table, fields)

    def test_fetch_returns_the_requested_columns_typed(
        self, source: Source, make_request: MakeRequest
    ) -> None:
        table = fetch_table(source, make_request())
        assert not wrong_columns(table, self.columns), wrong_columns(table, self.columns)
        assert table.num_rows > 0, "the data behind `options` should have records to check"
        assert isinstance(source.notes, list)
        assert all(isinstance(n, str) for n in source.notes), source.notes

    def test_a_period_with_no_records_still_returns_typed_columns(
        self, source: Source, make_request: MakeRequest
    ) -> None:
        table = fetch_table(source, make_request(period=self.empty_period))
        assert not wrong_columns(table, self.columns), wrong_columns(table, self.columns)

    def test_a_narrow_period_keeps_every_record_inside_it(
        self, source: Source, make_request: MakeRequest
    ) -> None:
        everything = records(fetch_table(source, make_request()), self.columns)
        window = self._narrow_window(everything)
        inside = Counter(self._key(r) for r in everything if dated_within(r, self._dates, window))
        got = Counter(
            self._key(r)
            for r in records(fetch_table(source, make_request(period=window)), self.columns)
        )
        lost = inside - got
        assert not lost, f"records dated in {window} were not returned: {list(lost)[:3]}"

    def test_pushdown_returns_nothing_outside_the_period(
        self, source: Source, make_request: MakeRequest
    ) -> None:
        if not self.pushdown:
            pytest.skip("pushdown = False: the engine filters the period itself")
        window = self._narrow_window(records(fetch_table(source, make_request()), self.columns))
        got = records(fetch_table(source, make_request(period=window)), self.columns)
        outside = [r for r in got if not dated_within(r, self._dates, window)]
        assert not outside, f"records outside {window} were returned: {outside[:3]}"

    def test_a_column_it_does_not_have_is_a_source_error_or_left_out(
        self, source: Source, make_request: MakeRequest
    ) -> None:
        request = make_request(columns={**self.columns, MISSING_COLUMN: "string"})
        try:
            table = fetch_table(source, request)
        except SourceError as exc:
            assert self.source_id in str(exc), "the message must name the source id"
            return
        assert MISSING_COLUMN not in table.column_names

    def test_it_registers_through_the_kpiengine_entry_point_group(self) -> None:
        self._entry_point()

    def test_kpiengine_plugins_lists_it(self) -> None:
        entry_point = self._entry_point()
        result = CliRunner().invoke(cli, ["plugins"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert entry_point.name in result.output, result.output
        assert f"source {self.source_class.name}" in result.output, result.output

    # -- helpers -------------------------------------------------------------------------

    @property
    def _dates(self) -> frozenset[str]:
        return frozenset(c for c, kind in self.columns.items() if kind == "date")

    def _key(self, record: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(record[c] for c in self.columns)

    def _narrow_window(self, everything: list[dict[str, Any]]) -> tuple[date, date]:
        """One day in the middle of the data's dates."""
        if not self._dates:
            pytest.skip("`columns` has no date column: the period filter cannot be checked")
        days = sorted(r[c] for r in everything for c in self._dates if isinstance(r[c], date))
        if not days:
            pytest.fail("the data behind `options` has no dated records to check the period on")
        middle = days[len(days) // 2]
        return middle, middle + timedelta(days=1)

    def _entry_point(self) -> importlib.metadata.EntryPoint:
        """The installed entry point whose module registers `source_class`."""
        if not self.check_registration:
            pytest.skip("check_registration = False")
        package = self.source_class.__module__.split(".")[0]
        candidates = [
            ep
            for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
            if ep.module.split(".")[0] == package
        ]
        assert candidates, (
            f"no entry point in the '{ENTRY_POINT_GROUP}' group points into package "
            f"'{package}': add [project.entry-points.{ENTRY_POINT_GROUP}] "
            f'{self.source_class.name} = "{package}" to pyproject.toml and install the package '
            "(pip install -e .)"
        )
        for ep in candidates:
            pm = new_manager()
            pm.register(ep.load(), name=ep.name)
            found = collect(pm)  # a class, or a Deferred naming it: load it to compare
            name = self.source_class.name
            if name in found.sources and found.source(name) is self.source_class:
                return ep
        pytest.fail(
            f"entry point(s) {[ep.name for ep in candidates]} do not register "
            f"{self.source_class.__name__} in their register_sources hook"
        )
