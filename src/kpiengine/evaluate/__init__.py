"""The evaluate layer: the one place a number is computed.

The plan runs as DuckDB SQL over the subject × period table (the spine), a stage at a time:
aggregations, measures, targets, scores, ranks, groups, incentives, feedback. `run` publishes its
result columns; `explain` reads the same columns, and the working columns beside them.
"""

from __future__ import annotations

from kpiengine.evaluate.plan import Evaluation, evaluate_columnar

__all__ = ["Evaluation", "evaluate_columnar"]
