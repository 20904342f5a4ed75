"""The jiandaoyun source: a form's records, fields named by label, typed, period pushed down."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pyarrow as pa

from kpiengine import (
    FetchRequest,
    FieldType,
    JsonApi,
    Progress,
    Redactor,
    Refused,
    RetryPolicy,
    Source,
    SourceError,
)
from kpiengine_jiandaoyun.connection import RETRY, form_ref, open_api
from kpiengine_jiandaoyun.options import SOURCE_OPTIONS
from kpiengine_jiandaoyun.period import period_filter
from kpiengine_jiandaoyun.records import load_form, pages
from kpiengine_jiandaoyun.table import Column, page_batch, plan_columns, schema
from kpiengine_jiandaoyun.widgets import Form
from kpiengine_jiandaoyun.zone import zone_of

T = TypeVar("T")


class JiandaoyunSource(Source):
    """The records of a Jiandaoyun (简道云) form, read through the open API v5.

    The columns the ruleset asks for may be labels (负责人), aliases or widget names; they are
    resolved through `widget/list` and delivered under the name the ruleset used. Nothing is
    fetched before `fetch`: validating a ruleset needs no network.
    """

    name: ClassVar[str] = "jiandaoyun"
    options_schema: ClassVar[dict[str, Any]] = SOURCE_OPTIONS
    retry_policy: ClassVar[RetryPolicy] = RETRY
    """How transient failures are retried; tests set a policy that does not really sleep."""

    def __init__(self, source_id: str, options: Mapping[str, Any], base_dir: Path) -> None:
        super().__init__(source_id, options, base_dir)
        self.who = f"source '{source_id}'"
        self.redactor = Redactor.for_options(options, SOURCE_OPTIONS)

    def fields(self) -> Mapping[str, FieldType] | None:
        """Unknown without asking Jiandaoyun, which validation never does; checks `timezone`."""
        self._guarded(lambda: zone_of(self.options, self.who))
        return None

    def fetch(self, request: FetchRequest) -> pa.Table:
        """The requested columns of every record (in the run's periods, with `date_field`)."""
        return self._guarded(lambda: self._fetch(request))

    def _guarded(self, work: Callable[[], T]) -> T:
        with self.redactor.scrubbed():
            try:
                return work()
            except Refused as exc:
                raise SourceError(self.redactor.redact(exc.message)) from None

    def _fetch(self, request: FetchRequest) -> pa.Table:
        zone = zone_of(self.options, self.who)
        with open_api(
            self.options,
            who=self.who,
            error=SourceError,
            redactor=self.redactor,
            policy=self.retry_policy,
            filter_option="date_field",
        ) as api:
            form = load_form(api, form_ref(self.options))
            columns = plan_columns(form, request.columns, self.who, self._fields_option)
            return self._read(api, columns, self._filter(form, request, zone), zone)

    @property
    def _fields_option(self) -> str:
        return f"sources.{self.source_id}.fields"

    def _filter(self, form: Form, request: FetchRequest, zone: tzinfo) -> dict[str, Any] | None:
        label = self.options.get("date_field")
        if not label:
            return None
        widget = form.lookup(str(label), self.who, "the option date_field")
        return period_filter(widget, request.start, request.end, zone, self.who)

    def _read(
        self,
        api: JsonApi,
        columns: Sequence[Column],
        filter: Mapping[str, Any] | None,
        zone: tzinfo,
    ) -> pa.Table:
        # `_id` comes with every record; the cursor needs it whether asked for or not.
        names = list(dict.fromkeys(c.widget.name for c in columns))
        batches = []
        with Progress(self.who) as progress:
            for page in pages(api, form_ref(self.options), names, filter):
                batches.append(page_batch(page, columns, zone, self.who))
                progress.add(len(page))
        return pa.Table.from_batches(batches, schema=schema(columns))
