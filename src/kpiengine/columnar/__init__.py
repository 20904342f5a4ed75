"""The columnar evaluator: a whole plan scored on DuckDB over the subject × period table.

The row evaluator (`kpiengine.engine`, `kpiengine.scoring`, `kpiengine.payouts`) works one
subject at a time and keeps the working for `explain`; this one computes the same results as
SQL over every subject and period at once, so Python touches each result row only to hand it to
the outputs. Tests hold the two to the same answers.
"""

from __future__ import annotations

from kpiengine.columnar.run import evaluate_columnar

__all__ = ["evaluate_columnar"]
