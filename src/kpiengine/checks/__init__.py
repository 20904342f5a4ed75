"""Checks the engine runs on the data every run: findings with a code, a severity and a message
naming the source, the field and the records, reported in the results (docs/results.md)."""

from kpiengine.checks.model import Check, ChecksFailed, Severity, failing, ordered

__all__ = ["Check", "ChecksFailed", "Severity", "failing", "ordered"]
