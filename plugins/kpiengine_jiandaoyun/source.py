"""The jiandaoyun source: a form's records, fields named by label, typed, period pushed down."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any, ClassVar

import pyarrow as pa

from kpiengine import FetchRequest, FieldType, JsonApi, Progress, RetryPolicy
from kpiengine.connectors import ApiSource, option_zone
from kpiengine_jiandaoyun.connection import RETRY, form_ref, open_api
from kpiengine_jiandaoyun.options import DEFAULT_TIMEZONE, SOURCE_OPTIONS
from kpiengine_jiandaoyun.period import period_filter
from kpiengine_jiandaoyun.records import load_form, pages
from kpiengine_jiandaoyun.table import Column, page_batch, plan_columns, schema
from kpiengine_jiandaoyun.widgets import Form


class JiandaoyunSource(ApiSource):
    """The records of a Jiandaoyun (简道云) form, read through the open API v5.

    The columns the ruleset asks for may be labels (负责人), aliases or widget names; they are
    resolved through `widget/list` and delivered under the name the ruleset used. Nothing is
    fetched before `fetch`: validating a ruleset needs no network.
    """

    name: ClassVar[str] = "jiandaoyun"
    options_schema: ClassVar[dict[str, Any]] = SOURCE_OPTIONS
    retry_policy: ClassVar[RetryPolicy] = RETRY

    def fields(self) -> Mapping[str, FieldType] | None:
        """Unknown without asking Jiandaoyun, which validation never does; checks `timezone`."""
        with self.guarded():
            option_zone(self.options, DEFAULT_TIMEZONE, self.who)
        return None

    def fetch(self, request: FetchRequest) -> pa.Table:
        """The requested columns of every record (in the run's periods, with `date_field`)."""
        with self.guarded():
            return self._fetch(request)

    def _fetch(self, request: FetchRequest) -> pa.Table:
        zone = option_zone(self.options, DEFAULT_TIMEZONE, self.who)
        with open_api(self.options, self.caller(), "date_field") as api:
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
        with Progress(self.who) as progress:
            read = progress.each(pages(api, form_ref(self.options), names, filter))
            batches = [page_batch(page, columns, zone, self.who) for page in read]
        return pa.Table.from_batches(batches, schema=schema(columns))
