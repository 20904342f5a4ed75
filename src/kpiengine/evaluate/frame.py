"""A result table built in stages: each stage adds columns computed from the ones before."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from kpiengine.evaluate.checked import guarded, person
from kpiengine.names import GRADE, TOTAL
from kpiengine.numeric import EXACT_SQL
from kpiengine.sql import ident

CHUNK_ROWS = 8_192
"""Rows per chunk of a computed stage."""

NOT_DECIMAL = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE"})


RESULT_COLUMNS = {"total": TOTAL, "grade": GRADE}
"""The result-level names an expression may read, and the engine columns that hold them."""


def column(name: str) -> str:
    """The SQL for a name an expression reads: every name is a column of the frame (`total` and
    `grade` under the engine's own names)."""
    return ident(RESULT_COLUMNS.get(name, name))


@dataclass
class Frame:
    """The subject × period (or group × period) table, grown one stage at a time."""

    con: duckdb.DuckDBPyConnection
    prefix: str
    stage: int = 0
    computed: bool = False
    """Whether the current stage is a table (nothing added since `start` or `materialize`)."""
    pending: str | None = None
    """The stages added since the last view, as one query of nested selects: DuckDB binds a
    view with every view below it, so a view a stage would bind the plan once per stage."""
    checked: bool = False
    """Whether each column a rule computes is guarded, to name the rule and the row a value
    fails for (`evaluate.checked`): only when a run has failed."""
    who: str = field(default_factory=person)
    """SQL naming a row in messages (`subject 'R001' in 2025-Q1`)."""

    @property
    def table(self) -> str:
        """The current stage, as a view or table other queries may read."""
        if self.pending is not None:
            self.stage += 1
            self.con.execute(f"CREATE OR REPLACE VIEW {self._name} AS {self.pending}")
            self.pending = None
        return self._name

    @property
    def _name(self) -> str:
        return ident(f"{self.prefix}_{self.stage}")

    @property
    def base(self) -> str:
        """The first stage, a table: the spine alone, without the joins and columns added to it."""
        return ident(f"{self.prefix}_0")

    def start(self, sql: str, params: list[Any] | None = None) -> None:
        self._compute(sql, params or [])

    def _compute(self, sql: str, params: list[Any]) -> None:
        """The current stage as computed rows: an Arrow table in small chunks, registered under
        the stage's name. DuckDB scans such a table a chunk per task, on every core — a DuckDB
        table of under 122,880 rows is one row group, scanned by one."""
        rows = self.con.sql(sql, params=params).to_arrow_table()
        chunked = pa.Table.from_batches(rows.to_batches(max_chunksize=CHUNK_ROWS), rows.schema)
        self.con.register(f"{self.prefix}_{self.stage}", chunked)
        self.computed = True

    def add(
        self, columns: Mapping[str, str], joins: str = "", rules: Mapping[str, str] | None = None
    ) -> None:
        """A new stage with these columns (name → SQL over the previous stage, aliased `t`).

        Stages are a query: nothing is bound until something reads `table`, nothing is copied
        until `materialize`, which the run calls where a table is read more than once.
        `rules` names the rule that computes a column (`indicators[0].score`): checked, a row
        whose value cannot be computed stops the run with that rule and the row named.
        """
        if not columns:
            return
        if self.checked and rules:
            columns = {name: self.guard(sql, rules.get(name)) for name, sql in columns.items()}
        select = ", ".join(f"{sql} AS {ident(name)}" for name, sql in columns.items())
        previous = self._name if self.pending is None else f"({self.pending})"
        self.pending = f"SELECT t.*, {select} FROM {previous} AS t {joins}"
        self.computed = False

    def guard(self, sql: str, rule: str | None) -> str:
        """`sql`, guarded when the frame is checked and a rule computes it."""
        return guarded(sql, rule, self.who) if self.checked and rule else sql

    def materialize(self) -> None:
        """Compute the stages so far once, into a table the next stages read."""
        if self.computed:
            return
        previous = self.table
        self.stage += 1
        self._compute(f"SELECT * FROM {previous}", [])

    def types(self) -> dict[str, str]:
        described = self.con.execute(f"DESCRIBE {self.table}").fetchall()
        return {str(row[0]): str(row[1]) for row in described}

    def rows(
        self, order: str, columns: Sequence[str], whole: Sequence[str] = (), where: str = "TRUE"
    ) -> list[dict[str, Any]]:
        """The named columns of the rows `where` holds, in `order`; numbers arrive as Decimal, as
        explain shows them, except the `whole` columns (indexes), which stay integers."""
        types = self.types()
        names = list(dict.fromkeys(columns))
        numbers = [_is_number(types[c]) and c not in whole for c in names]
        select = ", ".join(
            f"CAST(CAST({ident(c)} AS {EXACT_SQL}) AS VARCHAR)"
            if number and types[c] in NOT_DECIMAL
            else f"CAST({ident(c)} AS VARCHAR)"
            if number
            else ident(c)
            for c, number in zip(names, numbers, strict=True)
        )
        table = self.con.sql(f"SELECT {select} FROM {self.table} WHERE {where} ORDER BY {order}")
        # Decimals as text, turned into Decimal a column at a time: far faster than DuckDB's
        # Python objects one value at a time.
        arrow = table.to_arrow_table()
        values = [
            _decimals(arrow.column(i).to_pylist()) if number else arrow.column(i).to_pylist()
            for i, number in enumerate(numbers)
        ]
        return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _decimals(texts: list[str | None]) -> list[Decimal | None]:
    return [None if t is None else Decimal(t) for t in texts]


def _is_number(kind: str) -> bool:
    return kind in NOT_DECIMAL or kind.startswith("DECIMAL")
